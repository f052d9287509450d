// The ingest benchmark's peer: a Recur webhook receiver written the way Recur's docs write one
// (Express; verify X-Recur-Signature over the raw body; look the pending transaction up by the
// checkout id, else metadata.transaction_id; mark it paid; reply 200 {received: true}), on
// better-sqlite3. Each event is journaled by id (a redelivery is acknowledged, not applied
// twice) and committed in its own transaction before the answer, with WAL and
// synchronous=FULL: every acknowledgement follows a durable commit, as ours does.
//
// Environment: PORT (0 = any free port), PEER_DB (the SQLite file), RECUR_WEBHOOK_SECRET,
// PEER_SEED (a JSON file [{"id": txn id, "checkout_id", "amount"}], the open transactions).
// Prints {"port": N} on stdout once listening. Run with NODE_PATH=<scripts/bench-peer.sh's output>.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const express = require('express');
const Database = require('better-sqlite3');

const secret = process.env.RECUR_WEBHOOK_SECRET;
if (!secret) {
  console.error('RECUR_WEBHOOK_SECRET is not set');
  process.exit(2);
}

const db = new Database(process.env.PEER_DB || 'peer.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS transactions (
    id TEXT PRIMARY KEY,
    checkout_id TEXT UNIQUE,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    order_id TEXT,
    paid_at TEXT
  );
  CREATE TABLE IF NOT EXISTS webhook_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL
  );
`);

if (process.env.PEER_SEED) {
  const seed = JSON.parse(fs.readFileSync(process.env.PEER_SEED, 'utf8'));
  const insert = db.prepare(
    "INSERT OR IGNORE INTO transactions (id, checkout_id, amount, status) VALUES (?, ?, ?, 'PENDING')"
  );
  db.transaction((rows) => rows.forEach((r) => insert.run(r.id, r.checkout_id, r.amount)))(seed);
}

const insertEvent = db.prepare(
  'INSERT OR IGNORE INTO webhook_events (id, type, payload, received_at) VALUES (?, ?, ?, ?)'
);
const byCheckout = db.prepare('SELECT * FROM transactions WHERE checkout_id = ?');
const byId = db.prepare('SELECT * FROM transactions WHERE id = ?');
const markPaid = db.prepare(
  "UPDATE transactions SET status = 'PAID', order_id = ?, paid_at = ? WHERE id = ? AND status = 'PENDING'"
);

// One transaction per event: journal it, then apply it once.
const handle = db.transaction((event, raw) => {
  const fresh = insertEvent.run(event.id, event.type, raw, new Date().toISOString()).changes === 1;
  if (!fresh) return 'duplicate';
  const paid =
    event.type === 'order.paid' ||
    (event.type === 'checkout.completed' && String(event.data.status).toLowerCase() === 'complete');
  if (!paid) return 'recorded';
  const data = event.data || {};
  const { transaction_id } = data.metadata || {};
  const txn =
    (data.checkout_id && byCheckout.get(data.checkout_id)) ||
    (data.id && byCheckout.get(data.id)) ||
    (transaction_id && byId.get(transaction_id));
  if (!txn) return 'unmatched';
  if (txn.status !== 'PENDING') return 'unchanged';
  if (Number(data.amount) !== txn.amount) return 'amount_mismatch';
  markPaid.run(data.order_id || null, data.paid_at || null, txn.id);
  return 'paid';
});

function verify(raw, header) {
  if (!header) return false;
  const expected = crypto.createHmac('sha256', secret).update(raw).digest();
  const text = header.trim();
  const given = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

const app = express();

app.post('/webhooks/recur', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
  const raw = req.body;
  if (!Buffer.isBuffer(raw) || !verify(raw, req.get('X-Recur-Signature'))) {
    return res.status(401).json({ error: 'invalid signature' });
  }
  let event;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    return res.status(400).json({ error: 'invalid JSON' });
  }
  try {
    const outcome = handle(event, raw.toString('utf8'));
    res.json({ received: true, outcome });
  } catch (e) {
    console.error(e);
    res.status(500).json({ error: 'not stored' });
  }
});

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});

function stop() {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
