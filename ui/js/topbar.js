// The top bar: shop name, the environment stripe, status dots, language and the
// Asia/Taipei 24 h clock. On the shop's shared ledger the database has a dot of its own (with
// the cash sales waiting on this counter), and the listener's and tunnel's are not shown: they
// run on the shop's hub, not on this counter.

import { clockText } from './format.js';
import { errorText, language, setLanguage, t, onLanguage } from './i18n.js';

const $ = (id) => document.getElementById(id);
let status = null;
const dots = { recur: 'unknown', listener: 'off', tunnel: 'off', printer: 'off' };
/** Why the printer's dot is red (an error code), if it is. */
let printerCode = null;
/** The tunnel's own word beside its dot (`dots.starting`, …), when it has one. */
let tunnelWord = null;
/** The shop's shared ledger (a `SharedLedgerDto`); no dot on a counter's own file. */
let ledger = { shared: false, reachable: true, waiting: 0 };
const TUNNEL_DOTS = {
  up: ['ok', 'dots.connected'],
  starting: ['unknown', 'dots.starting'],
  restarting: ['error', 'dots.restarting'],
  stopped: ['off', 'dots.stopped'],
  none: ['off', 'dots.not_set'],
};

export function init() {
  const tick = () => { $('clock').textContent = clockText(); };
  tick();
  setInterval(tick, 1000);
  $('lang-switch').addEventListener('click', () => setLanguage(language() === 'zh-TW' ? 'en' : 'zh-TW'));
  onLanguage(render);
  render();
}

/** The app status from the shell (environment, shop name). */
export function setStatus(next) {
  status = next;
  if (next.phase === 'ready') {
    dots.recur = 'ok';
    dots.listener = next.listener ? 'ok' : 'off';
  }
  setTunnel(next.tunnel);
}

/** The tunnel's state (a `TunnelDto`) on its dot. */
export function setTunnel(tunnel) {
  const [state, word] = TUNNEL_DOTS[tunnel?.status] || TUNNEL_DOTS.none;
  dots.tunnel = state;
  tunnelWord = word;
  render();
}

/** The receipt printer's state (a `PrinterStatusDto`: `off`, `ok`, or `error` with a code). */
export function setPrinter(status) {
  dots.printer = status?.state || 'off';
  printerCode = status?.code || null;
  render();
}

/** The shop's shared ledger: connected, or offline with the cash sales waiting here. */
export function setSharedLedger(next) {
  ledger = next || ledger;
  render();
}

/** `ok`, `error`, `off` or `unknown` for one dot. */
export function setDot(name, state) {
  dots[name] = state;
  render();
}

function render() {
  $('shop-name').textContent = status?.shop_name || t('app.title');
  $('clock').title = t('clock.label');
  const lang = $('lang-switch');
  lang.textContent = t('app.switch_language');
  lang.lang = language() === 'zh-TW' ? 'en' : 'zh-TW';
  lang.setAttribute('aria-label', t('app.switch_language_label'));
  renderStripe();
  Object.entries(dots).forEach(([name, state]) => {
    const dot = $(`dot-${name}`);
    dot.dataset.state = state;
    const word = { ok: 'dots.connected', error: 'dots.disconnected', off: 'dots.not_set', unknown: 'dots.disconnected' }[state];
    const printerWord = name === 'printer' ? { ok: 'printer.dot_ok', error: 'printer.dot_error' }[state] : null;
    dot.querySelector('.dot-word').textContent = t(printerWord || (name === 'tunnel' && tunnelWord ? tunnelWord : word));
    if (name === 'printer') dot.title = printerCode ? errorText({ code: printerCode }) : '';
  });
  renderLedger();
}

function renderLedger() {
  const dot = $('dot-ledger');
  dot.hidden = !ledger.shared;
  $('dot-ledger-waiting').hidden = true;
  $('dot-listener').hidden = ledger.shared;
  $('dot-tunnel').hidden = ledger.shared;
  if (!ledger.shared) return;
  dot.dataset.state = ledger.reachable ? 'ok' : 'error';
  dot.dataset.waiting = String(ledger.waiting);
  dot.querySelector('.dot-word').textContent = t(ledger.reachable ? 'dots.connected' : 'dots.offline');
  const waiting = $('dot-ledger-waiting');
  waiting.hidden = ledger.waiting === 0;
  waiting.textContent = ledger.waiting === 0 ? '' : t(ledger.waiting === 1 ? 'dots.waiting_one' : 'dots.waiting', { n: ledger.waiting });
  dot.title = ledger.reachable ? '' : errorText({ code: 'ledger_unreachable' });
}

function renderStripe() {
  const stripe = $('env-stripe');
  if (!status || !status.environment) {
    stripe.hidden = true;
    return;
  }
  const live = status.environment === 'live';
  stripe.hidden = false;
  stripe.className = `env-stripe ${live ? 'env-live' : 'env-sandbox'}`;
  stripe.dataset.env = live ? 'live' : 'sandbox';
  $('env-name').textContent = t(live ? 'env.live' : 'env.sandbox');
  const keyringUnread = status.embedded && status.keyring && status.keyring !== 'ok';
  $('env-hint').textContent = status.lan_url && !live
    ? t('env.lan_hint', { url: status.lan_url })
    : t(live ? 'env.live_hint' : keyringUnread ? 'env.keyring_hint' : status.embedded ? 'env.embedded_hint' : 'env.sandbox_hint');
  stripe.dataset.lan = status.lan_url ? 'on' : 'off';
}
