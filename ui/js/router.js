// Which screen is showing. Each view is an object with optional enter(params), leave(),
// onKey(event) and the event hooks main.js fans out (onSaleChanged, onWatchStatus, …).

const views = new Map();
let active = null;

export function register(name, view) {
  views.set(name, view);
}

export function current() {
  return active;
}

export function view(name) {
  return views.get(name);
}

export function show(name, params) {
  if (active && active !== name) views.get(active)?.leave?.();
  const previous = active;
  active = name;
  document.querySelectorAll('main > .view').forEach((section) => {
    section.hidden = section.id !== `view-${name}`;
  });
  // Pay belongs to the Sell tab.
  const tab = name === 'pay' ? 'sell' : name;
  document.querySelectorAll('.tab').forEach((button) => {
    if (button.dataset.view === tab) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  });
  // Each tab is a step Back can return to; History keeps its own filter in the hash.
  if (location.hash.startsWith('#history')) lastHistoryHash = location.hash;
  const tabs = ['sell', 'today', 'close', 'settings', 'events'];
  if (!params?.fromUrl && name !== previous) {
    if (tabs.includes(name) && location.hash !== `#${name}`) window.history.pushState(null, '', `#${name}`);
    if (name === 'history' && !location.hash.startsWith('#history')) window.history.pushState(null, '', lastHistoryHash);
  }
  views.get(name)?.enter?.(params, previous);
}

/** History's last filter, so coming back to the tab shows it again. */
let lastHistoryHash = location.hash.startsWith('#history') ? location.hash : '#history';

/** Calls `hook(...args)` on every view that has it (views ignore what is not theirs). */
export function broadcast(hook, ...args) {
  views.forEach((v) => v[hook]?.(...args));
}
