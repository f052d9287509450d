// Settings → Several counters, one ledger: this counter's shop and counter names (saved here,
// the manager's; read-only when the environment sets them), the ledger it writes and whether
// that answers, and joining the shop's shared ledger (a postgres:// address and a password:
// "Test connection" first, then "Join", the manager's) or leaving it. What joining checks is the
// core's; the password goes from its field to the shell and is never kept, shown or put back in
// the page.

import { api } from '../api.js';
import { errorText, onLanguage, t } from '../i18n.js';
import * as manager from '../manager.js';

const $ = (id) => document.getElementById(id);
let data = null;
/** What the result line says, so it follows a language change: `[key, params]` or an error. */
let said = null;
let saidGeneral = false;
let leaveArmed = null;
let busy = false;

export function init() {
  $('counters-form').addEventListener('submit', join);
  $('counters-test').addEventListener('click', test);
  $('counters-leave').addEventListener('click', leave);
  $('counters-names').addEventListener('submit', saveNames);
  for (const id of ['in-counters-shop', 'in-counters-counter']) {
    $(id).addEventListener('input', () => { $(id).dataset.edited = 'true'; });
  }
  onLanguage(() => {
    if (data) render();
    if (said) say(said, saidGeneral);
  });
}

export async function load() {
  const card = $('counters-card');
  card.dataset.loading = 'true';
  try {
    data = await api.shopStatus();
    render();
  } catch (error) {
    say(error);
  } finally {
    card.dataset.loading = 'false';
  }
}

/** The ledger answered or went away (a `SharedLedgerDto`): the badge and the waiting count. */
export function onSharedLedger(status) {
  if (!data || !status) return;
  data.shared = status.shared;
  data.reachable = status.reachable;
  data.waiting = status.waiting;
  render();
}

function render() {
  // Never overwrite what is being typed.
  for (const [id, value, fromEnv] of [
    ['in-counters-shop', data.shop, data.shop_from_env],
    ['in-counters-counter', data.counter, data.counter_from_env],
  ]) {
    const input = $(id);
    if (!input.dataset.edited) input.value = value;
    input.disabled = fromEnv || busy;
  }
  $('counters-name-save').disabled = (data.shop_from_env && data.counter_from_env) || busy;
  $('counters-names-env').hidden = !(data.shop_from_env || data.counter_from_env);
  const at = $('counters-at');
  at.textContent = data.shared || data.at ? data.at : t('counters.own_file');
  at.dataset.own = String(!data.shared && !data.at);
  const state = $('counters-state');
  state.dataset.state = !data.shared ? 'off' : data.reachable ? 'ok' : 'error';
  state.textContent = t(!data.shared ? 'counters.state_own' : data.reachable ? 'counters.state_connected' : 'counters.state_offline');
  const waiting = data.shared && data.waiting > 0;
  $('counters-waiting-label').hidden = !waiting;
  $('counters-waiting').hidden = !waiting;
  $('counters-waiting').textContent = t('counters.waiting_n', { n: data.waiting });
  $('counters-env').hidden = !data.from_env;
  // On the built-in sandbox a join could never open again: the core refuses it, and so does the form.
  const needsKeys = data.embedded && !data.from_env && !data.joined;
  $('counters-needs-keys').hidden = !needsKeys;
  // On the shop's ledger: Leave (disabled when RECUR_POS_DB put it there); on a file: the form
  // (disabled when RECUR_POS_DB names the file, or on the built-in sandbox).
  const onShop = data.joined || (data.from_env && data.shared);
  $('counters-form').hidden = onShop;
  $('counters-joined').hidden = !onShop;
  const locked = data.from_env || needsKeys;
  for (const id of ['in-counters-url', 'in-counters-password', 'counters-test', 'counters-join']) $(id).disabled = locked || busy;
  $('counters-leave').disabled = data.from_env || busy;
}

/** Says `what`: `[key, params]`, or an error (`{code, message}`) in this card's own words
 *  (`general`: in the app's words, for an error that is not about the shop's database). */
function say(what, general = false) {
  said = what;
  saidGeneral = general;
  const box = $('counters-result');
  const bad = !Array.isArray(what);
  if (bad) {
    const own = general ? 'counters.' : t(`counters.errors.${what.code}`);
    box.textContent = own.startsWith('counters.') ? errorText(what) : own;
    box.title = what.message || '';
    box.dataset.code = what.code;
  } else {
    box.textContent = t(what[0], what[1]);
    box.title = '';
    delete box.dataset.code;
  }
  box.classList.toggle('bad', bad);
}

/** The typed address, or null (said) when there is none. */
function typedUrl() {
  const url = $('in-counters-url').value.trim();
  if (!url) {
    say(['counters.need_url']);
    $('in-counters-url').focus();
  }
  return url || null;
}

function password() {
  return $('in-counters-password').value || null;
}

function setBusy(on) {
  busy = on;
  if (data) render();
}

function foundText(check) {
  if (!check.environment && check.sales === 0) return ['counters.found_new', { at: check.at }];
  const env = t(check.environment === 'live' ? 'counters.env_live' : 'counters.env_sandbox');
  return ['counters.found', { at: check.at, sales: check.sales.toLocaleString('en-US'), env }];
}

async function test() {
  const url = typedUrl();
  if (!url || busy) return;
  say(['counters.testing']);
  setBusy(true);
  const box = $('counters-result');
  try {
    const check = await api.checkShop(url, password());
    box.dataset.sales = String(check.sales);
    say(foundText(check));
  } catch (error) {
    say(error);
  } finally {
    setBusy(false);
  }
}

async function join(e) {
  e.preventDefault();
  const url = typedUrl();
  if (!url || busy) return;
  say(['counters.joining']);
  setBusy(true);
  try {
    const check = await api.joinShop(url, password());
    // Nothing of the password stays in the page once it is in the keyring.
    $('in-counters-password').value = '';
    $('in-counters-url').value = '';
    say(['counters.joined', { at: check.at }]);
    // A shop's ledger with no PIN took the manager's once the counter had opened on it.
    manager.refresh();
  } catch (error) {
    say(error);
  } finally {
    setBusy(false);
    load();
  }
}

async function leave() {
  const button = $('counters-leave');
  if (!leaveArmed) {
    button.textContent = t('counters.leave_confirm');
    leaveArmed = setTimeout(() => { leaveArmed = null; button.textContent = t('counters.leave'); }, 4000);
    return;
  }
  clearTimeout(leaveArmed);
  leaveArmed = null;
  button.textContent = t('counters.leave');
  setBusy(true);
  try {
    await api.leaveShop();
    say(['counters.left']);
  } catch (error) {
    say(error);
  } finally {
    setBusy(false);
    load();
  }
}

/** Saves the shop and counter names (the manager's); the counter opens again with them. */
async function saveNames(e) {
  e.preventDefault();
  if (busy) return;
  const shop = $('in-counters-shop').value;
  const counter = $('in-counters-counter').value;
  setBusy(true);
  try {
    data = await api.nameCounter(shop, counter);
    for (const id of ['in-counters-shop', 'in-counters-counter']) delete $(id).dataset.edited;
    const unnamed = t('counters.unnamed');
    say(['counters.named', { shop: data.shop || unnamed, counter: data.counter || unnamed }]);
  } catch (error) {
    say(error, true);
  } finally {
    setBusy(false);
  }
}
