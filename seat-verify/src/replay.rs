//! The per-connection replay record: request contexts used and Evidence accepted.
//!
//! Binders alone do not stop every replay: early attestation followed by re-attestation on the
//! same connection, or a Verifier nonce reused by mistake, gives two exchanges the same binder,
//! and Evidence minted for the first would pass the binder check of the second
//! (early-attestation section 5, checklist item 7: "never accept the same Evidence twice on
//! one connection"; UC "Evidence Reuse"). A [`ReplayRecord`] belongs to one connection and
//! remembers every `certificate_request_context` used (DESIGN section 7) and the digest of
//! every Evidence or Result accepted.

use seat_binding::provider::{CryptoProvider, HashAlgorithm};

use crate::error::{Error, Reason};

/// The most entries (request contexts plus accepted digests) one connection records: far above
/// any sane re-attestation rate over a connection's life, small enough to bound memory (about
/// 32 KiB of digests). A full record refuses new exchanges rather than forgetting old ones.
pub const MAX_RECORDS: usize = 1024;

/// What one connection has used and accepted (early-attestation section 5, checklist item 7).
#[derive(Clone, Debug, Default)]
pub struct ReplayRecord {
    contexts: Vec<Vec<u8>>,
    accepted: Vec<[u8; 32]>,
}

impl ReplayRecord {
    /// An empty record for a new connection.
    pub const fn new() -> Self {
        Self {
            contexts: Vec::new(),
            accepted: Vec::new(),
        }
    }

    fn check_room(&self) -> Result<(), Error> {
        if self.contexts.len() + self.accepted.len() >= MAX_RECORDS {
            return Err(Reason::ReplayRecordFull.into());
        }
        Ok(())
    }

    /// Records a request context before it is used; each may be used once per connection,
    /// across both request types (DESIGN section 7; expat section 3.10).
    ///
    /// # Errors
    ///
    /// [`Reason::ReusedRequestContext`] if it was used before, [`Reason::ReplayRecordFull`]
    /// past [`MAX_RECORDS`].
    pub fn use_request_context(&mut self, context: &[u8]) -> Result<(), Error> {
        if self.contexts.iter().any(|c| c == context) {
            return Err(Reason::ReusedRequestContext.into());
        }
        self.check_room()?;
        self.contexts.push(context.to_vec());
        Ok(())
    }

    /// Records that Evidence (or a Result) with this signed-content digest was accepted.
    ///
    /// # Errors
    ///
    /// [`Reason::Replayed`] if it was accepted before on this connection, whatever the binder;
    /// [`Reason::ReplayRecordFull`] past [`MAX_RECORDS`].
    pub fn accept_digest(&mut self, digest: [u8; 32]) -> Result<(), Error> {
        if self.accepted.contains(&digest) {
            return Err(Reason::Replayed.into());
        }
        self.check_room()?;
        self.accepted.push(digest);
        Ok(())
    }

    /// Whether this digest was accepted on this connection.
    pub fn has_accepted(&self, digest: &[u8; 32]) -> bool {
        self.accepted.contains(digest)
    }

    /// How many entries the record holds.
    pub fn len(&self) -> usize {
        self.contexts.len() + self.accepted.len()
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

    #[test]
    fn a_full_record_refuses_instead_of_forgetting() {
        let mut r = ReplayRecord::new();
        for i in 0..MAX_RECORDS {
            let mut d = [0u8; 32];
            d[..8].copy_from_slice(&(i as u64).to_be_bytes());
            r.accept_digest(d).unwrap();
        }
        assert_eq!(
            r.accept_digest([0xff; 32]).unwrap_err().reason(),
            Some(Reason::ReplayRecordFull)
        );
        // The first digest is still remembered.
        assert_eq!(
            r.accept_digest([0; 32]).unwrap_err().reason(),
            Some(Reason::Replayed)
        );
    }
}
