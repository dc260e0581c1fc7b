//! The TLS presentation-language codec: a zero-copy reader over untrusted bytes, infallible
//! encoders, and length-bounded byte strings.
//!
//! Decoding is total and strict: every read is checked against the bytes present, every
//! length prefix against the bounds of its field, and every decode ends by rejecting trailing
//! bytes. Errors are small `Copy` values that name what was being read and the byte offset
//! (RFC 8446 section 3 gives the vector notation `<floor..ceiling>` used in the docs here).
//!
//! Encoding cannot fail: a value that could not be encoded (a vector longer than its length
//! prefix can express, an empty list where the wire forbids one) is rejected by its
//! constructor with an [`EncodeError`].

use core::fmt;

/// The largest value a 24-bit length can express (`2^24 - 1`).
pub const U24_MAX: usize = 0x00ff_ffff;

/// A decoding failure: what was being read, where, and why.
///
/// The offset is counted in bytes from the start of the buffer handed to the outermost
/// decoder, so it points into the bytes the peer sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    what: &'static str,
    offset: Option<usize>,
    kind: DecodeErrorKind,
}

impl DecodeError {
    /// Builds an error for a field read at `offset`.
    pub const fn new(what: &'static str, offset: usize, kind: DecodeErrorKind) -> Self {
        Self {
            what,
            offset: Some(offset),
            kind,
        }
    }

    /// Builds an error that has no position in the bytes the peer sent (a rule about where
    /// a structure appears, not about its bytes).
    pub const fn unlocated(what: &'static str, kind: DecodeErrorKind) -> Self {
        Self {
            what,
            offset: None,
            kind,
        }
    }

    /// The structure or field that was being read, in the drafts' names
    /// (`"CertificateEntry.cert_data"`).
    pub const fn what(&self) -> &'static str {
        self.what
    }

    /// The byte offset at which reading of the field started or failed, or `None` for an
    /// error with no position in the bytes (see [`unlocated`](Self::unlocated)).
    pub const fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// Why the bytes were rejected.
    pub const fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The same error with its offset shifted by `by` bytes, for a decoder that ran over a
    /// slice of a larger buffer.
    #[must_use]
    pub const fn shifted(self, by: usize) -> Self {
        Self {
            offset: match self.offset {
                Some(at) => Some(at.saturating_add(by)),
                None => None,
            },
            ..self
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(at) => write!(f, "{} at byte {at}: {}", self.what, self.kind),
            None => write!(f, "{}: {}", self.what, self.kind),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a decoder rejected its input.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// Fewer bytes remain than the field needs.
    Truncated {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that remain.
        available: usize,
    },
    /// Bytes remain after a structure that must end its buffer.
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// A length is outside the bounds its field allows (RFC 8446 section 3, `<floor..ceiling>`).
    LengthOutOfRange {
        /// The length found.
        length: usize,
        /// The smallest length allowed.
        min: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A length is not a multiple of the size of the list's elements.
    LengthNotMultiple {
        /// The length found.
        length: usize,
        /// The element size.
        element: usize,
    },
    /// Two extensions of the same type in one block (RFC 8446 section 4.2).
    DuplicateExtension {
        /// The repeated extension type.
        extension_type: u16,
    },
    /// A value the structure's `select` cannot interpret, so the rest cannot be parsed.
    UnknownValue {
        /// The value found.
        value: u16,
    },
    /// A field that must be empty carries data (the `cmw_attestation` offer in a request,
    /// draft-fossati-seat-expat section 3).
    NotEmpty {
        /// How many bytes it carries.
        length: usize,
    },
    /// A handshake message of another type than the one expected here.
    UnexpectedMessage {
        /// The handshake type expected.
        expected: u8,
        /// The handshake type found.
        found: u8,
    },
    /// A text field that is not UTF-8.
    InvalidUtf8,
    /// An extension in a handshake message it is not defined for (RFC 8446 section 4.2).
    ExtensionNotAllowed {
        /// The handshake type of the message that carried it.
        message: u8,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, {available} remain")
            }
            Self::TrailingBytes { count } => write!(f, "{count} trailing bytes"),
            Self::LengthOutOfRange { length, min, max } => {
                write!(f, "length {length} outside {min}..={max}")
            }
            Self::LengthNotMultiple { length, element } => {
                write!(f, "length {length} is not a multiple of {element}")
            }
            Self::DuplicateExtension { extension_type } => {
                write!(f, "duplicate extension 0x{extension_type:04x}")
            }
            Self::UnknownValue { value } => write!(f, "unknown value 0x{value:02x}"),
            Self::NotEmpty { length } => write!(f, "must be empty but carries {length} bytes"),
            Self::UnexpectedMessage { expected, found } => {
                write!(f, "expected handshake type {expected}, found {found}")
            }
            Self::InvalidUtf8 => f.write_str("not UTF-8"),
            Self::ExtensionNotAllowed { message } => {
                write!(f, "not allowed in handshake type {message}")
            }
        }
    }
}

