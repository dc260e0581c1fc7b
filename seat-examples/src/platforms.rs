//! The platforms the examples attest with ([`TeeKind`]): the simulated TEE, or a
//! format-faithful simulator of a confidential VM whose Evidence the embedded Verifier
//! appraises through exactly the code real hardware Evidence takes, with the simulator's test
//! root as its trust anchor (never a vendor's root: simulated Evidence proves nothing about
//! any hardware).
//!
//! Adding a platform is one arm in [`platforms`] and one function building both sides and the
//! trust for it.

use std::sync::Arc;

use seat_verify::embedded::{AnyTee, Embedded, SetupError, Tee, reference_tee, tampered_tee};

/// Which platform both attesting sides run on.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TeeKind {
    /// The simulated TEE (spec sim-tee-profile v1): EAT Evidence signed by its attestation key.
    #[default]
    Sim,
    /// The Intel TDX simulator (`seat_evidence::platform_sim::tdx`, feature `tdx`): DCAP quotes
    /// in a tsm-report CMW, appraised by `seat_verify::tdx::TdxFormat` against its test root.
    Tdx,
    /// The TPM 2.0 simulator (`seat_evidence::platform_sim::tpm`, feature `tpm`): quotes of
    /// the SHA-256 PCR bank with their PCR values and the AK certificate, appraised by
    /// `seat_verify::tpm::TpmFormat` against the simulator's test AK CA and reference PCRs.
    Tpm,
    /// The PSA simulator (`seat_evidence::platform_sim::psa`, feature `psa`): PSA attestation
    /// tokens (RFC 9783) signed by the IAK, appraised by `seat_verify::psa::PsaFormat`.
    Psa,
    /// The AMD SEV-SNP simulator (`seat_evidence::platform_sim::snp`, feature `snp`):
    /// attestation reports signed by a VCEK in a tsm-report CMW, appraised by
    /// `seat_verify::snp::SnpFormat` against each platform's test ARK and ASK.
    Snp,
}

impl TeeKind {
    /// The kind named `sim`, `tdx`, `snp`, `tpm` or `psa`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sim" => Some(Self::Sim),
            "tdx" => Some(Self::Tdx),
            "snp" => Some(Self::Snp),
            "tpm" => Some(Self::Tpm),
            "psa" => Some(Self::Psa),
            _ => None,
        }
    }

    /// A short description for the demo's output.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Sim => "the simulated TEE",
            Self::Tdx => "simulated Intel TDX (DCAP quotes on a test root)",
            Self::Snp => "simulated AMD SEV-SNP (VCEK-signed reports on test roots)",
            Self::Tpm => "a simulated TPM 2.0 (quotes by an AK certified by a test CA)",
            Self::Psa => "a simulated PSA root of trust (tokens signed by its IAK)",
        }
    }
}

/// Both sides' platforms and the trust every peer shares (a Verifier that appraises their
/// Evidence).
#[derive(Debug)]
pub struct Platforms {
    /// The server's platform.
    pub server: AnyTee,
    /// The client's platform.
    pub client: AnyTee,
    /// The shared trust.
    pub trust: Arc<Embedded>,
}

/// The platforms of `kind`; a tampered side measures something the reference values do not
/// expect (its attestation must be refused with the platform's policy reason).
///
/// # Errors
///
/// A set-up failure, or a platform not built into this binary.
pub fn platforms(
    kind: TeeKind,
    server_tampered: bool,
    client_tampered: bool,
) -> Result<Platforms, SetupError> {
    match kind {
        TeeKind::Sim => sim(server_tampered, client_tampered),
        TeeKind::Tdx => tdx::platforms(server_tampered, client_tampered),
        TeeKind::Snp => snp::platforms(server_tampered, client_tampered),
        TeeKind::Tpm => tpm::platforms(server_tampered, client_tampered),
        TeeKind::Psa => psa::platforms(server_tampered, client_tampered),
    }
}

