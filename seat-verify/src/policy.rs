//! Policy as data: trust anchors, reference values, tiers, freshness windows and the
//! cached-passport switch, parsed strictly from TOML text.
//!
//! The format is documented, with an example, in the crate documentation. Parsing never reads a
//! file (DESIGN section 3): the caller hands over the text. A bad file is rejected with
//! [`Error::Config`] naming the dotted path of the field and the [`ConfigReason`]; unknown keys
//! are errors, so a typo cannot silently weaken a policy.

use base64::Engine as _;
use seat_binding::spki::parse_spki;
use seat_evidence::ear::{Tier, VerifierId};
use toml::{Table, Value};

use crate::error::{ConfigReason, Error};

/// A trusted public key: an attestation key (Evidence signer) or a Verifier key (Result
/// signer), as a DER SubjectPublicKeyInfo (sim-tee-profile.md, "Keys and trust").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    /// A name for logs.
    pub name: String,
    /// The DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
}

/// Reference values the Evidence is appraised against (sim-tee-profile.md, "What the Verifier
/// checks").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceValues {
    /// The expected `swname`, when the policy pins it.
    pub swname: Option<String>,
    /// The expected `swversion`, when the policy pins it.
    pub swversion: Option<String>,
    /// Every measurement that must be present with exactly this digest.
    pub measurements: Vec<(String, Vec<u8>)>,
}

/// What the Verifier trusts and requires (DESIGN section 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierPolicy {
    /// The Verifier's identity written into every EAR (`ear_verifier_id`).
    pub verifier_id: VerifierId,
    /// The policy id written into every appraisal (`ear_appraisal_policy_ids`).
    pub policy_id: String,
    /// Attestation keys whose Evidence is trusted.
    pub attestation_keys: Vec<TrustAnchor>,
    /// Reference values.
    pub reference_values: ReferenceValues,
    /// Oldest acceptable Evidence `iat`, in seconds before `now`.
    pub evidence_max_age_secs: u64,
    /// How far in the future an `iat` may lie, in seconds (clock skew).
    pub max_clock_skew_secs: u64,
    /// Lifetime of the EARs this Verifier issues (`exp - iat`), in seconds.
    pub ear_validity_secs: u64,
    /// The lowest acceptable `dbgstat` (RFC 9711 section 4.2.9): 0 allows debug, 1 or more
    /// forbids it.
    pub min_dbgstat: u8,
    /// Whether `oemboot` must be true.
    pub require_secure_boot: bool,
}

impl Default for VerifierPolicy {
    fn default() -> Self {
        Self {
            verifier_id: VerifierId {
                developer: "tag:seat.example,2026:seat-verify".into(),
                build: concat!("seat-verify ", env!("CARGO_PKG_VERSION")).into(),
            },
            policy_id: "tag:seat.example,2026:policy/default".into(),
            attestation_keys: Vec::new(),
            reference_values: ReferenceValues::default(),
            evidence_max_age_secs: 60,
            max_clock_skew_secs: 5,
            ear_validity_secs: 300,
            min_dbgstat: 1,
            require_secure_boot: true,
        }
    }
}

/// What the Relying Party trusts and requires of Attestation Results (DESIGN section 6;
/// early-attestation section 5, checklist item 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingPartyPolicy {
    /// Verifier keys whose Results are trusted.
    pub verifier_keys: Vec<TrustAnchor>,
    /// The tier a Result's status must reach: [`Tier::Affirming`] or [`Tier::Warning`].
    pub required_tier: Tier,
    /// Oldest acceptable Result `iat`, in seconds before `now`.
    pub result_max_age_secs: u64,
    /// How far in the future a Result `iat` may lie, in seconds.
    pub max_clock_skew_secs: u64,
    /// Accept a passport bound only to the AIK hash, not to this exchange's binder. Weaker:
    /// such a Result may be replayed by whoever holds the AIK; the verdict says so.
    pub dangerous_allow_cached_passport: bool,
}

impl Default for RelyingPartyPolicy {
    fn default() -> Self {
        Self {
            verifier_keys: Vec::new(),
            required_tier: Tier::Affirming,
            result_max_age_secs: 300,
            max_clock_skew_secs: 5,
            dangerous_allow_cached_passport: false,
        }
    }
}

