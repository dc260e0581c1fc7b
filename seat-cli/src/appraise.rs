//! `seat appraise`: run the Verifier on captured Evidence, offline.
//!
//! The Verifier is `seat-verify`'s, configured from the policy file's `[verifier]` table; it
//! signs the EAR it issues with a key made for this run (its SPKI is printed, so the EAR can
//! be checked). The binder is the one the Relying Party computed for the exchange the Evidence
//! was produced for; it is never read from the Evidence.

use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{SignatureAlgorithm, default_provider};
use seat_evidence::cmw::{AnyCmw, Cmw};
use seat_evidence::cose::CoseSign1;
use seat_evidence::ear::Tier;
use seat_evidence::eat::{ClaimsSet, Confirmation};
use seat_verify::policy::Policy;
use seat_verify::rp::BindingLevel;
use seat_verify::verifier::{AppraisalRequest, ResultForm, Verifier};

use crate::inspect;
use crate::report::{Node, hex_short, unix_time};

/// What `seat appraise` was given.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    /// The policy file's text.
    pub policy: &'a str,
    /// The Evidence: a CMW record with `ind` Evidence.
    pub evidence: &'a [u8],
    /// The binder the Relying Party computed.
    pub binder: &'a [u8],
    /// The hash of the attestation key's SPKI; `None` takes the Evidence's own `cnf`, and the
    /// output says the key binding was not checked.
    pub aik_pub_hash: Option<&'a [u8]>,
    /// Seconds since the Unix epoch.
    pub now: u64,
    /// How the EAR is issued.
    pub form: ResultForm,
}

/// The outcome: the explanation and whether the Evidence passed.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What to print.
    pub report: Node,
    /// Accepted: no finding, and a status the policy's `required_tier` allows.
    pub accepted: bool,
}

/// Runs the Verifier.
///
/// # Errors
///
/// A message for input errors (exit status 2): a bad policy, a binder of the wrong size, no
/// way to learn the AIK hash, a Verifier key that cannot be made.
pub fn run(input: &Input<'_>) -> Result<Outcome, String> {
    let policy = Policy::from_toml(input.policy).map_err(|e| format!("policy: {e}"))?;
    if !(8..=64).contains(&input.binder.len()) {
        return Err(format!(
            "--binder: {} bytes; a binder is 8 to 64 bytes",
            input.binder.len()
        ));
    }
    let (aik, aik_checked) = match input.aik_pub_hash {
        Some(a) => (a.to_vec(), true),
        None => (
            evidence_kid(input.evidence)
                .ok_or("the Evidence carries no cnf key id to default to: give --aik-hash HEX")?,
            false,
        ),
    };
    let provider = default_provider();
    let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("cannot make the Verifier's key: {e}"))?;
    let key = provider
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &key_pair.serialize_der(),
        )
        .map_err(|e| format!("cannot load the Verifier's key: {e}"))?;
    let required = policy.relying_party.required_tier;
    let verifier = Verifier::new(policy.verifier, key, provider)
        .map_err(|e| format!("cannot make the Verifier: {e}"))?;

    let mut report = Node::leaf("appraisal", "");
    report.push(Node::leaf("binder", hex_short(input.binder)));
    report.push(Node::leaf(
        "aik_pub_hash",
        if aik_checked {
            hex_short(&aik)
        } else {
            format!(
                "{} (taken from the Evidence's cnf: the key binding is NOT checked; give \
                 --aik-hash)",
                hex_short(&aik)
            )
        },
    ));
    report.push(Node::leaf(
        "now",
        unix_time(i64::try_from(input.now).unwrap_or(i64::MAX)),
    ));
    let request = AppraisalRequest {
        cmw: input.evidence,
        binder: input.binder,
        aik_pub_hash: &aik,
        now_unix_secs: input.now,
    };
    let result = verifier.appraise(
        &request,
        input.form,
        BindingLevel::Exchange,
        &mut AwsLcRandom,
    );
    let r = match result {
        Err(seat_verify::Error::Rejected(reason)) => {
            report.push(Node::failure("verdict", "rejected"));
            report.push(Node::failure(
                "finding",
                format!("stage {}: {reason}", reason.stage()),
            ));
            report.push(evidence_view(input.evidence));
            return Ok(Outcome {
                report,
                accepted: false,
            });
        }
        Err(e) => return Err(format!("the Verifier failed: {e}")),
        Ok(r) => r,
    };
    let status = r.status();
    let tier_ok = status != Tier::None && status <= required;
    let accepted = r.findings().is_empty() && tier_ok;
    report.push(if accepted {
        Node::leaf("verdict", format!("accepted (status {})", status.name()))
    } else {
        Node::failure(
            "verdict",
            format!(
                "refused (status {}, the policy requires {})",
                status.name(),
                required.name()
            ),
        )
    });
    report.push(Node::leaf(
        "stages",
        "decode, signature, binding, freshness: passed",
    ));
    for finding in r.findings() {
        report.push(Node::failure(
            "finding",
            format!("stage {}: {finding}", finding.stage()),
        ));
    }
    report.push(Node::leaf("attestation key", r.anchor().to_string()));
    let c = r.claims();
    let mut claims = Node::leaf("claims", "")
        .with(Node::leaf("eat_profile", format!("{:?}", c.profile)))
        .with(Node::leaf("eat_nonce", hex_short(&c.nonce)))
        .with(Node::leaf("cnf kid", hex_short(&c.aik_pub_hash)))
        .with(Node::leaf(
            "iat",
            c.iat.map_or_else(|| "absent".to_string(), unix_time),
        ))
        .with(Node::leaf(
            "ueid",
            c.ueid
                .as_deref()
                .map_or_else(|| "absent".to_string(), hex_short),
        ))
        .with(Node::leaf("swname", format!("{:?}", c.swname)))
        .with(Node::leaf("swversion", format!("{:?}", c.swversion)))
        .with(Node::leaf(
            "dbgstat",
            c.dbgstat.map_or_else(
                || "absent".to_string(),
                |d| {
                    crate::names::dbgstat(i64::from(d))
                        .map_or_else(|| d.to_string(), |n| format!("{d} ({n})"))
                },
            ),
        ))
        .with(Node::leaf(
            "oemboot",
            c.secure_boot
                .map_or_else(|| "absent".to_string(), |b| b.to_string()),
        ));
    let mut m = Node::leaf("measurements", "");
    for (name, digest) in &c.measurements {
        m.push(Node::leaf(name.clone(), hex_short(digest)));
    }
    claims.push(m);
    report.push(claims);
    let mut ear = inspect::cmw(r.result(), 0);
    ear.name = format!("EAR: {}", ear.name);
    report.push(ear);
    report.push(Node::leaf(
        "verifier key (SPKI, made for this run)",
        hex::encode(verifier.public_key_spki()),
    ));
    Ok(Outcome { report, accepted })
}

/// The Evidence explained, for a rejection.
fn evidence_view(evidence: &[u8]) -> Node {
    let mut n = inspect::cmw(evidence, 0);
    n.name = format!("evidence: {}", n.name);
    n
}

/// The `cnf` key id of the Evidence, read without checking its signature.
fn evidence_kid(evidence: &[u8]) -> Option<Vec<u8>> {
    let AnyCmw::Cbor(Cmw::Record(record)) = AnyCmw::decode(evidence).ok()? else {
        return None;
    };
    let (msg, _) = CoseSign1::decode(record.value()).ok()?;
    let claims = ClaimsSet::decode(msg.payload()?).ok()?;
    match claims.cnf? {
        Confirmation::Kid(k) => Some(k),
        _ => None,
    }
}
