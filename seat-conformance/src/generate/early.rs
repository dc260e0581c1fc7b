//! Generators of the early-attestation vector kinds (draft-fossati-seat-early-attestation):
//! `early-binder` (the attestation binder of digest section 6.3 over real ClientHello ..
//! ServerHello encodings) and `early-extension` (the four forms of `remoteAttestation`).
//!
//! The handshake messages are built with seat-proto's codec from fixed inputs: randoms and
//! key shares are fixed bytes from the parent's seeded generator, the SPKIs come from the
//! fixed attester certificates ([`super::attester`]). Every binder is computed by
//! seat-binding; the negative binders are what a peer reading the draft differently would
//! compute (the other HelloRetryRequest readings of ambiguity A1, the TLS prefix in DTLS of
//! A2, another key, a transcript cut short or run long).

use seat_binding::binder::{EarlyBinder, early_binder, early_binder_from_messages};
use seat_binding::key_schedule::{
    HELLO_RETRY_REQUEST_RANDOM, Protocol, handshake_transcript_hash, transcript_hash,
};
use seat_binding::provider::{HashAlgorithm, SignatureAlgorithm};
use seat_binding::spki::spki_from_certificate;
use seat_proto::codec::{Codec, LengthPrefix, put_u16, put_vec};
use seat_proto::codepoints::{CodePoints, ExtensionType, HandshakeType};
use seat_proto::ext::{Extension, ExtensionData};
use seat_proto::message::encode_handshake;
use seat_proto::negotiation::HRR_READING;
use seat_proto::remote_attestation::{
    AttestationScheme, CmwPayload, EvidenceType, MediaType, RemoteAttestation,
    RemoteAttestationOffer, VerifierIdentity,
};
use serde_json::{Map, Value, json};

use super::{attester, hash_name, protocol_name, provider, seeded};
use crate::vector::Vector;

/// TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384 (RFC 8446 appendix B.4).
const SUITE_SHA256: u16 = 0x1301;
const SUITE_SHA384: u16 = 0x1302;
/// x25519 and secp256r1 (RFC 8446 section 4.2.7).
const GROUP_X25519: u16 = 0x001d;
const GROUP_SECP256R1: u16 = 0x0017;
/// Extension types of RFC 8446 section 4.2.
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_SUPPORTED_VERSIONS: u16 = 43;
const EXT_COOKIE: u16 = 44;
const EXT_KEY_SHARE: u16 = 51;

const KIND_BINDER: &str = "early-binder";
const KIND_EXTENSION: &str = "early-extension";

/// The vectors of this module, in a fixed order.
///
/// # Errors
///
/// The first generator failure.
pub fn vectors() -> Result<Vec<Vector>, String> {
    let mut out = binder_vectors()?;
    out.extend(extension_vectors()?);
    Ok(out)
}

// --- schemes ------------------------------------------------------------------------------

fn media(s: &str) -> Result<AttestationScheme, String> {
    Ok(AttestationScheme::Evidence(EvidenceType::MediaType(
        MediaType::new(s.as_bytes().to_vec()).map_err(|e| e.to_string())?,
    )))
}

fn content_format(cf: u16) -> AttestationScheme {
    AttestationScheme::Evidence(EvidenceType::ContentFormat(cf))
}

fn verifier(id: &[u8]) -> Result<AttestationScheme, String> {
    Ok(AttestationScheme::Result(
        VerifierIdentity::new(id.to_vec()).map_err(|e| e.to_string())?,
    ))
}

/// The `decoded` form of a scheme (vectors.md, `early-extension`), written from the scheme
/// the generator chose.
pub(crate) fn scheme_json(s: &AttestationScheme) -> Value {
    match s {
        AttestationScheme::Evidence(EvidenceType::ContentFormat(cf)) => {
            json!({"mechanism": "evidence", "content_format": cf})
        }
        AttestationScheme::Evidence(EvidenceType::MediaType(m)) => {
            json!({"mechanism": "evidence", "media_type": String::from_utf8_lossy(m.as_bytes())})
        }
        AttestationScheme::Result(id) => {
            json!({"mechanism": "result", "verifier_identity": hex::encode(id.as_bytes())})
        }
    }
}

