//! EAT Attestation Results (draft-ietf-rats-ear-03, with the -04 deltas the digest gives) and
//! AR4SI trustworthiness vectors and tiers (rats-formats.md sections 4.2 and 4.3).
//!
//! [`Ear`] is the claims-set a Verifier signs, as a CWT claims map ([`Ear::to_cbor`]) or as
//! JWT JSON claims ([`Ear::to_json_string`]). The profile string selects the generation: under
//! `#03` the raw evidence is a byte string, under `#04` a CMW record (unconfirmed in the digest).
//! Legacy Veraison EARs (dotted JSON names, single policy id) are not accepted.
//!
//! Decoding enforces the AR4SI status rule: a status other than `none` is never more
//! trustworthy than the worst claim under it (an appraisal's vector, or the EAR's submods).
//! A `none` status is always allowed: the draft's own TEEP and Veraison examples pair
//! status 0 with affirming vectors. Unknown CBOR claims round-trip in `extra`; unknown JSON
//! members are ignored, as RFC 9711 requires of receivers.

use crate::cbor::{self, Label, Profile, Reader, Value, Writer};
use crate::cmw::{Record, RecordType};
use crate::cose::{Algorithm, CoseSign1, CoseSigner, CoseVerifier, HeaderMap, Tagging};
use crate::eat::{self, EatProfile, Nonce};
use crate::error::{Error, Item};
use crate::json::{self, Json};

/// The `eat_profile` of draft-ietf-rats-ear-03.
pub const EAR_PROFILE_03: &str = "tag:ietf.org,2026:rats/ear#03";
/// The `eat_profile` of draft-ietf-rats-ear-04 (seen only in the `ear` 0.6.0 crate).
pub const EAR_PROFILE_04: &str = "tag:ietf.org,2026:rats/ear#04";

/// `ear_status` (suggested CBOR key in -03; not IANA-registered).
pub const EAR_STATUS: i64 = 1000;
/// `ear_trustworthiness_vector`.
pub const EAR_TRUST_VECTOR: i64 = 1001;
/// `ear_raw_evidence`.
pub const EAR_RAW_EVIDENCE: i64 = 1002;
/// `ear_appraisal_policy_ids`.
pub const EAR_POLICY_IDS: i64 = 1003;
/// `ear_verifier_id`.
pub const EAR_VERIFIER_ID: i64 = 1004;

/// An AR4SI trustworthiness tier, also the `ear_status` value (rats-formats.md section 4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Tier {
    /// 0 `"none"`: no claim, or insufficient evidence.
    None,
    /// 2 `"affirming"`.
    Affirming,
    /// 32 `"warning"`.
    Warning,
    /// 96 `"contraindicated"`.
    Contraindicated,
}

impl Tier {
    /// The CBOR value (0, 2, 32, 96).
    pub const fn to_i64(self) -> i64 {
        match self {
            Self::None => 0,
            Self::Affirming => 2,
            Self::Warning => 32,
            Self::Contraindicated => 96,
        }
    }

    /// From the CBOR value; `None` for anything but 0, 2, 32, 96.
    pub const fn from_i64(v: i64) -> Option<Self> {
        Some(match v {
            0 => Self::None,
            2 => Self::Affirming,
            32 => Self::Warning,
            96 => Self::Contraindicated,
            _ => return None,
        })
    }

    /// The JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Affirming => "affirming",
            Self::Warning => "warning",
            Self::Contraindicated => "contraindicated",
        }
    }

    /// From the JSON name.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            Self::None,
            Self::Affirming,
            Self::Warning,
            Self::Contraindicated,
        ]
        .into_iter()
        .find(|t| t.name() == s)
    }

    /// The tier of one trustworthiness claim value: 0, 1, -1 none; 2..31 and -2..-32
    /// affirming; 32..95 and -33..-96 warning; 96..127 and -97..-128 contraindicated.
    pub const fn of_claim(v: i8) -> Self {
        match v {
            -1..=1 => Self::None,
            2..=31 | -32..=-2 => Self::Affirming,
            32..=95 | -96..=-33 => Self::Warning,
            _ => Self::Contraindicated,
        }
    }

    /// The worst (least trustworthy) of some tiers, ordering none < affirming < warning <
    /// contraindicated (rats-formats.md 9.2 item 23); `None` when empty.
    pub fn worst(tiers: impl IntoIterator<Item = Self>) -> Self {
        tiers.into_iter().max().unwrap_or(Self::None)
    }

    /// Whether a status of `self` is allowed over claims whose worst tier is `worst`: never
    /// more trustworthy, except that `none` (no overall claim) is always allowed.
    pub fn allows(self, worst: Self) -> bool {
        self == Self::None || self >= worst
    }
}

/// Picks one value among candidate trustworthiness claim values in AR4SI order: standard
/// contraindicated, private contraindicated, standard warning, private warning, standard
/// affirming, private affirming, else -1 if present, else 0 (rats-formats.md section 4.2).
pub fn pick_claim(candidates: &[i8]) -> i8 {
    let ranks: [fn(i8) -> bool; 6] = [
        |v| v >= 96,
        |v| v <= -97,
        |v| (32..=95).contains(&v),
        |v| (-96..=-33).contains(&v),
        |v| (2..=31).contains(&v),
        |v| (-32..=-2).contains(&v),
    ];
    for rank in ranks {
        if let Some(v) = candidates.iter().copied().find(|v| rank(*v)) {
            return v;
        }
    }
    if candidates.contains(&-1) { -1 } else { 0 }
}

/// The names of the eight trustworthiness claims, indexed by CBOR key 0..7 (AR4SI).
pub const TRUST_CLAIM_NAMES: [&str; 8] = [
    "instance-identity",
    "configuration",
    "executables",
    "file-system",
    "hardware",
    "runtime-opaque",
    "storage-opaque",
    "sourced-data",
];

