// The day's close (Z report) as elements, shared by the Close screen and the print window:
// the day's figures, the breakdowns by state, tender, mode and product, and the two charts.
// Figures arrive from Rust already as `NT$…`; this only lays them out and names them.

import { barChart, legend } from './chart.js';
import { el, money, timeText } from './format.js';
import { t } from './i18n.js';

/** The day's figures as a definition list. */
export function figures(report) {
  const tot = report.totals;
  const rows = [
    ['close.collected', tot.paid_text, t('today.count', { n: tot.paid_count })],
    ['close.refunds', report.refunds.amount_text, t('today.count', { n: report.refunds.count })],
    ['close.renewals', tot.renewals_text, t('today.count', { n: tot.renewals })],
    ['close.net', tot.net_text, null, 'net'],
    ['close.open', report.open.amount_text, t('today.count', { n: report.open.count })],
    ['close.unpaid', String(tot.failed_count), null],
    ['close.first_sale', report.first_sale ? timeText(report.first_sale) : '—', null],
    ['close.last_sale', report.last_sale ? timeText(report.last_sale) : '—', null],
  ];
  if (tot.attention_count > 0) rows.push(['close.attention', String(tot.attention_count), null, 'warning']);
  return el('dl', { class: 'facts report-figures' }, rows.map(([key, value, note, cls]) => [
    el('dt', { text: t(key) }),
    el('dd', { class: `money ${cls || ''}`, dataset: { figure: key.split('.')[1] } }, value, note ? el('small', { class: 'muted', text: ` ${note}` }) : null),
  ]));
}

function tallyTable(titleKey, rows, keyText, name) {
  const body = rows.length
    ? rows.map((r) => el('tr', { dataset: { key: r.key } },
      el('td', { text: keyText(r.key) }), el('td', { class: 'num money', text: String(r.count) }), el('td', { class: 'num money', text: r.amount_text })))
    : [el('tr', {}, el('td', { colspan: '3', class: 'muted', text: t('close.none') }))];
  return el('table', { class: 'tally', dataset: { tally: name } },
    el('caption', { text: t(titleKey) }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t(titleKey) }), el('th', { scope: 'col', class: 'num', text: t('close.count') }), el('th', { scope: 'col', class: 'num', text: t('close.amount') }))),
    el('tbody', {}, body));
}

/** The four breakdowns. */
export function breakdowns(report) {
  return [
    tallyTable('close.by_state', report.by_state, (k) => t(`state.${k}`), 'state'),
    tallyTable('close.by_tender', report.by_tender, (k) => t(`tender.${k}`), 'tender'),
    tallyTable('close.by_mode', report.by_mode, (k) => t(`mode.${k}`), 'mode'),
    tallyTable('close.by_product', report.by_product, (k) => k, 'product'),
  ];
}

/** Paid sales by hour: a bar per hour, labelled every third. */
export function hourChart(report) {
  const bars = report.by_hour.map((h, hour) => ({
    label: String(hour).padStart(2, '0'),
    values: [h.amount],
    title: t('close.hour_title', { hour: String(hour).padStart(2, '0'), n: h.count, amount: h.amount_text }),
  }));
  const series = [{ name: t('close.paid'), cls: 'paid' }];
  return [barChart({ bars, series, format: money, every: 3, label: t('close.by_hour'), empty: t('close.no_paid'), height: 170 })];
}

/** The 30-day trend: net by tender, stacked (Recur, cash). */
export function trendChart(days) {
  const series = [{ name: t('tender.recur'), cls: 'recur' }, { name: t('tender.cash'), cls: 'cash' }];
  const bars = days.map((d) => ({
    label: d.day.slice(5).replace('-', '/'),
    values: [d.recur, d.cash],
    title: t('close.trend_title', { day: d.day, recur: money(d.recur), cash: money(d.cash), net: d.net_text }),
  }));
  return [barChart({ bars, series, format: money, every: 5, label: t('close.trend'), empty: t('close.no_paid'), height: 170 }), legend(series)];
}

/** A closed day: its number, who, when and the cash figures. */
/** When a closed day changed after its close, what it is now (the change is carried by the
 *  next close; the close's own figures never change); `null` when it did not. */
export function changedSince(report) {
  const close = report.close;
  if (!close || (report.expected_cash_text === close.expected_cash_text && report.totals.net_text === close.net_text)) return null;
  return el('p', { class: 'warning changed-since', text: t('close.changed_since', { expected: report.expected_cash_text, net: report.totals.net_text }) });
}

export function closedBox(close, dateTime) {
  const rows = [
    ['close.seq', `#${close.seq}`],
    ['close.closed_at', dateTime(close.closed_at)],
    ['close.closed_by_label', close.closed_by || '—'],
    ['close.net_at_close', close.net_text],
    ['close.expected_cash', close.expected_cash_text],
    ['close.counted_cash_label', close.counted_cash_text || '—'],
    ['close.difference', close.difference_text || '—'],
  ];
  return el('dl', { class: 'facts' }, rows.map(([k, v]) => [el('dt', { text: t(k) }), el('dd', { class: 'money', dataset: { field: k.split('.')[1] }, text: v })]));
}
