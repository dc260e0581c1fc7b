//! Entity Attestation Token claims-sets (RFC 9711) as CWT payloads (RFC 8392).
//!
//! [`ClaimsSet`] types the claims this project uses (rats-formats.md section 3.2) and keeps every
//! other claim, with its label, in [`ExtraClaims`] so that it round-trips. Claim keys are the
//! RFC 9711 integers; pre-RFC numbers (Python `cwt`) are not recognised (rats-formats.md 9.2
//! item 14). `iat`, `exp` and `nbf` must be integers: a float is an error (RFC 9711 section
//! 4.3.1).

use crate::cbor::{self, Label, Major, Profile, Reader, Value, Writer};
use crate::cose::{CoseSign1, CoseVerifier, Tagging};
use crate::error::{Error, Item};

/// CWT `iss` (RFC 8392 section 3.1.1).
pub const ISS: i64 = 1;
/// CWT `sub`.
pub const SUB: i64 = 2;
/// CWT `exp`.
pub const EXP: i64 = 4;
/// CWT `nbf`.
pub const NBF: i64 = 5;
/// CWT `iat`.
pub const IAT: i64 = 6;
/// `cnf` (RFC 8747 section 3.1).
pub const CNF: i64 = 8;
/// `eat_nonce` (RFC 9711 section 4.1).
pub const EAT_NONCE: i64 = 10;
/// `ueid`.
pub const UEID: i64 = 256;
/// `oemid`.
pub const OEMID: i64 = 258;
/// `hwmodel`.
pub const HWMODEL: i64 = 259;
/// `hwversion`.
pub const HWVERSION: i64 = 260;
/// `oemboot`.
pub const OEMBOOT: i64 = 262;
/// `dbgstat`.
pub const DBGSTAT: i64 = 263;
/// `eat_profile`.
pub const EAT_PROFILE: i64 = 265;
/// `submods`.
pub const SUBMODS: i64 = 266;
/// `swname`.
pub const SWNAME: i64 = 270;
/// `swversion`.
pub const SWVERSION: i64 = 271;
/// `measurements`.
pub const MEASUREMENTS: i64 = 273;

const KNOWN: [i64; 17] = [
    ISS,
    SUB,
    EXP,
    NBF,
    IAT,
    CNF,
    EAT_NONCE,
    UEID,
    OEMID,
    HWMODEL,
    HWVERSION,
    OEMBOOT,
    DBGSTAT,
    EAT_PROFILE,
    SUBMODS,
    SWNAME,
    SWVERSION,
];

/// Shortest CBOR `eat_nonce` (RFC 9711 section 4.1: at least 64 bits).
pub const MIN_NONCE_LEN: usize = 8;
/// Longest CBOR `eat_nonce` that every receiver must accept.
pub const MAX_NONCE_LEN: usize = 64;
/// Shortest UEID (RFC 9711 section 4.2.1).
pub const MIN_UEID_LEN: usize = 7;
/// Longest UEID.
pub const MAX_UEID_LEN: usize = 33;
/// Longest `hwmodel` (RFC 9711 section 4.2.4).
pub const MAX_HWMODEL_LEN: usize = 32;

/// The `eat_nonce` claim: one nonce, or an array of at least two (RFC 9711 section 4.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nonce(Vec<Vec<u8>>);

impl Nonce {
    /// A single nonce.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside 8..=64 bytes.
    pub fn new(nonce: Vec<u8>) -> Result<Self, Error> {
        Self::many(vec![nonce])
    }

    /// One nonce per entry; one entry encodes as a single byte string, more as an array.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty list or a nonce outside 8..=64 bytes.
    pub fn many(nonces: Vec<Vec<u8>>) -> Result<Self, Error> {
        if nonces.is_empty()
            || nonces.len() as u64 > cbor::MAX_ITEMS
            || nonces
                .iter()
                .any(|n| !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&n.len()))
        {
            return Err(Error::InvalidArgument {
                what: Item::EatNonce,
            });
        }
        Ok(Self(nonces))
    }

    /// The nonces (one for a single nonce).
    pub fn nonces(&self) -> &[Vec<u8>] {
        &self.0
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        if let [one] = self.0.as_slice() {
            w.bytes(one);
        } else {
            w.array(self.0.len());
            for n in &self.0 {
                w.bytes(n);
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::EatNonce;
        let at = r.position();
        let one = |r: &mut Reader<'_>| -> Result<Vec<u8>, Error> {
            let at = r.position();
            let n = r.bytes(what)?.into_owned();
            if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&n.len()) {
                return Err(Error::BadLength { what, at });
            }
            Ok(n)
        };
        match r.peek_major(what)? {
            Major::Bytes => Ok(Self(vec![one(r)?])),
            Major::Array => {
                let mut len = r.array(what)?;
                let mut c = 0;
                let mut v = Vec::new();
                while r.has_next(&mut len, &mut c, what)? {
                    v.push(one(r)?);
                }
                // An array holds two or more nonces, never one (RFC 9711 section 4.1).
                if v.len() < 2 {
                    return Err(Error::BadLength { what, at });
                }
                Ok(Self(v))
            }
            _ => Err(Error::UnexpectedType { what, at }),
        }
    }
}

