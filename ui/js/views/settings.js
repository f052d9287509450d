// Settings: environment, the Recur keys (masked; saved only to the OS keyring), language and
// sound, and about (version, data folder, ledger file).

import { api } from '../api.js';
import { errorText, setLanguage, language, t } from '../i18n.js';
import { setSound, soundOn } from '../ui.js';

const $ = (id) => document.getElementById(id);
let data = null;
let clearArmed = null;
/** The tunnel's new public URL after a change, until Settings is left (Recur must be told). */
let changedUrl = null;

export const settingsView = {
  init() {
    $('keys-form').addEventListener('submit', save);
    $('keys-check').addEventListener('click', check);
    $('keys-clear').addEventListener('click', clearKeys);
    document.querySelectorAll('.lang-choice').forEach((b) => b.addEventListener('click', () => setLanguage(b.dataset.lang)));
    $('set-sound').addEventListener('change', (e) => setSound(e.target.checked));
    $('listener-copy').addEventListener('click', copyListenerUrl);
    $('tunnel-test').addEventListener('click', selfTest);
  },

  onJournalChanged() {
    if (!$('view-settings').hidden) load();
  },

  onTunnel(tunnel) {
    if (tunnel.previous_url) changedUrl = tunnel.url;
    if (!$('view-settings').hidden) load();
  },

  enter() {
    load();
  },

  onReady() {
    if (!$('view-settings').hidden) load();
  },

  onLanguage() {
    if (data) render();
  },
};

async function load() {
  try {
    data = await api.settings();
    render();
  } catch (error) {
    result(errorText(error), true);
  }
}

function render() {
  const env = data.embedded ? 'settings.env_embedded' : data.environment === 'live' ? 'settings.env_live' : 'settings.env_sandbox';
  $('set-env').textContent = data.environment ? t(env) : '';
  $('set-env').dataset.env = data.environment === 'live' ? 'live' : 'sandbox';
  $('set-api').textContent = data.api_base || '';
  $('set-key').textContent = data.secret_key.masked || '—';
  $('set-key-source').textContent = t(`settings.source_${data.secret_key.source}`);
  $('set-webhook').textContent = data.webhook_secret.masked || '—';
  $('set-webhook-source').textContent = t(`settings.source_${data.webhook_secret.source}`);
  $('set-keyring').textContent = data.keyring === 'ok' ? t('settings.keyring_ok') : errorText({ code: data.keyring });
  $('set-keyring').classList.toggle('warning', data.keyring !== 'ok');
  $('set-shop').textContent = data.shop_name;
  $('set-version').textContent = data.version;
  $('set-data').textContent = data.data_dir || '';
  $('set-ledger').textContent = data.ledger_path || '';
  $('set-sound').checked = soundOn();
  $('set-listener').hidden = !data.listener;
  $('set-listener-none').hidden = Boolean(data.listener);
  renderTunnel();
  if (data.listener) {
    $('set-listener-url').textContent = data.listener.webhook_url;
    $('set-listener-counts').textContent = t('settings.listener_counts', data.listener);
  }
  document.querySelectorAll('.lang-choice').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === language())));
}

function result(text, bad = false) {
  $('keys-result').textContent = text;
  $('keys-result').classList.toggle('bad', bad);
}

async function save(e) {
  e.preventDefault();
  const secret = $('in-secret').value.trim();
  const webhook = $('in-webhook').value.trim();
  if (!secret && !webhook) return;
  try {
    await api.saveKeys(secret || null, webhook || null);
    $('in-secret').value = '';
    $('in-webhook').value = '';
    result(t('settings.saved'));
  } catch (error) {
    result(errorText(error), true);
  }
}

async function check() {
  try {
    const products = await api.products(true);
    result(t('settings.check_ok', { n: products.length }));
  } catch (error) {
    result(errorText(error), true);
  }
}

async function clearKeys() {
  const button = $('keys-clear');
  if (!clearArmed) {
    button.textContent = t('settings.clear_confirm');
    clearArmed = setTimeout(() => { clearArmed = null; button.textContent = t('settings.clear'); }, 4000);
    return;
  }
  clearTimeout(clearArmed);
  clearArmed = null;
  button.textContent = t('settings.clear');
  try {
    await api.clearKeys();
    result(t('settings.cleared'));
  } catch (error) {
    result(errorText(error), true);
  }
}

async function copyListenerUrl() {
  const text = $('set-listener-url').textContent;
  try {
    await navigator.clipboard.writeText(text);
    $('listener-copy').textContent = t('settings.copied');
  } catch (_) {
    // No clipboard access: select the URL so Ctrl+C copies it.
    window.getSelection().selectAllChildren($('set-listener-url'));
  }
}

function renderTunnel() {
  $('set-tunnel').hidden = !data.tunnel;
  $('set-tunnel-none').hidden = Boolean(data.tunnel);
  if (!data.tunnel) return;
  const state = data.tunnel.state;
  $('set-tunnel-command').textContent = data.tunnel.command;
  $('set-tunnel-state').textContent = t(`settings.tunnel_status.${state ? state.status : 'starting'}`);
  $('set-tunnel-url').textContent = (state && state.url) || '—';
  $('set-tunnel-changed').hidden = !changedUrl;
  if (changedUrl) $('set-tunnel-changed').textContent = t('settings.tunnel_changed', { url: changedUrl });
}

async function selfTest() {
  const out = $('tunnel-result');
  try {
    const report = await api.tunnelSelfTest();
    const ok = report.journaled && report.status < 300;
    out.textContent = ok ? t('settings.self_test_ok', { ms: report.round_trip_ms }) : t('settings.self_test_bad', { status: report.status });
    out.classList.toggle('bad', !ok);
  } catch (error) {
    out.textContent = errorText(error);
    out.classList.add('bad');
  }
}
