//! TPM 2.0 quotes as Evidence: the binding rule for `extraData`, and the CMW record that
//! carries a quote, its signature and the PCR values together.
//!
//! # Binding rule
//!
//! `TPM2_Quote` signs caller data of its own (`qualifyingData`, returned as the `extraData`
//! of `TPMS_ATTEST`), at most the size of the largest digest the TPM implements: 32 bytes on
//! a TPM with SHA-256 banks only, 48 with SHA-384, 64 with SHA-512. seat puts there
//!
//! ```text
//! extraData = SHA-256(SHA-512(binder || aik_pub_hash))
//! ```
//!
//! that is SHA-256 of the confidential-VM report data of [`crate::platform::report_data`].
//! Reasoning: both the binder (against relay) and the AIK hash (against key substitution) must
//! be bound, as for every other platform; 64 bytes do not fit a SHA-256-only TPM, which
//! refuses `qualifyingData` longer than 32 bytes (TPM 2.0 Part 3, `TPM2_Quote`:
//! `TPM_RC_SIZE`); and hashing the platform rule's value keeps one rule for every platform
//! (a Verifier that computes the report data for TDX and SNP derives the TPM value from it).
//! A Verifier recomputes the 32 bytes and compares them in constant time; a mismatch is a
//! binder mismatch.
//!
//! # Wrapping
//!
//! A quote is only useful with its signature and the PCR values whose digest it signs, and
//! the three travel in one CMW CBOR record (RFC 9999 section 3.1, `ind` 4) of media type
//! [`TPM_QUOTE_MEDIA_TYPE`], `application/vnd.seat.tpm-quote+cbor`. No IANA or RATS registry
//! names a media type for a TPM quote with its PCR values: Veraison's EnactTrust scheme
//! (`application/vnd.enacttrust.tpm-evidence`) and Parsec's key attestation
//! (`application/vnd.parallaxsecond.key-attestation.tpm`) carry quotes without PCR values, so
//! seat uses its own vendor-tree name. The value follows the Parsec TPM platform attestation
//! statement (CCC-Attestation/attested-tls-poc, `parsecTpmPlatStmtFormat`: `tpmVer`, `kid`,
//! `sig`, `attestInfo`) and adds the PCR values:
//!
//! ```cddl
//! tpm-quote = {
//!   ? "kid": bstr .size 32      ; SHA-256 of the AK's DER SubjectPublicKeyInfo
//!   "sig": bstr                 ; TPMT_SIGNATURE (TPM 2.0 Part 2, 11.3.4)
//!   ? "x5c": [+ bstr]           ; the AK certificate chain, DER, leaf first
//!   "pcrs": [+ bstr]            ; PCR values, in the order of the quote's selection
//!   "tpmVer": "2.0"
//!   "attestInfo": bstr          ; TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (Part 2, 10.12.12)
//! }
//! ```
//!
//! `x5c` is the AK's certificate and the CA certificates up to (not necessarily including) a
//! root the Verifier trusts, leaf first, as the WebAuthn TPM attestation statement names and
//! orders them (W3C Web Authentication Level 2, 8.3, `x5c: [aikCert, * (caCert)]`); at most
//! [`MAX_AK_CERTS`] certificates of at most [`MAX_AK_CERT_LEN`] bytes each. A record without
//! it is the record this crate wrote before the member existed, byte for byte.
//!
//! Keys are in core deterministic order (RFC 8949 section 4.2.1) and the decoder refuses any
//! other order, unknown keys and sizes over the `MAX_*` bounds. The PCR values are listed
//! bank by bank in the order of the `TPML_PCR_SELECTION`, and within a bank from the lowest
//! selected PCR index up, which is the order in which `TPM2_Quote` concatenates them before
//! hashing (TPM 2.0 Part 1, "Selecting Multiple PCR").
//!
//! Why one record and not a CMW collection of three: a seat Verifier appraises each member of
//! a collection on its own, with its own format and binding; a quote's PCR values mean nothing
//! apart from the quote. A collection stays the way to send other Evidence beside the quote
//! (an event log, a key attestation).

use sha2::{Digest, Sha256};

use crate::cbor::{self, Profile, Value};
use crate::error::{Error, Item};
use crate::platform;

/// The media type of a TPM quote record (module documentation).
pub const TPM_QUOTE_MEDIA_TYPE: &str = "application/vnd.seat.tpm-quote+cbor";

