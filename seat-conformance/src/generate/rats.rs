//! Generators of the `cose-sign1`, `eat` and `ear` vector kinds, and the consumers the runner
//! shares with them (`open_*`, `*_claims_json`, [`error_name`]).
//!
//! Every message is made by `seat-evidence` from fixed inputs: the fixed keys of
//! `src/data/keys.json` (RFC 6979 ES256/ES384 and Ed25519 through the deterministic provider),
//! a simulated TEE with a fixed seed, fixed times, nonces and identities. A negative alters a
//! valid message at one point with the project's own CBOR writer (or JSON/base64url for JWTs),
//! re-signing when the alteration must survive the signature check; its `error` is the name of
//! the failure it is built to show, and generation fails unless the project's consumer rejects
//! it with exactly that failure.

use seat_binding::provider::{CryptoProvider, HashAlgorithm, SignatureAlgorithm};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cbor::{Float, Label, Profile, Reader, Value, Writer};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::cose::{
    Algorithm, ContentType, CoseSign1, CoseSigner, HeaderMap, Tagging, sig_structure1,
};
use seat_evidence::crypto::{ProviderSigner, ProviderVerifier, cose_algorithm};
use seat_evidence::ear::{
    self, Appraisal, EAR_PROFILE_03, Ear, TRUST_CLAIM_NAMES, Tier, TrustVector, VerifierId,
};
use seat_evidence::eat::{
    self, ClaimsSet, Confirmation, DebugStatus, EatProfile, Measurement, Nonce, OemId, Ueid,
    Version,
};
use seat_evidence::error::{Error, Item};
use seat_evidence::json;
use seat_evidence::sim::{
    SIM_TEE_MEDIA_TYPE, SIM_TEE_PROFILE, SimTeeConfig, SimulatedTee, verify_sim_evidence,
};
use serde_json::{Map, Value as Json, json};

use crate::vector::Vector;

// --- Names ----------------------------------------------------------------------------------

/// The stable snake_case name of a `seat-evidence` failure: its variant's name.
pub fn error_name(e: &Error) -> &'static str {
    match e {
        Error::UnexpectedEnd { .. } => "unexpected_end",
        Error::TrailingBytes { .. } => "trailing_bytes",
        Error::UnexpectedType { .. } => "unexpected_type",
        Error::Malformed { .. } => "malformed",
        Error::NonPreferred { .. } => "non_preferred",
        Error::Indefinite { .. } => "indefinite",
        Error::DuplicateKey { .. } => "duplicate_key",
        Error::TooDeep { .. } => "too_deep",
        Error::BadLength { .. } => "bad_length",
        Error::InvalidUtf8 { .. } => "invalid_utf8",
        Error::InvalidValue { .. } => "invalid_value",
        Error::Missing { .. } => "missing",
        Error::Json { .. } => "json",
        Error::Base64 { .. } => "base64",
        Error::MissingAlgorithm { .. } => "missing_algorithm",
        Error::UnknownCritical { .. } => "unknown_critical",
        Error::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
        Error::BadSignature => "bad_signature",
        Error::DetachedPayload => "detached_payload",
        Error::InvalidArgument { .. } => "invalid_argument",
        Error::AlgorithmMismatch { .. } => "algorithm_mismatch",
        Error::Mismatch { .. } => "mismatch",
        Error::Provider(_) => "provider",
        _ => "error",
    }
}

/// The vector name of a COSE algorithm (`"ES256"`, `"ES384"`, `"EdDSA"`).
pub fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES384 => "ES384",
        Algorithm::EDDSA => "EdDSA",
        _ => "ES256",
    }
}

/// The COSE algorithm of a vector `alg` name.
pub fn alg_from_name(name: &str) -> Option<Algorithm> {
    match name {
        "ES256" => Some(Algorithm::ES256),
        "ES384" => Some(Algorithm::ES384),
        "EdDSA" => Some(Algorithm::EDDSA),
        _ => None,
    }
}

// --- Consumers ------------------------------------------------------------------------------

/// Consumes a `cose-sign1` vector's message: a verifier for `alg` bound to `spki`, a strict
/// decode (no critical extension understood), then the signature over
/// `Sig_structure1(protected, external_aad, payload)`, `payload` standing in for a detached
/// (`nil`) payload. Returns the payload the signature covers.
///
/// # Errors
///
/// The first failure.
pub fn open_cose_sign1(
    provider: &'static dyn CryptoProvider,
    alg: Algorithm,
    spki: &[u8],
    message: &[u8],
    external_aad: &[u8],
    payload: &[u8],
) -> Result<Vec<u8>, Error> {
    let verifier = ProviderVerifier::new(provider, alg, spki)?;
    let (msg, _) = CoseSign1::decode(message)?;
    msg.verify(&verifier, external_aad, Some(payload))?;
    Ok(msg.payload().unwrap_or(payload).to_vec())
}

/// Consumes an `eat` vector's token: [`eat::verify_cwt`] with a verifier for `alg` bound to
/// `spki`; a token whose `eat_profile` is the simulated TEE's must also pass
/// [`verify_sim_evidence`] (as the CMW record the profile carries it in).
///
/// # Errors
///
/// The first failure.
pub fn open_eat(
    provider: &'static dyn CryptoProvider,
    alg: Algorithm,
    spki: &[u8],
    token: &[u8],
) -> Result<ClaimsSet, Error> {
    let verifier = ProviderVerifier::new(provider, alg, spki)?;
    let (claims, _, _) = eat::verify_cwt(token, &verifier)?;
    if claims.profile == Some(EatProfile::Uri(SIM_TEE_PROFILE.into())) {
        let record = Record::new(
            RecordType::MediaType(SIM_TEE_MEDIA_TYPE.into()),
            token.to_vec(),
            Some(Ind::EVIDENCE),
        )?;
        verify_sim_evidence(&Cmw::Record(record).to_vec(), spki, provider)?;
    }
    Ok(claims)
}

/// Consumes an `ear` vector's token: [`ear::verify_cwt`] (strict CBOR) for `"cwt"`,
/// [`ear::verify_jwt`] for `"jwt"`, with a verifier for `alg` bound to `spki`.
///
/// # Errors
///
/// The first failure.
pub fn open_ear(
    provider: &'static dyn CryptoProvider,
    form: &str,
    alg: Algorithm,
    spki: &[u8],
    token: &[u8],
) -> Result<Ear, Error> {
    let verifier = ProviderVerifier::new(provider, alg, spki)?;
    if form == "jwt" {
        let text = core::str::from_utf8(token).map_err(|_| Error::InvalidUtf8 {
            what: Item::Jws,
            at: 0,
        })?;
        ear::verify_jwt(text, &verifier)
    } else {
        ear::verify_cwt(token, &verifier, Profile::STRICT)
    }
}