/// A value was rejected at construction because it cannot be encoded on the wire.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The encoding of the field would be shorter or longer than its bounds allow.
    Length {
        /// The field.
        what: &'static str,
        /// The length the value would have.
        length: usize,
        /// The smallest length allowed.
        min: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// Two extensions of the same type in one block (RFC 8446 section 4.2).
    DuplicateExtension {
        /// The block.
        what: &'static str,
        /// The repeated extension type.
        extension_type: u16,
    },
    /// A generic extension carries a type that the codec interprets itself, so it would not
    /// decode back to the same value; use the typed variant instead.
    ReservedExtension {
        /// The block.
        what: &'static str,
        /// The extension type.
        extension_type: u16,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Length {
                what,
                length,
                min,
                max,
            } => write!(f, "{what}: length {length} outside {min}..={max}"),
            Self::DuplicateExtension {
                what,
                extension_type,
            } => write!(f, "{what}: duplicate extension 0x{extension_type:04x}"),
            Self::ReservedExtension {
                what,
                extension_type,
            } => write!(
                f,
                "{what}: extension 0x{extension_type:04x} has a typed form and cannot be generic"
            ),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Checks that a length lies within `min..=max`, for constructors.
///
/// # Errors
///
/// [`EncodeError::Length`] when it does not.
pub const fn check_len(
    what: &'static str,
    length: usize,
    min: usize,
    max: usize,
) -> Result<(), EncodeError> {
    if length < min || length > max {
        Err(EncodeError::Length {
            what,
            length,
            min,
            max,
        })
    } else {
        Ok(())
    }
}

/// A zero-copy cursor over untrusted bytes that tracks its absolute offset.
///
/// Every read is checked against the bytes present; nothing is allocated from a length the
/// peer sent. A nested reader made by [`sub`](Self::sub) or one of the `vec_*` methods keeps
/// reporting offsets relative to the outermost buffer.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes` at offset 0.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            base: 0,
        }
    }

    /// Starts reading `bytes` whose first byte lies at `base` in some outer buffer.
    pub const fn with_base(bytes: &'a [u8], base: usize) -> Self {
        Self {
            bytes,
            pos: 0,
            base,
        }
    }

    /// The absolute offset of the next byte to read.
    pub const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// How many bytes remain.
    pub const fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Whether every byte has been read.
    pub const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error about `what`, located at the current offset.
    pub const fn error(&self, what: &'static str, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(what, self.offset(), kind)
    }

    /// Takes the next `n` bytes.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] when fewer remain.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let available = self.remaining();
        let end = self.pos.checked_add(n).filter(|_| n <= available);
        match end.and_then(|end| self.bytes.get(self.pos..end)) {
            Some(taken) => {
                self.pos += n;
                Ok(taken)
            }
            None => Err(self.error(
                what,
                DecodeErrorKind::Truncated {
                    needed: n,
                    available,
                },
            )),
        }
    }

    /// Takes the next `N` bytes as an array.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] when fewer remain.
    pub fn take_array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads a `uint8`.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] at the end of the input.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let [b] = self.take_array::<1>(what)?;
        Ok(b)
    }

    /// Reads a big-endian `uint16`.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] when fewer than 2 bytes remain.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take_array::<2>(what)?))
    }

    /// Reads a big-endian `uint24`.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] when fewer than 3 bytes remain.
    pub fn u24(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let [a, b, c] = self.take_array::<3>(what)?;
        Ok(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c))
    }

    /// Takes the rest of the input.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        rest
    }

    /// Splits off the next `len` bytes as a nested reader.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`] when fewer remain.
    pub fn sub(&mut self, len: usize, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        let base = self.offset();
        let bytes = self.take(len, what)?;
        Ok(Reader::with_base(bytes, base))
    }

    /// Reads a vector with a 1-byte length prefix whose length lies in `min..=max`, and returns
    /// a reader over its contents.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LengthOutOfRange`] or [`DecodeErrorKind::Truncated`].
    pub fn vec_u8(
        &mut self,
        what: &'static str,
        min: usize,
        max: usize,
    ) -> Result<Reader<'a>, DecodeError> {
        let at = self.offset();
        let len = usize::from(self.u8(what)?);
        self.vec_body(what, at, len, min, max)
    }

    /// Reads a vector with a 2-byte length prefix whose length lies in `min..=max`.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LengthOutOfRange`] or [`DecodeErrorKind::Truncated`].
    pub fn vec_u16(
        &mut self,
        what: &'static str,
        min: usize,
        max: usize,
    ) -> Result<Reader<'a>, DecodeError> {
        let at = self.offset();
        let len = usize::from(self.u16(what)?);
        self.vec_body(what, at, len, min, max)
    }

    /// Reads a vector with a 3-byte length prefix whose length lies in `min..=max`.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::LengthOutOfRange`] or [`DecodeErrorKind::Truncated`].
    pub fn vec_u24(
        &mut self,
        what: &'static str,
        min: usize,
        max: usize,
    ) -> Result<Reader<'a>, DecodeError> {
        let at = self.offset();
        let len = self.u24(what)?;
        self.vec_body(what, at, len, min, max)
    }

    fn vec_body(
        &mut self,
        what: &'static str,
        at: usize,
        len: usize,
        min: usize,
        max: usize,
    ) -> Result<Reader<'a>, DecodeError> {
        if len < min || len > max {
            return Err(DecodeError::new(
                what,
                at,
                DecodeErrorKind::LengthOutOfRange {
                    length: len,
                    min,
                    max,
                },
            ));
        }
        self.sub(len, what)
    }

    /// Ends reading: fails if any byte is left.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::TrailingBytes`] when bytes remain.
    pub fn finish(self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(
                what,
                DecodeErrorKind::TrailingBytes {
                    count: self.remaining(),
                },
            ))
        }
    }
}

