// The manager: the lock on the top bar, the PIN dialog, the quit guard and the audit log.
// Which actions need the manager is the core's (Station::guard): a command refused with
// `manager_required` or `pin_not_set` opens the dialog here, and runs once more after the PIN
// (api.js's onGuarded hook), so no view has a list of its own.

import { api, EVENTS, on, onGuarded } from './api.js';
import { clockText, dateTimeText } from './format.js';
import { errorText, onLanguage, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let state = { pin_set: false, unlocked: false, locked_until: null };
/** The dialog open now: resolves true once unlocked, false when cancelled. */
let pending = null;
let lockTimer = null;
/** Reads the state again when the unlock is due to end (the core said when: not a poll). */
let expiryTimer = null;
/** The audit lines shown, drawn again in the other language. */
let auditRows = null;

export function init() {
  $('manager-lock').addEventListener('click', async () => {
    if (state.unlocked) {
      render(await api.lockManager());
    } else {
      await ask('unlock');
    }
  });
  $('pin-dialog').addEventListener('submit', submit);
  $('pin-cancel').addEventListener('click', () => finish(false));
  $('pin-overlay').addEventListener('keydown', (e) => { if (e.key === 'Escape') finish(false); });
  $('audit-show').addEventListener('click', showAudit);
  // While the dialog is open, focus stays in it: a screen behind (Sell's search box) that
  // focuses itself, or a barcode scanner typing, never takes the PIN's keystrokes.
  document.addEventListener('focusin', (e) => {
    if (pending && !$('pin-dialog').contains(e.target)) $('pin-input').focus();
  });
  onGuarded((code) => ask(code === 'pin_not_set' ? 'set' : 'unlock'));
  on(EVENTS.quitRequested, async () => {
    if (await ask('quit')) {
      try { await api.quitApp(); } catch (error) { toastError(error); }
    }
  });
  onLanguage(() => {
    render(state);
    if (auditRows) drawAudit(auditRows);
  });
  refresh();
}

/** The first run's question was asked (once a window: "later" is an answer too). */
let firstRunAsked = false;

/** Reads the manager's state again (after the counter re-opened on another ledger); on the
 *  first run, asks for a PIN (it can wait: the first guarded action asks again). */
export async function refresh() {
  try {
    render(await api.managerStatus());
  } catch {
    return; // not open yet: the next status will tell
  }
  if (!state.pin_set && !firstRunAsked) ask('set');
  document.body.dataset.managerKnown = 'true';
}

function render(next) {
  state = next;
  clearTimeout(expiryTimer);
  if (state.unlocked && state.unlocked_until) {
    expiryTimer = setTimeout(async () => {
      try { render(await api.managerStatus()); } catch { /* re-read at the next action */ }
    }, Math.max(1000, state.unlocked_until - Date.now() + 500));
  }
  const button = $('manager-lock');
  button.dataset.state = state.unlocked ? 'unlocked' : 'locked';
  $('manager-word').textContent = t(state.unlocked ? 'manager.manager' : 'manager.cashier');
  button.title = t(state.unlocked ? 'manager.lock_hint' : 'manager.unlock_hint');
}

/** Opens the PIN dialog for `why` (`set`, `unlock`, `quit`); resolves true once unlocked. */
function ask(why) {
  firstRunAsked = true;
  if (pending) return pending.promise;
  const setting = why === 'set' || !state.pin_set;
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  pending = { promise, resolve, setting };
  $('pin-title').textContent = t(setting ? 'manager.set_title' : 'manager.enter_title');
  $('pin-why').textContent = t(setting ? 'manager.set_why' : `manager.why_${why === 'quit' ? 'quit' : 'unlock'}`);
  $('pin-again-field').hidden = !setting;
  $('pin-cancel').textContent = t(setting && why === 'set' ? 'manager.later' : 'manager.cancel');
  $('pin-input').value = '';
  $('pin-again').value = '';
  showError('');
  $('pin-overlay').hidden = false;
  $('pin-input').focus();
  if (state.locked_until) showLocked(state.locked_until);
  return promise;
}

function finish(unlocked) {
  clearInterval(lockTimer);
  $('pin-overlay').hidden = true;
  const done = pending;
  pending = null;
  if (done) done.resolve(unlocked);
}

async function submit(e) {
  e.preventDefault();
  const pin = $('pin-input').value.trim();
  const setting = pending && pending.setting;
  if (setting && pin !== $('pin-again').value.trim()) {
    showError(t('manager.mismatch'));
    return;
  }
  $('pin-ok').disabled = true;
  try {
    render(setting ? await api.setManagerPin(pin, null) : await api.unlockManager(pin));
    finish(true);
  } catch (error) {
    $('pin-input').value = '';
    $('pin-input').focus();
    if (error.code === 'pin_locked') {
      const status = await api.managerStatus();
      render(status);
      showLocked(status.locked_until);
    } else {
      showError(errorText(error));
    }
  } finally {
    $('pin-ok').disabled = false;
  }
}

function showError(text) {
  $('pin-error').textContent = text;
}

/** Counts the lock-out down on screen; the OK button waits for it. */
function showLocked(until) {
  clearInterval(lockTimer);
  const tick = () => {
    const s = Math.ceil((until - Date.now()) / 1000);
    if (s <= 0) {
      clearInterval(lockTimer);
      $('pin-ok').disabled = false;
      showError('');
      return;
    }
    $('pin-ok').disabled = true;
    showError(t('manager.locked', { s, at: clockText(new Date(until)) }));
  };
  tick();
  lockTimer = setInterval(tick, 1000);
}

async function showAudit() {
  try {
    drawAudit(await api.auditLog());
  } catch (error) {
    toastError(error);
  }
}

/** Who, in words: the manager, or nobody known (a wrong PIN). */
function whoText(who) {
  return ['manager', 'unknown'].includes(who) ? t(`audit.who_${who}`) : who;
}

/** The stored detail of a wrong try is `N wrong in a row`: said in the language shown. */
function detailText(row) {
  const n = row.action === 'pin_wrong' ? parseInt(row.detail, 10) : NaN;
  return Number.isNaN(n) ? row.detail : t('audit.wrong_in_a_row', { n });
}

function drawAudit(rows) {
  auditRows = rows;
  $('audit-empty').hidden = rows.length > 0;
  $('audit-rows').replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    const action = t(`audit.action.${row.action}`);
    for (const text of [dateTimeText(row.at), whoText(row.who), action.startsWith('audit.') ? row.action : action, detailText(row)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.dataset.action = row.action;
    return tr;
  }));
  $('audit-table').hidden = false;
}

function toastError(error) {
  const toast = $('toast');
  toast.textContent = errorText(error);
  toast.hidden = false;
  setTimeout(() => { toast.hidden = true; }, 4000);
}
