//! Platform Evidence in recorded sessions: the Intel TDX and AMD SEV-SNP simulators of
//! `seat_evidence::platform_sim` (test roots) as a side's TEE, and the Verifier formats that
//! appraise their quotes and reports (`seat_verify::tdx::TdxFormat::with_root`,
//! `seat_verify::snp::SnpFormat::without_roots(..).with_root(..)`) with the recorded roots and
//! collateral.
//!
//! A platform side's `tee` object names its platform (`"platform": "tdx"` or `"snp"`) and
//! carries the simulator's seed and every configuration field, so a replay (or another
//! implementation) rebuilds the same platform, whose quotes and reports are deterministic
//! (RFC 6979 ECDSA); the public keys it recorded (TDX attestation and PCK keys, SNP chip id and
//! VCEK) are checked against the rebuilt platform. The Verifier's `formats` and `collateral`
//! in `trust` carry the trust material: the TDX root certificate and collateral JSON, the SNP
//! ARK and ASK of each platform and the VCEKs.

use std::sync::{Mutex, OnceLock};

use seat_binding::provider::SignatureAlgorithm;
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::platform_sim::snp::{SimProduct, SimSigningKey, SimSnp, SimSnpConfig, SimTcb};
use seat_evidence::platform_sim::tdx::{SimTdx, SimTdxConfig};
use seat_evidence::sim::{MintedAik, SimulatedTee};
use seat_verify::collateral::SnpProduct;
use seat_verify::format::EvidenceFormat;
use seat_verify::snp::{SnpFormat, SnpPolicy};
use seat_verify::tdx::{TdxFormat, TdxPolicy};
use seat_verify::{Collateral, TcbStatus};
use serde_json::{Value, json};

use crate::runner::{bytes, field, text};

/// A side's TEE: the simulated TEE of `seat_evidence::sim`, or a platform simulator.
pub(crate) enum Tee {
    /// EAT Evidence in COSE_Sign1.
    Sim(Box<SimulatedTee>),
    /// TDX quotes in the tsm-report CMW.
    Tdx(Box<SimTdx>),
    /// SNP reports in the tsm-report CMW.
    Snp(Box<SimSnp>),
}

impl Tee {
    /// The Evidence CMW for `request`.
    pub(crate) fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, String> {
        match self {
            Self::Sim(t) => t.attest(request),
            Self::Tdx(t) => t.attest(request),
            Self::Snp(t) => t.attest(request),
        }
        .map_err(|e| e.to_string())
    }

    /// An AIK minted by the simulated TEE (platform simulators mint none).
    pub(crate) fn mint_aik(
        &mut self,
        alg: SignatureAlgorithm,
        subject: &str,
        now: u64,
    ) -> Result<MintedAik, String> {
        match self {
            Self::Sim(t) => t.mint_aik(alg, subject, now).map_err(|e| e.to_string()),
            _ => Err("a platform simulator mints no AIK".into()),
        }
    }
}

fn num(v: &Value, name: &str) -> Result<u64, String> {
    field(v, name)?
        .as_u64()
        .ok_or_else(|| format!("field {name} is not a number"))
}

fn flag(v: &Value, name: &str) -> Result<bool, String> {
    field(v, name)?
        .as_bool()
        .ok_or_else(|| format!("field {name} is not a bool"))
}

fn fixed<const N: usize>(v: &Value, name: &str) -> Result<[u8; N], String> {
    <[u8; N]>::try_from(bytes(v, name)?).map_err(|_| format!("{name}: not {N} bytes"))
}

fn fixed_of<const N: usize>(v: &Value, what: &str) -> Result<[u8; N], String> {
    v.as_str()
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| format!("{what}: not {N} hex bytes"))
}

fn narrow<T: TryFrom<u64>>(v: &Value, name: &str) -> Result<T, String> {
    T::try_from(num(v, name)?).map_err(|_| format!("{name}: out of range"))
}

fn measurements(v: &Value, name: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("{name} is not an array"))?
        .iter()
        .map(|m| Ok((text(m, "name")?.to_string(), bytes(m, "digest")?)))
        .collect()
}

fn measurements_json(m: &[(String, Vec<u8>)]) -> Value {
    json!(
        m.iter()
            .map(|(n, d)| json!({"name": n, "digest": hex::encode(d)}))
            .collect::<Vec<_>>()
    )
}

// --- TDX --------------------------------------------------------------------------------------

/// The simulated TDX platform of `seed`, its PKI (root, collateral) from `pki_seed`,
/// collateral issued a day before `now`.
pub(crate) fn tdx_config(seed: u8, pki_seed: u8, now: u64) -> SimTdxConfig {
    let mut c = SimTdxConfig::new([seed; 32], now.saturating_sub(86_400));
    c.pki_seed = [pki_seed; 32];
    c
}