/// The `tpmVer` value.
pub const TPM_VERSION: &str = "2.0";

/// Length of the `extraData` of the binding rule.
pub const EXTRA_DATA_LEN: usize = 32;

/// Longest `attestInfo` accepted: a quote's `TPMS_ATTEST` with a 66-byte name, 64-byte
/// `extraData`, sixteen banks and a 64-byte digest is under 400 bytes.
pub const MAX_ATTEST_LEN: usize = 1024;

/// Longest `sig` accepted: an RSA-4096 `TPMT_SIGNATURE` is 518 bytes.
pub const MAX_SIGNATURE_LEN: usize = 1024;

/// Most PCR values in one record: four banks of 24 PCRs.
pub const MAX_PCR_VALUES: usize = 96;

/// Longest PCR value (SHA-512).
pub const MAX_PCR_VALUE_LEN: usize = 64;

/// Most certificates in `x5c`: the AK certificate and up to three CA certificates (Google's
/// and Azure's vTPM AK chains have one intermediate under the root).
pub const MAX_AK_CERTS: usize = 4;

/// Longest certificate in `x5c`: published AK certificates are under 2 KB (1340 bytes for a
/// Google vTPM AK, 1596 for an Azure one), an RSA-4096 CA certificate with a few extensions
/// about 2 KB.
pub const MAX_AK_CERT_LEN: usize = 4096;

/// The `extraData` of the binding rule (module documentation).
///
/// # Errors
///
/// As [`platform::report_data`]: a binder that is not 32 or 48 bytes, an AIK hash of another
/// length than the binder.
pub fn extra_data(binder: &[u8], aik_pub_hash: &[u8]) -> Result<[u8; EXTRA_DATA_LEN], Error> {
    let report_data = platform::report_data(binder, aik_pub_hash)?;
    Ok(Sha256::digest(report_data).into())
}

/// A TPM quote record's value (module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpmQuoteRecord {
    /// SHA-256 of the AK's DER SubjectPublicKeyInfo, if the attester names its key.
    pub kid: Option<Vec<u8>>,
    /// The `TPMT_SIGNATURE`.
    pub signature: Vec<u8>,
    /// The AK certificate chain (DER, leaf first); empty when the record has no `x5c`.
    pub ak_certs: Vec<Vec<u8>>,
    /// The PCR values, in selection order.
    pub pcrs: Vec<Vec<u8>>,
    /// The `TPMS_ATTEST`.
    pub attest: Vec<u8>,
}

