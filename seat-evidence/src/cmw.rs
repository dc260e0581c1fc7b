//! Conceptual Message Wrappers (RFC 9999; draft-ietf-rats-msg-wrap-23 as digested in
//! rats-formats.md section 2).
//!
//! A CMW is a record (`[type, value, ? ind]`), in CBOR also a tag (`#6.TN(cf)(bstr)`), or a
//! collection (a map from labels to CMWs, optionally typed by `"__cmwc_t"`). CBOR forms are
//! [`Cmw`]; JSON forms are [`JsonCmw`]. [`Form::sniff`] is the one-byte demultiplexer of
//! RFC 9999 section 4 (informative there: JSON with leading whitespace defeats it).
//!
//! Encoding is deterministic (RFC 8949 section 4.2.1 for CBOR; object members sorted by their
//! UTF-8 bytes and no whitespace for JSON). Decoding is strict: exact arity, non-zero `ind`,
//! unpadded base64url, no duplicate labels, at least one entry per collection, bounded depth.

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

pub use crate::cbor::Label;
use crate::cbor::{self, Len, Major, Profile, Reader, Writer};
use crate::cose::{ContentType, CoseSign1, CoseSigner, CoseVerifier, HeaderMap};
use crate::error::{Error, Item};
use crate::json::{self, Json};

/// Lowest RFC 9277 content-format tag number, `TN(0)` = 0x63740101.
pub const TN_MIN: u64 = 0x6374_0101;
/// Highest RFC 9277 content-format tag number, `TN(65024)` = 0x6374ffff.
pub const TN_MAX: u64 = 0x6374_ffff;
/// Highest CoAP Content-Format that has an RFC 9277 tag (RFC 9277 section 4).
pub const MAX_TAGGABLE_CF: u16 = 65024;
/// Longest media type accepted in a record: the RFC 9193 grammar has no limit, but real types
/// with an `eat_profile` parameter stay far below this.
pub const MAX_MEDIA_TYPE_LEN: usize = 512;
/// Longest `"__cmwc_t"` value accepted (a URI or dotted OID).
pub const MAX_COLLECTION_TYPE_LEN: usize = 512;
/// The reserved collection-type label (RFC 9999 section 3.3).
pub const COLLECTION_TYPE_LABEL: &str = "__cmwc_t";

/// The RFC 9277 tag number for a CoAP Content-Format:
/// `TN(cf) = 0x63740101 + (cf div 255) * 256 + (cf mod 255)` (rats-formats.md section 2.4).
///
/// `None` for `cf` above [`MAX_TAGGABLE_CF`].
pub const fn tn(cf: u16) -> Option<u64> {
    if cf > MAX_TAGGABLE_CF {
        return None;
    }
    let cf = cf as u64;
    Some(TN_MIN + (cf / 255) * 256 + cf % 255)
}

/// The inverse of [`tn`]: the Content-Format of an RFC 9277 tag number.
///
/// `None` outside `TN_MIN..=TN_MAX` or when the low byte of `tn - TN_MIN` is 255 (no
/// Content-Format maps there).
pub fn cf(tn: u64) -> Option<u16> {
    if !(TN_MIN..=TN_MAX).contains(&tn) {
        return None;
    }
    let d = tn - TN_MIN;
    if d % 256 == 255 {
        return None;
    }
    let v = (d / 256) * 255 + d % 256;
    // `v` is at most 65279 here; anything above 65024 has no Content-Format tag.
    match u16::try_from(v) {
        Ok(c) if c <= MAX_TAGGABLE_CF => Some(c),
        _ => None,
    }
}

/// The CMW indicator bitmap `ind` (RFC 9999 section 3.1; rats-formats.md section 2.6).
///
/// Always non-zero: an absent `ind` is `None`, never `Ind(0)`. Bits 5..31 are unassigned and
/// are carried unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ind(u32);

impl Ind {
    /// Bit 0: Reference Values.
    pub const REFERENCE_VALUES: Self = Self(1);
    /// Bit 1: Endorsements.
    pub const ENDORSEMENTS: Self = Self(2);
    /// Bit 2: Evidence.
    pub const EVIDENCE: Self = Self(4);
    /// Bit 3: Attestation Results.
    pub const ATTESTATION_RESULTS: Self = Self(8);
    /// Bit 4: Appraisal Policy ("trust anchors" in the Veraison libraries).
    pub const APPRAISAL_POLICY: Self = Self(16);

    /// An indicator from its bits; `None` for zero, which RFC 9999 forbids.
    pub const fn new(bits: u32) -> Option<Self> {
        if bits == 0 { None } else { Some(Self(bits)) }
    }

    /// The bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Ind {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Ind {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Ind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 5] = [
            "REFERENCE_VALUES",
            "ENDORSEMENTS",
            "EVIDENCE",
            "ATTESTATION_RESULTS",
            "APPRAISAL_POLICY",
        ];
        write!(f, "Ind(")?;
        let mut first = true;
        for (i, n) in NAMES.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(n)?;
                first = false;
            }
        }
        let rest = self.0 & !0x1f;
        if rest != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{rest:#x}")?;
        }
        f.write_str(")")
    }
}