fn label_key(l: &Label) -> String {
    match l {
        Label::Int(i) => i.to_string(),
        Label::Text(t) => t.clone(),
    }
}

/// A generic CBOR value as JSON: integers as numbers, byte strings as hex, text as strings,
/// maps as objects keyed by the decimal integer or the text label, tags as
/// `{"tag", "value"}`, floats as the hex of their encoding.
pub fn cbor_json(v: &Value) -> Json {
    match v {
        Value::Uint(n) => json!(n),
        Value::Nint(n) => json!(-1 - i128::from(*n)),
        Value::Bytes(b) => json!(hex::encode(b)),
        Value::Text(t) => json!(t),
        Value::Array(items) => Json::Array(items.iter().map(cbor_json).collect()),
        Value::Map(entries) => {
            let mut m = Map::new();
            for (k, val) in entries {
                let key = match k {
                    Value::Uint(_) | Value::Nint(_) => k
                        .as_i64()
                        .map_or_else(|| hex::encode(k.to_vec()), |i| i.to_string()),
                    Value::Text(t) => t.clone(),
                    other => hex::encode(other.to_vec()),
                };
                m.insert(key, cbor_json(val));
            }
            Json::Object(m)
        }
        Value::Tag(t, inner) => json!({"tag": t, "value": cbor_json(inner)}),
        Value::Bool(b) => json!(b),
        Value::Null => Json::Null,
        Value::Float(_) => json!(hex::encode(v.to_vec())),
    }
}

fn nonce_json(n: &Nonce) -> Json {
    match n.nonces() {
        [one] => json!(hex::encode(one)),
        many => Json::Array(many.iter().map(|b| json!(hex::encode(b))).collect()),
    }
}

/// The hex of one claim's value as the claims-set encodes it: `only` holds that claim alone,
/// under the integer `key`; the one-entry map head and the key are cut off.
fn claim_hex(only: &ClaimsSet, key: i64) -> Json {
    let skip = 1 + Value::int(key).to_vec().len();
    json!(hex::encode(only.to_vec().get(skip..).unwrap_or_default()))
}

/// The `claims` object of an `eat` vector: the RFC 9711 claims this project names, and every
/// other claim under its integer key with the hex of its CBOR encoding.
pub fn eat_claims_json(c: &ClaimsSet) -> Json {
    let mut m = Map::new();
    if let Some(n) = &c.nonce {
        m.insert("eat_nonce".into(), nonce_json(n));
    }
    if let Some(u) = &c.ueid {
        m.insert("ueid".into(), json!(hex::encode(u.as_bytes())));
    }
    match &c.oemid {
        Some(OemId::Pen(p)) => {
            m.insert("oemid".into(), json!(p));
        }
        Some(OemId::Ieee(b)) => {
            m.insert("oemid".into(), json!(hex::encode(b)));
        }
        Some(OemId::Random(b)) => {
            m.insert("oemid".into(), json!(hex::encode(b)));
        }
        None => {}
    }
    if let Some(h) = &c.hwmodel {
        m.insert("hwmodel".into(), json!(hex::encode(h.as_bytes())));
    }
    if let Some(s) = &c.swname {
        m.insert("swname".into(), json!(s));
    }
    if let Some(v) = &c.swversion {
        let mut a = vec![json!(v.version)];
        if let Some(s) = v.scheme {
            a.push(json!(s));
        }
        m.insert("swversion".into(), Json::Array(a));
    }
    if let Some(d) = c.dbgstat {
        m.insert("dbgstat".into(), json!(d.to_u8()));
    }
    if let Some(b) = c.oemboot {
        m.insert("oemboot".into(), json!(b));
    }
    match &c.profile {
        Some(EatProfile::Uri(u)) => {
            m.insert("eat_profile".into(), json!(u));
        }
        Some(EatProfile::Oid(o)) => {
            m.insert("eat_profile".into(), json!(hex::encode(o)));
        }
        None => {}
    }
    if let Some(t) = c.iat {
        m.insert("iat".into(), json!(t));
    }
    if !c.measurements.is_empty() {
        let a = c
            .measurements
            .iter()
            .map(|x| json!({"content_type": x.content_format, "content": hex::encode(&x.content)}))
            .collect();
        m.insert("measurements".into(), Json::Array(a));
    }
    match &c.cnf {
        Some(Confirmation::CoseKey(k)) => {
            m.insert(
                "cnf".into(),
                json!({"1": cbor_json(&Value::Map(k.clone()))}),
            );
        }
        Some(Confirmation::EncryptedCoseKey(v)) => {
            m.insert("cnf".into(), json!({"2": cbor_json(v)}));
        }
        Some(Confirmation::Kid(k)) => {
            m.insert("cnf".into(), json!({"3": hex::encode(k)}));
        }
        None => {}
    }
    let only = |f: &dyn Fn(&mut ClaimsSet)| {
        let mut one = ClaimsSet::default();
        f(&mut one);
        one
    };
    if c.iss.is_some() {
        let o = only(&|x| x.iss.clone_from(&c.iss));
        m.insert(eat::ISS.to_string(), claim_hex(&o, eat::ISS));
    }
    if c.sub.is_some() {
        let o = only(&|x| x.sub.clone_from(&c.sub));
        m.insert(eat::SUB.to_string(), claim_hex(&o, eat::SUB));
    }
    if c.exp.is_some() {
        let o = only(&|x| x.exp = c.exp);
        m.insert(eat::EXP.to_string(), claim_hex(&o, eat::EXP));
    }
    if c.nbf.is_some() {
        let o = only(&|x| x.nbf = c.nbf);
        m.insert(eat::NBF.to_string(), claim_hex(&o, eat::NBF));
    }
    if c.hwversion.is_some() {
        let o = only(&|x| x.hwversion.clone_from(&c.hwversion));
        m.insert(eat::HWVERSION.to_string(), claim_hex(&o, eat::HWVERSION));
    }
    if !c.submods.is_empty() {
        let o = only(&|x| x.submods.clone_from(&c.submods));
        m.insert(eat::SUBMODS.to_string(), claim_hex(&o, eat::SUBMODS));
    }
    for (l, v) in c.extra.iter() {
        m.insert(label_key(l), json!(hex::encode(v.to_vec())));
    }
    Json::Object(m)
}

