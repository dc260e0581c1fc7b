//! CBOR (RFC 8949) for every format of this crate: minicbor underneath, with a thin strict
//! layer on top.
//!
//! minicbor's `Decoder` accepts non-preferred heads, duplicate map keys and unbounded nesting,
//! and its errors carry neither a `Copy` kind nor what was being read, so:
//!
//! - [`Writer`] wraps minicbor's `Encoder`, which always writes shortest heads; with definite
//!   lengths and (through [`Writer::value`] and [`MapBuilder`]) map entries sorted by their
//!   encoded key bytes, the output is RFC 8949 section 4.2.1 core deterministic encoding.
//! - [`Reader`] wraps minicbor's `Decoder`. Before minicbor decodes an item, the layer checks
//!   the item's head and rejects reserved initial bytes and, under [`Profile::STRICT`],
//!   indefinite lengths and non-preferred heads; it also rejects trailing bytes, nesting
//!   deeper than [`MAX_DEPTH`] and counts above [`MAX_ITEMS`] or above the bytes left.
//!   Duplicate keys are caught by [`KeySet`] in typed decoders and always in
//!   [`Reader::value`]. Map order is never required on input (rats-formats.md section 9.1
//!   item 1: the specification examples are not sorted). Errors name the item being read and
//!   the offset where it starts.

use std::borrow::Cow;

use crate::error::{Error, Item};

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
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
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

/// An infallible CBOR encoder over minicbor's [`Encoder`](minicbor::Encoder), which always
/// writes shortest heads (RFC 8949 section 4.2.1) and, as used here, definite lengths only.
#[derive(Clone, Debug)]
pub struct Writer {
    enc: minicbor::Encoder<Vec<u8>>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

/// Writing into a `Vec<u8>` cannot fail (its sink error is `Infallible`), so the results of
/// minicbor's encoder are dropped here, in one place.
fn infallible<T>(r: Result<T, minicbor::encode::Error<core::convert::Infallible>>) {
    let _ = r.ok();
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self {
            enc: minicbor::Encoder::new(Vec::new()),
        }
    }

    /// The bytes written so far.
    pub fn into_vec(self) -> Vec<u8> {
        self.enc.into_writer()
    }

    /// Writes an unsigned integer.
    pub fn uint(&mut self, v: u64) -> &mut Self {
        infallible(self.enc.u64(v));
        self
    }

    /// Writes a signed integer.
    pub fn int(&mut self, v: i64) -> &mut Self {
        infallible(self.enc.i64(v));
        self
    }

    /// Writes a negative integer `-1 - n` over the whole range of major type 1.
    fn nint(&mut self, n: u64) {
        // -1 - n for a u64 n is always in CBOR's integer range, so the conversion succeeds.
        if let Ok(i) = minicbor::data::Int::try_from(-1 - i128::from(n)) {
            infallible(self.enc.int(i));
        }
    }

