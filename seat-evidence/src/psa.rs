//! PSA attestation tokens (RFC 9783): the claims of the profile
//! `tag:psacertified.org,2023:psa#tfm`, the binding rule for their nonce, and the media types
//! they travel under.
//!
//! # Claims
//!
//! | key | claim | value here |
//! | --- | --- | --- |
//! | 10 | `psa-nonce` | 32, 48 or 64 bytes: the binding (below) |
//! | 256 | `psa-instance-id` (`ueid`) | 33 bytes, the first 0x01 (RAND type) |
//! | 265 | `psa-profile` | [`PSA_PROFILE`] |
//! | 268 | `psa-boot-seed` | optional, 8 to 32 bytes |
//! | 2394 | `psa-client-id` | integer |
//! | 2395 | `psa-security-lifecycle` | unsigned, a [`Lifecycle`] in its high byte |
//! | 2396 | `psa-implementation-id` | 32 bytes |
//! | 2398 | `psa-certification-reference` | optional text |
//! | 2399 | `psa-software-components` | one to [`MAX_SW_COMPONENTS`] maps `{? 1: type, 2: value, ? 4: version, 5: signer id, ? 6: description}` |
//! | 2400 | `psa-verification-service-indicator` | optional text |
//!
//! Every claim above is read strictly (type, size); claims with other keys are ignored, as
//! RFC 9711 section 4 and RFC 8392 section 4 ask of claims a recipient does not understand.
//!
//! # Binding rule
//!
//! `psa-nonce` has room for 64 bytes, so it carries the confidential-VM report data of
//! [`crate::platform::report_data`]: `SHA-512(binder || aik_pub_hash)`, binding both the
//! exchange and the AIK in the one field the token has for caller data.
//!
//! # Wrapping
//!
//! A CMW record of media type [`PSA_MEDIA_TYPE`],
//! `application/eat+cwt; eat_profile="tag:psacertified.org,2023:psa#tfm"` (RFC 9783 section 9,
//! with RFC 9782 `application/eat+cwt`), whose value is the COSE_Sign1 (tag 18) or COSE_Mac0
//! (tag 17) token. Veraison's older `application/psa-attestation-token` is read too.

use crate::cbor::{self, Profile, Value};
use crate::error::{Error, Item};

/// The profile of RFC 9783.
pub const PSA_PROFILE: &str = "tag:psacertified.org,2023:psa#tfm";

/// The media type of a PSA token record (RFC 9783 section 9).
pub const PSA_MEDIA_TYPE: &str =
    "application/eat+cwt; eat_profile=\"tag:psacertified.org,2023:psa#tfm\"";

/// Veraison's media type for PSA tokens (read, not written).
pub const PSA_LEGACY_MEDIA_TYPE: &str = "application/psa-attestation-token";

/// Most software components in one token.
pub const MAX_SW_COMPONENTS: usize = 32;
/// Longest text claim (measurement type, version, description, certification reference).
pub const MAX_TEXT_LEN: usize = 256;

/// `psa-nonce` (EAT `eat_nonce`).
pub const KEY_NONCE: i64 = 10;
/// `psa-instance-id` (EAT `ueid`).
pub const KEY_INSTANCE_ID: i64 = 256;
/// `psa-profile` (EAT `eat_profile`).
pub const KEY_PROFILE: i64 = 265;
/// `psa-boot-seed` (EAT `bootseed`).
pub const KEY_BOOT_SEED: i64 = 268;
/// `psa-client-id`.
pub const KEY_CLIENT_ID: i64 = 2394;
/// `psa-security-lifecycle`.
pub const KEY_LIFECYCLE: i64 = 2395;
/// `psa-implementation-id`.
pub const KEY_IMPLEMENTATION_ID: i64 = 2396;
/// `psa-certification-reference`.
pub const KEY_CERTIFICATION_REFERENCE: i64 = 2398;
/// `psa-software-components`.
pub const KEY_SW_COMPONENTS: i64 = 2399;
/// `psa-verification-service-indicator`.
pub const KEY_VERIFICATION_SERVICE: i64 = 2400;

/// A security lifecycle state (RFC 9783 section 4.3.1), the high byte of the claim.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// 0x00nn.
    Unknown,
    /// 0x10nn.
    AssemblyAndTest,
    /// 0x20nn.
    PsaRotProvisioning,
    /// 0x30nn: the only state in which a device is fit for service.
    Secured,
    /// 0x40nn: debug of non-PSA-RoT software is open.
    NonPsaRotDebug,
    /// 0x50nn: the PSA RoT is open to debug.
    RecoverablePsaRotDebug,
    /// 0x60nn.
    Decommissioned,
}

impl Lifecycle {
    /// The state of a claim value, `None` for a value outside the defined ranges.
    pub const fn from_claim(v: u16) -> Option<Self> {
        Some(match v >> 8 {
            0x00 => Self::Unknown,
            0x10 => Self::AssemblyAndTest,
            0x20 => Self::PsaRotProvisioning,
            0x30 => Self::Secured,
            0x40 => Self::NonPsaRotDebug,
            0x50 => Self::RecoverablePsaRotDebug,
            0x60 => Self::Decommissioned,
            _ => return None,
        })
    }