/// A whole policy file: the Verifier's part and the Relying Party's part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// `[verifier]`.
    pub verifier: VerifierPolicy,
    /// `[relying_party]`.
    pub relying_party: RelyingPartyPolicy,
}

/// The longest freshness window or validity a policy may set: one day. Longer windows defeat
/// the point of freshness (early-attestation section 5, checklist item 9).
pub const MAX_WINDOW_SECS: u64 = 86_400;

impl Policy {
    /// Parses a policy from TOML text; absent keys take the [`Default`] values.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] with the dotted path of the first bad field and the reason.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        let root: Table = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_column(text, s.start));
            Error::config("", ConfigReason::Syntax { line, column })
        })?;
        known(&root, "", &["verifier", "relying_party"])?;
        let mut p = Self::default();
        if let Some(v) = table(&root, "verifier", "")? {
            p.verifier = verifier(v)?;
        }
        if let Some(r) = table(&root, "relying_party", "")? {
            p.relying_party = relying_party(r)?;
        }
        Ok(p)
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn known(t: &Table, at: &str, allowed: &[&str]) -> Result<(), Error> {
    match t.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Error::config(path(at, k), ConfigReason::UnknownField)),
        None => Ok(()),
    }
}

fn table<'a>(t: &'a Table, key: &str, at: &str) -> Result<Option<&'a Table>, Error> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::Table(v)) => Ok(Some(v)),
        Some(_) => Err(Error::config(path(at, key), ConfigReason::WrongType)),
    }
}

fn string<'a>(t: &'a Table, key: &str, at: &str) -> Result<Option<&'a str>, Error> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => {
            Err(Error::config(path(at, key), ConfigReason::Empty))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::config(path(at, key), ConfigReason::WrongType)),
    }
}

fn boolean(t: &Table, key: &str, at: &str) -> Result<Option<bool>, Error> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::Boolean(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::config(path(at, key), ConfigReason::WrongType)),
    }
}

fn uint(t: &Table, key: &str, at: &str, max: u64) -> Result<Option<u64>, Error> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::Integer(i)) => match u64::try_from(*i) {
            Ok(v) if v <= max => Ok(Some(v)),
            _ => Err(Error::config(path(at, key), ConfigReason::OutOfRange)),
        },
        Some(_) => Err(Error::config(path(at, key), ConfigReason::WrongType)),
    }
}

/// Decodes hexadecimal text (either case, even length).
pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let pairs = s.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs
        .map(|p| match p {
            [h, l] => Some((nibble(*h)? << 4) | nibble(*l)?),
            _ => None,
        })
        .collect()
}

fn anchors(t: &Table, key: &str, at: &str) -> Result<Vec<TrustAnchor>, Error> {
    let list = match t.get(key) {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(Error::config(path(at, key), ConfigReason::WrongType)),
    };
    let mut out: Vec<TrustAnchor> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let here = format!("{}[{i}]", path(at, key));
        let Value::Table(e) = v else {
            return Err(Error::config(here, ConfigReason::WrongType));
        };
        known(e, &here, &["name", "spki_hex", "spki_base64"])?;
        let name = string(e, "name", &here)?
            .ok_or_else(|| Error::config(path(&here, "name"), ConfigReason::Missing))?;
        if out.iter().any(|a| a.name == name) {
            return Err(Error::config(path(&here, "name"), ConfigReason::Duplicate));
        }
        let (field, spki) = match (
            string(e, "spki_hex", &here)?,
            string(e, "spki_base64", &here)?,
        ) {
            (Some(h), None) => (
                "spki_hex",
                hex_decode(h)
                    .ok_or_else(|| Error::config(path(&here, "spki_hex"), ConfigReason::BadHex))?,
            ),
            (None, Some(b)) => (
                "spki_base64",
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| {
                        Error::config(path(&here, "spki_base64"), ConfigReason::BadBase64)
                    })?,
            ),
            _ => return Err(Error::config(here, ConfigReason::AmbiguousKey)),
        };
        if parse_spki(&spki).is_err() {
            return Err(Error::config(path(&here, field), ConfigReason::BadSpki));
        }
        if out.iter().any(|a| a.spki == spki) {
            return Err(Error::config(path(&here, field), ConfigReason::Duplicate));
        }
        out.push(TrustAnchor {
            name: name.to_owned(),
            spki,
        });
    }
    Ok(out)
}

