//! The PKCS#8 keys and X.509 certificates the simulated TEE makes, built with the RustCrypto
//! `der`, `pkcs8`, `sec1` and `x509-cert` crates: every length is written in its shortest
//! definite form, integers are minimal, and validity times follow RFC 5280 section 4.1.2.5.

use core::time::Duration;

use der::asn1::{AnyRef, BitString, GeneralizedTime, ObjectIdentifier, OctetString, UtcTime};
use der::{Any, Encode, Tag};
use seat_binding::provider::SignatureAlgorithm;
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

use crate::error::{Error, Item};

/// id-ecPublicKey (RFC 5480 section 2.1.1).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480 section 2.1.1.1).
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480 section 2.1.1.1).
pub(crate) const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// id-Ed25519 (RFC 8410 section 3).
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// ecdsa-with-SHA256 (RFC 5758 section 3.2).
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384 (RFC 5758 section 3.2).
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// id-at-commonName (RFC 5280 appendix A).
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// id-ce-subjectKeyIdentifier (RFC 5280 section 4.2.1.2).
const OID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
/// id-ce-keyUsage (RFC 5280 section 4.2.1.3).
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
/// id-ce-extKeyUsage (RFC 5280 section 4.2.1.12).
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
/// id-kp-serverAuth (RFC 5280 section 4.2.1.12).
const OID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth (RFC 5280 section 4.2.1.12).
const OID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// The latest time a GeneralizedTime with a four-digit year can hold: 9999-12-31T23:59:59Z.
pub(crate) const MAX_TIME: u64 = 253_402_300_799;

/// The first second that RFC 5280 section 4.1.2.5 writes as GeneralizedTime: 2050-01-01.
const GENERALIZED_FROM: u64 = 2_524_608_000;

/// Encoding a structure this module built failed: a value out of DER's range (caller misuse).
fn build_err(_: der::Error) -> Error {
    Error::InvalidArgument {
        what: Item::Certificate,
    }
}

/// An unencrypted PKCS#8 `PrivateKeyInfo` for an EC key on `curve` (RFC 5208, RFC 5915
/// section 3), with the public key when known.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `der` refuses a value.
pub(crate) fn ec_pkcs8(
    curve: ObjectIdentifier,
    scalar: &[u8],
    public_point: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let ec_private_key = Zeroizing::new(
        sec1::EcPrivateKey {
            private_key: scalar,
            parameters: None,
            public_key: public_point,
        }
        .to_der()
        .map_err(build_err)?,
    );
    let curve = curve.to_der().map_err(build_err)?;
    let info = pkcs8::PrivateKeyInfo {
        algorithm: AlgorithmIdentifierRef {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::try_from(curve.as_slice()).map_err(build_err)?),
        },
        private_key: &ec_private_key,
        public_key: None,
    };
    info.to_der().map(Zeroizing::new).map_err(build_err)
}

/// A PKCS#8 `OneAsymmetricKey` for Ed25519 (RFC 8410 section 7): version 1 without the
/// public key, version 2 with it.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `der` refuses a value.
pub(crate) fn ed25519_pkcs8(
    seed: &[u8],
    public: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    // CurvePrivateKey ::= OCTET STRING, itself inside the privateKey OCTET STRING.
    let private = Zeroizing::new(
        der::asn1::OctetStringRef::new(seed)
            .and_then(|o| o.to_der())
            .map_err(build_err)?,
    );
    let info = pkcs8::PrivateKeyInfo {
        algorithm: AlgorithmIdentifierRef {
            oid: OID_ED25519,
            parameters: None,
        },
        private_key: &private,
        public_key: public,
    };
    info.to_der().map(Zeroizing::new).map_err(build_err)
}

/// The certificate `signatureAlgorithm` of an AIK algorithm (RFC 5758 section 3.2, RFC 8410
/// section 3: no parameters), `None` for the algorithms the simulated TEE does not mint.
pub(crate) const fn signature_algorithm_id(alg: SignatureAlgorithm) -> Option<ObjectIdentifier> {
    match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => Some(OID_ECDSA_SHA256),
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => Some(OID_ECDSA_SHA384),
        SignatureAlgorithm::Ed25519 => Some(OID_ED25519),
        _ => None,
    }
}

/// A `Time` for a certificate validity bound: UTCTime through 2049, GeneralizedTime from 2050
/// (RFC 5280 section 4.1.2.5), always in UTC with seconds.
///
/// # Errors
///
/// [`Error::InvalidArgument`] after 9999-12-31T23:59:59Z.
pub(crate) fn time(unix_secs: u64) -> Result<Time, Error> {
    if unix_secs > MAX_TIME {
        return Err(Error::InvalidArgument {
            what: Item::Certificate,
        });
    }
    let d = Duration::from_secs(unix_secs);
    if unix_secs < GENERALIZED_FROM {
        UtcTime::from_unix_duration(d).map(Time::UtcTime)
    } else {
        GeneralizedTime::from_unix_duration(d).map(Time::GeneralTime)
    }
    .map_err(build_err)
}