fn bounded_bytes(
    r: &mut Reader<'_>,
    what: Item,
    range: core::ops::RangeInclusive<usize>,
) -> Result<Vec<u8>, Error> {
    let at = r.position();
    let b = r.bytes(what)?.into_owned();
    if !range.contains(&b.len()) {
        return Err(Error::BadLength { what, at });
    }
    Ok(b)
}

/// A Universal Entity ID (RFC 9711 section 4.2.1), 7 to 33 bytes, treated as opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ueid(Vec<u8>);

impl Ueid {
    /// A UEID.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside 7..=33 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, Error> {
        if !(MIN_UEID_LEN..=MAX_UEID_LEN).contains(&bytes.len()) {
            return Err(Error::InvalidArgument { what: Item::Ueid });
        }
        Ok(Self(bytes))
    }

    /// The UEID bytes (the first is the type: 0x01 RAND, 0x02 EUI, 0x03 IMEI).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The `hwmodel` claim (RFC 9711 section 4.2.4), 1 to 32 opaque bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HwModel(Vec<u8>);

impl HwModel {
    /// A hardware model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside 1..=32 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, Error> {
        if !(1..=MAX_HWMODEL_LEN).contains(&bytes.len()) {
            return Err(Error::InvalidArgument {
                what: Item::HwModel,
            });
        }
        Ok(Self(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The `oemid` claim (RFC 9711 section 4.2.3): a receiver must handle all three forms.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum OemId {
    /// An IANA Private Enterprise Number (`int`).
    Pen(i64),
    /// An IEEE OUI/MA-L/CID (3 bytes).
    Ieee([u8; 3]),
    /// A random 16-byte identifier.
    Random([u8; 16]),
}

/// A version with an optional CoSWID version scheme: `hwversion`/`swversion`
/// (RFC 9711 sections 4.2.5 and 4.2.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Version {
    /// The version text.
    pub version: String,
    /// The `$version-scheme` (1 multipartnumeric, 2 +suffix, 3 alphanumeric, 4 decimal,
    /// 16384 semver).
    pub scheme: Option<i64>,
}

impl Version {
    fn encode(&self, w: &mut Writer) {
        w.array(if self.scheme.is_some() { 2 } else { 1 })
            .text(&self.version);
        if let Some(s) = self.scheme {
            w.int(s);
        }
    }

    fn decode(r: &mut Reader<'_>, what: Item) -> Result<Self, Error> {
        let at = r.position();
        let mut len = r.array(what)?;
        let mut c = 0;
        if !r.has_next(&mut len, &mut c, what)? {
            return Err(Error::BadLength { what, at });
        }
        let version = r.text(what)?.into_owned();
        let scheme = if r.has_next(&mut len, &mut c, what)? {
            Some(r.int(what)?)
        } else {
            None
        };
        if r.has_next(&mut len, &mut c, what)? {
            return Err(Error::BadLength { what, at });
        }
        Ok(Self { version, scheme })
    }
}

/// The `dbgstat` claim (RFC 9711 section 4.2.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum DebugStatus {
    /// 0: debug is enabled.
    Enabled,
    /// 1: disabled now.
    Disabled,
    /// 2: disabled since boot.
    DisabledSinceBoot,
    /// 3: disabled permanently.
    DisabledPermanently,
    /// 4: disabled fully and permanently.
    DisabledFullyAndPermanently,
}

impl DebugStatus {
    /// The CBOR value.
    pub const fn to_u8(self) -> u8 {
        match self {
            Self::Enabled => 0,
            Self::Disabled => 1,
            Self::DisabledSinceBoot => 2,
            Self::DisabledPermanently => 3,
            Self::DisabledFullyAndPermanently => 4,
        }
    }