/// The ClientHello `extension_data` the binder transcripts carry: the server may attest
/// with an EAT or with a passport from `verifier.example`, the client with CoAP C-F 64999.
fn offer_data() -> Result<Vec<u8>, String> {
    let offer = RemoteAttestationOffer::new(
        vec![
            media("application/eat+cwt")?,
            verifier(b"verifier.example")?,
        ],
        vec![content_format(64999)],
    )
    .map_err(|e| e.to_string())?;
    Ok(RemoteAttestation::ClientHello(offer).to_data())
}

// --- handshake messages -------------------------------------------------------------------

fn fixed(seed: u64, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    seeded(seed)(&mut b);
    b
}

fn extension(out: &mut Vec<u8>, ty: u16, data: Vec<u8>) -> Result<(), String> {
    Extension {
        extension_type: ExtensionType(ty),
        data: ExtensionData::new(data).map_err(|e| e.to_string())?,
    }
    .encode(out);
    Ok(())
}

fn u16_list(items: &[u16]) -> Vec<u8> {
    let mut out = Vec::new();
    put_vec(&mut out, LengthPrefix::U16, |o| {
        for i in items {
            put_u16(o, *i);
        }
    });
    out
}

/// Each part as a `<0..2^16-1>` vector, one after the other.
fn u16_vecs(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        put_vec(&mut out, LengthPrefix::U16, |o| o.extend_from_slice(p));
    }
    out
}

/// `data` without its last `n` bytes.
fn without_last(data: &[u8], n: usize) -> Vec<u8> {
    data.iter()
        .take(data.len().saturating_sub(n))
        .copied()
        .collect()
}

/// `data` with one zero byte after it.
fn with_trailing_zero(data: &[u8]) -> Vec<u8> {
    [data, &[0]].concat()
}

fn key_share_entry(out: &mut Vec<u8>, group: u16, key: &[u8]) {
    put_u16(out, group);
    put_vec(out, LengthPrefix::U16, |o| o.extend_from_slice(key));
}

/// A fixed key share of `group` (fixed bytes of the point's length, not a real point: the
/// binder only hashes them).
fn share(group: u16, seed: u64) -> Vec<u8> {
    if group == GROUP_SECP256R1 {
        let mut p = vec![4u8];
        p.extend(fixed(seed, 64));
        p
    } else {
        fixed(seed, 32)
    }
}

fn legacy_version(p: Protocol) -> u16 {
    match p {
        Protocol::Dtls13 => 0xfefd,
        _ => 0x0303,
    }
}

fn version(p: Protocol) -> u16 {
    match p {
        Protocol::Dtls13 => 0xfefc,
        _ => 0x0304,
    }
}

/// The fixed choices of one handshake.
struct Hello {
    protocol: Protocol,
    suite: u16,
    session_id: Vec<u8>,
    client_random: Vec<u8>,
    offer: Vec<u8>,
}

/// A ClientHello (RFC 8446 section 4.1.2; DTLS 1.3 adds `legacy_cookie`, RFC 9147 section
/// 5.3) offering both suites, with `remoteAttestation` last.
fn client_hello(
    h: &Hello,
    shares: &[(u16, Vec<u8>)],
    cookie: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut exts = Vec::new();
    let mut sv = Vec::new();
    put_vec(&mut sv, LengthPrefix::U8, |o| {
        put_u16(o, version(h.protocol))
    });
    extension(&mut exts, EXT_SUPPORTED_VERSIONS, sv)?;
    extension(
        &mut exts,
        EXT_SUPPORTED_GROUPS,
        u16_list(&[GROUP_X25519, GROUP_SECP256R1]),
    )?;
    extension(
        &mut exts,
        EXT_SIGNATURE_ALGORITHMS,
        u16_list(&[0x0403, 0x0503, 0x0807]),
    )?;
    let mut ks = Vec::new();
    put_vec(&mut ks, LengthPrefix::U16, |o| {
        for (g, k) in shares {
            key_share_entry(o, *g, k);
        }
    });
    extension(&mut exts, EXT_KEY_SHARE, ks)?;
    if let Some(c) = cookie {
        extension(&mut exts, EXT_COOKIE, u16_vecs(&[c]))?;
    }
    extension(
        &mut exts,
        CodePoints::DEFAULT.remote_attestation().0,
        h.offer.clone(),
    )?;
    let mut out = Vec::new();
    encode_handshake(&mut out, HandshakeType::CLIENT_HELLO, |o| {
        put_u16(o, legacy_version(h.protocol));
        o.extend_from_slice(&h.client_random);
        put_vec(o, LengthPrefix::U8, |o| o.extend_from_slice(&h.session_id));
        if h.protocol == Protocol::Dtls13 {
            put_vec(o, LengthPrefix::U8, |_| {});
        }
        put_vec(o, LengthPrefix::U16, |o| {
            put_u16(o, SUITE_SHA256);
            put_u16(o, SUITE_SHA384);
        });
        put_vec(o, LengthPrefix::U8, |o| o.push(0));
        put_vec(o, LengthPrefix::U16, |o| o.extend_from_slice(&exts));
    });
    Ok(out)
}

