// History: any slice of the sales — quick day ranges (today, yesterday, this week, this month,
// custom; shop days in Asia/Taipei), state, mode, tender, product, needs-a-look, free text —
// sorted by time or amount. Pages come from the core's keyset paging (a "more" button and
// infinite scroll: the thousandth page costs what the first does); the count and sums of the
// whole slice are asked for separately and shown when they arrive. The filter lives in the URL
// hash, so Back and a reload keep it. Rows change in place on `sale-changed`; a row opens the
// sale's details. Export writes exactly this slice as CSV.

import { api } from '../api.js';
import { openSaleDetail } from '../detail.js';
import { el, fillStateCell, shortEmail, tenderBadge } from '../format.js';
import { errorText, language, t } from '../i18n.js';
import { current } from '../router.js';
import { showError } from '../ui.js';

const $ = (id) => document.getElementById(id);
const PAGE = 100;
const STATES = ['PAID', 'OPEN', 'FAILED', 'EXPIRED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DRAFT'];
const MODES = ['PAYMENT', 'SUBSCRIPTION', 'SETUP'];
const TENDERS = ['recur', 'cash'];
const SORTS = ['newest', 'oldest', 'amount_high', 'amount_low'];
const DEFAULTS = Object.freeze({
  period: 'today', from: '', to: '', state: '', mode: '', tender: '', product: '', attention: false, text: '', sort: 'newest',
});

let filter = { ...DEFAULTS };
let next = null;
let loading = false;
/** Each load has a number; answers to an older one are dropped. */
let generation = 0;
let products = [];
let totalsTimer = null;
let textTimer = null;
let exporting = false;
/** The last export's outcome, so its sentence follows the language. */
let lastExport = null;

/** The filter as the URL hash keeps it: only what differs from the defaults. */
export function filterHash(f = filter) {
  const params = new URLSearchParams();
  Object.entries(f).forEach(([k, v]) => {
    if (v !== DEFAULTS[k] && v !== '' && v !== false) params.set(k, v === true ? '1' : String(v));
  });
  const query = params.toString();
  return `#history${query ? `?${query}` : ''}`;
}

function fromHash(hash) {
  const query = hash.startsWith('#history?') ? hash.slice('#history?'.length) : '';
  const params = new URLSearchParams(query);
  const f = { ...DEFAULTS };
  Object.keys(DEFAULTS).forEach((k) => {
    if (!params.has(k)) return;
    f[k] = typeof DEFAULTS[k] === 'boolean' ? params.get(k) === '1' : params.get(k);
  });
  if (!['today', 'yesterday', 'week', 'month', 'custom', 'all'].includes(f.period)) f.period = DEFAULTS.period;
  if (!SORTS.includes(f.sort)) f.sort = DEFAULTS.sort;
  return f;
}

/** What the core's filter needs (`FilterInput` in the shell). */
function input() {
  return {
    period: filter.period === 'all' ? null : filter.period,
    from: filter.period === 'custom' ? filter.from || null : null,
    to: filter.period === 'custom' ? filter.to || null : null,
    states: filter.state ? [filter.state] : [],
    mode: filter.mode || null,
    tender: filter.tender || null,
    product: filter.product || null,
    attention: filter.attention,
    text: filter.text.trim() || null,
  };
}

