// Pay: the QR large on the left; amount, product, countdown and the live timeline on the
// right; buttons to open the page in the browser, make a new QR, cancel, or go back. Paid
// turns the screen green with the order number and returns to Sell after a few seconds.
// State changes arrive as events; the shell watches the session while this screen is shown.

import { api } from '../api.js';
import { failureText, remainingText, stateBadge, stateKey } from '../format.js';
import { errorText, t } from '../i18n.js';
import { show } from '../router.js';
import { setDot } from '../topbar.js';
import { announce, paidSound, showError, toast } from '../ui.js';
import { printReceipt } from '../printer.js';

const $ = (id) => document.getElementById(id);
const PAID_STATES = ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'];
const BACK_AFTER_S = 6;
const QR_TARGET_PX = 380;

let sale = null;
let qr = null;
let countdownTimer = null;
let backTimer = null;
let backLeft = 0;
let cancelArmed = null;
let lastWatch = null;
/** When the current QR was drawn: the countdown bar runs from there to expiry. */
let drawnAt = Date.now();

/** Figures for the Charge-to-QR measurement (read by the e2e measurement test). */
window.recurPosMetrics = window.recurPosMetrics || { chargeToQrMs: [] };

export const payView = {
  init() {
    $('pay-renew').addEventListener('click', renew);
    $('pay-open').addEventListener('click', () => act(() => api.openCheckout(sale.id)));
    $('pay-customer').addEventListener('click', () => act(() => api.openCustomerDisplay()));
    $('pay-cancel').addEventListener('click', cancel);
    $('pay-back').addEventListener('click', () => show('sell'));
    $('watch-retry').addEventListener('click', () => sale && act(() => api.watchSale(sale.id)));
    $('paid-stay').addEventListener('click', stay);
    $('paid-next').addEventListener('click', () => show('sell'));
    $('paid-print').addEventListener('click', () => { if (sale) printReceipt(sale.id); });
  },

  async enter(params) {
    reset();
    let pay = params.pay;
    if (!pay) {
      try {
        pay = await api.payView(params.saleId);
      } catch (error) {
        showError($('pay-error'), error);
        return;
      }
    }
    draw(pay, params.startedAt);
    act(() => api.watchSale(pay.sale.id));
  },

  leave() {
    reset();
    sale = null;
    api.unwatchSale().catch(() => {});
  },

  onSaleChanged(next) {
    if (!sale || next.id !== sale.id) return;
    if (next.checkout_id && next.checkout_id !== sale.checkout_id) {
      // A new checkout for this sale (new QR): fetch the new code.
      api.payView(next.id)
        .then((pay) => { if (stillShowing(next.id)) draw(pay); })
        .catch((error) => showError($('pay-error'), error));
      return;
    }
    update(next);
  },

  /** Events were dropped: read the sale again rather than miss its PAID. */
  onResync() {
    if (!sale) return;
    const id = sale.id;
    api.payView(id)
      .then((pay) => { if (stillShowing(id)) payView.onSaleChanged(pay.sale); })
      .catch((error) => showError($('pay-error'), error));
  },

  onWatchStatus(status) {
    if (!sale || status.sale_id !== sale.id) return;
    lastWatch = status;
    renderWatch();
  },

  onLanguage() {
    if (sale) update(sale, true);
    renderWatch();
  },

  onKey(e) {
    if (!$('paid-panel').hidden) {
      if (e.key === 'Enter' || e.key === 'Escape') { e.preventDefault(); show('sell'); }
      if (e.key === ' ') { e.preventDefault(); stay(); }
      return;
    }
    if (e.target.matches('input, textarea, select')) return;
    const key = e.key.toLowerCase();
    if (e.key === 'Escape') { e.preventDefault(); show('sell'); }
    else if (key === 'n' && !$('pay-renew').disabled) { e.preventDefault(); renew(); }
    else if (key === 'o' && !$('pay-open').disabled) { e.preventDefault(); $('pay-open').click(); }
    else if (key === 'd') { e.preventDefault(); $('pay-customer').click(); }
  },
};

function reset() {
  clearInterval(countdownTimer);
  clearInterval(backTimer);
  clearTimeout(cancelArmed);
  cancelArmed = null;
  lastWatch = null;
  $('paid-panel').hidden = true;
  $('view-pay').classList.remove('is-paid');
  showError($('pay-error'), null);
  showError($('watch-error'), null);
}

