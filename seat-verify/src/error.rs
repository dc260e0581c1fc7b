//! The crate's one error type: why an appraisal or a decision refused, at which stage, and why
//! a policy file was rejected.
//!
//! Every refusal on a protocol path is a [`Reason`] (a small `Copy` enum, no `String`), and
//! each reason belongs to exactly one [`Stage`] (DESIGN section 6: decode, binding, signature,
//! freshness, policy). [`Error`] renders as one short lowercase line for logs and the demo.

use core::fmt;

use seat_evidence::ear::Tier;

/// The stage of an appraisal at which a check failed (DESIGN section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The bytes are not the format they claim to be.
    Decode,
    /// The Evidence or Result is not bound to this exchange or key
    /// (early-attestation section 5, checklist items 1-3 and 10).
    Binding,
    /// A signature does not verify or does not chain to a configured trust anchor
    /// (expat section 3.9 step 3c; checklist item 10).
    Signature,
    /// Too old, from the future, expired, or already seen on this connection
    /// (early-attestation section 5, checklist items 7 and 9).
    Freshness,
    /// Well-formed, signed, bound and fresh, but not what the policy accepts.
    Policy,
}

impl Stage {
    /// The lowercase name used in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Decode => "decode",
            Self::Binding => "binding",
            Self::Signature => "signature",
            Self::Freshness => "freshness",
            Self::Policy => "policy",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A claim of the simulated TEE's Evidence profile (sim-tee-profile.md, "Token").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Claim {
    /// `eat_profile` (265).
    Profile,
    /// `eat_nonce` (10).
    Nonce,
    /// `cnf` (8) with a key id.
    Cnf,
    /// `ueid` (256).
    Ueid,
    /// `iat` (6).
    Iat,
    /// `swname` (270).
    SwName,
    /// `swversion` (271).
    SwVersion,
    /// `dbgstat` (263).
    DbgStat,
    /// `oemboot` (262).
    OemBoot,
    /// `measurements` (273).
    Measurements,
}

impl Claim {
    /// The claim's name in RFC 9711.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Profile => "eat_profile",
            Self::Nonce => "eat_nonce",
            Self::Cnf => "cnf",
            Self::Ueid => "ueid",
            Self::Iat => "iat",
            Self::SwName => "swname",
            Self::SwVersion => "swversion",
            Self::DbgStat => "dbgstat",
            Self::OemBoot => "oemboot",
            Self::Measurements => "measurements",
        }
    }
}

