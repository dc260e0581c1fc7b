//! Glue between seat-evidence's COSE traits and seat-binding's provider, and the JWS compact
//! serialisation (RFC 7515) of JWT EARs. No crypto library is called here directly.

use core::cell::RefCell;

use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, RandomSource, SignatureAlgorithm, SignatureEncoding, SigningKey,
};
use seat_evidence::cose::{Algorithm, CoseSigner, CoseVerifier};
use seat_evidence::crypto::signature_algorithm;
use seat_evidence::json;

use crate::error::Reason;

/// The JWS `alg` name (RFC 7518 section 3.1, RFC 8037 section 3.1).
pub(crate) const fn jws_alg(alg: SignatureAlgorithm) -> Option<&'static str> {
    Some(match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => "ES256",
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => "ES384",
        SignatureAlgorithm::Ed25519 => "EdDSA",
        SignatureAlgorithm::RsaPssRsaeSha256 => "PS256",
        SignatureAlgorithm::RsaPssRsaeSha384 => "PS384",
        SignatureAlgorithm::RsaPssRsaeSha512 => "PS512",
        _ => return None,
    })
}

fn from_jws(name: &str) -> Option<SignatureAlgorithm> {
    [
        SignatureAlgorithm::EcdsaSecp256r1Sha256,
        SignatureAlgorithm::EcdsaSecp384r1Sha384,
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::RsaPssRsaeSha256,
        SignatureAlgorithm::RsaPssRsaeSha384,
        SignatureAlgorithm::RsaPssRsaeSha512,
    ]
    .into_iter()
    .find(|a| jws_alg(*a) == Some(name))
}

/// The key id of a trusted key: SHA-256 of its DER SubjectPublicKeyInfo
/// (sim-tee-profile.md, "Token": the `kid` of the simulated TEE).
/// Whether a binder or key hash equals the expected one, in constant time (the lengths are
/// public): DESIGN section 7 asks binders and MACs to be compared so.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

pub(crate) fn key_id(provider: &dyn CryptoProvider, spki: &[u8]) -> Vec<u8> {
    provider
        .hash(HashAlgorithm::Sha256, &[spki])
        .as_bytes()
        .to_vec()
}

/// Verifies COSE signatures with one trusted SPKI through the provider.
pub(crate) struct SpkiVerifier<'a> {
    pub(crate) provider: &'a dyn CryptoProvider,
    pub(crate) spki: &'a [u8],
}

impl CoseVerifier for SpkiVerifier<'_> {
    fn verify(
        &self,
        alg: Algorithm,
        tbs: &[u8],
        signature: &[u8],
    ) -> Result<(), seat_evidence::Error> {
        let a = signature_algorithm(alg)
            .ok_or(seat_evidence::Error::UnsupportedAlgorithm { alg: alg.0 })?;
        self.provider
            .verify(a, self.spki, tbs, signature, SignatureEncoding::Fixed)
            .map_err(|e| match e {
                seat_binding::Error::KeyMismatch
                | seat_binding::Error::UnsupportedPublicKeyAlgorithm => {
                    seat_evidence::Error::UnsupportedAlgorithm { alg: alg.0 }
                }
                _ => seat_evidence::Error::BadSignature,
            })
    }
}

/// Signs COSE ToBeSigned bytes with a provider key; remembers the provider's error.
pub(crate) struct KeySigner<'a> {
    pub(crate) key: &'a dyn SigningKey,
    pub(crate) alg: Algorithm,
    pub(crate) rng: RefCell<&'a mut dyn RandomSource>,
    pub(crate) failure: RefCell<Option<seat_binding::Error>>,
}

impl CoseSigner for KeySigner<'_> {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, seat_evidence::Error> {
        let mut rng = self.rng.borrow_mut();
        self.key
            .sign(tbs, SignatureEncoding::Fixed, &mut **rng)
            .map_err(|e| {
                *self.failure.borrow_mut() = Some(e);
                seat_evidence::Error::UnsupportedAlgorithm { alg: self.alg.0 }
            })
    }
}

/// Signs `claims_json` as a JWS compact serialisation with header
/// `{"alg":..,"kid":..,"typ":"JWT"}` (RFC 7515 section 7.1, RFC 7519).
pub(crate) fn sign_jwt(
    key: &dyn SigningKey,
    kid: &[u8],
    claims_json: &str,
    rng: &mut dyn RandomSource,
) -> Result<String, crate::Error> {
    let alg = jws_alg(key.algorithm()).ok_or(crate::Error::InvalidArgument)?;
    let header = serde_json::json!({"alg": alg, "kid": json::b64u_encode(kid), "typ": "JWT"});
    let mut out = json::b64u_encode(json::to_sorted_string(&header).as_bytes());
    out.push('.');
    out.push_str(&json::b64u_encode(claims_json.as_bytes()));
    let sig = key
        .sign(out.as_bytes(), SignatureEncoding::Fixed, rng)
        .map_err(crate::Error::Signing)?;
    out.push('.');
    out.push_str(&json::b64u_encode(&sig));
    Ok(out)
}

/// A JWS compact serialisation split and decoded, not yet verified.
pub(crate) struct Jws<'a> {
    pub(crate) signing_input: &'a [u8],
    pub(crate) alg: SignatureAlgorithm,
    pub(crate) kid: Option<Vec<u8>>,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits and decodes `token` (RFC 7515 section 7.1); `alg` must be one we verify.
    pub(crate) fn parse(token: &'a [u8]) -> Result<Self, Reason> {
        let text = core::str::from_utf8(token).map_err(|_| Reason::MalformedJwtHeader)?;
        let mut parts = text.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Reason::MalformedJwtHeader);
        };
        let signing_input = token
            .get(..h.len() + 1 + p.len())
            .ok_or(Reason::MalformedJwtHeader)?;
        let what = seat_evidence::Item::Base64Url;
        let header = json::b64u_decode(h, what).map_err(|_| Reason::MalformedJwtHeader)?;
        let header = json::parse(&header).map_err(|_| Reason::MalformedJwtHeader)?;
        let members = header.as_object().ok_or(Reason::MalformedJwtHeader)?;
        let mut alg = None;
        let mut kid = None;
        for (k, v) in members {
            match k.as_str() {
                "alg" => alg = v.as_str().and_then(from_jws),
                "kid" => {
                    kid = Some(
                        v.as_str()
                            .and_then(|s| json::b64u_decode(s, what).ok())
                            .ok_or(Reason::MalformedJwtHeader)?,
                    );
                }
                "typ" if v.as_str() == Some("JWT") => {}
                // RFC 7515 section 4.1.11: a critical extension we cannot understand.
                "crit" | "typ" => return Err(Reason::MalformedJwtHeader),
                _ => {}
            }
        }
        let alg = alg.ok_or(Reason::UnsupportedAlgorithm)?;
        let payload = json::b64u_decode(p, what).map_err(Reason::MalformedResult)?;
        let signature = json::b64u_decode(s, what).map_err(Reason::MalformedResult)?;
        Ok(Self {
            signing_input,
            alg,
            kid,
            payload,
            signature,
        })
    }
}
