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

/// The order of two text map keys by their deterministic encodings (RFC 8949 section 4.2.1):
/// the shorter first, then bytewise. Decoders that keep a map as a list sort it with this, so
/// that a decoded value equals the one decoded from its re-encoding.
pub fn cmp_text_encoded(a: &str, b: &str) -> core::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
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

    /// Compares two labels as their encodings compare bytewise (RFC 8949 section 4.2.1 map
    /// order), without encoding them: unsigned integers by value, then negative integers from
    /// -1 down, then text strings by length and then bytes (the shortest head of a length
    /// grows with it).
    pub fn cmp_encoded(&self, other: &Self) -> core::cmp::Ordering {
        // (major type, argument or length) orders the heads; text content breaks ties.
        fn rank(l: &Label) -> (u8, u64, &[u8]) {
            match l {
                Label::Int(i) if *i >= 0 => (0, i.unsigned_abs(), &[]),
                Label::Int(i) => (1, i.unsigned_abs() - 1, &[]),
                Label::Text(t) => (3, t.len() as u64, t.as_bytes()),
            }
        }
        rank(self).cmp(&rank(other))
    }

    /// Reads an `int / text` label.
    ///
    /// # Errors
    ///
    /// A type error for other items, [`Error::InvalidValue`] for integers outside `i64`.
    pub fn decode(r: &mut Reader<'_>, what: Item) -> Result<Self, Error> {
        Self::decode_key(r, what).map(|(l, _)| l)
    }

    /// Reads an `int / text` label and returns it with its [`Key`] for a duplicate check.
    pub(crate) fn decode_key<'a>(r: &mut Reader<'a>, what: Item) -> Result<(Self, Key<'a>), Error> {
        let at = r.position();
        match r.peek_major(what)? {
            Major::Uint | Major::Nint => r.int(what).map(|i| (Self::Int(i), Key::Int(i.into()))),
            Major::Text => {
                let t = r.text(what)?;
                Ok((Self::Text(t.as_ref().to_owned()), Key::Text(t)))
            }
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }
}

