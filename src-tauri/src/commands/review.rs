//! Events and review: the webhook journal (with "apply again"), subscriptions, and one sale's
//! full story.

use recur_domain::{EventId, TxnId};
use recur_pos_core::Guarded;
use tauri::State;

use crate::dto::CommandError;
use crate::dto::{JournalDto, JournalEntryDto, ReapplyDto, SaleDetailDto, SaleDto, SubscriptionDto};
use crate::state::AppState;

/// How many deliveries the Events screen lists (the CLI's `events` reads further back).
const JOURNAL_SHOWN: usize = 200;

#[tauri::command]
pub async fn journal(state: State<'_, AppState>, unmatched_only: bool) -> Result<JournalDto, CommandError> {
    let (entries, sales, unmatched_count) = state.counter()?.journal_view(unmatched_only, JOURNAL_SHOWN)?;
    Ok(JournalDto {
        entries: entries.iter().map(JournalEntryDto::from).collect(),
        sales: sales.iter().map(SaleDto::from).collect(),
        unmatched_count,
    })
}

/// "Apply again" for one journaled event: applying twice changes nothing.
#[tauri::command]
pub async fn reapply_event(state: State<'_, AppState>, event_id: String) -> Result<ReapplyDto, CommandError> {
    let counter = state.station.guard(Guarded::ApplyAgain, &event_id)?;
    Ok(ReapplyDto::from(&counter.reapply_event(&EventId::new(event_id))?))
}

#[tauri::command]
pub async fn subscriptions(state: State<'_, AppState>) -> Result<Vec<SubscriptionDto>, CommandError> {
    Ok(state
        .counter()?
        .subscriptions()?
        .iter()
        .map(SubscriptionDto::from)
        .collect())
}

/// One sale with its history and refunds (Today's and Events' detail view).
#[tauri::command]
pub async fn sale_detail(state: State<'_, AppState>, id: String) -> Result<SaleDetailDto, CommandError> {
    Ok(SaleDetailDto::from(&state.counter()?.sale(&TxnId::new(id))?))
}
