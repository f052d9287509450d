//! End-to-end tests of the counter window (tauri-driver + WebKitWebDriver under Xvfb).
