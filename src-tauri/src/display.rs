//! The customer display: a second window (label `customer`) for a monitor that faces the
//! customer. It shows one sale's amount, product, QR and state — the sale on the Pay screen —
//! and nothing else: no email or name, no other sale, no control. Its capability allows it
//! one command (`customer_view`), which hands the shell a channel for its updates; it may not
//! listen to events at all (Tauri delivers an event sent to one window to listeners of any
//! window, so a generic listen permission would let it hear the counter's). Everything else
//! is refused by Tauri's ACL before it reaches a command.

use recur_ledger::Sale;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::dto::CommandError;
use crate::dto::{CustomerViewDto, QrDto};
use crate::state::AppState;

pub const LABEL: &str = "customer";

/// Opens the customer window, or brings it forward if it is open.
pub fn open(app: &AppHandle) -> Result<(), CommandError> {
    if let Some(window) = app.get_webview_window(LABEL) {
        return window
            .set_focus()
            .map_err(|e| CommandError::new(recur_domain::ErrorCode::WindowFailed, e.to_string()));
    }
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("customer.html".into()))
        .title("顧客顯示 Customer display — Recur POS")
        .inner_size(1024.0, 768.0)
        .min_inner_size(640.0, 480.0)
        .build()
        .map(|_| ())
        .map_err(|e| CommandError::new(recur_domain::ErrorCode::WindowFailed, e.to_string()))
}

/// What the customer window shows now.
pub fn view(state: &AppState) -> CustomerViewDto {
    let sale = state
        .display()
        .and_then(|id| state.counter().ok()?.sale(&id).ok())
        .map(|detail| detail.sale);
    view_of(&state.shop_name(), sale.as_ref())
}

pub fn view_of(shop_name: &str, sale: Option<&Sale>) -> CustomerViewDto {
    let Some(sale) = sale else {
        return CustomerViewDto {
            shop_name: shop_name.to_owned(),
            state: "idle".into(),
            page_opened: false,
            amount_text: None,
            product_name: None,
            mode: None,
            qr: None,
        };
    };
    let open = matches!(sale.state, recur_domain::SaleState::Open);
    CustomerViewDto {
        shop_name: shop_name.to_owned(),
        state: sale.state.as_str().to_owned(),
        page_opened: sale.page_opened_at.is_some(),
        amount_text: Some(sale.amount.display_twd()),
        product_name: Some(sale.product_name.clone()),
        mode: Some(sale.mode.as_str().to_owned()),
        // Only a payable sale shows a code: a settled one must not invite a second scan.
        qr: if open {
            sale.url.as_deref().and_then(QrDto::of)
        } else {
            None
        },
    }
}

/// Sends the customer window its view of `sale` (or idle).
pub fn publish_sale(app: &AppHandle, state: &AppState, sale: Option<&Sale>) {
    if app.get_webview_window(LABEL).is_some() {
        send(state, &view_of(&state.shop_name(), sale));
    }
}

/// Sends the customer window what it shows now (after the shop name changed).
pub fn refresh(app: &AppHandle, state: &AppState) {
    if app.get_webview_window(LABEL).is_some() {
        send(state, &view(state));
    }
}

/// Sends `view` on each of the customer window's channels.
fn send(state: &AppState, view: &CustomerViewDto) {
    for channel in state.customer_channels() {
        if let Err(e) = channel.send(view.clone()) {
            tracing::warn!(error = %e, "could not update the customer display");
        }
    }
}

/// Puts `sale` (or nothing) on the customer display.
pub fn show(app: &AppHandle, state: &AppState, sale: Option<&Sale>) {
    state.set_display(sale.map(|s| s.id.clone()));
    publish_sale(app, state, sale);
}
