//! Realistic Recur identifiers: unprefixed 25-character cuids ("c" + 24 lowercase base36).
//!
//! Recur's clients must never parse an id, so these carry no meaning anyone should rely on.
//! They are random (not drawn from the fault seed), so seeding faults never makes ids collide
//! between runs.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `c` + 8 time + 4 counter + 12 random base36 characters, like a cuid.
pub fn cuid(now_ms: i64) -> String {
    let mut out = String::with_capacity(25);
    out.push('c');
    push_base36(&mut out, now_ms.max(0) as u64, 8);
    push_base36(&mut out, u64::from(COUNTER.fetch_add(1, Ordering::Relaxed)), 4);
    for _ in 0..12 {
        out.push(BASE36[fastrand::usize(..36)] as char);
    }
    out
}

/// An event id: `evt_` and a cuid, so logs show at a glance what an id names.
pub fn event_id(now_ms: i64) -> String {
    format!("evt_{}", cuid(now_ms))
}

/// An e-invoice number as Taiwan prints it (字軌 + 號碼): two capital letters, a dash and eight
/// digits, e.g. `AB-12345678`. The dash is how Recur's material shows it; guessed.
pub fn einvoice_number() -> String {
    let letter = || char::from(b'A' + fastrand::u8(..26));
    format!("{}{}-{:08}", letter(), letter(), fastrand::u32(..100_000_000))
}

/// A refund's human number: `RF` + the order's first characters + a sequence (guessed shape).
pub fn refund_number(order_id: &str, seq: u32) -> String {
    let head: String = order_id.chars().take(8).collect::<String>().to_ascii_uppercase();
    format!("RF-{head}-{seq:02}")
}

/// The last `width` base36 digits of `value`, zero-padded.
fn push_base36(out: &mut String, mut value: u64, width: usize) {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE36[(value % 36) as usize];
        value /= 36;
    }
    out.extend(digits.into_iter().map(char::from));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuids_look_like_recur_ids_and_do_not_repeat() {
        let ids: Vec<String> = (0..1000).map(|_| cuid(1_796_031_608_123)).collect();
        for id in &ids {
            assert_eq!(id.len(), 25, "{id}");
            assert!(id.starts_with('c'));
            assert!(id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()), "{id}");
        }
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn einvoice_numbers_are_two_letters_a_dash_and_eight_digits() {
        for _ in 0..200 {
            let n = einvoice_number();
            let (track, digits) = n.split_once('-').unwrap();
            assert!(track.len() == 2 && track.bytes().all(|b| b.is_ascii_uppercase()), "{n}");
            assert!(digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()), "{n}");
        }
        assert_eq!(refund_number("cabc123456789", 1), "RF-CABC1234-01");
    }
}
