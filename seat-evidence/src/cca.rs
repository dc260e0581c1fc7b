//! Arm CCA attestation tokens: the collection of a platform token and a realm token, their
//! claims, and the media type they travel under.
//!
//! The layout is the one of Arm's Realm Management Monitor specification (DEN0137, section
//! A7.2, "Realm attestation token"), as draft-ffm-rats-cca-token restates it and as the
//! `ccatoken` implementations (veraison/rust-ccatoken `src/token/evidence.rs`, `realm.rs`,
//! `platform.rs`) and their published samples encode it; every label below was checked
//! against those sample bytes.
//!
//! # Collection
//!
//! `399({44234: bstr .cbor platform-token, 44241: bstr .cbor realm-token})`: CBOR tag 399
//! around a map of exactly these two entries, each a byte string holding one COSE_Sign1
//! (tag 18 or untagged). The platform token is signed by the CCA Platform Attestation Key
//! (CPAK), the realm token by the Realm Attestation Key (RAK) whose public key the realm token
//! carries; the platform token binds the RAK through its challenge.
//!
//! # Platform claims
//!
//! | key | claim | value here |
//! | --- | --- | --- |
//! | 10 | `cca-platform-challenge` | 32, 48 or 64 bytes: hash of the RAK claim (below) |
//! | 256 | `cca-platform-instance-id` | 33 bytes, the first 0x01 |
//! | 265 | `cca-platform-profile` | [`CCA_PLATFORM_PROFILE`] or [`CCA_PLATFORM_LEGACY_PROFILE`] |
//! | 2395 | `cca-platform-lifecycle` | a PSA [`Lifecycle`] in its high byte |
//! | 2396 | `cca-platform-implementation-id` | 32 bytes |
//! | 2399 | `cca-platform-sw-components` | one to [`MAX_SW_COMPONENTS`] PSA software components |
//! | 2400 | `cca-platform-service-indicator` | optional text |
//! | 2401 | `cca-platform-config` | 1 to [`MAX_CONFIG_LEN`] bytes |
//! | 2402 | `cca-platform-hash-algo-id` | text |
//!
//! The software components and the lifecycle are those of PSA (RFC 9783, [`crate::psa`]),
//! decoded by the same code.
//!
//! # Realm claims
//!
//! | key | claim | value here |
//! | --- | --- | --- |
//! | 10 | `cca-realm-challenge` | 64 bytes: the binding (below) |
//! | 265 | `cca-realm-profile` | optional; [`CCA_REALM_PROFILE`] when present |
//! | 44235 | `cca-realm-personalization-value` | 64 bytes |
//! | 44236 | `cca-realm-hash-algo-id` | text |
//! | 44237 | `cca-realm-public-key` (RAK) | without a profile: the 97-byte uncompressed P-384 point; with [`CCA_REALM_PROFILE`]: a COSE_Key (EC2, P-384) |
//! | 44238 | `cca-realm-initial-measurement` (RIM) | 32, 48 or 64 bytes |
//! | 44239 | `cca-realm-extensible-measurements` (REMs) | exactly 4, each 32, 48 or 64 bytes |
//! | 44240 | `cca-realm-public-key-hash-algo-id` | `sha-256`, `sha-384` or `sha-512` |
//!
//! Claims with other keys are ignored (RFC 9711 section 4); every claim above is read strictly.
//!
//! # Binding rules
//!
//! - The RAK: the platform challenge is the hash, under the realm's
//!   `cca-realm-public-key-hash-algo-id`, of the `cca-realm-public-key` claim's bytes as carried
//!   (the raw point, or the COSE_Key encoding).
//! - The connection: the realm challenge has 64 bytes, so it carries the confidential-VM report
//!   data of [`crate::platform::report_data`], `SHA-512(binder || aik_pub_hash)`, as the PSA
//!   nonce does.
//!
//! # Wrapping
//!
//! A CMW record of media type [`CCA_MEDIA_TYPE`],
//! `application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"`, the Evidence media
//! type of Veraison's Arm CCA scheme (veraison/services `scheme/arm-cca/scheme.go`), whose value
//! is the tag-399 collection.