    /// Writes a byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        infallible(self.enc.bytes(v));
        self
    }

    /// Writes a text string.
    pub fn text(&mut self, v: &str) -> &mut Self {
        infallible(self.enc.str(v));
        self
    }

    /// Writes an array head for `len` items.
    pub fn array(&mut self, len: usize) -> &mut Self {
        infallible(self.enc.array(len as u64));
        self
    }

    /// Writes a map head for `len` entries; the caller writes them in deterministic order
    /// (use [`MapBuilder`]).
    pub fn map(&mut self, len: usize) -> &mut Self {
        infallible(self.enc.map(len as u64));
        self
    }

    /// Writes a tag head.
    pub fn tag(&mut self, tag: u64) -> &mut Self {
        infallible(self.enc.tag(minicbor::data::Tag::new(tag)));
        self
    }

    /// Writes `false` or `true`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        infallible(self.enc.bool(v));
        self
    }

    /// Writes `null`.
    pub fn null(&mut self) -> &mut Self {
        infallible(self.enc.null());
        self
    }

    /// Appends bytes that already hold one encoded CBOR item.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.enc.writer_mut().extend_from_slice(encoded);
        self
    }

    /// Writes a generic value, sorting every map by encoded key bytes.
    pub fn value(&mut self, v: &Value) -> &mut Self {
        match v {
            Value::Uint(n) => {
                self.uint(*n);
            }
            Value::Nint(n) => self.nint(*n),
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
                self.tag(*t);
                self.value(inner);
            }
            Value::Bool(b) => {
                self.bool(*b);
            }
            Value::Null => {
                self.null();
            }
            // Floats keep the bits and width they were received with: minicbor's f32/f64
            // writers are bit-exact, and binary16 (which minicbor only writes from an f32) is
            // appended as its three bytes.
            Value::Float(Float::F16(b)) => {
                let [hi, lo] = b.to_be_bytes();
                self.raw(&[0xf9, hi, lo]);
            }
            Value::Float(Float::F32(b)) => infallible(self.enc.f32(f32::from_bits(*b))),
            Value::Float(Float::F64(b)) => infallible(self.enc.f64(f64::from_bits(*b))),
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

    /// Records `key`. Keys are compared as data items (RFC 8949 section 5.6), not as the order
    /// their maps happened to list members in: a map key is canonicalized first, so
    /// `{0: 0, h'': 13}` and `{h'': 13, 0: 0}` are the same key.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKey`] when it was already present.
    pub fn insert(&mut self, mut key: Value, what: Item, at: usize) -> Result<(), Error> {
        key.canonicalize();
        if self.keys.contains(&key) {
            return Err(Error::DuplicateKey { what, at });
        }
        self.keys.push(key);
        Ok(())
    }
}

/// What the strict layer learnt from an item's head before minicbor decodes the item.
#[derive(Clone, Copy, Debug)]
struct Head {
    major: Major,
    /// The additional information (low five bits of the initial byte).
    ai: u8,
    /// The argument, `None` for an indefinite length.
    arg: Option<u64>,
}

/// A strict, zero-copy CBOR reader over untrusted bytes: minicbor's [`Decoder`] with the
/// strictness rules of this crate on top.
///
/// Before minicbor decodes an item, `Reader::head` inspects the item's head and rejects
/// reserved additional information, a break out of place, indefinite lengths (unless the
/// profile allows them) and heads longer than the shortest form of their argument (unless the
/// profile allows them; never for simple values). The layer also bounds nesting
/// ([`MAX_DEPTH`]) and counts ([`MAX_ITEMS`], and no count larger than the bytes left), and
/// `Reader::unique_map` rejects duplicate keys. minicbor decodes the arguments, the strings,
/// the UTF-8 and the floats; its errors become this crate's [`Error`] naming the item and the
/// offset at which it starts.
///
/// [`Decoder`]: minicbor::Decoder
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    dec: minicbor::Decoder<'a>,
    depth: usize,
    profile: Profile,
}

/// The smallest argument that needs the additional information `ai` (24 to 27).
const fn min_argument(ai: u8) -> u64 {
    match ai {
        24 => 24,
        25 => 0x100,
        26 => 0x1_0000,
        _ => 0x1_0000_0000,
    }
}

impl<'a> Reader<'a> {
    /// A reader over `buf` with the given profile.
    pub fn new(buf: &'a [u8], profile: Profile) -> Self {
        Self {
            dec: minicbor::Decoder::new(buf),
            depth: 0,
            profile,
        }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.dec.position()
    }

    /// The profile in force.
    pub const fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether every byte was consumed.
    pub fn is_empty(&self) -> bool {
        self.position() >= self.dec.input().len()
    }