/// The one-byte CMW demultiplexer's verdict (RFC 9999 section 4; rats-formats.md 2.3-2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `0x82`, `0x83` or `0x9f`: a CBOR record.
    CborRecord,
    /// `0xda`: a CBOR tag (the tag number still has to be range-checked).
    CborTag,
    /// `0xa0..=0xbb` or `0xbf`: a CBOR collection.
    CborCollection,
    /// `[` (0x5b): a JSON record.
    JsonRecord,
    /// `{` (0x7b): a JSON collection.
    JsonCollection,
}

impl Form {
    /// Classifies a CMW by its first byte; `None` when no form starts with it.
    pub const fn sniff(first: u8) -> Option<Self> {
        match first {
            0x82 | 0x83 | 0x9f => Some(Self::CborRecord),
            0xda => Some(Self::CborTag),
            0xa0..=0xbb | 0xbf => Some(Self::CborCollection),
            0x5b => Some(Self::JsonRecord),
            0x7b => Some(Self::JsonCollection),
            _ => None,
        }
    }

    /// Whether this is a CBOR form.
    pub const fn is_cbor(self) -> bool {
        matches!(
            self,
            Self::CborRecord | Self::CborTag | Self::CborCollection
        )
    }
}

/// The value of `parameter` when `media_type` is `essence` with exactly that one parameter,
/// `None` otherwise (RFC 9110 section 8.3.1: type, subtype and parameter name compared
/// case-insensitively; whitespace allowed around `;`, none around `=`, which section 5.6.6 does
/// not allow; the value quoted or not). Every profiled media type of this crate and of the
/// Verifier's formats (the simulated TEE's, PSA's, CCA's, tsm-report's) is read with it.
pub fn media_type_parameter<'a>(
    media_type: &'a str,
    essence: &str,
    parameter: &str,
) -> Option<&'a str> {
    let mut parts = media_type.split(';');
    if !parts.next()?.trim().eq_ignore_ascii_case(essence) {
        return None;
    }
    let (name, value) = parts.next()?.trim_start().split_once('=')?;
    if !name.eq_ignore_ascii_case(parameter) || parts.next().is_some() {
        return None;
    }
    let value = value.trim_end();
    Some(
        value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value),
    )
}

/// Whether `s` is a plausible media type: 1 to [`MAX_MEDIA_TYPE_LEN`] printable ASCII bytes
/// (0x20 to 0x7e) with a `/`.
fn valid_media_type(s: &str) -> bool {
    let b = s.as_bytes();
    // One pass without an early exit, which the compiler vectorizes: every record decode and
    // every CMW media type check runs it.
    let printable = b.iter().fold(true, |ok, &c| ok & (0x20..0x7f).contains(&c));
    !b.is_empty() && b.len() <= MAX_MEDIA_TYPE_LEN && printable && b.contains(&b'/')
}

/// Whether `s` is a dotted-decimal OID (`([0-2])((\.0)|(\.[1-9][0-9]*))*`) or an absolute URI
/// (RFC 3986 section 4.3: a scheme, `:`, no fragment).
fn valid_collection_type(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_COLLECTION_TYPE_LEN {
        return false;
    }
    let mut arcs = s.split('.');
    let first_ok = matches!(arcs.next(), Some("0" | "1" | "2"));
    let is_oid = first_ok
        && arcs.all(|a| {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a == "0" || !a.starts_with('0'))
        });
    if is_oid {
        return true;
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sb = scheme.bytes();
    sb.next().is_some_and(|b| b.is_ascii_alphabetic())
        && sb.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !rest.contains('#')
        && s.bytes().all(|b| (0x21..0x7f).contains(&b))
}

/// The `type` of a CBOR record: a CoAP Content-Format or a media type (RFC 9999 section 3.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// A CoAP Content-Format number (`uint .size 2`).
    ContentFormat(u16),
    /// A media type string, parameters allowed (RFC 9193 Content-Type grammar).
    MediaType(String),
}

/// A CBOR CMW record: `[type, value, ? ind]` (RFC 9999 section 3.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    typ: RecordType,
    value: Vec<u8>,
    ind: Option<Ind>,
}

impl Record {
    /// A record.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty, overlong or non-ASCII media type.
    pub fn new(typ: RecordType, value: Vec<u8>, ind: Option<Ind>) -> Result<Self, Error> {
        if let RecordType::MediaType(m) = &typ
            && !valid_media_type(m)
        {
            return Err(Error::InvalidArgument {
                what: Item::CmwType,
            });
        }
        Ok(Self { typ, value, ind })
    }

    /// The record's type.
    pub const fn typ(&self) -> &RecordType {
        &self.typ
    }