/// An AR4SI trustworthiness vector: up to eight claims, each an `i8`; non-empty on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrustVector([Option<i8>; 8]);

impl TrustVector {
    /// A vector from claim values indexed by CBOR key (0 instance-identity ... 7 sourced-data).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when every claim is absent (the CDDL wants a non-empty map).
    pub fn new(claims: [Option<i8>; 8]) -> Result<Self, Error> {
        if claims.iter().all(Option::is_none) {
            return Err(Error::InvalidArgument {
                what: Item::TrustVector,
            });
        }
        Ok(Self(claims))
    }

    /// The claims by CBOR key.
    pub const fn claims(&self) -> &[Option<i8>; 8] {
        &self.0
    }

    /// The claim with CBOR key `key` (0..=7).
    pub fn get(&self, key: usize) -> Option<i8> {
        self.0.get(key).copied().flatten()
    }

    /// The worst tier among the present claims.
    pub fn worst_tier(&self) -> Tier {
        Tier::worst(self.0.iter().flatten().map(|v| Tier::of_claim(*v)))
    }

    fn encode(&self, w: &mut Writer) {
        let n = self.0.iter().flatten().count();
        w.map(n);
        // Keys 0..7 encode as single bytes 00..07, so index order is bytewise order.
        for (k, v) in (0u64..).zip(self.0.iter()) {
            if let Some(v) = v {
                w.uint(k).int(i64::from(*v));
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::TrustVector;
        let at = r.position();
        let mut len = r.map(what)?;
        let mut n = 0;
        let mut claims = [None; 8];
        while r.has_next(&mut len, &mut n, what)? {
            let kat = r.position();
            let k = r.uint(what)?;
            // The CDDL closes the map: unknown keys are refused.
            let slot = usize::try_from(k)
                .ok()
                .and_then(|k| claims.get_mut(k))
                .ok_or(Error::InvalidValue { what, at: kat })?;
            if slot.is_some() {
                return Err(Error::DuplicateKey { what, at: kat });
            }
            let vat = r.position();
            let v = r.int(Item::TrustClaim)?;
            *slot = Some(i8::try_from(v).map_err(|_| Error::InvalidValue {
                what: Item::TrustClaim,
                at: vat,
            })?);
        }
        Self::new(claims).map_err(|_| Error::BadLength { what, at })
    }

    fn to_json(self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (name, v) in TRUST_CLAIM_NAMES.iter().zip(self.0.iter()) {
            if let Some(v) = v {
                m.insert((*name).to_owned(), serde_json::Value::from(*v));
            }
        }
        serde_json::Value::Object(m)
    }

    fn from_json(v: &Json) -> Result<Self, Error> {
        let what = Item::TrustVector;
        let members = v.as_object().ok_or(Error::UnexpectedType { what, at: 0 })?;
        let mut claims = [None; 8];
        for (k, v) in members {
            let idx = TRUST_CLAIM_NAMES
                .iter()
                .position(|n| n == k)
                .ok_or(Error::InvalidValue { what, at: 0 })?;
            let Json::Number(n) = v else {
                return Err(Error::UnexpectedType {
                    what: Item::TrustClaim,
                    at: 0,
                });
            };
            let v = n
                .as_i64()
                .and_then(|v| i8::try_from(v).ok())
                .ok_or(Error::InvalidValue {
                    what: Item::TrustClaim,
                    at: 0,
                })?;
            if let Some(slot) = claims.get_mut(idx) {
                *slot = Some(v);
            }
        }
        Self::new(claims).map_err(|_| Error::BadLength { what, at: 0 })
    }
}

/// The AR4SI verifier identity: `{0: developer, 1: build}` / `{"developer", "build"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct VerifierId {
    /// Who built the verifier.
    pub developer: String,
    /// Which build of it.
    pub build: String,
}

impl VerifierId {
    fn encode(&self, w: &mut Writer) {
        w.map(2)
            .uint(0)
            .text(&self.developer)
            .uint(1)
            .text(&self.build);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::VerifierId;
        let at = r.position();
        let mut len = r.map(what)?;
        let mut n = 0;
        let (mut developer, mut build) = (None, None);
        while r.has_next(&mut len, &mut n, what)? {
            let kat = r.position();
            let slot = match r.uint(what)? {
                0 => &mut developer,
                1 => &mut build,
                _ => return Err(Error::InvalidValue { what, at: kat }),
            };
            if slot.is_some() {
                return Err(Error::DuplicateKey { what, at: kat });
            }
            *slot = Some(r.text(what)?.into_owned());
        }
        match (developer, build) {
            (Some(developer), Some(build)) => Ok(Self { developer, build }),
            _ => Err(Error::Missing { what, at }),
        }
    }
}

/// `ear_raw_evidence`: bytes under -03, a CMW record under -04.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RawEvidence {
    /// -03: the Evidence bytes.
    Bytes(Vec<u8>),
    /// -04: a CMW record (CBOR in a CWT; the JSON record form in a JWT).
    Cmw(Record),
}

/// One appraisal (a `submods` entry of an EAR; draft-ietf-rats-ear-03 section 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Appraisal {
    /// `ear_status`, required.
    pub status: Tier,
    /// `ear_trustworthiness_vector`.
    pub trust_vector: Option<TrustVector>,
    /// `ear_appraisal_policy_ids`, in application order; encoded only when non-empty.
    pub policy_ids: Vec<String>,
    /// `eat_nonce` taken from the appraised Evidence.
    pub nonce: Option<Nonce>,
    /// `eat_profile` of the appraisal.
    pub profile: Option<EatProfile>,
    /// Every other CBOR claim (TEEP 65000, Veraison -70000.., -04's 1005/1006), by label.
    pub extra: Vec<(Label, Value)>,
}

