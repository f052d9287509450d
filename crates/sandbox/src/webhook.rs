//! Webhook delivery: a delay queue served by a few worker threads, signed POSTs with
//! `reqwest::blocking`, retries per the configured schedule, the delivery log, and the webhook
//! faults (duplicate, shuffle, delay, drop).
//!
//! Deciding *which* events exist is elsewhere ([`crate::state`], [`crate::events`]); this module
//! only moves bytes and records what happened.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_domain::Timestamp;

use crate::delivery::{DeliveryRecord, Sender};
use crate::dice::FaultDice;
use crate::events::StoredEvent;

/// Delivery threads: enough that one hanging endpoint does not stall the others.
const WORKERS: usize = 4;

/// Owns the queue and the delivery threads.
pub struct Dispatcher {
    inner: Arc<Inner>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

struct Inner {
    queue: Mutex<Queue>,
    /// Wakes workers (a job is due) and `wait_idle` (the queue drained): always `notify_all`.
    changed: Condvar,
    log: Mutex<Vec<DeliveryRecord>>,
    secret: String,
    timeout: Duration,
    retry_schedule: Vec<Duration>,
}

/// Pending jobs. Without webhook faults a job is *exclusive*: it starts only when nothing else
/// is in flight to its endpoint, so every endpoint sees events in emission order (handy for
/// tests). Recur promises no order; with any webhook fault on, jobs run concurrently and the
/// shuffle and delay faults reorder them on purpose.
#[derive(Default)]
struct Queue {
    /// Few at a time in practice, so a vector scanned for the earliest due job is enough.
    jobs: Vec<Job>,
    /// Attempts in flight per URL.
    busy: HashMap<String, usize>,
    next_seq: u64,
    in_flight: usize,
    shutdown: bool,
}

/// (due, url, items, exclusive)
type NewJob = (Instant, String, Vec<Item>, bool);

/// Events sent one after the other to one URL (one payment's events travel together).
struct Job {
    due: Instant,
    seq: u64,
    url: String,
    items: Vec<Item>,
    exclusive: bool,
}

#[derive(Clone)]
struct Item {
    event: Arc<StoredEvent>,
    attempt: u32,
    /// The drop fault: log this attempt as failed without sending it.
    drop: bool,
    duplicate: bool,
}

impl Dispatcher {
    pub fn start(secret: String, timeout: Duration, retry_schedule: Vec<Duration>) -> Dispatcher {
        let inner = Arc::new(Inner {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            log: Mutex::new(Vec::new()),
            secret,
            timeout,
            retry_schedule,
        });
        let workers = (0..WORKERS)
            .map(|i| {
                let inner = inner.clone();
                std::thread::Builder::new()
                    .name(format!("sandbox-webhook-{i}"))
                    .spawn(move || inner.run())
                    .expect("spawn a webhook thread")
            })
            .collect();
        Dispatcher {
            inner,
            workers: Mutex::new(workers),
        }
    }

    /// Queues freshly emitted events for every URL, applying the webhook faults.
    pub fn send(&self, events: &[Arc<StoredEvent>], urls: &[String], dice: &mut FaultDice, now: Instant) {
        if events.is_empty() || urls.is_empty() {
            return;
        }
        let jobs = urls.iter().flat_map(|url| plan(events, url, dice, now)).collect();
        self.inner.push_all(jobs);
    }

    /// Sends one stored event again to every URL, same bytes, no faults.
    pub fn redeliver(&self, event: &Arc<StoredEvent>, urls: &[String], now: Instant) {
        let jobs = urls
            .iter()
            .map(|url| {
                let item = Item {
                    event: event.clone(),
                    attempt: 1,
                    drop: false,
                    duplicate: false,
                };
                (now, url.clone(), vec![item], true)
            })
            .collect();
        self.inner.push_all(jobs);
    }

    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        lock(&self.inner.log).clone()
    }

