// Today: the day's totals (paid, open, failed, refunded, net) and its sales, newest first,
// with refunds and what needs a look. Rows update in place from `sale-changed` events; totals
// are re-read (debounced) when a sale changes. A payable row opens Pay, any other its details.

import { api } from '../api.js';
import { openSaleDetail } from '../detail.js';
import { el, fillStateCell, shortEmail, tenderBadge, timeText } from '../format.js';
import { t } from '../i18n.js';
import { current, show } from '../router.js';

const $ = (id) => document.getElementById(id);
let data = null;
let reloadTimer = null;
const REOPENABLE = ['OPEN', 'FAILED', 'EXPIRED', 'DRAFT'];

export const todayView = {
  init() {
    $('today-rows').addEventListener('click', (e) => openRow(e.target.closest('tr')));
    $('today-rows').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openRow(e.target.closest('tr')); }
    });
  },

  enter() {
    load();
  },

  onSaleChanged(sale) {
    if (current() !== 'today' || !data) return;
    const row = document.querySelector(`#today-rows tr[data-sale-id="${CSS.escape(sale.id)}"]`);
    if (row) fillRow(row, sale);
    else if (sale.created_at >= data.day_start) $('today-rows').prepend(fillRow(newRow(), sale));
    $('today-empty').hidden = true;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 400);
  },

  onResync() {
    if (current() === 'today') load();
  },

  onLanguage() {
    if (data) render();
  },
};

async function load() {
  try {
    data = await api.today();
    render();
  } catch (_) {
    // The shell is re-opening; the next status event brings us back here.
  }
}

function render() {
  const totals = data.totals;
  $('tot-paid-sum').textContent = totals.paid_text;
  $('tot-paid-count').textContent = t('today.count', { n: totals.paid_count });
  $('tot-open').textContent = String(totals.open_count);
  $('tot-failed').textContent = String(totals.failed_count);
  $('tot-refunded').textContent = totals.refunded_text;
  $('tot-net').textContent = totals.net_text;
  const extra = [];
  if (totals.renewals > 0) extra.push(t('today.renewals', { n: totals.renewals, amount: totals.renewals_text }));
  if (totals.renewals_failed > 0) extra.push(t('today.renewals_failed', { n: totals.renewals_failed }));
  if (totals.attention_count > 0) extra.push(t('today.attention_count', { n: totals.attention_count }));
  $('tot-extra').textContent = extra.join('・');
  $('tot-extra').classList.toggle('warning', totals.attention_count > 0);
  // Reuse rows by sale id so a row being looked at does not jump or flicker.
  const existing = new Map([...$('today-rows').children].map((tr) => [tr.dataset.saleId, tr]));
  const rows = data.sales.map((sale) => fillRow(existing.get(sale.id) || newRow(), sale));
  $('today-rows').replaceChildren(...rows);
  $('today-empty').hidden = rows.length > 0;
}

function newRow() {
  return el('tr', {},
    el('td', { class: 'time money' }),
    el('td', { class: 'product' }),
    el('td', { class: 'mode' }, el('span', { class: 'mode-text' }), ' ', el('span')),
    el('td', { class: 'num money' }),
    el('td', { class: 'customer' }),
    el('td', { class: 'state-cell' }, el('span'), el('small', { class: 'refund-amount' }), el('span', { class: 'attention-slot' })));
}

function fillRow(tr, sale) {
  tr.dataset.saleId = sale.id;
  tr.dataset.state = sale.state;
  tr.classList.toggle('reopenable', REOPENABLE.includes(sale.state));
  tr.classList.toggle('flagged', sale.attention.length > 0);
  tr.tabIndex = 0;
  tr.title = t('today.open_detail');
  const [time, product, mode, amount, customer, state] = tr.children;
  time.textContent = timeText(sale.created_at);
  product.textContent = sale.product_name;
  // The tender beside the mode: 現金 / Recur, a word with its colour.
  mode.firstChild.textContent = t(`mode.${sale.mode}`);
  tenderBadge(sale, mode.lastChild);
  tr.dataset.tender = sale.tender;
  amount.textContent = sale.amount_text;
  customer.textContent = shortEmail(sale.customer_email);
  customer.title = sale.customer_email || '';
  fillStateCell(sale, state);
  return tr;
}

function openRow(tr) {
  if (!tr) return;
  if (tr.classList.contains('reopenable')) show('pay', { saleId: tr.dataset.saleId });
  else openSaleDetail(tr.dataset.saleId);
}
