// The receipt printer from the counter: print a sale's receipt (when paid, or again from
// History), the day's report, and say how it went. The rules — whether Settings print on
// payment, when the drawer opens, keeping the job — are the core's; this calls and tells.

import { api } from './api.js';
import { errorText, t } from './i18n.js';
import { toast } from './ui.js';

/** Prints the receipt of `saleId`; with `auto`, only when Settings print on payment. Never
 *  throws: a failure is said in a toast (the job is kept; the button prints it again). */
export async function printReceipt(saleId, auto = false) {
  try {
    const job = await api.printReceipt(saleId, auto);
    if (job) toast(t('printer.printed'));
    return job;
  } catch (error) {
    toast(errorText(error));
    return null;
  }
}

/** A "Print receipt" button for `saleId`. */
export function receiptButton(saleId, id) {
  const button = document.createElement('button');
  button.type = 'button';
  if (id) button.id = id;
  button.textContent = t('printer.print_receipt');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try { await printReceipt(saleId); } finally { button.disabled = false; }
  });
  return button;
}
