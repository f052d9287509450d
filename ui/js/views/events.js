// Events: the webhook journal, newest first — time, type, signature, outcome, the sale it
// matched, attempts; a row expands to its raw body and headers and an "apply again" button. A
// filter shows only the deliveries that matched no sale (also counted on the tab), and a third
// list shows subscriptions. Everything is re-read on `journal-changed`; nothing polls.

import { api } from '../api.js';
import { clockText, dateText, dateTimeText, el } from '../format.js';
import { openSaleDetail } from '../detail.js';
import { errorText, language, t } from '../i18n.js';
import { current } from '../router.js';
import { showError } from '../ui.js';

const $ = (id) => document.getElementById(id);
/** Bursts of deliveries (a sandbox replay, a backlog after the tunnel came back) are read once. */
const SETTLE_MS = 250;

let filter = 'all';
let journal = null;
let subs = null;
let products = new Map();
let reloadTimer = null;
/** Rows the person opened, and what "apply again" said, by journal row: kept across re-reads. */
const expanded = new Set();
const results = new Map();

/** A delivery to bring into view after the next load. */
let focusSeq = null;

export const eventsView = {
  init() {
    document.querySelectorAll('#view-events .seg').forEach((b) => b.addEventListener('click', () => setFilter(b.dataset.filter)));
  },

  /** `{seq}` opens that delivery (from a sale's details) once the journal is shown. */
  enter(params) {
    if (params && params.seq != null) {
      if (filter !== 'all') setFilter('all');
      expanded.add(params.seq);
      focusSeq = params.seq;
    }
    load();
  },

  onReady() {
    journal = null;
    subs = null;
    expanded.clear();
    results.clear();
    load();
  },

  onJournalChanged() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, SETTLE_MS);
  },

  onSaleChanged() {
    // A sale's state shows beside its events; subscriptions follow sales too.
    if (current() === 'events') this.onJournalChanged();
  },

  onResync() {
    load();
  },

  onLanguage() {
    if (current() === 'events') render();
    renderCount();
  },
};

function setFilter(next) {
  filter = next;
  document.querySelectorAll('#view-events .seg').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.filter === next)));
  load();
}

/** Reads what the screen shows; away from the screen only the unmatched count (the tab badge). */
async function load() {
  const visible = current() === 'events';
  try {
    if (visible && filter === 'subscriptions') {
      [subs, journal] = await Promise.all([api.subscriptions(), api.journal(true)]);
      await loadProducts();
    } else {
      journal = await api.journal(visible && filter === 'unmatched' ? true : !visible);
    }
    showError($('events-error'), null);
  } catch (error) {
    if (visible) showError($('events-error'), error);
    return;
  }
  renderCount();
  if (visible) render();
  if (visible && focusSeq != null) {
    document.querySelector(`#journal-table tbody.entry[data-seq="${focusSeq}"]`)?.scrollIntoView({ block: 'center' });
    focusSeq = null;
  }
}

async function loadProducts() {
  try {
    products = new Map((await api.products(false)).map((p) => [p.id, p.name]));
  } catch (_) {
    // Without the catalogue, subscriptions show product ids.
  }
}

function renderCount() {
  const n = journal ? journal.unmatched_count : 0;
  const badge = $('events-badge');
  badge.hidden = n === 0;
  badge.textContent = String(n);
  badge.title = t('events.unmatched_badge', { n });
  badge.setAttribute('aria-label', t('events.unmatched_badge', { n }));
  $('unmatched-count').textContent = n > 0 ? String(n) : '';
}

function render() {
  const showSubs = filter === 'subscriptions';
  $('journal-table').hidden = showSubs;
  $('subs-table').hidden = !showSubs;
  if (showSubs) renderSubs();
  else renderJournal();
}