    /// The RFC 9783 name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::AssemblyAndTest => "assembly-and-test",
            Self::PsaRotProvisioning => "psa-rot-provisioning",
            Self::Secured => "secured",
            Self::NonPsaRotDebug => "non-psa-rot-debug",
            Self::RecoverablePsaRotDebug => "recoverable-psa-rot-debug",
            Self::Decommissioned => "decommissioned",
        }
    }
}

/// One `psa-software-component`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwComponent {
    /// Measurement type (1), e.g. `BL`, `PRoT`, `ARoT`, `App`.
    pub measurement_type: Option<String>,
    /// Measurement value (2): 32, 48 or 64 bytes.
    pub measurement_value: Vec<u8>,
    /// Version (4).
    pub version: Option<String>,
    /// Signer id (5): 32, 48 or 64 bytes.
    pub signer_id: Vec<u8>,
    /// Measurement description (6), e.g. the hash algorithm.
    pub description: Option<String>,
}

/// The claims of a PSA token (module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsaClaims {
    /// `psa-nonce`.
    pub nonce: Vec<u8>,
    /// `psa-instance-id`.
    pub instance_id: Vec<u8>,
    /// `psa-implementation-id`.
    pub implementation_id: Vec<u8>,
    /// `psa-client-id`.
    pub client_id: i64,
    /// `psa-security-lifecycle`, the whole value.
    pub lifecycle: u16,
    /// `psa-boot-seed`.
    pub boot_seed: Option<Vec<u8>>,
    /// `psa-certification-reference`.
    pub certification_reference: Option<String>,
    /// `psa-software-components`.
    pub software_components: Vec<SwComponent>,
    /// `psa-verification-service-indicator`.
    pub verification_service: Option<String>,
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

impl SwComponent {
    pub(crate) fn decode(v: Value) -> Result<Self, Error> {
        let what = Item::Measurements;
        let Value::Map(entries) = v else {
            return Err(Error::InvalidValue { what, at: 0 });
        };
        let (mut ty, mut value, mut version, mut signer, mut desc) = (None, None, None, None, None);
        for (k, v) in entries {
            match k.as_i64() {
                Some(1) => ty = Some(text(v, what)?),
                Some(2) => value = Some(bytes(v, what, is_hash_len)?),
                Some(4) => version = Some(text(v, what)?),
                Some(5) => signer = Some(bytes(v, what, is_hash_len)?),
                Some(6) => desc = Some(text(v, what)?),
                _ => return Err(Error::InvalidValue { what, at: 0 }),
            }
        }
        let missing = Error::Missing { what, at: 0 };
        Ok(Self {
            measurement_type: ty,
            measurement_value: value.ok_or(missing)?,
            version,
            signer_id: signer.ok_or(missing)?,
            description: desc,
        })
    }

    fn to_value(&self) -> Value {
        let mut m = Vec::new();
        if let Some(t) = &self.measurement_type {
            m.push((Value::Uint(1), Value::Text(t.clone())));
        }
        m.push((Value::Uint(2), Value::Bytes(self.measurement_value.clone())));
        if let Some(v) = &self.version {
            m.push((Value::Uint(4), Value::Text(v.clone())));
        }
        m.push((Value::Uint(5), Value::Bytes(self.signer_id.clone())));
        if let Some(d) = &self.description {
            m.push((Value::Uint(6), Value::Text(d.clone())));
        }
        Value::Map(m)
    }
}