    /// From the CBOR value; `None` above 4.
    pub const fn from_u64(v: u64) -> Option<Self> {
        Some(match v {
            0 => Self::Enabled,
            1 => Self::Disabled,
            2 => Self::DisabledSinceBoot,
            3 => Self::DisabledPermanently,
            4 => Self::DisabledFullyAndPermanently,
            _ => return None,
        })
    }
}

/// The `eat_profile` claim (RFC 9711 section 4.3.2): a URI, or an OID as BER content octets
/// (a byte string without tag 111; rats-formats.md 9.2 item 18).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum EatProfile {
    /// A URI.
    Uri(String),
    /// OID content octets.
    Oid(Vec<u8>),
}

impl EatProfile {
    /// Reads an `eat_profile`: text is a URI, a byte string OID content octets.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let at = r.position();
        match r.peek_major(Item::EatProfile)? {
            Major::Text => Ok(Self::Uri(r.text(Item::EatProfile)?.into_owned())),
            Major::Bytes => Ok(Self::Oid(r.bytes(Item::EatProfile)?.into_owned())),
            _ => Err(Error::UnexpectedType {
                what: Item::EatProfile,
                at,
            }),
        }
    }
}

/// The profile identifier of the Constrained Device Standard Profile (RFC 9711 section 6.4;
/// `urn:ietf:rfc:rfcTBD` in the source with the number substituted, unconfirmed against the
/// printed RFC, rats-formats.md section 3.5).
pub const CONSTRAINED_DEVICE_PROFILE: &str = "urn:ietf:rfc:rfc9711";

/// One `measurements` entry: `[content-type, content]` (RFC 9711 section 4.2.16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Measurement {
    /// The CoAP Content-Format of `content` (for example 258 for a CoSWID).
    pub content_format: u16,
    /// The encoded measurement (`bytes .cbor` the format).
    pub content: Vec<u8>,
}

/// The `cnf` claim (RFC 8747 section 3.1): exactly one proof-of-possession key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Confirmation {
    /// Member 1: a COSE_Key map (RFC 9052 section 7), kept as generic entries.
    CoseKey(Vec<(Value, Value)>),
    /// Member 2: an Encrypted_COSE_Key.
    EncryptedCoseKey(Value),
    /// Member 3: a key identifier (the simulated TEE's AIK public-key hash).
    Kid(Vec<u8>),
}

impl Confirmation {
    fn encode(&self, w: &mut Writer) {
        w.map_with(|m| {
            match self {
                Self::CoseKey(k) => m.int(1, |w| w.value_map(k)),
                Self::EncryptedCoseKey(v) => m.int(2, |w| w.value(v)),
                Self::Kid(k) => m.int(3, |w| w.bytes(k)),
            };
        });
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::Cnf;
        let at = r.position();
        if r.map(what)? != cbor::Len::Definite(1) {
            return Err(Error::BadLength { what, at });
        }
        r.enter(what)?;
        let kat = r.position();
        // Maps compare as sets (any order is accepted): keep the order the encoder writes,
        // so a decoded confirmation equals its re-encoding's.
        let canonical = |r: &mut Reader<'_>| {
            r.value(what).map(|mut v| {
                v.canonicalize();
                v
            })
        };
        let c = match r.int(what)? {
            1 => match canonical(r)? {
                Value::Map(m) => Self::CoseKey(m),
                _ => return Err(Error::UnexpectedType { what, at: kat }),
            },
            2 => Self::EncryptedCoseKey(canonical(r)?),
            3 => Self::Kid(r.bytes(what)?.into_owned()),
            _ => return Err(Error::InvalidValue { what, at: kat }),
        };
        r.leave();
        Ok(c)
    }
}

/// One `submods` entry (RFC 9711 section 4.2.18; rats-formats.md section 3.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Submodule {
    /// A claims-set in the same encoding, same signer.
    Claims(Box<ClaimsSet>),
    /// A nested CBOR token: a byte string holding a tagged token (CWT 61, DEB 602, UCCS 601).
    Nested(Vec<u8>),
    /// A JSON token inside a CBOR token: a JSON-Selector text.
    JsonSelector(String),
    /// A detached digest `[hash-alg, digest]`.
    Digest {
        /// The COSE hash algorithm (an int such as -16, or its name).
        alg: Label,
        /// The digest bytes.
        digest: Vec<u8>,
    },
}

