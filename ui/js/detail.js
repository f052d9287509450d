// One sale's full story in a dialog over any screen: amounts, ids, what needs a look (with the
// reasons), its state history and its refunds. Opened from Today and from Events. A sale that
// can still be paid offers its Pay screen instead. A plain overlay rather than <dialog>:
// WebKitWebDriver's screenshots do not draw the top layer of a modal <dialog>.

import { api } from './api.js';
import { attentionText, dateTimeText, el, failureText, stateBadge, tenderBadge } from './format.js';
import { errorText, t } from './i18n.js';
import { show } from './router.js';
import { copyText, toast } from './ui.js';
import { receiptButton } from './printer.js';

const $ = (id) => document.getElementById(id);
const PAYABLE = ['OPEN', 'FAILED', 'EXPIRED', 'DRAFT'];
/** A paid sale has a receipt (printed again from here). */
const PRINTABLE = ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'];
let shown = null;
/** Where focus was before the dialog opened (it goes back there). */
let returnFocus = null;

export function init() {
  $('sale-dialog-close').addEventListener('click', close);
  // A click beside the dialog closes it.
  $('sale-overlay').addEventListener('click', (e) => { if (e.target === $('sale-overlay')) close(); });
  // Tab stays inside the dialog while it is open.
  document.addEventListener('focusin', (e) => {
    if (isOpen() && !$('sale-dialog').contains(e.target)) $('sale-dialog-close').focus();
  });
}

export function isOpen() {
  return !$('sale-overlay').hidden;
}

/** The dialog's keys while it is open: Esc closes it. */
export function onKey(e) {
  if (e.key === 'Escape') {
    e.preventDefault();
    close();
  }
}

/** Opens the dialog for sale `id`. */
export async function openSaleDetail(id) {
  try {
    const detail = await api.saleDetail(id);
    shown = detail.sale.id;
    render(detail);
    if (!isOpen()) {
      returnFocus = document.activeElement;
      $('sale-overlay').hidden = false;
      $('sale-dialog-close').focus();
    }
  } catch (error) {
    toast(errorText(error));
  }
}

/** A sale changed: refresh the dialog if it shows that sale. */
export function onSaleChanged(sale) {
  if (shown === sale.id && isOpen()) openSaleDetail(sale.id);
}

export function onLanguage() {
  if (shown && isOpen()) openSaleDetail(shown);
}

function close() {
  $('sale-overlay').hidden = true;
  shown = null;
  returnFocus?.focus?.();
  returnFocus = null;
}

function render(detail) {
  const sale = detail.sale;
  const body = $('sale-dialog-body');
  body.dataset.saleId = sale.id;
  body.dataset.state = sale.state;
  const rows = [
    ['detail.product', sale.product_name],
    ['detail.amount', sale.amount_text, 'money'],
    ['detail.state', stateBadge(sale)],
    ['detail.mode', t(`mode.${sale.mode}`)],
    ['detail.tender', tenderBadge(sale)],
    ['detail.cash_tendered', sale.cash_tendered_text, 'money'],
    ['detail.change', sale.change_text, 'money'],
    ['detail.customer', [sale.customer_name, sale.customer_email].filter(Boolean).join(' ')],
    ['detail.txn', copyable(sale.id, 'txn'), 'mono'],
    ['detail.checkout', sale.checkout_id && copyable(sale.checkout_id, 'checkout', ` (${t('detail.checkouts', { n: detail.checkouts })})`), 'mono'],
    ['detail.order', sale.order_id && copyable(sale.order_id, 'order'), 'mono'],
    ['detail.subscription', sale.subscription_id && copyable(sale.subscription_id, 'subscription'), 'mono'],
    ['detail.paid', sale.paid_amount_text, 'money'],
    ['detail.refunded', sale.refunded_text, 'money'],
    ['detail.created', dateTimeText(sale.created_at), 'num'],
    ['detail.paid_at', sale.paid_at && dateTimeText(sale.paid_at), 'num'],
    ['detail.failure', sale.failure && failureText(sale.failure)],
    ['detail.sold_at', [sale.shop, sale.counter].filter(Boolean).join(' · ')],
  ].filter(([, value]) => value);
  const facts = el('dl', { class: 'facts' }, rows.map(([key, value, cls]) => [el('dt', { text: t(key) }), el('dd', { class: cls || '' }, value)]));
  const parts = [
    attention(sale), facts, history(detail.history), refunds(detail.refunds), einvoices(detail.einvoices),
    subscription(detail.subscription), events(detail.events),
  ];
  if (PAYABLE.includes(sale.state)) {
    const button = el('button', { type: 'button', class: 'primary', id: 'detail-open-pay' }, t('detail.open_pay'));
    button.addEventListener('click', () => { close(); show('pay', { saleId: sale.id }); });
    parts.push(el('div', { class: 'row' }, button));
  }
  if (PRINTABLE.includes(sale.state)) {
    const paper = el('button', { type: 'button', id: 'detail-print-window' }, t('printer.print_window'));
    paper.addEventListener('click', () => api.openReceiptView(sale.id).catch((error) => toast(errorText(error))));
    parts.push(el('div', { class: 'row' }, receiptButton(sale.id, 'detail-print'), paper));
  }
  body.replaceChildren(...parts.filter(Boolean));
}

