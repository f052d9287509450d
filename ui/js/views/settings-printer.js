// Settings → Receipt printer: where it is (tcp://, usb://, serial://), paper, raster or Big5
// text, printing on payment, the drawer, the receipt's address lines, footer and language;
// a test page and "open drawer". Saved in settings.json by the core.

import { api } from '../api.js';
import { errorText, onLanguage, t } from '../i18n.js';

const $ = (id) => document.getElementById(id);
/** What the result line says (a string key or an error), so it follows a language change. */
let said = null;

export function init() {
  $('printer-form').addEventListener('submit', save);
  $('printer-test').addEventListener('click', () => act(api.printTest, 'printer.test_printed'));
  $('printer-drawer').addEventListener('click', () => act(api.openDrawer, 'printer.drawer_opened'));
  onLanguage(() => { if (said) say(said); });
}

export async function load() {
  const form = $('printer-form');
  form.dataset.loading = 'true';
  try {
    fill(await api.printerSettings());
  } catch (error) {
    say(error);
  } finally {
    form.dataset.loading = 'false';
  }
}

function fill(p) {
  $('in-printer-uri').value = p.uri || '';
  $('in-printer-paper').value = p.paper;
  $('in-printer-mode').value = p.mode;
  $('in-printer-auto').checked = p.auto_print;
  $('in-printer-kick').checked = p.drawer;
  $('in-printer-address').value = (p.address || []).join('\n');
  $('in-printer-footer').value = p.footer || '';
  $('in-printer-lang').value = p.lang;
}

async function save(e) {
  e.preventDefault();
  const printer = {
    uri: $('in-printer-uri').value.trim() || null,
    paper: $('in-printer-paper').value,
    mode: $('in-printer-mode').value,
    auto_print: $('in-printer-auto').checked,
    drawer: $('in-printer-kick').checked,
    address: $('in-printer-address').value.split('\n').map((l) => l.trim()).filter(Boolean),
    footer: $('in-printer-footer').value.trim() || null,
    lang: $('in-printer-lang').value,
  };
  try {
    fill(await api.savePrinter(printer));
    say('printer.saved');
  } catch (error) {
    say(error);
  }
}

async function act(call, done) {
  say('printer.sending');
  try {
    await call();
    say(done);
  } catch (error) {
    say(error);
  }
}

/** Says `what`: a string key, or an error (`{code}`). */
function say(what) {
  said = what;
  const bad = typeof what !== 'string';
  const box = $('printer-result');
  box.textContent = bad ? errorText(what) : t(what);
  box.classList.toggle('error', bad);
}
