//! The tunnel from Settings: started with a command, its public webhook URL shown, the
//! self-test through it, and — when the quick tunnel comes back with another URL — the red
//! banner on every screen until dismissed. `fake-tunnel` stands in for cloudflared.

use std::path::{Path, PathBuf};

use super::app::App;

/// The tunnel never runs on the embedded sandbox: these tests give the app a Recur of its own
/// (a standalone sandbox on loopback, with its test key and webhook secret).
fn recur() -> recur_sandbox::Sandbox {
    recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).expect("sandbox")
}

fn on(recur: &recur_sandbox::Sandbox) -> [(&'static str, String); 3] {
    [
        ("RECUR_API_BASE", recur.base_url()),
        ("RECUR_SECRET_KEY", recur.secret_key().to_owned()),
        ("RECUR_WEBHOOK_SECRET", recur.webhook_secret().to_owned()),
    ]
}

fn launch(name: &'static str, recur: &recur_sandbox::Sandbox, extra: &[(&str, &str)]) -> App {
    let keys = on(recur);
    let mut env: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    App::launch_with(name, &env)
}

/// `fake-tunnel` is built with the workspace (it is `recur-tunnel`'s test program).
fn fake_tunnel() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_recur-pos")).with_file_name("fake-tunnel");
    assert!(
        path.exists(),
        "{} is missing: build the workspace (cargo test --workspace, or cargo build -p recur-tunnel --bins)",
        path.display()
    );
    path
}

#[test]
fn a_tunnel_started_in_settings_passes_the_self_test_and_a_changed_url_is_announced() {
    let command = format!("{} --to {{port}} --exit-after-ms 4000", fake_tunnel().display());
    // No RECUR_POS_SHOP_NAME: the shop name is Settings' to change.
    let recur = recur();
    let app = launch("tunnel", &recur, &[("RECUR_POS_SHOP_NAME", "")]);
    assert_eq!(
        app.js("return document.getElementById('dot-tunnel').dataset.state"),
        "off"
    );
    assert_eq!(app.text("#shop-name"), "Recur POS");
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("the shop name field", "return document.getElementById('in-shop').value === 'Recur POS' && !document.getElementById('in-shop').disabled;");
    app.js("document.getElementById('in-shop').value = ''; return true;");
    app.type_into("#in-shop", "晨光早餐店\u{E007}");
    app.wait_js(
        "the top bar showing the new name",
        "return document.getElementById('shop-name').textContent === '晨光早餐店';",
    );
    app.wait_js(
        "the tunnel card, not set up",
        "return document.getElementById('set-tunnel-state').dataset.status === 'none';",
    );
    let port = app.text("#set-listener-port");
    assert!(
        app.text("#tunnel-hint").contains(&port),
        "the hint names the listener's port {port}"
    );
    assert_eq!(
        app.js("return document.querySelectorAll('#tunnel-presets button.preset').length"),
        2,
        "cloudflared and ngrok presets"
    );

    app.click("#tunnel-presets button.preset");
    assert!(app
        .js("return document.getElementById('in-tunnel').value")
        .as_str()
        .unwrap_or_default()
        .starts_with("cloudflared"));
    app.js("document.getElementById('in-tunnel').value = ''; return true;");
    app.type_into("#in-tunnel", &command);
    app.click("#tunnel-start");
    app.wait_js(
        "the public webhook URL",
        "return document.getElementById('set-tunnel-state').dataset.status === 'up' \
         && /^http:\\/\\/127\\.0\\.0\\.1:\\d+\\/webhooks\\/recur$/.test(document.getElementById('set-tunnel-url').textContent);",
    );
    let first = app.text("#set-tunnel-url");
    assert_eq!(
        app.js("return document.getElementById('dot-tunnel').dataset.state"),
        "ok",
        "the top bar's tunnel dot"
    );
    assert!(
        app.js("return document.getElementById('url-banner').hidden")
            .as_bool()
            .unwrap(),
        "the first URL is no change: {} / {first}",
        app.text("#url-banner")
    );

    app.click("#tunnel-test");
    app.wait_js("the self-test result", "const r = document.getElementById('tunnel-result'); return r.dataset.state === 'ok' || r.dataset.state === 'bad';");
    assert_eq!(
        app.js("return document.getElementById('tunnel-result').dataset.state"),
        "ok",
        "{}",
        app.text("#tunnel-result")
    );
    assert!(app.text("#tunnel-result").contains("毫秒"), "the round trip is shown");
    app.click("#tunnel-copy");
    app.wait_js(
        "the copy button's answer",
        "return !!document.getElementById('tunnel-copy').dataset.copied;",
    );
    println!(
        "copying the URL in WebKitGTK: {}",
        app.js("return document.getElementById('tunnel-copy').dataset.copied")
    );
    app.shot("settings");

    // The saved settings: the command, and the URL to compare the next one with.
    let file = app.text("#set-settings-file");
    let saved = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(
        saved.contains("--exit-after-ms 4000") && saved.contains(first.trim_end_matches("/webhooks/recur")),
        "{saved}"
    );
    assert!(saved.contains("晨光早餐店"), "{saved}");

    // The quick tunnel dies after 4 s and comes back with another URL: the red banner.
    app.wait_js(
        "the URL-changed banner",
        "return !document.getElementById('url-banner').hidden;",
    );
    let new_url = app.text("#url-banner-url");
    assert_ne!(new_url, first, "the banner shows the new URL");
    assert!(app.text("#url-banner").contains("通道網址已變更"));
    assert!(
        app.text("#url-banner-old").contains(&first),
        "and the one Recur's dashboard still has"
    );
    // (It keeps restarting every few seconds: compare what is on screen at one instant.)
    app.wait_js(
        "Settings showing the banner's URL",
        "return document.getElementById('set-tunnel-url').textContent === document.getElementById('url-banner-url').textContent;",
    );
    app.shot("url-changed");
    app.click(".tab[data-view=\"sell\"]");
    assert!(
        !app.js("return document.getElementById('url-banner').hidden")
            .as_bool()
            .unwrap(),
        "the banner is on every screen"
    );
    app.shot("url-changed-sell");

    // Stopped first, so no later URL brings the banner back.
    app.click(".tab[data-view=\"settings\"]");
    app.click("#tunnel-stop");
    app.wait_js("the tunnel stopped", "return document.getElementById('set-tunnel-state').dataset.status === 'stopped' && document.getElementById('dot-tunnel').dataset.state === 'off';");
    assert!(
        app.js("return document.getElementById('set-tunnel-public').hidden")
            .as_bool()
            .unwrap(),
        "no public URL once stopped"
    );
    assert!(
        !app.js("return document.getElementById('url-banner').hidden")
            .as_bool()
            .unwrap(),
        "stopping does not hide the warning"
    );
    app.click("#url-banner-dismiss");
    app.wait_js(
        "the banner gone",
        "return document.getElementById('url-banner').hidden;",
    );

    // A program that cannot start: restarting, with why and when it tries again.
    app.js("document.getElementById('in-tunnel').value = ''; return true;");
    app.type_into(
        "#in-tunnel",
        "/nonexistent/cloudflared tunnel --url http://127.0.0.1:{port}",
    );
    app.click("#tunnel-start");
    app.wait_js(
        "restarting, with the reason and the retry time",
        "return document.getElementById('set-tunnel-state').dataset.status === 'restarting' \
         && document.getElementById('set-tunnel-detail').textContent.includes('cannot start') \
         && document.getElementById('set-tunnel-detail').textContent.includes('秒後重試') \
         && document.getElementById('dot-tunnel').dataset.state === 'error';",
    );
    app.shot("restarting");
    app.click("#tunnel-stop");
    app.wait_js(
        "the tunnel stopped again",
        "return document.getElementById('set-tunnel-state').dataset.status === 'stopped';",
    );
}