#[cfg_attr(not(feature = "arbitrary"), allow(dead_code))]
const APPRAISAL_KNOWN: [i64; 5] = [
    EAR_STATUS,
    EAR_TRUST_VECTOR,
    EAR_POLICY_IDS,
    eat::EAT_NONCE,
    eat::EAT_PROFILE,
];

impl Appraisal {
    /// An appraisal with no claim yet, for the decoders to fill in.
    const fn empty() -> Self {
        Self {
            status: Tier::None,
            trust_vector: None,
            policy_ids: Vec::new(),
            nonce: None,
            profile: None,
            extra: Vec::new(),
        }
    }

    /// Checks the AR4SI rule: the status is not more trustworthy than the worst vector claim.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming the status.
    pub fn check_status(&self) -> Result<(), Error> {
        let worst = self.trust_vector.map_or(Tier::None, |v| v.worst_tier());
        if !self.status.allows(worst) {
            return Err(Error::InvalidValue {
                what: Item::EarStatus,
                at: 0,
            });
        }
        Ok(())
    }

    fn encode(&self, w: &mut Writer) {
        // Keys in bytewise order (10, 265, 1000, 1001, 1003), so that nothing moves.
        w.map_with(|m| {
            if let Some(n) = &self.nonce {
                m.int(eat::EAT_NONCE, |w| {
                    n.encode(w);
                    w
                });
            }
            if let Some(p) = &self.profile {
                m.int(eat::EAT_PROFILE, |w| profile_encode(w, p));
            }
            m.int(EAR_STATUS, |w| w.int(self.status.to_i64()));
            if let Some(v) = &self.trust_vector {
                m.int(EAR_TRUST_VECTOR, |w| {
                    v.encode(w);
                    w
                });
            }
            if !self.policy_ids.is_empty() {
                m.int(EAR_POLICY_IDS, |w| {
                    w.array(self.policy_ids.len());
                    for p in &self.policy_ids {
                        w.text(p);
                    }
                    w
                });
            }
            for (l, v) in &self.extra {
                m.label(l, |w| w.value(v));
            }
        });
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::EarAppraisal;
        let at = r.position();
        let mut status = None;
        let mut a = Self::empty();
        r.label_map(what, |r, label, _, _| {
            match label {
                Label::Int(EAR_STATUS) => status = Some(decode_tier(r)?),
                Label::Int(EAR_TRUST_VECTOR) => a.trust_vector = Some(TrustVector::decode(r)?),
                Label::Int(EAR_POLICY_IDS) => a.policy_ids = decode_policy_ids(r)?,
                Label::Int(eat::EAT_NONCE) => a.nonce = Some(Nonce::decode(r)?),
                Label::Int(eat::EAT_PROFILE) => a.profile = Some(EatProfile::decode(r)?),
                other => {
                    // Maps compare as sets: keep the order the encoder writes.
                    let mut v = r.value(what)?;
                    v.canonicalize();
                    a.extra.push((other, v));
                }
            }
            Ok(())
        })?;
        a.status = status.ok_or(Error::Missing {
            what: Item::EarStatus,
            at,
        })?;
        a.check_status().map_err(|e| e.nested(at))?;
        a.extra.sort_by(|(a, _), (b, _)| a.cmp_encoded(b));
        Ok(a)
    }

    fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("ear_status".into(), self.status.name().into());
        if let Some(v) = &self.trust_vector {
            m.insert("ear_trustworthiness_vector".into(), v.to_json());
        }
        if !self.policy_ids.is_empty() {
            m.insert(
                "ear_appraisal_policy_ids".into(),
                self.policy_ids.clone().into(),
            );
        }
        if let Some(n) = &self.nonce {
            m.insert("eat_nonce".into(), nonce_json(n));
        }
        if let Some(p) = &self.profile {
            m.insert("eat_profile".into(), profile_json(p));
        }
        serde_json::Value::Object(m)
    }

    fn from_json(v: &Json) -> Result<Self, Error> {
        let what = Item::EarAppraisal;
        let members = v.as_object().ok_or(Error::UnexpectedType { what, at: 0 })?;
        let mut status = None;
        let mut a = Self::empty();
        for (k, v) in members {
            match k.as_str() {
                "ear_status" => status = Some(tier_json(v)?),
                "ear_trustworthiness_vector" => a.trust_vector = Some(TrustVector::from_json(v)?),
                "ear_appraisal_policy_ids" => a.policy_ids = policy_ids_json(v)?,
                "eat_nonce" => a.nonce = Some(nonce_from_json(v)?),
                "eat_profile" => a.profile = Some(profile_from_json(v)?),
                _ => {}
            }
        }
        a.status = status.ok_or(Error::Missing {
            what: Item::EarStatus,
            at: 0,
        })?;
        a.check_status()?;
        Ok(a)
    }
}

/// An EAR claims-set (draft-ietf-rats-ear-03 section 3; -04 deltas per rats-formats.md 4.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ear {
    /// `eat_profile`: [`EAR_PROFILE_03`] or [`EAR_PROFILE_04`].
    pub profile: String,
    /// `iat`, integer seconds (floats are refused on decode).
    pub iat: i64,
    /// `exp`, integer seconds.
    pub exp: Option<i64>,
    /// `ear_verifier_id`.
    pub verifier_id: VerifierId,
    /// `ear_raw_evidence`.
    pub raw_evidence: Option<RawEvidence>,
    /// `submods`: one appraisal per label; at least one on the wire.
    pub submods: Vec<(String, Appraisal)>,
    /// `eat_nonce`: freshness of the result.
    pub nonce: Option<Nonce>,
    /// The top-level `ear_status`.
    pub status: Option<Tier>,
    /// Every other CBOR claim (for example -04's 1007 device topology), by label.
    pub extra: Vec<(Label, Value)>,
}

