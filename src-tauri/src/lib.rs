//! The Tauri shell: the only code in the workspace that imports `tauri`.
//!
//! It holds a `recur_pos_app::Station` (the app without its window: keys, settings, the
//! counter and its services), exposes it to the web UI in `ui/` as one-line commands with small
//! DTOs, forwards the core's events as UI events and drives the customer
//! display window. Not here: any rule about sales, money, keys, the tunnel or Recur — those
//! live in `crates/`, where `recur-pos <subcommand>` uses them too.

mod commands;
mod display;
mod dto;
mod events;
mod print;
mod startup;
mod state;

use recur_pos_app::Station;
use tauri::Manager;

use crate::state::AppState;

pub fn run() {
    init_logging();
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::settings::app_status,
            commands::settings::reopen,
            commands::settings::settings,
            commands::settings::save_keys,
            commands::settings::clear_keys,
            commands::settings::tunnel_self_test,
            commands::settings::save_shop_name,
            commands::settings::save_phone_test,
            commands::settings::start_tunnel,
            commands::settings::stop_tunnel,
            commands::settings::dismiss_url_change,
            commands::settings::back_up_now,
            commands::settings::diagnostics,
            commands::review::journal,
            commands::review::reapply_event,
            commands::review::subscriptions,
            commands::review::sale_detail,
            commands::sale::products,
            commands::sale::charge,
            commands::sale::new_checkout,
            commands::sale::cancel_sale,
            commands::sale::pay_view,
            commands::sale::today,
            commands::sale::charge_cash,
            commands::sale::watch_sale,
            commands::sale::unwatch_sale,
            commands::sale::open_checkout,
            commands::owner::history,
            commands::owner::history_totals,
            commands::owner::day_report,
            commands::owner::close_day,
            commands::owner::trend,
            commands::owner::cross_check,
            commands::owner::open_print_view,
            commands::owner::export_history,
            commands::owner::cancel_export,
            commands::display::open_customer_display,
            commands::display::customer_view,
            commands::manager::manager_status,
            commands::manager::set_manager_pin,
            commands::manager::unlock_manager,
            commands::manager::lock_manager,
            commands::manager::audit_log,
            commands::manager::quit_app,
            commands::printing::printer_settings,
            commands::printing::save_printer,
            commands::printing::print_receipt,
            commands::printing::print_day,
            commands::printing::print_test,
            commands::printing::open_drawer,
            commands::printing::printer_status,
            commands::printing::receipt_sheet,
            commands::printing::open_receipt_view,
            commands::shop::shared_ledger_status,
            commands::shop::shop_status,
            commands::shop::check_shop,
            commands::shop::join_shop,
            commands::shop::leave_shop,
            commands::shop::name_counter,
        ])
        .setup(|app| {
            app.manage(AppState::new(Station::for_process()));
            startup::forward_station(app.handle().clone());
            startup::open(app.handle().clone());
            commands::printing::watch_status(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() != events::MAIN_WINDOW {
                return;
            }
            match event {
                // Leaving the app is the manager's: the UI asks for the PIN, then `quit_app`.
                tauri::WindowEvent::CloseRequested { api, .. } => {
                    let station = &window.app_handle().state::<AppState>().station;
                    match station.manager_status() {
                        Ok(m) if m.pin_set && !m.unlocked() => {
                            api.prevent_close();
                            events::emit(window.app_handle(), events::QUIT_REQUESTED, ());
                        }
                        // The manager closes the window: written down as `quit_app` is.
                        Ok(m) if m.pin_set => {
                            let _ = station.guard(recur_pos_core::Guarded::Quit, "window closed");
                        }
                        _ => {}
                    }
                }
                // The customer display never outlives the counter window.
                tauri::WindowEvent::Destroyed => window.app_handle().exit(0),
                _ => {}
            }
        })
        .build(tauri::generate_context!())
        .expect("error while building the Recur POS window")
        .run(|app, event| {
            // The tunnel program is our child: stop it, or a cloudflared/ngrok would outlive the
            // app (and a second ngrok session may be refused at the next start).
            if let tauri::RunEvent::Exit = event {
                app.state::<AppState>().station.shutdown();
            }
        });
}

fn init_logging() {
    // `RECUR_POS_LOG`, as for the command line (a second init, after the CLI's, is harmless).
    recur_pos_app::logging::init("info");
}