/// The `claims` object of an `ear` vector: `eat_profile`, `iat`, `ear_verifier_id` and, per
/// `submods` entry, its `ear_status` name, trustworthiness vector by claim name, and nonce.
pub fn ear_claims_json(e: &Ear) -> Json {
    let mut submods = Map::new();
    for (label, a) in &e.submods {
        let mut s = Map::new();
        s.insert("ear_status".into(), json!(a.status.name()));
        if let Some(v) = &a.trust_vector {
            let mut tv = Map::new();
            for (name, c) in TRUST_CLAIM_NAMES.iter().zip(v.claims().iter()) {
                if let Some(c) = c {
                    tv.insert((*name).to_owned(), json!(c));
                }
            }
            s.insert("ear_trustworthiness_vector".into(), Json::Object(tv));
        }
        if let Some(n) = &a.nonce {
            s.insert("eat_nonce".into(), nonce_json(n));
        }
        submods.insert(label.clone(), Json::Object(s));
    }
    json!({
        "eat_profile": e.profile,
        "iat": e.iat,
        "ear_verifier_id": {"developer": e.verifier_id.developer, "build": e.verifier_id.build},
        "submods": submods,
    })
}

// --- Fixed inputs ---------------------------------------------------------------------------

fn err(e: Error) -> String {
    e.to_string()
}

fn fixed_alg(alg: Algorithm) -> SignatureAlgorithm {
    match alg {
        Algorithm::ES384 => SignatureAlgorithm::EcdsaSecp384r1Sha384,
        Algorithm::EDDSA => SignatureAlgorithm::Ed25519,
        _ => SignatureAlgorithm::EcdsaSecp256r1Sha256,
    }
}

/// The signer over the fixed key of `alg` (keys.json).
fn signer(alg: Algorithm) -> Result<ProviderSigner, String> {
    let sig_alg = fixed_alg(alg);
    let cose_alg =
        cose_algorithm(sig_alg).ok_or_else(|| format!("no COSE algorithm for {sig_alg:?}"))?;
    ProviderSigner::from_pkcs8(super::provider(), cose_alg, &super::pkcs8(sig_alg)).map_err(err)
}

/// A signer that writes another algorithm into the protected bucket than its key's: how an
/// algorithm-confusion message is made.
struct Claiming<'a> {
    inner: &'a ProviderSigner,
    alg: Algorithm,
}

impl CoseSigner for Claiming<'_> {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.sign(tbs)
    }
}

/// The payload of the plain COSE vectors: RFC 9052 appendix C's example content.
const CONTENT: &[u8] = b"This is the content.";
/// The `iat` of every token: 2027-01-15T08:00:00Z.
const IAT: i64 = 1_800_000_000;
/// The simulated TEE's fixed seed (a vectors-only secret).
const SIM_SEED: [u8; 32] = [0x5e; 32];

fn sim_tee() -> Result<SimulatedTee, String> {
    SimulatedTee::new(
        SimTeeConfig {
            seed: SIM_SEED,
            ..SimTeeConfig::default()
        },
        super::provider(),
    )
    .map_err(err)
}

/// A fixed binder of `len` bytes: 0x10, 0x11, ...
fn binder(len: u8) -> Vec<u8> {
    (0x10..0x10 + len).collect()
}

/// Sim-TEE Evidence for a binder of `hash`'s length, the AIK hash being that hash of the fixed
/// P-256 key's SPKI; returns the COSE_Sign1 token out of its CMW record and the trust anchor.
fn sim_token(hash: HashAlgorithm) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut tee = sim_tee()?;
    let aik = signer(Algorithm::ES256)?.public_key_spki();
    let aik_hash = super::provider().hash(hash, &[&aik]);
    let b = binder(u8::try_from(hash.output_len()).map_err(|e| e.to_string())?);
    let cmw = tee
        .attest(&EvidenceRequest {
            binder: &b,
            aik_pub_hash: aik_hash.as_bytes(),
            now_unix_secs: IAT.unsigned_abs(),
        })
        .map_err(err)?;
    match Cmw::decode(&cmw).map_err(err)? {
        Cmw::Record(r) => Ok((r.value().to_vec(), tee.attestation_key_spki())),
        _ => Err("sim-TEE Evidence is not a CMW record".into()),
    }
}

/// `[tag] [protected, unprotected, payload, signature]` from encoded parts.
fn assemble(
    tag: Option<u64>,
    protected: &[u8],
    unprotected: &[u8],
    payload: Option<&[u8]>,
    signature: &[u8],
) -> Vec<u8> {
    let mut w = Writer::new();
    if let Some(t) = tag {
        w.tag(t);
    }
    w.array(4).bytes(protected).raw(unprotected);
    match payload {
        Some(p) => w.bytes(p),
        None => w.null(),
    };
    w.bytes(signature);
    w.into_vec()
}

/// Signs the Sig_structure of encoded parts.
fn sign_parts(
    signer: &dyn CoseSigner,
    protected: &[u8],
    aad: &[u8],
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    signer
        .sign(&sig_structure1(protected, aad, payload))
        .map_err(err)
}

fn flip_last(mut b: Vec<u8>) -> Vec<u8> {
    if let Some(x) = b.last_mut() {
        *x ^= 0x01;
    }
    b
}

/// Signs `payload` as a tagged COSE_Sign1 with protected `{1: alg}` and no other header.
fn sign_tagged(payload: Vec<u8>, s: &dyn CoseSigner, tagging: Tagging) -> Result<Vec<u8>, String> {
    Ok(
        CoseSign1::sign(HeaderMap::new(), HeaderMap::new(), payload, &[], s)
            .map_err(err)?
            .to_vec(tagging),
    )
}

/// Checks at generation time that the project rejects a negative with the intended failure.
fn expect_rejection(
    name: &str,
    result: Result<impl core::fmt::Debug, Error>,
    intended: &str,
) -> Result<(), String> {
    match result {
        Err(e) if error_name(&e) == intended => Ok(()),
        other => Err(format!(
            "{name}: built to fail with {intended}, got {other:?}"
        )),
    }
}

// --- cose-sign1 -----------------------------------------------------------------------------

/// A valid `cose-sign1` case: name, algorithm, tagging, with `external_aad`, payload,
/// description.
type ValidCose<'a> = (&'a str, Algorithm, Tagging, bool, &'a [u8], &'a str);

#[derive(Clone)]
struct Cose {
    alg: Algorithm,
    spki: Vec<u8>,
    message: Vec<u8>,
    aad: Vec<u8>,
    payload: Vec<u8>,
}

fn cose_fields(c: &Cose) -> Map<String, Json> {
    let mut f = Map::new();
    f.insert("alg".into(), json!(alg_name(c.alg)));
    f.insert("public_key".into(), json!(hex::encode(&c.spki)));
    f.insert("cose_sign1".into(), json!(hex::encode(&c.message)));
    f.insert("external_aad".into(), json!(hex::encode(&c.aad)));
    f.insert("payload".into(), json!(hex::encode(&c.payload)));
    f
}