function draw(pay, startedAt) {
  qr = pay.qr;
  drawnAt = Date.now();
  const img = $('pay-qr');
  if (qr) {
    // Whole device pixels per module keep every edge crisp for a phone camera.
    const px = Math.max(6, Math.floor(QR_TARGET_PX / qr.modules)) * qr.modules;
    img.style.width = `${px}px`;
    img.style.height = `${px}px`;
    img.dataset.url = qr.url;
    img.dataset.checkoutId = pay.sale.checkout_id || '';
    img.src = qr.data_url;
    $('pay-host').textContent = qr.host;
    if (startedAt != null) measure(img, startedAt);
  } else {
    img.removeAttribute('src');
    delete img.dataset.url;
    $('pay-host').textContent = '';
  }
  update(pay.sale, true);
}

/** Records Charge pressed → QR painted: decoded, then two frames (the second one is on screen). */
function measure(img, startedAt) {
  img.decode().then(() => requestAnimationFrame(() => requestAnimationFrame(() => {
    const ms = performance.now() - startedAt;
    window.recurPosMetrics.chargeToQrMs.push(ms);
    img.dataset.paintedMs = ms.toFixed(1);
  }))).catch(() => {});
}

function update(next, redraw = false) {
  const before = sale;
  sale = next;
  const key = stateKey(next);
  const paid = PAID_STATES.includes(next.state);
  stateBadge(next, $('pay-state'));
  $('pay-mode').textContent = t(`mode.${next.mode}`);
  $('pay-amount').textContent = next.amount_text;
  $('pay-product').textContent = next.product_name;
  $('pay-qr').alt = t('pay.qr_alt', { host: qr?.host || '' });
  $('view-pay').dataset.state = key;
  $('view-pay').dataset.saleId = next.id;
  renderTimeline(next, key);
  renderButtons(next);
  renderCountdown();
  clearInterval(countdownTimer);
  if (next.state === 'OPEN' || next.state === 'FAILED') countdownTimer = setInterval(renderCountdown, 1000);
  if (!redraw || !before) announceChange(before, next);
  if (paid) showPaid(next, !before || !PAID_STATES.includes(before.state));
  if (next.state === 'CANCELLED') {
    toast(t('pay.cancelled'));
    show('sell');
  }
}

function announceChange(before, next) {
  if (!before || before.id !== next.id) return;
  const was = stateKey(before);
  const now = stateKey(next);
  if (was === now) return;
  if (now === 'OPENED') announce(t('announce.opened'));
  else if (now === 'FAILED') announce(t('announce.failed'));
  else if (now === 'EXPIRED') announce(t('announce.expired'));
  else if (now === 'CANCELLED') announce(t('announce.cancelled'));
}

function renderTimeline(next, key) {
  const opened = next.page_opened;
  const final = !['DRAFT', 'OPEN'].includes(next.state);
  const setStep = (id, cls) => { $(id).className = cls; };
  setStep('step-waiting', opened || final ? 'done' : 'active');
  setStep('step-opened', final ? (opened ? 'done' : 'skipped') : opened ? 'active' : '');
  const finalStep = $('step-final');
  const word = {
    PAID: next.mode === 'SETUP' ? 'pay.step_saved' : 'pay.step_paid',
    PARTIALLY_REFUNDED: 'pay.step_paid',
    REFUNDED: 'pay.step_paid',
    FAILED: 'pay.step_failed',
    EXPIRED: 'pay.step_expired',
    CANCELLED: 'pay.step_cancelled',
  }[next.state] || (next.mode === 'SETUP' ? 'pay.step_saved' : 'pay.step_paid');
  finalStep.textContent = t(word);
  finalStep.className = final ? `final final-${key === 'SAVED' ? 'PAID' : key}` : '';
  const hint = $('pay-hint');
  hint.hidden = !['FAILED', 'EXPIRED'].includes(next.state);
  if (next.state === 'FAILED') {
    hint.textContent = t('pay.failed_hint') + (next.failure ? ` ${t('pay.reason', { reason: failureText(next.failure) })}` : '');
  } else if (next.state === 'EXPIRED') {
    hint.textContent = t('pay.expired_hint');
  }
}