impl TpmQuoteRecord {
    /// The record's map, deterministically encoded.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut entries = Vec::with_capacity(6);
        if let Some(kid) = &self.kid {
            entries.push((Value::Text("kid".into()), Value::Bytes(kid.clone())));
        }
        entries.push((
            Value::Text("sig".into()),
            Value::Bytes(self.signature.clone()),
        ));
        if !self.ak_certs.is_empty() {
            entries.push((
                Value::Text("x5c".into()),
                Value::Array(self.ak_certs.iter().cloned().map(Value::Bytes).collect()),
            ));
        }
        entries.push((
            Value::Text("pcrs".into()),
            Value::Array(self.pcrs.iter().cloned().map(Value::Bytes).collect()),
        ));
        entries.push((
            Value::Text("tpmVer".into()),
            Value::Text(TPM_VERSION.into()),
        ));
        entries.push((
            Value::Text("attestInfo".into()),
            Value::Bytes(self.attest.clone()),
        ));
        Value::Map(entries).to_vec()
    }

    /// Decodes a record strictly: the keys of the CDDL above in core deterministic order,
    /// `tpmVer` "2.0", a 32-byte `kid`, a non-empty `x5c`, sizes within the `MAX_*` bounds.
    ///
    /// # Errors
    ///
    /// The CBOR decoder's errors; [`Error::InvalidValue`] with [`Item::CmwValue`] for a map of
    /// another shape; [`Error::BadLength`] for an empty or overlong field;
    /// [`Error::Missing`] for a missing one.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let what = Item::CmwValue;
        let invalid = Error::InvalidValue { what, at: 0 };
        let bad_length = Error::BadLength { what, at: 0 };
        let Value::Map(entries) = cbor::decode_value(bytes, Profile::STRICT)? else {
            return Err(invalid);
        };
        let (mut kid, mut signature, mut pcrs, mut version, mut attest) =
            (None, None, None, false, None);
        let mut ak_certs = Vec::new();
        let mut last_rank = 0;
        for (k, v) in entries {
            let Value::Text(k) = k else {
                return Err(invalid);
            };
            let rank = match k.as_str() {
                "kid" => 1,
                "sig" => 2,
                "x5c" => 3,
                "pcrs" => 4,
                "tpmVer" => 5,
                "attestInfo" => 6,
                _ => return Err(invalid),
            };
            if rank <= last_rank {
                return Err(invalid);
            }
            last_rank = rank;
            match (rank, v) {
                (1, Value::Bytes(b)) if b.len() == 32 => kid = Some(b),
                (2, Value::Bytes(b)) if !b.is_empty() && b.len() <= MAX_SIGNATURE_LEN => {
                    signature = Some(b);
                }
                (3, Value::Array(items)) => {
                    if items.is_empty() || items.len() > MAX_AK_CERTS {
                        return Err(bad_length);
                    }
                    for item in items {
                        match item {
                            Value::Bytes(b) if !b.is_empty() && b.len() <= MAX_AK_CERT_LEN => {
                                ak_certs.push(b);
                            }
                            Value::Bytes(_) => return Err(bad_length),
                            _ => return Err(invalid),
                        }
                    }
                }
                (4, Value::Array(items)) => {
                    if items.is_empty() || items.len() > MAX_PCR_VALUES {
                        return Err(bad_length);
                    }
                    let mut values = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::Bytes(b) if !b.is_empty() && b.len() <= MAX_PCR_VALUE_LEN => {
                                values.push(b);
                            }
                            Value::Bytes(_) => return Err(bad_length),
                            _ => return Err(invalid),
                        }
                    }
                    pcrs = Some(values);
                }
                (5, Value::Text(t)) if t == TPM_VERSION => version = true,
                (6, Value::Bytes(b)) if !b.is_empty() && b.len() <= MAX_ATTEST_LEN => {
                    attest = Some(b);
                }
                (1 | 2 | 6, Value::Bytes(_)) => return Err(bad_length),
                _ => return Err(invalid),
            }
        }
        let missing = Error::Missing { what, at: 0 };
        if !version {
            return Err(missing);
        }
        Ok(Self {
            kid,
            signature: signature.ok_or(missing)?,
            ak_certs,
            pcrs: pcrs.ok_or(missing)?,
            attest: attest.ok_or(missing)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_data_is_sha256_of_the_report_data() {
        // Computed with Python's hashlib, not this code:
        // hashlib.sha256(hashlib.sha512(bytes([7]*32 + [9]*32)).digest()).hexdigest()
        let expected = "4873d69e7756d7ca0b1cc72b13d48befa0629f706e960953f0b5a0fff82680af";
        let got = extra_data(&[7; 32], &[9; 32]).unwrap();
        assert_eq!(hex::encode(got), expected);
        assert!(extra_data(&[7; 31], &[9; 31]).is_err());
    }

    #[test]
    fn records_round_trip_strictly_in_deterministic_order() {
        let r = TpmQuoteRecord {
            kid: Some(vec![1; 32]),
            signature: vec![2, 3],
            ak_certs: Vec::new(),
            pcrs: vec![vec![4; 32], vec![5; 32]],
            attest: vec![6; 10],
        };
        let bytes = r.to_vec();
        assert_eq!(TpmQuoteRecord::decode(&bytes).unwrap(), r);
        // Read back by minicbor (an independent decoder): keys in core deterministic order.
        let mut d = minicbor::Decoder::new(&bytes);
        assert_eq!(d.map().unwrap(), Some(5));
        assert_eq!(d.str().unwrap(), "kid");
        assert_eq!(d.bytes().unwrap(), [1; 32]);
        assert_eq!(d.str().unwrap(), "sig");
        assert_eq!(d.bytes().unwrap(), [2, 3]);
        assert_eq!(d.str().unwrap(), "pcrs");
        assert_eq!(d.array().unwrap(), Some(2));
        d.skip().unwrap();
        d.skip().unwrap();
        assert_eq!(d.str().unwrap(), "tpmVer");
        assert_eq!(d.str().unwrap(), "2.0");
        assert_eq!(d.str().unwrap(), "attestInfo");
        assert_eq!(d.bytes().unwrap(), [6; 10]);

        let no_kid = TpmQuoteRecord { kid: None, ..r };
        assert_eq!(TpmQuoteRecord::decode(&no_kid.to_vec()).unwrap(), no_kid);
        // Keys out of order, a wrong version, an empty PCR list: refused.
        let swapped = Value::Map(vec![
            (Value::Text("sig".into()), Value::Bytes(vec![1])),
            (Value::Text("kid".into()), Value::Bytes(vec![1; 32])),
        ]);
        let mut w = cbor::Writer::new();
        w.map(2).text("sig").bytes(&[1]).text("kid").bytes(&[1; 32]);
        assert!(TpmQuoteRecord::decode(&w.into_vec()).is_err());
        assert!(TpmQuoteRecord::decode(&swapped.to_vec()).is_err());
        let mut w = cbor::Writer::new();
        w.map(4)
            .text("sig")
            .bytes(&[1])
            .text("pcrs")
            .array(1)
            .bytes(&[1; 32])
            .text("tpmVer")
            .text("1.2")
            .text("attestInfo")
            .bytes(&[1]);
        assert!(TpmQuoteRecord::decode(&w.into_vec()).is_err());
        let empty = TpmQuoteRecord {
            kid: None,
            signature: vec![1],
            ak_certs: Vec::new(),
            pcrs: vec![],
            attest: vec![1],
        };
        assert!(TpmQuoteRecord::decode(&empty.to_vec()).is_err());
    }

    #[test]
    fn the_ak_chain_sits_between_sig_and_pcrs_and_is_bounded() {
        let r = TpmQuoteRecord {
            kid: None,
            signature: vec![2],
            ak_certs: vec![vec![0x30; 3], vec![0x31; 2]],
            pcrs: vec![vec![4; 32]],
            attest: vec![6],
        };
        let bytes = r.to_vec();
        assert_eq!(TpmQuoteRecord::decode(&bytes).unwrap(), r);
        // minicbor reads the keys back in core deterministic order: "x5c" after "sig"
        // (same length, 0x78 > 0x73) and before the longer "pcrs".
        let mut d = minicbor::Decoder::new(&bytes);
        assert_eq!(d.map().unwrap(), Some(5));
        assert_eq!(d.str().unwrap(), "sig");
        d.skip().unwrap();
        assert_eq!(d.str().unwrap(), "x5c");
        assert_eq!(d.array().unwrap(), Some(2));
        assert_eq!(d.bytes().unwrap(), [0x30; 3]);
        assert_eq!(d.bytes().unwrap(), [0x31; 2]);
        assert_eq!(d.str().unwrap(), "pcrs");

        let record = |certs: &[&[u8]], x5c_after_pcrs: bool| {
            let mut w = cbor::Writer::new();
            w.map(5).text("sig").bytes(&[1]);
            let chain = |w: &mut cbor::Writer| {
                w.text("x5c").array(certs.len());
                for c in certs {
                    w.bytes(c);
                }
            };
            if !x5c_after_pcrs {
                chain(&mut w);
            }
            w.text("pcrs").array(1).bytes(&[1; 32]);
            if x5c_after_pcrs {
                chain(&mut w);
            }
            w.text("tpmVer").text("2.0").text("attestInfo").bytes(&[1]);
            w.into_vec()
        };
        assert!(TpmQuoteRecord::decode(&record(&[&[1]], false)).is_ok());
        assert!(TpmQuoteRecord::decode(&record(&[&[1]], true)).is_err());
        let bad_length = Err(Error::BadLength {
            what: Item::CmwValue,
            at: 0,
        });
        assert_eq!(TpmQuoteRecord::decode(&record(&[], false)), bad_length);
        let one = [1u8];
        let five: Vec<&[u8]> = vec![&one; MAX_AK_CERTS + 1];
        assert_eq!(TpmQuoteRecord::decode(&record(&five, false)), bad_length);
        let long = vec![1u8; MAX_AK_CERT_LEN + 1];
        assert_eq!(TpmQuoteRecord::decode(&record(&[&long], false)), bad_length);
        assert_eq!(TpmQuoteRecord::decode(&record(&[&[]], false)), bad_length);
        // A certificate that is not a byte string.
        let mut w = cbor::Writer::new();
        w.map(5)
            .text("sig")
            .bytes(&[1])
            .text("x5c")
            .array(1)
            .text("c");
        w.text("pcrs").array(1).bytes(&[1; 32]);
        w.text("tpmVer").text("2.0").text("attestInfo").bytes(&[1]);
        assert!(TpmQuoteRecord::decode(&w.into_vec()).is_err());
    }
}