/** An id with a copy button beside it (the owner pastes ids into Recur's dashboard or a chat). */
function copyable(id, kind, note = '') {
  const text = el('span', { class: 'copy-id', dataset: { id: kind }, text: id });
  const button = el('button', { type: 'button', class: 'copy', dataset: { copy: kind }, title: t('detail.copy'), 'aria-label': t('detail.copy_id', { id }) }, t('detail.copy'));
  button.addEventListener('click', async () => {
    const how = await copyText(id, text);
    button.dataset.copied = how;
    toast(t(how === 'selected' ? 'detail.copy_selected' : 'detail.copied', { id }));
  });
  return el('span', { class: 'id-line' }, text, note, ' ', button);
}

function attention(sale) {
  if (!sale.attention.length) return null;
  return el('div', { class: 'attention-box', role: 'note' },
    el('strong', { text: t('detail.attention') }),
    el('p', { class: 'attention-reasons', text: attentionText(sale.attention) }));
}

function history(steps) {
  if (!steps.length) return null;
  const items = steps.map((s) => el('li', {},
    el('span', { class: 'money', text: dateTimeText(s.at) }), ' ',
    el('strong', { text: `${s.from ? `${t(`state.${s.from}`)} → ` : ''}${t(`state.${s.to}`)}` }), ' ',
    el('span', { class: 'muted', text: [t(`cause.${s.cause}`), s.note && noteText(s.note)].filter(Boolean).join('・') })));
  return el('section', {}, el('h3', { text: t('detail.history') }), el('ol', { class: 'history' }, items));
}

/** A history step's `{code, params}`: a failure names its reason's own sentence. */
function noteText(note) {
  if (note.code === 'failed') return t(`failure.${note.params.failure}`);
  return t(`note.${note.code}`, note.params);
}

function einvoices(list) {
  if (!list.length) return null;
  const items = list.map((e) => el('li', { dataset: { kind: e.kind } },
    el('span', { class: 'num', text: dateTimeText(e.at) }), ' ',
    el('strong', { text: t(`einvoice.${e.kind}`) }), ' ',
    el('span', { class: 'mono einvoice-number', text: e.allowance_number || e.invoice_number || '' }), ' ',
    el('span', { class: 'money', text: e.amount_text || '' }),
    e.failure_code ? el('span', { class: 'muted', text: ` ${e.failure_code}` }) : null));
  return el('section', { class: 'einvoices' }, el('h3', { text: t('detail.einvoices') }), el('ul', { class: 'history' }, items));
}

function subscription(sub) {
  if (!sub) return null;
  const status = sub.status ? t(`sub_status.${sub.status}`) : '—';
  const renewals = sub.renewals.map((r) => el('li', { dataset: { status: r.status } },
    el('span', { class: 'num', text: dateTimeText(r.at) }), ' ',
    el('span', { class: `badge ${r.status === 'PAID' ? 'state-PAID' : 'state-FAILED'}`, text: t(`renewal.${r.status}`) }), ' ',
    el('span', { class: 'money', text: r.amount_text || '' })));
  return el('section', { class: 'subscription' },
    el('h3', { text: t('detail.subscription_title', { status }) }),
    renewals.length ? el('ul', { class: 'history' }, renewals) : el('p', { class: 'muted', text: t('detail.no_renewals') }));
}

function events(list) {
  if (!list.length) return null;
  const items = list.map((e) => {
    const link = el('button', { type: 'button', class: 'link', dataset: { seq: String(e.seq) } }, e.event_type || '?');
    link.addEventListener('click', () => { close(); show('events', { seq: e.seq }); });
    return el('li', {}, el('span', { class: 'num', text: dateTimeText(e.received_at) }), ' ', link, ' ',
      el('span', { class: 'muted', text: t(`outcome.${e.outcome}`) }));
  });
  return el('section', { class: 'sale-events' }, el('h3', { text: t('detail.events') }), el('ul', { class: 'history' }, items));
}

function refunds(list) {
  if (!list.length) return null;
  const items = list.map((r) => el('li', {},
    el('span', { class: 'mono', text: r.refund_id }), ' ',
    el('span', { class: 'badge state-REFUNDED', text: t(`refund_status.${r.status || 'UNKNOWN'}`) }), ' ',
    el('span', { class: 'money', text: r.amount_text || r.refunded_text || '' }), ' ',
    el('span', { class: 'muted', text: t(r.counted ? 'detail.counted' : 'detail.not_counted') })));
  return el('section', {}, el('h3', { text: t('detail.refunds') }), el('ul', { class: 'history' }, items));
}
