//! Collateral: what the vendors publish for appraising their platforms' Evidence (Intel TCB
//! info, QE identity, CRLs and their issuer chains; AMD VCEK certificates), handed in by the
//! caller. Nothing here fetches (sans-I/O): a missing piece is a
//! [`crate::Reason::MissingCollateral`] whose [`CollateralNeed`] says what to fetch, and
//! [`crate::Verifier::collateral_needed`] lists it before an appraisal.

use core::fmt;

/// Which Intel PCK CA issued a PCK certificate (Intel PCS `ca` parameter).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PckCa {
    /// `ca=platform`: the Intel SGX PCK Platform CA (multi-package platforms).
    Platform,
    /// `ca=processor`: the Intel SGX PCK Processor CA.
    Processor,
}

impl PckCa {
    /// The PCS query value.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Processor => "processor",
        }
    }
}

/// An AMD EPYC generation with its own ARK and ASK (AMD KDS `{product_name}`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnpProduct {
    /// 3rd generation (Zen 3).
    Milan,
    /// 4th generation (Zen 4).
    Genoa,
    /// 5th generation (Zen 5).
    Turin,
}

impl SnpProduct {
    /// The KDS product name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Milan => "Milan",
            Self::Genoa => "Genoa",
            Self::Turin => "Turin",
        }
    }
}

/// Which AMD key signed an SEV-SNP report (the report's KEY_INFO.SIGNING_KEY), choosing the
/// certificate chain and the KDS path (`vcek/v1/..` or `vlek/v1/..`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnpKey {
    /// The Versioned Chip Endorsement Key, issued by the ASK.
    Vcek,
    /// The Versioned Loaded Endorsement Key a cloud provider loaded, issued by the ASVK.
    Vlek,
}

impl SnpKey {
    /// The KDS path segment: `vcek` or `vlek`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Vcek => "vcek",
            Self::Vlek => "vlek",
        }
    }
}

/// A piece of collateral an appraisal needs and was not given: what to fetch.
#[non_exhaustive]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollateralNeed {
    /// Intel TDX collateral for this FMSPC: TCB info and QE identity with their issuer chain,
    /// the PCK CRL of `ca` and the root CA CRL (Intel PCS v4: `tdx/certification/v4/tcb?fmspc=`,
    /// `tdx/certification/v4/qe/identity`, `sgx/certification/v4/pckcrl?ca=`).
    Tdx {
        /// The FMSPC from the PCK certificate's SGX extensions.
        fmspc: [u8; 6],
        /// The CA that issued the PCK certificate.
        ca: PckCa,
    },
    /// The VCEK of this chip at this reported TCB (AMD KDS
    /// `vcek/v1/{product}/{chip_id hex}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..`).
    SnpVcek {
        /// The product, when the report says (version 3 reports carry the CPUID); otherwise the
        /// caller tries its products.
        product: Option<SnpProduct>,
        /// The report's CHIP_ID.
        chip_id: [u8; 64],
        /// The report's REPORTED_TCB, as the 64-bit TCB_VERSION.
        reported_tcb: u64,
    },
    /// The VLEK certifying this reported TCB: the cloud provider's, not served publicly by
    /// AMD; the host hands it to the guest in the extended report's certificate table
    /// (configfs-tsm `auxblob`).
    SnpVlek {
        /// The product, when the report says.
        product: Option<SnpProduct>,
        /// The report's REPORTED_TCB, as the 64-bit TCB_VERSION.
        reported_tcb: u64,
    },
    /// The ASVK, issuer of VLEKs (AMD KDS `vlek/v1/{product}/cert_chain`: ASVK and ARK).
    SnpAsvk {
        /// The product, when the report says.
        product: Option<SnpProduct>,
    },
    /// The ARK's CRL (AMD KDS `{vcek|vlek}/v1/{product}/crl`), which the policy requires.
    SnpCrl {
        /// The product whose ARK signs it, when known.
        product: Option<SnpProduct>,
        /// Which chain the report uses (the KDS path).
        key: SnpKey,
    },
}

impl fmt::Debug for CollateralNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tdx { fmspc, ca } => f
                .debug_struct("Tdx")
                .field("fmspc", &hex(fmspc))
                .field("ca", ca)
                .finish(),
            Self::SnpVcek {
                product,
                chip_id,
                reported_tcb,
            } => f
                .debug_struct("SnpVcek")
                .field("product", product)
                .field("chip_id", &hex(chip_id))
                .field("reported_tcb", &format_args!("{reported_tcb:#018x}"))
                .finish(),
            Self::SnpVlek {
                product,
                reported_tcb,
            } => f
                .debug_struct("SnpVlek")
                .field("product", product)
                .field("reported_tcb", &format_args!("{reported_tcb:#018x}"))
                .finish(),
            Self::SnpAsvk { product } => {
                f.debug_struct("SnpAsvk").field("product", product).finish()
            }
            Self::SnpCrl { product, key } => f
                .debug_struct("SnpCrl")
                .field("product", product)
                .field("key", key)
                .finish(),
        }
    }
}

impl fmt::Display for CollateralNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tdx { fmspc, ca } => write!(
                f,
                "tdx collateral for fmspc {} (pck ca {})",
                hex(fmspc),
                ca.name()
            ),
            Self::SnpVcek {
                chip_id,
                reported_tcb,
                ..
            } => write!(
                f,
                "vcek for chip {} at tcb {reported_tcb:#018x}",
                hex(chip_id)
            ),
            Self::SnpVlek { reported_tcb, .. } => {
                write!(f, "vlek at tcb {reported_tcb:#018x}")
            }
            Self::SnpAsvk { product } => {
                write!(
                    f,
                    "asvk of {}",
                    product.map_or("any product", SnpProduct::name)
                )
            }
            Self::SnpCrl { product, key } => write!(
                f,
                "{} crl of the ark of {}",
                key.name(),
                product.map_or("any product", SnpProduct::name)
            ),
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The collateral a Verifier appraises platform Evidence with: parsed once when added, so an
/// appraisal with warm collateral parses nothing again.
#[derive(Clone, Debug, Default)]
pub struct Collateral {
    #[cfg(feature = "tdx")]
    pub(crate) tdx: Vec<crate::tdx::TdxCollateral>,
    #[cfg(feature = "snp")]
    pub(crate) snp_vceks: Vec<crate::snp::Vek>,
    #[cfg(feature = "snp")]
    pub(crate) snp_vleks: Vec<crate::snp::Vek>,
    #[cfg(feature = "snp")]
    pub(crate) snp_asvks: Vec<crate::snp::CaCert>,
    #[cfg(feature = "snp")]
    pub(crate) snp_crls: Vec<crate::snp::Crl>,
}

impl Collateral {
    /// No collateral.
    pub fn new() -> Self {
        Self::default()
    }
}
