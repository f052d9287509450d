// Close (日結, the Z report) of a chosen shop day: the day's figures, the breakdowns, paid
// sales by hour and the 30-day trend by tender as charts, the cash the drawer should hold
// against the cash counted, and closing the day — an explicit act, confirmed first, kept in
// the ledger; a closed day shows who closed it, when, and its figures, and a second close is
// the core's refusal in words. "Check with Recur" reads each Recur sale's session (with
// progress) and lists every difference, each linking to its sale. Late changes to closed days
// are listed as the adjustments this close carries. Print opens the printable window.

import { api } from '../api.js';
import { openSaleDetail } from '../detail.js';
import { dateTimeText, el, money, plusDays, shopToday } from '../format.js';
import { errorText, t } from '../i18n.js';
import { current } from '../router.js';
import { announce, showError, toast } from '../ui.js';
import { breakdowns, changedSince, closedBox, figures, hourChart, trendChart } from '../report.js';

const $ = (id) => document.getElementById(id);
let date = null;
let report = null;
let trend = null;
let check = null;
let checking = false;
let generation = 0;
let reloadTimer = null;

export const closeView = {
  init() {
    $('c-date').addEventListener('change', () => $('c-date').value && go($('c-date').value));
    $('c-prev').addEventListener('click', () => go(plusDays(date, -1)));
    $('c-next').addEventListener('click', () => go(plusDays(date, 1)));
    $('c-today').addEventListener('click', () => go(shopToday()));
    $('c-check').addEventListener('click', crossCheck);
    $('c-print').addEventListener('click', () => print('a4'));
    $('c-print-80').addEventListener('click', () => print('80mm'));
    $('c-print-thermal').addEventListener('click', printThermal);
    $('c-counted').addEventListener('input', renderDifference);
    $('c-close').addEventListener('click', askToClose);
    $('c-confirm-no').addEventListener('click', () => { $('c-confirm').hidden = true; $('c-close').focus(); });
    $('c-confirm-yes').addEventListener('click', closeDay);
  },

  enter(params) {
    go(params?.date || date || shopToday());
  },

  onSaleChanged() {
    if (current() !== 'close') return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => load(), 500);
  },

  onResync() {
    if (current() === 'close') load();
  },

  onLanguage() {
    if (report) render();
  },

  onCrossCheckProgress(p) {
    if (!checking) return;
    $('c-check-bar').style.width = `${p.total > 0 ? (p.done / p.total) * 100 : 100}%`;
    $('c-check-text').textContent = t('close.checking', { done: p.done, total: p.total });
  },
};

function go(day) {
  if (day !== date) {
    check = null;
    $('c-counted').value = '';
    $('c-confirm').hidden = true;
    showError($('c-error'), null);
  }
  date = day;
  $('c-date').value = day;
  $('c-next').disabled = day >= shopToday();
  load();
}

async function load() {
  generation += 1;
  const mine = generation;
  const day = date;
  try {
    const [r, days] = await Promise.all([api.dayReport(day), api.trend(day)]);
    if (mine !== generation) return;
    report = r;
    trend = days;
    render();
  } catch (error) {
    if (mine === generation) showError($('c-error'), error);
  }
}

function render() {
  const view = $('view-close');
  view.dataset.day = report.day;
  view.dataset.closed = String(!!report.close);
  const status = $('c-status');
  status.className = `badge ${report.close ? 'state-PAID' : 'state-OPEN'}`;
  status.textContent = report.close ? t('close.closed_badge', { seq: report.close.seq }) : t('close.open_badge');
  $('c-figures').replaceChildren(figures(report));
  $('c-breakdowns').replaceChildren(...breakdowns(report));
  $('c-hour-chart').replaceChildren(...hourChart(report));
  $('c-trend-chart').replaceChildren(...trendChart(trend));
  $('c-expected').textContent = report.expected_cash_text;
  $('c-close-form').hidden = !!report.close;
  $('c-closed').hidden = !report.close;
  if (report.close) {
    // A sale that changed after the close is never written into it: it is carried by the next.
    $('c-closed').replaceChildren(el('strong', { text: t('close.closed_title', { seq: report.close.seq }) }), closedBox(report.close, dateTimeText), changedSince(report) || '');
  }
  renderDifference();
  renderAdjustments();
  renderCheck();
}

/** Counted cash as whole TWD, `null` when blank, `NaN` when not a number. */
function counted() {
  const text = $('c-counted').value.replace(/[,\s]|NT\$/g, '');
  if (!text) return null;
  return /^\d+$/.test(text) ? Number(text) : NaN;
}