fn cose_open(c: &Cose) -> Result<Vec<u8>, Error> {
    open_cose_sign1(
        super::provider(),
        c.alg,
        &c.spki,
        &c.message,
        &c.aad,
        &c.payload,
    )
}

/// The `cose-sign1` vectors.
///
/// # Errors
///
/// A signing failure, or a negative the project does not reject as intended.
pub fn cose_sign1() -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    let aad = b"seat vectors external_aad".to_vec();
    let claims_payload = ClaimsSet {
        nonce: Some(Nonce::new(binder(16)).map_err(err)?),
        ueid: Some(Ueid::new([vec![0x01], binder(16)].concat()).map_err(err)?),
        ..ClaimsSet::default()
    }
    .to_vec();
    let valid_cases: [ValidCose<'_>; 9] = [
        (
            "es256-tagged",
            Algorithm::ES256,
            Tagging::Tagged,
            false,
            CONTENT,
            "ES256 (RFC 6979), tag 18, kid in the unprotected bucket",
        ),
        (
            "es256-untagged-external-aad",
            Algorithm::ES256,
            Tagging::Untagged,
            true,
            CONTENT,
            "ES256, untagged, with external_aad",
        ),
        (
            "es256-content-type-eat-payload",
            Algorithm::ES256,
            Tagging::Tagged,
            false,
            &claims_payload,
            "ES256 with a protected content type (263, application/eat+cwt) over an EAT claims-set",
        ),
        (
            "es256-empty-payload",
            Algorithm::ES256,
            Tagging::Tagged,
            false,
            b"",
            "ES256 over a zero-length payload",
        ),
        (
            "es384-tagged",
            Algorithm::ES384,
            Tagging::Tagged,
            false,
            CONTENT,
            "ES384 (RFC 6979), tag 18",
        ),
        (
            "es384-untagged-external-aad",
            Algorithm::ES384,
            Tagging::Untagged,
            true,
            CONTENT,
            "ES384, untagged, with external_aad",
        ),
        (
            "eddsa-tagged",
            Algorithm::EDDSA,
            Tagging::Tagged,
            false,
            CONTENT,
            "EdDSA (Ed25519), tag 18",
        ),
        (
            "eddsa-untagged-external-aad",
            Algorithm::EDDSA,
            Tagging::Untagged,
            true,
            CONTENT,
            "EdDSA, untagged, with external_aad",
        ),
        (
            "es256-detached",
            Algorithm::ES256,
            Tagging::Tagged,
            false,
            CONTENT,
            "ES256 with a detached payload (nil in the message; the payload field is what is signed)",
        ),
    ];
    let mut es256_tagged = None;
    for (name, alg, tagging, with_aad, payload, description) in valid_cases {
        let s = signer(alg)?;
        let mut protected = HeaderMap::new();
        if name.contains("content-type") {
            protected = protected.with_content_type(ContentType::ContentFormat(263));
        }
        let unprotected = HeaderMap::new().with_kid(alg_name(alg).as_bytes().to_vec());
        let aad_here = if with_aad { aad.clone() } else { Vec::new() };
        let mut m = CoseSign1::sign(protected, unprotected, payload.to_vec(), &aad_here, &s)
            .map_err(err)?;
        if name.ends_with("detached") {
            m = CoseSign1::new(
                m.protected().clone(),
                m.unprotected().clone(),
                None,
                m.signature().to_vec(),
            )
            .map_err(err)?;
        }
        let c = Cose {
            alg,
            spki: s.public_key_spki(),
            message: m.to_vec(tagging),
            aad: aad_here,
            payload: payload.to_vec(),
        };
        let opened = cose_open(&c).map_err(|e| format!("{name}: {e}"))?;
        if opened != c.payload {
            return Err(format!("{name}: opened payload differs"));
        }
        out.push(Vector::valid(
            "cose-sign1",
            name.into(),
            description.into(),
            cose_fields(&c),
        ));
        if name == "es256-tagged" {
            es256_tagged = Some(c);
        }
    }
    let base = es256_tagged.ok_or("es256-tagged not built")?;
    let p256 = signer(Algorithm::ES256)?;
    let ed = signer(Algorithm::EDDSA)?;
    let es256_protected = HeaderMap::new().with_alg(Algorithm::ES256).to_vec();
    let empty_map = HeaderMap::new().to_vec();
    let mut negatives: Vec<(&str, &str, &str, Cose)> = Vec::new();
    negatives.push((
        "negative-bad-signature",
        "es256-tagged with the last signature byte flipped",
        "bad_signature",
        Cose {
            message: flip_last(base.message.clone()),
            ..base.clone()
        },
    ));
    negatives.push((
        "negative-wrong-key",
        "es256-tagged checked with another P-256 key (the vectors' simulated TEE attestation key)",
        "bad_signature",
        Cose {
            spki: sim_tee()?.attestation_key_spki(),
            ..base.clone()
        },
    ));
    let claims_es384 = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new(),
        CONTENT.to_vec(),
        &[],
        &Claiming {
            inner: &p256,
            alg: Algorithm::ES384,
        },
    )
    .map_err(err)?;
    negatives.push((
        "negative-alg-es384-with-p256-key",
        "protected alg ES384 on a message signed with, and checked against, a P-256 key (ES256)",
        "algorithm_mismatch",
        Cose {
            message: claims_es384.to_vec(Tagging::Tagged),
            ..base.clone()
        },
    ));
    let claims_es256 = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new(),
        CONTENT.to_vec(),
        &[],
        &Claiming {
            inner: &ed,
            alg: Algorithm::ES256,
        },
    )
    .map_err(err)?;
    negatives.push((
        "negative-alg-es256-with-ed25519-key",
        "protected alg ES256 on a message signed with, and checked against, an Ed25519 key (EdDSA)",
        "algorithm_mismatch",
        Cose {
            alg: Algorithm::EDDSA,
            spki: ed.public_key_spki(),
            message: claims_es256.to_vec(Tagging::Tagged),
            ..base.clone()
        },
    ));
    // The protected bucket as a bare map instead of a byte string wrapping it.
    let sig = sign_parts(&p256, &es256_protected, &[], CONTENT)?;
    let mut w = Writer::new();
    w.tag(18)
        .array(4)
        .raw(&es256_protected)
        .raw(&empty_map)
        .bytes(CONTENT)
        .bytes(&sig);
    negatives.push((
        "negative-protected-not-bstr",
        "the protected bucket is the map itself, not a byte string holding it",
        "unexpected_type",
        Cose {
            message: w.into_vec(),
            ..base.clone()
        },
    ));
    // {1: -7} with -7 written in a two-byte head (38 06): not preferred serialization.
    let mut pw = Writer::new();
    pw.map(1).uint(1).raw(&[0x38, 0x06]);
    let long_alg = pw.into_vec();
    negatives.push((
        "negative-protected-non-preferred",
        "protected {1: -7} with -7 in a two-byte head (a1 01 38 06), validly signed",
        "non_preferred",
        Cose {
            message: assemble(
                Some(18),
                &long_alg,
                &empty_map,
                Some(CONTENT),
                &sign_parts(&p256, &long_alg, &[], CONTENT)?,
            ),
            ..base.clone()
        },
    ));
    let crit = CoseSign1::sign(
        HeaderMap::new()
            .with_other(Label::Int(99), Value::Uint(0))
            .map_err(err)?
            .with_crit(vec![Label::Int(99)])
            .map_err(err)?,
        HeaderMap::new(),
        CONTENT.to_vec(),
        &[],
        &p256,
    )
    .map_err(err)?;
    negatives.push((
        "negative-unknown-critical-header",
        "protected {1: -7, 2: [99], 99: 0}: label 99 is critical and not understood, validly signed",
        "unknown_critical",
        Cose {
            message: crit.to_vec(Tagging::Tagged),
            ..base.clone()
        },
    ));
    let mut trailing = base.message.clone();
    trailing.push(0x00);
    negatives.push((
        "negative-trailing-bytes",
        "es256-tagged followed by one byte",
        "trailing_bytes",
        Cose {
            message: trailing,
            ..base.clone()
        },
    ));
    let mut tag17 = base.message.clone();
    if let Some(first) = tag17.first_mut() {
        *first = 0xd1;
    }
    negatives.push((
        "negative-tag-17",
        "es256-tagged under tag 17 (COSE_Mac0) instead of 18",
        "invalid_value",
        Cose {
            message: tag17,
            ..base.clone()
        },
    ));
    let alg_unprotected = HeaderMap::new().with_alg(Algorithm::ES256).to_vec();
    negatives.push((
        "negative-alg-unprotected",
        "alg only in the unprotected bucket (protected empty), validly signed",
        "missing_algorithm",
        Cose {
            message: assemble(
                Some(18),
                &[],
                &alg_unprotected,
                Some(CONTENT),
                &sign_parts(&p256, &[], &[], CONTENT)?,
            ),
            ..base.clone()
        },
    ));
    negatives.push((
        "negative-label-in-both-buckets",
        "alg {1: -7} in both buckets, validly signed",
        "duplicate_key",
        Cose {
            message: assemble(
                Some(18),
                &es256_protected,
                &alg_unprotected,
                Some(CONTENT),
                &sign_parts(&p256, &es256_protected, &[], CONTENT)?,
            ),
            ..base.clone()
        },
    ));
    // 18([_ ...]): the same four items in an indefinite-length array.
    let mut indefinite = vec![0xd2, 0x9f];
    indefinite.extend(base.message.get(2..).unwrap_or_default());
    indefinite.push(0xff);
    negatives.push((
        "negative-indefinite-array",
        "es256-tagged with the COSE_Sign1 array in indefinite-length form",
        "indefinite",
        Cose {
            message: indefinite,
            ..base.clone()
        },
    ));
    for (name, description, intended, c) in negatives {
        expect_rejection(name, cose_open(&c), intended)?;
        out.push(Vector::invalid(
            "cose-sign1",
            name.into(),
            description.into(),
            intended,
            cose_fields(&c),
        ));
    }
    Ok(out)
}

