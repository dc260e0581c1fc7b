//! Recorded OpenSSL sessions (`early-session`): real OpenSSL 3 TLS 1.3 handshakes between
//! two endpoints in one process (the in-memory duplex of `seat_verify::embedded::early`),
//! carrying `remoteAttestation` through seat-proto's OpenSSL adapter, with the published
//! embedded defaults' simulated TEEs as Attesters and their in-process Verifier.
//!
//! Each recording keeps every handshake message in order as OpenSSL's message callback
//! reported it (plaintext, 4-byte header, also the encrypted flight), each side's
//! configuration, the `remoteAttestation` of each message, the CMWs, and what each side
//! computed and decided (the adapter's [`outcome`]). The runner replays it through fresh
//! negotiation machines and recomputes the binders from the recorded bytes.
//!
//! Each recording also carries the trust the endpoints appraised against (`trust`): the embedded
//! Verifier (its EAR-signing SPKI, the identity the passport scheme names, its EAR
//! `verifier-id`, the simulated TEEs' attestation keys with the side each one attests, the
//! reference values and the policy bounds) and the Relying-Party policy. The Verifier's key is
//! fresh per run, so only its public SPKI is recorded.

use std::sync::Arc;

use openssl::ssl::{Ssl, SslContextBuilder};
use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, default_provider};
use seat_proto::codepoints::{CodePoints, HandshakeType};
use seat_proto::negotiation::{ClientConfig, HRR_READING, ServerConfig};
use seat_proto::openssl_glue::{EarlyOutcome, attach_client, attach_server, failure, outcome};
use seat_proto::remote_attestation::{AttestationScheme, RemoteAttestation};
use seat_verify::embedded::early::{context, evidence_scheme, handshake, passport_scheme};
use seat_verify::embedded::testing::Identity;
use seat_verify::embedded::{Embedded, EmbeddedHooks, PeerAttestation, Tee};
use serde_json::{Map, Value, json};

use crate::generate::early::scheme_json;
use crate::runner::early_session::{
    Recorded, end_entity, hello_messages, remote_attestation_in, spki_of,
};
use crate::vector::Vector;

const KIND: &str = "early-session";
const CP: CodePoints = CodePoints::DEFAULT;

/// One recorded scenario.
struct Scenario {
    name: &'static str,
    description: &'static str,
    client_offers_server: Vec<AttestationScheme>,
    client_offers_client: Vec<AttestationScheme>,
    server_attests_with: Vec<AttestationScheme>,
    server_accepts: Vec<AttestationScheme>,
    require_server: bool,
    require_client: bool,
    /// The server takes only P-256 key shares while the client's first share is X25519.
    hello_retry: bool,
    /// TLS_AES_256_GCM_SHA384 only (otherwise TLS_AES_128_GCM_SHA256 only).
    sha384: bool,
}

fn scenarios() -> Result<Vec<Scenario>, String> {
    let eat = evidence_scheme().map_err(|e| e.to_string())?;
    let passport = passport_scheme().map_err(|e| e.to_string())?;
    let plain = |name, description, cs, cc, sa, sacc, rs, rc| Scenario {
        name,
        description,
        client_offers_server: cs,
        client_offers_client: cc,
        server_attests_with: sa,
        server_accepts: sacc,
        require_server: rs,
        require_client: rc,
        hello_retry: false,
        sha384: false,
    };
    let mut out = vec![
        plain(
            "server-background-check",
            "server attests with an EAT the client's Verifier appraises (background check); the client does not attest",
            vec![eat.clone()],
            vec![],
            vec![eat.clone()],
            vec![],
            true,
            false,
        ),
        plain(
            "server-passport",
            "server attests with Attestation Results from verifier.example (passport)",
            vec![passport.clone()],
            vec![],
            vec![passport.clone()],
            vec![],
            true,
            false,
        ),
        plain(
            "client-background-check",
            "client attests with an EAT the server's Verifier appraises; the server does not attest",
            vec![],
            vec![eat.clone()],
            vec![],
            vec![eat.clone()],
            false,
            true,
        ),
        plain(
            "client-passport",
            "client attests with Attestation Results from verifier.example",
            vec![],
            vec![passport.clone()],
            vec![],
            vec![passport.clone()],
            false,
            true,
        ),
    ];
    out.push(Scenario {
        hello_retry: true,
        ..plain(
            "mutual-hello-retry-passport-and-background",
            "mutual: the server picks the client's first choice (passport, A14), the client attests with an EAT; after a HelloRetryRequest (A1)",
            vec![passport.clone(), eat.clone()],
            vec![eat.clone()],
            vec![eat.clone(), passport.clone()],
            vec![eat.clone()],
            true,
            true,
        )
    });
    out.push(Scenario {
        sha384: true,
        ..plain(
            "mutual-passport-sha384",
            "mutual passport over TLS_AES_256_GCM_SHA384: 48-byte binders",
            vec![passport.clone()],
            vec![passport.clone()],
            vec![passport.clone()],
            vec![passport.clone()],
            true,
            true,
        )
    });
    out.push(Scenario {
        sha384: true,
        hello_retry: true,
        ..plain(
            "mutual-background-sha384-hello-retry",
            "mutual background check over TLS_AES_256_GCM_SHA384 after a HelloRetryRequest",
            vec![eat.clone()],
            vec![eat.clone()],
            vec![eat.clone()],
            vec![eat],
            true,
            true,
        )
    });
    Ok(out)
}

