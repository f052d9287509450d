// The printable day's close (or, with `?sale=ID`, one sale's receipt), in its own top-level window: it reads the day's report and
// trend and the shop's name (the only commands its capability allows), lays them out for A4 or 80 mm paper and
// prints through `window.print()` (Tauri has no print API of its own). `?date=YYYY-MM-DD&paper=a4|80mm`.

import { api, closeWindow } from './api.js';
import { dateTimeText, el } from './format.js';
import { errorText, savedLanguage, setLanguage, t } from './i18n.js';
import { breakdowns, changedSince, closedBox, figures, hourChart, trendChart } from './report.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const date = params.get('date');
/** `?sale=ID`: that sale's receipt, laid out as the receipt printer lays it out. */
const sale = params.get('sale');

/** The @page rule for the paper (through the CSSOM: the CSP allows no inline <style>). */
function pageRule(paper) {
  const sheet = [...document.styleSheets].find((s) => s.href && s.href.endsWith('print.css'));
  if (!sheet) return;
  [...sheet.cssRules].forEach((rule, i) => { if (rule.type === CSSRule.PAGE_RULE) sheet.deleteRule(i); });
  sheet.insertRule(paper === '80mm' ? '@page { size: 80mm auto; margin: 4mm; }' : '@page { size: A4; margin: 12mm; }', sheet.cssRules.length);
}

function setPaper(paper) {
  document.body.dataset.paper = paper === '80mm' ? '80mm' : 'a4';
  pageRule(document.body.dataset.paper);
  document.querySelectorAll('.seg').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.paper === document.body.dataset.paper)));
}

function cashFacts(report) {
  if (report.close) return el('div', {}, closedBox(report.close, dateTimeText), changedSince(report) || '');
  return el('dl', { class: 'facts' },
    el('dt', { text: t('close.expected_cash') }), el('dd', { class: 'money', text: report.expected_cash_text }),
    el('dt', { text: t('close.counted_cash_label') }), el('dd', { class: 'blank', text: '' }),
    el('dt', { text: t('close.difference') }), el('dd', { class: 'blank', text: '' }));
}

function render(report, trend) {
  document.title = `${t('print.title')} ${report.day}`;
  $('sheet-day').textContent = t('print.day', { day: report.day });
  $('sheet-close').textContent = report.close
    ? t('close.closed_title', { seq: report.close.seq })
    : t('print.not_closed');
  $('sheet-figures').replaceChildren(figures(report));
  $('sheet-cash').replaceChildren(cashFacts(report));
  $('sheet-tallies').replaceChildren(...breakdowns(report));
  $('sheet-hours').replaceChildren(...hourChart(report));
  $('sheet-trend').replaceChildren(...trendChart(trend));
  $('sheet-adjust').hidden = report.adjustments.length === 0;
  $('sheet-adjustments').replaceChildren(...report.adjustments.map((a) => el('li', { class: 'money' },
    `${a.day} ${a.product_name} ${a.from ? `${t(`state.${a.from}`)} → ` : ''}${t(`state.${a.to}`)} ${a.amount_text}`)));
  $('sheet-printed').textContent = t('print.printed', { at: dateTimeText(Date.now()) });
  document.body.dataset.ready = 'true';
}

/** The receipt's lines (the thermal layout: 48 columns of 80 mm paper) as text rows. */
function renderReceipt(receipt) {
  const rows = receipt.lines.map((line) => {
    if (line.kind === 'rule') return el('hr', { class: 'r-rule' });
    if (line.kind === 'feed') return el('div', { class: 'r-feed' });
    if (line.kind === 'qr') return receipt.qr_url ? el('img', { class: 'r-qr', src: receipt.qr_url, alt: line.data }) : null;
    const cls = ['r-line', `r-align-${line.align || 'left'}`, line.big ? 'r-big' : '', line.bold ? 'r-bold' : ''].filter(Boolean).join(' ');
    return el('div', { class: cls }, el('span', { text: line.text }), line.right ? el('span', { class: 'r-right', text: line.right }) : '');
  });
  $('receipt').replaceChildren(...rows.filter(Boolean));
  $('receipt').hidden = false;
  $('sheet').hidden = true;
  document.title = `${t('printer.print_receipt')} ${sale}`;
  document.body.dataset.ready = 'true';
}

async function boot() {
  await setLanguage(savedLanguage());
  setPaper(params.get('paper'));
  document.querySelectorAll('.seg').forEach((b) => b.addEventListener('click', () => setPaper(b.dataset.paper)));
  $('print-now').addEventListener('click', () => window.print());
  $('print-close').addEventListener('click', closeWindow);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeWindow(); });
  try {
    if (sale) {
      renderReceipt(await api.receiptSheet(sale));
      return;
    }
    const [report, trend, status] = await Promise.all([api.dayReport(date), api.trend(date), api.appStatus()]);
    $('sheet-shop').textContent = status.shop_name;
    render(report, trend);
  } catch (error) {
    $('print-error').textContent = errorText(error);
    $('print-error').hidden = false;
  }
}

boot();
