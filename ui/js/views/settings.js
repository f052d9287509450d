// Settings: environment, the Recur keys (masked; saved only to the OS keyring), several
// counters on the shop's ledger (settings-counters.js), the webhook listener and the tunnel
// (settings-tunnel.js), the receipt printer, language and sound, and about (shop name,
// version, data folder, ledger and settings files, the last backup with "Back up now", and
// "Copy diagnostics").

import { api } from '../api.js';
import { errorText, setLanguage, language, t } from '../i18n.js';
import { copyText, setSound, soundOn } from '../ui.js';
import { dateTimeText } from '../format.js';
import * as tunnelCard from './settings-tunnel.js';
import * as printerCard from './settings-printer.js';
import * as countersCard from './settings-counters.js';
import * as sharedLedger from '../shared-ledger.js';

const $ = (id) => document.getElementById(id);
let data = null;
let clearArmed = null;

export const settingsView = {
  init() {
    $('keys-form').addEventListener('submit', save);
    $('keys-check').addEventListener('click', check);
    $('keys-clear').addEventListener('click', clearKeys);
    document.querySelectorAll('.lang-choice').forEach((b) => b.addEventListener('click', () => setLanguage(b.dataset.lang)));
    $('set-sound').addEventListener('change', (e) => setSound(e.target.checked));
    $('listener-copy').addEventListener('click', () => copyInto($('set-listener-url'), $('listener-copy')));
    $('shop-form').addEventListener('submit', saveShop);
    $('in-phone-test').addEventListener('change', savePhoneTest);
    $('in-shop').addEventListener('input', () => { $('in-shop').dataset.edited = 'true'; });
    tunnelCard.init({ copyInto });
    printerCard.init();
    countersCard.init();
    $('backup-now').addEventListener('click', backUpNow);
    $('diagnostics-copy').addEventListener('click', copyDiagnostics);
  },

  onJournalChanged() {
    // The listener's counters.
    if (!$('view-settings').hidden && data) load();
  },

  onTunnel(tunnel) {
    if (!data) return;
    data.tunnel = tunnel;
    tunnelCard.render(data);
  },

  enter() {
    load();
    printerCard.load();
    countersCard.load();
  },

  onReady() {
    if (!$('view-settings').hidden) {
      load();
      countersCard.load();
    }
  },

  onSharedLedger(status) {
    countersCard.onSharedLedger(status);
    if (data) render();
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
  renderPhoneTest();
  $('set-key').textContent = data.secret_key.masked || '—';
  $('set-key-source').textContent = t(`settings.source_${data.secret_key.source}`);
  $('set-webhook').textContent = data.webhook_secret.masked || '—';
  $('set-webhook-source').textContent = t(`settings.source_${data.webhook_secret.source}`);
  $('set-keyring').textContent = data.keyring === 'ok' ? t('settings.keyring_ok') : errorText({ code: data.keyring });
  $('set-keyring').classList.toggle('warning', data.keyring !== 'ok');
  renderShop();
  $('set-version').textContent = data.version;
  $('set-data').textContent = data.data_dir || '';
  $('set-ledger').textContent = data.ledger_path || '';
  $('set-settings-file').textContent = data.settings_path || '';
  $('set-sound').checked = soundOn();
  $('set-listener').hidden = !data.listener;
  $('set-listener-none').hidden = Boolean(data.listener);
  // On the shop's ledger the hub receives the webhooks, not this counter.
  const none = $('set-listener-none');
  none.dataset.i18n = sharedLedger.current().shared ? 'settings.listener_on_hub' : 'settings.listener_none';
  none.textContent = t(none.dataset.i18n);
  if (data.listener) {
    $('set-listener-port').textContent = String(data.listener.port);
    $('set-listener-url').textContent = data.listener.webhook_url;
    $('set-listener-counts').textContent = t('settings.listener_counts', data.listener);
  }
  renderBackups(data.backups);
  tunnelCard.render(data);
  document.querySelectorAll('.lang-choice').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === language())));
}

/** Phone-test mode is offered on the embedded sandbox only (a live key never listens on the LAN). */
function renderPhoneTest() {
  $('phone-test').hidden = !data.embedded;
  $('in-phone-test').checked = data.phone_test;
  $('in-phone-test').disabled = data.phone_test_from_env;
  $('phone-test-env').hidden = !data.phone_test_from_env;
  $('phone-test-url').hidden = !data.lan_url;
  $('phone-test-url').textContent = data.lan_url ? t('settings.phone_test_url', { url: data.lan_url }) : '';
}

async function savePhoneTest(e) {
  try {
    await api.savePhoneTest(e.target.checked);
    result(t('settings.phone_test_saved'));
  } catch (error) {
    e.target.checked = !e.target.checked;
    result(errorText(error), true);
  }
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

/** The shop name field; read-only when the environment sets the name. */
function renderShop() {
  const input = $('in-shop');
  // Never overwrite what is being typed.
  if (!input.dataset.edited) input.value = data.shop_name;
  input.disabled = data.shop_name_from_env;
  $('shop-save').disabled = data.shop_name_from_env;
  $('shop-env').hidden = !data.shop_name_from_env;
}

async function saveShop(e) {
  e.preventDefault();
  const out = $('shop-result');
  try {
    await api.saveShopName($('in-shop').value);
    delete $('in-shop').dataset.edited;
    out.textContent = t('settings.shop_saved');
    out.classList.remove('bad');
    $('in-shop').blur();
    load();
  } catch (error) {
    out.textContent = errorText(error);
    out.classList.add('bad');
  }
}

/** Copies the URL in `node`; the button says whether it was copied or only selected. */
async function copyInto(node, button) {
  const done = await copyText(node.textContent, node);
  button.textContent = t(done !== 'selected' ? 'settings.copied' : 'settings.selected');
  button.dataset.copied = done;
  setTimeout(() => { button.textContent = t('settings.copy'); }, 4000);
}

/** "last backup: when — where", and the folder. */
function renderBackups(backups) {
  $('set-backup-folder').textContent = backups.folder;
  $('set-last-backup').textContent = backups.last_at
    ? t('settings.backup_at', { when: dateTimeText(backups.last_at), path: backups.last_path })
    : t('settings.backup_none');
}

function backupResult(text, bad = false) {
  $('backup-result').textContent = text;
  $('backup-result').classList.toggle('bad', bad);
}

async function backUpNow() {
  const button = $('backup-now');
  button.disabled = true;
  backupResult(t('settings.backing_up'));
  try {
    const backups = await api.backUpNow();
    if (data) data.backups = backups;
    renderBackups(backups);
    backupResult(t('settings.backup_done', { keep: backups.keep }));
  } catch (error) {
    backupResult(errorText(error), true);
  } finally {
    button.disabled = false;
  }
}

/** Gathers the redacted diagnostics, shows them, and copies them. */
async function copyDiagnostics() {
  const node = $('diagnostics-text');
  try {
    node.textContent = await api.diagnostics();
    node.hidden = false;
    const done = await copyText(node.textContent, node);
    backupResult(t(done !== 'selected' ? 'settings.diagnostics_copied' : 'settings.diagnostics_selected'));
    $('diagnostics-copy').dataset.copied = done;
  } catch (error) {
    backupResult(errorText(error), true);
  }
}
