// Boots the counter window: language, top bar, the URL-changed banner, views, the sale
// details dialog, the shell's events, the keyboard, and the URL hash (the tab shown, and
// History's filter: Back and a reload keep them).

import { api, EVENTS, on } from './api.js';
import * as banner from './banner.js';
import * as detail from './detail.js';
import * as manager from './manager.js';
import { newest } from './tunnel-state.js';
import { onLanguage, savedLanguage, setLanguage, t } from './i18n.js';
import * as router from './router.js';
import * as sharedLedger from './shared-ledger.js';
import * as topbar from './topbar.js';
import { announce } from './ui.js';
import { startingView } from './views/starting.js';
import { sellView } from './views/sell.js';
import { payView } from './views/pay.js';
import { todayView } from './views/today.js';
import { settingsView } from './views/settings.js';
import { eventsView } from './views/events.js';
import { historyView } from './views/history.js';
import { closeView } from './views/close.js';

const VIEWS = {
  starting: startingView, sell: sellView, pay: payView, today: todayView, settings: settingsView, events: eventsView, history: historyView, close: closeView,
};
const KEYS = { F1: 'sell', F2: 'today', F3: 'settings', F4: 'events', F5: 'history', F6: 'close' };
/** The tabs the URL hash can name (`#history?…`, `#close`, …). */
const TABS = ['sell', 'today', 'history', 'close', 'settings', 'events'];
let phase = null;

/** The tab the URL hash names, if any. */
function hashView() {
  const name = location.hash.slice(1).split('?')[0];
  return TABS.includes(name) ? name : null;
}

/** Where to go back to once a re-open (after Settings changed the keys) is ready: at first, the tab the URL names (a reload). */
let resumeTo = hashView() || 'sell';

function onStatus(status) {
  status.tunnel = newest(status.tunnel);
  topbar.setStatus(status);
  banner.setTunnel(status.tunnel);
  const was = phase;
  phase = status.phase;
  if (status.phase === 'ready') {
    if (was !== 'ready') {
      // Each ledger (live, sandbox) has its own manager PIN.
      manager.refresh();
      router.broadcast('onReady');
      router.show(resumeTo);
      announce(t('announce.ready'));
      // Each open may be on another ledger (joined or left the shop): its dot, read now.
      api.sharedLedgerStatus().then(onSharedLedger, () => {});
    }
    return;
  }
  const at = router.current();
  if (at && at !== 'starting') resumeTo = at === 'pay' ? 'sell' : at;
  startingView.setStatus(status);
  router.show('starting');
}

function onTunnel(given) {
  const tunnel = newest(given);
  if (tunnel !== given) return;
  topbar.setTunnel(tunnel);
  banner.setTunnel(tunnel);
  router.broadcast('onTunnel', tunnel);
}

/** The shop's shared ledger went away or came back (or was read after an open). */
function onSharedLedger(status) {
  const was = sharedLedger.current();
  sharedLedger.set(status);
  topbar.setSharedLedger(status);
  router.broadcast('onSharedLedger', status);
  if (was.shared && status.shared && was.reachable !== status.reachable) {
    announce(t(status.reachable ? 'announce.ledger_back' : 'announce.ledger_away'));
  }
}

function onKey(e) {
  if (phase !== 'ready') return;
  // The details dialog is modal: its own keys (Esc closes it) only.
  if (detail.isOpen()) {
    detail.onKey(e);
    return;
  }
  if (KEYS[e.key]) {
    e.preventDefault();
    router.show(KEYS[e.key]);
    return;
  }
  router.view(router.current())?.onKey?.(e);
}

async function boot() {
  await setLanguage(savedLanguage());
  Object.entries(VIEWS).forEach(([name, view]) => {
    router.register(name, view);
    view.init?.();
  });
  topbar.init();
  banner.init();
  detail.init();
  manager.init();
  onLanguage((lang) => {
    router.broadcast('onLanguage', lang);
    banner.render();
    detail.onLanguage();
  });
  document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => {
    if (phase === 'ready') router.show(tab.dataset.view);
  }));
  document.addEventListener('keydown', onKey);
  await Promise.all([
    on(EVENTS.appStatus, onStatus),
    on(EVENTS.saleChanged, (sale) => {
      router.broadcast('onSaleChanged', sale);
      detail.onSaleChanged(sale);
    }),
    on(EVENTS.catalogueChanged, () => router.broadcast('onCatalogueChanged')),
    on(EVENTS.watchStatus, (status) => router.broadcast('onWatchStatus', status)),
    on(EVENTS.resync, () => router.broadcast('onResync')),
    on(EVENTS.journalChanged, () => router.broadcast('onJournalChanged')),
    on(EVENTS.tunnelChanged, onTunnel),
    on(EVENTS.exportProgress, (p) => router.broadcast('onExportProgress', p)),
    on(EVENTS.crossCheckProgress, (p) => router.broadcast('onCrossCheckProgress', p)),
    on(EVENTS.printerStatus, topbar.setPrinter),
    on(EVENTS.sharedLedger, onSharedLedger),
  ]);
  // Back and Forward: the tab (and History's filter) the URL names now.
  window.addEventListener('popstate', () => {
    const name = hashView();
    if (phase !== 'ready' || !name) return;
    if (name === router.current()) router.broadcast('onPopState');
    else router.show(name, { fromUrl: true });
  });
  // Listen first, then ask: a status sent in between is not lost.
  onStatus(await api.appStatus());
  api.printerStatus().then(topbar.setPrinter, () => {});
  document.body.dataset.booted = 'true';
}

boot();