/// Claims this crate does not type, by label, kept for round-tripping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExtraClaims(Vec<(Label, Value)>);

impl ExtraClaims {
    /// Adds a claim.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a label the typed fields own or one already present.
    pub fn insert(&mut self, label: Label, value: Value) -> Result<(), Error> {
        if matches!(label, Label::Int(i) if KNOWN.contains(&i))
            || self.0.iter().any(|(l, _)| *l == label)
            || self.0.len() as u64 >= cbor::MAX_ITEMS
        {
            return Err(Error::InvalidArgument {
                what: Item::ClaimsSet,
            });
        }
        self.0.push((label, value));
        self.0.sort_by(|a, b| a.0.cmp_encoded(&b.0));
        Ok(())
    }

    /// The claim with `label`.
    pub fn get(&self, label: &Label) -> Option<&Value> {
        self.0.iter().find(|(l, _)| l == label).map(|(_, v)| v)
    }

    /// Every claim, sorted by encoded label.
    pub fn iter(&self) -> impl Iterator<Item = &(Label, Value)> {
        self.0.iter()
    }
}

/// An EAT claims-set (RFC 9711 section 4; CDDL in rats-formats.md section 3.6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClaimsSet {
    /// `iss` (1).
    pub iss: Option<String>,
    /// `sub` (2).
    pub sub: Option<String>,
    /// `exp` (4), integer seconds.
    pub exp: Option<i64>,
    /// `nbf` (5), integer seconds.
    pub nbf: Option<i64>,
    /// `iat` (6), integer seconds.
    pub iat: Option<i64>,
    /// `cnf` (8).
    pub cnf: Option<Confirmation>,
    /// `eat_nonce` (10).
    pub nonce: Option<Nonce>,
    /// `ueid` (256).
    pub ueid: Option<Ueid>,
    /// `oemid` (258).
    pub oemid: Option<OemId>,
    /// `hwmodel` (259).
    pub hwmodel: Option<HwModel>,
    /// `hwversion` (260).
    pub hwversion: Option<Version>,
    /// `oemboot` (262).
    pub oemboot: Option<bool>,
    /// `dbgstat` (263).
    pub dbgstat: Option<DebugStatus>,
    /// `eat_profile` (265).
    pub profile: Option<EatProfile>,
    /// `submods` (266); encoded only when non-empty (the CDDL requires one entry or more).
    pub submods: Vec<(String, Submodule)>,
    /// `swname` (270).
    pub swname: Option<String>,
    /// `swversion` (271).
    pub swversion: Option<Version>,
    /// `measurements` (273); encoded only when non-empty.
    pub measurements: Vec<Measurement>,
    /// Every other claim.
    pub extra: ExtraClaims,
}

/// Reads an integer NumericDate, refusing floats and tags (RFC 9711 section 4.3.1).
pub(crate) fn time(r: &mut Reader<'_>) -> Result<i64, Error> {
    let at = r.position();
    match r.peek_major(Item::Time)? {
        Major::Uint | Major::Nint => r.int(Item::Time),
        Major::Simple => Err(Error::InvalidValue {
            what: Item::Time,
            at,
        }),
        _ => Err(Error::UnexpectedType {
            what: Item::Time,
            at,
        }),
    }
}

