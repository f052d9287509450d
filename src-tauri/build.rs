//! Tauri's build step: embeds `tauri.conf.json`, the UI and the capabilities, and generates an
//! ACL permission (`allow-<command>`) for each app command, so each window's capability file
//! lists exactly the commands it may call.

/// Every `#[tauri::command]` of the shell (the same list as `generate_handler!` in lib.rs).
const COMMANDS: &[&str] = &[
    "app_status",
    "reopen",
    "settings",
    "save_keys",
    "clear_keys",
    "tunnel_self_test",
    "save_shop_name",
    "save_phone_test",
    "start_tunnel",
    "stop_tunnel",
    "dismiss_url_change",
    "back_up_now",
    "diagnostics",
    "journal",
    "reapply_event",
    "subscriptions",
    "sale_detail",
    "products",
    "charge",
    "new_checkout",
    "cancel_sale",
    "pay_view",
    "today",
    "charge_cash",
    "watch_sale",
    "unwatch_sale",
    "open_checkout",
    "history",
    "history_totals",
    "day_report",
    "close_day",
    "trend",
    "cross_check",
    "open_print_view",
    "export_history",
    "cancel_export",
    "open_customer_display",
    "customer_view",
    "manager_status",
    "set_manager_pin",
    "unlock_manager",
    "lock_manager",
    "audit_log",
    "quit_app",
    "printer_settings",
    "save_printer",
    "print_receipt",
    "print_day",
    "print_test",
    "open_drawer",
    "printer_status",
    "receipt_sheet",
    "open_receipt_view",
    "shared_ledger_status",
    "shop_status",
    "check_shop",
    "join_shop",
    "leave_shop",
    "name_counter",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    println!("cargo:rerun-if-changed=ui");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