    /// The wrapped conceptual message bytes.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The indicator, when present.
    pub const fn ind(&self) -> Option<Ind> {
        self.ind
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.array(if self.ind.is_some() { 3 } else { 2 });
        match &self.typ {
            RecordType::ContentFormat(cf) => w.uint(u64::from(*cf)),
            RecordType::MediaType(m) => w.text(m),
        };
        w.bytes(&self.value);
        if let Some(ind) = self.ind {
            w.uint(u64::from(ind.bits()));
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.position();
        let mut len = r.array(Item::CmwRecord)?;
        let mut n = 0;
        // Each field must be present; the count is checked as we go and at the end.
        let next = |r: &mut Reader<'_>, len: &mut Len, n: &mut u64| -> Result<bool, Error> {
            r.has_next(len, n, Item::CmwRecord)
        };
        if !next(r, &mut len, &mut n)? {
            return Err(Error::BadLength {
                what: Item::CmwRecord,
                at,
            });
        }
        let tat = r.position();
        let typ = match r.peek_major(Item::CmwType)? {
            Major::Uint => {
                let v = r.uint(Item::CmwType)?;
                RecordType::ContentFormat(u16::try_from(v).map_err(|_| Error::InvalidValue {
                    what: Item::CmwType,
                    at: tat,
                })?)
            }
            Major::Text => {
                let m = r.text(Item::CmwType)?;
                if !valid_media_type(&m) {
                    return Err(Error::InvalidValue {
                        what: Item::CmwType,
                        at: tat,
                    });
                }
                RecordType::MediaType(m.into_owned())
            }
            _ => {
                return Err(Error::UnexpectedType {
                    what: Item::CmwType,
                    at: tat,
                });
            }
        };
        if !next(r, &mut len, &mut n)? {
            return Err(Error::BadLength {
                what: Item::CmwRecord,
                at,
            });
        }
        let value = r.bytes(Item::CmwValue)?.into_owned();
        let ind = if next(r, &mut len, &mut n)? {
            let iat = r.position();
            let v = r.uint(Item::CmwInd)?;
            let v = u32::try_from(v).map_err(|_| Error::InvalidValue {
                what: Item::CmwInd,
                at: iat,
            })?;
            Some(Ind::new(v).ok_or(Error::InvalidValue {
                what: Item::CmwInd,
                at: iat,
            })?)
        } else {
            None
        };
        if next(r, &mut len, &mut n)? {
            return Err(Error::BadLength {
                what: Item::CmwRecord,
                at,
            });
        }
        Ok(Self { typ, value, ind })
    }
}

/// A CBOR tag CMW: `#6.TN(cf)(bstr)` (RFC 9999 section 3.2, RFC 9277).
///
/// The value is the message serialised per the Content-Format; for CBOR formats it holds the
/// encoded message (`bytes .cbor fmt`), never an inlined item (rats-formats.md 9.1 item 12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TagCmw {
    content_format: u16,
    value: Vec<u8>,
}

impl TagCmw {
    /// A tag CMW for a Content-Format.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `content_format` exceeds [`MAX_TAGGABLE_CF`].
    pub fn new(content_format: u16, value: Vec<u8>) -> Result<Self, Error> {
        if content_format > MAX_TAGGABLE_CF {
            return Err(Error::InvalidArgument { what: Item::CmwTag });
        }
        Ok(Self {
            content_format,
            value,
        })
    }

    /// The Content-Format the tag number encodes.
    pub const fn content_format(&self) -> u16 {
        self.content_format
    }

    /// The tag number, `TN(content_format)`.
    pub const fn tag_number(&self) -> u64 {
        let cf = self.content_format as u64;
        TN_MIN + (cf / 255) * 256 + cf % 255
    }

    /// The wrapped bytes.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    fn encode(&self, w: &mut Writer) {
        w.tag(self.tag_number()).bytes(&self.value);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.position();
        let t = r.tag(Item::CmwTag)?;
        let content_format = cf(t).ok_or(Error::InvalidValue {
            what: Item::CmwTag,
            at,
        })?;
        let value = r.bytes(Item::CmwValue)?.into_owned();
        Ok(Self {
            content_format,
            value,
        })
    }
}

/// The nesting depth of a collection of `items`, given each member's own (0 for a record).
fn collection_depth<L, C>(items: &[(L, C)], depth: impl Fn(&C) -> usize) -> usize {
    1 + items.iter().map(|(_, c)| depth(c)).max().unwrap_or(0)
}

/// The checks [`Collection::new`] and [`JsonCollection::new`] share: one to
/// [`cbor::MAX_ITEMS`] entries, a valid type, unique labels other than `"__cmwc_t"`
/// (`is_type_label`), and a depth (`depth` of each member) within [`cbor::MAX_DEPTH`].
fn check_collection<L: PartialEq, C>(
    ctype: Option<&str>,
    items: &[(L, C)],
    is_type_label: impl Fn(&L) -> bool,
    depth: impl Fn(&C) -> usize,
) -> Result<(), Error> {
    let bad = Error::InvalidArgument {
        what: Item::CmwCollection,
    };
    if items.is_empty() || items.len() as u64 > cbor::MAX_ITEMS {
        return Err(bad);
    }
    if ctype.is_some_and(|t| !valid_collection_type(t)) {
        return Err(bad);
    }
    for (i, (l, _)) in items.iter().enumerate() {
        if is_type_label(l) || items.iter().skip(i + 1).any(|(o, _)| o == l) {
            return Err(bad);
        }
    }
    // Two CBOR levels (map, then record array) per collection level.
    if collection_depth(items, depth) * 2 > cbor::MAX_DEPTH {
        return Err(bad);
    }
    Ok(())
}

/// A CBOR CMW collection (RFC 9999 section 3.3).
///
/// A collection binds nothing by itself (rats-formats.md 9.2 item 24): members from different
/// attesting environments must be bound cryptographically elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Collection {
    ctype: Option<String>,
    items: Vec<(Label, Cmw)>,
}

