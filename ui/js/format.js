// Display helpers: times in Asia/Taipei (24 h), countdowns, state, tender and product badges.
// Money arrives already formatted from Rust (`NT$1,290`); `money()` formats only what the UI
// computes itself as the cashier types (the change due) and chart axes, the same way.

import { language, t } from './i18n.js';

const TZ = 'Asia/Taipei';

// Built once: the clock ticks every second.
const CLOCK = new Intl.DateTimeFormat('zh-TW', {
  timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

export function clockText(date = new Date()) {
  return CLOCK.format(date);
}

export function timeText(ms) {
  return new Intl.DateTimeFormat(language(), {
    timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date(ms));
}

const MONEY = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `NT$1,290` for whole TWD (negative: `NT$-30`), exactly as Rust's `display_twd`. */
export function money(n) {
  const sign = n < 0 ? '-' : '';
  return `NT$${sign}${MONEY.format(Math.abs(Math.trunc(n)))}`;
}

/** Today's date in the shop's zone, `YYYY-MM-DD`. */
export function shopToday(date = new Date()) {
  // From the parts: locales disagree on the order (WebKit writes en-CA as 12/02/2026).
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** `2026-12-02` moved by `n` days (calendar arithmetic on the date itself). */
export function plusDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The tender badge of a sale (現金 / Recur): a word, with its own colour. */
export function tenderBadge(sale, node = document.createElement('span')) {
  node.className = `badge tender tender-${sale.tender}`;
  node.dataset.tender = sale.tender;
  node.textContent = t(`tender.${sale.tender}`);
  return node;
}

/** `05/14 18:34:55`: events can be from other days. */
export function dateTimeText(ms) {
  if (ms == null) return '';
  return new Intl.DateTimeFormat(language(), {
    timeZone: TZ, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(ms));
}

/** `2025/05/14`: a period end. */
export function dateText(ms) {
  if (ms == null) return '';
  return new Intl.DateTimeFormat(language(), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

/** A sale's attention notes, one sentence each (`{code, params}` from Rust, money already `NT$…`). */
export function attentionText(notes) {
  return notes.map((n) => t(`attention.${n.code}`, n.params)).join('\n');
}

/** The "需注意" badge of a sale with attention notes (a word, not an emoji: no emoji font). */
export function attentionBadge(notes) {
  const badge = el('span', { class: 'badge badge-attention', title: attentionText(notes) }, t('today.attention'));
  badge.dataset.attention = notes.map((n) => n.code).join(' ');
  return badge;
}

/** `29:59` for a number of milliseconds (never negative). */
export function remainingText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  return `${String(minutes).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * The key of a sale's state for colours and words: an OPEN sale whose page is open is OPENED,
 * and a completed card-only (SETUP) sale is SAVED — nothing was paid.
 */
export function stateKey(sale) {
  if (sale.state === 'OPEN' && sale.page_opened) return 'OPENED';
  if (sale.state === 'PAID' && sale.mode === 'SETUP') return 'SAVED';
  return sale.state;
}

export function stateBadge(sale, el = document.createElement('span')) {
  const key = stateKey(sale);
  el.className = `badge state state-${key}`;
  el.dataset.state = key;
  el.textContent = t(`state.${key}`);
  return el;
}

/**
 * A list row's state cell, whose three children are the state badge, the refunded amount and
 * a slot for the attention badge (Today and History share it).
 */
export function fillStateCell(sale, cell) {
  const [badge, refund, slot] = cell.children;
  stateBadge(sale, badge);
  refund.textContent = sale.refunded_text ? t('today.refund_amount', { amount: sale.refunded_text }) : '';
  slot.replaceChildren(...(sale.attention.length ? [attentionBadge(sale.attention)] : []));
}

/** Badges for a product tile: 單次 / 每月 / 每年, and 試用 N 天. */
export function productBadges(product) {
  const badges = [];
  if (product.product_type === 'SUBSCRIPTION') {
    const period = { WEEKLY: 'weekly', MONTHLY: 'monthly', YEARLY: 'yearly' }[product.billing_period] || 'subscription';
    badges.push({ cls: 'badge-sub', text: t(`badge.${period}`) });
  } else {
    badges.push({ cls: 'badge-once', text: t('badge.one_time') });
  }
  if (product.trial_days) badges.push({ cls: 'badge-trial', text: t('badge.trial', { n: product.trial_days }) });
  return badges;
}

/** `ab…@shop.tw`: enough to recognise an email at a glance without showing it all. */
export function shortEmail(email) {
  if (!email) return '';
  const [user, domain] = email.split('@');
  if (!domain) return email;
  return `${user.slice(0, 2)}…@${domain}`;
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(props).forEach(([key, value]) => {
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  });
  children.flat(Infinity).forEach((child) => child != null && node.append(child));
  return node;
}

/** Why a sale failed, from its `{code, params}`: the code's sentence, never Recur's own words. */
export function failureText(failure) {
  return t(`failure.${failure.code}`, failure.params);
}
