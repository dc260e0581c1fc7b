//! SubjectPublicKeyInfo: taken byte-exact from an X.509 certificate, parsed to a key type,
//! and built from raw public keys.
//!
//! The binders hash the DER `SubjectPublicKeyInfo` exactly as it appears in the end-entity
//! certificate (draft-fossati-seat-early-attestation ambiguity A4; expat digest section 5.3), so
//! this module returns a sub-slice of the certificate and never re-encodes it. The DER walk is
//! small and strict: definite minimal lengths, single-byte tags, no trailing bytes.

use crate::Error;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_VERSION: u8 = 0xa0;

/// id-ecPublicKey (RFC 5480 section 2.1.1), content octets.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// secp256r1 (RFC 5480 section 2.1.1.1), content octets.
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 (RFC 5480 section 2.1.1.1), content octets.
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// id-Ed25519 (RFC 8410 section 3), content octets.
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// rsaEncryption (RFC 8017 appendix C), content octets.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

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

/// A strict DER cursor over borrowed bytes; `base` is the offset of `input` in the outer value
/// so errors can name absolute positions.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8], base: usize) -> Self {
        Self {
            input,
            pos: 0,
            base,
        }
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.input.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// Reads one TLV; returns (tag, content reader, whole TLV bytes), or the failing offset.
    fn tlv(&mut self) -> Result<(u8, Reader<'a>, &'a [u8]), usize> {
        let start = self.pos;
        let tag = self.byte().ok_or(self.offset())?;
        // High-tag-number form never appears in the structures we walk.
        if tag & 0x1f == 0x1f {
            return Err(self.base + start);
        }
        let first = self.byte().ok_or(self.offset())?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            // 0x80 is the indefinite form (BER only); more than four length octets is beyond
            // any certificate we accept.
            if n == 0 || n > 4 {
                return Err(self.offset() - 1);
            }
            let mut len = 0usize;
            for _ in 0..n {
                len = (len << 8) | usize::from(self.byte().ok_or(self.offset())?);
            }
            // Minimal encoding: long form only from 128 on, and no leading zero octet.
            if len < 0x80 || len >> (8 * (n - 1)) == 0 {
                return Err(self.base + start + 1);
            }
            len
        };
        let content_start = self.pos;
        let end = content_start.checked_add(len).ok_or(self.offset())?;
        let content = self.input.get(content_start..end).ok_or(self.offset())?;
        let whole = self.input.get(start..end).ok_or(self.offset())?;
        self.pos = end;
        Ok((tag, Reader::new(content, self.base + content_start), whole))
    }

    fn expect(&mut self, tag: u8) -> Result<(Reader<'a>, &'a [u8]), usize> {
        let at = self.offset();
        let (t, content, whole) = self.tlv()?;
        if t == tag {
            Ok((content, whole))
        } else {
            Err(at)
        }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn finish(&self) -> Result<(), usize> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.offset())
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }
}

/// Returns the DER `SubjectPublicKeyInfo` of an X.509 certificate, as a sub-slice of it.
///
/// Walks `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }` and
/// `TBSCertificate` up to `subjectPublicKeyInfo` (RFC 5280 section 4.1), checking the DER
/// framing of every element on the way and of the whole certificate, and that the returned
/// bytes are a well-formed SubjectPublicKeyInfo of any algorithm.
///
/// # Errors
///
/// [`Error::MalformedCertificate`] with the offset at which the walk failed.
pub fn spki_from_certificate(cert_der: &[u8]) -> Result<&[u8], Error> {
    walk_certificate(cert_der).map_err(|offset| Error::MalformedCertificate { offset })
}

