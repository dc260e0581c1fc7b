//! Secret and public byte strings: exporter outputs and MAC keys ([`Secret`]), hash and MAC
//! outputs ([`Digest`]).

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes: an exporter output, a Finished MAC key, a key-schedule secret.
///
/// The bytes are zeroized on drop, compared in constant time, and never printed by `Debug`
/// (DESIGN section 7: "Secrets are zeroized, compared in constant time, and redacted").
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps bytes that must be treated as secret; the caller's vector is moved, not copied.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies secret bytes from a slice.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret bytes. Keep the borrow short and do not copy them out unprotected.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access for backends that write into a pre-sized secret buffer.
    #[cfg_attr(not(feature = "openssl"), allow(dead_code))]
    pub(crate) fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares with other bytes in constant time (for equal lengths).
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        bool::from(self.0.as_slice().ct_eq(other))
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison (the lengths are not secret).
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(&other.0)
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

/// The largest digest this crate handles (SHA-512's 64 bytes).
pub const MAX_DIGEST_LEN: usize = 64;

/// A public hash or MAC output of at most [`MAX_DIGEST_LEN`] bytes, held without allocation.
///
/// Binders, transcript hashes and Finished MACs are public once sent, but comparisons of
/// received values against recomputed ones still go through [`Digest::ct_eq_bytes`].
#[derive(Clone, Copy)]
pub struct Digest {
    bytes: [u8; MAX_DIGEST_LEN],
    len: usize,
}

impl Digest {
    /// Copies `bytes` into a digest.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOutputLength`](crate::Error::InvalidOutputLength) if `bytes` is longer
    /// than [`MAX_DIGEST_LEN`].
    pub fn new(bytes: &[u8]) -> Result<Self, crate::Error> {
        let mut out = [0u8; MAX_DIGEST_LEN];
        out.get_mut(..bytes.len())
            .ok_or(crate::Error::InvalidOutputLength)?
            .copy_from_slice(bytes);
        Ok(Self {
            bytes: out,
            len: bytes.len(),
        })
    }

    /// Copies a hash or MAC output of a backend; at most [`MAX_DIGEST_LEN`] bytes are kept,
    /// which every supported hash fits.
    #[cfg_attr(
        not(any(feature = "aws-lc-rs", feature = "rustcrypto")),
        allow(dead_code)
    )]
    pub(crate) fn from_output(bytes: &[u8]) -> Self {
        let len = bytes.len().min(MAX_DIGEST_LEN);
        let mut out = [0u8; MAX_DIGEST_LEN];
        for (o, b) in out.iter_mut().zip(bytes) {
            *o = *b;
        }
        Self { bytes: out, len }
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The digest length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the digest is empty (never, for digests this crate produces).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Compares with received bytes in constant time (for equal lengths).
    pub fn ct_eq_bytes(&self, other: &[u8]) -> bool {
        bool::from(self.as_bytes().ct_eq(other))
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(other.as_bytes())
    }
}

impl Eq for Digest {}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_shows_no_bytes() {
        let s = Secret::from_slice(&[0xab; 32]);
        let d = format!("{s:?}");
        assert!(!d.contains("ab") && !d.contains("171"), "{d}");
        assert!(d.contains("32"));
    }

    #[test]
    fn secret_equality() {
        let a = Secret::from_slice(b"abc");
        assert_eq!(a, Secret::from_slice(b"abc"));
        assert_ne!(a, Secret::from_slice(b"abd"));
        assert_ne!(a, Secret::from_slice(b"ab"));
        assert!(a.ct_eq_bytes(b"abc"));
    }

    #[test]
    fn digest_bounds() {
        assert!(Digest::new(&[0; 65]).is_err());
        let d = Digest::new(&[1, 2]).unwrap();
        assert_eq!(d.as_bytes(), &[1, 2]);
        assert_eq!(format!("{d:?}"), "Digest(0102)");
    }
}