use crate::cbor::{self, Profile, Value};
use crate::error::{Error, Item};
use crate::kat::{CRV_P384, CoseKey, KTY_EC2};
use crate::psa::{Lifecycle, MAX_TEXT_LEN, SwComponent};

pub use crate::psa::MAX_SW_COMPONENTS;

/// The CBOR tag of the CCA token collection.
pub const TAG_CCA_TOKEN: u64 = 399;
/// The collection key of the platform token.
pub const KEY_PLATFORM_TOKEN: i64 = 44234;
/// The collection key of the realm token.
pub const KEY_REALM_TOKEN: i64 = 44241;

/// The media type of a CCA token record (Veraison's Arm CCA scheme).
pub const CCA_MEDIA_TYPE: &str =
    "application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\"";

/// The platform profile of RMM 1.0 and draft-ffm-rats-cca-token.
pub const CCA_PLATFORM_PROFILE: &str = "tag:arm.com,2023:cca_platform#1.0.0";
/// The platform profile of the earlier CCA Security Model tokens.
pub const CCA_PLATFORM_LEGACY_PROFILE: &str = "http://arm.com/CCA-SSD/1.0.0";
/// The realm profile; a realm token with it carries the RAK as a COSE_Key.
pub const CCA_REALM_PROFILE: &str = "tag:arm.com,2023:realm#1.0.0";

/// Longest collection accepted (the published tokens are 1 to 3 KiB).
pub const MAX_CCA_TOKEN_LEN: usize = 64 * 1024;
/// Longest `cca-platform-config`.
pub const MAX_CONFIG_LEN: usize = 1024;
/// Longest COSE_Key RAK claim.
pub const MAX_RAK_LEN: usize = 256;
/// The number of REMs.
pub const REM_COUNT: usize = 4;

/// `cca-platform-challenge` and `cca-realm-challenge`.
pub const KEY_CHALLENGE: i64 = 10;
/// `cca-platform-instance-id`.
pub const KEY_INSTANCE_ID: i64 = 256;
/// `cca-platform-profile` and `cca-realm-profile`.
pub const KEY_PROFILE: i64 = 265;
/// `cca-platform-lifecycle`.
pub const KEY_LIFECYCLE: i64 = 2395;
/// `cca-platform-implementation-id`.
pub const KEY_IMPLEMENTATION_ID: i64 = 2396;
/// `cca-platform-sw-components`.
pub const KEY_SW_COMPONENTS: i64 = 2399;
/// `cca-platform-service-indicator`.
pub const KEY_VERIFICATION_SERVICE: i64 = 2400;
/// `cca-platform-config`.
pub const KEY_CONFIG: i64 = 2401;
/// `cca-platform-hash-algo-id`.
pub const KEY_PLATFORM_HASH_ALGO: i64 = 2402;
/// `cca-realm-personalization-value`.
pub const KEY_PERSONALIZATION: i64 = 44235;
/// `cca-realm-hash-algo-id`.
pub const KEY_REALM_HASH_ALGO: i64 = 44236;
/// `cca-realm-public-key`.
pub const KEY_REALM_PUBLIC_KEY: i64 = 44237;
/// `cca-realm-initial-measurement`.
pub const KEY_RIM: i64 = 44238;
/// `cca-realm-extensible-measurements`.
pub const KEY_REMS: i64 = 44239;
/// `cca-realm-public-key-hash-algo-id`.
pub const KEY_REALM_PUBLIC_KEY_HASH_ALGO: i64 = 44240;

/// The collection: the two tokens as carried, each one COSE_Sign1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaToken {
    /// The platform token (COSE_Sign1, signed by the CPAK).
    pub platform: Vec<u8>,
    /// The realm token (COSE_Sign1, signed by the RAK).
    pub realm: Vec<u8>,
}

