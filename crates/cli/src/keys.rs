//! `recur-pos keys set|status|clear`: the keys in the OS keyring, from the command line, with
//! the window's own checks (`recur_pos_app::keys`).
//!
//! A key is read as one line from standard input — never from the arguments, which any user
//! of the machine can see in `ps`. Not here: where keys are looked up (`recur_pos_app::keys`).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use recur_pos_app::keys::{self, KeyInfo, KeyName};
use recur_pos_app::{AppError, Station};
use serde_json::json;

use crate::args::{KeyArg, KeysAction};
use crate::output::write_json;

pub async fn run(station: &Arc<Station>, action: KeysAction, out: &mut dyn Write) -> Result<u8, AppError> {
    match action {
        KeysAction::Set { key, api_base } => set(station, key, api_base, out).await,
        KeysAction::Status { json } => {
            let status = keys::read(station.store(), station.env().clone()).await.status();
            if json {
                write_json(
                    out,
                    &json!({
                        "secret_key": info_json(&status.secret_key),
                        "webhook_secret": info_json(&status.webhook_secret),
                        "keyring": status.keyring_error.map_or("ok", |c| c.as_str()),
                    }),
                );
            } else {
                let _ = writeln!(out, "secret key      {}", info_text(&status.secret_key));
                let _ = writeln!(out, "webhook secret  {}", info_text(&status.webhook_secret));
                if let Some(error) = status.keyring_error {
                    let _ = writeln!(out, "keyring         could not be read ({error})");
                }
            }
            Ok(0)
        }
        KeysAction::Clear => {
            station.clear_keys().await?;
            let _ = writeln!(out, "both keys removed from the keyring");
            Ok(0)
        }
    }
}

async fn set(
    station: &Arc<Station>,
    key: KeyArg,
    api_base: Option<String>,
    out: &mut dyn Write,
) -> Result<u8, AppError> {
    let line = read_line(key)?;
    let (name, value) = match key {
        KeyArg::SecretKey => {
            let base = api_base.clone().or_else(|| station.settings().api_base());
            let (secret, environment) = keys::check_secret_key(&line, base.as_deref()).await?;
            eprintln!("Recur accepted the key ({} environment)", environment.as_str());
            (KeyName::SecretKey, secret)
        }
        KeyArg::WebhookSecret => (KeyName::WebhookSecret, keys::check_webhook_secret(&line)?),
    };
    let masked = value.masked();
    station.save_key(name, value).await?;
    if let Some(base) = api_base {
        station.settings().update(|s| s.api_base = Some(base))?;
    }
    let _ = writeln!(out, "saved {masked} in the OS keyring");
    Ok(0)
}

/// One line from standard input; a prompt on stderr when a person is typing.
fn read_line(key: KeyArg) -> Result<String, AppError> {
    let what = match key {
        KeyArg::SecretKey => "Recur secret key (sk_test_… or sk_live_…)",
        KeyArg::WebhookSecret => "webhook secret (whsec_…)",
    };
    Ok(read_secret_line(&format!("Paste the {what} and press Enter: "))?
        .trim()
        .to_owned())
}

/// One line from standard input without its line ending, never echoed back; `prompt` goes to
/// stderr when a person is typing. (Secrets never come from the command line.)
pub(crate) fn read_secret_line(prompt: &str) -> Result<String, AppError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::Internal(format!("standard input could not be read: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn info_json(info: &KeyInfo) -> serde_json::Value {
    json!({ "source": info.source.as_str(), "masked": info.masked })
}

fn info_text(info: &KeyInfo) -> String {
    match &info.masked {
        Some(masked) => format!("{masked}  (from the {})", info.source.as_str()),
        None => "not set".to_owned(),
    }
}