impl Collection {
    /// A collection.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `items` is empty, a label repeats or is `"__cmwc_t"`,
    /// the type is not a URI or OID, or nesting exceeds [`cbor::MAX_DEPTH`].
    pub fn new(ctype: Option<String>, items: Vec<(Label, Cmw)>) -> Result<Self, Error> {
        check_collection(
            ctype.as_deref(),
            &items,
            |l| matches!(l, Label::Text(t) if t == COLLECTION_TYPE_LABEL),
            Cmw::depth,
        )?;
        let mut c = Self { ctype, items };
        c.normalize();
        Ok(c)
    }

    /// Entries are kept in deterministic order (by encoded label), so that equal collections
    /// compare equal whatever order they were built or received in.
    fn normalize(&mut self) {
        self.items.sort_by(|(a, _), (b, _)| a.cmp_encoded(b));
    }

    fn depth(&self) -> usize {
        collection_depth(&self.items, Cmw::depth)
    }

    /// The `"__cmwc_t"` collection type, when present.
    pub fn collection_type(&self) -> Option<&str> {
        self.ctype.as_deref()
    }

    /// The entries, sorted by encoded label (RFC 8949 section 4.2.1 order).
    pub fn items(&self) -> &[(Label, Cmw)] {
        &self.items
    }

    /// The entry with `label`.
    pub fn get(&self, label: &Label) -> Option<&Cmw> {
        self.items.iter().find(|(l, _)| l == label).map(|(_, c)| c)
    }

    fn encode(&self, w: &mut Writer) {
        // The items are sorted by encoded label; the type label goes where it sorts, so that
        // nothing moves.
        let type_label = Label::Text(COLLECTION_TYPE_LABEL.to_owned());
        let split = self
            .items
            .partition_point(|(l, _)| l.cmp_encoded(&type_label).is_lt());
        let (head, tail) = self.items.split_at(split);
        let item = |m: &mut cbor::MapWriter<'_>, (l, c): &(Label, Cmw)| {
            m.label(l, |w| {
                c.encode(w);
                w
            });
        };
        w.map_with(|m| {
            head.iter().for_each(|e| item(m, e));
            if let Some(t) = &self.ctype {
                m.text(COLLECTION_TYPE_LABEL, |w| w.text(t));
            }
            tail.iter().for_each(|e| item(m, e));
        });
    }

    /// An upper bound of the encoded size, to size the output once.
    fn size_hint(&self) -> usize {
        let labels = |l: &Label| match l {
            Label::Int(_) => 9,
            Label::Text(t) => t.len() + 9,
        };
        self.ctype.as_ref().map_or(0, |t| t.len() + 18)
            + self
                .items
                .iter()
                .map(|(l, c)| labels(l) + c.size_hint())
                .sum::<usize>()
            + 9
    }

    fn decode<'a>(r: &mut Reader<'a>) -> Result<Self, Error> {
        let at = r.position();
        let mut ctype = None;
        let mut items = Vec::new();
        let key = |r: &mut Reader<'a>| Label::decode_key(r, Item::CmwLabel);
        r.unique_map(Item::CmwCollection, key, |r, label, _, vat| {
            if matches!(&label, Label::Text(t) if t == COLLECTION_TYPE_LABEL) {
                let t = r.text(Item::CmwCollectionType)?;
                if !valid_collection_type(&t) {
                    return Err(Error::InvalidValue {
                        what: Item::CmwCollectionType,
                        at: vat,
                    });
                }
                ctype = Some(t.into_owned());
            } else {
                items.push((label, Cmw::decode_item(r)?));
            }
            Ok(())
        })?;
        if items.is_empty() {
            return Err(Error::Missing {
                what: Item::CmwCollection,
                at,
            });
        }
        let mut c = Self { ctype, items };
        c.normalize();
        Ok(c)
    }
}

/// A CBOR CMW: record, tag or collection (RFC 9999 section 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cmw {
    /// A record.
    Record(Record),
    /// An RFC 9277 tag.
    Tag(TagCmw),
    /// A collection.
    Collection(Collection),
}

impl Cmw {
    /// The collection nesting depth: 0 for a record or tag.
    fn depth(&self) -> usize {
        match self {
            Self::Collection(c) => c.depth(),
            _ => 0,
        }
    }

    /// Encodes in RFC 8949 section 4.2.1 deterministic encoding.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.size_hint());
        self.encode(&mut w);
        w.into_vec()
    }

    /// An upper bound of the encoded size (heads counted at their widest), to size the output
    /// once.
    fn size_hint(&self) -> usize {
        match self {
            Self::Record(r) => {
                let typ = match &r.typ {
                    RecordType::ContentFormat(_) => 9,
                    RecordType::MediaType(m) => m.len() + 9,
                };
                1 + typ + r.value.len() + 9 + 9
            }
            Self::Tag(t) => 9 + t.value.len() + 9,
            Self::Collection(c) => c.size_hint(),
        }
    }

    /// Writes the encoding into `w`.
    pub fn encode(&self, w: &mut Writer) {
        match self {
            Self::Record(r) => r.encode(w),
            Self::Tag(t) => t.encode(w),
            Self::Collection(c) => c.encode(w),
        }
    }

    /// Decodes one CBOR CMW strictly ([`Profile::STRICT`]).
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        Self::decode_with(bytes, Profile::STRICT)
    }

    /// Decodes one CBOR CMW under `profile` (for example accepting the `0x9f` record of the
    /// demultiplexing table under [`Profile::LENIENT`]).
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_with(bytes: &[u8], profile: Profile) -> Result<Self, Error> {
        cbor::decode_all(bytes, profile, Item::Cmw, Self::decode_item)
    }

    /// Decodes one CBOR CMW from a reader (for CMWs embedded in larger structures).
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_item(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.position();
        match r.peek_major(Item::Cmw)? {
            Major::Array => Record::decode(r).map(Self::Record),
            Major::Tag => TagCmw::decode(r).map(Self::Tag),
            Major::Map => Collection::decode(r).map(Self::Collection),
            _ => Err(Error::UnexpectedType {
                what: Item::Cmw,
                at,
            }),
        }
    }
}

