//! Confidential-VM Evidence (Intel TDX quotes, AMD SEV-SNP reports): the binding rule for their
//! 64-byte report data, and the CMW record they travel in.
//!
//! # Binding rule
//!
//! A TDX quote and an SNP report carry 64 bytes of caller data (`REPORTDATA`, `REPORT_DATA`)
//! instead of an `eat_nonce` and a `cnf`. seat puts there
//!
//! ```text
//! report_data = SHA-512(binder || aik_pub_hash)
//! ```
//!
//! where `binder` is the binder of the exchange exactly as the protocol computed it and
//! `aik_pub_hash` the hash of the AIK's DER SubjectPublicKeyInfo, of the same length as the
//! binder (32 or 48 bytes, the connection's hash), so the concatenation splits one way only.
//! Reasoning: the field has room for one 64-byte value; both values must be bound (the binder
//! against relay, the AIK hash against key substitution, as `eat_nonce` and `cnf` do for the
//! simulated TEE); SHA-512 is the construction cocos uses for its attested TLS
//! (`SHA-512(binder)`), so the rule stays in that family while binding the key too; and
//! `binder || aik_pub_hash` alone would not fit for 48-byte hashes. A Verifier recomputes the
//! value from its own binder and AIK hash and compares all 64 bytes: a mismatch cannot tell
//! which of the two differs, so it is reported as a binder mismatch.
//!
//! # Wrapping
//!
//! The Evidence travels as a CMW CBOR record (RFC 9999 section 3.1, `ind` 4) of media type
//! `application/vnd.veraison.tsm-report+cbor` (IANA media-types registry, registered
//! 2024-12-24 by Veraison; CDDL in veraison/ratsd `docs/tsm-report.cddl`) with its `provider`
//! parameter naming the outblob's format, exactly as Linux configfs-tsm names it: `tdx_guest`
//! for a TDX quote, `sev_guest` for an SNP report. The value is the tsm-report map:
//!
//! ```cddl
//! tsm-report = {
//!   ? "auxblob": bstr      ; SNP: the certificate table the host supplied (VCEK, ASK, ARK)
//!   "outblob": bstr        ; the quote or report
//!   "provider": bstr       ; "tdx_guest" or "sev_guest"
//! }
//! ```
//!
//! No vendor or RATS registry names a media type for a bare TDX quote; for a bare SNP report,
//! draft-deeglaze-amd-sev-snp-corim-profile names `application/vnd.amd.sev-snp.attestation-report`
//! ([`SNP_REPORT_MEDIA_TYPE`]), which `seat-verify` also reads.

use sha2::{Digest, Sha512};

use crate::cbor::{self, Profile, Value};
use crate::error::{Error, Item};

/// The media type of a configfs-tsm report (IANA, Veraison).
pub const TSM_REPORT_MEDIA_TYPE: &str = "application/vnd.veraison.tsm-report+cbor";

/// The configfs-tsm provider name of Intel TDX (Linux `drivers/virt/coco/tdx-guest`).
pub const TDX_PROVIDER: &str = "tdx_guest";

/// The configfs-tsm provider name of AMD SEV-SNP (Linux `drivers/virt/coco/sev-guest`).
pub const SNP_PROVIDER: &str = "sev_guest";

/// The media type of a bare SEV-SNP attestation report
/// (draft-deeglaze-amd-sev-snp-corim-profile, "New media types").
pub const SNP_REPORT_MEDIA_TYPE: &str = "application/vnd.amd.sev-snp.attestation-report";

/// Length of the report data of a TDX quote or an SNP report.
pub const REPORT_DATA_LEN: usize = 64;

/// Longest outblob accepted: a TDX quote with its PCK chain is about 5 KiB, an SNP report
/// 1184 bytes.
pub const MAX_OUTBLOB_LEN: usize = 16 * 1024;

/// Longest auxblob accepted: an SNP certificate table with VCEK, ASK and ARK is about 5 KiB.
pub const MAX_AUXBLOB_LEN: usize = 16 * 1024;

/// The report data of the binding rule (module documentation).
///
/// # Errors
///
/// [`Error::InvalidArgument`] with [`Item::EatNonce`] for a binder that is not 32 or 48
/// bytes, with [`Item::Cnf`] for an AIK hash of another length than the binder.
pub fn report_data(binder: &[u8], aik_pub_hash: &[u8]) -> Result<[u8; REPORT_DATA_LEN], Error> {
    if ![32, 48].contains(&binder.len()) {
        return Err(Error::InvalidArgument {
            what: Item::EatNonce,
        });
    }
    if aik_pub_hash.len() != binder.len() {
        return Err(Error::InvalidArgument { what: Item::Cnf });
    }
    let mut h = Sha512::new();
    h.update(binder);
    h.update(aik_pub_hash);
    Ok(h.finalize().into())
}

/// The media type of a tsm-report record for `provider`:
/// `application/vnd.veraison.tsm-report+cbor; provider=tdx_guest`.
pub fn tsm_media_type(provider: &str) -> String {
    format!("{TSM_REPORT_MEDIA_TYPE}; provider={provider}")
}

/// The `provider` parameter of a tsm-report media type (type and parameter name compared
/// case-insensitively, the value as given, quoted or not); `None` for another media type or
/// parameters other than one `provider`.
pub fn tsm_provider(media_type: &str) -> Option<&str> {
    crate::cmw::media_type_parameter(media_type, TSM_REPORT_MEDIA_TYPE, "provider")
}

/// A configfs-tsm report as the tsm-report map carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct TsmReport {
    /// The provider that made it (`tdx_guest`, `sev_guest`).
    pub provider: String,
    /// The quote or report.
    pub outblob: Vec<u8>,
    /// Auxiliary data (SNP certificates), if any.
    pub auxblob: Option<Vec<u8>>,
}