/// The `tee` object of a TDX side.
pub(crate) fn tdx_json(c: &SimTdxConfig) -> Result<Value, String> {
    let s = SimTdx::new(c.clone()).map_err(|e| e.to_string())?;
    Ok(json!({
        "platform": "tdx",
        "seed": hex::encode(c.seed),
        "pki_seed": hex::encode(c.pki_seed),
        "issued_at": c.issued_at,
        "collateral_validity_secs": c.collateral_validity_secs,
        "version": c.version,
        "tee_type": c.tee_type,
        "fmspc": hex::encode(c.fmspc),
        "pce_svn": c.pce_svn,
        "pck_revoked": c.pck_revoked,
        "mr_td": hex::encode(c.mr_td),
        "rtmr": c.rtmr.iter().map(hex::encode).collect::<Vec<_>>(),
        "mr_config_id": hex::encode(c.mr_config_id),
        "mr_owner": hex::encode(c.mr_owner),
        "mr_owner_config": hex::encode(c.mr_owner_config),
        "debug": c.debug,
        "attestation_key_spki": hex::encode(s.attestation_key_spki()),
        "pck_spki": hex::encode(s.pck_spki()),
    }))
}

fn tdx_from_json(t: &Value) -> Result<SimTdx, String> {
    let mut c = SimTdxConfig::new(fixed(t, "seed")?, num(t, "issued_at")?);
    c.pki_seed = fixed(t, "pki_seed")?;
    c.collateral_validity_secs = num(t, "collateral_validity_secs")?;
    c.version = narrow(t, "version")?;
    c.tee_type = narrow(t, "tee_type")?;
    c.fmspc = fixed(t, "fmspc")?;
    c.pce_svn = narrow(t, "pce_svn")?;
    c.pck_revoked = flag(t, "pck_revoked")?;
    c.mr_td = fixed(t, "mr_td")?;
    let rtmr = field(t, "rtmr")?
        .as_array()
        .ok_or("rtmr is not an array")?
        .iter()
        .map(|r| fixed_of::<48>(r, "rtmr"))
        .collect::<Result<Vec<_>, _>>()?;
    c.rtmr = <[[u8; 48]; 4]>::try_from(rtmr).map_err(|_| "rtmr: not four registers")?;
    c.mr_config_id = fixed(t, "mr_config_id")?;
    c.mr_owner = fixed(t, "mr_owner")?;
    c.mr_owner_config = fixed(t, "mr_owner_config")?;
    c.debug = flag(t, "debug")?;
    let s = SimTdx::new(c).map_err(|e| e.to_string())?;
    if s.attestation_key_spki() != bytes(t, "attestation_key_spki")?
        || s.pck_spki() != bytes(t, "pck_spki")?
    {
        return Err("tee: the TDX seed gives other attestation or PCK keys".into());
    }
    Ok(s)
}

/// The Verifier's TDX format and collateral for platforms configured as `configs` (which
/// share one PKI, so one root and one collateral).
pub(crate) fn tdx_trust(configs: &[&SimTdxConfig]) -> Result<(Value, Value), String> {
    let mut roots: Vec<Vec<u8>> = Vec::new();
    let mut collateral: Vec<String> = Vec::new();
    for c in configs {
        let s = SimTdx::new((*c).clone()).map_err(|e| e.to_string())?;
        if !roots.iter().any(|r| r == s.root_der()) {
            roots.push(s.root_der().to_vec());
        }
        let text = String::from_utf8(s.collateral_json().to_vec()).map_err(|e| e.to_string())?;
        if !collateral.contains(&text) {
            collateral.push(text);
        }
    }
    let [root] = roots.as_slice() else {
        return Err("TDX platforms of a recording share one root".into());
    };
    let reference = configs
        .first()
        .map(|c| c.reference_measurements())
        .unwrap_or_default();
    if configs
        .iter()
        .any(|c| c.reference_measurements() != reference)
    {
        return Err("TDX platforms of a recording run the same TD".into());
    }
    let policy = TdxPolicy::default();
    Ok((
        json!({
            "format": "tdx",
            "name": "sim-tdx",
            "root_der": hex::encode(root),
            "reference_values": measurements_json(&reference),
            "worst_tcb": policy.worst_tcb.name(),
            "allow_debug": policy.allow_debug,
        }),
        json!({"tdx_json": collateral}),
    ))
}

fn tdx_format(f: &Value) -> Result<TdxFormat, String> {
    let mut policy = TdxPolicy::default();
    policy.reference_values = measurements(f, "reference_values")?;
    policy.worst_tcb = TcbStatus::from_name(text(f, "worst_tcb")?)
        .ok_or_else(|| format!("unknown TCB status {}", text(f, "worst_tcb").unwrap_or("")))?;
    policy.allow_debug = flag(f, "allow_debug")?;
    Ok(TdxFormat::with_root(
        text(f, "name")?,
        bytes(f, "root_der")?,
        policy,
    ))
}