/// Why an appraisal or a Relying-Party decision refused; [`Reason::stage`] says where.
///
/// The variants cite the rule they enforce; see the attack table in the crate documentation.
/// Platform formats add their own (collateral, chains, TCB status); more will come with more
/// platforms, hence `#[non_exhaustive]`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    // Decode.
    /// The CMW does not decode (RFC 9999), with the decoder's error.
    MalformedCmw(seat_evidence::Error),
    /// The CMW is not a record carrying one token (RFC 9999 section 3.1).
    NotARecord,
    /// The CMW's `ind` does not say Evidence (RFC 9999 section 3.1, bit 4).
    NotEvidence,
    /// The CMW's `ind` does not say Attestation Results (RFC 9999 section 3.1, bit 8).
    NotAttestationResult,
    /// No configured Evidence format or Result serialisation handles the CMW's media type.
    UnsupportedMediaType,
    /// The Evidence token does not decode (RFC 9052, RFC 9711), with the decoder's error.
    MalformedEvidence(seat_evidence::Error),
    /// A claim the profile requires is absent or has the wrong shape
    /// (sim-tee-profile.md, "Token").
    MissingClaim(Claim),
    /// The Evidence's `eat_profile` is not the one its media type names.
    UnknownProfile,
    /// The Attestation Result does not decode (draft-ietf-rats-ear-03), with the decoder's
    /// error.
    MalformedResult(seat_evidence::Error),
    /// The JWT header is not `{"alg": .., "typ": "JWT"}` with a supported `alg` (RFC 7515).
    MalformedJwtHeader,
    /// A CMW collection with more members than [`crate::verifier::MAX_COLLECTION_MEMBERS`],
    /// or a member that is not an Evidence record (RFC 9999 section 3.3).
    BadCollection,
    /// Platform Evidence (a quote or report) ends before its structure does, or has bytes
    /// after it.
    Truncated,
    /// Platform Evidence of a version this Verifier does not read.
    UnsupportedVersion,
    /// A quote whose TEE type is not the one its media type names (TDX is 0x81).
    WrongTeeType,
    /// Platform Evidence that is not well formed (a field outside its allowed values, a
    /// certification-data type other than the PCK chain).
    MalformedPlatformEvidence,
    /// A TPM attestation structure whose `magic` is not `TPM_GENERATED_VALUE` (0xff544347):
    /// not made by a TPM.
    BadMagic,
    /// A TPM attestation structure of another type than the quote its media type names
    /// (`TPM_ST_ATTEST_QUOTE`, 0x8018).
    WrongAttestationType,
    /// The PCR values sent with a TPM quote are not one per selected PCR, each of its bank's
    /// digest size.
    PcrSelectionMismatch,

    // Signature.
    /// The Evidence names (by `kid`) or verifies under no configured attestation key
    /// (expat section 3.9 step 3c).
    UntrustedAttestationKey,
    /// The Evidence signature does not verify under the attestation key its `kid` names
    /// (a tampered claim).
    BadEvidenceSignature,
    /// The Result verifies under no configured Verifier key (checklist item 10).
    UntrustedVerifier,
    /// The Result signature does not verify under the Verifier key its `kid` names.
    BadResultSignature,
    /// The signature algorithm does not fit the trusted key, or is not supported.
    UnsupportedAlgorithm,
    /// A piece of collateral the appraisal needs was not supplied; it says what to fetch.
    MissingCollateral(crate::collateral::CollateralNeed),
    /// Collateral that does not decode (TCB info, QE identity, a CRL, a VCEK).
    MalformedCollateral,
    /// Collateral for another platform than the Evidence's (TCB info for another FMSPC, a
    /// VCEK for another chip or TCB).
    CollateralMismatch,
    /// Collateral (TCB info, QE identity, a CRL) outside its validity at `now`.
    CollateralExpired,
    /// A signature over collateral does not verify.
    BadCollateralSignature,
    /// A certificate chain does not end at a configured root (another vendor root, a test
    /// root not trusted here, or a broken chain).
    UntrustedRoot,
    /// A certificate in the chain is outside its validity at `now`.
    CertificateExpired,
    /// A certificate in the chain is on its issuer's CRL.
    CertificateRevoked,
    /// The quoting enclave's report does not verify, or does not bind the attestation key.
    BadQeReport,
    /// The PCR values sent with a TPM quote do not hash to the digest the quote signs (a
    /// tampered PCR value).
    PcrDigestMismatch,
    /// An Arm CCA platform token's challenge is not the hash of the realm token's public key:
    /// the realm was not signed by the key the platform vouches for.
    RealmKeyNotBound,

    // Binding.
    /// The Evidence's `cnf` key id is not the hash of the key that signed the authenticator
    /// (key substitution; expat section 3.12, checklist item 3).
    AikMismatch,
    /// The Evidence's `eat_nonce` is not the binder this Relying Party computed (relay;
    /// checklist item 1, DESIGN section 7).
    BinderMismatch,
    /// The Result's appraisal does not echo this exchange's binder (DESIGN section 6).
    ResultBinderMismatch,
    /// The Result is bound only to the AIK hash (a cached passport) and the policy does not
    /// allow that (DESIGN section 6).
    CachedPassportForbidden,

    // Freshness.
    /// `iat` is older than the freshness window allows.
    StaleEvidence,
    /// `iat` is later than `now` plus the allowed clock skew.
    EvidenceFromFuture,
    /// The Result's `exp` has passed.
    ResultExpired,
    /// The Result's `iat` is older than the policy's maximum Result age.
    StaleResult,
    /// The Result's `iat` is later than `now` plus the allowed clock skew.
    ResultFromFuture,
    /// This Evidence (or Result) was already accepted on this connection
    /// (checklist item 7: a per-connection set of accepted Evidence digests).
    Replayed,
    /// This `certificate_request_context` was already used on this connection
    /// (DESIGN section 7; expat section 3.10).
    ReusedRequestContext,
    /// The per-connection replay record holds [`crate::replay::MAX_KEY_ONLY_DIGESTS`] cached
    /// passports that are all still valid; it refuses another rather than forget one that could
    /// be re-presented.
    ReplayRecordFull,

    // Policy.
    /// A reference measurement is absent from the Evidence.
    MeasurementMissing,
    /// A measurement differs from its reference value.
    MeasurementMismatch,
    /// `swname` or `swversion` differs from the reference value.
    SoftwareMismatch,
    /// `dbgstat` is below the required value (debug enabled when forbidden).
    DebugEnabled,
    /// `oemboot` is false while secure boot is required.
    SecureBootDisabled,
    /// The TCB status is worse than the policy accepts (Intel TCB info and QE identity;
    /// SEV-SNP reported TCB).
    TcbNotAccepted(crate::claims::TcbStatus),
    /// The reported TCB is below the policy's minimum TCB level.
    TcbBelowMinimum,
    /// The SEV-SNP guest policy allows a migration agent and the policy forbids it.
    MigrationAgentAllowed,
    /// The SEV-SNP guest policy allows SMT and the policy forbids it.
    SmtAllowed,
    /// A TPM PCR (by index) differs from its reference value.
    PcrMismatch(u8),
    /// A PSA or CCA platform token's security lifecycle is not one the policy accepts (RFC 9783 section
    /// 4.3.1: only `secured` is fit for service).
    LifecycleNotAccepted,
    /// A PSA or CCA platform token's implementation ID is not one the policy names.
    UnknownImplementation,
    /// The Result's status does not reach the required tier.
    StatusBelowTier {
        /// The status the Result carries.
        status: Tier,
        /// The tier the policy requires.
        required: Tier,
    },
}