#[cfg_attr(not(feature = "arbitrary"), allow(dead_code))]
const EAR_KNOWN: [i64; 8] = [
    eat::EAT_PROFILE,
    eat::IAT,
    eat::EXP,
    EAR_VERIFIER_ID,
    EAR_RAW_EVIDENCE,
    eat::SUBMODS,
    eat::EAT_NONCE,
    EAR_STATUS,
];

fn profile_encode<'w>(w: &'w mut Writer, p: &EatProfile) -> &'w mut Writer {
    match p {
        EatProfile::Uri(u) => w.text(u),
        EatProfile::Oid(o) => w.bytes(o),
    }
}

fn profile_json(p: &EatProfile) -> serde_json::Value {
    match p {
        EatProfile::Uri(u) => u.clone().into(),
        // JSON OIDs are dotted text; OID content octets are carried here base64url-encoded,
        // which only this crate reads back.
        EatProfile::Oid(o) => json::b64u_encode(o).into(),
    }
}

fn profile_from_json(v: &Json) -> Result<EatProfile, Error> {
    v.as_str()
        .map(|s| EatProfile::Uri(s.to_owned()))
        .ok_or(Error::UnexpectedType {
            what: Item::EatProfile,
            at: 0,
        })
}

fn decode_tier(r: &mut Reader<'_>) -> Result<Tier, Error> {
    let at = r.position();
    let v = r.int(Item::EarStatus)?;
    Tier::from_i64(v).ok_or(Error::InvalidValue {
        what: Item::EarStatus,
        at,
    })
}

/// Only the -03 and -04 EAR profiles are accepted ([`Error::InvalidValue`] at `at`).
fn check_profile(p: &str, at: usize) -> Result<(), Error> {
    if p != EAR_PROFILE_03 && p != EAR_PROFILE_04 {
        return Err(Error::InvalidValue {
            what: Item::EatProfile,
            at,
        });
    }
    Ok(())
}

/// A non-empty `submods` ([`Error::BadLength`] at `at` when empty).
fn nonempty_submods(
    out: Vec<(String, Appraisal)>,
    at: usize,
) -> Result<Vec<(String, Appraisal)>, Error> {
    if out.is_empty() {
        return Err(Error::BadLength {
            what: Item::Submods,
            at,
        });
    }
    Ok(out)
}

fn tier_json(v: &Json) -> Result<Tier, Error> {
    let s = v.as_str().ok_or(Error::UnexpectedType {
        what: Item::EarStatus,
        at: 0,
    })?;
    Tier::from_name(s).ok_or(Error::InvalidValue {
        what: Item::EarStatus,
        at: 0,
    })
}

fn decode_policy_ids(r: &mut Reader<'_>) -> Result<Vec<String>, Error> {
    let what = Item::PolicyIds;
    let at = r.position();
    let mut len = r.array(what)?;
    let mut n = 0;
    let mut out = Vec::new();
    while r.has_next(&mut len, &mut n, what)? {
        out.push(r.text(what)?.into_owned());
    }
    if out.is_empty() {
        return Err(Error::BadLength { what, at });
    }
    Ok(out)
}

fn policy_ids_json(v: &Json) -> Result<Vec<String>, Error> {
    let what = Item::PolicyIds;
    let Json::Array(a) = v else {
        return Err(Error::UnexpectedType { what, at: 0 });
    };
    let out = a
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or(Error::UnexpectedType { what, at: 0 })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if out.is_empty() {
        return Err(Error::BadLength { what, at: 0 });
    }
    Ok(out)
}

/// A JSON nonce is the base64url text of the nonce bytes (draft-ietf-rats-ear-03 section 3).
fn nonce_json(n: &Nonce) -> serde_json::Value {
    match n.nonces() {
        [one] => json::b64u_encode(one).into(),
        many => many
            .iter()
            .map(|b| json::b64u_encode(b))
            .collect::<Vec<_>>()
            .into(),
    }
}

fn nonce_from_json(v: &Json) -> Result<Nonce, Error> {
    let what = Item::EatNonce;
    let one = |v: &Json| -> Result<Vec<u8>, Error> {
        json::b64u_decode(
            v.as_str().ok_or(Error::UnexpectedType { what, at: 0 })?,
            what,
        )
    };
    let nonces = match v {
        Json::Array(a) if a.len() >= 2 => a.iter().map(one).collect::<Result<Vec<_>, _>>()?,
        Json::Array(_) => return Err(Error::BadLength { what, at: 0 }),
        other => vec![one(other)?],
    };
    Nonce::many(nonces).map_err(|_| Error::BadLength { what, at: 0 })
}

fn time_json(v: &Json) -> Result<i64, Error> {
    match v {
        // A float `iat` (even an integral one such as 1.666529184e+09) is refused
        // (rats-formats.md 9.2 item 19).
        Json::Number(n) => n.as_i64().ok_or(Error::InvalidValue {
            what: Item::Time,
            at: 0,
        }),
        _ => Err(Error::UnexpectedType {
            what: Item::Time,
            at: 0,
        }),
    }
}

impl Ear {
    /// An EAR with no claim yet, for the decoders to fill in.
    const fn empty() -> Self {
        Self {
            profile: String::new(),
            iat: 0,
            exp: None,
            verifier_id: VerifierId {
                developer: String::new(),
                build: String::new(),
            },
            raw_evidence: None,
            submods: Vec::new(),
            nonce: None,
            status: None,
            extra: Vec::new(),
        }
    }

    /// Sets the required claims, each [`Error::Missing`] at `at` when absent.
    fn set_required(
        &mut self,
        profile: Option<String>,
        iat: Option<i64>,
        verifier_id: Option<VerifierId>,
        submods: Option<Vec<(String, Appraisal)>>,
        at: usize,
    ) -> Result<(), Error> {
        self.profile = profile.ok_or(Error::Missing {
            what: Item::EatProfile,
            at,
        })?;
        self.iat = iat.ok_or(Error::Missing {
            what: Item::Time,
            at,
        })?;
        self.verifier_id = verifier_id.ok_or(Error::Missing {
            what: Item::VerifierId,
            at,
        })?;
        self.submods = submods.ok_or(Error::Missing {
            what: Item::Submods,
            at,
        })?;
        Ok(())
    }