// --- SEV-SNP ------------------------------------------------------------------------------------

/// A platform built: its seed, its configuration, the platform.
type SnpBuilt = ([u8; 32], SimSnpConfig, SimSnp);

/// Platforms already built, by seed and configuration: the simulator generates three RSA keys
/// per platform, and a replay (the byte-flip test replays hundreds of times) rebuilds the same
/// few platforms.
fn snp_cache() -> &'static Mutex<Vec<SnpBuilt>> {
    static CACHE: OnceLock<Mutex<Vec<SnpBuilt>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Vec::new()))
}

/// The simulated SNP platform of `seed` with `config` (built once per process).
pub(crate) fn snp_platform(seed: [u8; 32], config: &SimSnpConfig) -> Result<SimSnp, String> {
    let mut cache = snp_cache().lock().map_err(|_| "poisoned")?;
    if let Some((_, _, s)) = cache.iter().find(|(k, c, _)| *k == seed && c == config) {
        return Ok(s.clone());
    }
    let s = SimSnp::new(seed, config.clone()).map_err(|e| e.to_string())?;
    cache.push((seed, config.clone(), s.clone()));
    Ok(s)
}

fn tcb_json(t: SimTcb) -> Value {
    json!({"bootloader": t.bootloader, "tee": t.tee, "snp": t.snp, "microcode": t.microcode})
}

fn tcb_of(v: &Value) -> Result<SimTcb, String> {
    Ok(SimTcb {
        bootloader: narrow(v, "bootloader")?,
        tee: narrow(v, "tee")?,
        snp: narrow(v, "snp")?,
        microcode: narrow(v, "microcode")?,
    })
}

/// The `tee` object of an SNP side: the platform of `seed` with the default configuration.
pub(crate) fn snp_json(seed: [u8; 32], c: &SimSnpConfig) -> Result<Value, String> {
    let s = snp_platform(seed, c)?;
    if c.signing_key != SimSigningKey::Vcek {
        return Err("recorded SNP platforms sign with their VCEK".into());
    }
    Ok(json!({
        "platform": "snp",
        "seed": hex::encode(seed),
        "product": c.product.name(),
        "signing_key": "vcek",
        "measurement": hex::encode(c.measurement),
        "host_data": hex::encode(c.host_data),
        "id_key_digest": hex::encode(c.id_key_digest),
        "author_key_digest": hex::encode(c.author_key_digest),
        "family_id": hex::encode(c.family_id),
        "image_id": hex::encode(c.image_id),
        "guest_svn": c.guest_svn,
        "policy": c.policy,
        "vmpl": c.vmpl,
        "tcb": tcb_json(c.tcb),
        "reported_tcb": c.reported_tcb.map_or(Value::Null, tcb_json),
        "vek_validity": [c.vek_validity.0, c.vek_validity.1],
        "chip_id": hex::encode(s.chip_id()),
        "vcek_der": hex::encode(s.vcek_der()),
    }))
}

fn snp_from_json(t: &Value) -> Result<SimSnp, String> {
    let mut c = SimSnpConfig::default();
    c.product = match text(t, "product")? {
        "Milan" => SimProduct::Milan,
        "Genoa" => SimProduct::Genoa,
        other => return Err(format!("unknown SNP product {other}")),
    };
    if text(t, "signing_key")? != "vcek" {
        return Err("recorded SNP platforms sign with their VCEK".into());
    }
    c.signing_key = SimSigningKey::Vcek;
    c.measurement = fixed(t, "measurement")?;
    c.host_data = fixed(t, "host_data")?;
    c.id_key_digest = fixed(t, "id_key_digest")?;
    c.author_key_digest = fixed(t, "author_key_digest")?;
    c.family_id = fixed(t, "family_id")?;
    c.image_id = fixed(t, "image_id")?;
    c.guest_svn = narrow(t, "guest_svn")?;
    c.policy = num(t, "policy")?;
    c.vmpl = narrow(t, "vmpl")?;
    c.tcb = tcb_of(field(t, "tcb")?)?;
    c.reported_tcb = match field(t, "reported_tcb")? {
        Value::Null => None,
        r => Some(tcb_of(r)?),
    };
    let validity = field(t, "vek_validity")?
        .as_array()
        .and_then(|v| Some((v.first()?.as_u64()?, v.get(1)?.as_u64()?)))
        .ok_or("vek_validity: not two numbers")?;
    c.vek_validity = validity;
    let s = snp_platform(fixed(t, "seed")?, &c)?;
    if s.chip_id().as_slice() != bytes(t, "chip_id")? || s.vcek_der() != bytes(t, "vcek_der")? {
        return Err("tee: the SNP seed gives another chip id or VCEK".into());
    }
    Ok(s)
}