function renderJournal() {
  const entries = journal ? journal.entries : [];
  const sales = new Map((journal ? journal.sales : []).map((s) => [s.id, s]));
  const table = $('journal-table');
  // Rows that did not change stay the same nodes: a row being read or clicked never vanishes
  // under the pointer when another delivery arrives.
  const existing = new Map([...table.querySelectorAll('tbody.entry')].map((b) => [b.dataset.seq, b]));
  const bodies = entries.map((entry) => {
    const sale = sales.get(entry.sale_id);
    const sig = JSON.stringify([entry, sale && [sale.product_name, sale.amount_text], expanded.has(entry.seq), results.get(entry.seq), language()]);
    const old = existing.get(String(entry.seq));
    if (old && old.dataset.sig === sig) return old;
    const body = entryBody(entry, sale);
    body.dataset.sig = sig;
    return body;
  });
  const keep = new Set(bodies);
  existing.forEach((b) => { if (!keep.has(b)) b.remove(); });
  bodies.forEach((b, i) => { if (table.tBodies[i] !== b) table.insertBefore(b, table.tBodies[i] || null); });
  const unmatched = filter === 'unmatched';
  $('events-note').textContent = entries.length === 0 ? '' : t(unmatched ? 'events.count_unmatched' : 'events.count', { n: entries.length });
  $('events-empty').textContent = t(unmatched ? 'events.empty_unmatched' : 'events.empty');
  $('events-empty').hidden = entries.length > 0;
}

/** One delivery: its row, and (when expanded) the row with its body, headers and "apply again". */
function entryBody(entry, sale) {
  const open = expanded.has(entry.seq);
  const toggle = el('button', { type: 'button', class: 'expand', 'aria-expanded': String(open), title: t(open ? 'events.hide_raw' : 'events.show_raw') },
    el('span', { class: 'chevron', 'aria-hidden': 'true' }), el('span', { class: 'sr-only', text: t(open ? 'events.hide_raw' : 'events.show_raw') }));
  toggle.addEventListener('click', () => {
    if (expanded.has(entry.seq)) expanded.delete(entry.seq);
    else expanded.add(entry.seq);
    renderJournal();
  });
  const row = el('tr', { class: 'entry-row' },
    el('td', { class: 'money', text: dateTimeText(entry.received_at) }),
    el('td', { class: 'mono type', text: entry.event_type || '?' }),
    el('td', {}, el('span', { class: `badge ${entry.verified ? 'badge-ok' : 'badge-bad'}`, text: t(entry.verified ? 'events.verified_yes' : 'events.verified_no') })),
    el('td', {}, el('span', { class: `badge outcome outcome-${entry.outcome}`, text: t(`outcome.${entry.outcome}`) })),
    el('td', {}, saleCell(entry, sale)),
    el('td', { class: 'num money', text: String(entry.attempts) }),
    el('td', { class: 'expand-cell' }, toggle));
  const body = el('tbody', { class: 'entry', dataset: { seq: String(entry.seq), type: entry.event_type || '', outcome: entry.outcome, verified: String(entry.verified), saleId: entry.sale_id || '' } }, row);
  if (open) body.append(el('tr', { class: 'entry-detail' }, el('td', { colspan: '7' }, details(entry))));
  return body;
}

function saleCell(entry, sale) {
  if (!entry.sale_id) return el('span', { class: 'muted', text: t('events.no_sale') });
  const label = sale ? `${sale.product_name} ${sale.amount_text}` : `…${entry.sale_id.slice(-6)}`;
  const link = el('button', { type: 'button', class: 'link sale-link', title: `${t('events.open_sale')} ${entry.sale_id}`, dataset: { saleId: entry.sale_id } }, label);
  link.addEventListener('click', () => openSaleDetail(entry.sale_id));
  return link;
}

