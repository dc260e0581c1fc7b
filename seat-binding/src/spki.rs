//! SubjectPublicKeyInfo: taken byte-exact from an X.509 certificate, parsed to a key type,
//! and built from raw public keys, with the RustCrypto `der`, `spki` and `x509-cert` crates.
//!
//! The binders hash the DER `SubjectPublicKeyInfo` exactly as it appears in the end-entity
//! certificate (draft-fossati-seat-early-attestation ambiguity A4; expat digest section 5.3), so
//! this module returns a sub-slice of the certificate and never re-encodes it. The certificate
//! is first decoded whole by `x509-cert`, whose `der` reader accepts only DER (definite
//! minimal lengths, no trailing bytes, canonical values); the SubjectPublicKeyInfo's bytes are
//! then located with `der`'s reader (`tlv_bytes`), which is well defined because the encoding
//! is unique.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::Error;

/// id-ecPublicKey (RFC 5480 section 2.1.1).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480 section 2.1.1.1).
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480 section 2.1.1.1).
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// id-Ed25519 (RFC 8410 section 3).
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// rsaEncryption (RFC 8017 appendix C).
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The key types this crate signs and verifies with.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// ECDSA on secp256r1 (RFC 5480).
    EcP256,
    /// ECDSA on secp384r1 (RFC 5480).
    EcP384,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// RSA with the rsaEncryption key identifier (RFC 8017), as the `rsa_pss_rsae_*` schemes
    /// require (RFC 8446 section 4.2.3).
    Rsa,
}

/// A parsed SubjectPublicKeyInfo, borrowing its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeyInfo<'a> {
    /// The key type named by the algorithm identifier (and curve).
    pub key_type: KeyType,
    /// The `subjectPublicKey` BIT STRING contents without the unused-bits octet: the
    /// uncompressed EC point, the 32-byte Ed25519 key, or the PKCS#1 `RSAPublicKey` DER.
    pub raw_key: &'a [u8],
    /// The whole SubjectPublicKeyInfo DER.
    pub spki: &'a [u8],
}

/// The offset a `der` error names (0 when it names none).
fn der_offset(e: der::Error) -> usize {
    e.position()
        .and_then(|p| usize::try_from(u32::from(p)).ok())
        .unwrap_or(0)
}

/// Returns the DER `SubjectPublicKeyInfo` of an X.509 certificate, as a sub-slice of it.
///
/// The whole certificate must decode as an RFC 5280 section 4.1 `Certificate` in DER
/// (`x509-cert`), with nothing after it, and its SubjectPublicKeyInfo must be well-formed for
/// any algorithm.
///
/// # Errors
///
/// [`Error::MalformedCertificate`] with the offset `der` reports.
pub fn spki_from_certificate(cert_der: &[u8]) -> Result<&[u8], Error> {
    let err = |e: der::Error| Error::MalformedCertificate {
        offset: der_offset(e),
    };
    x509_cert::Certificate::from_der(cert_der).map_err(err)?;
    locate_spki(cert_der).map_err(err)
}

/// Returns the DER `SubjectPublicKeyInfo` of a certificate this side configured itself (its
/// own credential), as a sub-slice of it: the outer structure is walked to the SPKI, which
/// must be well-formed, and the rest of the certificate is not decoded. A peer's certificate
/// goes through [`spki_from_certificate`], which decodes all of it.
///
/// # Errors
///
/// [`Error::MalformedCertificate`] with the offset `der` reports.
pub fn spki_from_own_certificate(cert_der: &[u8]) -> Result<&[u8], Error> {
    locate_spki(cert_der).map_err(|e| Error::MalformedCertificate {
        offset: der_offset(e),
    })
}

/// The bytes of `tbsCertificate.subjectPublicKeyInfo` in a certificate already decoded:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }`.
fn locate_spki(cert_der: &[u8]) -> der::Result<&[u8]> {
    let mut r = SliceReader::new(cert_der)?;
    der::Header::decode(&mut r)?; // Certificate
    der::Header::decode(&mut r)?; // TBSCertificate
    let version = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    if r.peek_tag()? == version {
        r.tlv_bytes()?;
    }
    for _ in 0..5 {
        r.tlv_bytes()?; // serialNumber, signature, issuer, validity, subject
    }
    let spki = r.tlv_bytes()?;
    SubjectPublicKeyInfoRef::from_der(spki)?;
    Ok(spki)
}

/// Parses a DER SubjectPublicKeyInfo into the key type and the raw key bytes.
///
/// Recognises id-ecPublicKey with secp256r1 or secp384r1 (RFC 5480), id-Ed25519 (RFC 8410,
/// parameters absent) and rsaEncryption (RFC 8017, NULL parameters). The whole input must be
/// one SubjectPublicKeyInfo.
///
/// # Errors
///
/// [`Error::MalformedPublicKey`] if the DER is malformed, has trailing bytes or a non-zero
/// unused-bits count; [`Error::UnsupportedPublicKeyAlgorithm`] for any other algorithm or curve.
pub fn parse_spki(spki_der: &[u8]) -> Result<PublicKeyInfo<'_>, Error> {
    let malformed = |e: der::Error| Error::MalformedPublicKey {
        offset: der_offset(e),
    };
    let info = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(malformed)?;
    let raw_key = info
        .subject_public_key
        .as_bytes()
        .ok_or(Error::MalformedPublicKey { offset: 0 })?;
    let params = info.algorithm.parameters;
    let curve = params.and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let is_null = params.is_some_and(|p| p == AnyRef::NULL);
    let key_type = match info.algorithm.oid {
        OID_EC_PUBLIC_KEY if curve == Some(OID_P256) => KeyType::EcP256,
        OID_EC_PUBLIC_KEY if curve == Some(OID_P384) => KeyType::EcP384,
        OID_ED25519 if params.is_none() => KeyType::Ed25519,
        OID_RSA_ENCRYPTION if is_null => KeyType::Rsa,
        _ => return Err(Error::UnsupportedPublicKeyAlgorithm),
    };
    Ok(PublicKeyInfo {
        key_type,
        raw_key,
        spki: spki_der,
    })
}