fn reference_values(t: &Table, at: &str) -> Result<ReferenceValues, Error> {
    known(t, at, &["swname", "swversion", "measurements"])?;
    let mut r = ReferenceValues {
        swname: string(t, "swname", at)?.map(str::to_owned),
        swversion: string(t, "swversion", at)?.map(str::to_owned),
        measurements: Vec::new(),
    };
    if let Some(m) = table(t, "measurements", at)? {
        let here = path(at, "measurements");
        for (name, v) in m {
            let field = path(&here, name);
            let Value::String(h) = v else {
                return Err(Error::config(field, ConfigReason::WrongType));
            };
            let digest =
                hex_decode(h).ok_or_else(|| Error::config(&*field, ConfigReason::BadHex))?;
            if digest.is_empty() {
                return Err(Error::config(field, ConfigReason::Empty));
            }
            r.measurements.push((name.clone(), digest));
        }
    }
    Ok(r)
}

fn verifier(t: &Table) -> Result<VerifierPolicy, Error> {
    let at = "verifier";
    known(
        t,
        at,
        &[
            "developer",
            "build",
            "policy_id",
            "evidence_max_age_secs",
            "max_clock_skew_secs",
            "ear_validity_secs",
            "min_dbgstat",
            "require_secure_boot",
            "attestation_keys",
            "reference_values",
        ],
    )?;
    let mut p = VerifierPolicy::default();
    if let Some(d) = string(t, "developer", at)? {
        d.clone_into(&mut p.verifier_id.developer);
    }
    if let Some(b) = string(t, "build", at)? {
        b.clone_into(&mut p.verifier_id.build);
    }
    if let Some(id) = string(t, "policy_id", at)? {
        id.clone_into(&mut p.policy_id);
    }
    if let Some(v) = uint(t, "evidence_max_age_secs", at, MAX_WINDOW_SECS)? {
        p.evidence_max_age_secs = v;
    }
    if let Some(v) = uint(t, "max_clock_skew_secs", at, MAX_WINDOW_SECS)? {
        p.max_clock_skew_secs = v;
    }
    if let Some(v) = uint(t, "ear_validity_secs", at, MAX_WINDOW_SECS)? {
        if v == 0 {
            return Err(Error::config(
                path(at, "ear_validity_secs"),
                ConfigReason::OutOfRange,
            ));
        }
        p.ear_validity_secs = v;
    }
    if let Some(v) = uint(t, "min_dbgstat", at, 4)? {
        p.min_dbgstat = u8::try_from(v)
            .map_err(|_| Error::config(path(at, "min_dbgstat"), ConfigReason::OutOfRange))?;
    }
    if let Some(b) = boolean(t, "require_secure_boot", at)? {
        p.require_secure_boot = b;
    }
    p.attestation_keys = anchors(t, "attestation_keys", at)?;
    if let Some(r) = table(t, "reference_values", at)? {
        p.reference_values = reference_values(r, &path(at, "reference_values"))?;
    }
    Ok(p)
}

