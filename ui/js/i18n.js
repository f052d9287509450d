// Strings live in ui/i18n/<lang>.json; zh-TW is the default, English the second language.
// Static text is marked with data-i18n (text), data-i18n-placeholder and data-i18n-aria.

export const LANGUAGES = ['zh-TW', 'en'];
const STORAGE_KEY = 'recur-pos.lang';
const cache = new Map();
let strings = {};
let current = 'zh-TW';
const listeners = new Set();

export async function loadStrings(lang) {
  if (!cache.has(lang)) {
    const response = await fetch(`i18n/${lang}.json`);
    cache.set(lang, await response.json());
  }
  return cache.get(lang);
}

export function savedLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(saved) ? saved : 'zh-TW';
}

export async function setLanguage(lang) {
  strings = await loadStrings(lang);
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  apply(document);
  listeners.forEach((fn) => fn(lang));
}

export function language() {
  return current;
}

/** Calls `fn(lang)` after every language change (views re-render their dynamic text). */
export function onLanguage(fn) {
  listeners.add(fn);
}

function lookup(table, key) {
  return key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), table);
}

/** The string at `key` with `{name}` placeholders filled from `params`. */
export function t(key, params = {}, table = strings) {
  const text = lookup(table, key);
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** The sentence for an error code (codes contain dots, so they are looked up whole). */
export function errorText(error, table = strings) {
  const errors = table.errors || {};
  const code = (error && error.code) || 'internal';
  return errors[code] || errors[code.split('.')[0]] || errors.internal || code;
}

export function apply(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nAria)); });
}
