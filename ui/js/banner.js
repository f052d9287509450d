// The red banner under the top bar, on every screen: the tunnel's public URL changed, so Recur's
// dashboard must be given the new webhook URL. It stays until someone dismisses it (the shell
// keeps the pending change, so a reload or a re-open shows it again).

import { api } from './api.js';
import { errorText, t } from './i18n.js';
import { newest } from './tunnel-state.js';
import { copyText, toast } from './ui.js';

const $ = (id) => document.getElementById(id);
let tunnel = null;

export function init() {
  $('url-banner-copy').addEventListener('click', async () => {
    const done = await copyText($('url-banner-url').textContent, $('url-banner-url'));
    toast(t(done !== 'selected' ? 'banner.copied' : 'settings.selected'));
  });
  $('url-banner-dismiss').addEventListener('click', async () => {
    try {
      setTunnel(newest(await api.dismissUrlChange()));
    } catch (error) {
      toast(errorText(error));
    }
  });
}

/** The tunnel as the shell last described it (a `TunnelDto`). */
export function setTunnel(next) {
  tunnel = next;
  render();
}

export function render() {
  const change = tunnel?.changed;
  $('url-banner').hidden = !change;
  if (!change) return;
  $('url-banner-url').textContent = change.webhook_url;
  $('url-banner-old').textContent = t('banner.old_url', { url: change.previous_webhook_url });
}
