//! The claims model: what a format found in verified Evidence, in one shape for every platform.
//!
//! Each platform reports its own measurements (named digests: the simulated TEE's named
//! components; TDX `mrtd`, `rtmr0`..`rtmr3`, `mrconfigid`, `mrowner`, `mrownerconfig`; SEV-SNP
//! `measurement`, `host_data`, `id_key_digest`, `author_key_digest`) and its
//! security-relevant state (debug, secure boot where the platform has it, the TCB status its
//! vendor's collateral gives). Policy names reference values per platform by these names.

use core::fmt;

/// The platform whose Evidence was appraised.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// The simulated TEE (sim-tee-profile.md).
    SimTee,
    /// An Intel TDX trust domain (a DCAP quote, version 4 or 5).
    Tdx,
    /// An AMD SEV-SNP guest (an attestation report, version 2 or later).
    SevSnp,
    /// A TPM 2.0 (a quote by an attestation key).
    Tpm,
    /// A PSA root of trust (an RFC 9783 attestation token).
    Psa,
    /// An Arm CCA realm (a platform token and a realm token).
    Cca,
    /// An AWS Nitro enclave (an attestation document of the Nitro Secure Module).
    Nitro,
}

impl Platform {
    /// A short lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::SimTee => "sim-tee",
            Self::Tdx => "tdx",
            Self::SevSnp => "sev-snp",
            Self::Tpm => "tpm",
            Self::Psa => "psa",
            Self::Nitro => "aws-nitro",
            Self::Cca => "arm-cca",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A TCB status from the vendor's collateral (Intel TCB info and QE identity; for SEV-SNP the
/// reported TCB against the VCEK's TCB), ordered from best to worst so that a policy can name
/// the worst it accepts.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TcbStatus {
    /// The platform's TCB is at the latest level.
    UpToDate,
    /// Up to date, but software hardening is needed against a published advisory.
    SwHardeningNeeded,
    /// Up to date, but a platform configuration change is needed.
    ConfigurationNeeded,
    /// Both software hardening and a configuration change are needed.
    ConfigurationAndSwHardeningNeeded,
    /// The TCB is below the latest level.
    OutOfDate,
    /// Out of date, and a configuration change is needed too.
    OutOfDateConfigurationNeeded,
    /// The TCB level is revoked.
    Revoked,
}

impl TcbStatus {
    /// The name Intel's collateral uses (`UpToDate`, `SWHardeningNeeded`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::UpToDate => "UpToDate",
            Self::SwHardeningNeeded => "SWHardeningNeeded",
            Self::ConfigurationNeeded => "ConfigurationNeeded",
            Self::ConfigurationAndSwHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            Self::OutOfDate => "OutOfDate",
            Self::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            Self::Revoked => "Revoked",
        }
    }

    /// Reads an Intel collateral status name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::UpToDate,
            Self::SwHardeningNeeded,
            Self::ConfigurationNeeded,
            Self::ConfigurationAndSwHardeningNeeded,
            Self::OutOfDate,
            Self::OutOfDateConfigurationNeeded,
            Self::Revoked,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

impl fmt::Display for TcbStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The TCB assessment of platform Evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcbReport {
    /// The status.
    pub status: TcbStatus,
    /// The advisory ids the collateral lists for this TCB level (`INTEL-SA-00837`, ...).
    pub advisory_ids: Vec<String>,
}

/// What a format extracts from verified Evidence, in the shape the Verifier reports.
///
/// Build one with [`EvidenceClaims::new`] and set the fields the platform has.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceClaims {
    /// The platform.
    pub platform: Platform,
    /// The format's profile (`eat_profile`, or the profile name of a platform format).
    pub profile: String,
    /// What the Evidence binds as its nonce: `eat_nonce` for EATs, the 64-byte report data
    /// for platform quotes and reports.
    pub nonce: Vec<u8>,
    /// The hash of the AIK's DER SPKI the Evidence binds (`cnf` key id; for platform Evidence,
    /// the one the binding rule included and the report data proved).
    pub aik_pub_hash: Vec<u8>,
    /// When the Evidence was made (`iat`), if the format says.
    pub iat: Option<i64>,
    /// The instance identity (`ueid`; the SEV-SNP chip id), if the format says.
    pub ueid: Option<Vec<u8>>,
    /// `swname`, if the format has it.
    pub swname: Option<String>,
    /// `swversion`, if the format has it.
    pub swversion: Option<String>,
    /// Measurements by name (module documentation).
    pub measurements: Vec<(String, Vec<u8>)>,
    /// `dbgstat` (RFC 9711 section 4.2.9), for EAT-based formats.
    pub dbgstat: Option<u8>,
    /// Whether debugging of the attested environment is possible (TDX TD attribute DEBUG,
    /// SEV-SNP guest policy DEBUG, `dbgstat` 0 for the simulated TEE).
    pub debug: bool,
    /// Whether secure boot is on, if the format says (`oemboot`).
    pub secure_boot: Option<bool>,
    /// The TCB assessment, for platforms with vendor collateral.
    pub tcb: Option<TcbReport>,
}

impl EvidenceClaims {
    /// Claims with the binding values set and nothing else.
    pub const fn new(
        platform: Platform,
        profile: String,
        nonce: Vec<u8>,
        aik_pub_hash: Vec<u8>,
    ) -> Self {
        Self {
            platform,
            profile,
            nonce,
            aik_pub_hash,
            iat: None,
            ueid: None,
            swname: None,
            swversion: None,
            measurements: Vec::new(),
            dbgstat: None,
            debug: false,
            secure_boot: None,
            tcb: None,
        }
    }

    /// The measurement named `name`.
    pub fn measurement(&self, name: &str) -> Option<&[u8]> {
        self.measurements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcb_statuses_order_best_to_worst_and_read_intel_names() {
        assert!(TcbStatus::UpToDate < TcbStatus::SwHardeningNeeded);
        assert!(TcbStatus::OutOfDate < TcbStatus::Revoked);
        // Names as Intel's TCB info JSON spells them (Intel PCS API v4, tcbStatus).
        for name in [
            "UpToDate",
            "SWHardeningNeeded",
            "ConfigurationNeeded",
            "ConfigurationAndSWHardeningNeeded",
            "OutOfDate",
            "OutOfDateConfigurationNeeded",
            "Revoked",
        ] {
            assert_eq!(TcbStatus::from_name(name).map(TcbStatus::name), Some(name));
        }
        assert_eq!(TcbStatus::from_name("uptodate"), None);
    }
}