export const historyView = {
  init() {
    document.querySelectorAll('#view-history .periods .seg').forEach((b) => b.addEventListener('click', () => change({ period: b.dataset.period })));
    $('h-from').addEventListener('change', () => change({ from: $('h-from').value }));
    $('h-to').addEventListener('change', () => change({ to: $('h-to').value }));
    [['h-state', 'state'], ['h-mode', 'mode'], ['h-tender', 'tender'], ['h-product', 'product'], ['h-sort', 'sort']]
      .forEach(([id, key]) => $(id).addEventListener('change', () => change({ [key]: $(id).value })));
    $('h-attention').addEventListener('change', () => change({ attention: $('h-attention').checked }));
    $('h-text').addEventListener('input', () => {
      clearTimeout(textTimer);
      textTimer = setTimeout(() => change({ text: $('h-text').value }, true), 300);
    });
    $('history-filters').addEventListener('submit', (e) => e.preventDefault());
    $('h-reset').addEventListener('click', () => change({ ...DEFAULTS }));
    $('h-more').addEventListener('click', more);
    $('h-new').addEventListener('click', () => load());
    $('h-export').addEventListener('click', exportCsv);
    $('h-export-cancel').addEventListener('click', () => api.cancelExport().catch(() => {}));
    $('h-export-dismiss').addEventListener('click', () => { $('h-export-box').hidden = true; });
    $('h-rows').addEventListener('click', (e) => openRow(e.target.closest('tr')));
    $('h-rows').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openRow(e.target.closest('tr')); }
    });
    // Infinite scroll: the next page is asked for when the end of the list comes into view.
    new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && current() === 'history') more();
    }, { root: $('h-scroll'), rootMargin: '400px' }).observe($('h-sentinel'));
    renderOptions();
  },

  /** Reads the filter from the URL (Back, a reload, a link) and shows its first page. */
  enter() {
    filter = fromHash(location.hash);
    window.history.replaceState(null, '', filterHash());
    renderControls();
    loadProducts();
    load();
  },

  onPopState() {
    if (current() === 'history') this.enter();
  },

  onSaleChanged(sale) {
    if (current() !== 'history') return;
    const row = document.querySelector(`#h-rows tr[data-sale-id="${CSS.escape(sale.id)}"]`);
    if (row) fillRow(row, sale);
    else if (filter.sort === 'newest') $('h-new').hidden = false;
    // The figures of the slice may have changed: read them again, once per burst.
    clearTimeout(totalsTimer);
    totalsTimer = setTimeout(() => loadTotals(generation), 400);
  },

  onResync() {
    if (current() === 'history') load();
  },

  onLanguage() {
    renderOptions();
    renderControls();
    document.querySelectorAll('#h-rows tr').forEach((tr) => tr.sale && fillRow(tr, tr.sale));
    if (lastExport && !exporting) renderExport();
  },

  onExportProgress(p) {
    if (!exporting) return;
    const pct = p.total > 0 ? Math.min(100, (p.done / p.total) * 100) : 100;
    $('h-export-bar').style.width = `${pct}%`;
    $('h-export-text').textContent = t('history.export_progress', { done: p.done.toLocaleString('en-US'), total: p.total.toLocaleString('en-US') });
  },
};

/** Applies `patch` to the filter, keeps it in the URL (Back returns here) and reloads. */
function change(patch, typing = false) {
  filter = { ...filter, ...patch };
  // A custom range starts from the days the last pick showed.
  if (patch.period === 'custom' && !filter.from) {
    filter.from = $('h-from').value || '';
    filter.to = $('h-to').value || '';
  }
  const hash = filterHash();
  if (hash !== location.hash) {
    // Typing replaces the entry it started; every other change is a step Back can undo.
    if (typing) window.history.replaceState(null, '', hash);
    else window.history.pushState(null, '', hash);
  }
  renderControls();
  load();
}

function options(select, values, allKey, textOf) {
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, t(allKey)), ...values.map((v) => el('option', { value: v }, textOf(v))));
  select.value = chosen;
}

function renderOptions() {
  options($('h-state'), STATES, 'history.any_state', (s) => t(`state.${s}`));
  options($('h-mode'), MODES, 'history.any_mode', (m) => t(`mode.${m}`));
  options($('h-tender'), TENDERS, 'history.any_tender', (x) => t(`tender.${x}`));
  options($('h-product'), products.map((p) => p.id), 'history.any_product', (id) => products.find((p) => p.id === id)?.name || id);
  const sort = $('h-sort');
  const chosen = sort.value;
  sort.replaceChildren(...SORTS.map((s) => el('option', { value: s }, t(`history.sort_${s}`))));
  sort.value = chosen || filter.sort;
}

function renderControls() {
  document.querySelectorAll('#view-history .periods .seg').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.period === filter.period)));
  $('h-custom').hidden = filter.period !== 'custom';
  $('h-from').value = filter.from;
  $('h-to').value = filter.to;
  if (document.activeElement !== $('h-text')) $('h-text').value = filter.text;
  $('h-state').value = filter.state;
  $('h-mode').value = filter.mode;
  $('h-tender').value = filter.tender;
  if (filter.product && !products.some((p) => p.id === filter.product)) {
    $('h-product').append(el('option', { value: filter.product }, filter.product));
  }
  $('h-product').value = filter.product;
  $('h-attention').checked = filter.attention;
  $('h-sort').value = filter.sort;
}

async function loadProducts() {
  if (products.length) return;
  try {
    products = await api.products(false);
    renderOptions();
    renderControls();
  } catch (_) {
    // Without the catalogue the product filter offers what the URL names.
  }
}

/** A new slice: the first page and, independently, its totals. */
function load() {
  generation += 1;
  const mine = generation;
  next = null;
  loading = true;
  $('h-new').hidden = true;
  $('h-more').hidden = true;
  $('h-empty').hidden = true;
  $('view-history').dataset.loading = 'true';
  ['h-count', 'h-sum', 'h-net'].forEach((id) => { $(id).textContent = '…'; });
  delete $('h-summary').dataset.count;
  showError($('h-error'), null);
  loadTotals(mine);
  api.history(input(), filter.sort, null, PAGE).then((page) => {
    if (mine !== generation) return;
    $('h-rows').replaceChildren();
    $('h-scroll').scrollTop = 0;
    append(page);
  }).catch((error) => {
    if (mine !== generation) return;
    loading = false;
    $('h-rows').replaceChildren();
    showError($('h-error'), error);
  });
}