/// A wire structure with an infallible encoding and a strict decoding that needs no
/// configuration.
pub trait Codec: Sized {
    /// The structure's name in the drafts, used in errors.
    const NAME: &'static str;

    /// Appends the encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads one value from `r`, leaving what follows it.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] naming the field that is malformed.
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Decodes a value that must occupy all of `bytes`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]; trailing bytes are an error.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let value = Self::read(&mut r)?;
        r.finish(Self::NAME)?;
        Ok(value)
    }

    /// The encoding as a new vector.
    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// Appends a `uint16`.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a `uint24`; the caller guarantees `v <= 2^24 - 1` (values above are clamped, which
/// a constructor-checked length never reaches).
pub fn put_u24(out: &mut Vec<u8>, v: usize) {
    debug_assert!(
        v <= U24_MAX,
        "uint24 overflow: constructor bounds were not checked"
    );
    let v = v.min(U24_MAX);
    let [_, a, b, c] = u32::try_from(v).unwrap_or(0x00ff_ffff).to_be_bytes();
    out.extend_from_slice(&[a, b, c]);
}

/// The width of a vector's length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// One byte: vectors up to 255 bytes.
    U8,
    /// Two bytes: vectors up to 65 535 bytes.
    U16,
    /// Three bytes: vectors up to 2^24 - 1 bytes.
    U24,
}

impl LengthPrefix {
    /// The prefix's size in bytes.
    pub const fn size(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }
}

/// Appends a length-prefixed vector whose contents `body` writes, patching the length in
/// afterwards (one pass, no intermediate buffer).
///
/// The caller guarantees, through constructor checks, that the contents fit the prefix.
pub fn put_vec(out: &mut Vec<u8>, prefix: LengthPrefix, body: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend(core::iter::repeat_n(0u8, prefix.size()));
    body(out);
    let len = out.len() - at - prefix.size();
    let bytes = (len as u64).to_be_bytes();
    debug_assert!(
        len < 1usize << (8 * prefix.size()),
        "vector overflows its length prefix: constructor bounds were not checked"
    );
    if let (Some(dst), Some(src)) = (
        out.get_mut(at..at + prefix.size()),
        bytes.get(8 - prefix.size()..),
    ) {
        dst.copy_from_slice(src);
    }
}