// --- eat ------------------------------------------------------------------------------------

/// A negative `eat` case: name, description, intended error, algorithm, key, token.
type EatNegative = (
    &'static str,
    String,
    &'static str,
    Algorithm,
    Vec<u8>,
    Vec<u8>,
);

fn eat_fields(alg: Algorithm, spki: &[u8], token: &[u8]) -> Map<String, Json> {
    let mut f = Map::new();
    f.insert("alg".into(), json!(alg_name(alg)));
    f.insert("public_key".into(), json!(hex::encode(spki)));
    f.insert("token".into(), json!(hex::encode(token)));
    f
}

/// The `eat` vectors.
///
/// # Errors
///
/// A signing failure, or a negative the project does not reject as intended.
pub fn eat_vectors() -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    let p = super::provider();
    let mut valid = |name: &str, description: &str, alg: Algorithm, spki: &[u8], token: &[u8]| {
        let claims = open_eat(p, alg, spki, token).map_err(|e| format!("{name}: {e}"))?;
        let mut f = eat_fields(alg, spki, token);
        f.insert("claims".into(), eat_claims_json(&claims));
        out.push(Vector::valid("eat", name.into(), description.into(), f));
        Ok::<(), String>(())
    };
    let (sim256, anchor) = sim_token(HashAlgorithm::Sha256)?;
    valid(
        "sim-tee-sha256-binder",
        "simulated TEE Evidence (profile sim-tee/1, fixed seed) for a 32-byte binder",
        Algorithm::ES256,
        &anchor,
        &sim256,
    )?;
    let (sim384, _) = sim_token(HashAlgorithm::Sha384)?;
    valid(
        "sim-tee-sha384-binder",
        "simulated TEE Evidence for a 48-byte binder and a SHA-384 AIK hash",
        Algorithm::ES256,
        &anchor,
        &sim384,
    )?;
    let es384 = signer(Algorithm::ES384)?;
    let cdsp = ClaimsSet {
        nonce: Some(Nonce::new(binder(16)).map_err(err)?),
        ueid: Some(Ueid::new([vec![0x02], binder(8)].concat()).map_err(err)?),
        oemid: Some(OemId::Ieee([0x00, 0x1b, 0x63])),
        hwmodel: Some(eat::HwModel::new(b"seat-board-1".to_vec()).map_err(err)?),
        hwversion: Some(Version {
            version: "2.1".into(),
            scheme: Some(1),
        }),
        swname: Some("seat-firmware".into()),
        swversion: Some(Version {
            version: "1.4.2".into(),
            scheme: Some(16384),
        }),
        dbgstat: Some(DebugStatus::DisabledSinceBoot),
        oemboot: Some(true),
        iat: Some(IAT),
        profile: Some(EatProfile::Uri(eat::CONSTRAINED_DEVICE_PROFILE.into())),
        ..ClaimsSet::default()
    };
    valid(
        "cdsp-es384-cwt-tag",
        "Constrained Device Standard Profile claims, ES384, in a tagged CWT 61(18(...)); hwversion (260) as an other claim",
        Algorithm::ES384,
        &es384.public_key_spki(),
        &sign_tagged(cdsp.to_vec(), &es384, Tagging::Cwt)?,
    )?;
    let ed = signer(Algorithm::EDDSA)?;
    let mut extra = ClaimsSet {
        nonce: Some(Nonce::many(vec![binder(8), binder(12)]).map_err(err)?),
        ueid: Some(Ueid::new([vec![0x01], binder(24)].concat()).map_err(err)?),
        oemid: Some(OemId::Random([0x5a; 16])),
        measurements: vec![Measurement {
            content_format: 258,
            content: Value::Map(vec![(Value::Uint(0), Value::Text("seat-app".into()))]).to_vec(),
        }],
        exp: Some(IAT + 3600),
        iat: Some(IAT),
        cnf: Some(Confirmation::Kid(binder(32))),
        ..ClaimsSet::default()
    };
    extra
        .extra
        .insert(Label::Int(-70000), Value::Text("vendor claim".into()))
        .map_err(err)?;
    valid(
        "eddsa-untagged-two-nonces",
        "EdDSA, untagged COSE_Sign1: two nonces, a random oemid, a measurement, cnf kid, exp and a private claim -70000",
        Algorithm::EDDSA,
        &ed.public_key_spki(),
        &sign_tagged(extra.to_vec(), &ed, Tagging::Untagged)?,
    )?;
    let p256 = signer(Algorithm::ES256)?;
    let p256_spki = p256.public_key_spki();
    let minimal = ClaimsSet {
        nonce: Some(Nonce::new(binder(32)).map_err(err)?),
        oemid: Some(OemId::Pen(32473)),
        ..ClaimsSet::default()
    };
    valid(
        "es256-nonce-oemid-pen",
        "ES256, tag 18: a nonce and an oemid given as a Private Enterprise Number",
        Algorithm::ES256,
        &p256_spki,
        &sign_tagged(minimal.to_vec(), &p256, Tagging::Tagged)?,
    )?;

    // Negatives.
    let mut negatives: Vec<EatNegative> = Vec::new();
    negatives.push((
        "negative-sim-tee-bad-signature",
        "sim-tee-sha256-binder with the last signature byte flipped".into(),
        "bad_signature",
        Algorithm::ES256,
        anchor.clone(),
        flip_last(sim256.clone()),
    ));
    // Sim-TEE tokens signed with the fixed P-256 key (its SPKI as the trust anchor, kid its
    // SHA-256), one profile rule broken in each.
    let sim_claims = {
        let (m, _) = CoseSign1::decode(&sim256).map_err(err)?;
        ClaimsSet::decode(m.payload().unwrap_or_default()).map_err(err)?
    };
    let kid = p
        .hash(HashAlgorithm::Sha256, &[&p256_spki])
        .as_bytes()
        .to_vec();
    let sim_like = |c: &ClaimsSet| -> Result<Vec<u8>, String> {
        Ok(CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new().with_kid(kid.clone()),
            c.to_vec(),
            &[],
            &p256,
        )
        .map_err(err)?
        .to_vec(Tagging::Tagged))
    };
    let no_nonce = ClaimsSet {
        nonce: None,
        ..sim_claims.clone()
    };
    negatives.push((
        "negative-sim-tee-missing-nonce",
        "sim-tee/1 token (validly signed, kid of the key) without eat_nonce, which the profile requires".into(),
        "missing",
        Algorithm::ES256,
        p256_spki.clone(),
        sim_like(&no_nonce)?,
    ));
    let with_oemid = ClaimsSet {
        oemid: Some(OemId::Pen(32473)),
        ..sim_claims.clone()
    };
    negatives.push((
        "negative-sim-tee-claim-outside-profile",
        "sim-tee/1 token (validly signed) with an oemid, a claim the closed profile does not have"
            .into(),
        "invalid_value",
        Algorithm::ES256,
        p256_spki.clone(),
        sim_like(&with_oemid)?,
    ));
    let other_kid = p
        .hash(HashAlgorithm::Sha256, &[&anchor])
        .as_bytes()
        .to_vec();
    negatives.push((
        "negative-sim-tee-kid-of-another-key",
        "sim-tee/1 token validly signed with the fixed P-256 key but whose kid names the TEE's attestation key".into(),
        "mismatch",
        Algorithm::ES256,
        p256_spki.clone(),
        CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new().with_kid(other_kid),
            sim_claims.to_vec(),
            &[],
            &p256,
        )
        .map_err(err)?
        .to_vec(Tagging::Tagged),
    ));
    // Claims-sets broken at one point, validly signed with ES256.
    let nonce = binder(16);
    let mut w = Writer::new();
    w.map(2).uint(10).bytes(&nonce).uint(10).bytes(&binder(20));
    negatives.push((
        "negative-duplicate-claim",
        "eat_nonce (10) twice in the claims-set".into(),
        "duplicate_key",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(w.into_vec(), &p256, Tagging::Tagged)?,
    ));
    let mut w = Writer::new();
    w.map(2).uint(10).bytes(&nonce).uint(262).uint(1);
    negatives.push((
        "negative-oemboot-not-bool",
        "oemboot (262) as the integer 1 instead of true".into(),
        "unexpected_type",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(w.into_vec(), &p256, Tagging::Tagged)?,
    ));
    let mut w = Writer::new();
    w.map(1).uint(10).bytes(&binder(7));
    negatives.push((
        "negative-nonce-too-short",
        "a 7-byte eat_nonce (RFC 9711: 8 to 64 bytes)".into(),
        "bad_length",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(w.into_vec(), &p256, Tagging::Tagged)?,
    ));
    #[allow(clippy::cast_precision_loss)]
    let float_iat = (IAT as f64).to_bits();
    let mut w = Writer::new();
    w.map(2)
        .uint(6)
        .value(&Value::Float(Float::F64(float_iat)))
        .uint(10)
        .bytes(&nonce);
    negatives.push((
        "negative-float-iat",
        "iat as a float64 (RFC 9711 section 4.3.1: an error)".into(),
        "invalid_value",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(w.into_vec(), &p256, Tagging::Tagged)?,
    ));
    let mut w = Writer::new();
    w.map(2).uint(10).bytes(&nonce).uint(263).uint(5);
    negatives.push((
        "negative-dbgstat-5",
        "dbgstat 5 (defined values 0 to 4)".into(),
        "invalid_value",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(w.into_vec(), &p256, Tagging::Tagged)?,
    ));
    let definite = minimal.to_vec();
    let mut indefinite = vec![0xbf];
    indefinite.extend(definite.get(1..).unwrap_or_default());
    indefinite.push(0xff);
    negatives.push((
        "negative-indefinite-claims-map",
        "es256-nonce-oemid-pen's claims-set as an indefinite-length map, validly signed".into(),
        "indefinite",
        Algorithm::ES256,
        p256_spki.clone(),
        sign_tagged(indefinite, &p256, Tagging::Tagged)?,
    ));
    for (name, description, intended, alg, spki, token) in negatives {
        expect_rejection(name, open_eat(p, alg, &spki, &token), intended)?;
        out.push(Vector::invalid(
            "eat",
            name.into(),
            description,
            intended,
            eat_fields(alg, &spki, &token),
        ));
    }
    Ok(out)
}

