//! Which connections may stay open: a cap, and who makes room when it is reached.
//!
//! Every tunnel connection comes from 127.0.0.1, so there is no "per client" to limit. What tells
//! Recur apart from an attacker is only the signature, and only once a body verified. So:
//! - a connection that carried a verified delivery is *proven*;
//! - when `max` connections are open, a new one is still accepted, and the oldest connection
//!   that is not committing a delivery is closed to make room — unproven before proven, idle
//!   (or still sending its head) before sending a body. A slow client therefore holds its
//!   connection only until `max` newer ones arrived, while Recur's deliveries, which arrive
//!   whole in milliseconds, are done long before they could become the oldest;
//! - a connection whose verified delivery is being committed is never closed for room; only when
//!   every open connection is committing is a new one refused (503);
//! - above half of `max`, the listener is *under pressure*: unproven connections get the short
//!   deadlines (see `ListenerConfig::pressured_timeout`).
//!
//! Not here: the deadlines themselves (hyper's head timeout, the body deadline in `body`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// What a connection is doing, for choosing whom to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Idle between requests, or sending a head (hyper has not handed us a request).
    Waiting = 0,
    /// Sending a body.
    Reading = 1,
    /// Its verified delivery is with the writer: never closed for room.
    Committing = 2,
}

/// One open connection, shared by its task, its requests and the registry.
#[derive(Debug)]
pub(crate) struct Slot {
    id: u64,
    activity: AtomicU8,
    proven: AtomicBool,
    requests: AtomicUsize,
    /// Told to close (for room, or shutdown): its current answer, if any, is its last.
    closing: AtomicBool,
    evict: Notify,
}

impl Slot {
    pub fn set(&self, activity: Activity) {
        self.activity.store(activity as u8, Ordering::Release);
    }

    fn activity(&self) -> Activity {
        match self.activity.load(Ordering::Acquire) {
            1 => Activity::Reading,
            2 => Activity::Committing,
            _ => Activity::Waiting,
        }
    }

    pub fn committing(&self) -> bool {
        self.activity() == Activity::Committing
    }

    /// A verified delivery was committed on this connection.
    pub fn prove(&self) {
        self.proven.store(true, Ordering::Release);
    }

    pub fn proven(&self) -> bool {
        self.proven.load(Ordering::Acquire)
    }

    /// Counts one more request; returns how many this connection has now carried.
    pub fn next_request(&self) -> usize {
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Resolves when the connection must close to make room (or the listener stops).
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }

    /// Whether the connection was told to close: its answer in progress must say so.
    pub fn closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    fn evict(&self) {
        self.closing.store(true, Ordering::Release);
        self.evict.notify_one();
    }
}

/// The registry of open connections.
#[derive(Debug)]
pub(crate) struct Admission {
    open: Mutex<Registry>,
    max: usize,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    slots: BTreeMap<u64, Arc<Slot>>,
}

/// A connection's place; leaving the registry when dropped.
#[derive(Debug)]
pub(crate) struct Ticket {
    pub slot: Arc<Slot>,
    /// Whether the listener was under pressure when it was admitted.
    pub pressured: bool,
    admission: Arc<Admission>,
}

/// What admitting a new connection did.
#[derive(Debug)]
pub(crate) enum Admitted {
    /// Admitted; `evicted` says whether another connection was closed for it.
    In { ticket: Ticket, evicted: bool },
    /// Every open connection is committing: refuse this one.
    Full,
}

impl Admission {
    pub fn new(max: usize) -> Arc<Admission> {
        Arc::new(Admission {
            open: Mutex::new(Registry::default()),
            max: max.max(1),
        })
    }

    /// Admits a new connection, closing the least deserving one first when all are taken.
    pub fn admit(self: &Arc<Self>) -> Admitted {
        let mut open = self.lock();
        let mut evicted = false;
        if open.slots.len() >= self.max {
            let Some(victim) = choose_victim(&open.slots) else {
                return Admitted::Full;
            };
            if let Some(slot) = open.slots.remove(&victim) {
                slot.evict();
                evicted = true;
            }
        }
        let id = open.next_id;
        open.next_id += 1;
        let slot = Arc::new(Slot {
            id,
            activity: AtomicU8::new(Activity::Waiting as u8),
            proven: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            evict: Notify::new(),
        });
        open.slots.insert(id, Arc::clone(&slot));
        let pressured = self.over_half(open.slots.len());
        let ticket = Ticket {
            slot,
            pressured,
            admission: Arc::clone(self),
        };
        Admitted::In { ticket, evicted }
    }

