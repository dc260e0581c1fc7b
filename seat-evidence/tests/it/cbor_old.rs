//! TEST-ONLY FROZEN COPY of the hand-written CBOR reader that `seat-evidence::cbor` had before
//! it moved onto minicbor (issue 15). It exists only so that `cbor_differential` can check
//! that the new strict layer accepts and rejects exactly what this reader did. It is not used
//! by any non-test code and is deleted once the differential test has passed.
#![allow(dead_code, missing_docs, clippy::all)]

use std::borrow::Cow;

use seat_evidence::error::{Error, Item};

/// Deepest nesting of arrays, maps and tags accepted: CMW collections and EAT `submods` recurse,
/// and a peer must not be able to exhaust the stack.
pub const MAX_DEPTH: usize = 16;

/// Most entries accepted in one array or map: far above any claims-set or collection these
/// formats carry, and it bounds the quadratic duplicate-key check.
pub const MAX_ITEMS: u64 = 1024;

/// Longest input a top-level decoder accepts (1 MiB): Evidence and results are small, and the
/// bound keeps a hostile peer from making us buffer more.
pub const MAX_INPUT_LEN: usize = 1 << 20;

/// CBOR major types (RFC 8949 section 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Major {
    /// Major type 0: unsigned integer.
    Uint,
    /// Major type 1: negative integer.
    Nint,
    /// Major type 2: byte string.
    Bytes,
    /// Major type 3: text string.
    Text,
    /// Major type 4: array.
    Array,
    /// Major type 5: map.
    Map,
    /// Major type 6: tag.
    Tag,
    /// Major type 7: simple values and floats.
    Simple,
}

impl Major {
    const fn from_initial(b: u8) -> Self {
        match b >> 5 {
            0 => Self::Uint,
            1 => Self::Nint,
            2 => Self::Bytes,
            3 => Self::Text,
            4 => Self::Array,
            5 => Self::Map,
            6 => Self::Tag,
            _ => Self::Simple,
        }
    }
}

/// Which relaxations of core deterministic encoding a decoder accepts.
///
/// Profiles decide this (rats-formats.md section 9.1 item 6): the RFC 9711 constrained device
/// profile forbids indefinite lengths and requires preferred serialization; legacy EAR emitters
/// produce indefinite-length maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Accept indefinite-length strings, arrays and maps.
    pub allow_indefinite: bool,
    /// Accept heads that are longer than needed (for example `19 000a` for 10).
    pub allow_non_preferred: bool,
}

impl Profile {
    /// Definite lengths and preferred serialization only: what this crate emits.
    pub const STRICT: Self = Self {
        allow_indefinite: false,
        allow_non_preferred: false,
    };
    /// Any well-formed CBOR (still no duplicate keys, still bounded).
    pub const LENIENT: Self = Self {
        allow_indefinite: true,
        allow_non_preferred: true,
    };
}

impl Default for Profile {
    fn default() -> Self {
        Self::STRICT
    }
}

/// The raw bits of a floating-point value, kept at the width it was received with.
///
/// Only the EAT `location` claim uses floats in these formats; they are carried unchanged so
/// that unknown claims round-trip. Their width is not checked for the shortest exact form
/// (preferred serialization of floats), neither by [`Reader`] nor by [`check_deterministic`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]

pub enum Float {
    /// IEEE 754 binary16 (`f9`).
    F16(u16),
    /// IEEE 754 binary32 (`fa`).
    F32(u32),
    /// IEEE 754 binary64 (`fb`).
    F64(u64),
}

/// A generic CBOR data item, used for claims and header parameters this crate does not model.
///
/// Simple values other than `false`, `true` and `null` are rejected on decode: none of the
/// formats here use them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// An unsigned integer (major type 0).
    Uint(u64),
    /// A negative integer `-1 - n` (major type 1), holding `n`.
    Nint(u64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map; [`Writer::value`] sorts it on output.
    Map(Vec<(Value, Value)>),
    /// A tagged item.
    Tag(u64, Box<Value>),
    /// `false` or `true`.
    Bool(bool),
    /// `null`.
    Null,
    /// A float, bits as received.
    Float(Float),
}

