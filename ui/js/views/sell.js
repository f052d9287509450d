// Sell: catalogue tiles with a search box a barcode scanner can type into, the current sale
// (mode, tender, optional email and name) and one big Charge button. Enter charges, Esc clears.
// Cash (one-off products only): the amount handed over, the change shown live as it is typed
// and again after the sale, which is PAID at once — no QR, nothing sent to Recur.
// While the shop's shared ledger is offline, Recur is paused (the core refuses a Recur sale
// it cannot write first): the cart says so, Recur cannot be chosen and cash is picked instead.

import { api } from '../api.js';
import { el, money, productBadges } from '../format.js';
import { t } from '../i18n.js';
import { show } from '../router.js';
import { announce, paidSound, showError } from '../ui.js';
import { setDot } from '../topbar.js';
import { printReceipt } from '../printer.js';
import * as sharedLedger from '../shared-ledger.js';

const $ = (id) => document.getElementById(id);
let products = [];
let loaded = false;
let selected = null;
let busy = false;
/** A sale recorded but whose checkout could not be created: "retry" reuses it. */
let failedSaleId = null;
/** Automatic retries of a catalogue that could not be loaded (the banner says "retrying"). */
let retryTimer = null;
let retryDelay = 2000;
const RETRYABLE = /^recur\.(network|timeout|server|rate_limited)$/;
/** Cash was picked because the shop ledger went offline: Recur comes back with it. */
let cashWhileOffline = false;

