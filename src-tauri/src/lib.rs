//! The Tauri shell: the only code in the workspace that imports `tauri`.

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .run(tauri::generate_context!())
        .expect("error while running the Recur POS window");
}
