//! The per-connection replay record: request contexts used and Evidence accepted.
//!
//! Binders alone do not stop every replay: early attestation followed by re-attestation on the
//! same connection, or a Verifier nonce reused by mistake, gives two exchanges the same binder,
//! and Evidence minted for the first would pass the binder check of the second
//! (early-attestation section 5, checklist item 7: "never accept the same Evidence twice on
//! one connection"; UC "Evidence Reuse"). A [`ReplayRecord`] belongs to one connection.
//!
//! It is bounded in memory without bounding the number of exchanges a connection may run:
//!
//! - Request contexts and the digests of Evidence or Results accepted with
//!   [`BindingLevel::Exchange`](crate::rp::BindingLevel::Exchange) are kept in sliding windows
//!   of the last [`MAX_RECENT_CONTEXTS`] and [`MAX_RECENT_DIGESTS`]. The session already checks
//!   contexts exactly (waiting exchanges plus its own window, peer ids strictly increasing), and
//!   an exchange-bound digest carries the binder of the exchange it answered, which is unique
//!   per request context: an old one fails the binder check of any later exchange before it
//!   reaches this record. The windows are defence in depth (a reused nonce, two exchanges on
//!   one binder), and the cases they exist for are adjacent exchanges.
//! - Digests of cached passports accepted with
//!   [`BindingLevel::KeyOnly`](crate::rp::BindingLevel::KeyOnly) carry no binder, so nothing
//!   else stops their re-presentation; they are kept exactly for as long as they could still be
//!   accepted (until their `exp` or `iat` plus the policy's maximum age), at most
//!   [`MAX_KEY_ONLY_DIGESTS`] live at once, and a full set of live ones refuses new ones
//!   ([`Reason::ReplayRecordFull`]). A passport whose validity ended before the latest time the
//!   record has seen is refused outright, so forgetting expired entries is safe even if the
//!   caller's clock steps back.

use std::collections::VecDeque;

use seat_binding::provider::{CryptoProvider, HashAlgorithm};

use crate::error::{Error, Reason};

/// How many of the most recent request contexts one connection remembers (each at most 255
/// bytes, the TLS limit of `certificate_request_context`): four times the session's own window
/// of 64, which checks contexts exactly first.
pub const MAX_RECENT_CONTEXTS: usize = 256;

/// How many of the most recent exchange-bound Evidence or Result digests one connection
/// remembers (32 bytes each).
pub const MAX_RECENT_DIGESTS: usize = 256;

/// How many cached-passport (key-only) digests one connection keeps live at once; each is
/// forgotten when its validity ends. Distinct Verifier-signed passports, all still valid, past
/// this number on one connection are refused with [`Reason::ReplayRecordFull`].
pub const MAX_KEY_ONLY_DIGESTS: usize = 64;

/// What one connection has used and accepted (early-attestation section 5, checklist item 7).
#[derive(Clone, Debug, Default)]
pub struct ReplayRecord {
    contexts: VecDeque<Vec<u8>>,
    accepted: VecDeque<[u8; 32]>,
    /// Key-only digests with the last second (Unix time) at which each could be accepted.
    key_only: Vec<([u8; 32], i64)>,
    /// The latest `now` seen by [`Self::accept_key_only`].
    latest_now: i64,
}

impl ReplayRecord {
    /// An empty record for a new connection.
    pub const fn new() -> Self {
        Self {
            contexts: VecDeque::new(),
            accepted: VecDeque::new(),
            key_only: Vec::new(),
            latest_now: i64::MIN,
        }
    }

    /// Records a request context before it is used; each may be used once per connection,
    /// across both request types (DESIGN section 7; expat section 3.10). The record checks the
    /// last [`MAX_RECENT_CONTEXTS`]; the session checks every waiting exchange exactly.
    ///
    /// # Errors
    ///
    /// [`Reason::ReusedRequestContext`] if it is among the recent ones.
    pub fn use_request_context(&mut self, context: &[u8]) -> Result<(), Error> {
        if self.contexts.iter().any(|c| c == context) {
            return Err(Reason::ReusedRequestContext.into());
        }
        if self.contexts.len() >= MAX_RECENT_CONTEXTS {
            self.contexts.pop_front();
        }
        self.contexts.push_back(context.to_vec());
        Ok(())
    }

    /// Records that Evidence (or a Result) bound to this exchange's binder, with this
    /// signed-content digest, was accepted. The record checks the last [`MAX_RECENT_DIGESTS`]
    /// (exact for key-only passports too); older ones cannot match a later exchange's binder.
    ///
    /// # Errors
    ///
    /// [`Reason::Replayed`] if it is among the recent ones or a live key-only passport,
    /// whatever the binder.
    pub fn accept_digest(&mut self, digest: [u8; 32]) -> Result<(), Error> {
        if self.has_accepted(&digest) {
            return Err(Reason::Replayed.into());
        }
        if self.accepted.len() >= MAX_RECENT_DIGESTS {
            self.accepted.pop_front();
        }
        self.accepted.push_back(digest);
        Ok(())
    }

