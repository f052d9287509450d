// The customer display: one sale's amount, product and QR, then thank-you; bilingual, with
// no control at all. It may only read its view, whose updates come on its own channel.

import { api } from './api.js';
import { loadStrings, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const PAID = ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'];
let zh = {};
let en = {};

function both(key, zhEl, enEl) {
  zhEl.textContent = t(key, {}, zh);
  enEl.textContent = t(key, {}, en);
}

function render(view) {
  $('c-shop').textContent = view.shop_name;
  const paid = PAID.includes(view.state);
  const paying = view.state === 'OPEN' && view.qr;
  const panel = view.state === 'idle' ? 'idle' : paying ? 'pay' : paid ? 'done' : 'wait';
  document.body.dataset.state = panel;
  ['idle', 'pay', 'done', 'wait'].forEach((name) => { $(`c-${name}`).hidden = name !== panel; });
  if (panel === 'pay') {
    const img = $('c-qr');
    img.src = view.qr.data_url;
    img.dataset.url = view.qr.url;
    img.alt = `${t('customer.scan', {}, zh)} / ${t('customer.scan', {}, en)}`;
    $('c-product').textContent = view.product_name;
    $('c-amount').textContent = view.amount_text;
    both(view.page_opened ? 'customer.opened' : 'customer.scan', $('c-instruct-zh'), $('c-instruct-en'));
  } else if (panel === 'done') {
    both(view.mode === 'SETUP' ? 'customer.saved' : 'customer.paid', $('c-done-zh'), $('c-done-en'));
    $('c-done-amount').textContent = view.mode === 'SETUP' ? '' : view.amount_text;
  }
}

async function boot() {
  [zh, en] = await Promise.all([loadStrings('zh-TW'), loadStrings('en')]);
  document.querySelectorAll('[data-c]').forEach((node) => {
    node.textContent = t(node.dataset.c, {}, node.classList.contains('en') ? en : zh);
  });
  // Updates come on this window's own channel: it may not listen to the counter's events.
  const channel = new window.__TAURI__.core.Channel();
  channel.onmessage = render;
  render(await api.customerView(channel));
  document.body.dataset.booted = 'true';
}

boot();
