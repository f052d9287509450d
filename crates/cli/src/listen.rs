//! `recur-pos listen`: the webhook listener, the sweep and the tunnel, run headless until Ctrl-C
//! or SIGTERM — the same services, from the same code, as the window runs.
//!
//! stdout gets the local webhook URL when ready, then the public webhook URL each time the
//! tunnel announces one; stderr says what to do when that URL changed (Recur's dashboard must
//! be given the new one). Not here: what the services do (`recur-pos-app`).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use recur_pos_app::services::Listen;
use recur_pos_app::tunnel::TunnelView;
use recur_pos_app::{AppError, Plan, Port, Station, StationEvent};
use tokio::sync::broadcast::error::RecvError;

use crate::opening::open;
use crate::output::write_json;

pub async fn run(
    station: &Arc<Station>,
    port: u16,
    sweep_every: u64,
    tunnel: Option<String>,
    json: bool,
    out: &mut dyn Write,
) -> Result<u8, AppError> {
    let asked_for_tunnel = tunnel.is_some();
    let plan = Plan {
        listen: Some(Listen {
            port: Port::Fixed(port),
            sweep_every: Duration::from_secs(sweep_every.max(1)),
        }),
        tunnel: true,
        tunnel_command: tunnel,
        hub: true,
    };
    let mut events = station.subscribe();
    let counter = open(station, plan).await?;
    if asked_for_tunnel && counter.is_embedded_sandbox() {
        station.shutdown();
        return Err(AppError::TunnelOnSandbox);
    }
    let listener = station.listener().ok_or_else(|| {
        let why = if counter.webhook_secret().is_none() {
            AppError::Pos(recur_pos_core::PosError::NoWebhookSecret)
        } else {
            AppError::Pos(recur_pos_core::PosError::Listener(format!(
                "port {port} could not be bound"
            )))
        };
        station.shutdown();
        why
    })?;
    if json {
        let ready = serde_json::json!({ "port": listener.port, "webhook_url": listener.webhook_url });
        write_json(out, &ready);
    } else {
        let _ = writeln!(out, "listening on {}", listener.webhook_url);
        let _ = out.flush();
    }
    let mut shown = Shown::default();
    shown.tunnel(&station.tunnel_view(), json, out);
    if counter.is_embedded_sandbox() {
        eprintln!(
            "webhooks: {} — the embedded sandbox delivers here itself; no tunnel runs on it",
            listener.webhook_url
        );
    } else if station.tunnel_view().command.is_none() {
        eprintln!(
            "webhooks: {} — no tunnel command is set (--tunnel or Settings): Recur cannot reach this \
             listener; payments are still confirmed by reading each checkout",
            listener.webhook_url
        );
    }
    let stop = wait_for_stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => match event {
                Ok(StationEvent::Tunnel) | Err(RecvError::Lagged(_)) => shown.tunnel(&station.tunnel_view(), json, out),
                Ok(StationEvent::Phase) => {}
                Err(RecvError::Closed) => break,
            },
        }
    }
    eprintln!("stopping: finishing deliveries in flight");
    let station = Arc::clone(station);
    let _ = tokio::task::spawn_blocking(move || station.shutdown()).await;
    Ok(0)
}

/// What `listen` has printed about the tunnel, so each URL and each change is said once.
#[derive(Default)]
struct Shown {
    url: Option<String>,
    state: Option<&'static str>,
    change: Option<String>,
}

impl Shown {
    fn tunnel(&mut self, view: &TunnelView, json: bool, out: &mut dyn Write) {
        let state = view.state.as_str();
        if self.state != Some(state) && state != "none" {
            eprintln!("tunnel: {state}{}", restarting_reason(view));
            self.state = Some(state);
        }
        if let Some(url) = view.webhook_url.clone().filter(|u| self.url.as_ref() != Some(u)) {
            if json {
                write_json(out, &serde_json::json!({ "public_webhook_url": url }));
            } else {
                let _ = writeln!(out, "public webhook URL: {url}");
                let _ = out.flush();
            }
            self.url = Some(url);
        }
        if let Some(change) = view
            .change
            .as_ref()
            .filter(|c| self.change.as_ref() != Some(&c.webhook_url))
        {
            eprintln!(
                "WARNING: the tunnel's public URL changed. Recur's dashboard still has {}; give it {} \
                 (Webhooks → endpoint URL), or Recur's notifications will not arrive",
                change.previous_webhook_url, change.webhook_url
            );
            self.change = Some(change.webhook_url.clone());
        }
    }
}

fn restarting_reason(view: &TunnelView) -> String {
    match &view.state {
        recur_pos_app::tunnel::TunnelState::Restarting { reason, retry_in, .. } => {
            format!(" ({reason}; again in {} s)", retry_in.as_secs())
        }
        _ => String::new(),
    }
}

pub(crate) async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