/// A JSON CMW record: `[media-type, base64url-value, ? ind]` (RFC 9999 section 3.1).
///
/// JSON records carry media types only (no Content-Format numbers), and the value must be
/// non-empty (`[A-Za-z0-9_-]+`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonRecord {
    media_type: String,
    value: Vec<u8>,
    ind: Option<Ind>,
}

impl JsonRecord {
    /// A JSON record.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a bad media type or an empty value.
    pub fn new(media_type: String, value: Vec<u8>, ind: Option<Ind>) -> Result<Self, Error> {
        if !valid_media_type(&media_type) {
            return Err(Error::InvalidArgument {
                what: Item::CmwType,
            });
        }
        if value.is_empty() {
            return Err(Error::InvalidArgument {
                what: Item::CmwValue,
            });
        }
        Ok(Self {
            media_type,
            value,
            ind,
        })
    }

    /// The media type.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The wrapped bytes (base64url-decoded).
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The indicator, when present.
    pub const fn ind(&self) -> Option<Ind> {
        self.ind
    }

    fn to_serde(&self) -> serde_json::Value {
        let mut a = vec![
            serde_json::Value::String(self.media_type.clone()),
            serde_json::Value::String(json::b64u_encode(&self.value)),
        ];
        if let Some(i) = self.ind {
            a.push(serde_json::Value::Number(i.bits().into()));
        }
        serde_json::Value::Array(a)
    }

    fn from_json(v: &Json) -> Result<Self, Error> {
        let bad = |what| Error::InvalidValue { what, at: 0 };
        let Json::Array(a) = v else {
            return Err(Error::UnexpectedType {
                what: Item::CmwRecord,
                at: 0,
            });
        };
        let (t, val, ind) = match a.as_slice() {
            [t, v] => (t, v, None),
            [t, v, i] => (t, v, Some(i)),
            _ => {
                return Err(Error::BadLength {
                    what: Item::CmwRecord,
                    at: 0,
                });
            }
        };
        let Json::String(t) = t else {
            return Err(Error::UnexpectedType {
                what: Item::CmwType,
                at: 0,
            });
        };
        if !valid_media_type(t) {
            return Err(bad(Item::CmwType));
        }
        let Json::String(val) = val else {
            return Err(Error::UnexpectedType {
                what: Item::CmwValue,
                at: 0,
            });
        };
        let value = json::b64u_decode(val, Item::CmwValue)?;
        if value.is_empty() {
            return Err(Error::BadLength {
                what: Item::CmwValue,
                at: 0,
            });
        }
        let ind = match ind {
            None => None,
            Some(Json::Number(n)) => {
                let n = n.as_u64().ok_or(bad(Item::CmwInd))?;
                let n = u32::try_from(n).map_err(|_| bad(Item::CmwInd))?;
                Some(Ind::new(n).ok_or(bad(Item::CmwInd))?)
            }
            Some(_) => {
                return Err(Error::UnexpectedType {
                    what: Item::CmwInd,
                    at: 0,
                });
            }
        };
        Ok(Self {
            media_type: t.clone(),
            value,
            ind,
        })
    }
}

/// A JSON CMW collection (RFC 9999 section 3.3): text labels only, JSON CMWs only.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonCollection {
    ctype: Option<String>,
    items: Vec<(String, JsonCmw)>,
}

impl JsonCollection {
    /// A JSON collection.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] as for [`Collection::new`].
    pub fn new(ctype: Option<String>, items: Vec<(String, JsonCmw)>) -> Result<Self, Error> {
        check_collection(
            ctype.as_deref(),
            &items,
            |l| l == COLLECTION_TYPE_LABEL,
            JsonCmw::depth,
        )?;
        let mut c = Self { ctype, items };
        c.items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(c)
    }

    fn depth(&self) -> usize {
        collection_depth(&self.items, JsonCmw::depth)
    }

    /// The `"__cmwc_t"` collection type, when present.
    pub fn collection_type(&self) -> Option<&str> {
        self.ctype.as_deref()
    }

    /// The entries, sorted by label bytes (the order they are written in).
    pub fn items(&self) -> &[(String, JsonCmw)] {
        &self.items
    }

    /// The entry with `label`.
    pub fn get(&self, label: &str) -> Option<&JsonCmw> {
        self.items.iter().find(|(l, _)| l == label).map(|(_, c)| c)
    }

