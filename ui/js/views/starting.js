// The start-up screen: which step the shell is on, or why it failed with a retry button.

import { api } from '../api.js';
import { showError } from '../ui.js';

const $ = (id) => document.getElementById(id);
const ORDER = ['keys', 'ledger', 'catalogue'];
let last = null;

export const startingView = {
  init() {
    $('starting-retry').addEventListener('click', () => api.reopen());
  },

  /** Shows a `starting` or `failed` status. */
  setStatus(status) {
    last = status;
    const at = ORDER.indexOf(status.step);
    document.querySelectorAll('#starting-steps li').forEach((li) => {
      const i = ORDER.indexOf(li.dataset.step);
      li.className = status.phase === 'failed' ? '' : i < at ? 'done' : i === at ? 'active' : '';
      if (i === at) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    showError($('starting-error'), status.phase === 'failed' ? status.error : null);
  },

  onLanguage() {
    if (last) this.setStatus(last);
  },
};