    /// The top-level status is never more trustworthy than the worst appraisal status
    /// ([`Error::InvalidValue`] at `at`).
    fn check_top_status(&self, at: usize) -> Result<(), Error> {
        if let Some(s) = self.status {
            let worst = Tier::worst(self.submods.iter().map(|(_, a)| a.status));
            if !s.allows(worst) {
                return Err(Error::InvalidValue {
                    what: Item::EarStatus,
                    at,
                });
            }
        }
        Ok(())
    }

    /// Checks the status rules of rats-formats.md section 4.2: each appraisal's status against
    /// its vector, and the top-level status against the worst appraisal status.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming the status, [`Error::Missing`] without any appraisal.
    pub fn check_status(&self) -> Result<(), Error> {
        if self.submods.is_empty() {
            return Err(Error::Missing {
                what: Item::Submods,
                at: 0,
            });
        }
        for (_, a) in &self.submods {
            a.check_status()?;
        }
        self.check_top_status(0)
    }

    /// Encodes the CWT claims map deterministically (RFC 8949 section 4.2.1).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(256);
        // Keys in bytewise order (4, 6, 10, 265, 266, 1000, 1002, 1004), so that nothing moves.
        w.map_with(|m| {
            if let Some(e) = self.exp {
                m.int(eat::EXP, |w| w.int(e));
            }
            m.int(eat::IAT, |w| w.int(self.iat));
            if let Some(n) = &self.nonce {
                m.int(eat::EAT_NONCE, |w| {
                    n.encode(w);
                    w
                });
            }
            m.int(eat::EAT_PROFILE, |w| w.text(&self.profile));
            m.int(eat::SUBMODS, |w| {
                w.map_with(|sm| {
                    for (l, a) in &self.submods {
                        sm.text(l, |w| {
                            a.encode(w);
                            w
                        });
                    }
                })
            });
            if let Some(s) = self.status {
                m.int(EAR_STATUS, |w| w.int(s.to_i64()));
            }
            match &self.raw_evidence {
                Some(RawEvidence::Bytes(b)) => {
                    m.int(EAR_RAW_EVIDENCE, |w| w.bytes(b));
                }
                Some(RawEvidence::Cmw(rec)) => {
                    m.int(EAR_RAW_EVIDENCE, |w| {
                        rec.encode(w);
                        w
                    });
                }
                None => {}
            }
            m.int(EAR_VERIFIER_ID, |w| {
                self.verifier_id.encode(w);
                w
            });
            for (l, v) in &self.extra {
                m.label(l, |w| w.value(v));
            }
        });
        w.into_vec()
    }

    /// Decodes a CWT claims map strictly ([`Profile::STRICT`]).
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset; an unknown `eat_profile`,
    /// a float `iat` or a status more trustworthy than its claims is [`Error::InvalidValue`].
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_cbor_with(bytes, Profile::STRICT)
    }

    /// Decodes a CWT claims map under `profile` (for example indefinite-length maps).
    ///
    /// # Errors
    ///
    /// As [`Ear::from_cbor`].
    pub fn from_cbor_with(bytes: &[u8], profile: Profile) -> Result<Self, Error> {
        cbor::decode_all(bytes, profile, Item::Ear, Self::decode_item)
    }

    fn decode_item(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::Ear;
        let at = r.position();
        let mut profile = None;
        let mut iat = None;
        let mut verifier_id = None;
        // The raw evidence is typed by the profile, which may come later in the map: keep its
        // offset and bytes and decode it once the map is read.
        let mut raw: Option<(usize, &[u8])> = None;
        let mut submods = None;
        let mut e = Self::empty();
        r.label_map(what, |r, label, _, vat| {
            match label {
                Label::Int(eat::EAT_PROFILE) => {
                    let p = r.text(Item::EatProfile)?;
                    check_profile(&p, vat)?;
                    profile = Some(p.into_owned());
                }
                Label::Int(eat::IAT) => iat = Some(eat::time(r)?),
                Label::Int(eat::EXP) => e.exp = Some(eat::time(r)?),
                Label::Int(EAR_VERIFIER_ID) => verifier_id = Some(VerifierId::decode(r)?),
                Label::Int(EAR_RAW_EVIDENCE) => raw = Some((vat, r.skip(Item::RawEvidence)?)),
                Label::Int(eat::SUBMODS) => {
                    let mut out = Vec::new();
                    r.text_map(Item::Submods, |r, l, _, _| {
                        out.push((l, Appraisal::decode(r)?));
                        Ok(())
                    })?;
                    // A map: in the order the CBOR encoder writes it, not the sender's.
                    out.sort_by(|a, b| cbor::cmp_text_encoded(&a.0, &b.0));
                    submods = Some(nonempty_submods(out, vat)?);
                }
                Label::Int(eat::EAT_NONCE) => e.nonce = Some(Nonce::decode(r)?),
                Label::Int(EAR_STATUS) => e.status = Some(decode_tier(r)?),
                other => {
                    // Maps compare as sets: keep the order the encoder writes.
                    let mut v = r.value(what)?;
                    v.canonicalize();
                    e.extra.push((other, v));
                }
            }
            Ok(())
        })?;
        e.set_required(profile, iat, verifier_id, submods, at)?;
        if let Some((rat, bytes)) = raw {
            let rp = r.profile();
            e.raw_evidence = Some(if e.profile == EAR_PROFILE_04 {
                match crate::cmw::Cmw::decode_with(bytes, rp).map_err(|x| x.nested(rat))? {
                    crate::cmw::Cmw::Record(rec) => RawEvidence::Cmw(rec),
                    _ => {
                        return Err(Error::UnexpectedType {
                            what: Item::RawEvidence,
                            at: rat,
                        });
                    }
                }
            } else {
                let b = cbor::decode_all(bytes, rp, Item::RawEvidence, |br| {
                    br.bytes(Item::RawEvidence)
                        .map(std::borrow::Cow::into_owned)
                })
                .map_err(|x| x.nested(rat))?;
                RawEvidence::Bytes(b)
            });
        }
        e.extra.sort_by(|(a, _), (b, _)| a.cmp_encoded(b));
        e.check_top_status(at)?;
        Ok(e)
    }

    /// Encodes the JWT claims as compact JSON, members sorted. CBOR-only `extra` claims are not
    /// written, nor is a -04 raw-evidence record typed by a Content-Format (JSON CMW records
    /// carry media types only) or one with an empty value.
    pub fn to_json_string(&self) -> String {
        let mut m = serde_json::Map::new();
        m.insert("eat_profile".into(), self.profile.clone().into());
        m.insert("iat".into(), self.iat.into());
        if let Some(e) = self.exp {
            m.insert("exp".into(), e.into());
        }
        let mut v = serde_json::Map::new();
        v.insert(
            "developer".into(),
            self.verifier_id.developer.clone().into(),
        );
        v.insert("build".into(), self.verifier_id.build.clone().into());
        m.insert("ear_verifier_id".into(), serde_json::Value::Object(v));
        match &self.raw_evidence {
            Some(RawEvidence::Bytes(b)) => {
                m.insert("ear_raw_evidence".into(), json::b64u_encode(b).into());
            }
            Some(RawEvidence::Cmw(rec)) => {
                // JSON CMW records carry media types only: a record typed by a Content-Format
                // has no JSON form and is left out (the claim is optional).
                if let RecordType::MediaType(t) = rec.typ()
                    && !rec.value().is_empty()
                {
                    let mut a = vec![
                        serde_json::Value::from(t.clone()),
                        json::b64u_encode(rec.value()).into(),
                    ];
                    if let Some(i) = rec.ind() {
                        a.push(i.bits().into());
                    }
                    m.insert("ear_raw_evidence".into(), serde_json::Value::Array(a));
                }
            }
            None => {}
        }
        let mut sm = serde_json::Map::new();
        for (l, a) in &self.submods {
            sm.insert(l.clone(), a.to_json());
        }
        m.insert("submods".into(), serde_json::Value::Object(sm));
        if let Some(n) = &self.nonce {
            m.insert("eat_nonce".into(), nonce_json(n));
        }
        if let Some(s) = self.status {
            m.insert("ear_status".into(), s.name().into());
        }
        json::to_sorted_string(&serde_json::Value::Object(m))
    }

    /// Decodes JWT JSON claims strictly (no duplicate members, integer `iat`/`exp`).
    ///
    /// # Errors
    ///
    /// Any [`Error`]; offsets are `0` except for JSON syntax errors.
    pub fn from_json(text: &[u8]) -> Result<Self, Error> {
        let v = json::parse(text)?;
        let what = Item::Ear;
        let members = v.as_object().ok_or(Error::UnexpectedType { what, at: 0 })?;
        let mut e = Self::empty();
        let (mut profile, mut iat, mut vid, mut raw, mut submods) = (None, None, None, None, None);
        for (k, v) in members {
            match k.as_str() {
                "eat_profile" => {
                    let p = v.as_str().ok_or(Error::UnexpectedType {
                        what: Item::EatProfile,
                        at: 0,
                    })?;
                    check_profile(p, 0)?;
                    profile = Some(p.to_owned());
                }
                "iat" => iat = Some(time_json(v)?),
                "exp" => e.exp = Some(time_json(v)?),
                "ear_verifier_id" => {
                    let m = v.as_object().ok_or(Error::UnexpectedType {
                        what: Item::VerifierId,
                        at: 0,
                    })?;
                    let get = |name: &str| {
                        m.iter()
                            .find(|(k, _)| k == name)
                            .and_then(|(_, v)| v.as_str())
                            .map(str::to_owned)
                            .ok_or(Error::Missing {
                                what: Item::VerifierId,
                                at: 0,
                            })
                    };
                    if m.len() != 2 {
                        return Err(Error::InvalidValue {
                            what: Item::VerifierId,
                            at: 0,
                        });
                    }
                    vid = Some(VerifierId {
                        developer: get("developer")?,
                        build: get("build")?,
                    });
                }
                "ear_raw_evidence" => raw = Some(v),
                "submods" => {
                    let m = v.as_object().ok_or(Error::UnexpectedType {
                        what: Item::Submods,
                        at: 0,
                    })?;
                    let mut out = m
                        .iter()
                        .map(|(l, a)| Appraisal::from_json(a).map(|a| (l.clone(), a)))
                        .collect::<Result<Vec<_>, _>>()?;
                    // An object: members in the order the JSON encoder writes them, whatever
                    // order serde_json's map keeps.
                    out.sort_by(|a, b| a.0.cmp(&b.0));
                    submods = Some(nonempty_submods(out, 0)?);
                }
                "eat_nonce" => e.nonce = Some(nonce_from_json(v)?),
                "ear_status" => e.status = Some(tier_json(v)?),
                _ => {}
            }
        }
        e.set_required(profile, iat, vid, submods, 0)?;
        if let Some(v) = raw {
            e.raw_evidence = Some(if e.profile == EAR_PROFILE_04 {
                match crate::cmw::JsonCmw::from_json_value(v)? {
                    crate::cmw::JsonCmw::Record(j) => RawEvidence::Cmw(Record::new(
                        RecordType::MediaType(j.media_type().to_owned()),
                        j.value().to_vec(),
                        j.ind(),
                    )?),
                    crate::cmw::JsonCmw::Collection(_) => {
                        return Err(Error::UnexpectedType {
                            what: Item::RawEvidence,
                            at: 0,
                        });
                    }
                }
            } else {
                let s = v.as_str().ok_or(Error::UnexpectedType {
                    what: Item::RawEvidence,
                    at: 0,
                })?;
                RawEvidence::Bytes(json::b64u_decode(s, Item::RawEvidence)?)
            });
        }
        e.check_status()?;
        Ok(e)
    }
}