    fn to_serde(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(t) = &self.ctype {
            m.insert(
                COLLECTION_TYPE_LABEL.to_owned(),
                serde_json::Value::String(t.clone()),
            );
        }
        for (l, c) in &self.items {
            m.insert(l.clone(), c.to_serde());
        }
        serde_json::Value::Object(m)
    }

    fn from_json(v: &Json, depth: usize) -> Result<Self, Error> {
        let Json::Object(members) = v else {
            return Err(Error::UnexpectedType {
                what: Item::CmwCollection,
                at: 0,
            });
        };
        let mut ctype = None;
        let mut items = Vec::new();
        for (k, v) in members {
            if k == COLLECTION_TYPE_LABEL {
                let t = v.as_str().ok_or(Error::UnexpectedType {
                    what: Item::CmwCollectionType,
                    at: 0,
                })?;
                if !valid_collection_type(t) {
                    return Err(Error::InvalidValue {
                        what: Item::CmwCollectionType,
                        at: 0,
                    });
                }
                ctype = Some(t.to_owned());
            } else {
                items.push((k.clone(), JsonCmw::from_json(v, depth + 1)?));
            }
        }
        if items.is_empty() {
            return Err(Error::Missing {
                what: Item::CmwCollection,
                at: 0,
            });
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { ctype, items })
    }
}

/// A JSON CMW: record or collection (RFC 9999 section 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JsonCmw {
    /// A record.
    Record(JsonRecord),
    /// A collection.
    Collection(JsonCollection),
}

impl JsonCmw {
    /// The collection nesting depth: 0 for a record.
    fn depth(&self) -> usize {
        match self {
            Self::Collection(c) => c.depth(),
            Self::Record(_) => 0,
        }
    }

    fn to_serde(&self) -> serde_json::Value {
        match self {
            Self::Record(r) => r.to_serde(),
            Self::Collection(c) => c.to_serde(),
        }
    }

    /// Encodes as compact JSON with object members sorted by their UTF-8 bytes.
    pub fn to_json_string(&self) -> String {
        crate::json::to_sorted_string(&self.to_serde())
    }

    /// Decodes a JSON CMW strictly: no duplicate members, unpadded base64url, non-zero `ind`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; offsets are `0` except for JSON syntax errors (line and column).
    pub fn decode(text: &[u8]) -> Result<Self, Error> {
        let v = json::parse(text)?;
        Self::from_json(&v, 0)
    }

    /// Decodes from an already parsed JSON value (for a `cmw` claim inside a JWT).
    ///
    /// # Errors
    ///
    /// As [`JsonCmw::decode`].
    pub fn from_json_value(v: &Json) -> Result<Self, Error> {
        Self::from_json(v, 0)
    }

    fn from_json(v: &Json, depth: usize) -> Result<Self, Error> {
        if depth * 2 > cbor::MAX_DEPTH {
            return Err(Error::TooDeep {
                what: Item::CmwCollection,
                at: 0,
            });
        }
        match v {
            Json::Array(_) => JsonRecord::from_json(v).map(Self::Record),
            Json::Object(_) => JsonCollection::from_json(v, depth).map(Self::Collection),
            _ => Err(Error::UnexpectedType {
                what: Item::Cmw,
                at: 0,
            }),
        }
    }
}

/// Any CMW, CBOR or JSON, as told apart by [`Form::sniff`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AnyCmw {
    /// A CBOR record, tag or collection.
    Cbor(Cmw),
    /// A JSON record or collection.
    Json(JsonCmw),
}

impl AnyCmw {
    /// Demultiplexes on the first byte and decodes strictly.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedEnd`] for empty input, [`Error::UnexpectedType`] for a first byte no
    /// form starts with, otherwise the form's decoder error.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let first = *bytes.first().ok_or(Error::UnexpectedEnd {
            what: Item::Cmw,
            at: 0,
        })?;
        match Form::sniff(first) {
            Some(f) if f.is_cbor() => Cmw::decode(bytes).map(Self::Cbor),
            Some(_) => JsonCmw::decode(bytes).map(Self::Json),
            None => Err(Error::UnexpectedType {
                what: Item::Cmw,
                at: 0,
            }),
        }
    }

    /// The encoded bytes (CBOR, or the UTF-8 JSON text).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Self::Cbor(c) => c.to_vec(),
            Self::Json(j) => j.to_json_string().into_bytes(),
        }
    }
}

/// The media type a signed CBOR CMW names in its protected `content type` (RFC 9999
/// section 4.2; rats-formats.md section 2.9).
pub const CMW_CBOR_MEDIA_TYPE: &str = "application/cmw+cbor";

/// The CoAP Content-Format of `application/cmw+cbor` as seen in a third-party IANA snapshot
/// (rats-formats.md section 2.7: 273, **unconfirmed**): pass it, or another value, to
/// [`verify_signed_cbor_cmw`] to accept an integer content type.
pub const CMW_CBOR_CONTENT_FORMAT_UNCONFIRMED: u16 = 273;