impl Value {
    /// An integer value from an `i64`.
    pub const fn int(v: i64) -> Self {
        if v >= 0 {
            Self::Uint(v.unsigned_abs())
        } else {
            Self::Nint(v.unsigned_abs() - 1)
        }
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::Uint(n) => i64::try_from(n).ok(),
            Self::Nint(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// The encoded bytes of this value in deterministic encoding.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.value(self);
        w.into_vec()
    }

    /// Sorts every map by encoded key bytes, recursively, so that two values that encode the
    /// same compare equal.
    pub fn canonicalize(&mut self) {
        match self {
            Self::Array(items) => items.iter_mut().for_each(Self::canonicalize),
            Self::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    k.canonicalize();
                    v.canonicalize();
                }
                entries.sort_by_cached_key(|(k, _)| k.to_vec());
            }
            Self::Tag(_, inner) => inner.canonicalize(),
            _ => {}
        }
    }
}

/// A map label that is an integer or a text string (`int / text`): CMW collection labels
/// (RFC 9999 section 3.3), COSE header labels (RFC 9052 section 3), claim keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]

pub enum Label {
    /// An integer label.
    Int(i64),
    /// A text label.
    Text(String),
}

impl Label {
    /// The label as a generic value.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Int(i) => Value::int(*i),
            Self::Text(t) => Value::Text(t.clone()),
        }
    }

    /// Reads an `int / text` label.
    ///
    /// # Errors
    ///
    /// A type error for other items, [`Error::InvalidValue`] for integers outside `i64`.
    pub fn decode(r: &mut Reader<'_>, what: Item) -> Result<Self, Error> {
        let at = r.position();
        match r.peek_major(what)? {
            Major::Uint | Major::Nint => r.int(what).map(Self::Int),
            Major::Text => Ok(Self::Text(r.text(what)?.into_owned())),
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }
}

/// An infallible CBOR encoder that always writes shortest heads and definite lengths.
#[derive(Clone, Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub const fn new() -> Self {
        Self { buf: Vec::new() }
    }

    /// The bytes written so far.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Writes a head with the shortest argument (RFC 8949 section 4.2.1).
    fn head(&mut self, major: u8, arg: u64) {
        let mt = major << 5;
        if arg < 24 {
            self.buf.push(mt | arg.to_be_bytes()[7]);
        } else if let Ok(a) = u8::try_from(arg) {
            self.buf.extend_from_slice(&[mt | 24, a]);
        } else if let Ok(a) = u16::try_from(arg) {
            self.buf.push(mt | 25);
            self.buf.extend_from_slice(&a.to_be_bytes());
        } else if let Ok(a) = u32::try_from(arg) {
            self.buf.push(mt | 26);
            self.buf.extend_from_slice(&a.to_be_bytes());
        } else {
            self.buf.push(mt | 27);
            self.buf.extend_from_slice(&arg.to_be_bytes());
        }
    }

    /// Writes an unsigned integer.
    pub fn uint(&mut self, v: u64) -> &mut Self {
        self.head(0, v);
        self
    }

    /// Writes a signed integer.
    pub fn int(&mut self, v: i64) -> &mut Self {
        if v >= 0 {
            self.head(0, v.unsigned_abs());
        } else {
            self.head(1, v.unsigned_abs() - 1);
        }
        self
    }

    /// Writes a byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.head(2, v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }

    /// Writes a text string.
    pub fn text(&mut self, v: &str) -> &mut Self {
        self.head(3, v.len() as u64);
        self.buf.extend_from_slice(v.as_bytes());
        self
    }

    /// Writes an array head for `len` items.
    pub fn array(&mut self, len: usize) -> &mut Self {
        self.head(4, len as u64);
        self
    }

    /// Writes a map head for `len` entries; the caller writes them in deterministic order
    /// (use [`MapBuilder`]).
    pub fn map(&mut self, len: usize) -> &mut Self {
        self.head(5, len as u64);
        self
    }

    /// Writes a tag head.
    pub fn tag(&mut self, tag: u64) -> &mut Self {
        self.head(6, tag);
        self
    }

    /// Writes `false` or `true`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.buf.push(if v { 0xf5 } else { 0xf4 });
        self
    }

    /// Writes `null`.
    pub fn null(&mut self) -> &mut Self {
        self.buf.push(0xf6);
        self
    }

    /// Appends bytes that already hold one encoded CBOR item.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// Writes a generic value, sorting every map by encoded key bytes.
    pub fn value(&mut self, v: &Value) -> &mut Self {
        match v {
            Value::Uint(n) => self.head(0, *n),
            Value::Nint(n) => self.head(1, *n),
            Value::Bytes(b) => {
                self.bytes(b);
            }
            Value::Text(t) => {
                self.text(t);
            }
            Value::Array(items) => {
                self.array(items.len());
                for i in items {
                    self.value(i);
                }
            }
            Value::Map(entries) => {
                let mut m = MapBuilder::new();
                for (k, val) in entries {
                    m.entry(k.to_vec(), val.to_vec());
                }
                m.finish(self);
            }
            Value::Tag(t, inner) => {
                self.head(6, *t);
                self.value(inner);
            }
            Value::Bool(b) => {
                self.bool(*b);
            }
            Value::Null => {
                self.null();
            }
            Value::Float(Float::F16(b)) => {
                self.buf.push(0xf9);
                self.buf.extend_from_slice(&b.to_be_bytes());
            }
            Value::Float(Float::F32(b)) => {
                self.buf.push(0xfa);
                self.buf.extend_from_slice(&b.to_be_bytes());
            }
            Value::Float(Float::F64(b)) => {
                self.buf.push(0xfb);
                self.buf.extend_from_slice(&b.to_be_bytes());
            }
        }
        self
    }
}