#[test]
fn the_tunnel_command_from_the_environment_starts_with_the_app_and_is_read_only() {
    let command = format!("{} --to {{port}}", fake_tunnel().display());
    let recur = recur();
    let app = launch("tunnel-env", &recur, &[("RECUR_POS_TUNNEL", command.as_str())]);
    app.wait_js(
        "the tunnel dot connected at start-up",
        "return document.getElementById('dot-tunnel').dataset.state === 'ok';",
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("the public webhook URL", "return document.getElementById('set-tunnel-state').dataset.status === 'up' && !document.getElementById('set-tunnel-public').hidden;");
    assert_eq!(
        app.js("return document.getElementById('in-tunnel').value"),
        command.as_str()
    );
    assert_eq!(
        app.js("return document.getElementById('in-tunnel').disabled"),
        true,
        "the environment's command cannot be edited"
    );
    assert!(
        !app.js("return document.getElementById('tunnel-env').hidden")
            .as_bool()
            .unwrap(),
        "and Settings says why"
    );
    assert_eq!(
        app.js("return document.getElementById('in-shop').disabled"),
        true,
        "RECUR_POS_SHOP_NAME is set too"
    );
    app.js("document.querySelector('.card-tunnel').scrollIntoView(); return true;");
    app.shot("settings");
}

#[test]
fn no_tunnel_runs_on_the_embedded_sandbox_and_settings_says_why() {
    let command = format!("{} --to {{port}}", fake_tunnel().display());
    let app = App::launch_with("tunnel-sandbox", &[("RECUR_POS_TUNNEL", command.as_str())]);
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the tunnel card saying none runs on the sandbox",
        "return !document.getElementById('tunnel-sandbox').hidden && document.getElementById('tunnel-start').disabled;",
    );
    assert!(
        app.text("#tunnel-sandbox").contains("內建沙盒"),
        "{}",
        app.text("#tunnel-sandbox")
    );
    assert_ne!(
        app.js("return document.getElementById('set-tunnel-state').dataset.status"),
        "up"
    );
    assert_eq!(
        app.js("return document.getElementById('dot-tunnel').dataset.state"),
        "off",
        "the command from the environment did not start"
    );
    assert!(
        app.js("return document.getElementById('set-tunnel-public').hidden")
            .as_bool()
            .unwrap(),
        "no public URL"
    );
    app.js("document.querySelector('.card-tunnel').scrollIntoView(); return true;");
    app.shot("settings-sandbox-tunnel");
    app.click("#lang-switch");
    app.wait_js(
        "English",
        "return document.getElementById('tunnel-sandbox').textContent.includes('built-in sandbox')",
    );
    app.js("document.querySelector('.card-tunnel').scrollIntoView(); return true;");
    app.shot("settings-sandbox-tunnel-en");
}