/// The JWS `alg` name of a COSE algorithm ([`crate::crypto::jws_name`]).
fn jws_alg_name(alg: Algorithm) -> Option<&'static str> {
    crate::crypto::signature_algorithm(alg).and_then(crate::crypto::jws_name)
}

/// The COSE algorithm of a JWS `alg` name ([`crate::crypto::from_jws_name`]); `none` and
/// everything else are refused.
fn jws_alg(name: &str) -> Option<Algorithm> {
    crate::crypto::from_jws_name(name).and_then(crate::crypto::cose_algorithm)
}

/// Signs an EAR as a CWT: a COSE_Sign1 with tag 18, protected `{1: alg}`, over
/// [`Ear::to_cbor`] (draft-ietf-rats-ear-03 section 4; RFC 8392).
///
/// # Errors
///
/// The signer's error.
pub fn sign_cwt(ear: &Ear, signer: &dyn CoseSigner) -> Result<Vec<u8>, Error> {
    let m = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new(),
        ear.to_cbor(),
        &[],
        signer,
    )?;
    Ok(m.to_vec(Tagging::Tagged))
}

/// Verifies an EAR CWT (tagged or untagged COSE_Sign1, or `61(18(...))`) with `verifier`, then
/// decodes the claims under `profile` ([`Profile::STRICT`] for this crate's own tokens;
/// [`Profile::LENIENT`] accepts the indefinite-length maps the Veraison `ear` crate writes,
/// rats-formats.md 9.1 item 6).
///
/// # Errors
///
/// COSE decode errors, the verifier's errors, [`Error::DetachedPayload`], and EAR decode
/// errors (offsets relative to the payload).
pub fn verify_cwt(
    token: &[u8],
    verifier: &dyn CoseVerifier,
    profile: Profile,
) -> Result<Ear, Error> {
    let (msg, _) = CoseSign1::decode_with(token, profile, &[])?;
    msg.verify(verifier, &[], None)?;
    Ear::from_cbor_with(msg.payload().ok_or(Error::DetachedPayload)?, profile)
}