// --- ear ------------------------------------------------------------------------------------

/// A negative `ear` case: name, description, intended error, form, algorithm, token.
type EarNegative = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Algorithm,
    Vec<u8>,
);

fn verifier_id() -> VerifierId {
    VerifierId {
        developer: "https://seat.example/verifier".into(),
        build: "seat-verify vectors 1".into(),
    }
}

fn appraisal(
    status: Tier,
    vector: Option<[Option<i8>; 8]>,
    nonce: Option<Vec<u8>>,
) -> Result<Appraisal, String> {
    Ok(Appraisal {
        status,
        trust_vector: vector.map(TrustVector::new).transpose().map_err(err)?,
        policy_ids: Vec::new(),
        nonce: nonce.map(Nonce::new).transpose().map_err(err)?,
        profile: None,
        extra: Vec::new(),
    })
}

fn ear_of(submods: Vec<(String, Appraisal)>) -> Ear {
    Ear {
        profile: EAR_PROFILE_03.into(),
        iat: IAT + 5,
        exp: None,
        verifier_id: verifier_id(),
        raw_evidence: None,
        submods,
        nonce: None,
        status: None,
        extra: Vec::new(),
    }
}

fn ear_fields(form: &str, alg: Algorithm, spki: &[u8], token: &[u8]) -> Map<String, Json> {
    let mut f = Map::new();
    f.insert("form".into(), json!(form));
    f.insert("alg".into(), json!(alg_name(alg)));
    f.insert("public_key".into(), json!(hex::encode(spki)));
    let t = if form == "jwt" {
        json!(String::from_utf8_lossy(token))
    } else {
        json!(hex::encode(token))
    };
    f.insert("token".into(), t);
    f
}