export const sellView = {
  init() {
    $('search').addEventListener('input', renderTiles);
    $('refresh-catalogue').addEventListener('click', () => load(true));
    $('catalogue-retry').addEventListener('click', () => load(true));
    $('charge').addEventListener('click', charge);
    $('charge-retry').addEventListener('click', retrySale);
    document.querySelectorAll('input[name="mode"], input[name="tender"]').forEach((r) => r.addEventListener('change', renderCart));
    $('tendered').addEventListener('input', renderChange);
    $('cash-done-next').addEventListener('click', clear);
    $('cash-done-print').addEventListener('click', () => printReceipt($('cash-done').dataset.saleId));
  },

  enter() {
    if (!loaded) load(false);
    $('search').focus();
  },

  onReady() {
    // A re-opened counter may talk to another Recur: nothing of the old catalogue stays.
    loaded = false;
    products = [];
    selected = null;
    clearTimeout(retryTimer);
    retryDelay = 2000;
    renderTiles();
    renderCart();
  },

  onSharedLedger() {
    renderCart();
  },

  onCatalogueChanged() {
    if (loaded) load(false);
  },

  onLanguage() {
    renderTiles();
    renderCart();
  },

  onKey(e) {
    const target = e.target;
    const inField = target.matches('input, textarea, select');
    if (!$('cash-done').hidden && (e.key === 'Enter' || e.key === 'Escape')) {
      e.preventDefault();
      clear();
      return;
    }
    if (e.key === 'Enter') {
      if (target === $('search') && $('search').value.trim()) {
        e.preventDefault();
        pickFromSearch();
      } else if (!target.matches('button') || target === $('charge')) {
        e.preventDefault();
        charge();
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      clear();
    } else if (!inField && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== ' ') {
      // A barcode scanner "types": keys pressed with no field focused go to the search box,
      // while typing in the email or name field is never interrupted.
      e.preventDefault();
      const search = $('search');
      search.value += e.key;
      search.focus();
      renderTiles();
    }
  },
};

async function load(refresh) {
  clearTimeout(retryTimer);
  $('catalogue-status').textContent = t('sell.loading');
  try {
    products = (await api.products(refresh)).filter((p) => p.active);
    loaded = true;
    retryDelay = 2000;
    showError($('catalogue-error'), null);
    setDot('recur', 'ok');
    if (selected) selected = products.find((p) => p.id === selected.id) || null;
  } catch (error) {
    showError($('catalogue-error'), error);
    if (RETRYABLE.test(error.code)) {
      setDot('recur', 'error');
      retryTimer = setTimeout(() => load(false), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  }
  renderTiles();
  renderCart();
}

function matches(product, query) {
  if (!query) return true;
  const q = query.toLowerCase();
  return product.name.toLowerCase().includes(q) || product.id.toLowerCase().includes(q);
}

function renderTiles() {
  const query = $('search').value.trim();
  const shown = products.filter((p) => matches(p, query));
  const tiles = shown.map((p) => {
    const badges = productBadges(p).map((b) => el('span', { class: `badge ${b.cls}`, text: b.text }));
    const tile = el('button', {
      type: 'button',
      class: 'tile',
      dataset: { productId: p.id },
      'aria-pressed': String(selected?.id === p.id),
    },
    el('span', { class: 'tile-name', text: p.name }),
    el('span', { class: 'tile-desc', text: p.description || '' }),
    el('span', { class: 'tile-foot' }, el('span', { class: 'badges' }, badges), el('span', { class: 'tile-price money', text: p.price_text })));
    tile.addEventListener('click', () => select(p));
    return tile;
  });
  $('tiles').replaceChildren(...tiles);
  $('catalogue-status').textContent = loaded && shown.length === 0 ? t('sell.empty') : '';
}

/** Enter in the search box: an exact id (a scanned code) or the only match is selected. */
function pickFromSearch() {
  const query = $('search').value.trim();
  const exact = products.find((p) => p.id.toLowerCase() === query.toLowerCase());
  const shown = products.filter((p) => matches(p, query));
  const pick = exact || (shown.length === 1 ? shown[0] : null);
  if (pick) {
    select(pick);
    $('search').value = '';
    renderTiles();
  }
}

function select(product) {
  selected = product;
  $('cash-done').hidden = true;
  delete document.querySelector('#view-sell .cart').dataset.done;
  $('tendered').value = '';
  document.querySelector('input[name="mode"][value=""]').checked = true;
  showError($('charge-error'), null);
  failedSaleId = null;
  renderTiles();
  renderCart();
  announce(t('sell.selected', { name: product.name, price: product.price_text }));
}

function clear() {
  selected = null;
  $('cash-done').hidden = true;
  delete document.querySelector('#view-sell .cart').dataset.done;
  $('tendered').value = '';
  $('search').value = '';
  $('email').value = '';
  $('name').value = '';
  showError($('charge-error'), null);
  renderTiles();
  renderCart();
  $('search').focus();
}

function modeValue() {
  return document.querySelector('input[name="mode"]:checked').value || null;
}

function tenderValue() {
  return document.querySelector('input[name="tender"]:checked').value;
}

/** Cash takes one-off payments only: a subscription or a saved card needs Recur. */
function renderTender(setup) {
  const once = !!selected && selected.product_type !== 'SUBSCRIPTION' && !setup;
  const offline = sharedLedger.offline();
  $('tender-cash').disabled = !once;
  $('tender-recur').disabled = offline;
  // The option says it is paused in words, not only by looking disabled.
  const recurLabel = $('tender-recur-label');
  recurLabel.dataset.i18n = offline ? 'sell.tender_recur_paused' : 'sell.tender_recur';
  recurLabel.textContent = t(recurLabel.dataset.i18n);
  $('ledger-offline').hidden = !offline;
  if (offline && once && tenderValue() === 'recur') {
    $('tender-cash').checked = true;
    cashWhileOffline = true;
  } else if (!offline && cashWhileOffline) {
    cashWhileOffline = false;
    if (tendered() === null) $('tender-recur').checked = true;
  }
  if (!once && tenderValue() === 'cash') $('tender-recur').checked = true;
  // Offline, a product only Recur can take waits for the ledger (said once, not twice).
  const needsRecur = offline && !!selected && !once;
  $('needs-recur').hidden = !needsRecur;
  $('cash-only-once').hidden = once || !selected || needsRecur;
  const cash = tenderValue() === 'cash';
  $('cash-box').hidden = !cash;
  $('view-sell').dataset.tender = tenderValue();
  renderChange();
}

/** Whole TWD typed in the tendered field: `null` when blank, `NaN` when not a number. */
function tendered() {
  const text = $('tendered').value.replace(/[,\s]|NT\$/g, '');
  if (!text) return null;
  return /^\d+$/.test(text) ? Number(text) : NaN;
}

function renderChange() {
  const line = $('change-live');
  const n = tendered();
  if (!selected || n === null) {
    line.textContent = selected ? money(0) : '';
    line.dataset.short = 'false';
    return;
  }
  if (Number.isNaN(n)) {
    line.textContent = t('sell.tendered_invalid');
    line.dataset.short = 'true';
    return;
  }
  const change = n - selected.price;
  line.dataset.short = String(change < 0);
  line.textContent = change < 0 ? t('sell.short', { amount: money(-change) }) : money(change);
}

function renderCart() {
  const cart = $('cart-product');
  const setup = modeValue() === 'SETUP';
  $('setup-hint').hidden = !setup;
  renderTender(setup);
  if (!selected) {
    cart.replaceChildren(el('p', { class: 'muted', text: t('sell.pick') }));
    $('charge-amount').textContent = '';
    document.querySelector('#charge .charge-label').textContent = t(tenderValue() === 'cash' ? 'sell.charge_cash' : 'sell.charge');
    $('mode-natural').textContent = t('sell.mode_payment');
    $('charge').disabled = true;
    return;
  }
  const subscription = selected.product_type === 'SUBSCRIPTION';
  $('mode-natural').textContent = t(subscription ? 'sell.mode_subscription' : 'sell.mode_payment');
  const badges = productBadges(selected).map((b) => el('span', { class: `badge ${b.cls}`, text: b.text }));
  cart.replaceChildren(
    el('div', { class: 'cart-name', text: selected.name }),
    el('div', { class: 'cart-line' }, el('span', { class: 'badges' }, badges), el('span', { class: 'money cart-price', text: selected.price_text })),
  );
  $('charge-amount').textContent = setup ? 'NT$0' : selected.price_text;
  document.querySelector('#charge .charge-label').textContent = t(busy ? 'sell.charging' : tenderValue() === 'cash' ? 'sell.charge_cash' : 'sell.charge');
  $('charge').disabled = busy || recurPaused();
}

/** Recur is the tender and the shop ledger is offline: Charge waits. */
function recurPaused() {
  return tenderValue() !== 'cash' && sharedLedger.offline();
}

function setBusy(on) {
  busy = on;
  $('charge').disabled = on || !selected || recurPaused();
  $('charge').setAttribute('aria-busy', String(on));
  document.querySelector('#charge .charge-label').textContent = t(on ? 'sell.charging' : tenderValue() === 'cash' ? 'sell.charge_cash' : 'sell.charge');
}

async function charge() {
  if (!selected || busy) return;
  if (tenderValue() === 'cash') {
    await chargeCash();
    return;
  }
  if (recurPaused()) {
    // Enter on a paused Recur sale: nothing is sent; the reason stays on screen.
    showError($('charge-error'), { code: 'ledger_unreachable' });
    return;
  }
  const startedAt = performance.now();
  setBusy(true);
  showError($('charge-error'), null);
  try {
    const pay = await api.charge({
      product_id: selected.id,
      mode: modeValue(),
      customer_email: $('email').value.trim() || null,
      customer_name: $('name').value.trim() || null,
    });
    $('email').value = '';
    $('name').value = '';
    show('pay', { pay, startedAt });
  } catch (error) {
    showError($('charge-error'), error);
    failedSaleId = error.sale_id || null;
    $('charge-retry').hidden = !failedSaleId;
  } finally {
    setBusy(false);
  }
}

async function retrySale() {
  if (!failedSaleId || busy) return;
  const startedAt = performance.now();
  setBusy(true);
  try {
    const pay = await api.newCheckout(failedSaleId);
    failedSaleId = null;
    showError($('charge-error'), null);
    show('pay', { pay, startedAt });
  } catch (error) {
    showError($('charge-error'), error);
  } finally {
    setBusy(false);
  }
}

/** A cash sale: recorded PAID at once; the change stays on screen until the next sale. */
async function chargeCash() {
  const given = tendered();
  if (Number.isNaN(given)) {
    showError($('charge-error'), { code: 'invalid_input' });
    $('tendered').focus();
    return;
  }
  setBusy(true);
  showError($('charge-error'), null);
  try {
    const done = await api.chargeCash({
      product_id: selected.id,
      mode: null,
      customer_email: $('email').value.trim() || null,
      customer_name: $('name').value.trim() || null,
    }, given);
    $('email').value = '';
    $('name').value = '';
    $('cash-done-amount').textContent = done.sale.amount_text;
    $('cash-done-tendered').textContent = done.tendered_text || done.sale.amount_text;
    $('cash-done-change').textContent = done.change_text || money(0);
    const panel = $('cash-done');
    panel.dataset.saleId = done.sale.id;
    panel.dataset.state = done.sale.state;
    panel.hidden = false;
    document.querySelector('#view-sell .cart').dataset.done = 'true';
    $('cash-done-next').focus();
    printReceipt(done.sale.id, true);
    paidSound();
    announce(t('sell.cash_announce', { amount: done.sale.amount_text, change: done.change_text || money(0) }));
  } catch (error) {
    showError($('charge-error'), error);
  } finally {
    setBusy(false);
  }
}
