//! Several counters, one shop: the top bar's database dot (`shared_ledger_status`; later
//! changes come as the `shared-ledger` event) and Settings' card — this counter's shop and
//! counter names (saved, or set by the environment), the ledger it writes, the connection
//! test, joining the shop's shared ledger and leaving it (all the manager's). What joining
//! checks is `recur_pos_app::shop`'s; the password typed here only passes through to the
//! keyring, never into a DTO, the audit log or a log line.

use recur_domain::Secret;
use recur_pos_app::{env, shop, AppError};
use recur_pos_core::Guarded;
use tauri::{AppHandle, State};

use crate::dto::{CommandError, ShopCheckDto, ShopDto};
use crate::events::SharedLedgerDto;
use crate::startup;
use crate::state::AppState;

/// The shared ledger as the open counter last heard it (`shared: false` on a file of its own).
#[tauri::command]
pub async fn shared_ledger_status(state: State<'_, AppState>) -> Result<SharedLedgerDto, CommandError> {
    Ok(SharedLedgerDto::from(&state.counter()?.shared_status()))
}

#[tauri::command]
pub async fn shop_status(state: State<'_, AppState>) -> Result<ShopDto, CommandError> {
    let station = &state.station;
    let (shop, counter_name) = (station.settings().sale_shop(), station.settings().sale_counter());
    let effective = station.settings().shared_ledger();
    let counter = state.counter().ok();
    let status = counter.as_ref().map(|c| c.shared_status()).unwrap_or_default();
    // The open ledger's own address has no password; one named in settings or RECUR_POS_DB
    // loses it here (RECUR_POS_DB may carry one).
    let at = match &counter {
        Some(c) if status.shared => Some(c.ledger().path().display().to_string()),
        _ => effective
            .value
            .as_deref()
            .and_then(|url| shop::split_password(url).ok())
            .map(|(url, _)| url),
    };
    Ok(ShopDto {
        shop: shop.value,
        counter: counter_name.value,
        shop_from_env: shop.from_env,
        counter_from_env: counter_name.from_env,
        shared: status.shared,
        at,
        from_env: effective.from_env,
        joined: !effective.from_env && effective.value.is_some(),
        embedded: counter.as_ref().is_some_and(|c| c.is_embedded_sandbox()),
        reachable: status.reachable,
        waiting: status.waiting,
    })
}

/// Connects to the shop's ledger at `url` and says what is there; changes nothing.
#[tauri::command]
pub async fn check_shop(
    state: State<'_, AppState>,
    url: String,
    password: Option<String>,
) -> Result<ShopCheckDto, CommandError> {
    let check = state.station.check_shop(&url, secret(password)).await?;
    Ok(ShopCheckDto::from(&check))
}

/// Joins the shop at `url` (tested first; nothing is saved unless it answers) and re-opens
/// the counter on the shared ledger.
#[tauri::command]
pub async fn join_shop(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
    password: Option<String>,
) -> Result<ShopCheckDto, CommandError> {
    // A typing mistake or RECUR_POS_DB is said before the PIN is asked for.
    let (at, _) = shop::split_password(&url)?;
    not_from_env(&state)?;
    state
        .station
        .guard(Guarded::Settings, &format!("joined the shop's ledger at {at}"))?;
    let before = state.station.generation();
    let joined = state.station.join_shop(&url, secret(password)).await;
    reopened(&app, &state, before);
    Ok(ShopCheckDto::from(&joined?))
}

/// Names the shop and this counter as its sales record them (the manager's); the counter opens
/// again, and the card shows the names in effect.
#[tauri::command]
pub async fn name_counter(
    app: AppHandle,
    state: State<'_, AppState>,
    shop: String,
    counter: String,
) -> Result<ShopDto, CommandError> {
    // A bad name is said before the PIN is asked for.
    shop::origin(&shop, &counter)?;
    state.station.guard(
        Guarded::Settings,
        &format!("named this counter {:?} at shop {:?}", counter.trim(), shop.trim()),
    )?;
    let before = state.station.generation();
    let named = state.station.name_counter(&shop, &counter).await;
    reopened(&app, &state, before);
    named?;
    shop_status(state).await
}

/// Leaves the shop: the counter goes back to its own ledger file.
#[tauri::command]
pub async fn leave_shop(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    not_from_env(&state)?;
    state.station.guard(Guarded::Settings, "left the shop's ledger")?;
    let before = state.station.generation();
    let left = state.station.leave_shop().await;
    reopened(&app, &state, before);
    Ok(left?)
}

/// The station re-opened the counter itself (a failed connection test re-opens nothing): the
/// Pay screen's watch belonged to the old one, and the new one's events go to the window.
fn reopened(app: &AppHandle, state: &AppState, before: u64) {
    if state.station.generation() != before {
        state.stop_watch();
        startup::forward_current(app);
    }
}

fn not_from_env(state: &AppState) -> Result<(), CommandError> {
    if state.station.settings().shared_ledger().from_env {
        return Err(AppError::FromEnvironment(env::DB).into());
    }
    Ok(())
}

/// A typed password, as it is (spaces count); empty is none.
fn secret(password: Option<String>) -> Option<Secret> {
    password.filter(|p| !p.is_empty()).map(Secret::new)
}
