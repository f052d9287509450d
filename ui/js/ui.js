// Shared bits of feedback: error banners, toasts, screen-reader announcements, the paid sound,
// copying a URL.

import { errorText } from './i18n.js';

const SOUND_KEY = 'recur-pos.sound';

/** Shows `error` (a {code, message}) in a banner, or hides the banner when `error` is null. */
export function showError(banner, error) {
  if (!error) {
    banner.hidden = true;
    delete banner.dataset.code;
    return;
  }
  banner.querySelector('.error-text').textContent = errorText(error);
  banner.dataset.code = error.code;
  banner.title = error.message || '';
  banner.hidden = false;
}

let toastTimer = null;
export function toast(text) {
  const box = document.getElementById('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

/** Says `text` to screen readers (aria-live="polite"). */
export function announce(text) {
  const live = document.getElementById('announcer');
  live.textContent = '';
  requestAnimationFrame(() => { live.textContent = text; });
}

export function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== 'off';
}

export function setSound(on) {
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
}

let audio = null;
/** Two short rising tones; silent when muted or when the machine has no audio. */
export function paidSound() {
  if (!soundOn()) return;
  try {
    audio = audio || new AudioContext();
    [[880, 0], [1320, 0.12]].forEach(([freq, at]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + at);
      osc.stop(audio.currentTime + at + 0.2);
    });
  } catch (_) {
    // No audio device: the green panel and the announcement still say it.
  }
}

/**
 * Copies `text`: the Clipboard API where the webview allows it, else the selection of `node`
 * and the copy command. Resolves to how it was copied (`clipboard` or `command`), or to
 * `selected` when only the selection could be made (the person presses Ctrl+C).
 */
export async function copyText(text, node) {
  try {
    await navigator.clipboard.writeText(text);
    return 'clipboard';
  } catch (_) {
    // WebKitGTK may refuse the Clipboard API: fall back to the selection.
  }
  window.getSelection().selectAllChildren(node);
  try {
    if (document.execCommand('copy')) return 'command';
  } catch (_) {
    // No copy command either: the URL stays selected.
  }
  return 'selected';
}