/// Writes bytes as lower-case hex, for `Debug` of non-secret byte strings.
pub(crate) fn fmt_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// Declares a newtype over `Vec<u8>` for an opaque vector with fixed bounds.
macro_rules! bounded_bytes {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal, $prefix:ident, $min:expr, $max:expr
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(Vec<u8>);

        impl $name {
            /// The smallest length allowed.
            pub const MIN_LEN: usize = $min;
            /// The largest length allowed.
            pub const MAX_LEN: usize = $max;

            /// Wraps `bytes`, checking the field's bounds.
            ///
            /// # Errors
            ///
            /// [`EncodeError::Length`](crate::codec::EncodeError::Length) when the length is
            /// out of bounds.
            pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, $crate::codec::EncodeError> {
                let bytes = bytes.into();
                $crate::codec::check_len($what, bytes.len(), Self::MIN_LEN, Self::MAX_LEN)?;
                Ok(Self(bytes))
            }

            /// The bytes, without the length prefix.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The length in bytes, without the length prefix.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the vector is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// The bytes, without the length prefix.
            pub fn into_vec(self) -> Vec<u8> {
                self.0
            }

            /// The encoded length, prefix included.
            pub fn encoded_len(&self) -> usize {
                $crate::codec::LengthPrefix::$prefix.size() + self.0.len()
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                $crate::codec::fmt_hex(f, &self.0)?;
                f.write_str(")")
            }
        }

        impl $crate::codec::Codec for $name {
            const NAME: &'static str = $what;

            fn encode(&self, out: &mut Vec<u8>) {
                $crate::codec::put_vec(out, $crate::codec::LengthPrefix::$prefix, |out| {
                    out.extend_from_slice(&self.0)
                });
            }

            fn read(r: &mut $crate::codec::Reader<'_>) -> Result<Self, $crate::codec::DecodeError> {
                let mut body = $crate::codec::bounded_bytes!(@vec $prefix, r, $what, $min, $max)?;
                Ok(Self(body.rest().to_vec()))
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'u> arbitrary::Arbitrary<'u> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'u>) -> arbitrary::Result<Self> {
                // Long values add nothing to what short ones test; keep cases cheap.
                let max = Self::MAX_LEN.min(Self::MIN_LEN + 300);
                let len = u.int_in_range(Self::MIN_LEN..=max)?;
                Ok(Self(u.bytes(len)?.to_vec()))
            }
        }
    };
    (@vec U8, $r:expr, $what:expr, $min:expr, $max:expr) => { $r.vec_u8($what, $min, $max) };
    (@vec U16, $r:expr, $what:expr, $min:expr, $max:expr) => { $r.vec_u16($what, $min, $max) };
    (@vec U24, $r:expr, $what:expr, $min:expr, $max:expr) => { $r.vec_u24($what, $min, $max) };
}
pub(crate) use bounded_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_absolute_offsets_in_nested_vectors() {
        let bytes = [0x00, 0x03, 0xaa, 0x02, 0xbb];
        let mut r = Reader::new(&bytes);
        let mut inner = r.vec_u16("outer", 0, 10).unwrap();
        assert_eq!(inner.u8("a").unwrap(), 0xaa);
        let err = inner.vec_u8("inner", 0, 10).unwrap_err();
        assert_eq!(err.offset(), Some(4));
        assert_eq!(
            err.kind(),
            DecodeErrorKind::Truncated {
                needed: 2,
                available: 1
            }
        );
    }

    #[test]
    fn vector_bounds_are_checked_before_reading() {
        let err = Reader::new(&[0x05, 1, 2, 3, 4, 5])
            .vec_u8("v", 1, 4)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange {
                length: 5,
                min: 1,
                max: 4
            }
        );
        assert_eq!(err.offset(), Some(0));
    }

    #[test]
    fn huge_length_prefix_is_truncation_not_allocation() {
        let err = Reader::new(&[0xff, 0xff, 0xff, 0x00])
            .vec_u24("v", 0, U24_MAX)
            .unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::Truncated {
                needed: U24_MAX,
                available: 1
            }
        );
    }

    #[test]
    fn put_vec_patches_each_prefix_width() {
        for (prefix, expected) in [
            (LengthPrefix::U8, &[0x02, 7, 8][..]),
            (LengthPrefix::U16, &[0x00, 0x02, 7, 8][..]),
            (LengthPrefix::U24, &[0x00, 0x00, 0x02, 7, 8][..]),
        ] {
            let mut out = Vec::new();
            put_vec(&mut out, prefix, |o| o.extend_from_slice(&[7, 8]));
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let mut r = Reader::new(&[1, 2, 3]);
        r.u8("x").unwrap();
        assert_eq!(
            r.finish("x").unwrap_err().kind(),
            DecodeErrorKind::TrailingBytes { count: 2 }
        );
    }
}