impl CcaToken {
    /// Decodes the collection strictly: tag 399, a map of exactly the two keys, byte strings.
    ///
    /// # Errors
    ///
    /// [`Error::BadLength`] above [`MAX_CCA_TOKEN_LEN`]; the CBOR decoder's errors;
    /// [`Error::InvalidValue`] or [`Error::Missing`] with [`Item::CmwCollection`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let what = Item::CmwCollection;
        if bytes.len() > MAX_CCA_TOKEN_LEN {
            return Err(Error::BadLength { what, at: 0 });
        }
        let invalid = Error::InvalidValue { what, at: 0 };
        let Value::Tag(TAG_CCA_TOKEN, inner) = cbor::decode_value(bytes, Profile::STRICT)? else {
            return Err(invalid);
        };
        let Value::Map(entries) = *inner else {
            return Err(invalid);
        };
        let (mut platform, mut realm) = (None, None);
        for (k, v) in entries {
            let Value::Bytes(b) = v else {
                return Err(invalid);
            };
            match k.as_i64() {
                Some(KEY_PLATFORM_TOKEN) => platform = Some(b),
                Some(KEY_REALM_TOKEN) => realm = Some(b),
                _ => return Err(invalid),
            }
        }
        let missing = Error::Missing { what, at: 0 };
        Ok(Self {
            platform: platform.ok_or(missing)?,
            realm: realm.ok_or(missing)?,
        })
    }

    /// The collection, deterministically encoded.
    pub fn to_vec(&self) -> Vec<u8> {
        Value::Tag(
            TAG_CCA_TOKEN,
            Box::new(Value::Map(vec![
                (
                    Value::int(KEY_PLATFORM_TOKEN),
                    Value::Bytes(self.platform.clone()),
                ),
                (
                    Value::int(KEY_REALM_TOKEN),
                    Value::Bytes(self.realm.clone()),
                ),
            ])),
        )
        .to_vec()
    }
}

/// A hash algorithm named by a `*-hash-algo-id` claim (the IANA Named Information hash
/// algorithm names).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CcaHash {
    /// `sha-256`.
    Sha256,
    /// `sha-384`.
    Sha384,
    /// `sha-512`.
    Sha512,
}

impl CcaHash {
    /// The algorithm of a name, `None` for one not supported here.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha-256" => Some(Self::Sha256),
            "sha-384" => Some(Self::Sha384),
            "sha-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// The claims of a CCA platform token (module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaPlatformClaims {
    /// `cca-platform-profile`.
    pub profile: String,
    /// `cca-platform-challenge`: the hash of the RAK.
    pub challenge: Vec<u8>,
    /// `cca-platform-instance-id`.
    pub instance_id: Vec<u8>,
    /// `cca-platform-implementation-id`.
    pub implementation_id: Vec<u8>,
    /// `cca-platform-lifecycle`, the whole value.
    pub lifecycle: u16,
    /// `cca-platform-sw-components`.
    pub software_components: Vec<SwComponent>,
    /// `cca-platform-service-indicator`.
    pub verification_service: Option<String>,
    /// `cca-platform-config`.
    pub config: Vec<u8>,
    /// `cca-platform-hash-algo-id`.
    pub hash_algo: String,
}

/// The claims of a CCA realm token (module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaRealmClaims {
    /// `cca-realm-profile`, when present.
    pub profile: Option<String>,
    /// `cca-realm-challenge`: the binding.
    pub challenge: Vec<u8>,
    /// `cca-realm-personalization-value`.
    pub personalization: Vec<u8>,
    /// `cca-realm-hash-algo-id`.
    pub hash_algo: String,
    /// `cca-realm-public-key`, the bytes as carried (what the platform challenge hashes).
    pub public_key: Vec<u8>,
    /// The RAK's DER SubjectPublicKeyInfo.
    pub public_key_spki: Vec<u8>,
    /// `cca-realm-public-key-hash-algo-id`.
    pub public_key_hash_algo: CcaHash,
    /// `cca-realm-initial-measurement`.
    pub rim: Vec<u8>,
    /// `cca-realm-extensible-measurements`.
    pub rems: [Vec<u8>; REM_COUNT],
}