    /// Records that a cached passport bound only to the key, with this digest, was accepted at
    /// `now` (Unix seconds) and could be accepted again until `last_valid` (Unix seconds,
    /// inclusive). Kept exactly until then.
    ///
    /// # Errors
    ///
    /// [`Reason::Replayed`] if it was accepted before and is still live (or among the recent
    /// exchange-bound digests); [`Reason::StaleResult`] if its validity ended before the latest
    /// time the record has seen; [`Reason::ReplayRecordFull`] with [`MAX_KEY_ONLY_DIGESTS`]
    /// live ones.
    pub fn accept_key_only(
        &mut self,
        digest: [u8; 32],
        now: i64,
        last_valid: i64,
    ) -> Result<(), Error> {
        self.latest_now = self.latest_now.max(now);
        let latest = self.latest_now;
        self.key_only.retain(|(_, last)| *last >= latest);
        if self.has_accepted(&digest) {
            return Err(Reason::Replayed.into());
        }
        if last_valid < latest {
            return Err(Reason::StaleResult.into());
        }
        if self.key_only.len() >= MAX_KEY_ONLY_DIGESTS {
            return Err(Reason::ReplayRecordFull.into());
        }
        self.key_only.push((digest, last_valid));
        Ok(())
    }

    /// Whether this digest is among the recent exchange-bound ones or the live key-only ones.
    pub fn has_accepted(&self, digest: &[u8; 32]) -> bool {
        self.accepted.contains(digest) || self.key_only.iter().any(|(d, _)| d == digest)
    }

    /// How many entries the record holds (never more than [`MAX_RECENT_CONTEXTS`] +
    /// [`MAX_RECENT_DIGESTS`] + [`MAX_KEY_ONLY_DIGESTS`]).
    pub fn len(&self) -> usize {
        self.contexts.len() + self.accepted.len() + self.key_only.len()
    }

    /// Whether the record is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SHA-256 of `bytes` through the provider, as the record keys it.
pub(crate) fn digest(provider: &dyn CryptoProvider, parts: &[&[u8]]) -> [u8; 32] {
    let d = provider.hash(HashAlgorithm::Sha256, parts);
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(d.as_bytes()) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_and_digests_are_used_once() {
        let mut r = ReplayRecord::new();
        r.use_request_context(b"ctx-1").unwrap();
        assert_eq!(
            r.use_request_context(b"ctx-1").unwrap_err().reason(),
            Some(Reason::ReusedRequestContext)
        );
        r.accept_digest([7; 32]).unwrap();
        assert!(r.has_accepted(&[7; 32]));
        assert_eq!(
            r.accept_digest([7; 32]).unwrap_err().reason(),
            Some(Reason::Replayed)
        );
        assert_eq!(r.len(), 2);
    }

    fn d(i: u64) -> [u8; 32] {
        let mut d = [0u8; 32];
        d[..8].copy_from_slice(&i.to_be_bytes());
        d
    }

    #[test]
    fn windows_forget_the_oldest_and_stay_bounded() {
        let mut r = ReplayRecord::new();
        for i in 0..(4 * MAX_RECENT_DIGESTS) as u64 {
            r.accept_digest(d(i)).unwrap();
            r.use_request_context(&i.to_be_bytes()).unwrap();
        }
        assert_eq!(r.len(), MAX_RECENT_DIGESTS + MAX_RECENT_CONTEXTS);
        // The newest of the window are still refused ...
        let newest = (4 * MAX_RECENT_DIGESTS - 1) as u64;
        let oldest_kept = (4 * MAX_RECENT_DIGESTS - MAX_RECENT_DIGESTS) as u64;
        for i in [newest, oldest_kept] {
            assert_eq!(
                r.accept_digest(d(i)).unwrap_err().reason(),
                Some(Reason::Replayed)
            );
            assert_eq!(
                r.use_request_context(&i.to_be_bytes())
                    .unwrap_err()
                    .reason(),
                Some(Reason::ReusedRequestContext)
            );
        }
        // ... and the one just past the window is forgotten: an exchange-bound digest that old
        // carries a binder no later exchange has, so the binder check refuses it first.
        assert!(!r.has_accepted(&d(oldest_kept - 1)));
        r.accept_digest(d(oldest_kept - 1)).unwrap();
        assert_eq!(r.len(), MAX_RECENT_DIGESTS + MAX_RECENT_CONTEXTS);
    }

    #[test]
    fn key_only_passports_are_kept_exactly_while_valid() {
        let mut r = ReplayRecord::new();
        r.accept_key_only(d(1), 1000, 1100).unwrap();
        // Many exchange-bound digests later, the cached passport is still remembered.
        for i in 10..(10 + 2 * MAX_RECENT_DIGESTS) as u64 {
            r.accept_digest(d(i)).unwrap();
        }
        assert_eq!(
            r.accept_key_only(d(1), 1100, 1100).unwrap_err().reason(),
            Some(Reason::Replayed)
        );
        // Once past its validity it is forgotten, and cannot come back through a stepped-back
        // clock either.
        r.accept_key_only(d(2), 1101, 1200).unwrap();
        assert!(!r.has_accepted(&d(1)));
        assert_eq!(
            r.accept_key_only(d(1), 1050, 1100).unwrap_err().reason(),
            Some(Reason::StaleResult)
        );
    }

    #[test]
    fn live_key_only_passports_are_bounded() {
        let mut r = ReplayRecord::new();
        for i in 0..MAX_KEY_ONLY_DIGESTS as u64 {
            r.accept_key_only(d(i), 0, 10).unwrap();
        }
        assert_eq!(
            r.accept_key_only(d(1000), 5, 10).unwrap_err().reason(),
            Some(Reason::ReplayRecordFull)
        );
        // Expired ones make room.
        r.accept_key_only(d(1000), 11, 20).unwrap();
        assert_eq!(r.len(), 1);
    }
}