/// Encodes a raw public key as a DER SubjectPublicKeyInfo.
///
/// `raw_key` is what [`PublicKeyInfo::raw_key`] holds: the uncompressed EC point, the 32-byte
/// Ed25519 key, or the PKCS#1 `RSAPublicKey` DER. The algorithm identifiers follow RFC 5480,
/// RFC 8410 and RFC 8017. A key too long for a DER length (256 MiB and more, far beyond any
/// key) encodes as no bytes, which every parser then refuses.
pub fn encode_spki(key_type: KeyType, raw_key: &[u8]) -> Vec<u8> {
    let (oid, parameters) = match key_type {
        KeyType::EcP256 => (OID_EC_PUBLIC_KEY, Some(OID_P256)),
        KeyType::EcP384 => (OID_EC_PUBLIC_KEY, Some(OID_P384)),
        KeyType::Ed25519 => (OID_ED25519, None),
        KeyType::Rsa => (OID_RSA_ENCRYPTION, None),
    };
    let curve = parameters.map(|c| c.to_der()).transpose();
    let encode = || -> der::Result<Vec<u8>> {
        let curve = curve?;
        let parameters = match (&curve, key_type) {
            (Some(c), _) => Some(AnyRef::from_der(c)?),
            (None, KeyType::Rsa) => Some(AnyRef::NULL),
            (None, _) => None,
        };
        SubjectPublicKeyInfoRef {
            algorithm: AlgorithmIdentifierRef { oid, parameters },
            subject_public_key: BitStringRef::from_bytes(raw_key)?,
        }
        .to_der()
    };
    encode().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// The Ed25519 attester certificate of the expat digest section 6.5 (cert_der, 229 bytes).
    const EXPAT_CERT: &str = "3081e2308195a003020102020101300506032b6570301b3119301706035504030c1061747465737465722e6578616d706c65301e170d3236303130313030303030305a170d3336303130313030303030305a301b3119301706035504030c1061747465737465722e6578616d706c65302a300506032b65700321002543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d300506032b65700341004b053a7fc35fca4b4c3cc0eb5c24b58a249ee0e2304f9298271e33fa15da8cc8091f6d57bfee5035b52886960e9c5b3b8dbe8c0c4ca71a82b335d19ef0087108";
    /// Its SPKI as given by the digest's table.
    const EXPAT_SPKI: &str =
        "302a300506032b65700321002543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d";

    #[test]
    fn expat_certificate_spki() {
        let cert = unhex(EXPAT_CERT);
        let spki = spki_from_certificate(&cert).unwrap();
        assert_eq!(hex::encode(spki), EXPAT_SPKI);
        let info = parse_spki(spki).unwrap();
        assert_eq!(info.key_type, KeyType::Ed25519);
        assert_eq!(
            hex::encode(info.raw_key),
            "2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d"
        );
        assert_eq!(encode_spki(KeyType::Ed25519, info.raw_key), spki);
    }

    #[test]
    fn certificate_rejects_trailing_and_truncation() {
        let mut cert = unhex(EXPAT_CERT);
        cert.push(0);
        assert!(matches!(
            spki_from_certificate(&cert),
            Err(Error::MalformedCertificate { .. })
        ));
        cert.pop();
        for cut in [0, 1, 10, 100, cert.len() - 1] {
            assert!(spki_from_certificate(&cert[..cut]).is_err(), "cut {cut}");
        }
        // Non-minimal length: re-encode the outer length 0x81 0xe2 as 0x82 0x00 0xe2.
        let mut long = vec![0x30, 0x82, 0x00, 0xe2];
        long.extend_from_slice(&cert[3..]);
        // `der` refuses the non-canonical length and names the offset of the element.
        assert_eq!(
            spki_from_certificate(&long),
            Err(Error::MalformedCertificate { offset: 0 })
        );
    }

    #[test]
    fn spki_key_types() {
        // RFC 8448 section 6 server key (P-256) and section 3 server key (RSA), from the
        // early-attestation digest section 8.4 and 8.2.
        let p256 = unhex(
            "3059301306072a8648ce3d020106082a8648ce3d0301070342000408d530161575f4cfe7f154ee3448180086001e88431a79ee62ee6e2f83ef38ba61e9fb37f34e007a7df4d2f5b56d1f04ece45d621f468406f5c3a15158948dd0",
        );
        let info = parse_spki(&p256).unwrap();
        assert_eq!(info.key_type, KeyType::EcP256);
        assert_eq!(info.raw_key.len(), 65);
        assert_eq!(encode_spki(KeyType::EcP256, info.raw_key), p256);
        let rsa = unhex(
            "30819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001",
        );
        let info = parse_spki(&rsa).unwrap();
        assert_eq!(info.key_type, KeyType::Rsa);
        assert_eq!(encode_spki(KeyType::Rsa, info.raw_key), rsa);
        // Unknown algorithm (id-X25519, 1.3.101.110).
        let x25519 = unhex(&format!("302a300506032b656e032100{}", "00".repeat(32)));
        assert_eq!(
            parse_spki(&x25519),
            Err(Error::UnsupportedPublicKeyAlgorithm)
        );
        let mut trailing = p256.clone();
        trailing.push(0);
        assert!(matches!(
            parse_spki(&trailing),
            Err(Error::MalformedPublicKey { .. })
        ));
    }
}