    /// The bytes between `start` and the current position.
    pub fn consumed_since(&self, start: usize) -> &'a [u8] {
        self.dec
            .input()
            .get(start..self.position())
            .unwrap_or_default()
    }

    /// Checks that nothing follows the item just read.
    ///
    /// # Errors
    ///
    /// [`Error::TrailingBytes`] when bytes remain.
    pub fn finish(&self, what: Item) -> Result<(), Error> {
        if !self.is_empty() {
            return Err(Error::TrailingBytes {
                what,
                at: self.position(),
            });
        }
        Ok(())
    }

    /// The next initial byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.dec.input().get(self.position()).copied()
    }

    /// Consumes one byte already seen with [`Reader::peek`].
    fn step(&mut self) {
        self.dec.set_position(self.position() + 1);
    }

    /// The major type of the next item, without consuming it.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEnd`] at the end of input.
    pub fn peek_major(&self, what: Item) -> Result<Major, Error> {
        self.peek()
            .map(Major::from_initial)
            .ok_or(Error::UnexpectedEnd {
                what,
                at: self.position(),
            })
    }

    /// Enters a container, enforcing [`MAX_DEPTH`].
    ///
    /// # Errors
    ///
    /// [`Error::TooDeep`] when the limit is reached.
    pub fn enter(&mut self, what: Item) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::TooDeep {
                what,
                at: self.position(),
            });
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a container entered with [`Reader::enter`].
    pub const fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The strict layer: checks the head of the next item without consuming it.
    fn head(&self, what: Item) -> Result<Head, Error> {
        let at = self.position();
        let ib = self.peek().ok_or(Error::UnexpectedEnd { what, at })?;
        let major = Major::from_initial(ib);
        let ai = ib & 0x1f;
        let arg = match ai {
            0..=23 => Some(u64::from(ai)),
            24..=27 => {
                let width = 1usize << (ai - 24);
                let bytes = self
                    .dec
                    .input()
                    .get(at + 1..at + 1 + width)
                    .ok_or(Error::UnexpectedEnd { what, at })?;
                let v = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                // Floats (major 7, ai 25 to 27) have fixed widths; a simple value in the
                // one-byte extension must be 32 or more (RFC 8949 section 3.3).
                let preferred = if major == Major::Simple {
                    ai != 24 || v >= 32
                } else {
                    v >= min_argument(ai)
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
        Ok(Head { major, ai, arg })
    }

    /// Maps a minicbor error for the item at `at`. Once [`Reader::head`] has accepted a head
    /// and its type, the only failures left to minicbor are input that ends too early and
    /// invalid UTF-8.
    fn mc_err(e: &minicbor::decode::Error, what: Item, at: usize) -> Error {
        if e.is_end_of_input() {
            Error::UnexpectedEnd { what, at }
        } else if e.is_type_mismatch() {
            Error::UnexpectedType { what, at }
        } else {
            // minicbor reports invalid UTF-8 (and only that, here) as a plain decode error.
            Error::InvalidUtf8 { what, at }
        }
    }

    /// Reads a definite head of major type `want` (checked by [`Reader::head`]) through
    /// minicbor and returns its argument.
    fn expect_definite(&mut self, want: Major, what: Item) -> Result<u64, Error> {
        let at = self.position();
        match self.head(what)? {
            Head {
                major,
                arg: Some(_),
                ..
            } if major == want => {
                let r = match want {
                    Major::Tag => self.dec.tag().map(u64::from),
                    _ => self.dec.u64(),
                };
                r.map_err(|e| Self::mc_err(&e, what, at))
            }
            Head {
                major, arg: None, ..
            } if major == want => Err(Error::Indefinite { what, at }),
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

    /// Reads any CBOR integer (major type 0 or 1) as an `i128`.
    fn any_int(&mut self, what: Item) -> Result<i128, Error> {
        let at = self.position();
        match self.head(what)?.major {
            Major::Uint | Major::Nint => self
                .dec
                .int()
                .map(i128::from)
                .map_err(|e| Self::mc_err(&e, what, at)),
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }

    /// Reads an integer that fits an `i64`.
    ///
    /// # Errors
    ///
    /// A type error for a non-integer, [`Error::InvalidValue`] when out of range.
    pub fn int(&mut self, what: Item) -> Result<i64, Error> {
        let at = self.position();
        let v = self.any_int(what)?;
        i64::try_from(v).map_err(|_| Error::InvalidValue { what, at })
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
        let at = self.position();
        match self.peek() {
            Some(0xf4 | 0xf5) => self.dec.bool().map_err(|e| Self::mc_err(&e, what, at)),
            Some(_) => Err(Error::UnexpectedType { what, at }),
            None => Err(Error::UnexpectedEnd { what, at }),
        }
    }

    /// Consumes a `null` if one is next.
    pub fn null(&mut self) -> bool {
        self.peek() == Some(0xf6) && self.dec.null().is_ok()
    }

    /// Reads one definite string chunk (or a whole definite string) of major type `want`,
    /// whose head was checked, through minicbor.
    /// A truncated chunk is reported at the chunk (`chunk_at`), invalid UTF-8 at the string
    /// (`at`).
    fn definite_string(
        &mut self,
        want: Major,
        what: Item,
        at: usize,
        chunk_at: usize,
    ) -> Result<&'a [u8], Error> {
        let r = if want == Major::Text {
            self.dec.str().map(str::as_bytes)
        } else {
            self.dec.bytes()
        };
        r.map_err(|e| Self::mc_err(&e, what, if e.is_end_of_input() { chunk_at } else { at }))
    }

    fn string(&mut self, want: Major, what: Item) -> Result<Cow<'a, [u8]>, Error> {
        let at = self.position();
        match self.head(what)? {
            Head {
                major,
                arg: Some(_),
                ..
            } if major == want => Ok(Cow::Borrowed(self.definite_string(want, what, at, at)?)),
            Head {
                major, arg: None, ..
            } if major == want => {
                self.step();
                // Chunks must be definite strings of the same major type, and each chunk of
                // a text string valid UTF-8 on its own (RFC 8949 section 3.2.3).
                let mut out = Vec::new();
                loop {
                    if self.peek() == Some(0xff) {
                        self.step();
                        return Ok(Cow::Owned(out));
                    }
                    let cat = self.position();
                    match self.head(what)? {
                        Head {
                            major,
                            arg: Some(_),
                            ..
                        } if major == want => {
                            out.extend_from_slice(self.definite_string(want, what, at, cat)?);
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
        let at = self.position();
        if let Head {
            major: Major::Text,
            arg: Some(_),
            ..
        } = self.head(what)?
        {
            return self
                .dec
                .str()
                .map(Cow::Borrowed)
                .map_err(|e| Self::mc_err(&e, what, at));
        }
        // minicbor has checked each chunk, and valid chunks concatenate to valid UTF-8.
        match self.string(Major::Text, what)? {
            Cow::Borrowed(b) => core::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v)
                .map(Cow::Owned)
                .map_err(|e| e.utf8_error()),
        }
        .map_err(|_| Error::InvalidUtf8 { what, at })
    }

    fn container(&mut self, want: Major, what: Item) -> Result<Len, Error> {
        let at = self.position();
        let head = self.head(what)?;
        if head.major != want {
            return Err(Error::UnexpectedType { what, at });
        }
        let len = if want == Major::Map {
            self.dec.map()
        } else {
            self.dec.array()
        }
        .map_err(|e| Self::mc_err(&e, what, at))?;
        match len {
            Some(n) => {
                // Every item takes at least one byte (two for a map entry), so a count larger
                // than what remains is a lie; MAX_ITEMS bounds honest-but-huge inputs.
                let remaining = self.dec.input().len().saturating_sub(self.position()) as u64;
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
            None => Ok(Len::Indefinite),
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
                    self.step();
                    // The container is finished: later calls must not look for a second break.
                    *len = Len::Definite(0);
                    Ok(false)
                }
                Some(_) => {
                    *count += 1;
                    if *count > MAX_ITEMS {
                        return Err(Error::BadLength {
                            what,
                            at: self.position(),
                        });
                    }
                    Ok(true)
                }
                None => Err(Error::UnexpectedEnd {
                    what,
                    at: self.position(),
                }),
            },
        }
    }

    /// Reads a simple value or float whose head was checked.
    fn simple(&mut self, head: Head, what: Item, at: usize) -> Result<Value, Error> {
        let mc = |e: minicbor::decode::Error| Self::mc_err(&e, what, at);
        match (head.ai, head.arg) {
            (20 | 21, _) => self.dec.bool().map(Value::Bool).map_err(mc),
            (22, _) => self.dec.null().map(|()| Value::Null).map_err(mc),
            // minicbor decodes binary16 only into an f32 (with its `half` feature); the bits
            // are kept as received instead, from the argument the head check read.
            (25, Some(bits)) => {
                let bits = u16::try_from(bits).map_err(|_| Error::Malformed { what, at })?;
                self.dec.set_position(at + 3);
                Ok(Value::Float(Float::F16(bits)))
            }
            (26, Some(_)) => self
                .dec
                .f32()
                .map(|f| Value::Float(Float::F32(f.to_bits())))
                .map_err(mc),
            (27, Some(_)) => self
                .dec
                .f64()
                .map(|f| Value::Float(Float::F64(f.to_bits())))
                .map_err(mc),
            _ => Err(Error::InvalidValue { what, at }),
        }
    }

    /// Reads any data item as a [`Value`], rejecting duplicate map keys at every level.
    ///
    /// # Errors
    ///
    /// Any well-formedness, profile, depth or duplicate-key error.
    pub fn value(&mut self, what: Item) -> Result<Value, Error> {
        let at = self.position();
        let head = self.head(what)?;
        match head.major {
            Major::Uint => self.uint(what).map(Value::Uint),
            Major::Nint => {
                let v = self.any_int(what)?;
                u64::try_from(-1 - v)
                    .map(Value::Nint)
                    .map_err(|_| Error::Malformed { what, at })
            }
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
            Major::Simple => self.simple(head, what, at),
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
    pub(crate) fn unique_map<K>(
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
            let kat = self.position();
            let (k, v) = key(self)?;
            keys.insert(v, what, kat)?;
            let vat = self.position();
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
    pub(crate) fn label_map(
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
    pub(crate) fn text_map(
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
        let start = self.position();
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

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Value {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        arbitrary_value(u, 0)
    }
}

/// A random value with canonical maps (sorted, no duplicate keys), so that
/// decode(encode(v)) == v.
#[cfg(feature = "arbitrary")]
pub(crate) fn arbitrary_value(
    u: &mut arbitrary::Unstructured<'_>,
    depth: usize,
) -> arbitrary::Result<Value> {
    let leaf = depth >= 3;
    let choice = if leaf {
        u.int_in_range(0..=6)?
    } else {
        u.int_in_range(0..=9)?
    };
    Ok(match choice {
        0 => Value::Uint(u.arbitrary()?),
        1 => Value::Nint(u.arbitrary()?),
        2 => Value::Bytes(u.arbitrary()?),
        3 => Value::Text(u.arbitrary()?),
        4 => Value::Bool(u.arbitrary()?),
        5 => Value::Null,
        6 => Value::Float(u.arbitrary()?),
        7 => {
            let n = u.int_in_range(0..=4)?;
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(arbitrary_value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        8 => {
            let n = u.int_in_range(0..=4)?;
            let mut entries: Vec<(Value, Value)> = Vec::new();
            for _ in 0..n {
                let k = arbitrary_value(u, depth + 1)?;
                let v = arbitrary_value(u, depth + 1)?;
                if !entries.iter().any(|(e, _)| *e == k) {
                    entries.push((k, v));
                }
            }
            let mut m = Value::Map(entries);
            m.canonicalize();
            m
        }
        _ => Value::Tag(u.arbitrary()?, Box::new(arbitrary_value(u, depth + 1)?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn shortest_heads() {
        // RFC 8949 Appendix A.
        for (v, h) in [
            (0u64, "00"),
            (23, "17"),
            (24, "1818"),
            (255, "18ff"),
            (256, "190100"),
        ] {
            let mut w = Writer::new();
            w.uint(v);
            assert_eq!(w.into_vec(), hx(h));
        }
        let mut w = Writer::new();
        w.int(-1).int(-500).uint(1_000_000).uint(1_000_000_000_000);
        assert_eq!(w.into_vec(), hx("203901f31a000f42401b000000e8d4a51000"));
    }

    #[test]
    fn non_preferred_rejected_under_strict() {
        let e = decode_value(&hx("19000a"), Profile::STRICT).unwrap_err();
        assert_eq!(
            e,
            Error::NonPreferred {
                what: Item::CborItem,
                at: 0
            }
        );
        assert_eq!(
            decode_value(&hx("19000a"), Profile::LENIENT).unwrap(),
            Value::Uint(10)
        );
    }

    #[test]
    fn indefinite_rejected_under_strict() {
        let e = decode_value(&hx("bf0102ff"), Profile::STRICT).unwrap_err();
        assert_eq!(
            e,
            Error::Indefinite {
                what: Item::CborItem,
                at: 0
            }
        );
        let v = decode_value(&hx("bf0102ff"), Profile::LENIENT).unwrap();
        assert_eq!(v, Value::Map(vec![(Value::Uint(1), Value::Uint(2))]));
        let v = decode_value(&hx("5f42010241ffff"), Profile::LENIENT).unwrap();
        assert_eq!(v, Value::Bytes(vec![1, 2, 0xff]));
    }

    #[test]
    fn map_keys_equal_up_to_member_order_are_duplicates() {
        // {{0: 0, h'': 13}: 1, {h'': 13, 0: 0}: 2}: the two keys are one data item (RFC 8949
        // section 5.6 compares data items, and map members are unordered), so the second key,
        // at offset 1 + 5 + 1, repeats the first.
        assert_eq!(
            decode_value(&hx("a2a20000400d01a2400d000002"), Profile::STRICT).unwrap_err(),
            Error::DuplicateKey {
                what: Item::CborItem,
                at: 7
            }
        );
        // The cbor fuzz target's finding: such a map decoded, and its deterministic re-encoding
        // then held a duplicate key and no longer decoded.
        let found = hx(concat!(
            "a12f83ca81a2a5400da240410000400fa2400d00001ad9d9d9d9d9d9d9d9d9d9d9d9d9d9d91b1b1b",
            "1b1b1b1b1b1b1b1b1b1b1b1b1b1ba511a20000400dc22d8185cc80a18081c22d27003a60a1a51160",
            "85a1a0a0a0a1a0a06085a1000200004101010460",
        ));
        if let Ok(v) = decode_value(&found, Profile::LENIENT) {
            assert_eq!(decode_value(&v.to_vec(), Profile::LENIENT).ok(), Some(v));
        }
    }

    #[test]
    fn duplicates_trailing_depth() {
        assert_eq!(
            decode_value(&hx("a201020103"), Profile::STRICT).unwrap_err(),
            Error::DuplicateKey {
                what: Item::CborItem,
                at: 3
            }
        );
        assert_eq!(
            decode_value(&hx("0000"), Profile::STRICT).unwrap_err(),
            Error::TrailingBytes {
                what: Item::CborItem,
                at: 1
            }
        );
        let deep = vec![0x81u8; MAX_DEPTH + 1]
            .into_iter()
            .chain([0])
            .collect::<Vec<_>>();
        assert!(matches!(
            decode_value(&deep, Profile::STRICT).unwrap_err(),
            Error::TooDeep { .. }
        ));
        // A lying count.
        assert!(matches!(
            decode_value(&hx("9affffffff"), Profile::STRICT).unwrap_err(),
            Error::BadLength { .. }
        ));
        // Reserved additional information and a lone break.
        assert!(matches!(
            decode_value(&hx("1c"), Profile::STRICT),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            decode_value(&hx("ff"), Profile::STRICT),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn deterministic_order_is_bytewise() {
        // rats-formats.md 9.1 item 2: {24: 1, -1: 2} is a2 1818 01 20 02 bytewise.
        let v = Value::Map(vec![
            (Value::int(-1), Value::Uint(2)),
            (Value::Uint(24), Value::Uint(1)),
        ]);
        assert_eq!(v.to_vec(), hx("a21818012002"));
        check_deterministic(&hx("a21818012002")).unwrap();
        assert!(check_deterministic(&hx("a22002181801")).is_err());
    }
}