impl ClaimsSet {
    /// Encodes the claims-set deterministically (RFC 8949 section 4.2.1).
    ///
    /// `submods` labels that repeat are written once (the first wins); build them unique.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(256);
        self.encode(&mut w);
        w.into_vec()
    }

    fn encode(&self, w: &mut Writer) {
        // Keys in bytewise order (1 to 10, then 256 to 273), so that nothing moves; extra
        // claims follow, and the map is sorted only if one of them sorts earlier.
        w.map_with(|m| {
            if let Some(v) = &self.iss {
                m.int(ISS, |w| w.text(v));
            }
            if let Some(v) = &self.sub {
                m.int(SUB, |w| w.text(v));
            }
            for (k, v) in [(EXP, self.exp), (NBF, self.nbf), (IAT, self.iat)] {
                if let Some(v) = v {
                    m.int(k, |w| w.int(v));
                }
            }
            if let Some(c) = &self.cnf {
                m.int(CNF, |w| {
                    c.encode(w);
                    w
                });
            }
            if let Some(n) = &self.nonce {
                m.int(EAT_NONCE, |w| {
                    n.encode(w);
                    w
                });
            }
            if let Some(u) = &self.ueid {
                m.int(UEID, |w| w.bytes(&u.0));
            }
            if let Some(o) = &self.oemid {
                m.int(OEMID, |w| match o {
                    OemId::Pen(p) => w.int(*p),
                    OemId::Ieee(b) => w.bytes(b),
                    OemId::Random(b) => w.bytes(b),
                });
            }
            if let Some(h) = &self.hwmodel {
                m.int(HWMODEL, |w| w.bytes(&h.0));
            }
            if let Some(v) = &self.hwversion {
                m.int(HWVERSION, |w| {
                    v.encode(w);
                    w
                });
            }
            if let Some(b) = self.oemboot {
                m.int(OEMBOOT, |w| w.bool(b));
            }
            if let Some(d) = self.dbgstat {
                m.int(DBGSTAT, |w| w.uint(u64::from(d.to_u8())));
            }
            if let Some(p) = &self.profile {
                m.int(EAT_PROFILE, |w| match p {
                    EatProfile::Uri(u) => w.text(u),
                    EatProfile::Oid(o) => w.bytes(o),
                });
            }
            if !self.submods.is_empty() {
                m.int(SUBMODS, |w| {
                    w.map_with(|sm| {
                        for (label, s) in &self.submods {
                            sm.text(label, |w| match s {
                                Submodule::Claims(c) => {
                                    c.encode(w);
                                    w
                                }
                                Submodule::Nested(b) => w.bytes(b),
                                Submodule::JsonSelector(t) => w.text(t),
                                Submodule::Digest { alg, digest } => {
                                    w.array(2);
                                    match alg {
                                        Label::Int(i) => w.int(*i),
                                        Label::Text(t) => w.text(t),
                                    };
                                    w.bytes(digest)
                                }
                            });
                        }
                    })
                });
            }
            if let Some(v) = &self.swname {
                m.int(SWNAME, |w| w.text(v));
            }
            if let Some(v) = &self.swversion {
                m.int(SWVERSION, |w| {
                    v.encode(w);
                    w
                });
            }
            if !self.measurements.is_empty() {
                m.int(MEASUREMENTS, |w| {
                    w.array(self.measurements.len());
                    for x in &self.measurements {
                        w.array(2)
                            .uint(u64::from(x.content_format))
                            .bytes(&x.content);
                    }
                    w
                });
            }
            for (l, v) in &self.extra.0 {
                m.label(l, |w| w.value(v));
            }
        });
    }

    /// Decodes a claims-set strictly ([`Profile::STRICT`]: definite lengths, preferred
    /// serialization, as the constrained device profile requires). Any map order is accepted.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        Self::decode_with(bytes, Profile::STRICT)
    }

    /// Decodes a claims-set under `profile`.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_with(bytes: &[u8], profile: Profile) -> Result<Self, Error> {
        cbor::decode_all(bytes, profile, Item::ClaimsSet, Self::decode_item)
    }

    /// Decodes a claims-set from a reader.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_item(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::ClaimsSet;
        let mut c = Self::default();
        r.label_map(what, |r, label, _, vat| {
            match label {
                Label::Int(ISS) => c.iss = Some(r.text(Item::Text)?.into_owned()),
                Label::Int(SUB) => c.sub = Some(r.text(Item::Text)?.into_owned()),
                Label::Int(EXP) => c.exp = Some(time(r)?),
                Label::Int(NBF) => c.nbf = Some(time(r)?),
                Label::Int(IAT) => c.iat = Some(time(r)?),
                Label::Int(CNF) => c.cnf = Some(Confirmation::decode(r)?),
                Label::Int(EAT_NONCE) => c.nonce = Some(Nonce::decode(r)?),
                Label::Int(UEID) => {
                    c.ueid = Some(Ueid(bounded_bytes(
                        r,
                        Item::Ueid,
                        MIN_UEID_LEN..=MAX_UEID_LEN,
                    )?));
                }
                Label::Int(OEMID) => {
                    c.oemid = Some(match r.peek_major(Item::OemId)? {
                        Major::Uint | Major::Nint => OemId::Pen(r.int(Item::OemId)?),
                        Major::Bytes => {
                            let b = r.bytes(Item::OemId)?;
                            if let Ok(a) = <[u8; 3]>::try_from(b.as_ref()) {
                                OemId::Ieee(a)
                            } else if let Ok(a) = <[u8; 16]>::try_from(b.as_ref()) {
                                OemId::Random(a)
                            } else {
                                return Err(Error::BadLength {
                                    what: Item::OemId,
                                    at: vat,
                                });
                            }
                        }
                        _ => {
                            return Err(Error::UnexpectedType {
                                what: Item::OemId,
                                at: vat,
                            });
                        }
                    });
                }
                Label::Int(HWMODEL) => {
                    c.hwmodel = Some(HwModel(bounded_bytes(
                        r,
                        Item::HwModel,
                        1..=MAX_HWMODEL_LEN,
                    )?));
                }
                Label::Int(HWVERSION) => c.hwversion = Some(Version::decode(r, Item::HwVersion)?),
                Label::Int(OEMBOOT) => c.oemboot = Some(r.bool(Item::OemBoot)?),
                Label::Int(DBGSTAT) => {
                    let v = r.uint(Item::DbgStat)?;
                    c.dbgstat = Some(DebugStatus::from_u64(v).ok_or(Error::InvalidValue {
                        what: Item::DbgStat,
                        at: vat,
                    })?);
                }
                Label::Int(EAT_PROFILE) => c.profile = Some(EatProfile::decode(r)?),
                Label::Int(SUBMODS) => c.submods = decode_submods(r)?,
                Label::Int(SWNAME) => c.swname = Some(r.text(Item::SwName)?.into_owned()),
                Label::Int(SWVERSION) => c.swversion = Some(Version::decode(r, Item::SwVersion)?),
                Label::Int(MEASUREMENTS) => c.measurements = decode_measurements(r)?,
                other => {
                    // Maps compare as sets (any map order is accepted): keep the order the
                    // encoder writes, so a decoded claims-set equals its re-encoding's.
                    let mut v = r.value(what)?;
                    v.canonicalize();
                    c.extra.0.push((other, v));
                }
            }
            Ok(())
        })?;
        c.extra.0.sort_by(|a, b| a.0.cmp_encoded(&b.0));
        Ok(c)
    }
}