/// A ServerHello, or with `hrr` (the group asked for, the cookie) a HelloRetryRequest
/// (RFC 8446 section 4.1.3/4.1.4).
fn server_hello(
    h: &Hello,
    random: &[u8],
    key_share: &[u8],
    cookie: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut exts = Vec::new();
    let mut sv = Vec::new();
    put_u16(&mut sv, version(h.protocol));
    extension(&mut exts, EXT_SUPPORTED_VERSIONS, sv)?;
    extension(&mut exts, EXT_KEY_SHARE, key_share.to_vec())?;
    if let Some(c) = cookie {
        extension(&mut exts, EXT_COOKIE, u16_vecs(&[c]))?;
    }
    let mut out = Vec::new();
    encode_handshake(&mut out, HandshakeType::SERVER_HELLO, |o| {
        put_u16(o, legacy_version(h.protocol));
        o.extend_from_slice(random);
        put_vec(o, LengthPrefix::U8, |o| o.extend_from_slice(&h.session_id));
        put_u16(o, h.suite);
        o.push(0);
        put_vec(o, LengthPrefix::U16, |o| o.extend_from_slice(&exts));
    });
    Ok(out)
}

/// ClientHello..ServerHello: `[CH, SH]`, or with `hrr` `[CH1, HRR, CH2, SH]` (the server
/// asks for a secp256r1 share and sends a cookie).
fn transcript(
    protocol: Protocol,
    suite: u16,
    hrr: bool,
    compat: bool,
) -> Result<Vec<Vec<u8>>, String> {
    let h = Hello {
        protocol,
        suite,
        session_id: if compat { fixed(7, 32) } else { Vec::new() },
        client_random: fixed(1, 32),
        offer: offer_data()?,
    };
    let sh_share = |group: u16| {
        let mut ks = Vec::new();
        key_share_entry(&mut ks, group, &share(group, 4));
        ks
    };
    let ch1 = client_hello(&h, &[(GROUP_X25519, share(GROUP_X25519, 2))], None)?;
    if !hrr {
        let sh = server_hello(&h, &fixed(3, 32), &sh_share(GROUP_X25519), None)?;
        return Ok(vec![ch1, sh]);
    }
    let cookie = fixed(5, 16);
    let mut selected = Vec::new();
    put_u16(&mut selected, GROUP_SECP256R1);
    let retry = server_hello(&h, &HELLO_RETRY_REQUEST_RANDOM, &selected, Some(&cookie))?;
    let ch2 = client_hello(
        &h,
        &[(GROUP_SECP256R1, share(GROUP_SECP256R1, 6))],
        Some(&cookie),
    )?;
    let sh = server_hello(&h, &fixed(3, 32), &sh_share(GROUP_SECP256R1), None)?;
    Ok(vec![ch1, retry, ch2, sh])
}

// --- early-binder -------------------------------------------------------------------------

fn spki(alg: SignatureAlgorithm) -> Result<Vec<u8>, String> {
    let a = attester(alg)?;
    spki_from_certificate(&a.certificate)
        .map(<[u8]>::to_vec)
        .map_err(|e| e.to_string())
}

fn hash_of(suite: u16) -> HashAlgorithm {
    if suite == SUITE_SHA384 {
        HashAlgorithm::Sha384
    } else {
        HashAlgorithm::Sha256
    }
}

/// One binder case: the transcript, the key, and how its values were derived.
struct BinderCase {
    name: String,
    description: String,
    error: Option<&'static str>,
    hash: HashAlgorithm,
    protocol: Protocol,
    role: &'static str,
    transcript: Vec<Vec<u8>>,
    spki: Vec<u8>,
    transcript_hash: Vec<u8>,
    binder: EarlyBinder,
}

