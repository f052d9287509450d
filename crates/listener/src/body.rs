//! Reading a request body within a size limit, a deadline and a shared memory budget.
//!
//! Memory follows the bytes that actually arrived, never the announced `Content-Length`: a
//! client that announces 1 MiB and sends ten bytes costs ten bytes. All bodies being read share
//! a budget of [`BUDGET_BYTES`]; the first [`UNCOUNTED_BYTES`] of each are not counted against
//! it, so Recur's deliveries (a few KiB) are never refused for memory however many large bodies
//! are trickling in, and those large bodies together hold at most the budget. A body that would
//! exceed it is refused (503: try again later).
//!
//! Unsigned bodies are not kept at all: [`digest`] keeps only the length, the SHA-256 and the
//! first bytes the journal stores.
//!
//! Not here: deciding which body to read how (see `webhook`), or the head (hyper reads it).

use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use recur_ledger::UnverifiedDelivery;
use sha2::{Digest as _, Sha256};
use tokio::time::{timeout_at, Instant};

/// Bytes of body held at once by all requests together, beyond each one's first
/// [`UNCOUNTED_BYTES`].
pub(crate) const BUDGET_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of each body not counted against the budget.
pub(crate) const UNCOUNTED_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Longer than the limit (413).
    TooLarge,
    /// Not complete by the deadline (408).
    TimedOut,
    /// The client closed or broke the framing mid-body (400).
    Incomplete,
    /// The shared budget is spent (503).
    Busy,
}

/// The shared budget; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    used: AtomicUsize,
}

/// Budget held by one body; given back when dropped.
#[derive(Debug)]
pub(crate) struct Held<'a> {
    budget: &'a Budget,
    bytes: usize,
}

/// What is kept of an unsigned body.
#[derive(Debug)]
pub(crate) struct Digest {
    pub len: u64,
    pub sha256: [u8; 32],
    pub prefix: Vec<u8>,
}

/// Whether the body announced (by `Content-Length`) more than `limit` bytes.
pub(crate) fn announced_too_large(body: &Incoming, limit: usize) -> bool {
    body.size_hint().lower() > limit as u64
}

/// Reads the whole body, growing the buffer as bytes arrive.
pub(crate) async fn read_whole<'a>(
    mut body: Incoming,
    limit: usize,
    deadline: Instant,
    budget: &'a Budget,
) -> Result<(Vec<u8>, Held<'a>), BodyError> {
    let mut bytes = Vec::new();
    let mut held = Held { budget, bytes: 0 };
    while let Some(chunk) = next_chunk(&mut body, deadline).await? {
        if bytes.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        held.grow_to((bytes.len() + chunk.len()).saturating_sub(UNCOUNTED_BYTES))?;
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, held))
}

/// Reads the whole body but keeps only its [`Digest`].
pub(crate) async fn digest(mut body: Incoming, limit: usize, deadline: Instant) -> Result<Digest, BodyError> {
    let mut hasher = Sha256::new();
    let mut len = 0usize;
    let mut prefix = Vec::new();
    while let Some(chunk) = next_chunk(&mut body, deadline).await? {
        len += chunk.len();
        if len > limit {
            return Err(BodyError::TooLarge);
        }
        hasher.update(&chunk);
        let room = UnverifiedDelivery::PREFIX_BYTES.saturating_sub(prefix.len());
        prefix.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(digest_of_parts(len, hasher.finalize().into(), prefix))
}

/// The digest of a body already read whole (a signature that did not match).
pub(crate) fn digest_of(body: &[u8]) -> Digest {
    let prefix = body[..body.len().min(UnverifiedDelivery::PREFIX_BYTES)].to_vec();
    digest_of_parts(body.len(), Sha256::digest(body).into(), prefix)
}

fn digest_of_parts(len: usize, sha256: [u8; 32], prefix: Vec<u8>) -> Digest {
    Digest {
        len: len as u64,
        sha256,
        prefix,
    }
}

/// The next data chunk (trailers are skipped), `None` at the end.
async fn next_chunk(body: &mut Incoming, deadline: Instant) -> Result<Option<bytes::Bytes>, BodyError> {
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => return Ok(None),
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "a request body broke off");
                return Err(BodyError::Incomplete);
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
}

impl Held<'_> {
    /// Holds `total` counted bytes in all, if the budget allows.
    fn grow_to(&mut self, total: usize) -> Result<(), BodyError> {
        let more = total.saturating_sub(self.bytes);
        if more == 0 {
            return Ok(());
        }
        let reserved = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used + more <= BUDGET_BYTES).then_some(used + more)
            });
        if reserved.is_err() {
            return Err(BodyError::Busy);
        }
        self.bytes = total;
        Ok(())
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_beyond_the_uncounted_start_and_is_given_back() {
        let budget = Budget::default();
        let mut first = Held {
            budget: &budget,
            bytes: 0,
        };
        first.grow_to(BUDGET_BYTES - 10).unwrap();
        let mut second = Held {
            budget: &budget,
            bytes: 0,
        };
        assert_eq!(second.grow_to(10), Ok(()));
        assert_eq!(second.grow_to(11), Err(BodyError::Busy), "spent");
        drop(first);
        assert_eq!(second.grow_to(1024), Ok(()));
        drop(second);
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_digest_keeps_the_length_the_hash_and_the_first_bytes() {
        let body = vec![b'a'; 1000];
        let digest = digest_of(&body);
        assert_eq!(
            (digest.len, digest.prefix.len()),
            (1000, UnverifiedDelivery::PREFIX_BYTES)
        );
        assert_eq!(digest.sha256, <[u8; 32]>::from(Sha256::digest(&body)));
    }
}