    /// More than half of the connections are taken.
    pub fn pressured(&self) -> bool {
        self.over_half(self.lock().slots.len())
    }

    /// Closes every connection that is not reading a body or committing (shutdown: what is
    /// idle or still sending a head has nothing acknowledged to lose).
    pub fn evict_waiting(&self) {
        let mut open = self.lock();
        open.slots.retain(|_, slot| {
            let waiting = slot.activity() == Activity::Waiting;
            if waiting {
                slot.evict();
            }
            !waiting
        });
    }

    fn over_half(&self, open: usize) -> bool {
        open * 2 > self.max
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.lock().slots.remove(&self.slot.id);
    }
}

/// The oldest unproven waiting connection, else the oldest unproven reading, then the same
/// among proven ones; never one that is committing.
fn choose_victim(slots: &BTreeMap<u64, Arc<Slot>>) -> Option<u64> {
    slots
        .values()
        .filter_map(|slot| {
            let rank = match (slot.proven(), slot.activity()) {
                (_, Activity::Committing) => return None,
                (false, Activity::Waiting) => 0,
                (false, Activity::Reading) => 1,
                (true, Activity::Waiting) => 2,
                (true, Activity::Reading) => 3,
            };
            Some((rank, slot.id))
        })
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admit(admission: &Arc<Admission>) -> Option<(Ticket, bool)> {
        match admission.admit() {
            Admitted::In { ticket, evicted } => Some((ticket, evicted)),
            Admitted::Full => None,
        }
    }

    /// Four open connections in order of arrival: (proven, what it is doing).
    type Open = [(bool, Activity); 4];

    #[test]
    fn the_least_deserving_connection_makes_room() {
        // Four open connections, then one more arrives: which of the four is closed, if any.
        let cases: [(&str, Open, Option<usize>); 5] = [
            ("oldest unproven waiting", [(false, Activity::Waiting); 4], Some(0)),
            (
                "unproven before proven",
                [
                    (true, Activity::Waiting),
                    (false, Activity::Reading),
                    (true, Activity::Waiting),
                    (false, Activity::Waiting),
                ],
                Some(3),
            ),
            (
                "waiting before reading",
                [
                    (false, Activity::Reading),
                    (false, Activity::Reading),
                    (false, Activity::Waiting),
                    (true, Activity::Waiting),
                ],
                Some(2),
            ),
            (
                "never one that is committing",
                [
                    (false, Activity::Committing),
                    (false, Activity::Committing),
                    (true, Activity::Reading),
                    (false, Activity::Committing),
                ],
                Some(2),
            ),
            ("all committing: refuse", [(true, Activity::Committing); 4], None),
        ];
        for (name, open, victim) in cases {
            let admission = Admission::new(4);
            let tickets: Vec<Ticket> = open
                .iter()
                .map(|(proven, activity)| {
                    let (ticket, evicted) = admit(&admission).unwrap();
                    assert!(!evicted, "{name}");
                    if *proven {
                        ticket.slot.prove();
                    }
                    ticket.slot.set(*activity);
                    ticket
                })
                .collect();
            let admitted = admit(&admission);
            assert_eq!(
                admitted.as_ref().map(|(_, evicted)| *evicted),
                victim.map(|_| true),
                "{name}"
            );
            let closed: Vec<usize> = (0..4)
                .filter(|&i| !admission.lock().slots.contains_key(&tickets[i].slot.id))
                .collect();
            assert_eq!(closed, victim.into_iter().collect::<Vec<_>>(), "{name}");
        }
    }

    #[test]
    fn pressure_starts_above_half_and_tickets_leave_when_dropped() {
        let admission = Admission::new(4);
        let (a, _) = admit(&admission).unwrap();
        let (b, _) = admit(&admission).unwrap();
        assert!(!a.pressured && !b.pressured && !admission.pressured());
        let (c, _) = admit(&admission).unwrap();
        assert!(c.pressured && admission.pressured());
        drop((a, c));
        assert!(!admission.pressured());
        b.slot.set(Activity::Reading);
        let (d, _) = admit(&admission).unwrap();
        admission.evict_waiting();
        let left: Vec<u64> = admission.lock().slots.keys().copied().collect();
        assert_eq!(left, vec![b.slot.id], "only the one reading a body stays");
        drop(d);
    }
}