fn binder_vector(c: BinderCase) -> Vector {
    let mut f = Map::new();
    f.insert("hash".into(), json!(hash_name(c.hash)));
    f.insert("protocol".into(), json!(protocol_name(c.protocol)));
    f.insert("role".into(), json!(c.role));
    f.insert(
        "transcript".into(),
        json!(c.transcript.iter().map(hex::encode).collect::<Vec<_>>()),
    );
    f.insert("hrr_reading".into(), json!(HRR_READING));
    f.insert(
        "transcript_hash".into(),
        json!(hex::encode(&c.transcript_hash)),
    );
    f.insert("spki".into(), json!(hex::encode(&c.spki)));
    f.insert(
        "attest_base".into(),
        json!(hex::encode(c.binder.attest_base.as_bytes())),
    );
    f.insert(
        "binder".into(),
        json!(hex::encode(c.binder.binder.as_bytes())),
    );
    match c.error {
        None => Vector::valid(KIND_BINDER, c.name, c.description, f),
        Some(e) => Vector::invalid(KIND_BINDER, c.name, c.description, e, f),
    }
}

/// The binder as the draft (and A1 reading (c)) defines it.
fn derive(
    hash: HashAlgorithm,
    protocol: Protocol,
    messages: &[Vec<u8>],
    spki: &[u8],
) -> Result<(Vec<u8>, EarlyBinder), String> {
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let th = handshake_transcript_hash(provider(), hash, &refs).map_err(|e| e.to_string())?;
    let b = early_binder_from_messages(provider(), hash, protocol, &refs, spki)
        .map_err(|e| e.to_string())?;
    Ok((th.as_bytes().to_vec(), b))
}

/// The binder from a transcript hash computed some other way.
fn derive_from_hash(
    hash: HashAlgorithm,
    protocol: Protocol,
    parts: &[&[u8]],
    spki: &[u8],
) -> Result<(Vec<u8>, EarlyBinder), String> {
    let th = transcript_hash(provider(), hash, parts);
    let b =
        early_binder(provider(), hash, protocol, th.as_bytes(), spki).map_err(|e| e.to_string())?;
    Ok((th.as_bytes().to_vec(), b))
}

/// A valid binder case: protocol, suite, HelloRetryRequest, compatibility-mode session id,
/// role, key name, SPKI.
type ValidBinder<'a> = (
    Protocol,
    u16,
    bool,
    bool,
    &'static str,
    &'static str,
    &'a [u8],
);