function renderButtons(next) {
  $('pay-renew').disabled = !next.can_renew;
  $('pay-renew').hidden = !next.can_renew;
  $('pay-open').disabled = !next.url || !['OPEN', 'FAILED'].includes(next.state);
  $('pay-cancel').disabled = !next.can_cancel;
  $('pay-qr').classList.toggle('stale', !['OPEN', 'FAILED'].includes(next.state));
  if (!cancelArmed) $('pay-cancel').querySelector('span').textContent = t('pay.cancel');
}

function renderCountdown() {
  const box = $('pay-countdown');
  if (!sale || !sale.expires_at || !['OPEN', 'FAILED'].includes(sale.state)) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const left = sale.expires_at - Date.now();
  const span = Math.max(1, sale.expires_at - drawnAt);
  $('pay-bar').style.width = `${Math.max(0, Math.min(100, (left / span) * 100))}%`;
  $('pay-remaining').textContent = left > 0 ? remainingText(left) : t('pay.expired');
  box.classList.toggle('low', left < 120000);
}

function renderWatch() {
  const banner = $('watch-error');
  if (!lastWatch || lastWatch.ok) {
    showError(banner, null);
    if (lastWatch) setDot('recur', 'ok');
    return;
  }
  showError(banner, { code: lastWatch.code });
  if (lastWatch.retry_in_ms) {
    const text = `${errorText({ code: lastWatch.code })} ${t('pay.watch_retrying', { s: Math.round(lastWatch.retry_in_ms / 1000) })}`;
    banner.querySelector('.error-text').textContent = text;
    setDot('recur', 'error');
  }
}

function showPaid(next, fresh) {
  const panel = $('paid-panel');
  const setup = next.mode === 'SETUP';
  $('paid-title').textContent = t(setup ? 'pay.saved_title' : 'pay.paid_title');
  $('paid-amount').textContent = next.paid_amount_text || next.amount_text;
  $('paid-product').textContent = next.product_name;
  const ref = next.order_id || next.subscription_id;
  $('paid-ref-label').textContent = ref ? t(next.order_id ? 'pay.order' : 'pay.subscription') : '';
  $('paid-ref').textContent = ref || '';
  $('view-pay').classList.add('is-paid');
  panel.hidden = false;
  $('paid-print').hidden = setup;
  if (!fresh) return;
  if (!setup) printReceipt(next.id, true);
  paidSound();
  announce(t('announce.paid', { amount: next.paid_amount_text || next.amount_text }));
  $('paid-next').focus();
  backLeft = BACK_AFTER_S;
  renderBack();
  clearInterval(backTimer);
  backTimer = setInterval(() => {
    backLeft -= 1;
    if (backLeft <= 0) {
      clearInterval(backTimer);
      show('sell');
    } else {
      renderBack();
    }
  }, 1000);
}

function renderBack() {
  $('paid-countdown').textContent = backLeft > 0 ? t('pay.returning', { n: backLeft }) : t('pay.staying');
}

function stay() {
  clearInterval(backTimer);
  backLeft = 0;
  renderBack();
}

async function act(fn) {
  try {
    showError($('pay-error'), null);
    return await fn();
  } catch (error) {
    showError($('pay-error'), error);
    return null;
  }
}

/** Whether Pay still shows sale `id`: an answer that arrives after the cashier left (or moved
 * to another sale) must not bring the old sale back, nor restart its watcher. */
function stillShowing(id) {
  return sale !== null && sale.id === id;
}

async function renew() {
  if (!sale || !sale.can_renew) return;
  const id = sale.id;
  $('pay-renew').disabled = true;
  const startedAt = performance.now();
  const pay = await act(() => api.newCheckout(id));
  if (!stillShowing(id)) return;
  if (pay) {
    draw(pay, startedAt);
    act(() => api.watchSale(pay.sale.id));
  } else if (sale) {
    $('pay-renew').disabled = !sale.can_renew;
  }
}

async function cancel() {
  if (!sale || !sale.can_cancel) return;
  const label = $('pay-cancel').querySelector('span');
  if (!cancelArmed) {
    // Cancelling is not undoable: the first press only asks.
    label.textContent = t('pay.cancel_confirm');
    cancelArmed = setTimeout(() => { cancelArmed = null; label.textContent = t('pay.cancel'); }, 4000);
    return;
  }
  clearTimeout(cancelArmed);
  cancelArmed = null;
  const id = sale.id;
  const cancelled = await act(() => api.cancelSale(id));
  if (cancelled && stillShowing(id)) update(cancelled);
}