    /// True once nothing is queued or in flight; false if `timeout` passed first.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut queue = lock(&self.inner.queue);
        loop {
            if queue.jobs.is_empty() && queue.in_flight == 0 {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            queue = self
                .inner
                .changed
                .wait_timeout(queue, deadline - now)
                .map(|(q, _)| q)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Drops what is queued and joins the threads (an attempt in flight finishes first).
    pub fn shutdown(&self) {
        lock(&self.inner.queue).shutdown = true;
        self.inner.changed.notify_all();
        for handle in lock(&self.workers).drain(..) {
            let _ = handle.join();
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Inner {
    fn push_all(&self, jobs: Vec<NewJob>) {
        let mut queue = lock(&self.queue);
        for (due, url, items, exclusive) in jobs {
            let seq = queue.next_seq;
            queue.next_seq += 1;
            queue.jobs.push(Job {
                due,
                seq,
                url,
                items,
                exclusive,
            });
        }
        drop(queue);
        self.changed.notify_all();
    }

    fn run(&self) {
        let mut sender = Sender::new(self.secret.clone(), self.timeout);
        while let Some(job) = self.next_job() {
            for item in job.items {
                if lock(&self.queue).shutdown {
                    break;
                }
                self.attempt(&mut sender, &job.url, item, job.exclusive);
            }
            let mut queue = lock(&self.queue);
            queue.in_flight -= 1;
            if let Some(n) = queue.busy.get_mut(&job.url) {
                *n -= 1;
                if *n == 0 {
                    queue.busy.remove(&job.url);
                }
            }
            drop(queue);
            self.changed.notify_all();
        }
    }

    fn next_job(&self) -> Option<Job> {
        let mut queue = lock(&self.queue);
        loop {
            if queue.shutdown {
                return None;
            }
            let now = Instant::now();
            let earliest = queue
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, job)| !job.exclusive || !queue.busy.contains_key(&job.url))
                .min_by_key(|(_, job)| (job.due, job.seq))
                .map(|(i, job)| (i, job.due));
            let wait = match earliest {
                Some((i, due)) if due <= now => {
                    let job = queue.jobs.swap_remove(i);
                    *queue.busy.entry(job.url.clone()).or_insert(0) += 1;
                    queue.in_flight += 1;
                    return Some(job);
                }
                Some((_, due)) => due - now,
                // Nothing ready: a push or a finished job wakes us.
                None => Duration::from_secs(3600),
            };
            queue = self
                .changed
                .wait_timeout(queue, wait)
                .map(|(q, _)| q)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    fn attempt(&self, sender: &mut Sender, url: &str, item: Item, exclusive: bool) {
        let started = Instant::now();
        let at = Timestamp::now();
        let (status, error) = if item.drop {
            (None, Some("dropped by fault injection: not sent".to_owned()))
        } else {
            sender.post(url, &item.event)
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let retry = (!delivered)
            .then(|| self.retry_schedule.get(item.attempt as usize - 1).copied())
            .flatten();
        let record = DeliveryRecord {
            event_id: item.event.id.clone(),
            event_type: item.event.event_type.clone(),
            url: url.to_owned(),
            attempt: item.attempt,
            status,
            error,
            duration_ms: started.elapsed().as_millis() as u64,
            at: at.to_rfc3339(),
            duplicate: item.duplicate,
            gave_up: !delivered && retry.is_none(),
        };
        record.trace();
        // Logged before the retry is queued, so the log never lags behind the queue.
        lock(&self.log).push(record);
        if let Some(delay) = retry {
            let next = Item {
                attempt: item.attempt + 1,
                drop: false,
                ..item
            };
            let due = Instant::now() + delay;
            self.push_all(vec![(due, url.to_owned(), vec![next], exclusive)]);
        }
    }
}

/// The jobs that deliver `events` to `url`, with the webhook faults rolled.
fn plan(events: &[Arc<StoredEvent>], url: &str, dice: &mut FaultDice, now: Instant) -> Vec<NewJob> {
    let faults = dice.faults.clone();
    let exclusive = !faults.any_webhook_fault();
    let mut order = events.to_vec();
    if faults.shuffle {
        dice.rng.shuffle(&mut order);
    }
    let item = |event: &Arc<StoredEvent>, drop: bool, duplicate: bool| Item {
        event: event.clone(),
        attempt: 1,
        drop,
        duplicate,
    };
    let items: Vec<Item> = order
        .iter()
        .map(|e| item(e, dice.roll(faults.drop_rate), false))
        .collect();
    let mut jobs = Vec::new();
    if faults.delay_ms.1 > 0 {
        // Each event waits on its own, so delays also reorder.
        jobs.extend(
            items
                .into_iter()
                .map(|i| (now + dice.delay(), url.to_owned(), vec![i], exclusive)),
        );
    } else {
        jobs.push((now, url.to_owned(), items, exclusive));
    }
    for event in &order {
        if dice.roll(faults.duplicate_rate) {
            jobs.push((
                now + dice.delay(),
                url.to_owned(),
                vec![item(event, false, true)],
                exclusive,
            ));
        }
    }
    jobs
}

/// Locks, surviving a poisoned mutex: a panic in one delivery must not stop the others.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