#[allow(clippy::too_many_lines)]
fn binder_vectors() -> Result<Vec<Vector>, String> {
    let p256 = spki(SignatureAlgorithm::EcdsaSecp256r1Sha256)?;
    let p384 = spki(SignatureAlgorithm::EcdsaSecp384r1Sha384)?;
    let ed25519 = spki(SignatureAlgorithm::Ed25519)?;
    let mut out = Vec::new();
    let valid: [ValidBinder<'_>; 10] = [
        (
            Protocol::Tls13,
            SUITE_SHA256,
            false,
            false,
            "server",
            "p256",
            &p256,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA256,
            false,
            false,
            "client",
            "ed25519",
            &ed25519,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA256,
            true,
            false,
            "server",
            "p256",
            &p256,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA256,
            true,
            false,
            "client",
            "ed25519",
            &ed25519,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA256,
            false,
            true,
            "server",
            "p256",
            &p256,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA384,
            false,
            false,
            "server",
            "p384",
            &p384,
        ),
        (
            Protocol::Tls13,
            SUITE_SHA384,
            true,
            false,
            "client",
            "p384",
            &p384,
        ),
        (
            Protocol::Dtls13,
            SUITE_SHA256,
            false,
            false,
            "server",
            "p256",
            &p256,
        ),
        (
            Protocol::Dtls13,
            SUITE_SHA256,
            true,
            false,
            "client",
            "ed25519",
            &ed25519,
        ),
        (
            Protocol::Dtls13,
            SUITE_SHA384,
            false,
            false,
            "server",
            "p384",
            &p384,
        ),
    ];
    for (protocol, suite, hrr, compat, role, key, spki) in valid {
        let hash = hash_of(suite);
        let messages = transcript(protocol, suite, hrr, compat)?;
        let (th, binder) = derive(hash, protocol, &messages, spki)?;
        let shape = match (hrr, compat) {
            (true, _) => "-hrr",
            (_, true) => "-compat",
            _ => "",
        };
        let what = match (hrr, compat) {
            (true, _) => {
                "after a HelloRetryRequest (message_hash replaces ClientHello1, RFC 8446 section 4.4.1)"
            }
            (_, true) => "with a 32-byte legacy_session_id (middlebox compatibility mode)",
            _ => "over ClientHello and ServerHello",
        };
        out.push(binder_vector(BinderCase {
            name: format!(
                "{}-{}{shape}-{role}-{key}",
                protocol_name(protocol),
                hash_name(hash)
            ),
            description: format!(
                "{} {}_attest_binder, {}, {what}, {key} attester key",
                protocol_name(protocol),
                if role == "server" { "s" } else { "c" },
                hash_name(hash)
            ),
            error: None,
            hash,
            protocol,
            role,
            transcript: messages,
            spki: spki.to_vec(),
            transcript_hash: th,
            binder,
        }));
    }

    // Negatives: the values another reading of the draft gives.
    let sha256 = HashAlgorithm::Sha256;
    let tls = Protocol::Tls13;
    let hrr = transcript(tls, SUITE_SHA256, true, false)?;
    let (ch1, retry, ch2, sh) = match hrr.as_slice() {
        [a, b, c, d] => (a.as_slice(), b.as_slice(), c.as_slice(), d.as_slice()),
        _ => return Err("HelloRetryRequest transcript has four messages".into()),
    };
    let readings: [(&str, &str, Vec<&[u8]>); 3] = [
        ("a", "Hash(ClientHello1 || ServerHello)", vec![ch1, sh]),
        (
            "b",
            "Hash(ClientHello1 || HelloRetryRequest || ClientHello2 || ServerHello), no message_hash",
            vec![ch1, retry, ch2, sh],
        ),
        ("d", "Hash(ClientHello2 || ServerHello)", vec![ch2, sh]),
    ];
    for (letter, how, parts) in readings {
        let (th, binder) = derive_from_hash(sha256, tls, &parts, &p256)?;
        out.push(binder_vector(BinderCase {
            name: format!("tls13-sha256-hrr-reading-{letter}-rejected"),
            description: format!(
                "binder after a HelloRetryRequest computed with A1 reading ({letter}), {how}: not the RFC 8446 section 4.4.1 transcript"
            ),
            error: Some("attestation_rejected"),
            hash: sha256,
            protocol: tls,
            role: "server",
            transcript: hrr.clone(),
            spki: p256.clone(),
            transcript_hash: th,
            binder,
        }));
    }
    let dtls = transcript(Protocol::Dtls13, SUITE_SHA256, false, false)?;
    let (th, binder) = derive(sha256, tls, &dtls, &p256)?;
    out.push(binder_vector(BinderCase {
        name: "dtls13-sha256-tls13-prefix-rejected".into(),
        description: "DTLS 1.3 transcript whose binder was derived with the \"tls13 \" label prefix instead of \"dtls13\" (A2)".into(),
        error: Some("attestation_rejected"),
        hash: sha256,
        protocol: Protocol::Dtls13,
        role: "server",
        transcript: dtls,
        spki: p256.clone(),
        transcript_hash: th,
        binder,
    }));
    let plain = transcript(tls, SUITE_SHA256, false, false)?;
    let (th, binder) = derive(sha256, tls, &plain, &ed25519)?;
    out.push(binder_vector(BinderCase {
        name: "tls13-sha256-other-key-rejected".into(),
        description: "binder derived for the client's Ed25519 SPKI presented against the server's P-256 SPKI (A4, A5)".into(),
        error: Some("attestation_rejected"),
        hash: sha256,
        protocol: tls,
        role: "server",
        transcript: plain.clone(),
        spki: p256.clone(),
        transcript_hash: th,
        binder,
    }));
    let cut: Vec<Vec<u8>> = plain.iter().take(1).cloned().collect();
    let (th, binder) = derive(sha256, tls, &cut, &p256)?;
    out.push(binder_vector(BinderCase {
        name: "tls13-sha256-ends-before-server-hello".into(),
        description: "transcript that stops after ClientHello: the binder needs ServerHello".into(),
        error: Some("invalid_transcript"),
        hash: sha256,
        protocol: tls,
        role: "server",
        transcript: cut,
        spki: p256.clone(),
        transcript_hash: th,
        binder,
    }));
    let hrr_cut: Vec<Vec<u8>> = hrr.iter().take(3).cloned().collect();
    let (th, binder) = derive(sha256, tls, &hrr_cut, &p256)?;
    out.push(binder_vector(BinderCase {
        name: "tls13-sha256-hrr-ends-before-server-hello".into(),
        description:
            "transcript that stops after ClientHello2: a HelloRetryRequest is not the ServerHello"
                .into(),
        error: Some("invalid_transcript"),
        hash: sha256,
        protocol: tls,
        role: "server",
        transcript: hrr_cut,
        spki: p256.clone(),
        transcript_hash: th,
        binder,
    }));
    let mut long = plain;
    let chosen = RemoteAttestation::EncryptedExtensions(media("application/eat+cwt")?).to_data();
    let mut ee_exts = Vec::new();
    extension(
        &mut ee_exts,
        CodePoints::DEFAULT.remote_attestation().0,
        chosen,
    )?;
    let mut ee = Vec::new();
    encode_handshake(&mut ee, HandshakeType::ENCRYPTED_EXTENSIONS, |o| {
        put_vec(o, LengthPrefix::U16, |o| o.extend_from_slice(&ee_exts));
    });
    long.push(ee);
    let (th, binder) = derive(sha256, tls, &long, &p256)?;
    out.push(binder_vector(BinderCase {
        name: "tls13-sha256-past-server-hello".into(),
        description:
            "transcript that runs on into EncryptedExtensions: the binder stops at ServerHello"
                .into(),
        error: Some("unexpected_message"),
        hash: sha256,
        protocol: tls,
        role: "server",
        transcript: long,
        spki: p256,
        transcript_hash: th,
        binder,
    }));
    Ok(out)
}