/// Collects pre-encoded map entries and writes them sorted by encoded key bytes
/// (RFC 8949 section 4.2.1 core deterministic order, not the length-first order of 4.2.3).
#[derive(Clone, Debug, Default)]
pub struct MapBuilder {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
}

impl MapBuilder {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Adds an entry from its encoded key and encoded value.
    pub fn entry(&mut self, key: Vec<u8>, value: Vec<u8>) -> &mut Self {
        self.entries.push((key, value));
        self
    }

    /// Adds an entry with an integer key.
    pub fn int_key(&mut self, key: i64, value: Vec<u8>) -> &mut Self {
        let mut k = Writer::new();
        k.int(key);
        self.entry(k.into_vec(), value)
    }

    /// Adds an entry with a text key.
    pub fn text_key(&mut self, key: &str, value: Vec<u8>) -> &mut Self {
        let mut k = Writer::new();
        k.text(key);
        self.entry(k.into_vec(), value)
    }

    /// The number of entries added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the map. Entries with equal keys would make the map invalid; typed encoders
    /// rule them out by construction, and the later duplicate is dropped here as a last
    /// defence so that the output is always valid CBOR.
    pub fn finish(mut self, w: &mut Writer) {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.entries.dedup_by(|a, b| a.0 == b.0);
        w.map(self.entries.len());
        for (k, v) in &self.entries {
            w.raw(k).raw(v);
        }
    }

    /// The encoded map.
    pub fn into_vec(self) -> Vec<u8> {
        let mut w = Writer::new();
        self.finish(&mut w);
        w.into_vec()
    }
}

/// The length of an array or map, or an indefinite-length marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Len {
    /// A definite number of items (entries for a map) still to read.
    Definite(u64),
    /// An indefinite-length container, ended by a break byte.
    Indefinite,
}

/// Tracks the keys of one map to reject duplicates (RFC 8949 section 5.6).
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Value>,
}

impl KeySet {
    /// An empty set.
    pub const fn new() -> Self {
        Self { keys: Vec::new() }
    }

    /// Records `key`.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKey`] when it was already present.
    pub fn insert(&mut self, key: Value, what: Item, at: usize) -> Result<(), Error> {
        if self.keys.contains(&key) {
            return Err(Error::DuplicateKey { what, at });
        }
        self.keys.push(key);
        Ok(())
    }
}