function loadTotals(mine) {
  api.historyTotals(input()).then((totals) => {
    if (mine !== generation) return;
    $('h-count').textContent = totals.count.toLocaleString('en-US');
    $('h-sum').textContent = totals.amount_text;
    $('h-net').textContent = totals.net_text;
    $('h-summary').dataset.count = String(totals.count);
    $('h-range').textContent = rangeText(totals.from, totals.to);
    if (filter.period !== 'custom' && totals.from) {
      $('h-from').value = totals.from;
      $('h-to').value = totals.to;
    }
  }).catch((error) => {
    if (mine === generation) showError($('h-error'), error);
  });
}

function rangeText(from, to) {
  if (!from && !to) return t('history.range_all');
  if (from === to) return `${from}`;
  return `${from || '…'} – ${to || '…'}`;
}

function more() {
  if (!next || loading) return;
  loading = true;
  const mine = generation;
  api.history(input(), filter.sort, next, PAGE).then((page) => {
    if (mine === generation) append(page);
  }).catch((error) => {
    if (mine !== generation) return;
    loading = false;
    showError($('h-error'), error);
  });
}

function append(page) {
  const rows = page.sales
    .filter((s) => !document.querySelector(`#h-rows tr[data-sale-id="${CSS.escape(s.id)}"]`))
    .map((s) => fillRow(newRow(), s));
  $('h-rows').append(...rows);
  next = page.next;
  loading = false;
  $('h-more').hidden = !next;
  $('h-empty').hidden = $('h-rows').children.length > 0;
  $('view-history').dataset.loading = 'false';
  $('view-history').dataset.rows = String($('h-rows').children.length);
}

const WHEN = () => new Intl.DateTimeFormat(language(), {
  timeZone: 'Asia/Taipei', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

function newRow() {
  return el('tr', {},
    el('td', { class: 'time money' }),
    el('td', { class: 'product' }),
    el('td', { class: 'mode' }),
    el('td', { class: 'tender-cell' }, el('span')),
    el('td', { class: 'num money' }),
    el('td', { class: 'customer' }),
    el('td', { class: 'state-cell' }, el('span'), el('small', { class: 'refund-amount' }), el('span', { class: 'attention-slot' })));
}

function fillRow(tr, sale) {
  tr.sale = sale;
  tr.dataset.saleId = sale.id;
  tr.dataset.state = sale.state;
  tr.dataset.tender = sale.tender;
  tr.classList.toggle('flagged', sale.attention.length > 0);
  tr.tabIndex = 0;
  tr.title = t('today.open_detail');
  const [time, product, mode, tender, amount, customer, state] = tr.children;
  time.textContent = WHEN().format(new Date(sale.created_at));
  product.textContent = sale.product_name;
  mode.textContent = t(`mode.${sale.mode}`);
  tenderBadge(sale, tender.firstChild);
  amount.textContent = sale.amount_text;
  customer.textContent = sale.customer_name || shortEmail(sale.customer_email);
  customer.title = [sale.customer_name, sale.customer_email].filter(Boolean).join(' ');
  fillStateCell(sale, state);
  return tr;
}

function openRow(tr) {
  if (tr?.dataset.saleId) openSaleDetail(tr.dataset.saleId);
}

/** Exactly this slice as CSV, to a file the platform's dialog picks, with progress and cancel. */
async function exportCsv() {
  if (exporting) return;
  exporting = true;
  const box = $('h-export-box');
  box.hidden = false;
  box.dataset.state = 'running';
  $('h-export').disabled = true;
  $('h-export-cancel').hidden = false;
  $('h-export-dismiss').hidden = true;
  $('h-export-bar').style.width = '0%';
  $('h-export-text').textContent = t('history.export_starting');
  try {
    const done = await api.exportHistory(input());
    lastExport = { state: done.cancelled ? 'cancelled' : 'done', done };
    box.dataset.rows = String(done.rows);
    box.dataset.path = done.path;
  } catch (error) {
    lastExport = { state: 'failed', error };
  } finally {
    box.dataset.state = lastExport.state;
    renderExport();
    exporting = false;
    $('h-export').disabled = false;
    $('h-export-cancel').hidden = true;
    $('h-export-dismiss').hidden = false;
  }
}

function renderExport() {
  const { state, done, error } = lastExport;
  $('h-export-bar').style.width = state === 'done' ? '100%' : '0%';
  $('h-export-text').textContent = {
    done: () => t('history.exported', { n: done.rows.toLocaleString('en-US'), path: done.path }),
    cancelled: () => t('history.export_cancelled'),
    failed: () => errorText(error),
  }[state]();
}