fn relying_party(t: &Table) -> Result<RelyingPartyPolicy, Error> {
    let at = "relying_party";
    known(
        t,
        at,
        &[
            "verifier_keys",
            "required_tier",
            "result_max_age_secs",
            "max_clock_skew_secs",
            "dangerous_allow_cached_passport",
        ],
    )?;
    let mut p = RelyingPartyPolicy {
        verifier_keys: anchors(t, "verifier_keys", at)?,
        ..RelyingPartyPolicy::default()
    };
    if let Some(s) = string(t, "required_tier", at)? {
        p.required_tier = match Tier::from_name(s) {
            Some(tier @ (Tier::Affirming | Tier::Warning)) => tier,
            _ => {
                return Err(Error::config(
                    path(at, "required_tier"),
                    ConfigReason::BadTier,
                ));
            }
        };
    }
    if let Some(v) = uint(t, "result_max_age_secs", at, MAX_WINDOW_SECS)? {
        p.result_max_age_secs = v;
    }
    if let Some(v) = uint(t, "max_clock_skew_secs", at, MAX_WINDOW_SECS)? {
        p.max_clock_skew_secs = v;
    }
    if let Some(b) = boolean(t, "dangerous_allow_cached_passport", at)? {
        p.dangerous_allow_cached_passport = b;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A P-256 SPKI (RFC 9052 appendix C.7.1's key 11, re-encoded as DER), as hex.
    const P256_SPKI_HEX: &str = "3059301306072a8648ce3d020106082a8648ce3d03010703420004bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";

    fn err(text: &str) -> (String, ConfigReason) {
        match Policy::from_toml(text) {
            Err(Error::Config { field, reason }) => (field, reason),
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn empty_text_is_the_default_policy() {
        assert_eq!(Policy::from_toml("").unwrap(), Policy::default());
    }

    #[test]
    fn keys_parse_from_hex_and_base64() {
        let der = hex_decode(P256_SPKI_HEX).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let text = format!(
            "[verifier]\n[[verifier.attestation_keys]]\nname = \"a\"\nspki_hex = \"{P256_SPKI_HEX}\"\n\
             [relying_party]\nrequired_tier = \"warning\"\n\
             [[relying_party.verifier_keys]]\nname = \"v\"\nspki_base64 = \"{b64}\"\n"
        );
        let p = Policy::from_toml(&text).unwrap();
        assert_eq!(p.verifier.attestation_keys[0].spki, der);
        assert_eq!(p.relying_party.verifier_keys[0].spki, der);
        assert_eq!(p.relying_party.required_tier, Tier::Warning);
    }

    #[test]
    fn bad_files_name_the_field_and_the_reason() {
        assert_eq!(
            err("[verifier]\nmin_dbgstat = 9\n"),
            ("verifier.min_dbgstat".into(), ConfigReason::OutOfRange)
        );
        assert_eq!(
            err("[relying_party]\nrequired_tier = \"none\"\n"),
            ("relying_party.required_tier".into(), ConfigReason::BadTier)
        );
        assert_eq!(
            err("[relying_party]\ndangerous_allow_cached_pasport = true\n"),
            (
                "relying_party.dangerous_allow_cached_pasport".into(),
                ConfigReason::UnknownField
            )
        );
        assert_eq!(
            err("[[verifier.attestation_keys]]\nname = \"a\"\nspki_hex = \"zz\"\n"),
            (
                "verifier.attestation_keys[0].spki_hex".into(),
                ConfigReason::BadHex
            )
        );
        assert_eq!(
            err("[[verifier.attestation_keys]]\nname = \"a\"\nspki_hex = \"300100\"\n"),
            (
                "verifier.attestation_keys[0].spki_hex".into(),
                ConfigReason::BadSpki
            )
        );
        assert_eq!(
            err("[[verifier.attestation_keys]]\nname = \"a\"\n"),
            (
                "verifier.attestation_keys[0]".into(),
                ConfigReason::AmbiguousKey
            )
        );
        assert_eq!(
            err("[verifier.reference_values.measurements]\nkernel = 3\n"),
            (
                "verifier.reference_values.measurements.kernel".into(),
                ConfigReason::WrongType
            )
        );
        assert_eq!(
            err("[verifier]\nrequire_secure_boot = \"yes\"\n"),
            (
                "verifier.require_secure_boot".into(),
                ConfigReason::WrongType
            )
        );
        assert_eq!(
            err("\n[verifier\n"),
            (
                "".into(),
                ConfigReason::Syntax {
                    line: 2,
                    column: 10
                }
            )
        );
    }

    #[test]
    fn errors_display_lowercase_without_period() {
        let e = Error::config("verifier.min_dbgstat", ConfigReason::OutOfRange);
        assert_eq!(
            e.to_string(),
            "bad policy field verifier.min_dbgstat: out of range"
        );
    }
}