/// Longest JWT this crate verifies: an EAR with raw evidence stays far below.
pub const MAX_JWT_LEN: usize = 1 << 20;

/// Signs an EAR as a JWT: JWS compact serialization (RFC 7515 section 7.1) of
/// [`Ear::to_json_string`] with the protected header `{"alg":...,"typ":"JWT"}`; ECDSA
/// signatures are raw `r || s` (RFC 7518 section 3.4).
///
/// # Errors
///
/// [`Error::UnsupportedAlgorithm`] for a signer whose algorithm has no JWS name here; the
/// signer's error.
pub fn sign_jwt(ear: &Ear, signer: &dyn CoseSigner) -> Result<String, Error> {
    let alg = signer.algorithm();
    let name = jws_alg_name(alg).ok_or(Error::UnsupportedAlgorithm { alg: alg.0 })?;
    let header = format!(r#"{{"alg":"{name}","typ":"JWT"}}"#);
    let mut input = json::b64u_encode(header.as_bytes());
    input.push('.');
    input.push_str(&json::b64u_encode(ear.to_json_string().as_bytes()));
    let sig = signer.sign(input.as_bytes())?;
    input.push('.');
    input.push_str(&json::b64u_encode(&sig));
    Ok(input)
}

/// Verifies an EAR JWT (JWS compact serialization, RFC 7515 section 5.2) with `verifier`, then
/// decodes the claims strictly ([`Ear::from_json`]).
///
/// The header must be a JSON object with a known `alg` (`none` is refused, RFC 8725
/// section 3.1) and no `crit` (RFC 7515 section 4.1.11: no extension is understood here); the
/// signature is checked over the received text, never a re-serialization.
///
/// # Errors
///
/// [`Error::BadLength`] for an overlong token, [`Error::Malformed`] for a token that is not
/// three base64url parts, [`Error::Base64`], [`Error::Json`], [`Error::MissingAlgorithm`],
/// [`Error::UnsupportedAlgorithm`], [`Error::UnknownCritical`], the verifier's errors, and
/// EAR decode errors.
pub fn verify_jwt(token: &str, verifier: &dyn CoseVerifier) -> Result<Ear, Error> {
    let what = Item::Jws;
    if token.len() > MAX_JWT_LEN {
        return Err(Error::BadLength { what, at: 0 });
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Malformed { what, at: 0 });
    };
    let header = json::parse(&json::b64u_decode(h, what)?)?;
    let members = header
        .as_object()
        .ok_or(Error::UnexpectedType { what, at: 0 })?;
    let mut alg = None;
    for (k, v) in members {
        match k.as_str() {
            "alg" => {
                let name = v.as_str().ok_or(Error::UnexpectedType { what, at: 0 })?;
                alg = Some(jws_alg(name).ok_or(Error::UnsupportedAlgorithm { alg: 0 })?);
            }
            "crit" => return Err(Error::UnknownCritical { label: None, at: 0 }),
            _ => {}
        }
    }
    let alg = alg.ok_or(Error::MissingAlgorithm { at: 0 })?;
    let sig = json::b64u_decode(s, what)?;
    let signed_len = h.len() + 1 + p.len();
    let input = token
        .get(..signed_len)
        .ok_or(Error::Malformed { what, at: 0 })?;
    verifier.verify(alg, input.as_bytes(), &sig)?;
    Ear::from_json(&json::b64u_decode(p, what)?)
}