fn decode_measurements(r: &mut Reader<'_>) -> Result<Vec<Measurement>, Error> {
    let what = Item::Measurements;
    let at = r.position();
    let mut len = r.array(what)?;
    let mut c = 0;
    let mut out = Vec::new();
    while r.has_next(&mut len, &mut c, what)? {
        let eat = r.position();
        if r.array(what)? != cbor::Len::Definite(2) {
            return Err(Error::BadLength { what, at: eat });
        }
        let cfat = r.position();
        let content_format =
            u16::try_from(r.uint(what)?).map_err(|_| Error::InvalidValue { what, at: cfat })?;
        let content = r.bytes(what)?.into_owned();
        out.push(Measurement {
            content_format,
            content,
        });
    }
    if out.is_empty() {
        return Err(Error::BadLength { what, at });
    }
    Ok(out)
}

fn decode_submods(r: &mut Reader<'_>) -> Result<Vec<(String, Submodule)>, Error> {
    let what = Item::Submods;
    let at = r.position();
    let mut out = Vec::new();
    r.text_map(what, |r, label, _, vat| {
        // Dispatch on the major type (rats-formats.md section 3.4).
        let s = match r.peek_major(what)? {
            Major::Map => Submodule::Claims(Box::new(ClaimsSet::decode_item(r)?)),
            Major::Bytes => Submodule::Nested(r.bytes(what)?.into_owned()),
            Major::Text => Submodule::JsonSelector(r.text(what)?.into_owned()),
            Major::Array => {
                if r.array(what)? != cbor::Len::Definite(2) {
                    return Err(Error::BadLength { what, at: vat });
                }
                let alg = Label::decode(r, what)?;
                let digest = r.bytes(what)?.into_owned();
                Submodule::Digest { alg, digest }
            }
            _ => return Err(Error::UnexpectedType { what, at: vat }),
        };
        out.push((label, s));
        Ok(())
    })?;
    if out.is_empty() {
        return Err(Error::BadLength { what, at });
    }
    // A map: its entries in the order the encoder writes them, not the sender's.
    out.sort_by(|a, b| cbor::cmp_text_encoded(&a.0, &b.0));
    Ok(out)
}