/// An infallible CBOR encoder over minicbor's [`Encoder`](minicbor::Encoder), which always
/// writes shortest heads (RFC 8949 section 4.2.1) and, as used here, definite lengths only.
#[derive(Clone, Debug)]
pub struct Writer {
    enc: minicbor::Encoder<Vec<u8>>,
    /// The `(entry start, key end)` offsets of the entries of every map being written
    /// ([`MapWriter`]), innermost last: one buffer for all the maps of one output.
    entries: Vec<(usize, usize)>,
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
        Self::with_capacity(0)
    }

    /// An empty writer whose buffer holds `capacity` bytes before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            enc: minicbor::Encoder::new(Vec::with_capacity(capacity)),
            entries: Vec::new(),
        }
    }

    /// The number of bytes written so far.
    pub fn len(&self) -> usize {
        self.enc.writer().len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.enc.writer().is_empty()
    }

    /// Writes a map whose entries `f` adds through a [`MapWriter`], in any order: they are
    /// written straight into this writer's buffer and put in core deterministic order (RFC 8949
    /// section 4.2.1, bytewise by encoded key) when `f` returns. Entries added in that order
    /// already are not moved; a later entry whose key repeats an earlier one is dropped, as a
    /// last defence, so that the output is always valid CBOR.
    pub fn map_with(&mut self, f: impl FnOnce(&mut MapWriter<'_>)) -> &mut Self {
        let mut m = MapWriter::begin(self);
        f(&mut m);
        m.finish();
        self
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

    /// Writes a map of generic entries, sorted by encoded key bytes (as [`Writer::value`]
    /// writes a [`Value::Map`]).
    pub fn value_map(&mut self, entries: &[(Value, Value)]) -> &mut Self {
        self.map_with(|m| {
            for (k, val) in entries {
                m.entry(|w| w.value(k), |w| w.value(val));
            }
        })
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
                self.value_map(entries);
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

/// The entries of one map being written by [`Writer::map_with`].
///
/// Each entry's key and value go straight into the writer's buffer, after one byte reserved
/// for the map head; the writer records where each entry and its key end. When the map is
/// finished, the entries are reordered only if their keys were not added in strictly
/// increasing bytewise order, and the head (one byte below 24 entries) is written in place.
#[derive(Debug)]
pub struct MapWriter<'w> {
    w: &'w mut Writer,
    /// Offset of the byte reserved for the map head.
    head_at: usize,
    /// Index in `w.entries` of this map's first entry.
    first: usize,
    /// Whether the keys so far are strictly increasing (no sorting needed).
    ordered: bool,
}

impl<'w> MapWriter<'w> {
    fn begin(w: &'w mut Writer) -> Self {
        let head_at = w.len();
        // Placeholder for the head, overwritten by `finish`.
        infallible(w.enc.map(0));
        let first = w.entries.len();
        Self {
            w,
            head_at,
            first,
            ordered: true,
        }
    }

    /// Adds an entry: `key` and then `value` each write exactly one data item.
    pub fn entry(
        &mut self,
        key: impl FnOnce(&mut Writer) -> &mut Writer,
        value: impl FnOnce(&mut Writer) -> &mut Writer,
    ) -> &mut Self {
        let start = self.w.len();
        key(self.w);
        let key_end = self.w.len();
        if self.ordered
            && let Some(&(ps, pe)) = self.w.entries.get(self.first..).and_then(<[_]>::last)
        {
            let buf = self.w.enc.writer();
            self.ordered = buf.get(ps..pe) < buf.get(start..key_end);
        }
        self.w.entries.push((start, key_end));
        value(self.w);
        self
    }

    /// Adds an entry with an integer key.
    pub fn int(&mut self, key: i64, value: impl FnOnce(&mut Writer) -> &mut Writer) -> &mut Self {
        self.entry(|w| w.int(key), value)
    }

    /// Adds an entry with a text key.
    pub fn text(&mut self, key: &str, value: impl FnOnce(&mut Writer) -> &mut Writer) -> &mut Self {
        self.entry(|w| w.text(key), value)
    }

    /// Adds an entry with an `int / text` label as key.
    pub fn label(
        &mut self,
        key: &Label,
        value: impl FnOnce(&mut Writer) -> &mut Writer,
    ) -> &mut Self {
        match key {
            Label::Int(i) => self.int(*i, value),
            Label::Text(t) => self.text(t, value),
        }
    }

    /// Puts the entries in order (when they were not added in order), drops repeated keys and
    /// writes the head.
    fn finish(self) {
        let Self {
            w,
            head_at,
            first,
            ordered,
        } = self;
        let body_at = head_at + 1;
        let end = w.len();
        let mut count = w.entries.len().saturating_sub(first);
        if !ordered {
            // (start, key end, end) of each entry, relative to the body.
            let offsets = w.entries.get(first..).unwrap_or_default();
            let mut spans: Vec<(usize, usize, usize)> = offsets
                .iter()
                .enumerate()
                .map(|(i, &(s, k))| {
                    let e = offsets.get(i + 1).map_or(end, |n| n.0);
                    (s - body_at, k - body_at, e - body_at)
                })
                .collect();
            let buf = w.enc.writer_mut();
            let body = buf.split_off(body_at);
            let key = |&(s, k, _): &(usize, usize, usize)| body.get(s..k);
            // Stable, so that of two equal keys the one added first is kept.
            spans.sort_by(|a, b| key(a).cmp(&key(b)));
            spans.dedup_by(|a, b| key(a) == key(b));
            for &(s, _, e) in &spans {
                buf.extend_from_slice(body.get(s..e).unwrap_or_default());
            }
            count = spans.len();
        }
        w.entries.truncate(first);
        // The head through minicbor, into the reserved byte (and after it, from 24 entries).
        let mut head = minicbor::Encoder::new(minicbor::encode::write::Cursor::new([0u8; 9]));
        // Nine bytes hold any head, so this cannot fail.
        let _ = head.map(count as u64);
        let cursor = head.into_writer();
        let bytes = cursor
            .get_ref()
            .get(..cursor.position())
            .unwrap_or_default();
        let buf = w.enc.writer_mut();
        if let (Some((&initial, rest)), Some(slot)) = (bytes.split_first(), buf.get_mut(head_at)) {
            *slot = initial;
            if !rest.is_empty() {
                buf.splice(body_at..body_at, rest.iter().copied());
            }
        }
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
    pub fn finish(self, w: &mut Writer) {
        w.map_with(|m| {
            for (k, v) in &self.entries {
                m.entry(|w| w.raw(k), |w| w.raw(v));
            }
        });
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

/// A map key as [`KeySet`] compares it: integers and text strings (the keys of every typed
/// map here) without building a [`Value`], text borrowed from the input where it can be.
#[derive(Clone, Debug)]
pub(crate) enum Key<'a> {
    /// Any CBOR integer (major type 0 or 1).
    Int(i128),
    /// A text string.
    Text(Cow<'a, str>),
    /// Any other data item.
    Other(Value),
}

impl Key<'_> {
    /// The key of a generic value.
    fn of(key: Value) -> Self {
        match key {
            Value::Uint(n) => Self::Int(i128::from(n)),
            Value::Nint(n) => Self::Int(-1 - i128::from(n)),
            Value::Text(t) => Self::Text(Cow::Owned(t)),
            other => Self::Other(other),
        }
    }
}

/// Tracks the keys of one map to reject duplicates (RFC 8949 section 5.6).
///
/// Integer and text keys are kept apart from other items and compared as numbers and strings,
/// without allocating a [`Value`] per key; every other key is compared as a canonicalized
/// [`Value`]. An integer or a text string never equals an item of another kind, so the split
/// loses nothing.
#[derive(Clone, Debug, Default)]
pub struct KeySet<'a> {
    /// The first [`KeySet::INLINE`] integer keys, held without allocating (`inline_len` of
    /// them): typed maps have a handful.
    inline: [i128; KeySet::INLINE],
    inline_len: usize,
    /// The integer keys after those.
    ints: Vec<i128>,
    texts: Vec<Cow<'a, str>>,
    others: Vec<Value>,
}

impl<'a> KeySet<'a> {
    /// How many integer keys are held without allocating.
    const INLINE: usize = 8;

    /// An empty set.
    pub const fn new() -> Self {
        Self {
            inline: [0; Self::INLINE],
            inline_len: 0,
            ints: Vec::new(),
            texts: Vec::new(),
            others: Vec::new(),
        }
    }

    /// Records `key`. Keys are compared as data items (RFC 8949 section 5.6), not as the order
    /// their maps happened to list members in: a map key is canonicalized first, so
    /// `{0: 0, h'': 13}` and `{h'': 13, 0: 0}` are the same key.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateKey`] when it was already present.
    pub fn insert(&mut self, key: Value, what: Item, at: usize) -> Result<(), Error> {
        self.insert_key(Key::of(key), what, at)
    }

    /// Records `key`, as [`KeySet::insert`].
    pub(crate) fn insert_key(&mut self, key: Key<'a>, what: Item, at: usize) -> Result<(), Error> {
        let seen = match key {
            Key::Int(i) => {
                let held = self.inline.get(..self.inline_len).unwrap_or_default();
                let seen = held.contains(&i) || self.ints.contains(&i);
                if let Some(slot) = self.inline.get_mut(self.inline_len) {
                    *slot = i;
                    self.inline_len += 1;
                } else {
                    self.ints.push(i);
                }
                seen
            }
            Key::Text(t) => {
                let seen = self.texts.contains(&t);
                self.texts.push(t);
                seen
            }
            Key::Other(mut v) => {
                v.canonicalize();
                let seen = self.others.contains(&v);
                self.others.push(v);
                seen
            }
        };
        if seen {
            return Err(Error::DuplicateKey { what, at });
        }
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
    /// How many bytes the head takes (initial byte and argument).
    len: usize,
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
    #[inline]
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
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.dec.input().get(self.position()).copied()
    }

    /// Consumes one byte already seen with [`Reader::peek`].
    #[inline]
    fn step(&mut self) {
        self.dec.set_position(self.position() + 1);
    }

    /// The major type of the next item, without consuming it.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEnd`] at the end of input.
    #[inline]
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
    #[inline]
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
    #[inline]
    pub const fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The strict layer: checks the head of the next item without consuming it.
    #[inline]
    fn head(&self, what: Item) -> Result<Head, Error> {
        let at = self.position();
        let ib = self.peek().ok_or(Error::UnexpectedEnd { what, at })?;
        let ai = ib & 0x1f;
        // The argument in the initial byte: always preferred, never indefinite.
        if ai < 24 {
            return Ok(Head {
                major: Major::from_initial(ib),
                ai,
                arg: Some(u64::from(ai)),
                len: 1,
            });
        }
        self.long_head(ib, what, at)
    }

    /// [`Reader::head`] for an argument that follows the initial byte, or none.
    fn long_head(&self, ib: u8, what: Item, at: usize) -> Result<Head, Error> {
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
        let len = match ai {
            24..=27 => 1 + (1usize << (ai - 24)),
            _ => 1,
        };
        Ok(Head {
            major,
            ai,
            arg,
            len,
        })
    }

    /// Consumes a head that [`Reader::head`] accepted and returns its argument: for integers,
    /// tags and container counts the checked head is the whole item, so minicbor need not
    /// read it a second time.
    #[inline]
    fn take_head(&mut self, head: Head) -> Option<u64> {
        self.dec.set_position(self.position() + head.len);
        head.arg
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

    /// Reads a definite head of major type `want` (checked by [`Reader::head`]) and returns
    /// its argument.
    fn expect_definite(&mut self, want: Major, what: Item) -> Result<u64, Error> {
        let at = self.position();
        let head = self.head(what)?;
        if head.major != want {
            return Err(Error::UnexpectedType { what, at });
        }
        self.take_head(head).ok_or(Error::Indefinite { what, at })
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
        let head = self.head(what)?;
        let major = head.major;
        // Integers never have an indefinite head (`Reader::head` refuses it).
        let arg = match major {
            Major::Uint | Major::Nint => self.take_head(head),
            _ => None,
        }
        .ok_or(Error::UnexpectedType { what, at })?;
        Ok(if major == Major::Uint {
            i128::from(arg)
        } else {
            -1 - i128::from(arg)
        })
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
            Some(b @ (0xf4 | 0xf5)) => {
                self.step();
                Ok(b == 0xf5)
            }
            Some(_) => Err(Error::UnexpectedType { what, at }),
            None => Err(Error::UnexpectedEnd { what, at }),
        }
    }

    /// Consumes a `null` if one is next.
    pub fn null(&mut self) -> bool {
        let null = self.peek() == Some(0xf6);
        if null {
            self.step();
        }
        null
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
        match self.take_head(head) {
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
    #[inline]
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
            // Integers never have an indefinite head (`Reader::head` refuses it).
            Major::Uint => self
                .take_head(head)
                .map(Value::Uint)
                .ok_or(Error::Malformed { what, at }),
            Major::Nint => self
                .take_head(head)
                .map(Value::Nint)
                .ok_or(Error::Malformed { what, at }),
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
                        let what = Item::MapKey;
                        if r.peek_major(what)? == Major::Text {
                            let t = r.text(what)?;
                            return Ok((Value::Text(t.as_ref().to_owned()), Key::Text(t)));
                        }
                        let k = r.value(what)?;
                        let key = match k {
                            Value::Uint(n) => Key::Int(i128::from(n)),
                            Value::Nint(n) => Key::Int(-1 - i128::from(n)),
                            _ => Key::Other(k.clone()),
                        };
                        Ok((k, key))
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
        mut key: impl FnMut(&mut Self) -> Result<(K, Key<'a>), Error>,
        mut entry: impl FnMut(&mut Self, K, usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut len = self.map(what)?;
        self.enter(what)?;
        let mut keys = KeySet::new();
        let mut n = 0;
        while self.has_next(&mut len, &mut n, what)? {
            let kat = self.position();
            let (k, v) = key(self)?;
            keys.insert_key(v, what, kat)?;
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
        self.unique_map(what, |r| Label::decode_key(r, Item::MapKey), entry)
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
                let t = r.text(what)?;
                Ok((t.as_ref().to_owned(), Key::Text(t)))
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
    fn label_order_is_encoded_order() {
        let labels: Vec<Label> = [
            0,
            1,
            23,
            24,
            255,
            256,
            65_535,
            65_536,
            i64::MAX,
            -1,
            -24,
            -25,
            -256,
            -257,
            i64::MIN,
        ]
        .into_iter()
        .map(Label::Int)
        .chain(
            [
                "",
                "a",
                "b",
                "aa",
                "__cmwc_t",
                &"x".repeat(23),
                &"x".repeat(24),
                &"y".repeat(300),
            ]
            .into_iter()
            .map(|t| Label::Text(t.to_owned())),
        )
        .collect();
        for a in &labels {
            for b in &labels {
                let (ea, eb) = (a.to_value().to_vec(), b.to_value().to_vec());
                assert_eq!(a.cmp_encoded(b), ea.cmp(&eb), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn map_writer_sorts_and_drops_repeats_only_when_needed() {
        // Keys added out of order, with a repeat (the first one added wins): RFC 8949
        // section 4.2.1 order is 01, 18 18, 20, 61 61.
        let mut w = Writer::new();
        w.map_with(|m| {
            m.text("a", |w| w.uint(1));
            m.int(24, |w| w.uint(2));
            m.int(-1, |w| w.uint(3));
            m.int(1, |w| w.uint(4));
            m.int(24, |w| w.uint(5));
        });
        assert_eq!(w.into_vec(), hx("a401041818022003616101"));
        // 24 entries need a two-byte head; nested maps keep their own entries.
        let mut w = Writer::new();
        w.uint(7).map_with(|m| {
            for k in (0..24).rev() {
                m.int(k, |w| {
                    w.map_with(|n| {
                        n.int(1, |w| w.uint(1));
                        n.int(0, |w| w.uint(0));
                    })
                });
            }
        });
        let mut want = hx("07b818");
        for k in 0..24u8 {
            want.push(k);
            want.extend(hx("a200000101"));
        }
        assert_eq!(w.into_vec(), want);
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