impl Reason {
    /// The stage this reason belongs to.
    pub const fn stage(self) -> Stage {
        match self {
            Self::MalformedCmw(_)
            | Self::NotARecord
            | Self::NotEvidence
            | Self::NotAttestationResult
            | Self::UnsupportedMediaType
            | Self::MalformedEvidence(_)
            | Self::MissingClaim(_)
            | Self::UnknownProfile
            | Self::MalformedResult(_)
            | Self::MalformedJwtHeader
            | Self::BadCollection
            | Self::Truncated
            | Self::UnsupportedVersion
            | Self::WrongTeeType
            | Self::MalformedPlatformEvidence
            | Self::BadMagic
            | Self::WrongAttestationType
            | Self::PcrSelectionMismatch => Stage::Decode,
            Self::UntrustedAttestationKey
            | Self::BadEvidenceSignature
            | Self::UntrustedVerifier
            | Self::BadResultSignature
            | Self::UnsupportedAlgorithm
            | Self::MissingCollateral(_)
            | Self::MalformedCollateral
            | Self::CollateralMismatch
            | Self::CollateralExpired
            | Self::BadCollateralSignature
            | Self::UntrustedRoot
            | Self::CertificateExpired
            | Self::CertificateRevoked
            | Self::BadQeReport
            | Self::PcrDigestMismatch
            | Self::RealmKeyNotBound => Stage::Signature,
            Self::AikMismatch
            | Self::BinderMismatch
            | Self::ResultBinderMismatch
            | Self::CachedPassportForbidden => Stage::Binding,
            Self::StaleEvidence
            | Self::EvidenceFromFuture
            | Self::ResultExpired
            | Self::StaleResult
            | Self::ResultFromFuture
            | Self::Replayed
            | Self::ReusedRequestContext
            | Self::ReplayRecordFull => Stage::Freshness,
            Self::MeasurementMissing
            | Self::MeasurementMismatch
            | Self::SoftwareMismatch
            | Self::DebugEnabled
            | Self::SecureBootDisabled
            | Self::TcbNotAccepted(_)
            | Self::TcbBelowMinimum
            | Self::MigrationAgentAllowed
            | Self::SmtAllowed
            | Self::PcrMismatch(_)
            | Self::LifecycleNotAccepted
            | Self::UnknownImplementation
            | Self::StatusBelowTier { .. } => Stage::Policy,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedCmw(e) => write!(f, "malformed cmw ({e})"),
            Self::NotARecord => f.write_str("cmw is not a record"),
            Self::NotEvidence => f.write_str("cmw does not carry evidence"),
            Self::NotAttestationResult => f.write_str("cmw does not carry an attestation result"),
            Self::UnsupportedMediaType => f.write_str("no appraiser for this media type"),
            Self::MalformedEvidence(e) => write!(f, "malformed evidence ({e})"),
            Self::MissingClaim(c) => write!(f, "evidence lacks a valid {} claim", c.name()),
            Self::UnknownProfile => f.write_str("evidence has an unknown eat_profile"),
            Self::MalformedResult(e) => write!(f, "malformed attestation result ({e})"),
            Self::MalformedJwtHeader => f.write_str("malformed jwt header"),
            Self::BadCollection => f.write_str("cmw collection is not a set of evidence records"),
            Self::Truncated => f.write_str("platform evidence is truncated or has trailing bytes"),
            Self::UnsupportedVersion => f.write_str("platform evidence of an unsupported version"),
            Self::WrongTeeType => f.write_str("quote is for another tee type"),
            Self::MalformedPlatformEvidence => f.write_str("malformed platform evidence"),
            Self::BadMagic => f.write_str("tpm attestation lacks the tpm_generated magic"),
            Self::WrongAttestationType => f.write_str("tpm attestation is not a quote"),
            Self::PcrSelectionMismatch => {
                f.write_str("pcr values do not match the quote's pcr selection")
            }
            Self::UntrustedAttestationKey => {
                f.write_str("evidence is not signed by a trusted attestation key")
            }
            Self::BadEvidenceSignature => {
                f.write_str("evidence signature does not verify (tampered claims)")
            }
            Self::UntrustedVerifier => f.write_str("result is not signed by a trusted verifier"),
            Self::BadResultSignature => f.write_str("result signature does not verify"),
            Self::UnsupportedAlgorithm => f.write_str("unsupported signature algorithm"),
            Self::MissingCollateral(need) => write!(f, "missing collateral: {need}"),
            Self::MalformedCollateral => f.write_str("malformed collateral"),
            Self::CollateralMismatch => f.write_str("collateral is for another platform"),
            Self::CollateralExpired => f.write_str("collateral is outside its validity"),
            Self::BadCollateralSignature => f.write_str("collateral signature does not verify"),
            Self::UntrustedRoot => f.write_str("certificate chain does not end at a trusted root"),
            Self::CertificateExpired => f.write_str("a certificate is outside its validity"),
            Self::CertificateRevoked => f.write_str("a certificate is revoked"),
            Self::BadQeReport => f.write_str("quoting enclave report does not verify"),
            Self::PcrDigestMismatch => {
                f.write_str("pcr values do not hash to the signed pcr digest (tampered pcr)")
            }
            Self::RealmKeyNotBound => {
                f.write_str("the platform token does not bind the realm attestation key")
            }
            Self::AikMismatch => {
                f.write_str("evidence binds another key than the one that signed the authenticator")
            }
            Self::BinderMismatch => f.write_str("evidence nonce is not this exchange's binder"),
            Self::ResultBinderMismatch => {
                f.write_str("result does not echo this exchange's binder")
            }
            Self::CachedPassportForbidden => {
                f.write_str("cached passport (bound only to the key) not allowed by policy")
            }
            Self::StaleEvidence => f.write_str("evidence iat is older than the freshness window"),
            Self::EvidenceFromFuture => f.write_str("evidence iat is in the future"),
            Self::ResultExpired => f.write_str("result has expired"),
            Self::StaleResult => f.write_str("result is older than the policy allows"),
            Self::ResultFromFuture => f.write_str("result iat is in the future"),
            Self::Replayed => f.write_str("already accepted on this connection (replay)"),
            Self::ReusedRequestContext => {
                f.write_str("request context already used on this connection")
            }
            Self::ReplayRecordFull => f.write_str("replay record full"),
            Self::MeasurementMissing => f.write_str("a reference measurement is missing"),
            Self::MeasurementMismatch => {
                f.write_str("a measurement is outside the reference values")
            }
            Self::SoftwareMismatch => f.write_str("software name or version is not the reference"),
            Self::DebugEnabled => f.write_str("debug is enabled and the policy forbids it"),
            Self::SecureBootDisabled => {
                f.write_str("secure boot is off and the policy requires it")
            }
            Self::TcbNotAccepted(s) => write!(f, "tcb status {s} is not accepted by the policy"),
            Self::TcbBelowMinimum => f.write_str("reported tcb is below the policy minimum"),
            Self::MigrationAgentAllowed => {
                f.write_str("guest policy allows a migration agent and the policy forbids it")
            }
            Self::SmtAllowed => f.write_str("guest policy allows smt and the policy forbids it"),
            Self::PcrMismatch(i) => write!(f, "pcr {i} differs from its reference value"),
            Self::LifecycleNotAccepted => {
                f.write_str("security lifecycle state is not accepted by the policy")
            }
            Self::UnknownImplementation => {
                f.write_str("implementation id is not one the policy names")
            }
            Self::StatusBelowTier { status, required } => write!(
                f,
                "status {} does not reach the required tier {}",
                status.name(),
                required.name()
            ),
        }
    }
}

