//! AWS Nitro Enclaves attestation documents appraised against the AWS Nitro root G1 (feature
//! `nitro`).
//!
//! A document is a COSE_Sign1 (ES384) whose payload carries its own signing certificate and
//! the CA bundle up to the root. Stages, in order:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | COSE_Sign1 (untagged or tag 18), strict, payload attached | [`Reason::MalformedEvidence`] |
//! | signature | the protected `alg` is ES384 | [`Reason::UnsupportedAlgorithm`] |
//! | decode | the document map: `module_id`, `digest` "SHA384", `timestamp`, `pcrs`, `certificate`, `cabundle`, optional `public_key`, `user_data`, `nonce`; every size bounded | [`Reason::MalformedPlatformEvidence`] |
//! | signature | `certificate` chains through `cabundle` to a configured root at `now` (rustls-webpki) | [`Reason::UntrustedRoot`], [`Reason::CertificateExpired`] |
//! | signature | the COSE signature under `certificate`'s key | [`Reason::BadEvidenceSignature`] |
//! | binding | `nonce` = [`seat_evidence::platform::report_data`] of the binder and AIK hash | [`Reason::BinderMismatch`] |
//! | freshness | `timestamp` inside the Verifier's window (the Verifier) | [`Reason::StaleEvidence`] |
//! | policy | reference PCRs | findings [`Reason::PcrMismatch`], [`Reason::MeasurementMissing`] |
//!
//! The payload is read before the signature is checked, because the key that signed it is in
//! it; nothing from it is used before the chain and the signature verify.
//!
//! **Binding rule:** the document's `nonce` holds `SHA-512(binder || aik_pub_hash)` (64 bytes,
//! the platform rule); `user_data` and `public_key` stay free for the application.

use der::{Decode as _, Encode as _};
use rustls_pki_types::{CertificateDer, UnixTime};
use seat_evidence::cbor::{self, Profile, Value};
use seat_evidence::cose::{Algorithm, CoseSign1};

use crate::claims::{EvidenceClaims, Platform};
use crate::crypto::SpkiVerifier;
use crate::error::Reason;
use crate::format::{AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, trust_vector};

/// The media type seat reads Nitro documents under. No registry names one; this is seat's
/// vendor-tree name for the COSE_Sign1 the Nitro Secure Module returns.
pub const NITRO_MEDIA_TYPE: &str = "application/vnd.aws.nitro-enclaves.attestation-document";

/// The profile named in the EAR submodule.
pub const NITRO_PROFILE: &str = "tag:seat.example,2026:aws-nitro-document/1";

/// The EAR submodule name.
pub const NITRO_SUBMOD: &str = "aws-nitro";

/// The AWS Nitro Enclaves root G1 (DER), as AWS publishes it (SHA-256 fingerprint
/// 641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b).
pub const AWS_NITRO_ROOT_G1: &[u8] = include_bytes!("nitro_root_g1.der");

/// Longest certificate accepted.
pub const MAX_CERT_LEN: usize = 4096;
/// Most certificates in `cabundle`.
pub const MAX_CABUNDLE: usize = 8;
/// Most PCRs (the NSM has 32).
pub const MAX_PCRS: usize = 32;
/// Longest `module_id`.
pub const MAX_MODULE_ID_LEN: usize = 256;
/// Longest `public_key` (NSM limit).
pub const MAX_PUBLIC_KEY_LEN: usize = 1024;
/// Longest `user_data` or `nonce` (NSM limit).
pub const MAX_USER_DATA_LEN: usize = 512;

/// A document's payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NitroDocument {
    /// `module_id`.
    pub module_id: String,
    /// `timestamp`, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// `pcrs` by index, ascending.
    pub pcrs: Vec<(u8, Vec<u8>)>,
    /// `certificate` (DER).
    pub certificate: Vec<u8>,
    /// `cabundle` (DER), root first.
    pub cabundle: Vec<Vec<u8>>,
    /// `public_key`.
    pub public_key: Option<Vec<u8>>,
    /// `user_data`.
    pub user_data: Option<Vec<u8>>,
    /// `nonce`.
    pub nonce: Option<Vec<u8>>,
}