/// Signs a CBOR CMW as a signed-cbor-cmw (a COSE_Sign1 whose protected bucket holds `alg` and
/// `content type` = `"application/cmw+cbor"`; RFC 9999 section 4.2).
///
/// # Errors
///
/// As [`CoseSign1::sign`].
pub fn sign_cbor_cmw(
    cmw: &Cmw,
    unprotected: HeaderMap,
    signer: &dyn CoseSigner,
) -> Result<CoseSign1, Error> {
    let protected =
        HeaderMap::new().with_content_type(ContentType::MediaType(CMW_CBOR_MEDIA_TYPE.into()));
    CoseSign1::sign(protected, unprotected, cmw.to_vec(), &[], signer)
}

/// Decodes a signed-cbor-cmw (tagged or untagged COSE_Sign1), checks its protected content
/// type, verifies the signature, and only then decodes the CMW payload (RFC 9999 section 4.2).
///
/// `content_format` is the integer content type to accept besides the media type string; its
/// registry value is unconfirmed ([`CMW_CBOR_CONTENT_FORMAT_UNCONFIRMED`]), so `None` accepts
/// only the string.
///
/// # Errors
///
/// COSE structure errors; [`Error::Missing`] or [`Error::InvalidValue`] for the content type
/// ([`Item::CoseContentType`]); [`Error::DetachedPayload`]; the verifier's error; CMW errors
/// (offsets relative to the payload).
pub fn verify_signed_cbor_cmw(
    bytes: &[u8],
    verifier: &dyn CoseVerifier,
    content_format: Option<u16>,
) -> Result<(Cmw, CoseSign1), Error> {
    let (msg, _) = CoseSign1::decode(bytes)?;
    let what = Item::CoseContentType;
    match msg.protected().content_type() {
        None => return Err(Error::Missing { what, at: 0 }),
        Some(ContentType::MediaType(m)) if m == CMW_CBOR_MEDIA_TYPE => {}
        Some(ContentType::ContentFormat(c)) if Some(*c) == content_format => {}
        Some(_) => return Err(Error::InvalidValue { what, at: 0 }),
    }
    msg.verify(verifier, &[], None)?;
    let payload = msg.payload().ok_or(Error::DetachedPayload)?;
    let cmw = Cmw::decode(payload)?;
    Ok((cmw, msg))
}

#[cfg(feature = "arbitrary")]
pub(crate) use arb::media_type as arb_media_type;

#[cfg(feature = "arbitrary")]
mod arb {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    pub(crate) fn media_type(u: &mut Unstructured<'_>) -> Result<String> {
        const SUB: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789.+-";
        let n = u.int_in_range(1..=16)?;
        let mut s = String::from("application/");
        for _ in 0..n {
            s.push(char::from(*u.choose(SUB)?));
        }
        Ok(s)
    }

    fn collection_type(u: &mut Unstructured<'_>) -> Result<Option<String>> {
        Ok(match u.int_in_range(0..=2)? {
            0 => None,
            1 => Some(format!(
                "tag:example.com,2024:{}",
                u.int_in_range(0..=999u32)?
            )),
            _ => Some(format!("1.3.6.1.4.1.{}", u.int_in_range(0..=99_999u32)?)),
        })
    }

