// Boots the counter window: language, top bar, views, the shell's events, the keyboard.

import { api, EVENTS, on } from './api.js';
import { onLanguage, savedLanguage, setLanguage, t } from './i18n.js';
import * as router from './router.js';
import * as topbar from './topbar.js';
import { announce } from './ui.js';
import { startingView } from './views/starting.js';
import { sellView } from './views/sell.js';
import { payView } from './views/pay.js';
import { todayView } from './views/today.js';
import { settingsView } from './views/settings.js';

const VIEWS = { starting: startingView, sell: sellView, pay: payView, today: todayView, settings: settingsView };
const KEYS = { F1: 'sell', F2: 'today', F3: 'settings' };
let phase = null;
/** Where to go back to once a re-open (after Settings changed the keys) is ready. */
let resumeTo = 'sell';

function onStatus(status) {
  topbar.setStatus(status);
  const was = phase;
  phase = status.phase;
  if (status.phase === 'ready') {
    if (was !== 'ready') {
      router.broadcast('onReady');
      router.show(resumeTo);
      announce(t('announce.ready'));
    }
    return;
  }
  const at = router.current();
  if (at && at !== 'starting') resumeTo = at === 'pay' ? 'sell' : at;
  startingView.setStatus(status);
  router.show('starting');
}

function tunnelDot(status) {
  return { up: 'ok', restarting: 'error', starting: 'unknown' }[status] || 'off';
}

function onKey(e) {
  if (phase !== 'ready') return;
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
  onLanguage((lang) => router.broadcast('onLanguage', lang));
  document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => {
    if (phase === 'ready') router.show(tab.dataset.view);
  }));
  document.addEventListener('keydown', onKey);
  await Promise.all([
    on(EVENTS.appStatus, onStatus),
    on(EVENTS.saleChanged, (sale) => router.broadcast('onSaleChanged', sale)),
    on(EVENTS.catalogueChanged, () => router.broadcast('onCatalogueChanged')),
    on(EVENTS.watchStatus, (status) => router.broadcast('onWatchStatus', status)),
    on(EVENTS.resync, () => router.broadcast('onResync')),
    on(EVENTS.journalChanged, () => router.broadcast('onJournalChanged')),
    on(EVENTS.tunnelChanged, (tunnel) => {
      topbar.setDot('tunnel', tunnelDot(tunnel.status));
      router.broadcast('onTunnel', tunnel);
    }),
  ]);
  // Listen first, then ask: a status sent in between is not lost.
  onStatus(await api.appStatus());
  document.body.dataset.booted = 'true';
}

boot();