/// A strict, zero-copy CBOR reader over untrusted bytes.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
    profile: Profile,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` with the given profile.
    pub const fn new(buf: &'a [u8], profile: Profile) -> Self {
        Self {
            buf,
            pos: 0,
            depth: 0,
            profile,
        }
    }

    /// The offset of the next byte to read.
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// The profile in force.
    pub const fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether every byte was consumed.
    pub const fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The bytes between `start` and the current position.
    pub fn consumed_since(&self, start: usize) -> &'a [u8] {
        self.buf.get(start..self.pos).unwrap_or_default()
    }

    /// Checks that nothing follows the item just read.
    ///
    /// # Errors
    ///
    /// [`Error::TrailingBytes`] when bytes remain.
    pub const fn finish(&self, what: Item) -> Result<(), Error> {
        if self.pos < self.buf.len() {
            return Err(Error::TrailingBytes { what, at: self.pos });
        }
        Ok(())
    }

    /// The next initial byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The major type of the next item, without consuming it.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEnd`] at the end of input.
    pub fn peek_major(&self, what: Item) -> Result<Major, Error> {
        self.peek()
            .map(Major::from_initial)
            .ok_or(Error::UnexpectedEnd { what, at: self.pos })
    }

    /// Enters a container, enforcing [`MAX_DEPTH`].
    ///
    /// # Errors
    ///
    /// [`Error::TooDeep`] when the limit is reached.
    pub const fn enter(&mut self, what: Item) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::TooDeep { what, at: self.pos });
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a container entered with [`Reader::enter`].
    pub const fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn take(&mut self, n: usize, what: Item, at: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(Error::UnexpectedEnd { what, at })?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(Error::UnexpectedEnd { what, at })?;
        self.pos = end;
        Ok(s)
    }

    /// Reads a head: (major type, additional info, argument or `None` when indefinite).
    fn head(&mut self, what: Item) -> Result<(Major, u8, Option<u64>), Error> {
        let at = self.pos;
        let ib = *self
            .take(1, what, at)?
            .first()
            .ok_or(Error::UnexpectedEnd { what, at })?;
        let major = Major::from_initial(ib);
        let ai = ib & 0x1f;
        let arg = match ai {
            0..=23 => Some(u64::from(ai)),
            24..=27 => {
                let n = 1usize << (ai - 24);
                let raw = self.take(n, what, at)?;
                let v = raw.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                let min = match ai {
                    24 => 24,
                    25 => 0x100,
                    26 => 0x1_0000,
                    _ => 0x1_0000_0000,
                };
                // Floats (major 7, ai 25..27) have fixed widths; simple values in f8 must be >= 32.
                let preferred = if major == Major::Simple {
                    ai != 24 || v >= 32
                } else {
                    v >= min
                };
                if !preferred && (major == Major::Simple || !self.profile.allow_non_preferred) {
                    return Err(Error::NonPreferred { what, at });
                }
                Some(v)
            }
            31 => match major {
                Major::Bytes | Major::Text | Major::Array | Major::Map => {
                    if !self.profile.allow_indefinite {
                        return Err(Error::Indefinite { what, at });
                    }
                    None
                }
                // A break byte outside an indefinite container, or an indefinite int/tag.
                _ => return Err(Error::Malformed { what, at }),
            },
            _ => return Err(Error::Malformed { what, at }),
        };
        Ok((major, ai, arg))
    }

    fn expect_definite(&mut self, want: Major, what: Item) -> Result<u64, Error> {
        let at = self.pos;
        match self.head(what)? {
            (m, _, Some(v)) if m == want => Ok(v),
            (m, _, None) if m == want => Err(Error::Indefinite { what, at }),
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }

    /// Reads an unsigned integer.
    ///
    /// # Errors
    ///
    /// A type error for anything but major type 0, or a head error.
    pub fn uint(&mut self, what: Item) -> Result<u64, Error> {
        self.expect_definite(Major::Uint, what)
    }

    /// Reads an integer that fits an `i64`.
    ///
    /// # Errors
    ///
    /// A type error for a non-integer, [`Error::InvalidValue`] when out of range.
    pub fn int(&mut self, what: Item) -> Result<i64, Error> {
        let at = self.pos;
        match self.head(what)? {
            (Major::Uint, _, Some(v)) => {
                i64::try_from(v).map_err(|_| Error::InvalidValue { what, at })
            }
            (Major::Nint, _, Some(v)) => i64::try_from(v)
                .map(|n| -1 - n)
                .map_err(|_| Error::InvalidValue { what, at }),
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }

    /// Reads a tag number.
    ///
    /// # Errors
    ///
    /// A type error for anything but major type 6.
    pub fn tag(&mut self, what: Item) -> Result<u64, Error> {
        self.expect_definite(Major::Tag, what)
    }

    /// Reads a boolean.
    ///
    /// # Errors
    ///
    /// A type error for anything but `false`/`true`.
    pub fn bool(&mut self, what: Item) -> Result<bool, Error> {
        let at = self.pos;
        match self.peek() {
            Some(0xf4) => {
                self.pos += 1;
                Ok(false)
            }
            Some(0xf5) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(Error::UnexpectedType { what, at }),
            None => Err(Error::UnexpectedEnd { what, at }),
        }
    }

    /// Consumes a `null` if one is next.
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(0xf6) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn string(&mut self, want: Major, what: Item) -> Result<Cow<'a, [u8]>, Error> {
        let at = self.pos;
        match self.head(what)? {
            (m, _, Some(n)) if m == want => {
                let n = usize::try_from(n).map_err(|_| Error::UnexpectedEnd { what, at })?;
                Ok(Cow::Borrowed(self.take(n, what, at)?))
            }
            (m, _, None) if m == want => {
                // Chunks must be definite strings of the same major type (RFC 8949 3.2.3).
                let mut out = Vec::new();
                loop {
                    if self.peek() == Some(0xff) {
                        self.pos += 1;
                        return Ok(Cow::Owned(out));
                    }
                    let cat = self.pos;
                    match self.head(what)? {
                        (m, _, Some(n)) if m == want => {
                            let n = usize::try_from(n)
                                .map_err(|_| Error::UnexpectedEnd { what, at: cat })?;
                            out.extend_from_slice(self.take(n, what, cat)?);
                        }
                        _ => return Err(Error::Malformed { what, at: cat }),
                    }
                }
            }
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }

    /// Reads a byte string (indefinite ones only under a lenient profile).
    ///
    /// # Errors
    ///
    /// A type error for anything but major type 2, or a head/length error.
    pub fn bytes(&mut self, what: Item) -> Result<Cow<'a, [u8]>, Error> {
        self.string(Major::Bytes, what)
    }

    /// Reads a text string and checks that it is UTF-8.
    ///
    /// # Errors
    ///
    /// A type error for anything but major type 3, [`Error::InvalidUtf8`].
    pub fn text(&mut self, what: Item) -> Result<Cow<'a, str>, Error> {
        let at = self.pos;
        match self.string(Major::Text, what)? {
            Cow::Borrowed(b) => core::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| Error::InvalidUtf8 { what, at }),
            Cow::Owned(v) => String::from_utf8(v)
                .map(Cow::Owned)
                .map_err(|_| Error::InvalidUtf8 { what, at }),
        }
    }

    fn container(&mut self, want: Major, what: Item) -> Result<Len, Error> {
        let at = self.pos;
        match self.head(what)? {
            (m, _, Some(n)) if m == want => {
                // Every item takes at least one byte (two for a map entry), so a count larger
                // than what remains is a lie; MAX_ITEMS bounds honest-but-huge inputs.
                let remaining = (self.buf.len() - self.pos) as u64;
                let min_bytes = if want == Major::Map {
                    n.saturating_mul(2)
                } else {
                    n
                };
                if n > MAX_ITEMS || min_bytes > remaining {
                    return Err(Error::BadLength { what, at });
                }
                Ok(Len::Definite(n))
            }
            (m, _, None) if m == want => Ok(Len::Indefinite),
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }

    /// Reads an array head.
    ///
    /// # Errors
    ///
    /// A type error, or [`Error::BadLength`] when the count exceeds [`MAX_ITEMS`] or the input.
    pub fn array(&mut self, what: Item) -> Result<Len, Error> {
        self.container(Major::Array, what)
    }

    /// Reads a map head.
    ///
    /// # Errors
    ///
    /// A type error, or [`Error::BadLength`] when the count exceeds [`MAX_ITEMS`] or the input.
    pub fn map(&mut self, what: Item) -> Result<Len, Error> {
        self.container(Major::Map, what)
    }

    /// Whether another item (or map entry) of the container follows; consumes the break byte
    /// of an indefinite container. `count` tracks how many were read, for [`MAX_ITEMS`].
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEnd`] inside an unterminated container, [`Error::BadLength`] when an
    /// indefinite container grows past [`MAX_ITEMS`].
    pub fn has_next(&mut self, len: &mut Len, count: &mut u64, what: Item) -> Result<bool, Error> {
        match len {
            Len::Definite(0) => Ok(false),
            Len::Definite(n) => {
                *n -= 1;
                *count += 1;
                Ok(true)
            }
            Len::Indefinite => match self.peek() {
                Some(0xff) => {
                    self.pos += 1;
                    // The container is finished: later calls must not look for a second break.
                    *len = Len::Definite(0);
                    Ok(false)
                }
                Some(_) => {
                    *count += 1;
                    if *count > MAX_ITEMS {
                        return Err(Error::BadLength { what, at: self.pos });
                    }
                    Ok(true)
                }
                None => Err(Error::UnexpectedEnd { what, at: self.pos }),
            },
        }
    }

    /// Reads any data item as a [`Value`], rejecting duplicate map keys at every level.
    ///
    /// # Errors
    ///
    /// Any well-formedness, profile, depth or duplicate-key error.
    pub fn value(&mut self, what: Item) -> Result<Value, Error> {
        let at = self.pos;
        match self.peek_major(what)? {
            Major::Uint => self.uint(what).map(Value::Uint),
            Major::Nint => match self.head(what)? {
                (_, _, Some(n)) => Ok(Value::Nint(n)),
                _ => Err(Error::Malformed { what, at }),
            },
            Major::Bytes => Ok(Value::Bytes(self.bytes(what)?.into_owned())),
            Major::Text => Ok(Value::Text(self.text(what)?.into_owned())),
            Major::Array => {
                let mut len = self.array(what)?;
                self.enter(what)?;
                let mut items = Vec::new();
                let mut count = 0;
                while self.has_next(&mut len, &mut count, what)? {
                    items.push(self.value(what)?);
                }
                self.leave();
                Ok(Value::Array(items))
            }
            Major::Map => {
                let mut entries = Vec::new();
                self.unique_map(
                    what,
                    |r| {
                        let k = r.value(Item::MapKey)?;
                        Ok((k.clone(), k))
                    },
                    |r, k, _, _| {
                        entries.push((k, r.value(what)?));
                        Ok(())
                    },
                )?;
                Ok(Value::Map(entries))
            }
            Major::Tag => {
                let t = self.tag(what)?;
                self.enter(what)?;
                let inner = self.value(what)?;
                self.leave();
                Ok(Value::Tag(t, Box::new(inner)))
            }
            Major::Simple => {
                let (_, ai, arg) = self.head(what)?;
                match (ai, arg) {
                    (20, _) => Ok(Value::Bool(false)),
                    (21, _) => Ok(Value::Bool(true)),
                    (22, _) => Ok(Value::Null),
                    (25, Some(b)) => Ok(Value::Float(Float::F16(
                        u16::try_from(b).unwrap_or_default(),
                    ))),
                    (26, Some(b)) => Ok(Value::Float(Float::F32(
                        u32::try_from(b).unwrap_or_default(),
                    ))),
                    (27, Some(b)) => Ok(Value::Float(Float::F64(b))),
                    _ => Err(Error::InvalidValue { what, at }),
                }
            }
        }
    }

    /// Reads a map whose keys must not repeat (RFC 8949 section 5.6), entering it (see
    /// [`Reader::enter`]). `key` reads each key and returns it with its [`Value`] for the
    /// duplicate check; `entry` then reads the value, given the key, the key's offset and the
    /// value's offset.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKey`] (named `what`, at the key), the container errors, or what `key`
    /// or `entry` returns.
    pub fn unique_map<K>(
        &mut self,
        what: Item,
        mut key: impl FnMut(&mut Self) -> Result<(K, Value), Error>,
        mut entry: impl FnMut(&mut Self, K, usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut len = self.map(what)?;
        self.enter(what)?;
        let mut keys = KeySet::new();
        let mut n = 0;
        while self.has_next(&mut len, &mut n, what)? {
            let kat = self.pos;
            let (k, v) = key(self)?;
            keys.insert(v, what, kat)?;
            let vat = self.pos;
            entry(self, k, kat, vat)?;
        }
        self.leave();
        Ok(())
    }

    /// [`Reader::unique_map`] with [`Label`] keys (read as [`Item::MapKey`]).
    ///
    /// # Errors
    ///
    /// As [`Reader::unique_map`].
    pub fn label_map(
        &mut self,
        what: Item,
        entry: impl FnMut(&mut Self, Label, usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.unique_map(
            what,
            |r| {
                let l = Label::decode(r, Item::MapKey)?;
                let v = l.to_value();
                Ok((l, v))
            },
            entry,
        )
    }

    /// [`Reader::unique_map`] with text keys (read as `what`).
    ///
    /// # Errors
    ///
    /// As [`Reader::unique_map`].
    pub fn text_map(
        &mut self,
        what: Item,
        entry: impl FnMut(&mut Self, String, usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.unique_map(
            what,
            |r| {
                let t = r.text(what)?.into_owned();
                Ok((t.clone(), Value::Text(t)))
            },
            entry,
        )
    }

    /// Skips one data item (with all the checks of [`Reader::value`]) and returns its bytes.
    ///
    /// # Errors
    ///
    /// As [`Reader::value`].
    pub fn skip(&mut self, what: Item) -> Result<&'a [u8], Error> {
        let start = self.pos;
        self.value(what)?;
        Ok(self.consumed_since(start))
    }
}

/// Decodes exactly one item from `buf` with `f`, rejecting oversized input and trailing bytes.
///
/// # Errors
///
/// [`Error::BadLength`] above [`MAX_INPUT_LEN`], [`Error::TrailingBytes`], or what `f` returns.
pub fn decode_all<'a, T>(
    buf: &'a [u8],
    profile: Profile,
    what: Item,
    f: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    if buf.len() > MAX_INPUT_LEN {
        return Err(Error::BadLength { what, at: 0 });
    }
    let mut r = Reader::new(buf, profile);
    let v = f(&mut r)?;
    r.finish(what)?;
    Ok(v)
}

