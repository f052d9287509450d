// Sell: catalogue tiles with a search box a barcode scanner can type into, the current sale
// (mode, optional email and name) and one big Charge button. Enter charges, Esc clears.

import { api } from '../api.js';
import { el, productBadges } from '../format.js';
import { t } from '../i18n.js';
import { show } from '../router.js';
import { announce, showError } from '../ui.js';
import { setDot } from '../topbar.js';

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

export const sellView = {
  init() {
    $('search').addEventListener('input', renderTiles);
    $('refresh-catalogue').addEventListener('click', () => load(true));
    $('catalogue-retry').addEventListener('click', () => load(true));
    $('charge').addEventListener('click', charge);
    $('charge-retry').addEventListener('click', retrySale);
    document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener('change', renderCart));
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
  document.querySelector('input[name="mode"][value=""]').checked = true;
  showError($('charge-error'), null);
  failedSaleId = null;
  renderTiles();
  renderCart();
  announce(t('sell.selected', { name: product.name, price: product.price_text }));
}

function clear() {
  selected = null;
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

function renderCart() {
  const cart = $('cart-product');
  const setup = modeValue() === 'SETUP';
  $('setup-hint').hidden = !setup;
  if (!selected) {
    cart.replaceChildren(el('p', { class: 'muted', text: t('sell.pick') }));
    $('charge-amount').textContent = '';
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
  $('charge').disabled = busy;
}

function setBusy(on) {
  busy = on;
  $('charge').disabled = on || !selected;
  $('charge').setAttribute('aria-busy', String(on));
  document.querySelector('#charge .charge-label').textContent = t(on ? 'sell.charging' : 'sell.charge');
}

async function charge() {
  if (!selected || busy) return;
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