// --- early-extension ----------------------------------------------------------------------

fn extension_vector(
    name: &str,
    description: &str,
    message: HandshakeType,
    data: &[u8],
    decoded: Result<Value, &str>,
) -> Vector {
    let mut f = Map::new();
    f.insert(
        "codepoint".into(),
        json!(CodePoints::DEFAULT.remote_attestation().0),
    );
    f.insert("message".into(), json!(message.to_string()));
    f.insert("extension_data".into(), json!(hex::encode(data)));
    match decoded {
        Ok(d) => {
            f.insert("decoded".into(), d);
            Vector::valid(KIND_EXTENSION, name.into(), description.into(), f)
        }
        Err(e) => Vector::invalid(KIND_EXTENSION, name.into(), description.into(), e, f),
    }
}

fn offer_vector(
    name: &str,
    description: &str,
    server: Vec<AttestationScheme>,
    client: Vec<AttestationScheme>,
) -> Result<Vector, String> {
    let decoded = json!({
        "server_attester_schemes": server.iter().map(scheme_json).collect::<Vec<_>>(),
        "client_attester_schemes": client.iter().map(scheme_json).collect::<Vec<_>>(),
    });
    let data = RemoteAttestation::ClientHello(
        RemoteAttestationOffer::new(server, client).map_err(|e| e.to_string())?,
    )
    .to_data();
    Ok(extension_vector(
        name,
        description,
        HandshakeType::CLIENT_HELLO,
        &data,
        Ok(decoded),
    ))
}

fn chosen_vector(
    name: &str,
    description: &str,
    message: HandshakeType,
    s: AttestationScheme,
) -> Vector {
    let (ra, key) = if message == HandshakeType::ENCRYPTED_EXTENSIONS {
        (
            RemoteAttestation::EncryptedExtensions(s.clone()),
            "chosen_server_scheme",
        )
    } else {
        (
            RemoteAttestation::CertificateRequest(s.clone()),
            "chosen_client_scheme",
        )
    };
    let mut decoded = Map::new();
    decoded.insert(key.into(), scheme_json(&s));
    extension_vector(
        name,
        description,
        message,
        &ra.to_data(),
        Ok(Value::Object(decoded)),
    )
}

