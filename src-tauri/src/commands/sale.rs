//! Sell (by Recur's checkout or in cash), Pay and Today.

use recur_domain::{ErrorCode, Mode, Money, Timestamp, TxnId};
use recur_pos_core::{ChargeRequest, PosError, Until};
use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::display;
use crate::dto::CommandError;
use crate::dto::{CashSaleDto, PayDto, ProductDto, QrDto, SaleDto, TodayDto};
use crate::events::{self, WatchStatusDto};
use crate::state::AppState;

/// A charge as the Sell screen sends it.
#[derive(Debug, Deserialize)]
pub struct ChargeInput {
    pub product_id: String,
    /// `null` follows the product; `"SETUP"` saves the card only.
    pub mode: Option<String>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
}

impl ChargeInput {
    fn into_request(self) -> Result<ChargeRequest, CommandError> {
        let mode = match self.mode.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(text) => {
                Some(Mode::parse(text).ok_or_else(|| PosError::InvalidInput(format!("unknown mode {text:?}")))?)
            }
        };
        Ok(ChargeRequest {
            product_id: self.product_id,
            mode,
            customer_email: self.customer_email,
            customer_name: self.customer_name,
        })
    }
}

fn pay(sale: &recur_ledger::Sale) -> PayDto {
    PayDto {
        sale: SaleDto::from(sale),
        qr: sale.url.as_deref().and_then(QrDto::of),
    }
}

#[tauri::command]
pub async fn products(state: State<'_, AppState>, refresh: bool) -> Result<Vec<ProductDto>, CommandError> {
    Ok(state
        .counter()?
        .products(refresh)
        .await?
        .iter()
        .map(ProductDto::from)
        .collect())
}

#[tauri::command]
pub async fn charge(state: State<'_, AppState>, input: ChargeInput) -> Result<PayDto, CommandError> {
    Ok(pay(&state.counter()?.charge(input.into_request()?).await?))
}

/// A one-off sale paid in cash: PAID at once, no checkout, never sent to Recur. `tendered`
/// is what the customer handed over (the exact amount when none).
#[tauri::command]
pub async fn charge_cash(
    state: State<'_, AppState>,
    input: ChargeInput,
    tendered: Option<i64>,
) -> Result<CashSaleDto, CommandError> {
    if tendered.is_some_and(|t| t < 0) {
        return Err(PosError::InvalidInput("the cash handed over cannot be negative".into()).into());
    }
    let sale = state
        .counter()?
        .charge_cash(input.into_request()?, tendered.map(Money::new))
        .await?;
    Ok(CashSaleDto {
        tendered_text: sale.cash_tendered.map(Money::display_twd),
        change_text: recur_pos_core::change_due(&sale).map(Money::display_twd),
        sale: SaleDto::from(&sale),
    })
}

/// "New QR": a new checkout for a failed or expired sale.
#[tauri::command]
pub async fn new_checkout(state: State<'_, AppState>, id: String) -> Result<PayDto, CommandError> {
    Ok(pay(&state.counter()?.new_checkout(&TxnId::new(id)).await?))
}

#[tauri::command]
pub async fn cancel_sale(state: State<'_, AppState>, id: String) -> Result<SaleDto, CommandError> {
    Ok(SaleDto::from(&state.counter()?.cancel(&TxnId::new(id))?))
}

/// The sale with its QR, for (re)drawing the Pay screen.
#[tauri::command]
pub async fn pay_view(state: State<'_, AppState>, id: String) -> Result<PayDto, CommandError> {
    Ok(pay(&state.counter()?.sale(&TxnId::new(id))?.sale))
}

#[tauri::command]
pub async fn today(state: State<'_, AppState>) -> Result<TodayDto, CommandError> {
    Ok(TodayDto::from(&state.counter()?.today(Timestamp::now())?))
}

/// The Pay screen shows `id`: watch its session (the core's watch, until it is settled) and
/// put it on the customer display.
#[tauri::command]
pub async fn watch_sale(app: AppHandle, state: State<'_, AppState>, id: String) -> Result<SaleDto, CommandError> {
    let counter = state.counter()?;
    let sale = counter.sale(&TxnId::new(id))?.sale;
    display::show(&app, &state, Some(&sale));
    // Never keep watching the sale the screen showed before.
    state.stop_watch();
    if !Until::Settled.reached(sale.state) {
        let (app, id) = (app.clone(), sale.id.clone());
        state.set_watch(tauri::async_runtime::spawn(async move {
            let report = |status: &recur_pos_core::WatchStatus| {
                events::emit(&app, events::WATCH_STATUS, WatchStatusDto::from(status));
            };
            // Its end (settled, or an error reading again will not fix) was reported above.
            let _ = counter.watch(&id, Until::Settled, None, report).await;
        }));
    }
    Ok(SaleDto::from(&sale))
}

/// The Pay screen left its sale.
#[tauri::command]
pub async fn unwatch_sale(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    state.stop_watch();
    display::show(&app, &state, None);
    Ok(())
}

/// Opens the sale's hosted checkout in the system browser — never in the app's own webview.
/// Only the sale's own checkout URL can be opened this way.
#[tauri::command]
pub async fn open_checkout(app: AppHandle, state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    let sale = state.counter()?.sale(&TxnId::new(id))?.sale;
    let url = sale
        .url
        .ok_or_else(|| CommandError::new(ErrorCode::NoCheckout, "the sale has no checkout yet"))?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::OpenFailed, e.to_string()))
}