#[cfg(feature = "arbitrary")]
mod arb {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    impl<'a> Arbitrary<'a> for TrustVector {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let mut c: [Option<i8>; 8] = u.arbitrary()?;
            if c.iter().all(Option::is_none) {
                c[0] = Some(u.arbitrary()?);
            }
            Ok(Self(c))
        }
    }

    fn status_over(u: &mut Unstructured<'_>, worst: Tier) -> Result<Tier> {
        let s: Tier = u.arbitrary()?;
        Ok(if s.allows(worst) { s } else { worst })
    }

    /// Up to two CBOR-only claims under labels other than `known`, sorted by encoded label.
    fn extra_claims(u: &mut Unstructured<'_>, known: &[i64]) -> Result<Vec<(Label, Value)>> {
        let mut extra: Vec<(Label, Value)> = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            let l: Label = u.arbitrary()?;
            let is_known = matches!(l, Label::Int(i) if known.contains(&i));
            if !is_known && !extra.iter().any(|(e, _)| *e == l) {
                extra.push((l, crate::cbor::arbitrary_value(u, 1)?));
            }
        }
        extra.sort_by(|(a, _), (b, _)| a.cmp_encoded(b));
        Ok(extra)
    }

    /// An appraisal; `cbor_extra` adds CBOR-only claims (JSON drops them).
    pub(crate) fn appraisal(u: &mut Unstructured<'_>, cbor_extra: bool) -> Result<Appraisal> {
        let trust_vector: Option<TrustVector> = u.arbitrary()?;
        let worst = trust_vector.map_or(Tier::None, |v| v.worst_tier());
        let extra = if cbor_extra {
            extra_claims(u, &APPRAISAL_KNOWN)?
        } else {
            Vec::new()
        };
        Ok(Appraisal {
            status: status_over(u, worst)?,
            trust_vector,
            policy_ids: u.arbitrary()?,
            nonce: u.arbitrary()?,
            profile: if cbor_extra { u.arbitrary()? } else { None },
            extra,
        })
    }

    /// An EAR; `cbor` selects what the CBOR form can carry beyond the JSON one.
    ///
    /// # Errors
    ///
    /// When `u` runs out of data.
    pub fn ear(u: &mut Unstructured<'_>, cbor: bool) -> Result<Ear> {
        let v04: bool = u.arbitrary()?;
        let mut submods: Vec<(String, Appraisal)> = Vec::new();
        for _ in 0..u.int_in_range(1..=3)? {
            let l: String = u.arbitrary()?;
            let a = appraisal(u, cbor)?;
            if !submods.iter().any(|(e, _)| *e == l) {
                submods.push((l, a));
            }
        }
        // Both decoders sort submods as their encoders write them.
        if cbor {
            submods.sort_by(|a, b| crate::cbor::cmp_text_encoded(&a.0, &b.0));
        } else {
            submods.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let worst = Tier::worst(submods.iter().map(|(_, a)| a.status));
        let status = if u.arbitrary()? {
            Some(status_over(u, worst)?)
        } else {
            None
        };
        let raw_evidence = if u.arbitrary()? {
            None
        } else if v04 {
            let mut value: Vec<u8> = u.arbitrary()?;
            if !cbor && value.is_empty() {
                value.push(0);
            }
            let typ = if cbor && u.arbitrary()? {
                RecordType::ContentFormat(u.arbitrary()?)
            } else {
                RecordType::MediaType(crate::cmw::arb_media_type(u)?)
            };
            Some(RawEvidence::Cmw(
                Record::new(typ, value, u.arbitrary()?)
                    .map_err(|_| arbitrary::Error::IncorrectFormat)?,
            ))
        } else {
            Some(RawEvidence::Bytes(u.arbitrary()?))
        };
        let extra = if cbor {
            extra_claims(u, &EAR_KNOWN)?
        } else {
            Vec::new()
        };
        Ok(Ear {
            profile: if v04 { EAR_PROFILE_04 } else { EAR_PROFILE_03 }.to_owned(),
            iat: u.arbitrary()?,
            exp: u.arbitrary()?,
            verifier_id: u.arbitrary()?,
            raw_evidence,
            submods,
            nonce: u.arbitrary()?,
            status,
            extra,
        })
    }

    impl<'a> Arbitrary<'a> for Ear {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            ear(u, true)
        }
    }
}

#[cfg(feature = "arbitrary")]
pub use arb::ear as arbitrary_ear;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_of_claims() {
        // rats-formats.md section 4.2 table.
        for (v, t) in [
            (0i8, Tier::None),
            (1, Tier::None),
            (-1, Tier::None),
            (2, Tier::Affirming),
            (31, Tier::Affirming),
            (-2, Tier::Affirming),
            (-32, Tier::Affirming),
            (32, Tier::Warning),
            (95, Tier::Warning),
            (-33, Tier::Warning),
            (-96, Tier::Warning),
            (96, Tier::Contraindicated),
            (127, Tier::Contraindicated),
            (-97, Tier::Contraindicated),
            (-128, Tier::Contraindicated),
        ] {
            assert_eq!(Tier::of_claim(v), t, "{v}");
        }
    }

    #[test]
    fn pick_order() {
        assert_eq!(pick_claim(&[2, -97, 96]), 96);
        assert_eq!(pick_claim(&[2, -97, 32]), -97);
        assert_eq!(pick_claim(&[2, -40, 32]), 32);
        assert_eq!(pick_claim(&[-5, 3]), 3);
        assert_eq!(pick_claim(&[-5]), -5);
        assert_eq!(pick_claim(&[1, -1]), -1);
        assert_eq!(pick_claim(&[]), 0);
    }

    #[test]
    fn status_rule() {
        assert!(Tier::Contraindicated.allows(Tier::Warning));
        assert!(!Tier::Affirming.allows(Tier::Contraindicated));
        assert!(Tier::None.allows(Tier::Contraindicated));
    }
}