function renderDifference() {
  const dd = $('c-difference');
  if (report?.close) {
    dd.textContent = report.close.difference_text || '—';
    dd.dataset.sign = Math.sign(report.close.difference || 0);
    return;
  }
  const n = counted();
  $('c-counted').setAttribute('aria-invalid', String(Number.isNaN(n)));
  if (n === null || Number.isNaN(n) || !report) {
    dd.textContent = Number.isNaN(n) ? t('close.counted_invalid') : '—';
    dd.dataset.sign = '0';
    return;
  }
  const diff = n - report.expected_cash;
  dd.textContent = `${money(diff)} ${diff === 0 ? t('close.balanced') : t(diff < 0 ? 'close.short' : 'close.over')}`;
  dd.dataset.sign = String(Math.sign(diff));
}

function renderAdjustments() {
  const list = report.adjustments;
  $('c-adjust-card').hidden = list.length === 0;
  $('c-adjustments').replaceChildren(...list.map((a) => {
    const link = el('button', { type: 'button', class: 'link', dataset: { saleId: a.sale_id } }, a.product_name);
    link.addEventListener('click', () => openSaleDetail(a.sale_id));
    return el('li', {}, el('span', { class: 'money', text: a.day }), ' ', link, ' ',
      el('span', { text: `${a.from ? `${t(`state.${a.from}`)} → ` : ''}${t(`state.${a.to}`)}` }), ' ',
      el('strong', { class: 'money', text: a.amount_text }));
  }));
}

function askToClose() {
  const n = counted();
  if (Number.isNaN(n)) {
    showError($('c-error'), { code: 'invalid_input' });
    $('c-counted').focus();
    return;
  }
  const cash = n === null ? t('close.not_counted') : money(n);
  $('c-confirm-text').textContent = t('close.confirm', { day: date, expected: report.expected_cash_text, counted: cash });
  $('c-confirm').hidden = false;
  $('c-confirm-yes').focus();
}

async function closeDay() {
  $('c-confirm').hidden = true;
  $('c-confirm-yes').disabled = true;
  showError($('c-error'), null);
  try {
    report = await api.closeDay(date, counted(), $('c-by').value.trim() || null);
    render();
    announce(t('close.closed_title', { seq: report.close.seq }));
  } catch (error) {
    // Closed meanwhile (another window, the command line): say so, and show it as closed.
    showError($('c-error'), error);
    load();
  } finally {
    $('c-confirm-yes').disabled = false;
  }
}

async function crossCheck() {
  if (checking) return;
  checking = true;
  check = { running: true };
  $('c-check').disabled = true;
  renderCheck();
  $('c-check-text').textContent = t('close.checking', { done: 0, total: '…' });
  try {
    check = await api.crossCheck(date);
  } catch (error) {
    check = { error };
  } finally {
    checking = false;
    $('c-check').disabled = false;
  }
  renderCheck();
}

function renderCheck() {
  const card = $('c-check-card');
  card.hidden = !check;
  if (!check) return;
  card.dataset.state = check.running ? 'running' : check.error ? 'failed' : check.differences.length ? 'differs' : 'agrees';
  if (check.running) {
    $('c-check-bar').style.width = '0%';
    $('c-differences').replaceChildren();
    return;
  }
  $('c-check-bar').style.width = '100%';
  if (check.error) {
    $('c-check-text').textContent = errorText(check.error);
    return;
  }
  $('c-check-text').textContent = check.differences.length
    ? t('close.differs', { n: check.differences.length, checked: check.checked })
    : t('close.agrees', { checked: check.checked });
  $('c-differences').replaceChildren(...check.differences.map(differenceItem));
  // What the check found is what the owner asked to see: bring it into view.
  card.scrollIntoView({ block: 'nearest' });
}

/** One difference in words; its sale is a link to the sale's details. */
export function differenceText(d) {
  return t(`difference.${d.code}`, {
    state: d.state ? t(`state.${d.state}`) : '',
    recur_status: d.recur_status ? t(`session_status.${d.recur_status}`) : '',
    ledger: d.ledger_amount_text || '',
    recur: d.recur_amount_text || '',
    named: d.named || '',
    error: d.error ? errorText({ code: d.error }) : '',
    event: d.event_type || d.event_id || '',
  });
}

function differenceItem(d) {
  const item = el('li', { dataset: { code: d.code } }, el('span', { text: differenceText(d) }));
  if (d.sale_id) {
    const link = el('button', { type: 'button', class: 'link', dataset: { saleId: d.sale_id } }, t('close.open_sale'));
    link.addEventListener('click', () => openSaleDetail(d.sale_id));
    item.append(' ', link);
  }
  return item;
}

/** The day's report on the receipt printer. */
async function printThermal() {
  showError($('c-error'), null);
  try {
    await api.printDay(date);
    toast(t('printer.day_printed'));
  } catch (error) {
    showError($('c-error'), error);
  }
}

async function print(paper) {
  try {
    await api.openPrintView(date, paper);
  } catch (error) {
    showError($('c-error'), error);
  }
}