fn sim_tee(seed: u8, tampered: bool) -> Result<Tee, SetupError> {
    Ok(if tampered {
        tampered_tee(seed)?
    } else {
        reference_tee(seed)?
    })
}

fn sim(server_tampered: bool, client_tampered: bool) -> Result<Platforms, SetupError> {
    let server = sim_tee(0x11, server_tampered)?;
    let client = sim_tee(0x22, client_tampered)?;
    let trust = Embedded::trusting(&[&server, &client])?;
    Ok(Platforms {
        server: server.into(),
        client: client.into(),
        trust,
    })
}

#[cfg(feature = "tdx")]
mod tdx {
    use seat_evidence::platform_sim::tdx::{SimTdx, SimTdxConfig};
    use seat_verify::Collateral;
    use seat_verify::embedded::{AnyTee, Embedded, SetupError, now};
    use seat_verify::tdx::{TdxFormat, TdxPolicy};

    use super::Platforms;

    /// The seed of the test PKI both simulated platforms chain to (their "Intel root").
    const PKI_SEED: [u8; 32] = [0x1e; 32];

    /// A reference TD on a platform whose keys come from `seed`; a tampered one has an
    /// unexpected RTMR2 (the measurement of another kernel and its command line).
    fn config(seed: u8, tampered: bool, issued_at: u64) -> SimTdxConfig {
        let mut c = SimTdxConfig::new([seed; 32], issued_at);
        c.pki_seed = PKI_SEED;
        if tampered {
            c.rtmr[2] = [0x66; 48];
        }
        c
    }

    fn sim(c: SimTdxConfig) -> Result<SimTdx, SetupError> {
        SimTdx::new(c).map_err(|e| SetupError::new(format!("TDX simulator: {e}")))
    }

    /// Two simulated TDX platforms on one test PKI, and a Verifier that trusts its root,
    /// holds its collateral (issued a minute ago, valid 30 days) and expects the reference
    /// TD's MRTD and RTMRs.
    pub(super) fn platforms(
        server_tampered: bool,
        client_tampered: bool,
    ) -> Result<Platforms, SetupError> {
        let issued = now().saturating_sub(60);
        let server = sim(config(0x11, server_tampered, issued))?;
        let client = sim(config(0x22, client_tampered, issued))?;
        let mut policy = TdxPolicy::default();
        policy.reference_values = config(0x11, false, issued).reference_measurements();
        let format = TdxFormat::with_root("sim-tdx-root", server.root_der().to_vec(), policy);
        let mut collateral = Collateral::new();
        collateral.add_tdx_json(server.collateral_json())?;
        let trust = Embedded::trusting_platforms(&[], vec![Box::new(format)], collateral)?;
        Ok(Platforms {
            server: AnyTee::attester(server),
            client: AnyTee::attester(client),
            trust,
        })
    }
}

#[cfg(not(feature = "tdx"))]
mod tdx {
    use seat_verify::embedded::SetupError;

    use super::Platforms;

    pub(super) fn platforms(_: bool, _: bool) -> Result<Platforms, SetupError> {
        Err(SetupError::new(
            "the TDX simulator is not built into this binary: build seat-examples with \
             --features tdx (`cargo xtask demo --tee tdx` does)",
        ))
    }
}

#[cfg(feature = "snp")]
mod snp {
    use seat_evidence::platform_sim::snp::{SimSnp, SimSnpConfig};
    use seat_verify::Collateral;
    use seat_verify::collateral::SnpProduct;
    use seat_verify::embedded::{AnyTee, Embedded, SetupError};
    use seat_verify::snp::{SnpFormat, SnpPolicy};

    use super::Platforms;

    /// The reference guest's MEASUREMENT (the simulator's default launch digest).
    const REFERENCE_MEASUREMENT: [u8; 48] = [0x11; 48];