/// Decodes a signed EAT (a CWT: COSE_Sign1, tagged or not, optionally in tag 61), verifies its
/// signature with `verifier`, then decodes the claims-set (never before the signature checks).
///
/// # Errors
///
/// COSE structure errors, the verifier's error, [`Error::DetachedPayload`], or claims-set
/// errors (their offsets are relative to the payload).
pub fn verify_cwt(
    token: &[u8],
    verifier: &dyn CoseVerifier,
) -> Result<(ClaimsSet, CoseSign1, Tagging), Error> {
    let (msg, tagging) = CoseSign1::decode(token)?;
    msg.verify(verifier, &[], None)?;
    let payload = msg.payload().ok_or(Error::DetachedPayload)?;
    let claims = ClaimsSet::decode(payload)?;
    Ok((claims, msg, tagging))
}

#[cfg(feature = "arbitrary")]
mod arb {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    fn sized(u: &mut Unstructured<'_>, lo: usize, hi: usize) -> Result<Vec<u8>> {
        let n = u.int_in_range(lo..=hi)?;
        (0..n).map(|_| u.arbitrary()).collect()
    }

    impl<'a> Arbitrary<'a> for Nonce {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let k = if u.arbitrary()? {
                1
            } else {
                u.int_in_range(2..=3)?
            };
            let mut v = Vec::new();
            for _ in 0..k {
                v.push(sized(u, MIN_NONCE_LEN, MAX_NONCE_LEN)?);
            }
            Ok(Self(v))
        }
    }

    impl<'a> Arbitrary<'a> for Ueid {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self(sized(u, MIN_UEID_LEN, MAX_UEID_LEN)?))
        }
    }

    impl<'a> Arbitrary<'a> for HwModel {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self(sized(u, 1, MAX_HWMODEL_LEN)?))
        }
    }

    impl<'a> Arbitrary<'a> for Confirmation {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(match u.int_in_range(0..=2)? {
                0 => {
                    let mut v = Value::Map(vec![
                        (Value::Uint(1), Value::Uint(2)),
                        (Value::int(-1), Value::Uint(1)),
                        (Value::int(-2), Value::Bytes(sized(u, 32, 32)?)),
                    ]);
                    v.canonicalize();
                    match v {
                        Value::Map(m) => Self::CoseKey(m),
                        _ => Self::Kid(vec![]),
                    }
                }
                1 => Self::EncryptedCoseKey(crate::cbor::arbitrary_value(u, 1)?),
                _ => Self::Kid(u.arbitrary()?),
            })
        }
    }

    fn claims(u: &mut Unstructured<'_>, depth: usize) -> Result<ClaimsSet> {
        let mut c = ClaimsSet {
            iss: u.arbitrary()?,
            sub: u.arbitrary()?,
            exp: u.arbitrary()?,
            nbf: u.arbitrary()?,
            iat: u.arbitrary()?,
            cnf: u.arbitrary()?,
            nonce: u.arbitrary()?,
            ueid: u.arbitrary()?,
            oemid: u.arbitrary()?,
            hwmodel: u.arbitrary()?,
            hwversion: u.arbitrary()?,
            oemboot: u.arbitrary()?,
            dbgstat: u.arbitrary()?,
            profile: u.arbitrary()?,
            submods: Vec::new(),
            swname: u.arbitrary()?,
            swversion: u.arbitrary()?,
            measurements: u.arbitrary()?,
            extra: ExtraClaims::default(),
        };
        if depth < 2 {
            for _ in 0..u.int_in_range(0..=2)? {
                let label: String = u.arbitrary()?;
                let s = match u.int_in_range(0..=3)? {
                    0 => Submodule::Claims(Box::new(claims(u, depth + 1)?)),
                    1 => Submodule::Nested(u.arbitrary()?),
                    2 => Submodule::JsonSelector(u.arbitrary()?),
                    _ => Submodule::Digest {
                        alg: u.arbitrary()?,
                        digest: u.arbitrary()?,
                    },
                };
                if !c.submods.iter().any(|(l, _)| *l == label) {
                    c.submods.push((label, s));
                }
            }
            // Decoding sorts the labels as the encoder writes them.
            c.submods
                .sort_by(|a, b| crate::cbor::cmp_text_encoded(&a.0, &b.0));
        }
        for _ in 0..u.int_in_range(0..=2)? {
            let l: Label = u.arbitrary()?;
            let v = crate::cbor::arbitrary_value(u, 1)?;
            let _ignored_collision = c.extra.insert(l, v);
        }
        Ok(c)
    }

    impl<'a> Arbitrary<'a> for ClaimsSet {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            claims(u, 0)
        }
    }
}