fn opt_bytes(v: Value, max: usize) -> Result<Option<Vec<u8>>, Reason> {
    match v {
        Value::Null => Ok(None),
        Value::Bytes(b) if b.len() <= max => Ok(Some(b)),
        _ => Err(Reason::MalformedPlatformEvidence),
    }
}

impl NitroDocument {
    /// Decodes a payload strictly (module documentation).
    ///
    /// # Errors
    ///
    /// [`Reason::MalformedPlatformEvidence`] for anything else.
    pub fn decode(payload: &[u8]) -> Result<Self, Reason> {
        let bad = Reason::MalformedPlatformEvidence;
        let Value::Map(entries) = cbor::decode_value(payload, Profile::STRICT).map_err(|_| bad)?
        else {
            return Err(bad);
        };
        let (mut module_id, mut digest, mut timestamp, mut pcrs) = (None, false, None, None);
        let (mut certificate, mut cabundle) = (None, None);
        let (mut public_key, mut user_data, mut nonce) = (None, None, None);
        for (k, v) in entries {
            let Value::Text(k) = k else { return Err(bad) };
            match (k.as_str(), v) {
                ("module_id", Value::Text(t)) if !t.is_empty() && t.len() <= MAX_MODULE_ID_LEN => {
                    module_id = Some(t);
                }
                ("digest", Value::Text(t)) if t == "SHA384" => digest = true,
                ("timestamp", Value::Uint(n)) => timestamp = Some(n),
                ("pcrs", Value::Map(m)) if !m.is_empty() && m.len() <= MAX_PCRS => {
                    let mut out = Vec::with_capacity(m.len());
                    for (i, v) in m {
                        match (i, v) {
                            (Value::Uint(i), Value::Bytes(d))
                                if matches!(d.len(), 32 | 48 | 64) =>
                            {
                                out.push((u8::try_from(i).map_err(|_| bad)?, d));
                            }
                            _ => return Err(bad),
                        }
                    }
                    out.sort_by_key(|(i, _)| *i);
                    pcrs = Some(out);
                }
                ("certificate", Value::Bytes(b)) if !b.is_empty() && b.len() <= MAX_CERT_LEN => {
                    certificate = Some(b);
                }
                ("cabundle", Value::Array(a)) if !a.is_empty() && a.len() <= MAX_CABUNDLE => {
                    let mut out = Vec::with_capacity(a.len());
                    for c in a {
                        match c {
                            Value::Bytes(b) if !b.is_empty() && b.len() <= MAX_CERT_LEN => {
                                out.push(b);
                            }
                            _ => return Err(bad),
                        }
                    }
                    cabundle = Some(out);
                }
                ("public_key", v) => public_key = opt_bytes(v, MAX_PUBLIC_KEY_LEN)?,
                ("user_data", v) => user_data = opt_bytes(v, MAX_USER_DATA_LEN)?,
                ("nonce", v) => nonce = opt_bytes(v, MAX_USER_DATA_LEN)?,
                _ => return Err(bad),
            }
        }
        if !digest {
            return Err(bad);
        }
        Ok(Self {
            module_id: module_id.ok_or(bad)?,
            timestamp_ms: timestamp.ok_or(bad)?,
            pcrs: pcrs.ok_or(bad)?,
            certificate: certificate.ok_or(bad)?,
            cabundle: cabundle.ok_or(bad)?,
            public_key,
            user_data,
            nonce,
        })
    }
}

/// What a Nitro policy requires.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NitroPolicy {
    /// Reference PCR values by index: each must be present and equal.
    pub reference_pcrs: Vec<(u8, Vec<u8>)>,
}

/// A document whose chain and signature checked out, before binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDocument {
    /// The payload.
    pub document: NitroDocument,
    /// SHA-256 of the `Sig_structure`.
    pub digest: [u8; 32],
}

/// The AWS Nitro Enclaves format.
#[derive(Clone, Debug)]
pub struct NitroFormat {
    roots: Vec<Vec<u8>>,
    policy: NitroPolicy,
}

impl NitroFormat {
    /// Documents chained to [`AWS_NITRO_ROOT_G1`], appraised with `policy`.
    pub fn aws(policy: NitroPolicy) -> Self {
        Self {
            roots: vec![AWS_NITRO_ROOT_G1.to_vec()],
            policy,
        }
    }

    /// Documents chained to `root_der` (a test root for simulated documents).
    pub fn with_root(root_der: &[u8], policy: NitroPolicy) -> Self {
        Self {
            roots: vec![root_der.to_vec()],
            policy,
        }
    }