/// Why a policy file was rejected (the `reason` of [`Error::Config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigReason {
    /// The text is not TOML; line and column are one-based.
    Syntax {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// A key this format does not define (a likely typo).
    UnknownField,
    /// A required key is absent.
    Missing,
    /// The value has the wrong TOML type.
    WrongType,
    /// Not hexadecimal (even length, `0-9a-fA-F`).
    BadHex,
    /// Not standard base64.
    BadBase64,
    /// Both or neither of `spki_hex` and `spki_base64`.
    AmbiguousKey,
    /// Not a DER SubjectPublicKeyInfo of a supported key type.
    BadSpki,
    /// Not `"affirming"` or `"warning"`.
    BadTier,
    /// A number outside its allowed range.
    OutOfRange,
    /// A name given twice.
    Duplicate,
    /// An empty string or list where one entry or more is required.
    Empty,
}

impl fmt::Display for ConfigReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { line, column } => write!(f, "toml syntax error at {line}:{column}"),
            Self::UnknownField => f.write_str("unknown field"),
            Self::Missing => f.write_str("missing"),
            Self::WrongType => f.write_str("wrong type"),
            Self::BadHex => f.write_str("not hexadecimal"),
            Self::BadBase64 => f.write_str("not base64"),
            Self::AmbiguousKey => f.write_str("give exactly one of spki_hex and spki_base64"),
            Self::BadSpki => f.write_str("not a supported der subjectpublickeyinfo"),
            Self::BadTier => f.write_str("tier must be \"affirming\" or \"warning\""),
            Self::OutOfRange => f.write_str("out of range"),
            Self::Duplicate => f.write_str("duplicate"),
            Self::Empty => f.write_str("empty"),
        }
    }
}