    /// A Milan guest on a platform whose keys (ARK, ASK, VCEK) come from `seed`; a tampered
    /// one launched another image (another MEASUREMENT).
    fn sim(seed: u8, tampered: bool) -> Result<SimSnp, SetupError> {
        let mut config = SimSnpConfig::default();
        config.measurement = if tampered {
            [0x66; 48]
        } else {
            REFERENCE_MEASUREMENT
        };
        SimSnp::new([seed; 32], config).map_err(|e| SetupError::new(format!("SNP simulator: {e}")))
    }

    /// Two simulated SEV-SNP platforms (each with its own test ARK and ASK, as two AMD
    /// products would have), and a Verifier that trusts both roots, holds both VCEKs and
    /// expects the reference guest's MEASUREMENT.
    pub(super) fn platforms(
        server_tampered: bool,
        client_tampered: bool,
    ) -> Result<Platforms, SetupError> {
        let server = sim(0x11, server_tampered)?;
        let client = sim(0x22, client_tampered)?;
        let mut policy = SnpPolicy::default();
        policy.reference_values = vec![("measurement".to_owned(), REFERENCE_MEASUREMENT.to_vec())];
        let format = SnpFormat::without_roots(policy)
            .with_root(SnpProduct::Milan, server.ark_der(), server.ask_der())?
            .with_root(SnpProduct::Milan, client.ark_der(), client.ask_der())?;
        let mut collateral = Collateral::new();
        collateral.add_snp_vcek(server.vcek_der())?;
        collateral.add_snp_vcek(client.vcek_der())?;
        let trust = Embedded::trusting_platforms(&[], vec![Box::new(format)], collateral)?;
        Ok(Platforms {
            server: AnyTee::attester(server),
            client: AnyTee::attester(client),
            trust,
        })
    }
}

#[cfg(not(feature = "snp"))]
mod snp {
    use seat_verify::embedded::SetupError;

    use super::Platforms;

    pub(super) fn platforms(_: bool, _: bool) -> Result<Platforms, SetupError> {
        Err(SetupError::new(
            "the SEV-SNP simulator is not built into this binary: build seat-examples with \
             --features snp (`cargo xtask demo --tee snp` does)",
        ))
    }
}

#[cfg(feature = "tpm")]
mod tpm {
    use seat_binding::provider::default_provider;
    use seat_evidence::platform_sim::tpm::{SimAkCertificate, SimTpmConfig, SimulatedTpm};
    use seat_verify::Collateral;
    use seat_verify::embedded::{AnyTee, Embedded, SetupError};
    use seat_verify::tpm::{PcrReference, TpmFormat, TpmHash, TpmPolicy};

    use super::Platforms;

    /// A TPM whose attestation key comes from `seed`, certified by the simulator's default
    /// test AK CA, with the reference PCRs (0 to 7 of the SHA-256 bank); a tampered one booted
    /// something else (another PCR 7: Secure Boot policy).
    fn sim(seed: u8, tampered: bool) -> Result<SimulatedTpm, SetupError> {
        let mut config = SimTpmConfig::default();
        config.seed = [seed; 32];
        config.ak_certificate = Some(SimAkCertificate::default());
        if tampered && let Some(pcr) = config.pcrs.iter_mut().find(|(i, _)| *i == 7) {
            pcr.1 = [0x66; 32];
        }
        SimulatedTpm::new(config, default_provider())
            .map_err(|e| SetupError::new(format!("TPM simulator: {e}")))
    }

    /// Two simulated TPMs, and a Verifier that trusts the test AK CA that certifies both
    /// attestation keys (nothing pinned) and expects the reference PCR values.
    pub(super) fn platforms(
        server_tampered: bool,
        client_tampered: bool,
    ) -> Result<Platforms, SetupError> {
        let server = sim(0x11, server_tampered)?;
        let client = sim(0x22, client_tampered)?;
        let ca = server
            .ak_ca_certificate_der()
            .ok_or_else(|| SetupError::new("TPM simulator: no AK CA certificate"))?;
        let mut policy = TpmPolicy::new(Vec::new())
            .with_ak_root("sim-tpm-test-ak-ca", ca)
            .map_err(|e| SetupError::new(format!("TPM AK root: {e}")))?;
        policy.reference_pcrs = SimTpmConfig::default()
            .pcrs
            .iter()
            .map(|(index, value)| PcrReference {
                bank: TpmHash::Sha256,
                index: *index,
                value: value.to_vec(),
            })
            .collect();
        let trust = Embedded::trusting_platforms(
            &[],
            vec![Box::new(TpmFormat::new(policy))],
            Collateral::new(),
        )?;
        Ok(Platforms {
            server: AnyTee::attester(server),
            client: AnyTee::attester(client),
            trust,
        })
    }
}