    /// Decodes a document and checks its chain at `now_unix_secs` and its signature.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation).
    pub fn verify_document(
        &self,
        token: &[u8],
        now_unix_secs: u64,
        provider: &dyn seat_binding::provider::CryptoProvider,
    ) -> Result<VerifiedDocument, Reason> {
        let (msg, _) = CoseSign1::decode(token).map_err(Reason::MalformedEvidence)?;
        if msg.alg() != Algorithm::ES384 {
            return Err(Reason::UnsupportedAlgorithm);
        }
        let payload = msg.payload().ok_or(Reason::MalformedEvidence(
            seat_evidence::Error::DetachedPayload,
        ))?;
        let doc = NitroDocument::decode(payload)?;
        let anchors = self
            .roots
            .iter()
            .map(|r| {
                rustls_webpki::anchor_from_trusted_cert(&CertificateDer::from(r.as_slice()))
                    .map(|a| a.to_owned())
                    .map_err(|_| Reason::MalformedCollateral)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = CertificateDer::from(doc.certificate.as_slice());
        let ee =
            rustls_webpki::EndEntityCert::try_from(&leaf).map_err(|_| Reason::UntrustedRoot)?;
        let intermediates: Vec<CertificateDer<'_>> = doc
            .cabundle
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        ee.verify_for_usage(
            &[rustls_webpki::aws_lc_rs::ECDSA_P384_SHA384],
            &anchors,
            &intermediates,
            UnixTime::since_unix_epoch(core::time::Duration::from_secs(now_unix_secs)),
            rustls_webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .map_err(|e| match e {
            rustls_webpki::Error::CertExpired { .. }
            | rustls_webpki::Error::CertNotValidYet { .. } => Reason::CertificateExpired,
            _ => Reason::UntrustedRoot,
        })?;
        let spki = x509_cert::Certificate::from_der(&doc.certificate)
            .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
            .map_err(|_| Reason::UntrustedRoot)?;
        msg.verify(
            &SpkiVerifier {
                provider,
                spki: &spki,
            },
            &[],
            None,
        )
        .map_err(|_| Reason::BadEvidenceSignature)?;
        let tbs = msg.tbs(&[], None).map_err(Reason::MalformedEvidence)?;
        Ok(VerifiedDocument {
            document: doc,
            digest: crate::replay::digest(provider, &[&tbs]),
        })
    }
}

impl EvidenceFormat for NitroFormat {
    fn handles(&self, media_type: &str) -> bool {
        media_type.trim().eq_ignore_ascii_case(NITRO_MEDIA_TYPE)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let v = self.verify_document(cx.token, cx.now_unix_secs, cx.provider)?;
        let d = &v.document;
        cx.check_report_data(d.nonce.as_deref())?;
        let mut findings = Vec::new();
        let executables = if self.policy.reference_pcrs.is_empty() {
            None
        } else {
            let mut e = ar4si::APPROVED_RUNTIME;
            for (i, value) in &self.policy.reference_pcrs {
                match d.pcrs.iter().find(|(j, _)| j == i) {
                    None => findings.push(Reason::MeasurementMissing),
                    Some((_, v)) if v != value => findings.push(Reason::PcrMismatch(*i)),
                    Some(_) => continue,
                }
                e = ar4si::UNRECOGNIZED_RUNTIME;
            }
            Some(e)
        };
        let vector = trust_vector(
            ar4si::TRUSTWORTHY_INSTANCE,
            None,
            executables,
            Some(ar4si::GENUINE_HARDWARE),
            Some(ar4si::ISOLATED_RUNTIME),
        )?;
        let mut claims = EvidenceClaims::new(
            Platform::Nitro,
            NITRO_PROFILE.to_owned(),
            d.nonce.clone().unwrap_or_default(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.iat = i64::try_from(d.timestamp_ms / 1000).ok();
        claims.ueid = Some(d.module_id.as_bytes().to_vec());
        claims.measurements = d
            .pcrs
            .iter()
            .map(|(i, v)| (format!("pcr{i}"), v.clone()))
            .collect();
        let mut a =
            FormatAppraisal::new(NITRO_SUBMOD, "aws-nitro-root-g1", v.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }
}