fn cmw_vector(name: &str, description: &str, cmw: Vec<u8>) -> Result<Vector, String> {
    let decoded = json!({"cmw": hex::encode(&cmw)});
    let data =
        RemoteAttestation::Certificate(CmwPayload::new(cmw).map_err(|e| e.to_string())?).to_data();
    Ok(extension_vector(
        name,
        description,
        HandshakeType::CERTIFICATE,
        &data,
        Ok(decoded),
    ))
}

#[allow(clippy::too_many_lines)]
fn extension_vectors() -> Result<Vec<Vector>, String> {
    let eat = media("application/eat+cwt")?;
    let eat_profile = media("application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee\"")?;
    let passport = verifier(b"verifier.example")?;
    let binary_verifier = verifier(&fixed(9, 20))?;
    let cf = content_format(64999);
    let ch = HandshakeType::CLIENT_HELLO;
    let ee = HandshakeType::ENCRYPTED_EXTENSIONS;
    let cr = HandshakeType::CERTIFICATE_REQUEST;
    let ct = HandshakeType::CERTIFICATE;
    // The CMW the Certificate form carries: the vector CMW over a fixed 32-byte binder.
    let evidence = fixed(10, 32);
    let mut out = vec![
        offer_vector(
            "client-hello-server-only-media-type",
            "server may attest with an EAT named by media type; the client does not attest (client list empty)",
            vec![eat.clone()],
            vec![],
        )?,
        offer_vector(
            "client-hello-client-only-content-format",
            "only the client attests, with CoAP Content-Format 64999 (server list empty)",
            vec![],
            vec![cf.clone()],
        )?,
        offer_vector(
            "client-hello-mutual-several-schemes",
            "both lists with several schemes in preference order: passport first, then Evidence by media type and by content format",
            vec![passport.clone(), eat.clone(), content_format(60)],
            vec![cf.clone(), passport.clone()],
        )?,
        offer_vector(
            "client-hello-media-type-with-parameters",
            "a media type with parameters is carried and compared byte for byte, not normalised (A19)",
            vec![eat_profile.clone(), eat.clone()],
            vec![],
        )?,
        offer_vector(
            "client-hello-binary-verifier-identity",
            "a verifier_identity that is not text: opaque bytes, given in hex",
            vec![binary_verifier.clone()],
            vec![binary_verifier.clone()],
        )?,
        offer_vector(
            "client-hello-empty-verifier-identity",
            "a zero-length verifier_identity is well-formed (verifier_identity<0..2^16-1>)",
            vec![verifier(b"")?],
            vec![],
        )?,
        offer_vector(
            "client-hello-repeated-scheme",
            "the same scheme twice in one list: the draft does not forbid it, the first occurrence ranks",
            vec![eat.clone(), eat.clone()],
            vec![],
        )?,
        chosen_vector(
            "encrypted-extensions-media-type",
            "chosen_server_scheme: Evidence as an EAT (background check)",
            ee,
            eat.clone(),
        ),
        chosen_vector(
            "encrypted-extensions-passport",
            "chosen_server_scheme: Attestation Results from verifier.example (passport)",
            ee,
            passport.clone(),
        ),
        chosen_vector(
            "certificate-request-content-format",
            "chosen_client_scheme: Evidence with CoAP Content-Format 64999",
            cr,
            cf.clone(),
        ),
        chosen_vector(
            "certificate-request-passport",
            "chosen_client_scheme: Attestation Results from verifier.example (passport)",
            cr,
            passport.clone(),
        ),
        cmw_vector(
            "certificate-cbor-cmw",
            "the first CertificateEntry's CMW: a CBOR record carrying Evidence",
            super::cmw(&evidence, false),
        )?,
        cmw_vector(
            "certificate-json-cmw",
            "the first CertificateEntry's CMW: a JSON record carrying Evidence",
            super::cmw(&evidence, true),
        )?,
    ];

    // Malformed or refused forms, derived from well-formed encodings.
    let good_offer = RemoteAttestation::ClientHello(
        RemoteAttestationOffer::new(vec![eat.clone()], vec![cf.clone()])
            .map_err(|e| e.to_string())?,
    )
    .to_data();
    let empty_offer = RemoteAttestation::ClientHello(RemoteAttestationOffer::default()).to_data();
    let trailing = with_trailing_zero(&good_offer);
    let truncated = without_last(&good_offer, 1);
    // Only the server list: the client list's length is missing.
    let server_only = u16_vecs(&[&eat.to_vec()]);
    // Mechanism 2 is neither evidence(0) nor result(1).
    let unknown_mechanism = u16_vecs(&[&[2, 0, 0], &[]]);
    let unknown_encoding = u16_vecs(&[&[], &[0, 2, 0xfd, 0xe7]]);
    let ee_data = RemoteAttestation::EncryptedExtensions(eat.clone()).to_data();
    let mut ee_two = ee_data.clone();
    ee_two.extend(RemoteAttestation::EncryptedExtensions(passport.clone()).to_data());
    let cr_data = RemoteAttestation::CertificateRequest(eat.clone()).to_data();
    let cr_short = without_last(&cr_data, 3);
    let cr_cf = RemoteAttestation::CertificateRequest(cf.clone()).to_data();
    let cr_cf_short: Vec<u8> = cr_cf.iter().take(3).copied().collect();
    let cr_list = u16_vecs(&[&cf.to_vec()]);
    let cmw_data = RemoteAttestation::Certificate(
        CmwPayload::new(super::cmw(&evidence, false)).map_err(|e| e.to_string())?,
    )
    .to_data();
    let cmw_trailing = with_trailing_zero(&cmw_data);
    let cmw_short = without_last(&cmw_data, 1);
    let cmw_u16 = u16_vecs(&[&super::cmw(&evidence, false)]);
    let bad: [(&str, &str, HandshakeType, Vec<u8>, &str); 14] = [
        (
            "client-hello-both-lists-empty",
            "both lists empty: well-formed, but a server refuses it with unsupported_attestation_schemes (digest 4.2)",
            ch,
            empty_offer,
            "empty_attestation_offer",
        ),
        (
            "client-hello-trailing-byte",
            "a byte after the client list",
            ch,
            trailing,
            "decode_error",
        ),
        (
            "client-hello-truncated",
            "the client list's last byte is missing",
            ch,
            truncated,
            "decode_error",
        ),
        (
            "client-hello-missing-client-list",
            "only the server list: client_attester_schemes is not optional",
            ch,
            server_only,
            "decode_error",
        ),
        (
            "client-hello-unknown-mechanism",
            "AttestationMechanism 2 is unknown; items carry no length, so the list cannot be read on",
            ch,
            unknown_mechanism,
            "decode_error",
        ),
        (
            "client-hello-unknown-type-encoding",
            "EvidenceType.type_encoding 2 is neither CONTENT_FORMAT nor MEDIA_TYPE",
            ch,
            unknown_encoding,
            "decode_error",
        ),
        (
            "encrypted-extensions-empty",
            "no chosen_server_scheme at all",
            ee,
            Vec::new(),
            "decode_error",
        ),
        (
            "encrypted-extensions-two-schemes",
            "two schemes: chosen_server_scheme is exactly one",
            ee,
            ee_two,
            "decode_error",
        ),
        (
            "certificate-request-truncated-media-type",
            "the media type is three bytes shorter than its length says",
            cr,
            cr_short,
            "decode_error",
        ),
        (
            "certificate-request-short-content-format",
            "a content format of one byte",
            cr,
            cr_cf_short,
            "decode_error",
        ),
        (
            "certificate-request-as-list",
            "chosen_client_scheme sent with a list length, as in ClientHello",
            cr,
            cr_list,
            "decode_error",
        ),
        (
            "certificate-empty-cmw",
            "cmw_payload<1..2^24-1> cannot be empty",
            ct,
            vec![0, 0, 0],
            "decode_error",
        ),
        (
            "certificate-trailing-byte",
            "a byte after the CMW",
            ct,
            cmw_trailing,
            "decode_error",
        ),
        (
            "certificate-two-byte-length",
            "the CMW with a 2-byte length instead of the 3-byte one",
            ct,
            cmw_u16,
            "decode_error",
        ),
    ];
    for (name, description, message, data, error) in bad {
        out.push(extension_vector(
            name,
            description,
            message,
            &data,
            Err(error),
        ));
    }
    out.push(extension_vector(
        "certificate-truncated",
        "the CMW's last byte is missing",
        ct,
        &cmw_short,
        Err("decode_error"),
    ));
    Ok(out)
}