function details(entry) {
  const facts = [
    ['events.event_id', entry.event_id],
    ['events.received', dateTimeText(entry.received_at)],
    ['events.processed', entry.processed_at && dateTimeText(entry.processed_at)],
    ['events.detail', entry.detail],
  ].filter(([, v]) => v);
  const parts = [el('dl', { class: 'facts' }, facts.map(([k, v]) => [el('dt', { text: t(k) }), el('dd', { class: 'mono', text: v })]))];
  if (entry.can_reapply) parts.push(reapplyRow(entry));
  parts.push(el('h4', { text: t('events.headers') }),
    el('table', { class: 'headers' }, entry.headers.map(([name, value]) => el('tr', {}, el('th', { class: 'mono', text: name }), el('td', { class: 'mono', text: value })))));
  const [title, text] = pretty(entry.body);
  parts.push(el('h4', { text: t(title) }));
  if (entry.body_cut) parts.push(el('p', { class: 'hint', text: t('events.body_cut', { shown: entry.body.length, total: entry.body_bytes }) }));
  parts.push(el('pre', { class: 'raw-body', tabindex: '0' }, text));
  return el('div', { class: 'entry-details' }, parts);
}

/** The body as indented JSON (keys in the order received), or as received when it is not JSON. */
function pretty(body) {
  try {
    return ['events.body', JSON.stringify(JSON.parse(body), null, 2)];
  } catch (_) {
    return ['events.body_text', body];
  }
}

function reapplyRow(entry) {
  const button = el('button', { type: 'button', class: 'reapply', title: t('events.reapply_hint') }, t('events.reapply'));
  const out = el('p', { class: 'result reapply-result', role: 'status' });
  const said = results.get(entry.seq);
  if (said) {
    out.textContent = said.text;
    out.dataset.outcome = said.outcome;
    out.classList.toggle('bad', said.bad);
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = t('events.reapplying');
    try {
      const r = await api.reapplyEvent(entry.event_id);
      results.set(entry.seq, { outcome: r.outcome, text: `${reapplyText(r)} · ${clockText()}`, bad: false });
    } catch (error) {
      results.set(entry.seq, { outcome: 'error', text: `${errorText(error)} · ${clockText()}`, bad: true });
    }
    // Drawn afresh even when the answer is the same as last time (the button is re-enabled).
    delete button.closest('tbody').dataset.sig;
    renderJournal();
  });
  return el('div', { class: 'row reapply-row' }, button, out);
}

function reapplyText(r) {
  if (r.outcome === 'changed') return t('events.reapply_changed', { from: t(`state.${r.from}`), to: t(`state.${r.to}`) });
  if (r.outcome === 'noop') return t('events.reapply_noop', { reason: r.reason || '' });
  return t('events.reapply_other', { outcome: t(`outcome.${r.outcome}`) });
}

function renderSubs() {
  const list = subs || [];
  const rows = list.map((s) => el('tr', { dataset: { subscriptionId: s.subscription_id } },
    el('td', { class: 'mono', text: s.subscription_id }),
    el('td', {}, el('span', { class: `badge sub-${(s.status || 'UNKNOWN').toLowerCase()}`, text: subStatus(s.status) })),
    el('td', { class: 'money', text: dateText(s.current_period_end) || '—' }),
    el('td', { text: (s.product_id && (products.get(s.product_id) || s.product_id)) || '—' }),
    el('td', {}, s.sale_id ? saleCell(s, null) : el('span', { class: 'muted', text: '—' })),
    el('td', { class: 'num money', text: s.renewals ? t('subs.renewals_value', { n: s.renewals, amount: s.renewals_text }) : '0' })));
  $('subs-rows').replaceChildren(...rows);
  $('events-note').textContent = list.length ? t('events.count_subs', { n: list.length }) : '';
  $('events-empty').textContent = t('events.empty_subs');
  $('events-empty').hidden = list.length > 0;
}

function subStatus(status) {
  if (!status) return t('sub_status.UNKNOWN');
  const text = t(`sub_status.${status}`);
  return text === `sub_status.${status}` ? status : text;
}