/// Everything that can go wrong in this crate.
///
/// Grouped by blame: [`Error::Rejected`] is the peer's (or its platform's) failure to
/// satisfy an appraisal; [`Error::Config`] is a bad policy file; [`Error::Signing`] is the
/// Verifier's own key failing; [`Error::InvalidArgument`] is caller misuse.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The appraisal or decision refused, for `reason` at `reason.stage()`.
    Rejected(Reason),
    /// A policy file was rejected: `field` is the dotted path of the offending key
    /// (`relying_party.required_tier`, `attestation_keys[1].spki_hex`).
    Config {
        /// Dotted path of the field.
        field: String,
        /// What is wrong with it.
        reason: ConfigReason,
    },
    /// The Verifier's signing key failed to sign an EAR.
    Signing(seat_binding::Error),
    /// The caller passed a value that cannot be used (a binder outside 8..=64 bytes, an EAR
    /// with no appraisal).
    InvalidArgument,
}

impl Error {
    /// The stage of a [`Error::Rejected`], `None` otherwise.
    pub const fn stage(&self) -> Option<Stage> {
        match self {
            Self::Rejected(r) => Some(r.stage()),
            _ => None,
        }
    }

    /// The reason of a [`Error::Rejected`], `None` otherwise.
    pub const fn reason(&self) -> Option<Reason> {
        match self {
            Self::Rejected(r) => Some(*r),
            _ => None,
        }
    }

    pub(crate) fn config(field: impl Into<String>, reason: ConfigReason) -> Self {
        Self::Config {
            field: field.into(),
            reason,
        }
    }
}

impl From<Reason> for Error {
    fn from(r: Reason) -> Self {
        Self::Rejected(r)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(r) => write!(f, "rejected at {}: {r}", r.stage()),
            Self::Config { field, reason } => write!(f, "bad policy field {field}: {reason}"),
            Self::Signing(e) => write!(f, "verifier could not sign: {e}"),
            Self::InvalidArgument => f.write_str("invalid argument"),
        }
    }
}

impl std::error::Error for Error {}