/// The Verifier's SNP format (each platform's ARK and ASK) and collateral (each VCEK) for the
/// platforms of `seeds` with configuration `c`.
pub(crate) fn snp_trust(seeds: &[[u8; 32]], c: &SimSnpConfig) -> Result<(Value, Value), String> {
    let mut roots = Vec::new();
    let mut vceks = Vec::new();
    for seed in seeds {
        let s = snp_platform(*seed, c)?;
        roots.push(json!({
            "product": c.product.name(),
            "ark_der": hex::encode(s.ark_der()),
            "ask_der": hex::encode(s.ask_der()),
        }));
        vceks.push(hex::encode(s.vcek_der()));
    }
    let policy = SnpPolicy::default();
    let reference = vec![
        ("measurement".to_string(), c.measurement.to_vec()),
        ("host_data".to_string(), c.host_data.to_vec()),
    ];
    Ok((
        json!({
            "format": "snp",
            "roots": roots,
            "reference_values": measurements_json(&reference),
            "allow_debug": policy.allow_debug,
            "allow_migration_agent": policy.allow_migration_agent,
            "allow_smt": policy.allow_smt,
            "require_crl": policy.require_crl,
        }),
        json!({"snp_vcek": vceks}),
    ))
}

fn snp_format(f: &Value) -> Result<SnpFormat, String> {
    let mut policy = SnpPolicy::default();
    policy.reference_values = measurements(f, "reference_values")?;
    policy.allow_debug = flag(f, "allow_debug")?;
    policy.allow_migration_agent = flag(f, "allow_migration_agent")?;
    policy.allow_smt = flag(f, "allow_smt")?;
    policy.require_crl = flag(f, "require_crl")?;
    let mut format = SnpFormat::without_roots(policy);
    for r in field(f, "roots")?
        .as_array()
        .ok_or("roots is not an array")?
    {
        let product = match text(r, "product")? {
            "Milan" => SnpProduct::Milan,
            "Genoa" => SnpProduct::Genoa,
            "Turin" => SnpProduct::Turin,
            other => return Err(format!("unknown SNP product {other}")),
        };
        format = format
            .with_root(product, &bytes(r, "ark_der")?, &bytes(r, "ask_der")?)
            .map_err(|e| e.to_string())?;
    }
    Ok(format)
}

// --- Reading a recording ------------------------------------------------------------------------

/// The TEE a side's `tee` object describes: a platform simulator when it names a `platform`,
/// else the simulated TEE built by `sim`.
pub(crate) fn tee(
    t: &Value,
    sim: impl FnOnce(&Value) -> Result<SimulatedTee, String>,
) -> Result<Tee, String> {
    match t.get("platform").and_then(Value::as_str) {
        None => Ok(Tee::Sim(Box::new(sim(t)?))),
        Some("tdx") => Ok(Tee::Tdx(Box::new(tdx_from_json(t)?))),
        Some("snp") => Ok(Tee::Snp(Box::new(snp_from_json(t)?))),
        Some(other) => Err(format!("unknown platform {other}")),
    }
}

/// A Verifier's Evidence formats and the collateral they appraise with.
pub(crate) type Formats = (Vec<Box<dyn EvidenceFormat>>, Collateral);

/// The Evidence formats and collateral of the recorded Verifier, when it names `formats`
/// (platform recordings); `None` for the simulated TEE's format alone.
///
/// # Errors
///
/// A field that is missing or does not load.
pub(crate) fn formats(verifier: &Value) -> Result<Option<Formats>, String> {
    let Some(list) = verifier.get("formats") else {
        return Ok(None);
    };
    let mut formats: Vec<Box<dyn EvidenceFormat>> = Vec::new();
    for f in list.as_array().ok_or("formats is not an array")? {
        match text(f, "format")? {
            "tdx" => formats.push(Box::new(tdx_format(f)?)),
            "snp" => formats.push(Box::new(snp_format(f)?)),
            other => return Err(format!("unknown format {other}")),
        }
    }
    let c = field(verifier, "collateral")?;
    let mut collateral = Collateral::new();
    let list = |name: &str| -> Vec<Value> {
        c.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for j in list("tdx_json") {
        let j = j.as_str().ok_or("tdx_json: not a string")?;
        collateral
            .add_tdx_json(j.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    for v in list("snp_vcek") {
        let der = v
            .as_str()
            .and_then(|s| hex::decode(s).ok())
            .ok_or("snp_vcek: not hex")?;
        collateral.add_snp_vcek(&der).map_err(|e| e.to_string())?;
    }
    Ok(Some((formats, collateral)))
}