impl core::fmt::Debug for TsmReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TsmReport")
            .field("provider", &self.provider)
            .field("outblob", &self.outblob.len())
            .field("auxblob", &self.auxblob.as_ref().map(Vec::len))
            .finish()
    }
}

impl TsmReport {
    /// The tsm-report map, deterministically encoded (RFC 8949 section 4.2.1 key order:
    /// `auxblob`, `outblob`, `provider`).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut entries = Vec::with_capacity(3);
        if let Some(aux) = &self.auxblob {
            entries.push((Value::Text("auxblob".into()), Value::Bytes(aux.clone())));
        }
        entries.push((
            Value::Text("outblob".into()),
            Value::Bytes(self.outblob.clone()),
        ));
        entries.push((
            Value::Text("provider".into()),
            Value::Bytes(self.provider.as_bytes().to_vec()),
        ));
        Value::Map(entries).to_vec()
    }

    /// Decodes a tsm-report map strictly: exactly the keys of the CDDL above, in core
    /// deterministic order (the service report keys are refused: seat attests the guest, not
    /// a service), byte-string values,
    /// a UTF-8 provider, blobs within [`MAX_OUTBLOB_LEN`] and [`MAX_AUXBLOB_LEN`].
    ///
    /// # Errors
    ///
    /// The CBOR decoder's errors; [`Error::InvalidValue`] with [`Item::CmwValue`] for a map
    /// of another shape; [`Error::BadLength`] for an empty or overlong blob.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let what = Item::CmwValue;
        let invalid = Error::InvalidValue { what, at: 0 };
        let Value::Map(entries) = cbor::decode_value(bytes, Profile::STRICT)? else {
            return Err(invalid);
        };
        let (mut provider, mut outblob, mut auxblob) = (None, None, None);
        let mut last_rank = 0;
        for (k, v) in entries {
            let (Value::Text(k), Value::Bytes(v)) = (k, v) else {
                return Err(invalid);
            };
            // Keys in core deterministic order (RFC 8949 section 4.2.1), as `to_vec` writes
            // them: one encoding per report.
            let rank = match k.as_str() {
                "auxblob" => 1,
                "outblob" => 2,
                "provider" => 3,
                _ => return Err(invalid),
            };
            if rank <= last_rank {
                return Err(invalid);
            }
            last_rank = rank;
            match k.as_str() {
                "provider" => {
                    provider = Some(String::from_utf8(v).map_err(|_| invalid)?);
                }
                "outblob" if !v.is_empty() && v.len() <= MAX_OUTBLOB_LEN => outblob = Some(v),
                "auxblob" if !v.is_empty() && v.len() <= MAX_AUXBLOB_LEN => auxblob = Some(v),
                "outblob" | "auxblob" => return Err(Error::BadLength { what, at: 0 }),
                _ => return Err(invalid),
            }
        }
        Ok(Self {
            provider: provider.ok_or(Error::Missing { what, at: 0 })?,
            outblob: outblob.ok_or(Error::Missing { what, at: 0 })?,
            auxblob,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_data_is_sha512_of_binder_and_key_hash() {
        // Computed with Python's hashlib, not this code:
        // hashlib.sha512(bytes([7]*32 + [9]*32)).hexdigest()
        let expected = "208fa97c96b349075dd95eeffe1d996b866958350b5a7028fecc085b8e503441\
                        9325ca23a07ded645aaf57361cc055162cc58bb1367dcf99139beb5e228c669b";
        let got = report_data(&[7; 32], &[9; 32]).unwrap();
        assert_eq!(hex::encode(got), expected);
        assert!(report_data(&[7; 31], &[9; 31]).is_err());
        assert!(report_data(&[7; 32], &[9; 48]).is_err());
    }

    #[test]
    fn tsm_media_types_name_their_provider() {
        assert_eq!(
            tsm_provider(&tsm_media_type(TDX_PROVIDER)),
            Some("tdx_guest")
        );
        assert_eq!(
            tsm_provider("Application/VND.veraison.tsm-report+cbor;provider=\"sev_guest\""),
            Some("sev_guest")
        );
        assert_eq!(tsm_provider(TSM_REPORT_MEDIA_TYPE), None);
        assert_eq!(tsm_provider("application/cbor; provider=tdx_guest"), None);
        assert_eq!(
            tsm_provider("application/vnd.veraison.tsm-report+cbor; provider=a; x=y"),
            None
        );
    }

    #[test]
    fn tsm_reports_round_trip_strictly() {
        let r = TsmReport {
            provider: SNP_PROVIDER.into(),
            outblob: vec![1, 2, 3],
            auxblob: Some(vec![4]),
        };
        let bytes = r.to_vec();
        assert_eq!(TsmReport::decode(&bytes).unwrap(), r);
        // Read back by minicbor (an independent decoder): three text keys in core
        // deterministic order, byte-string values.
        let mut d = minicbor::Decoder::new(&bytes);
        assert_eq!(d.map().unwrap(), Some(3));
        for (key, value) in [
            ("auxblob", &[4u8][..]),
            ("outblob", &[1, 2, 3]),
            ("provider", b"sev_guest"),
        ] {
            assert_eq!(d.str().unwrap(), key);
            assert_eq!(d.bytes().unwrap(), value);
        }
        let no_provider =
            Value::Map(vec![(Value::Text("outblob".into()), Value::Bytes(vec![1]))]).to_vec();
        assert!(TsmReport::decode(&no_provider).is_err());
    }
}