/// Decodes a CBOR item generically, changes it, and re-encodes it (maps sorted).
fn edit_cbor(bytes: &[u8], f: impl FnOnce(&mut Value)) -> Result<Vec<u8>, String> {
    let mut v = Reader::new(bytes, Profile::STRICT)
        .value(Item::Ear)
        .map_err(err)?;
    f(&mut v);
    Ok(v.to_vec())
}

fn map_get<'a>(v: &'a mut Value, key: &Value) -> Option<&'a mut Value> {
    match v {
        Value::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// A JWS compact serialization of `header` and `payload` texts, signed with `s`.
fn jws(header: &str, payload: &str, s: &dyn CoseSigner) -> Result<Vec<u8>, String> {
    let mut input = json::b64u_encode(header.as_bytes());
    input.push('.');
    input.push_str(&json::b64u_encode(payload.as_bytes()));
    let sig = s.sign(input.as_bytes()).map_err(err)?;
    input.push('.');
    input.push_str(&json::b64u_encode(&sig));
    Ok(input.into_bytes())
}

/// The `ear` vectors.
///
/// # Errors
///
/// A signing failure, or a negative the project does not reject as intended.
#[allow(clippy::too_many_lines)]
pub fn ear_vectors() -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    let p = super::provider();
    let p256 = signer(Algorithm::ES256)?;
    let p384 = signer(Algorithm::ES384)?;
    let ed = signer(Algorithm::EDDSA)?;
    let affirming = ear_of(vec![(
        "sim-tee".into(),
        appraisal(
            Tier::Affirming,
            Some([
                Some(2),
                Some(2),
                Some(2),
                None,
                Some(2),
                Some(2),
                None,
                None,
            ]),
            Some(binder(32)),
        )?,
    )]);
    let warning = ear_of(vec![
        (
            "firmware".into(),
            appraisal(
                Tier::Warning,
                Some([Some(2), Some(32), Some(2), None, None, None, None, None]),
                None,
            )?,
        ),
        (
            "sim-tee".into(),
            appraisal(
                Tier::Affirming,
                Some([Some(2), None, None, None, None, None, None, None]),
                Some(binder(48)),
            )?,
        ),
    ]);
    let contraindicated = ear_of(vec![(
        "sim-tee".into(),
        appraisal(
            Tier::Contraindicated,
            Some([Some(2), Some(2), Some(96), None, Some(2), None, None, None]),
            Some(binder(32)),
        )?,
    )]);
    let none = ear_of(vec![("sim-tee".into(), appraisal(Tier::None, None, None)?)]);
    let cases: [(&str, &str, &Ear, &ProviderSigner, &str); 6] = [
        (
            "cwt-es256-affirming",
            "cwt",
            &affirming,
            &p256,
            "EAR as a CWT (tag 18), ES256: one affirming appraisal with its nonce",
        ),
        (
            "cwt-es384-warning",
            "cwt",
            &warning,
            &p384,
            "EAR as a CWT, ES384: a warning appraisal beside an affirming one",
        ),
        (
            "cwt-eddsa-contraindicated",
            "cwt",
            &contraindicated,
            &ed,
            "EAR as a CWT, EdDSA: a contraindicated executables claim",
        ),
        (
            "jwt-es256-affirming",
            "jwt",
            &affirming,
            &p256,
            "EAR as a JWT, ES256 (raw r||s): one affirming appraisal with its nonce",
        ),
        (
            "jwt-es384-warning",
            "jwt",
            &warning,
            &p384,
            "EAR as a JWT, ES384: a warning appraisal beside an affirming one",
        ),
        (
            "jwt-eddsa-none",
            "jwt",
            &none,
            &ed,
            "EAR as a JWT, EdDSA: status none and no trustworthiness vector",
        ),
    ];
    for (name, form, e, s, description) in cases {
        let token = if form == "jwt" {
            ear::sign_jwt(e, s).map_err(err)?.into_bytes()
        } else {
            ear::sign_cwt(e, s).map_err(err)?
        };
        let alg = s.algorithm();
        let spki = s.public_key_spki();
        let decoded = open_ear(p, form, alg, &spki, &token).map_err(|x| format!("{name}: {x}"))?;
        let mut f = ear_fields(form, alg, &spki, &token);
        f.insert("claims".into(), ear_claims_json(&decoded));
        out.push(Vector::valid("ear", name.into(), description.into(), f));
    }

    let spki = p256.public_key_spki();
    let es256 = Algorithm::ES256;
    let mut negatives: Vec<EarNegative> = Vec::new();
    let cwt = ear::sign_cwt(&affirming, &p256).map_err(err)?;
    negatives.push((
        "cwt-negative-bad-signature",
        "cwt-es256-affirming with the last signature byte flipped",
        "bad_signature",
        "cwt",
        es256,
        flip_last(cwt),
    ));
    let jwt = ear::sign_jwt(&affirming, &p256).map_err(err)?;
    let bad_jwt = {
        let (signed, sig) = jwt.rsplit_once('.').ok_or("jwt")?;
        let sig = flip_last(json::b64u_decode(sig, Item::Jws).map_err(err)?);
        format!("{signed}.{}", json::b64u_encode(&sig)).into_bytes()
    };
    negatives.push((
        "jwt-negative-bad-signature",
        "jwt-es256-affirming with the last signature byte flipped",
        "bad_signature",
        "jwt",
        es256,
        bad_jwt,
    ));
    let submods_key = Value::Uint(266);
    let status_3 = edit_cbor(&affirming.to_cbor(), |v| {
        if let Some(a) =
            map_get(v, &submods_key).and_then(|s| map_get(s, &Value::Text("sim-tee".into())))
            && let Some(s) = map_get(a, &Value::Uint(1000))
        {
            *s = Value::Uint(3);
        }
    })?;
    negatives.push((
        "cwt-negative-unknown-ear-status",
        "ear_status 3 (defined tiers 0, 2, 32, 96), validly signed",
        "invalid_value",
        "cwt",
        es256,
        sign_tagged(status_3, &p256, Tagging::Tagged)?,
    ));
    let out_of_range = edit_cbor(&affirming.to_cbor(), |v| {
        if let Some(a) =
            map_get(v, &submods_key).and_then(|s| map_get(s, &Value::Text("sim-tee".into())))
            && let Some(tv) = map_get(a, &Value::Uint(1001))
            && let Some(c) = map_get(tv, &Value::Uint(0))
        {
            *c = Value::Uint(200);
        }
    })?;
    negatives.push((
        "cwt-negative-trust-claim-out-of-range",
        "instance-identity 200 (AR4SI claims are -128..127), validly signed",
        "invalid_value",
        "cwt",
        es256,
        sign_tagged(out_of_range, &p256, Tagging::Tagged)?,
    ));
    let no_submods = edit_cbor(&affirming.to_cbor(), |v| {
        if let Value::Map(entries) = v {
            entries.retain(|(k, _)| *k != submods_key);
        }
    })?;
    negatives.push((
        "cwt-negative-missing-submods",
        "no submods claim (266), validly signed",
        "missing",
        "cwt",
        es256,
        sign_tagged(no_submods, &p256, Tagging::Tagged)?,
    ));
    let overclaiming = ear_of(vec![(
        "sim-tee".into(),
        appraisal(
            Tier::Affirming,
            Some([Some(2), Some(2), Some(96), None, None, None, None, None]),
            None,
        )?,
    )]);
    negatives.push(("cwt-negative-status-above-vector", "ear_status affirming over a contraindicated executables claim (AR4SI: never more trustworthy than the worst claim)", "invalid_value", "cwt", es256, ear::sign_cwt(&overclaiming, &p256).map_err(err)?));

    let header = r#"{"alg":"ES256","typ":"JWT"}"#;
    let claims: Json =
        serde_json::from_str(&affirming.to_json_string()).map_err(|e| e.to_string())?;
    let edit_json = |f: &dyn Fn(&mut Json)| -> String {
        let mut c = claims.clone();
        f(&mut c);
        c.to_string()
    };
    let excellent = edit_json(&|c| {
        if let Some(s) = c.pointer_mut("/submods/sim-tee/ear_status") {
            *s = json!("excellent");
        }
    });
    negatives.push((
        "jwt-negative-unknown-ear-status",
        "ear_status \"excellent\", validly signed",
        "invalid_value",
        "jwt",
        es256,
        jws(header, &excellent, &p256)?,
    ));
    let claim_128 = edit_json(&|c| {
        if let Some(s) = c.pointer_mut("/submods/sim-tee/ear_trustworthiness_vector/hardware") {
            *s = json!(128);
        }
    });
    negatives.push((
        "jwt-negative-trust-claim-out-of-range",
        "hardware 128 (AR4SI claims are -128..127), validly signed",
        "invalid_value",
        "jwt",
        es256,
        jws(header, &claim_128, &p256)?,
    ));
    let empty_submods = edit_json(&|c| {
        if let Some(s) = c.pointer_mut("/submods") {
            *s = json!({});
        }
    });
    negatives.push((
        "jwt-negative-empty-submods",
        "submods {} (at least one appraisal), validly signed",
        "bad_length",
        "jwt",
        es256,
        jws(header, &empty_submods, &p256)?,
    ));
    let unsigned = {
        let mut t = json::b64u_encode(br#"{"alg":"none","typ":"JWT"}"#);
        t.push('.');
        t.push_str(&json::b64u_encode(affirming.to_json_string().as_bytes()));
        t.push('.');
        t.into_bytes()
    };
    negatives.push((
        "jwt-negative-alg-none",
        "an unsecured JWS (alg none, empty signature; RFC 8725 section 3.1)",
        "unsupported_algorithm",
        "jwt",
        es256,
        unsigned,
    ));
    let mismatch = ear::sign_jwt(
        &affirming,
        &Claiming {
            inner: &p256,
            alg: Algorithm::ES384,
        },
    )
    .map_err(err)?;
    negatives.push((
        "jwt-negative-alg-es384-with-p256-key",
        "header alg ES384 on a JWT signed with, and checked against, a P-256 key (ES256)",
        "algorithm_mismatch",
        "jwt",
        es256,
        mismatch.into_bytes(),
    ));
    let crit = jws(
        r#"{"alg":"ES256","crit":["exp"],"typ":"JWT"}"#,
        &affirming.to_json_string(),
        &p256,
    )?;
    negatives.push((
        "jwt-negative-crit-header",
        "a crit header parameter (no JWS extension is understood), validly signed",
        "unknown_critical",
        "jwt",
        es256,
        crit,
    ));
    for (name, description, intended, form, alg, token) in negatives {
        expect_rejection(name, open_ear(p, form, alg, &spki, &token), intended)?;
        out.push(Vector::invalid(
            "ear",
            name.into(),
            description.into(),
            intended,
            ear_fields(form, alg, &spki, &token),
        ));
    }
    Ok(out)
}

/// The vectors of this module, in a fixed order.
///
/// # Errors
///
/// The first generator failure.
pub fn vectors() -> Result<Vec<Vector>, String> {
    let mut out = cose_sign1()?;
    out.extend(eat_vectors()?);
    out.extend(ear_vectors()?);
    Ok(out)
}