#[cfg(not(feature = "tpm"))]
mod tpm {
    use seat_verify::embedded::SetupError;

    use super::Platforms;

    pub(super) fn platforms(_: bool, _: bool) -> Result<Platforms, SetupError> {
        Err(SetupError::new(
            "the TPM simulator is not built into this binary: build seat-examples with \
             --features tpm (`cargo xtask demo --tee tpm` does)",
        ))
    }
}

#[cfg(feature = "psa")]
mod psa {
    use seat_binding::provider::default_provider;
    use seat_evidence::platform_sim::psa::{SimPsaConfig, SimulatedPsa};
    use seat_verify::Collateral;
    use seat_verify::embedded::{AnyTee, Embedded, SetupError};
    use seat_verify::psa::{PsaComponentReference, PsaFormat, PsaIak, PsaKey, PsaPolicy};

    use super::Platforms;

    /// A PSA root of trust whose IAK comes from `seed`, running the reference firmware; a
    /// tampered one runs another application RoT (`ARoT`).
    fn sim(seed: u8, tampered: bool) -> Result<SimulatedPsa, SetupError> {
        let mut config = SimPsaConfig::default();
        config.seed = [seed; 32];
        if tampered
            && let Some(c) = config
                .components
                .iter_mut()
                .find(|c| c.measurement_type.as_deref() == Some("ARoT"))
        {
            c.measurement_value = vec![0x66; 32];
        }
        SimulatedPsa::new(config, default_provider())
            .map_err(|e| SetupError::new(format!("PSA simulator: {e}")))
    }

    fn iak(name: &str, sim: &SimulatedPsa) -> PsaIak {
        PsaIak {
            name: name.into(),
            instance_id: Some(sim.instance_id()),
            key: PsaKey::Spki(sim.iak_spki()),
        }
    }

    /// Two simulated PSA roots of trust, and a Verifier that trusts both IAKs (each pinned to
    /// its instance), accepts the reference implementation and expects the reference
    /// firmware's component measurements.
    pub(super) fn platforms(
        server_tampered: bool,
        client_tampered: bool,
    ) -> Result<Platforms, SetupError> {
        let server = sim(0x11, server_tampered)?;
        let client = sim(0x22, client_tampered)?;
        let reference = SimPsaConfig::default();
        let mut policy = PsaPolicy::new(vec![
            iak("sim-psa-server", &server),
            iak("sim-psa-client", &client),
        ]);
        policy.implementation_ids = vec![reference.implementation_id.to_vec()];
        policy.reference_components = reference
            .components
            .iter()
            .filter_map(|c| {
                Some(PsaComponentReference {
                    measurement_type: c.measurement_type.clone()?,
                    measurement_value: c.measurement_value.clone(),
                })
            })
            .collect();
        let trust = Embedded::trusting_platforms(
            &[],
            vec![Box::new(PsaFormat::new(policy))],
            Collateral::new(),
        )?;
        Ok(Platforms {
            server: AnyTee::attester(server),
            client: AnyTee::attester(client),
            trust,
        })
    }
}

#[cfg(not(feature = "psa"))]
mod psa {
    use seat_verify::embedded::SetupError;

    use super::Platforms;

    pub(super) fn platforms(_: bool, _: bool) -> Result<Platforms, SetupError> {
        Err(SetupError::new(
            "the PSA simulator is not built into this binary: build seat-examples with \
             --features psa (`cargo xtask demo --tee psa` does)",
        ))
    }
}