impl PsaClaims {
    /// Decodes a PSA claims-set strictly (module documentation): the profile must be
    /// [`PSA_PROFILE`].
    ///
    /// # Errors
    ///
    /// The CBOR decoder's errors; [`Error::Missing`], [`Error::InvalidValue`] or
    /// [`Error::BadLength`] naming the claim ([`Item::EatNonce`], [`Item::Ueid`],
    /// [`Item::EatProfile`], [`Item::Measurements`] for software components,
    /// [`Item::ClaimsSet`] for the PSA-specific claims).
    pub fn decode(payload: &[u8]) -> Result<Self, Error> {
        let Value::Map(entries) = cbor::decode_value(payload, Profile::STRICT)? else {
            return Err(Error::InvalidValue {
                what: Item::ClaimsSet,
                at: 0,
            });
        };
        let psa = Item::ClaimsSet;
        let invalid = |what| Error::InvalidValue { what, at: 0 };
        let (mut nonce, mut instance_id, mut profile, mut implementation_id) =
            (None, None, false, None);
        let (mut client_id, mut lifecycle, mut boot_seed, mut cert_ref) = (None, None, None, None);
        let (mut components, mut service) = (None, None);
        for (k, v) in entries {
            match k.as_i64() {
                Some(KEY_NONCE) => nonce = Some(bytes(v, Item::EatNonce, is_hash_len)?),
                Some(KEY_INSTANCE_ID) => {
                    let id = bytes(v, Item::Ueid, |n| n == 33)?;
                    if id.first() != Some(&0x01) {
                        return Err(invalid(Item::Ueid));
                    }
                    instance_id = Some(id);
                }
                Some(KEY_PROFILE) => match v {
                    Value::Text(t) if t == PSA_PROFILE => profile = true,
                    _ => return Err(invalid(Item::EatProfile)),
                },
                Some(KEY_BOOT_SEED) => {
                    boot_seed = Some(bytes(v, psa, |n| (8..=32).contains(&n))?);
                }
                Some(KEY_CLIENT_ID) => client_id = Some(v.as_i64().ok_or(invalid(psa))?),
                Some(KEY_LIFECYCLE) => {
                    let n = match v {
                        Value::Uint(n) => u16::try_from(n).map_err(|_| invalid(psa))?,
                        _ => return Err(invalid(psa)),
                    };
                    Lifecycle::from_claim(n).ok_or(invalid(psa))?;
                    lifecycle = Some(n);
                }
                Some(KEY_IMPLEMENTATION_ID) => {
                    implementation_id = Some(bytes(v, psa, |n| n == 32)?);
                }
                Some(KEY_CERTIFICATION_REFERENCE) => cert_ref = Some(text(v, psa)?),
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
                Some(KEY_VERIFICATION_SERVICE) => service = Some(text(v, psa)?),
                // Claims not understood are ignored (RFC 9711 section 4).
                _ => {}
            }
        }
        let missing = |what| Error::Missing { what, at: 0 };
        if !profile {
            return Err(missing(Item::EatProfile));
        }
        Ok(Self {
            nonce: nonce.ok_or(missing(Item::EatNonce))?,
            instance_id: instance_id.ok_or(missing(Item::Ueid))?,
            implementation_id: implementation_id.ok_or(missing(psa))?,
            client_id: client_id.ok_or(missing(psa))?,
            lifecycle: lifecycle.ok_or(missing(psa))?,
            boot_seed,
            certification_reference: cert_ref,
            software_components: components.ok_or(missing(Item::Measurements))?,
            verification_service: service,
        })
    }

    /// The lifecycle state.
    pub const fn lifecycle_state(&self) -> Option<Lifecycle> {
        Lifecycle::from_claim(self.lifecycle)
    }

    /// The claims-set, deterministically encoded (RFC 8949 section 4.2.1).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut m = vec![
            (Value::int(KEY_NONCE), Value::Bytes(self.nonce.clone())),
            (
                Value::int(KEY_INSTANCE_ID),
                Value::Bytes(self.instance_id.clone()),
            ),
            (Value::int(KEY_PROFILE), Value::Text(PSA_PROFILE.into())),
            (Value::int(KEY_CLIENT_ID), Value::int(self.client_id)),
            (
                Value::int(KEY_LIFECYCLE),
                Value::Uint(u64::from(self.lifecycle)),
            ),
            (
                Value::int(KEY_IMPLEMENTATION_ID),
                Value::Bytes(self.implementation_id.clone()),
            ),
            (
                Value::int(KEY_SW_COMPONENTS),
                Value::Array(
                    self.software_components
                        .iter()
                        .map(SwComponent::to_value)
                        .collect(),
                ),
            ),
        ];
        if let Some(b) = &self.boot_seed {
            m.push((Value::int(KEY_BOOT_SEED), Value::Bytes(b.clone())));
        }
        if let Some(c) = &self.certification_reference {
            m.push((
                Value::int(KEY_CERTIFICATION_REFERENCE),
                Value::Text(c.clone()),
            ));
        }
        if let Some(s) = &self.verification_service {
            m.push((Value::int(KEY_VERIFICATION_SERVICE), Value::Text(s.clone())));
        }
        Value::Map(m).to_vec()
    }
}

/// Whether `media_type` names a PSA token ([`PSA_MEDIA_TYPE`] or [`PSA_LEGACY_MEDIA_TYPE`];
/// type and parameter name case-insensitive, the profile quoted or not).
pub fn is_psa_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case(PSA_LEGACY_MEDIA_TYPE) {
        return !media_type.contains(';');
    }
    crate::cmw::media_type_parameter(media_type, "application/eat+cwt", "eat_profile")
        == Some(PSA_PROFILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert!(is_psa_media_type(PSA_MEDIA_TYPE));
        assert!(is_psa_media_type(
            "Application/EAT+CWT;eat_profile=tag:psacertified.org,2023:psa#tfm"
        ));
        assert!(is_psa_media_type(PSA_LEGACY_MEDIA_TYPE));
        assert!(!is_psa_media_type("application/eat+cwt"));
        assert!(!is_psa_media_type(
            "application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee/1\""
        ));
    }

    #[test]
    fn lifecycle_states_follow_the_high_byte() {
        assert_eq!(Lifecycle::from_claim(0x3000), Some(Lifecycle::Secured));
        assert_eq!(Lifecycle::from_claim(0x30ff), Some(Lifecycle::Secured));
        assert_eq!(Lifecycle::from_claim(0x7000), None);
    }
}
