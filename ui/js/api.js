// The one module that touches the host (window.__TAURI__): every command and every event the
// UI uses goes through here. Commands reject with {code, message, sale_id?}; the UI maps the
// code to a sentence (i18n.js) and never parses the message.

const host = window.__TAURI__;

/** Asked when a command needs the manager; resolves true once the PIN was given. */
let guarded = null;

/** `handler(code)` opens the PIN dialog (manager.js); a refused command then runs once more. */
export function onGuarded(handler) {
  guarded = handler;
}

const NEEDS_MANAGER = ['manager_required', 'pin_not_set'];

async function call(command, args, again = true) {
  try {
    return await host.core.invoke(command, args);
  } catch (error) {
    if (error && typeof error === 'object' && typeof error.code === 'string') {
      if (again && guarded && NEEDS_MANAGER.includes(error.code) && await guarded(error.code)) {
        return call(command, args, false);
      }
      throw error;
    }
    // Refusals from Tauri itself (ACL, a missing command) arrive as plain strings.
    throw { code: 'internal', message: String(error) };
  }
}

export const api = {
  appStatus: () => call('app_status'),
  reopen: () => call('reopen'),
  settings: () => call('settings'),
  saveKeys: (secretKey, webhookSecret) => call('save_keys', { secretKey, webhookSecret }),
  clearKeys: () => call('clear_keys'),
  tunnelSelfTest: () => call('tunnel_self_test'),
  saveShopName: (name) => call('save_shop_name', { name }),
  savePhoneTest: (on) => call('save_phone_test', { on }),
  startTunnel: (command) => call('start_tunnel', { command }),
  stopTunnel: () => call('stop_tunnel'),
  dismissUrlChange: () => call('dismiss_url_change'),
  backUpNow: () => call('back_up_now'),
  diagnostics: () => call('diagnostics'),
  journal: (unmatchedOnly = false) => call('journal', { unmatchedOnly }),
  reapplyEvent: (eventId) => call('reapply_event', { eventId }),
  subscriptions: () => call('subscriptions'),
  saleDetail: (id) => call('sale_detail', { id }),
  products: (refresh = false) => call('products', { refresh }),
  charge: (input) => call('charge', { input }),
  newCheckout: (id) => call('new_checkout', { id }),
  cancelSale: (id) => call('cancel_sale', { id }),
  payView: (id) => call('pay_view', { id }),
  today: () => call('today'),
  chargeCash: (input, tendered) => call('charge_cash', { input, tendered }),
  history: (filter, sort, after, limit) => call('history', { filter, sort, after, limit }),
  historyTotals: (filter) => call('history_totals', { filter }),
  dayReport: (date) => call('day_report', { date }),
  closeDay: (date, countedCash, closedBy) => call('close_day', { date, countedCash, closedBy }),
  trend: (date) => call('trend', { date }),
  crossCheck: (date) => call('cross_check', { date }),
  openPrintView: (date, paper) => call('open_print_view', { date, paper }),
  exportHistory: (filter) => call('export_history', { filter }),
  cancelExport: () => call('cancel_export'),
  watchSale: (id) => call('watch_sale', { id }),
  unwatchSale: () => call('unwatch_sale'),
  openCheckout: (id) => call('open_checkout', { id }),
  openCustomerDisplay: () => call('open_customer_display'),
  /** The customer window's view now; `channel` receives each later one. */
  customerView: (channel) => call('customer_view', { onView: channel }),
  managerStatus: () => call('manager_status'),
  setManagerPin: (pin, current) => call('set_manager_pin', { pin, current }),
  unlockManager: (pin) => call('unlock_manager', { pin }),
  lockManager: () => call('lock_manager'),
  auditLog: () => call('audit_log'),
  quitApp: () => call('quit_app'),
  printerSettings: () => call('printer_settings'),
  savePrinter: (printer) => call('save_printer', { printer }),
  /** With `auto`, prints only when Settings print on payment (resolves to null otherwise). */
  printReceipt: (id, auto = false) => call('print_receipt', { id, auto }),
  printDay: (date) => call('print_day', { date }),
  printTest: () => call('print_test'),
  openDrawer: () => call('open_drawer'),
  printerStatus: () => call('printer_status'),
  receiptSheet: (id) => call('receipt_sheet', { id }),
  openReceiptView: (id) => call('open_receipt_view', { id }),
  sharedLedgerStatus: () => call('shared_ledger_status'),
  shopStatus: () => call('shop_status'),
  /** The password goes to the shell only (and from there to the keyring when joining). */
  checkShop: (url, password) => call('check_shop', { url, password }),
  joinShop: (url, password) => call('join_shop', { url, password }),
  nameCounter: (shop, counter) => call('name_counter', { shop, counter }),
  leaveShop: () => call('leave_shop'),
};

/** Event names, one per core event plus the shell's own (src-tauri/src/events.rs). */
export const EVENTS = {
  saleChanged: 'sale-changed',
  catalogueChanged: 'catalogue-changed',
  journalChanged: 'journal-changed',
  tunnelChanged: 'tunnel-changed',
  resync: 'resync',
  appStatus: 'app-status',
  watchStatus: 'watch-status',
  exportProgress: 'export-progress',
  crossCheckProgress: 'cross-check-progress',
  quitRequested: 'quit-requested',
  printerStatus: 'printer-status',
  sharedLedger: 'shared-ledger',
};

/** Closes the window this page is in (the print window's Close). */
export function closeWindow() {
  return host.window.getCurrentWindow().close();
}

/** Calls `handler(payload)` for each `event`; resolves to an unlisten function. */
export function on(event, handler) {
  return host.event.listen(event, (e) => handler(e.payload));
}