/// What an AIK certificate of the simulated TEE says: a version 3 end-entity certificate,
/// self-issued under `subject_cn`, with a subject key identifier, a critical keyUsage of
/// digitalSignature, and extKeyUsage serverAuth and clientAuth (spec sim-tee-profile v1).
#[derive(Debug)]
pub(crate) struct AikTemplate<'a> {
    /// The serial number's magnitude (positive, minimal, at most 20 octets).
    pub(crate) serial: &'a [u8],
    /// The subject (and issuer) common name.
    pub(crate) subject_cn: &'a str,
    /// `notBefore`.
    pub(crate) not_before: Time,
    /// `notAfter`.
    pub(crate) not_after: Time,
    /// The key's DER SubjectPublicKeyInfo.
    pub(crate) spki: &'a [u8],
    /// The subject key identifier.
    pub(crate) ski: &'a [u8],
    /// The signature algorithm.
    pub(crate) signature: ObjectIdentifier,
}

impl AikTemplate<'_> {
    /// The `TBSCertificate`, and its DER for signing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if a value does not encode (an overlong serial, a bad SPKI).
    pub(crate) fn tbs(&self) -> Result<(TbsCertificate, Vec<u8>), Error> {
        let cn = AttributeTypeAndValue {
            oid: OID_COMMON_NAME,
            value: Any::new(Tag::Utf8String, self.subject_cn.as_bytes()).map_err(build_err)?,
        };
        let rdn = der::asn1::SetOfVec::try_from(vec![cn]).map_err(build_err)?;
        let name: Name = RdnSequence(vec![RelativeDistinguishedName(rdn)]);
        let extension = |extn_id, critical, value: Vec<u8>| -> Result<Extension, Error> {
            Ok(Extension {
                extn_id,
                critical,
                extn_value: OctetString::new(value).map_err(build_err)?,
            })
        };
        let ski = SubjectKeyIdentifier(OctetString::new(self.ski).map_err(build_err)?);
        let key_usage = KeyUsage(KeyUsages::DigitalSignature.into());
        let eku = ExtendedKeyUsage(vec![OID_KP_SERVER_AUTH, OID_KP_CLIENT_AUTH]);
        let extensions = vec![
            extension(OID_SUBJECT_KEY_ID, false, ski.to_der().map_err(build_err)?)?,
            extension(OID_KEY_USAGE, true, key_usage.to_der().map_err(build_err)?)?,
            extension(OID_EXT_KEY_USAGE, false, eku.to_der().map_err(build_err)?)?,
        ];
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(self.serial).map_err(build_err)?,
            signature: AlgorithmIdentifierOwned {
                oid: self.signature,
                parameters: None,
            },
            issuer: name.clone(),
            validity: Validity {
                not_before: self.not_before,
                not_after: self.not_after,
            },
            subject: name,
            subject_public_key_info: SubjectPublicKeyInfoOwned::try_from(self.spki).map_err(
                |_| Error::InvalidArgument {
                    what: Item::Certificate,
                },
            )?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        let der = tbs.to_der().map_err(build_err)?;
        Ok((tbs, der))
    }
}

/// The DER `Certificate` over `tbs` with `signature` (RFC 5280 section 4.1.1).
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the signature does not encode.
pub(crate) fn certificate(tbs: TbsCertificate, signature: &[u8]) -> Result<Vec<u8>, Error> {
    let signature_algorithm = tbs.signature.clone();
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm,
        signature: BitString::from_bytes(signature).map_err(build_err)?,
    }
    .to_der()
    .map_err(build_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time_der(t: u64) -> Vec<u8> {
        time(t).unwrap().to_der().unwrap()
    }

    #[test]
    fn times() {
        // 2026-11-29T00:21:14Z, checked with `date -u -d @1795911674`.
        assert_eq!(time_der(1_795_911_674)[2..], *b"261129002114Z");
        // 2049-12-31T23:59:59Z is the last UTCTime; 2050 switches to GeneralizedTime.
        assert_eq!(time_der(2_524_607_999)[..2], [0x17, 13]);
        assert_eq!(time_der(GENERALIZED_FROM)[..2], [0x18, 15]);
        assert_eq!(time_der(GENERALIZED_FROM)[2..], *b"20500101000000Z");
        assert_eq!(time_der(0)[2..], *b"700101000000Z");
        assert_eq!(time_der(MAX_TIME)[2..], *b"99991231235959Z");
        assert!(time(MAX_TIME + 1).is_err());
    }

    #[test]
    fn pkcs8_layouts() {
        // RFC 8410 section 10.3: the example private key, version 1 (no public key).
        let seed = hex::decode("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842")
            .unwrap();
        assert_eq!(
            hex::encode(&*ed25519_pkcs8(&seed, None).unwrap()),
            "302e020100300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
        );
        // RFC 5915 ECPrivateKey inside PKCS#8, as `openssl pkcs8 -topk8 -nocrypt` writes it
        // for key "11" of RFC 9052 appendix C (the same bytes crypto.rs's tests build).
        let d = "57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3";
        assert_eq!(
            hex::encode(&*ec_pkcs8(OID_P256, &hex::decode(d).unwrap(), None).unwrap()),
            format!("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420{d}")
        );
    }
}
