// Settings → Receipt printer: where it is (tcp://, usb://, serial://), paper, raster or Big5
// text, printing on payment, the drawer, the receipt's address lines, footer and language;
// a test page and "open drawer". Saved in settings.json by the core.

import { api } from '../api.js';
import { errorText, t } from '../i18n.js';

const $ = (id) => document.getElementById(id);

export function init() {
  $('printer-form').addEventListener('submit', save);
  $('printer-test').addEventListener('click', () => act(api.printTest, 'printer.test_printed'));
  $('printer-drawer').addEventListener('click', () => act(api.openDrawer, 'printer.drawer_opened'));
}

export async function load() {
  try {
    fill(await api.printerSettings());
  } catch (error) {
    say(errorText(error), true);
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
    say(t('printer.saved'), false);
  } catch (error) {
    say(errorText(error), true);
  }
}

async function act(call, done) {
  say(t('printer.sending'), false);
  try {
    await call();
    say(t(done), false);
  } catch (error) {
    say(errorText(error), true);
  }
}

function say(text, bad) {
  const box = $('printer-result');
  box.textContent = text;
  box.classList.toggle('error', bad);
}
