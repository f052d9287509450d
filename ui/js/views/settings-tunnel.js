// Settings → tunnel: the command (free text, or a preset; `{port}` is the listener's port),
// start / restart / stop at run time, the state (starting, up, restarting with why and when,
// stopped), the PUBLIC webhook URL to give Recur's dashboard with a copy button, and the
// self-test with its round trip.

import { api } from '../api.js';
import { clockText } from '../format.js';
import { errorText, t } from '../i18n.js';
import { newest } from '../tunnel-state.js';

const $ = (id) => document.getElementById(id);
let data = null;
let helpers = null;
let retryTimer = null;

/** `copyInto(node, button)` comes from the Settings view. */
export function init(given) {
  helpers = given;
  $('tunnel-form').addEventListener('submit', start);
  // What is being typed is not replaced by a re-read of Settings (a webhook arrives, …).
  $('in-tunnel').addEventListener('input', () => { $('in-tunnel').dataset.edited = 'true'; });
  $('tunnel-stop').addEventListener('click', stop);
  $('tunnel-copy').addEventListener('click', () => helpers.copyInto($('set-tunnel-url'), $('tunnel-copy')));
  $('tunnel-test').addEventListener('click', selfTest);
}

/** Draws the card from the Settings data (`data.tunnel` is a `TunnelDto`). */
export function render(next) {
  data = next;
  data.tunnel = newest(data.tunnel);
  const tunnel = data.tunnel;
  const input = $('in-tunnel');
  if (!input.dataset.edited) input.value = tunnel.command || '';
  input.disabled = tunnel.command_from_env;
  $('tunnel-env').hidden = !tunnel.command_from_env;
  renderPresets(tunnel.command_from_env);
  $('tunnel-hint').textContent = t('settings.tunnel_port_hint', { port: '{port}', current: data.listener ? data.listener.port : '—' });
  const running = ['starting', 'up', 'restarting'].includes(tunnel.status);
  // With the command from the environment nothing is saved: only started again.
  const label = running ? 'settings.tunnel_restart' : 'settings.tunnel_start';
  $('tunnel-start').textContent = t(tunnel.command_from_env ? `${label}_env` : label);
  // The embedded sandbox delivers on this PC: no tunnel runs on it (the core refuses one too).
  $('tunnel-start').disabled = !data.listener || tunnel.on_sandbox;
  $('tunnel-sandbox').hidden = !tunnel.on_sandbox;
  $('tunnel-stop').disabled = !running;
  renderState(tunnel);
  const url = tunnel.status === 'up' ? tunnel.webhook_url : null;
  $('set-tunnel-public').hidden = !url;
  $('set-tunnel-url').textContent = url || '';
  $('tunnel-test').disabled = !url;
  $('set-tunnel-changed').hidden = !tunnel.changed;
  if (tunnel.changed) $('set-tunnel-changed').textContent = t('settings.tunnel_changed', { url: tunnel.changed.webhook_url });
}

function renderPresets(locked) {
  const box = $('tunnel-presets');
  box.replaceChildren(...data.tunnel_presets.map((preset) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'preset';
    button.textContent = preset.name;
    button.title = preset.command;
    button.disabled = locked;
    button.addEventListener('click', () => {
      $('in-tunnel').value = preset.command;
      $('in-tunnel').dataset.edited = 'true';
      $('in-tunnel').focus();
    });
    return button;
  }));
}

function renderState(tunnel) {
  const badge = $('set-tunnel-state');
  badge.dataset.status = tunnel.status;
  badge.textContent = t(`settings.tunnel_status.${tunnel.status}`);
  clearInterval(retryTimer);
  const detail = () => {
    if (tunnel.status === 'restarting') {
      const s = Math.max(0, Math.ceil((tunnel.retry_at - Date.now()) / 1000));
      return t('settings.tunnel_retry', { reason: tunnel.reason || '', s, at: clockText(new Date(tunnel.retry_at)) });
    }
    return tunnel.status === 'none' ? t('settings.tunnel_none') : '';
  };
  $('set-tunnel-detail').textContent = detail();
  // Counts the seconds down on screen only; the next state arrives as an event.
  if (tunnel.status === 'restarting') retryTimer = setInterval(() => { $('set-tunnel-detail').textContent = detail(); }, 1000);
}

function result(text, bad) {
  $('tunnel-result').textContent = text;
  $('tunnel-result').classList.toggle('bad', bad);
}

async function start(e) {
  e.preventDefault();
  result('', false);
  try {
    data.tunnel = newest(await api.startTunnel($('in-tunnel').value));
    delete $('in-tunnel').dataset.edited;
    $('in-tunnel').blur();
    render(data);
  } catch (error) {
    result(errorText(error), true);
  }
}

async function stop() {
  try {
    data.tunnel = newest(await api.stopTunnel());
    render(data);
  } catch (error) {
    result(errorText(error), true);
  }
}

async function selfTest() {
  const out = $('tunnel-result');
  out.dataset.state = 'running';
  result(t('settings.self_test_running'), false);
  try {
    const report = await api.tunnelSelfTest();
    const ok = report.journaled && report.status < 300;
    out.dataset.state = ok ? 'ok' : 'bad';
    out.dataset.ms = String(report.round_trip_ms);
    result(ok ? t('settings.self_test_ok', { ms: report.round_trip_ms }) : t('settings.self_test_bad', { status: report.status }), !ok);
  } catch (error) {
    out.dataset.state = 'bad';
    result(errorText(error), true);
  }
}