const fn is_hash_len(n: usize) -> bool {
    matches!(n, 32 | 48 | 64)
}

fn text(v: Value, what: Item) -> Result<String, Error> {
    match v {
        Value::Text(t) if !t.is_empty() && t.len() <= MAX_TEXT_LEN => Ok(t),
        Value::Text(_) => Err(Error::BadLength { what, at: 0 }),
        _ => Err(Error::InvalidValue { what, at: 0 }),
    }
}

fn bytes(v: Value, what: Item, ok: impl Fn(usize) -> bool) -> Result<Vec<u8>, Error> {
    match v {
        Value::Bytes(b) if ok(b.len()) => Ok(b),
        Value::Bytes(_) => Err(Error::BadLength { what, at: 0 }),
        _ => Err(Error::InvalidValue { what, at: 0 }),
    }
}

fn claims_map(payload: &[u8]) -> Result<Vec<(Value, Value)>, Error> {
    match cbor::decode_value(payload, Profile::STRICT)? {
        Value::Map(entries) => Ok(entries),
        _ => Err(Error::InvalidValue {
            what: Item::ClaimsSet,
            at: 0,
        }),
    }
}

impl CcaPlatformClaims {
    /// Decodes a platform claims-set strictly (module documentation).
    ///
    /// # Errors
    ///
    /// The CBOR decoder's errors; [`Error::Missing`], [`Error::InvalidValue`] or
    /// [`Error::BadLength`] naming the claim ([`Item::EatNonce`] for the challenge,
    /// [`Item::Ueid`], [`Item::EatProfile`], [`Item::Measurements`], [`Item::ClaimsSet`] for
    /// the others).
    pub fn decode(payload: &[u8]) -> Result<Self, Error> {
        let cca = Item::ClaimsSet;
        let invalid = |what| Error::InvalidValue { what, at: 0 };
        let (mut profile, mut challenge, mut instance_id, mut implementation_id) =
            (None, None, None, None);
        let (mut lifecycle, mut components, mut service, mut config, mut hash) =
            (None, None, None, None, None);
        for (k, v) in claims_map(payload)? {
            match k.as_i64() {
                Some(KEY_PROFILE) => match v {
                    Value::Text(t)
                        if t == CCA_PLATFORM_PROFILE || t == CCA_PLATFORM_LEGACY_PROFILE =>
                    {
                        profile = Some(t);
                    }
                    _ => return Err(invalid(Item::EatProfile)),
                },
                Some(KEY_CHALLENGE) => challenge = Some(bytes(v, Item::EatNonce, is_hash_len)?),
                Some(KEY_INSTANCE_ID) => {
                    let id = bytes(v, Item::Ueid, |n| n == 33)?;
                    if id.first() != Some(&0x01) {
                        return Err(invalid(Item::Ueid));
                    }
                    instance_id = Some(id);
                }
                Some(KEY_IMPLEMENTATION_ID) => {
                    implementation_id = Some(bytes(v, cca, |n| n == 32)?);
                }
                Some(KEY_LIFECYCLE) => {
                    let n = match v {
                        Value::Uint(n) => u16::try_from(n).map_err(|_| invalid(cca))?,
                        _ => return Err(invalid(cca)),
                    };
                    Lifecycle::from_claim(n).ok_or(invalid(cca))?;
                    lifecycle = Some(n);
                }
                Some(KEY_SW_COMPONENTS) => {
                    let Value::Array(items) = v else {
                        return Err(invalid(Item::Measurements));
                    };
                    if items.is_empty() || items.len() > MAX_SW_COMPONENTS {
                        return Err(Error::BadLength {
                            what: Item::Measurements,
                            at: 0,
                        });
                    }
                    components = Some(
                        items
                            .into_iter()
                            .map(SwComponent::decode)
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                }
                Some(KEY_VERIFICATION_SERVICE) => service = Some(text(v, cca)?),
                Some(KEY_CONFIG) => {
                    config = Some(bytes(v, cca, |n| (1..=MAX_CONFIG_LEN).contains(&n))?);
                }
                Some(KEY_PLATFORM_HASH_ALGO) => hash = Some(text(v, cca)?),
                // Claims not understood are ignored (RFC 9711 section 4).
                _ => {}
            }
        }
        let missing = |what| Error::Missing { what, at: 0 };
        Ok(Self {
            profile: profile.ok_or(missing(Item::EatProfile))?,
            challenge: challenge.ok_or(missing(Item::EatNonce))?,
            instance_id: instance_id.ok_or(missing(Item::Ueid))?,
            implementation_id: implementation_id.ok_or(missing(cca))?,
            lifecycle: lifecycle.ok_or(missing(cca))?,
            software_components: components.ok_or(missing(Item::Measurements))?,
            verification_service: service,
            config: config.ok_or(missing(cca))?,
            hash_algo: hash.ok_or(missing(cca))?,
        })
    }

    /// The lifecycle state.
    pub const fn lifecycle_state(&self) -> Option<Lifecycle> {
        Lifecycle::from_claim(self.lifecycle)
    }
}

/// The RAK's SPKI from the claim: a raw uncompressed P-384 point without a realm profile, a
/// COSE_Key (EC2, P-384) with one.
fn rak_spki(claim: &[u8], cose: bool) -> Result<Vec<u8>, Error> {
    let what = Item::CoseKey;
    let key = if cose {
        if claim.len() > MAX_RAK_LEN {
            return Err(Error::BadLength { what, at: 0 });
        }
        CoseKey::decode(claim)?
    } else {
        let Some((0x04, xy)) = claim.split_first() else {
            return Err(Error::InvalidValue { what, at: 0 });
        };
        if xy.len() != 96 {
            return Err(Error::BadLength { what, at: 0 });
        }
        let (x, y) = xy.split_at(48);
        CoseKey {
            kty: KTY_EC2,
            kid: None,
            alg: None,
            crv: CRV_P384,
            x: x.to_vec(),
            y: Some(y.to_vec()),
        }
    };
    if key.kty != KTY_EC2 || key.crv != CRV_P384 {
        return Err(Error::InvalidValue { what, at: 0 });
    }
    key.to_spki()
}

impl CcaRealmClaims {
    /// Decodes a realm claims-set strictly (module documentation).
    ///
    /// # Errors
    ///
    /// The CBOR decoder's errors; [`Error::Missing`], [`Error::InvalidValue`] or
    /// [`Error::BadLength`] naming the claim ([`Item::EatNonce`] for the challenge,
    /// [`Item::EatProfile`], [`Item::CoseKey`] for the RAK, [`Item::Measurements`] for RIM and
    /// REMs, [`Item::ClaimsSet`] for the others); [`Error::UnsupportedAlgorithm`] (alg 0) for
    /// a RAK hash algorithm other than SHA-256, SHA-384 or SHA-512.
    pub fn decode(payload: &[u8]) -> Result<Self, Error> {
        let cca = Item::ClaimsSet;
        let m = Item::Measurements;
        let invalid = |what| Error::InvalidValue { what, at: 0 };
        let (mut profile, mut challenge, mut perso, mut hash) = (None, None, None, None);
        let (mut rak, mut rak_hash, mut rim, mut rems) = (None, None, None, None);
        for (k, v) in claims_map(payload)? {
            match k.as_i64() {
                Some(KEY_PROFILE) => match v {
                    Value::Text(t) if t == CCA_REALM_PROFILE => profile = Some(t),
                    _ => return Err(invalid(Item::EatProfile)),
                },
                Some(KEY_CHALLENGE) => challenge = Some(bytes(v, Item::EatNonce, |n| n == 64)?),
                Some(KEY_PERSONALIZATION) => perso = Some(bytes(v, cca, |n| n == 64)?),
                Some(KEY_REALM_HASH_ALGO) => hash = Some(text(v, cca)?),
                Some(KEY_REALM_PUBLIC_KEY) => {
                    rak = Some(bytes(v, Item::CoseKey, |n| (1..=MAX_RAK_LEN).contains(&n))?);
                }
                Some(KEY_REALM_PUBLIC_KEY_HASH_ALGO) => {
                    let name = text(v, cca)?;
                    rak_hash = Some(
                        CcaHash::from_name(&name).ok_or(Error::UnsupportedAlgorithm { alg: 0 })?,
                    );
                }
                Some(KEY_RIM) => rim = Some(bytes(v, m, is_hash_len)?),
                Some(KEY_REMS) => {
                    let Value::Array(items) = v else {
                        return Err(invalid(m));
                    };
                    let items = items
                        .into_iter()
                        .map(|v| bytes(v, m, is_hash_len))
                        .collect::<Result<Vec<_>, _>>()?;
                    let four: [Vec<u8>; REM_COUNT] = items
                        .try_into()
                        .map_err(|_| Error::BadLength { what: m, at: 0 })?;
                    rems = Some(four);
                }
                // Claims not understood are ignored (RFC 9711 section 4).
                _ => {}
            }
        }
        let missing = |what| Error::Missing { what, at: 0 };
        let public_key = rak.ok_or(missing(Item::CoseKey))?;
        let public_key_spki = rak_spki(&public_key, profile.is_some())?;
        Ok(Self {
            profile,
            challenge: challenge.ok_or(missing(Item::EatNonce))?,
            personalization: perso.ok_or(missing(cca))?,
            hash_algo: hash.ok_or(missing(cca))?,
            public_key,
            public_key_spki,
            public_key_hash_algo: rak_hash.ok_or(missing(cca))?,
            rim: rim.ok_or(missing(m))?,
            rems: rems.ok_or(missing(m))?,
        })
    }
}

/// Whether `media_type` names a CCA token ([`CCA_MEDIA_TYPE`]; type and parameter name
/// case-insensitive, the profile quoted or not).
pub fn is_cca_media_type(media_type: &str) -> bool {
    crate::cmw::media_type_parameter(media_type, "application/eat-collection", "profile")
        == Some(CCA_PLATFORM_LEGACY_PROFILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert!(is_cca_media_type(CCA_MEDIA_TYPE));
        assert!(is_cca_media_type(
            "Application/EAT-Collection;profile=http://arm.com/CCA-SSD/1.0.0"
        ));
        assert!(!is_cca_media_type("application/eat-collection"));
        assert!(!is_cca_media_type(
            "application/eat+cwt; eat_profile=\"tag:psacertified.org,2023:psa#tfm\""
        ));
    }

    #[test]
    fn the_collection_round_trips_and_refuses_other_shapes() {
        let t = CcaToken {
            platform: vec![1, 2],
            realm: vec![3],
        };
        assert_eq!(CcaToken::decode(&t.to_vec()), Ok(t));
        // Another tag, a third key, a missing token.
        let other_tag = Value::Tag(400, Box::new(Value::Map(vec![]))).to_vec();
        assert!(CcaToken::decode(&other_tag).is_err());
        let third = Value::Tag(
            TAG_CCA_TOKEN,
            Box::new(Value::Map(vec![
                (Value::int(KEY_PLATFORM_TOKEN), Value::Bytes(vec![])),
                (Value::int(KEY_REALM_TOKEN), Value::Bytes(vec![])),
                (Value::int(1), Value::Bytes(vec![])),
            ])),
        )
        .to_vec();
        assert!(CcaToken::decode(&third).is_err());
        let one = Value::Tag(
            TAG_CCA_TOKEN,
            Box::new(Value::Map(vec![(
                Value::int(KEY_REALM_TOKEN),
                Value::Bytes(vec![]),
            )])),
        )
        .to_vec();
        assert_eq!(
            CcaToken::decode(&one),
            Err(Error::Missing {
                what: Item::CmwCollection,
                at: 0
            })
        );
    }
}