/// Decodes one generic value from `buf`.
///
/// # Errors
///
/// As [`Reader::value`], plus [`Error::TrailingBytes`].
pub fn decode_value(buf: &[u8], profile: Profile) -> Result<Value, Error> {
    decode_all(buf, profile, Item::CborItem, |r| r.value(Item::CborItem))
}

/// Checks that `buf` is one item in RFC 8949 section 4.2.1 core deterministic encoding:
/// preferred heads, definite lengths and map keys sorted bytewise without duplicates, at every
/// level (not inside byte strings).
///
/// # Errors
///
/// The first violation found.
pub fn check_deterministic(buf: &[u8]) -> Result<(), Error> {
    fn walk(r: &mut Reader<'_>) -> Result<(), Error> {
        let what = Item::CborItem;
        match r.peek_major(what)? {
            Major::Array => {
                let mut len = r.array(what)?;
                r.enter(what)?;
                let mut c = 0;
                while r.has_next(&mut len, &mut c, what)? {
                    walk(r)?;
                }
                r.leave();
            }
            Major::Map => {
                let mut len = r.map(what)?;
                r.enter(what)?;
                let mut c = 0;
                let mut prev: Option<&[u8]> = None;
                while r.has_next(&mut len, &mut c, what)? {
                    let ks = r.position();
                    walk(r)?;
                    let key = r.consumed_since(ks);
                    if prev.is_some_and(|p| p >= key) {
                        return Err(Error::InvalidValue {
                            what: Item::MapKey,
                            at: ks,
                        });
                    }
                    prev = Some(key);
                    walk(r)?;
                }
                r.leave();
            }
            Major::Tag => {
                r.tag(what)?;
                r.enter(what)?;
                walk(r)?;
                r.leave();
            }
            _ => {
                r.value(what)?;
            }
        }
        Ok(())
    }
    decode_all(buf, Profile::STRICT, Item::CborItem, walk)
}