fn walk_certificate(cert_der: &[u8]) -> Result<&[u8], usize> {
    let mut outer = Reader::new(cert_der, 0);
    let (mut cert, _) = outer.expect(TAG_SEQUENCE)?;
    outer.finish()?;
    let (mut tbs, _) = cert.expect(TAG_SEQUENCE)?;
    cert.expect(TAG_SEQUENCE)?; // signatureAlgorithm
    cert.expect(TAG_BIT_STRING)?; // signatureValue
    cert.finish()?;

    if tbs.peek_tag() == Some(TAG_VERSION) {
        tbs.expect(TAG_VERSION)?;
    }
    tbs.expect(TAG_INTEGER)?; // serialNumber
    tbs.expect(TAG_SEQUENCE)?; // signature
    tbs.expect(TAG_SEQUENCE)?; // issuer
    tbs.expect(TAG_SEQUENCE)?; // validity
    tbs.expect(TAG_SEQUENCE)?; // subject
    let spki_at = tbs.offset();
    let (_, spki) = tbs.expect(TAG_SEQUENCE)?;
    // issuerUniqueID [1], subjectUniqueID [2], extensions [3]: framing only, in order.
    let mut last = 0u8;
    while !tbs.is_empty() {
        let at = tbs.offset();
        let (tag, _, _) = tbs.tlv()?;
        let ok = matches!(tag, 0x81 | 0xa1 | 0x82 | 0xa2 | 0xa3) && (tag & 0x0f) > last;
        if !ok {
            return Err(at);
        }
        last = tag & 0x0f;
    }
    walk_spki(spki, spki_at).map(|_| spki)
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
    let (alg, params, raw_key) =
        walk_spki(spki_der, 0).map_err(|offset| Error::MalformedPublicKey { offset })?;
    let key_type = match (alg, params) {
        (OID_EC_PUBLIC_KEY, Some((TAG_OID, OID_P256))) => KeyType::EcP256,
        (OID_EC_PUBLIC_KEY, Some((TAG_OID, OID_P384))) => KeyType::EcP384,
        (OID_ED25519, None) => KeyType::Ed25519,
        (OID_RSA_ENCRYPTION, Some((TAG_NULL, []))) => KeyType::Rsa,
        _ => return Err(Error::UnsupportedPublicKeyAlgorithm),
    };
    Ok(PublicKeyInfo {
        key_type,
        raw_key,
        spki: spki_der,
    })
}

type SpkiParts<'a> = (&'a [u8], Option<(u8, &'a [u8])>, &'a [u8]);

/// Walks `SEQUENCE { SEQUENCE { OID, params OPTIONAL }, BIT STRING }`, returning the algorithm
/// OID content, the optional parameter (tag and content) and the key bytes.
fn walk_spki(spki_der: &[u8], base: usize) -> Result<SpkiParts<'_>, usize> {
    let mut outer = Reader::new(spki_der, base);
    let (mut spki, _) = outer.expect(TAG_SEQUENCE)?;
    outer.finish()?;
    let (mut alg, _) = spki.expect(TAG_SEQUENCE)?;
    let (oid, _) = alg.expect(TAG_OID)?;
    let params = if alg.is_empty() {
        None
    } else {
        let (tag, content, _) = alg.tlv()?;
        Some((tag, content.rest()))
    };
    alg.finish()?;
    let (mut bits, _) = spki.expect(TAG_BIT_STRING)?;
    spki.finish()?;
    let unused_at = bits.offset();
    if bits.byte() != Some(0) {
        return Err(unused_at);
    }
    Ok((oid.rest(), params, bits.rest()))
}

/// Encodes a raw public key as a DER SubjectPublicKeyInfo.
///
/// `raw_key` is what [`PublicKeyInfo::raw_key`] holds: the uncompressed EC point, the 32-byte
/// Ed25519 key, or the PKCS#1 `RSAPublicKey` DER. The algorithm identifiers follow RFC 5480,
/// RFC 8410 and RFC 8017.
pub fn encode_spki(key_type: KeyType, raw_key: &[u8]) -> Vec<u8> {
    let mut alg = Vec::new();
    match key_type {
        KeyType::EcP256 | KeyType::EcP384 => {
            push_tlv(&mut alg, TAG_OID, OID_EC_PUBLIC_KEY);
            let curve = if key_type == KeyType::EcP256 {
                OID_P256
            } else {
                OID_P384
            };
            push_tlv(&mut alg, TAG_OID, curve);
        }
        KeyType::Ed25519 => push_tlv(&mut alg, TAG_OID, OID_ED25519),
        KeyType::Rsa => {
            push_tlv(&mut alg, TAG_OID, OID_RSA_ENCRYPTION);
            push_tlv(&mut alg, TAG_NULL, &[]);
        }
    }
    let mut bits = Vec::with_capacity(raw_key.len() + 1);
    bits.push(0);
    bits.extend_from_slice(raw_key);
    let mut body = Vec::new();
    push_tlv(&mut body, TAG_SEQUENCE, &alg);
    push_tlv(&mut body, TAG_BIT_STRING, &bits);
    let mut out = Vec::new();
    push_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    if len < 0x80 {
        out.extend_from_slice(significant);
        if len == 0 {
            out.push(0);
        }
    } else {
        // A usize has at most 8 significant octets, so the fallback is never taken.
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(8));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
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
        assert_eq!(
            spki_from_certificate(&long),
            Err(Error::MalformedCertificate { offset: 1 })
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