    impl<'a> Arbitrary<'a> for Ind {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self(u.int_in_range(1..=u32::MAX)?))
        }
    }

    impl<'a> Arbitrary<'a> for RecordType {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(if u.arbitrary()? {
                Self::ContentFormat(u.arbitrary()?)
            } else {
                Self::MediaType(media_type(u)?)
            })
        }
    }

    impl<'a> Arbitrary<'a> for Record {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self {
                typ: u.arbitrary()?,
                value: u.arbitrary()?,
                ind: u.arbitrary()?,
            })
        }
    }

    impl<'a> Arbitrary<'a> for TagCmw {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self {
                content_format: u.int_in_range(0..=MAX_TAGGABLE_CF)?,
                value: u.arbitrary()?,
            })
        }
    }

    fn cmw(u: &mut Unstructured<'_>, depth: usize) -> Result<Cmw> {
        let max = if depth >= 3 { 1 } else { 2 };
        Ok(match u.int_in_range(0..=max)? {
            0 => Cmw::Record(u.arbitrary()?),
            1 => Cmw::Tag(u.arbitrary()?),
            _ => Cmw::Collection(collection(u, depth + 1)?),
        })
    }

    fn collection(u: &mut Unstructured<'_>, depth: usize) -> Result<Collection> {
        let ctype = collection_type(u)?;
        let n = u.int_in_range(1..=4)?;
        let mut items: Vec<(Label, Cmw)> = Vec::new();
        for _ in 0..n {
            let l: Label = u.arbitrary()?;
            let c = cmw(u, depth)?;
            let reserved = matches!(&l, Label::Text(t) if t == COLLECTION_TYPE_LABEL);
            if !reserved && !items.iter().any(|(o, _)| *o == l) {
                items.push((l, c));
            }
        }
        let mut c = Collection { ctype, items };
        c.normalize();
        Ok(c)
    }

    impl<'a> Arbitrary<'a> for Cmw {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            cmw(u, 0)
        }
    }

    impl<'a> Arbitrary<'a> for Collection {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            collection(u, 0)
        }
    }

    impl<'a> Arbitrary<'a> for JsonRecord {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let mut value: Vec<u8> = u.arbitrary()?;
            if value.is_empty() {
                value.push(0);
            }
            Ok(Self {
                media_type: media_type(u)?,
                value,
                ind: u.arbitrary()?,
            })
        }
    }

    fn json_cmw(u: &mut Unstructured<'_>, depth: usize) -> Result<JsonCmw> {
        Ok(if depth >= 3 || u.arbitrary()? {
            JsonCmw::Record(u.arbitrary()?)
        } else {
            JsonCmw::Collection(json_collection(u, depth + 1)?)
        })
    }

    fn json_collection(u: &mut Unstructured<'_>, depth: usize) -> Result<JsonCollection> {
        let ctype = collection_type(u)?;
        let n = u.int_in_range(1..=4)?;
        let mut items: Vec<(String, JsonCmw)> = Vec::new();
        for _ in 0..n {
            let l: String = u.arbitrary()?;
            let c = json_cmw(u, depth)?;
            if l != COLLECTION_TYPE_LABEL && !items.iter().any(|(o, _)| *o == l) {
                items.push((l, c));
            }
        }
        // JSON objects come back in sorted order.
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(JsonCollection { ctype, items })
    }

    impl<'a> Arbitrary<'a> for JsonCmw {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            json_cmw(u, 0)
        }
    }

    impl<'a> Arbitrary<'a> for JsonCollection {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            json_collection(u, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_rule() {
        let max = format!("a/{}", "b".repeat(MAX_MEDIA_TYPE_LEN - 2));
        let over = format!("{max}c");
        for (m, ok) in [
            ("application/eat+cwt", true),
            ("a/b; x=\"y z~\"", true),
            (max.as_str(), true),
            ("", false),
            ("application", false),
            (over.as_str(), false),
            ("a/b\u{1f}", false),
            ("a/b\u{7f}", false),
            ("a/b\u{e9}", false),
            ("a/b\t", false),
        ] {
            assert_eq!(valid_media_type(m), ok, "{m:?}");
        }
    }

    #[test]
    fn tn_table() {
        // rats-formats.md section 2.4 worked values.
        for (c, t) in [
            (0u16, 1_668_546_817u64),
            (60, 1_668_546_877),
            (263, 1_668_547_081),
            (273, 1_668_547_091),
            (274, 1_668_547_092),
            (275, 1_668_547_093),
            (276, 1_668_547_094),
            (10003, 1_668_556_859),
            (29884, 1_668_576_818),
            (30001, 1_668_576_935),
            (50000, 1_668_597_013),
            (64999, 1_668_612_070),
            (65024, 1_668_612_095),
        ] {
            assert_eq!(tn(c), Some(t), "TN({c})");
            assert_eq!(cf(t), Some(c), "CF({t})");
        }
        assert_eq!(tn(65025), None);
        assert_eq!(cf(TN_MIN - 1), None);
        assert_eq!(cf(TN_MAX + 1), None);
        // Low byte 0xff of tn - TN_MIN has no Content-Format.
        assert_eq!(cf(TN_MIN + 255), None);
    }

    #[test]
    fn tn_inverse_over_whole_range() {
        for c in 0..=MAX_TAGGABLE_CF {
            let t = tn(c).unwrap();
            assert_eq!(cf(t), Some(c));
            // Both low bytes of a TN tag are in 0x01..=0xff.
            assert_ne!(t & 0xff, 0);
            assert_ne!((t >> 8) & 0xff, 0);
        }
        let valid = (TN_MIN..=TN_MAX).filter(|t| cf(*t).is_some()).count();
        assert_eq!(valid, usize::from(MAX_TAGGABLE_CF) + 1);
    }

    #[test]
    fn ind_bits() {
        let i = Ind::REFERENCE_VALUES | Ind::ENDORSEMENTS;
        assert_eq!(i.bits(), 3);
        assert!(i.contains(Ind::ENDORSEMENTS));
        assert!(!i.contains(Ind::EVIDENCE));
        assert_eq!(Ind::new(0), None);
        assert_eq!(
            format!("{:?}", Ind::new(0x23).unwrap()),
            "Ind(REFERENCE_VALUES | ENDORSEMENTS | 0x20)"
        );
    }

    #[test]
    fn sniff() {
        assert_eq!(Form::sniff(0x82), Some(Form::CborRecord));
        assert_eq!(Form::sniff(0x9f), Some(Form::CborRecord));
        assert_eq!(Form::sniff(0xda), Some(Form::CborTag));
        assert_eq!(Form::sniff(0xa4), Some(Form::CborCollection));
        assert_eq!(Form::sniff(0xbf), Some(Form::CborCollection));
        assert_eq!(Form::sniff(b'['), Some(Form::JsonRecord));
        assert_eq!(Form::sniff(b'{'), Some(Form::JsonCollection));
        assert_eq!(Form::sniff(0x84), None);
        assert_eq!(Form::sniff(b' '), None);
    }

    #[test]
    fn collection_types() {
        assert!(valid_collection_type(
            "tag:example.com,2024:composite-attester"
        ));
        assert!(valid_collection_type("1.3.6.1.4.1.5"));
        assert!(valid_collection_type("2.0"));
        assert!(!valid_collection_type("3.1"));
        assert!(!valid_collection_type("1.03"));
        assert!(!valid_collection_type("no-scheme"));
        assert!(!valid_collection_type("http://x/#frag"));
    }
}
