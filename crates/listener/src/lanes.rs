//! A two-lane queue between the async side and one blocking thread: the first lane is always
//! served before the second, and each lane has its own bound.
//!
//! The writer uses it so that verified deliveries never wait behind unverified ones (the second
//! lane is small and lossy: a full lane refuses, it never blocks); the hook thread uses it so a
//! flood of return-page visits cannot crowd out the outcomes of committed deliveries. Pushing
//! never blocks and never allocates beyond the bound, so it is safe from async code.
//!
//! Not here: what the items are or what the thread does with them.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

pub(crate) struct Lanes<A, B> {
    state: Mutex<State<A, B>>,
    ready: Condvar,
    first_cap: usize,
    second_cap: usize,
}

struct State<A, B> {
    first: VecDeque<A>,
    second: VecDeque<B>,
    closed: bool,
}

/// What [`Lanes::take`] hands the thread: first-lane items, then second-lane items.
pub(crate) type Taken<A, B> = (Vec<A>, Vec<B>);

impl<A, B> Lanes<A, B> {
    pub fn new(first_cap: usize, second_cap: usize) -> Self {
        Lanes {
            state: Mutex::new(State {
                first: VecDeque::new(),
                second: VecDeque::new(),
                closed: false,
            }),
            ready: Condvar::new(),
            first_cap,
            second_cap,
        }
    }

    /// Queues on the first lane; hands the item back when that lane is full or closed.
    pub fn push_first(&self, item: A) -> Result<(), A> {
        let mut state = self.lock();
        if state.closed || state.first.len() >= self.first_cap {
            return Err(item);
        }
        state.first.push_back(item);
        self.ready.notify_one();
        Ok(())
    }

    /// Queues on the second lane; hands the item back when that lane is full or closed.
    pub fn push_second(&self, item: B) -> Result<(), B> {
        self.push_second_unless(item, |_, _| false)
    }

    /// Like [`Lanes::push_second`], but an item for which `same` holds against one already
    /// waiting is taken as delivered (coalesced): `Ok` without queueing it again.
    pub fn push_second_unless(&self, item: B, same: impl Fn(&B, &B) -> bool) -> Result<(), B> {
        let mut state = self.lock();
        if state.closed {
            return Err(item);
        }
        if state.second.iter().any(|waiting| same(waiting, &item)) {
            return Ok(());
        }
        if state.second.len() >= self.second_cap {
            return Err(item);
        }
        state.second.push_back(item);
        self.ready.notify_one();
        Ok(())
    }

    /// Blocks until something is waiting, then takes up to `max_first` items of the first lane
    /// and up to `max_second` of the second. `None` once closed and empty.
    pub fn take(&self, max_first: usize, max_second: usize) -> Option<Taken<A, B>> {
        let mut state = self.lock();
        while state.first.is_empty() && state.second.is_empty() {
            if state.closed {
                return None;
            }
            state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let first_n = state.first.len().min(max_first);
        let second_n = state.second.len().min(max_second);
        let first = state.first.drain(..first_n).collect();
        let second = state.second.drain(..second_n).collect();
        Some((first, second))
    }

    /// No more pushes; the thread takes what is left, then [`Lanes::take`] answers `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State<A, B>> {
        // Pushes and takes cannot leave the deques half-changed, so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_lane_goes_first_and_each_lane_has_its_bound() {
        let lanes: Lanes<u32, &str> = Lanes::new(2, 1);
        assert_eq!(lanes.push_second("a"), Ok(()));
        assert_eq!(lanes.push_second("b"), Err("b"), "the second lane is full");
        assert_eq!(lanes.push_first(1), Ok(()));
        assert_eq!(lanes.push_first(2), Ok(()));
        assert_eq!(lanes.push_first(3), Err(3), "the first lane is full");
        assert_eq!(lanes.take(1, 0), Some((vec![1], vec![])));
        assert_eq!(lanes.take(5, 5), Some((vec![2], vec!["a"])));
        assert_eq!(lanes.push_second_unless("c", |a, b| a == b), Ok(()));
        assert_eq!(lanes.push_second_unless("c", |a, b| a == b), Ok(()), "coalesced");
        lanes.close();
        assert_eq!(lanes.push_first(4), Err(4), "closed");
        assert_eq!(
            lanes.take(5, 5),
            Some((vec![], vec!["c"])),
            "what was queued is still taken"
        );
        assert_eq!(lanes.take(5, 5), None);
    }

    #[test]
    fn take_waits_for_a_push_from_another_thread() {
        let lanes = std::sync::Arc::new(Lanes::<u32, u32>::new(8, 8));
        let pusher = std::sync::Arc::clone(&lanes);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            pusher.push_second(7).unwrap();
        });
        assert_eq!(lanes.take(8, 8), Some((vec![], vec![7])));
        thread.join().unwrap();
    }
}
