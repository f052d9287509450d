//! Settings' backups and diagnostics in the real window: "Back up now" writes a backup into the
//! backups folder and says when and where; "Copy diagnostics" shows (and copies) a text that
//! says sandbox or live and never holds the key.

use super::app::App;

#[test]
fn back_up_now_and_copy_diagnostics_in_settings_never_show_the_key() {
    // A live key in the environment (Recur cannot be reached from here; the counter still
    // opens): the diagnostics must say live, and must not hold the key.
    let key = "sk_live_e2ediagnostics9876";
    let app = App::launch_locked(
        "backups",
        &[("RECUR_SECRET_KEY", key), ("RECUR_API_BASE", "http://127.0.0.1:9")],
    );
    app.become_manager();
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the backups folder in Settings",
        "return document.getElementById('set-backup-folder').textContent.endsWith('backups')",
    );
    let folder = app.text("#set-backup-folder");
    app.click("#backup-now");
    app.wait_js(
        "the backup to be made",
        "return document.getElementById('backup-result').textContent.includes('已備份')",
    );
    let last = app.text("#set-last-backup");
    assert!(last.contains(&folder) && last.contains("ledger-"), "{last}");
    let made: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{folder}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("ledger-") && n.ends_with(".db"))
        .collect();
    assert!(!made.is_empty(), "no backup in {folder}");
    // The daily backup (taken at start) and this one may share a second: `…Z.db`, `…Z-1.db`.
    assert!(made.iter().any(|n| last.ends_with(n.as_str())), "{last} vs {made:?}");
    app.shot("settings-backup");

    app.click("#diagnostics-copy");
    app.wait_js(
        "the diagnostics",
        "const d = document.getElementById('diagnostics-text'); return !d.hidden && d.textContent.includes('version: ')",
    );
    let text = app.text("#diagnostics-text");
    assert!(text.contains("environment: live"), "{text}");
    assert!(text.contains("last backup: "), "{text}");
    assert!(
        !text.contains(key) && !text.contains("e2ediagnostics9876"),
        "the key is in:\n{text}"
    );
    let said = app.text("#backup-result");
    assert!(said.contains("診斷資訊"), "{said}");
    app.shot("settings-diagnostics");
    assert!(
        app.data_dir().join("logs").is_dir(),
        "no logs folder in the data folder"
    );
}