fn tee(seed: u8) -> Result<Tee, String> {
    seat_verify::embedded::reference_tee(seed).map_err(|e| e.to_string())
}

/// The attestation key of `tee`.
fn tee_spki(tee: &Tee) -> Result<Vec<u8>, String> {
    Ok(tee
        .lock()
        .map_err(|_| "the TEE lock is poisoned".to_string())?
        .attestation_key_spki())
}

/// The trust the embedded Verifier and Relying Party hold: the public half only.
fn trust_json(world: &Embedded, server_tee: &Tee, client_tee: &Tee) -> Result<Value, String> {
    let (server_spki, client_spki) = (tee_spki(server_tee)?, tee_spki(client_tee)?);
    let policy = world.verifier().policy();
    let identity = match passport_scheme().map_err(|e| e.to_string())? {
        AttestationScheme::Result(id) => id.as_bytes().to_vec(),
        AttestationScheme::Evidence(_) => return Err("the passport scheme is not a result".into()),
    };
    let keys = policy
        .attestation_keys
        .iter()
        .map(|a| {
            let side = if a.spki == server_spki {
                "server"
            } else if a.spki == client_spki {
                "client"
            } else {
                return Err(format!("attestation key {} is no side's TEE", a.name));
            };
            Ok(json!({"name": a.name, "side": side, "spki": hex::encode(&a.spki)}))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let rv = &policy.reference_values;
    let rp = world.rp_policy();
    let [anchor] = rp.verifier_keys.as_slice() else {
        return Err("the Relying Party trusts more than one Verifier key".into());
    };
    let spki = world.verifier().public_key_spki();
    if anchor.spki != spki {
        return Err("the Relying Party does not trust the embedded Verifier".into());
    }
    Ok(json!({
        "verifier": {
            "spki": hex::encode(&spki),
            "identity": hex::encode(identity),
            "verifier_id": {"developer": policy.verifier_id.developer, "build": policy.verifier_id.build},
            "policy_id": policy.policy_id,
            "attestation_keys": keys,
            "reference_values": {
                "swname": rv.swname,
                "swversion": rv.swversion,
                "measurements": rv.measurements.iter()
                    .map(|(n, d)| json!({"name": n, "digest": hex::encode(d)}))
                    .collect::<Vec<_>>(),
            },
            "evidence_max_age_secs": policy.evidence_max_age_secs,
            "max_clock_skew_secs": policy.max_clock_skew_secs,
            "ear_validity_secs": policy.ear_validity_secs,
            "min_dbgstat": policy.min_dbgstat,
            "require_secure_boot": policy.require_secure_boot,
        },
        "relying_party": {
            "verifier_name": anchor.name,
            "required_tier": rp.required_tier.name(),
            "result_max_age_secs": rp.result_max_age_secs,
            "max_clock_skew_secs": rp.max_clock_skew_secs,
        },
    }))
}

fn schemes_json(l: &[AttestationScheme]) -> Value {
    json!(l.iter().map(scheme_json).collect::<Vec<_>>())
}

fn opt_hex(b: Option<&[u8]>) -> Value {
    b.map_or(Value::Null, |b| json!(hex::encode(b)))
}

fn side_json(o: &EarlyOutcome<PeerAttestation>) -> Value {
    json!({
        "server_scheme": o.server_scheme.as_ref().map_or(Value::Null, scheme_json),
        "client_scheme": o.client_scheme.as_ref().map_or(Value::Null, scheme_json),
        "own_binder": opt_hex(o.own_binder.as_deref()),
        "peer_binder": opt_hex(o.peer_binder.as_deref()),
        "peer_attested": o.peer_attested,
    })
}

/// The message sequence a side reported, as (sent by the client, bytes).
fn view(o: &EarlyOutcome<PeerAttestation>, client: bool) -> Vec<(bool, Vec<u8>)> {
    o.messages
        .iter()
        .map(|(sent, m)| (*sent == client, m.clone()))
        .collect()
}

fn ssl(b: SslContextBuilder) -> Result<Ssl, String> {
    Ssl::new(&b.build()).map_err(|e| e.to_string())
}

#[allow(clippy::too_many_lines)]
fn record(
    s: &Scenario,
    world: &Arc<Embedded>,
    trust: &Value,
    server_id: &Identity,
    client_id: &Identity,
) -> Result<Vector, String> {
    let mut cb = context(client_id, &[server_id], &CP).map_err(|e| e.to_string())?;
    let mut sb = context(server_id, &[client_id], &CP).map_err(|e| e.to_string())?;
    if s.hello_retry {
        cb.set_groups_list("X25519:P-256")
            .map_err(|e| e.to_string())?;
        sb.set_groups_list("P-256").map_err(|e| e.to_string())?;
    }
    // OpenSSL prefers TLS_AES_256_GCM_SHA384 by default: name the suite either way.
    let suite = if s.sha384 {
        "TLS_AES_256_GCM_SHA384"
    } else {
        "TLS_AES_128_GCM_SHA256"
    };
    for b in [&mut cb, &mut sb] {
        b.set_ciphersuites(suite).map_err(|e| e.to_string())?;
    }
    let mut cc = ClientConfig::new(
        s.client_offers_server.clone(),
        s.client_offers_client.clone(),
    );
    cc.require_server_attestation = s.require_server;
    cc.require_client_attestation = s.require_client;
    let mut sc = ServerConfig::new(s.server_attests_with.clone(), s.server_accepts.clone());
    sc.require_client_attestation = s.require_client;
    let mut client = ssl(cb)?;
    attach_client(&mut client, cc, EmbeddedHooks::attester(world, &tee(0x22)?))
        .map_err(|e| e.to_string())?;
    let mut server = ssl(sb)?;
    attach_server(&mut server, sc, EmbeddedHooks::attester(world, &tee(0x11)?))
        .map_err(|e| e.to_string())?;
    let (c, sv) = handshake(client, server);
    if !c.is_done() || !sv.is_done() {
        return Err(format!(
            "{}: handshake failed: client {:?}, server {:?}",
            s.name,
            c.ssl().and_then(failure),
            sv.ssl().and_then(failure)
        ));
    }
    let (c_ssl, s_ssl) = match (c.ssl(), sv.ssl()) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err("no connection".into()),
    };
    let co = outcome(c_ssl).map_err(|e| e.to_string())?;
    let so = outcome(s_ssl).map_err(|e| e.to_string())?;
    // Both sides must have seen the same messages in the same order.
    let messages = view(&co, true);
    if messages != view(&so, false) {
        return Err(format!(
            "{}: the two sides saw different handshakes",
            s.name
        ));
    }
    let cipher = c_ssl
        .current_cipher()
        .map(|c| c.name().to_string())
        .ok_or("no cipher")?;
    let hash = if cipher.ends_with("SHA384") {
        HashAlgorithm::Sha384
    } else {
        HashAlgorithm::Sha256
    };
    let recorded: Vec<Recorded> = messages
        .iter()
        .map(|(from_client, bytes)| Recorded {
            from_client: *from_client,
            bytes: bytes.clone(),
        })
        .collect();
    let hello = hello_messages(&recorded);
    let refs: Vec<&[u8]> = hello.iter().map(Vec::as_slice).collect();

    let mut message_list = Vec::new();
    let mut extensions = Vec::new();
    let mut cmws: [Option<Vec<u8>>; 2] = [None, None];
    let mut certs: [Option<Vec<u8>>; 2] = [None, None];
    for (i, m) in recorded.iter().enumerate() {
        let ty = HandshakeType(m.bytes.first().copied().unwrap_or_default());
        let from = if m.from_client { "client" } else { "server" };
        let slot = usize::from(m.from_client);
        message_list
            .push(json!({"from": from, "type": ty.to_string(), "message": hex::encode(&m.bytes)}));
        if ty == HandshakeType::CERTIFICATE
            && let Some(c) = certs.get_mut(slot)
        {
            *c = Some(end_entity(&m.bytes)?);
        }
        if let Some(f) = remote_attestation_in(&m.bytes, CP.remote_attestation())? {
            let ra =
                RemoteAttestation::decode_data(f.message, &f.data).map_err(|e| e.to_string())?;
            if let RemoteAttestation::Certificate(cmw) = &ra
                && let Some(c) = cmws.get_mut(slot)
            {
                *c = Some(cmw.as_bytes().to_vec());
            }
            extensions.push(json!({
                "index": i,
                "from": from,
                "message": f.message.to_string(),
                "extension_data": hex::encode(&f.data),
                "decoded": crate::runner::early::decoded_json(&ra),
            }));
        }
    }
    let [server_cert, client_cert] = certs;
    let [server_cmw, client_cmw] = cmws;
    let server_spki = spki_of(&server_cert)?;
    let client_spki = spki_of(&client_cert)?;
    let provider = default_provider();
    let binder = |k: &Option<Vec<u8>>, cmw: &Option<Vec<u8>>| -> Result<Option<Vec<u8>>, String> {
        match (k, cmw) {
            (Some(k), Some(_)) => {
                early_binder_from_messages(provider, hash, Protocol::Tls13, &refs, k)
                    .map(|b| Some(b.binder.as_bytes().to_vec()))
                    .map_err(|e| e.to_string())
            }
            _ => Ok(None),
        }
    };
    let base = early_binder_from_messages(provider, hash, Protocol::Tls13, &refs, &[])
        .map_err(|e| e.to_string())?;
    let th = seat_binding::key_schedule::handshake_transcript_hash(provider, hash, &refs)
        .map_err(|e| e.to_string())?;

    let mut f = Map::new();
    f.insert("stack".into(), json!(openssl::version::version()));
    f.insert("protocol".into(), json!("tls13"));
    f.insert(
        "hash".into(),
        json!(if hash == HashAlgorithm::Sha384 {
            "sha384"
        } else {
            "sha256"
        }),
    );
    f.insert("cipher_suite".into(), json!(cipher));
    f.insert("codepoint".into(), json!(CP.remote_attestation().0));
    f.insert("hrr_reading".into(), json!(HRR_READING));
    f.insert(
        "client_config".into(),
        json!({
            "server_attester_schemes": schemes_json(&s.client_offers_server),
            "client_attester_schemes": schemes_json(&s.client_offers_client),
            "require_server_attestation": s.require_server,
            "require_client_attestation": s.require_client,
        }),
    );
    f.insert(
        "server_config".into(),
        json!({
            "attest_with": schemes_json(&s.server_attests_with),
            "accept_from_client": schemes_json(&s.server_accepts),
            "require_client_attestation": s.require_client,
        }),
    );
    f.insert("messages".into(), json!(message_list));
    f.insert("hrr".into(), json!(hello.len() == 4));
    f.insert(
        "transcript".into(),
        json!(hello.iter().map(hex::encode).collect::<Vec<_>>()),
    );
    f.insert("transcript_hash".into(), json!(hex::encode(th.as_bytes())));
    f.insert(
        "attest_base".into(),
        json!(hex::encode(base.attest_base.as_bytes())),
    );
    f.insert("extensions".into(), json!(extensions));
    f.insert("server_spki".into(), opt_hex(server_spki.as_deref()));
    f.insert("client_spki".into(), opt_hex(client_spki.as_deref()));
    f.insert("server_cmw".into(), opt_hex(server_cmw.as_deref()));
    f.insert("client_cmw".into(), opt_hex(client_cmw.as_deref()));
    f.insert(
        "s_attest_binder".into(),
        opt_hex(binder(&server_spki, &server_cmw)?.as_deref()),
    );
    f.insert(
        "c_attest_binder".into(),
        opt_hex(binder(&client_spki, &client_cmw)?.as_deref()),
    );
    f.insert("client".into(), side_json(&co));
    f.insert("server".into(), side_json(&so));
    f.insert("trust".into(), trust.clone());
    let mut v = Vector::valid(KIND, s.name.to_string(), s.description.to_string(), f);
    v.fields.insert(
        "source".into(),
        json!(format!(
            "recorded: {}, both endpoints in one process",
            openssl::version::version()
        )),
    );
    Ok(v)
}

/// Records the sessions of this stack.
///
/// # Errors
///
/// The first recording that fails.
pub fn sessions() -> Result<Vec<Vector>, String> {
    let (server_tee, client_tee) = (tee(0x11)?, tee(0x22)?);
    let world = Embedded::trusting(&[&server_tee, &client_tee]).map_err(|e| e.to_string())?;
    let trust = trust_json(&world, &server_tee, &client_tee)?;
    let server_id = Identity::self_signed("server.example").map_err(|e| e.to_string())?;
    let client_id = Identity::self_signed("client.example").map_err(|e| e.to_string())?;
    scenarios()?
        .iter()
        .map(|s| record(s, &world, &trust, &server_id, &client_id))
        .collect()
}
