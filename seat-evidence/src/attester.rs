//! The Attester interface (RFC 9334 section 3.1): produce Evidence for a binder.
//!
//! A protocol session asks its caller for Evidence with the binder it computed from the
//! connection and the hash of the key that signs the authenticator (DESIGN section 3,
//! `ProduceEvidence { binder, aik_pub_hash }`); the caller hands the request to an
//! [`Attester`] and feeds the returned CMW back to the session. The simulated TEE
//! ([`crate::sim::SimulatedTee`]) is the embedded implementation; real TEEs plug in here.

use core::fmt;

use crate::error::Error;

/// What an Attester is asked to attest to (spec sim-tee-profile v1, "Token").
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EvidenceRequest<'a> {
    /// The binder, exactly as the caller computed it from its connection (32 or 48 bytes);
    /// it becomes the Evidence's `eat_nonce` (RFC 9711 section 4.1).
    pub binder: &'a [u8],
    /// The hash of the AIK's DER SubjectPublicKeyInfo, with the binder's hash; it becomes the
    /// `cnf` key id (RFC 8747 section 3.4).
    pub aik_pub_hash: &'a [u8],
    /// The current time in whole seconds since the Unix epoch; it becomes `iat`.
    pub now_unix_secs: u64,
}

impl fmt::Debug for EvidenceRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvidenceRequest")
            .field("binder", &Hex(self.binder))
            .field("aik_pub_hash", &Hex(self.aik_pub_hash))
            .field("now_unix_secs", &self.now_unix_secs)
            .finish()
    }
}

/// Prints bytes as lower-case hex (binders and hashes are public values).
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Something that produces Evidence: a TEE, or the simulated one (RFC 9334 section 3.1).
///
/// An Attester may block (a hardware quote) or leave the process, which is why protocol
/// sessions ask for Evidence through an action instead of calling it themselves.
pub trait Attester: Send + fmt::Debug {
    /// Produces Evidence bound to `request.binder` and `request.aik_pub_hash`, wrapped in a
    /// CMW (RFC 9999) whose `ind` marks Evidence; returns the CMW bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a request the Attester cannot honour (a binder of the
    /// wrong length, a time it cannot encode); whatever its signer reports.
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error>;
}
