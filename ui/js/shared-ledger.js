// The shop's shared ledger as this counter last heard it (`shared-ledger` events, and a read
// after every open): whether the counter writes it at all, whether it answers, and how many
// cash sales wait on this counter. The top bar's dot and Sell read it from here.

let status = { shared: false, reachable: true, waiting: 0 };

export function current() {
  return status;
}

/** Keeps `next` (a `SharedLedgerDto`); returns it. */
export function set(next) {
  if (next) status = next;
  return status;
}

/** The counter writes the shop's ledger and it does not answer: Recur sales are refused. */
export function offline() {
  return status.shared && !status.reachable;
}
