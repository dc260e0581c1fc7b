//! The runner of `early-session`: replays a recorded OpenSSL handshake that carried
//! `remoteAttestation`.
//!
//! Every recorded `remoteAttestation` is found again in the recorded handshake messages,
//! decoded, and fed in the recorded order to fresh negotiation machines (a client and a
//! server configured as the recording says); their choices, the CMWs they carry and the
//! binders they ask the Attester and the Verifier to use must be what each OpenSSL side
//! computed. The binders are recomputed with seat-binding from the recorded transcript bytes
//! and the SPKIs of the recorded certificates.

use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::{Protocol, handshake_transcript_hash, is_hello_retry_request};
use seat_binding::provider::HashAlgorithm;
use seat_binding::spki::spki_from_certificate;
use seat_proto::Error;
use seat_proto::codec::{Codec, Reader};
use seat_proto::codepoints::{AlertDescription, CodePoints, ExtensionType, HandshakeType};
use seat_proto::ext::Extension;
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::negotiation::{
    Action, ClientConfig, ClientNegotiation, Event, Input, ServerConfig, ServerNegotiation,
};
use seat_proto::remote_attestation::{AttestationScheme, RemoteAttestation};
use serde_json::Value;

use super::early::{decoded_json, message_type};
use super::{expect_eq, field, hash, provider, short, text};
use crate::generate::early::scheme_json;

/// One recorded handshake message.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Whether the client sent it.
    pub from_client: bool,
    /// The message, 4-byte header included.
    pub bytes: Vec<u8>,
}

/// The `remoteAttestation` found in one handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The message type.
    pub message: HandshakeType,
    /// `extension_data`.
    pub data: Vec<u8>,
}

fn decode_err(e: seat_proto::codec::DecodeError) -> String {
    e.to_string()
}

/// The extensions of one block, with an error for `remoteAttestation` seen twice.
fn block(r: &mut Reader<'_>, cp: ExtensionType) -> Result<Option<Vec<u8>>, String> {
    let mut found = None;
    while !r.is_empty() {
        let e = Extension::read(r).map_err(decode_err)?;
        if e.extension_type == cp {
            if found.is_some() {
                return Err("remoteAttestation twice in one block".into());
            }
            found = Some(e.data.as_bytes().to_vec());
        }
    }
    Ok(found)
}

/// The end-entity certificate of a Certificate message (RFC 8446 section 4.4.2).
///
/// # Errors
///
/// A message that is not a well-formed Certificate with at least one entry.
pub fn end_entity(message: &[u8]) -> Result<Vec<u8>, String> {
    let mut r = Reader::new(message);
    let _ = r.u8("Handshake.msg_type").map_err(decode_err)?;
    let mut body = r.vec_u24("Handshake", 0, 1 << 24).map_err(decode_err)?;
    let _ = body
        .vec_u8("certificate_request_context", 0, 255)
        .map_err(decode_err)?;
    let mut list = body
        .vec_u24("certificate_list", 0, 1 << 24)
        .map_err(decode_err)?;
    let mut cert = list.vec_u24("cert_data", 1, 1 << 24).map_err(decode_err)?;
    Ok(cert.rest().to_vec())
}

/// The `remoteAttestation` a handshake message carries, read with seat-proto's codec:
/// ClientHello (RFC 8446 section 4.1.2; DTLS `legacy_cookie` when the version says so),
/// EncryptedExtensions, CertificateRequest and the first CertificateEntry of Certificate.
/// The extension on a later CertificateEntry is an error.
///
/// # Errors
///
/// A malformed message.
pub fn remote_attestation_in(message: &[u8], cp: ExtensionType) -> Result<Option<Found>, String> {
    let mut r = Reader::new(message);
    let ty = HandshakeType(r.u8("Handshake.msg_type").map_err(decode_err)?);
    let mut body = r.vec_u24("Handshake", 0, 1 << 24).map_err(decode_err)?;
    r.finish("Handshake").map_err(decode_err)?;
    let data = match ty {
        HandshakeType::CLIENT_HELLO => {
            let version = body.u16("legacy_version").map_err(decode_err)?;
            body.take(32, "random").map_err(decode_err)?;
            body.vec_u8("legacy_session_id", 0, 32)
                .map_err(decode_err)?;
            if version == 0xfefd {
                body.vec_u8("legacy_cookie", 0, 255).map_err(decode_err)?;
            }
            body.vec_u16("cipher_suites", 2, 0xfffe)
                .map_err(decode_err)?;
            body.vec_u8("legacy_compression_methods", 1, 255)
                .map_err(decode_err)?;
            let mut exts = body.vec_u16("extensions", 0, 0xffff).map_err(decode_err)?;
            block(&mut exts, cp)?
        }
        HandshakeType::ENCRYPTED_EXTENSIONS => {
            let mut exts = body.vec_u16("extensions", 0, 0xffff).map_err(decode_err)?;
            block(&mut exts, cp)?
        }
        HandshakeType::CERTIFICATE_REQUEST => {
            body.vec_u8("certificate_request_context", 0, 255)
                .map_err(decode_err)?;
            let mut exts = body.vec_u16("extensions", 2, 0xffff).map_err(decode_err)?;
            block(&mut exts, cp)?
        }
        HandshakeType::CERTIFICATE => {
            let mut first = None;
            for (index, _, found) in certificate_entries(message, cp)? {
                match (index, found) {
                    (0, f) => first = f,
                    (_, Some(_)) => return Err("remoteAttestation on a later entry".into()),
                    _ => {}
                }
            }
            first
        }
        _ => None,
    };
    Ok(data.map(|data| Found { message: ty, data }))
}

/// Every CertificateEntry of a Certificate message, in order, read with seat-proto's codec:
/// (index, `cert_data`, the entry's `remoteAttestation` `extension_data` if it carries one),
/// as OpenSSL hands each entry's extensions to the parse callback with its chain index.
///
/// # Errors
///
/// A malformed Certificate, or `remoteAttestation` twice on one entry.
pub fn certificate_entries(
    message: &[u8],
    cp: ExtensionType,
) -> Result<Vec<CertificateEntry>, String> {
    let mut r = Reader::new(message);
    let _ = r.u8("Handshake.msg_type").map_err(decode_err)?;
    let mut body = r.vec_u24("Handshake", 0, 1 << 24).map_err(decode_err)?;
    r.finish("Handshake").map_err(decode_err)?;
    body.vec_u8("certificate_request_context", 0, 255)
        .map_err(decode_err)?;
    let mut list = body
        .vec_u24("certificate_list", 0, 1 << 24)
        .map_err(decode_err)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        let mut cert = list.vec_u24("cert_data", 1, 1 << 24).map_err(decode_err)?;
        let mut exts = list.vec_u16("extensions", 0, 0xffff).map_err(decode_err)?;
        out.push((out.len(), cert.rest().to_vec(), block(&mut exts, cp)?));
    }
    Ok(out)
}

/// One CertificateEntry: (index, `cert_data`, `remoteAttestation` `extension_data`).
pub type CertificateEntry = (usize, Vec<u8>, Option<Vec<u8>>);

/// The SubjectPublicKeyInfo of a certificate, when there is one.
pub(crate) fn spki_of(c: &Option<Vec<u8>>) -> Result<Option<Vec<u8>>, String> {
    c.as_ref()
        .map(|c| {
            spki_from_certificate(c)
                .map(<[u8]>::to_vec)
                .map_err(|e| e.to_string())
        })
        .transpose()
}

/// ClientHello..ServerHello out of the whole handshake.
pub(crate) fn hello_messages(messages: &[Recorded]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for m in messages {
        let ty = m.bytes.first().copied();
        if ty == Some(HandshakeType::CLIENT_HELLO.0) || ty == Some(HandshakeType::SERVER_HELLO.0) {
            out.push(m.bytes.clone());
            if ty == Some(HandshakeType::SERVER_HELLO.0) && !is_hello_retry_request(&m.bytes) {
                break;
            }
        }
    }
    out
}

fn schemes(v: &Value, name: &str) -> Result<Vec<AttestationScheme>, String> {
    // Each scheme as its ClientHello decoding gives it: look it up in the decoded offer.
    field(v, name)?
        .as_array()
        .ok_or_else(|| format!("{name} is not an array"))?
        .iter()
        .map(scheme_from_json)
        .collect()
}

fn scheme_from_json(s: &Value) -> Result<AttestationScheme, String> {
    use seat_proto::remote_attestation::{EvidenceType, MediaType, VerifierIdentity};
    let mech = s.get("mechanism").and_then(Value::as_str);
    match (mech, s.get("content_format"), s.get("media_type")) {
        (Some("evidence"), Some(cf), _) => {
            Ok(AttestationScheme::Evidence(EvidenceType::ContentFormat(
                cf.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or("content_format")?,
            )))
        }
        (Some("evidence"), _, Some(m)) => Ok(AttestationScheme::Evidence(EvidenceType::MediaType(
            MediaType::new(m.as_str().ok_or("media_type")?.as_bytes().to_vec())
                .map_err(|e| e.to_string())?,
        ))),
        (Some("result"), _, _) => Ok(AttestationScheme::Result(
            VerifierIdentity::new(
                hex::decode(
                    s.get("verifier_identity")
                        .and_then(Value::as_str)
                        .ok_or("verifier_identity")?,
                )
                .map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?,
        )),
        _ => Err(format!("not a scheme: {s}")),
    }
}

fn opt_bytes(v: &Value, name: &str) -> Result<Option<Vec<u8>>, String> {
    match field(v, name)? {
        Value::Null => Ok(None),
        Value::String(s) => hex::decode(s).map(Some).map_err(|e| format!("{name}: {e}")),
        _ => Err(format!("{name} is neither hex nor null")),
    }
}

fn opt_eq(what: &str, got: Option<&[u8]>, want: Option<&[u8]>) -> Result<(), String> {
    match (got, want) {
        (Some(g), Some(w)) => expect_eq(what, g, w),
        (None, None) => Ok(()),
        _ => Err(format!(
            "{what}: computed {:?}, recorded {:?}",
            got.map(hex::encode),
            want.map(hex::encode)
        )),
    }
}

fn scheme_eq(what: &str, got: Option<&AttestationScheme>, want: &Value) -> Result<(), String> {
    let got = got.map_or(Value::Null, scheme_json);
    if &got == want {
        Ok(())
    } else {
        Err(format!("{what}: negotiated {got}, recorded {want}"))
    }
}

/// Either machine, driven the same way.
enum Machine {
    Client(Box<ClientNegotiation>),
    Server(Box<ServerNegotiation>),
}

/// What a replayed machine hands its Verifier ([`Action::Appraise`]).
#[derive(Debug)]
pub struct Appraisal<'a> {
    /// The chosen scheme.
    pub scheme: &'a AttestationScheme,
    /// The peer's CMW.
    pub cmw: &'a [u8],
    /// The binder the machine recomputed from its own transcript.
    pub binder: &'a [u8],
    /// `Hash(SPKI)` of the peer's end-entity key.
    pub spki_hash: &'a [u8],
}

/// The Verifier of a replay: a verdict on each [`Appraisal`], or a reason to stop.
pub type Appraiser<'a> = dyn FnMut(Appraisal<'_>) -> Result<Result<(), Rejection>, String> + 'a;

/// How one side's replay ended.
#[derive(Debug, Default)]
pub struct SideReplay {
    /// The machine's first fatal error and the alert it names; the replay stops there.
    pub failed: Option<(Error, AlertDescription)>,
    /// The index (into the messages) of the message being processed when it failed.
    pub failed_at: Option<usize>,
    /// The binder this side asked its Attester to bind its Evidence to.
    pub own_binder: Option<Vec<u8>>,
    /// The binder this side handed its Verifier for the peer's Evidence.
    pub peer_binder: Option<Vec<u8>>,
    /// Whether the peer's attestation was accepted.
    pub peer_attested: bool,
    /// Whether the machine reports every negotiated attestation done.
    pub complete: bool,
    /// The scheme the server attests with, as this machine ended.
    pub server_scheme: Option<AttestationScheme>,
    /// The scheme the client attests with, as this machine ended.
    pub client_scheme: Option<AttestationScheme>,
}

impl Machine {
    fn handle(&mut self, input: Input) -> Result<(), Error> {
        match self {
            Self::Client(m) => m.handle(input),
            Self::Server(m) => m.handle(input),
        }
    }

    fn code_points(&self) -> CodePoints {
        match self {
            Self::Client(m) => m.code_points(),
            Self::Server(m) => m.code_points(),
        }
    }

    fn poll(&mut self) -> Option<Action> {
        match self {
            Self::Client(m) => m.poll_action(),
            Self::Server(m) => m.poll_action(),
        }
    }

    /// Feeds `input`, answers Evidence requests with `own_cmw` (the CMW this side sent) and
    /// appraisal requests with `appraise`, and returns the extension built. A fatal error
    /// is kept in `out.failed`, and nothing more is fed after it.
    fn drive(
        &mut self,
        input: Input,
        own_cmw: Option<&[u8]>,
        out: &mut SideReplay,
        appraise: &mut Appraiser<'_>,
    ) -> Result<Option<Vec<u8>>, String> {
        let mut inputs = vec![input];
        let mut built = None;
        while let Some(input) = inputs.pop() {
            if out.failed.is_some() {
                break;
            }
            // A fatal error also comes as `Event::Failed`; an input the machine cannot take
            // now (an altered recording's) ends the replay the same way.
            let cp = self.code_points();
            if let Err(error) = self.handle(input) {
                let alert = error.alert(&cp);
                out.failed.get_or_insert((error, alert));
            }
            while let Some(action) = self.poll() {
                match action {
                    Action::Extension { data, .. } => built = Some(data),
                    Action::ProduceEvidence { binder, .. } => {
                        out.own_binder = Some(binder);
                        inputs.push(Input::Evidence(own_cmw.map(<[u8]>::to_vec)));
                    }
                    Action::Appraise {
                        scheme,
                        cmw,
                        binder,
                        spki_hash,
                    } => {
                        out.peer_binder = Some(binder.clone());
                        inputs.push(Input::Verdict(appraise(Appraisal {
                            scheme: &scheme,
                            cmw: &cmw,
                            binder: &binder,
                            spki_hash: &spki_hash,
                        })?));
                    }
                    Action::Event(Event::Failed { error }) => {
                        let alert = error.alert(&cp);
                        out.failed.get_or_insert((error, alert));
                    }
                    Action::Event(Event::PeerAttested) => out.peer_attested = true,
                    _ => {}
                }
            }
        }
        Ok(built)
    }

    fn finish(&self, out: &mut SideReplay) {
        let (complete, server, client) = match self {
            Self::Client(m) => (
                m.is_complete(),
                m.chosen_server_scheme(),
                m.chosen_client_scheme(),
            ),
            Self::Server(m) => (
                m.is_complete(),
                m.chosen_server_scheme(),
                m.chosen_client_scheme(),
            ),
        };
        out.complete = complete;
        out.server_scheme = server.cloned();
        out.client_scheme = client.cloned();
    }
}

/// The CMW of a Certificate's `remoteAttestation`, if `found` is one.
fn cmw_of(found: Option<&Found>) -> Result<Option<Vec<u8>>, String> {
    match found {
        Some(f) if f.message == HandshakeType::CERTIFICATE => {
            match RemoteAttestation::decode_data(f.message, &f.data).map_err(|e| e.to_string())? {
                RemoteAttestation::Certificate(c) => Ok(Some(c.as_bytes().to_vec())),
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// Replays one side of a recording: a fresh machine configured as the vector's
/// `client_config` (`client`) or `server_config` says is fed `messages` in order, as
/// OpenSSL would feed it. A message this side sends is first built (its `remoteAttestation`
/// must be what the message carries; Evidence requests are answered with the CMW it
/// carries), then reported; a message it receives is reported, then each
/// `remoteAttestation` it carries is parsed (every CertificateEntry's, with its index and
/// certificate), then the end of a Certificate. Appraisals go to `appraise`. The replay
/// stops at the machine's first fatal error, which it returns in [`SideReplay::failed`].
///
/// # Errors
///
/// A malformed vector or message, an extension built that differs from the message's, or
/// the appraiser's error.
pub fn replay_side(
    v: &Value,
    client: bool,
    messages: &[Recorded],
    appraise: &mut Appraiser<'_>,
) -> Result<SideReplay, String> {
    let (cp, code_points) = code_points(v)?;
    let mut machine = if client {
        let mut cc = ClientConfig::new(
            config_list(v, "client_config", "server_attester_schemes")?,
            config_list(v, "client_config", "client_attester_schemes")?,
        );
        cc.code_points = code_points;
        cc.provider = provider();
        cc.require_server_attestation = flag(v, "client_config", "require_server_attestation")?;
        cc.require_client_attestation = flag(v, "client_config", "require_client_attestation")?;
        Machine::Client(Box::new(ClientNegotiation::new(cc)))
    } else {
        let mut sc = ServerConfig::new(
            config_list(v, "server_config", "attest_with")?,
            config_list(v, "server_config", "accept_from_client")?,
        );
        sc.code_points = code_points;
        sc.provider = provider();
        sc.require_client_attestation = flag(v, "server_config", "require_client_attestation")?;
        Machine::Server(Box::new(ServerNegotiation::new(sc)))
    };
    let mut out = SideReplay::default();
    // OpenSSL asks for the extension while building these.
    let builds = [
        HandshakeType::CLIENT_HELLO,
        HandshakeType::ENCRYPTED_EXTENSIONS,
        HandshakeType::CERTIFICATE_REQUEST,
        HandshakeType::CERTIFICATE,
    ];
    for (i, m) in messages.iter().enumerate() {
        let sent = m.from_client == client;
        let ty = HandshakeType(m.bytes.first().copied().unwrap_or_default());
        let message = Input::Message {
            sent,
            bytes: m.bytes.clone(),
        };
        if sent {
            // OpenSSL asks for the extension while building, then reports the message.
            if builds.contains(&ty) {
                let found = remote_attestation_in(&m.bytes, cp)?;
                let entry = if ty == HandshakeType::CERTIFICATE {
                    Some((0usize, end_entity(&m.bytes)?))
                } else {
                    None
                };
                let own_cmw = cmw_of(found.as_ref())?;
                let built = machine.drive(
                    Input::Build { message: ty, entry },
                    own_cmw.as_deref(),
                    &mut out,
                    appraise,
                )?;
                if out.failed.is_none() {
                    opt_eq(
                        &format!("{ty} remoteAttestation built"),
                        built.as_deref(),
                        found.as_ref().map(|f| f.data.as_slice()),
                    )?;
                }
            }
            machine.drive(message, None, &mut out, appraise)?;
        } else {
            // OpenSSL reports the message, then parses its extensions.
            machine.drive(message, None, &mut out, appraise)?;
            if ty == HandshakeType::CERTIFICATE {
                for (index, cert, data) in certificate_entries(&m.bytes, cp)? {
                    if let Some(data) = data {
                        let input = Input::Extension {
                            message: ty,
                            data,
                            entry: Some((index, cert)),
                        };
                        machine.drive(input, None, &mut out, appraise)?;
                    }
                }
                machine.drive(Input::PeerCertificateEnd, None, &mut out, appraise)?;
            } else if let Some(f) = remote_attestation_in(&m.bytes, cp)? {
                let input = Input::Extension {
                    message: ty,
                    data: f.data,
                    entry: None,
                };
                machine.drive(input, None, &mut out, appraise)?;
            }
        }
        if out.failed.is_some() {
            out.failed_at = Some(i);
            break;
        }
    }
    machine.finish(&mut out);
    Ok(out)
}

/// The handshake messages of an `early-session` vector, in order, each header checked
/// against its recorded `type`.
///
/// # Errors
///
/// A malformed `messages` field.
pub fn recorded_messages(v: &Value) -> Result<Vec<Recorded>, String> {
    let mut messages = Vec::new();
    for m in field(v, "messages")?.as_array().ok_or("messages")? {
        let from_client = match text(m, "from")? {
            "client" => true,
            "server" => false,
            other => return Err(format!("message from {other}")),
        };
        let bytes = hex::decode(text(m, "message")?).map_err(|e| e.to_string())?;
        let ty = HandshakeType(bytes.first().copied().unwrap_or_default());
        if ty.to_string() != text(m, "type")? {
            return Err(format!(
                "message type {ty} recorded as {}",
                text(m, "type")?
            ));
        }
        messages.push(Recorded { from_client, bytes });
    }
    Ok(messages)
}

/// The `remoteAttestation` code point of a vector, and the code points with it.
fn code_points(v: &Value) -> Result<(ExtensionType, CodePoints), String> {
    let cp_value = field(v, "codepoint")?
        .as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or("codepoint")?;
    let cp = ExtensionType(cp_value);
    let code_points = CodePoints::default()
        .with_remote_attestation(cp)
        .map_err(|e| e.to_string())?;
    Ok((cp, code_points))
}

fn config_list(v: &Value, side: &str, name: &str) -> Result<Vec<AttestationScheme>, String> {
    schemes(field(v, side)?, name)
}

fn flag(v: &Value, side: &str, name: &str) -> Result<bool, String> {
    field(field(v, side)?, name)?
        .as_bool()
        .ok_or_else(|| format!("{side}.{name} is not a bool"))
}

/// Checks one side's recorded outcome against its replayed machine.
fn compare_side(who: &str, recorded: &Value, computed: &SideReplay) -> Result<(), String> {
    if let Some((error, _)) = &computed.failed {
        return Err(format!(
            "{who}: replayed machine failed: {} ({error})",
            error.name()
        ));
    }
    if !computed.complete {
        return Err(format!("{who}: the replayed machine did not complete"));
    }
    scheme_eq(
        &format!("{who} server_scheme"),
        computed.server_scheme.as_ref(),
        field(recorded, "server_scheme")?,
    )?;
    scheme_eq(
        &format!("{who} client_scheme"),
        computed.client_scheme.as_ref(),
        field(recorded, "client_scheme")?,
    )?;
    opt_eq(
        &format!("{who} own_binder"),
        computed.own_binder.as_deref(),
        opt_bytes(recorded, "own_binder")?.as_deref(),
    )?;
    opt_eq(
        &format!("{who} peer_binder"),
        computed.peer_binder.as_deref(),
        opt_bytes(recorded, "peer_binder")?.as_deref(),
    )?;
    if Some(computed.peer_attested) != field(recorded, "peer_attested")?.as_bool() {
        return Err(format!("{who} peer_attested differs"));
    }
    Ok(())
}

/// Hex bytes, present and not empty.
fn hex_field(v: &Value, name: &str) -> Result<Vec<u8>, String> {
    let b = super::bytes(v, name)?;
    if b.is_empty() {
        return Err(format!("{name} is empty"));
    }
    Ok(b)
}

/// The attestation keys of `trust` by side, after checking the whole object's shape: the
/// Verifier's EAR-signing SPKI, identity, `verifier-id`, one attestation key per side at most,
/// the reference values and the policy bounds, and the Relying Party's anchor and tier.
fn trust_keys(trust: &Value) -> Result<[Option<Vec<u8>>; 2], String> {
    let v = field(trust, "verifier")?;
    hex_field(v, "spki")?;
    hex_field(v, "identity")?;
    let id = field(v, "verifier_id")?;
    text(id, "developer")?;
    text(id, "build")?;
    text(v, "policy_id")?;
    let mut keys: [Option<Vec<u8>>; 2] = [None, None];
    for k in field(v, "attestation_keys")?
        .as_array()
        .ok_or("attestation_keys is not a list")?
    {
        text(k, "name")?;
        let slot = match text(k, "side")? {
            "server" => keys.get_mut(0),
            "client" => keys.get_mut(1),
            other => return Err(format!("attestation key of side {other}")),
        }
        .ok_or("side")?;
        if slot.replace(hex_field(k, "spki")?).is_some() {
            return Err("two attestation keys for one side".into());
        }
    }
    let rv = field(v, "reference_values")?;
    text(rv, "swname")?;
    text(rv, "swversion")?;
    for m in field(rv, "measurements")?
        .as_array()
        .ok_or("measurements is not a list")?
    {
        text(m, "name")?;
        hex_field(m, "digest")?;
    }
    for n in [
        "evidence_max_age_secs",
        "max_clock_skew_secs",
        "ear_validity_secs",
        "min_dbgstat",
    ] {
        field(v, n)?.as_u64().ok_or(n)?;
    }
    field(v, "require_secure_boot")?
        .as_bool()
        .ok_or("require_secure_boot")?;
    let rp = field(trust, "relying_party")?;
    text(rp, "verifier_name")?;
    if !["affirming", "warning"].contains(&text(rp, "required_tier")?) {
        return Err("required_tier is neither affirming nor warning".into());
    }
    for n in ["result_max_age_secs", "max_clock_skew_secs"] {
        field(rp, n)?.as_u64().ok_or(n)?;
    }
    Ok(keys)
}

/// Runs one `early-session` vector.
///
/// # Errors
///
/// A description of the first recorded value the replay does not reproduce.
#[allow(clippy::too_many_lines)]
pub(super) fn run(v: &Value) -> Result<String, String> {
    let h = hash(v)?;
    if text(v, "hrr_reading")? != seat_proto::negotiation::HRR_READING {
        return Err("hrr_reading is not rfc8446-4.4.1".into());
    }
    if text(v, "protocol")? != "tls13" {
        return Err("recordings are TLS 1.3".into());
    }
    let (cp, _) = code_points(v)?;
    let messages = recorded_messages(v)?;

    // The transcript, its hash and the suite's hash.
    let hello = hello_messages(&messages);
    let recorded_hello = super::early::hex_list(v, "transcript")?;
    if hello != recorded_hello {
        return Err("transcript is not ClientHello..ServerHello of messages".into());
    }
    super::early::check_hello_transcript(&hello)?;
    let refs: Vec<&[u8]> = hello.iter().map(Vec::as_slice).collect();
    let th = handshake_transcript_hash(provider(), h, &refs).map_err(|e| e.to_string())?;
    expect_eq(
        "transcript_hash",
        th.as_bytes(),
        &super::bytes(v, "transcript_hash")?,
    )?;
    let hrr = hello.len() == 4;
    if field(v, "hrr")?.as_bool() != Some(hrr) {
        return Err("hrr differs".into());
    }
    let suite_hash = hello
        .last()
        .and_then(|sh| {
            let sid = usize::from(*sh.get(38)?);
            sh.get(39 + sid..41 + sid).map(<[u8]>::to_vec)
        })
        .ok_or("ServerHello has no cipher suite")?;
    let expected_hash = if suite_hash == [0x13, 0x02] {
        HashAlgorithm::Sha384
    } else {
        HashAlgorithm::Sha256
    };
    if expected_hash != h {
        return Err("hash is not the ServerHello suite's".into());
    }

    // Every remoteAttestation, in order, as recorded.
    let mut found = Vec::new();
    for m in &messages {
        found.push(remote_attestation_in(&m.bytes, cp)?);
    }
    let recorded_exts = field(v, "extensions")?.as_array().ok_or("extensions")?;
    let present: Vec<(usize, &Found)> = found
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.as_ref().map(|f| (i, f)))
        .collect();
    if present.len() != recorded_exts.len() {
        return Err(format!(
            "{} remoteAttestation extensions in the messages, {} recorded",
            present.len(),
            recorded_exts.len()
        ));
    }
    let mut server_cmw = None;
    let mut client_cmw = None;
    for ((i, f), e) in present.iter().zip(recorded_exts) {
        let index = field(e, "index")?.as_u64().ok_or("index")?;
        let from_client = messages.get(*i).is_some_and(|m| m.from_client);
        if usize::try_from(index).ok() != Some(*i)
            || message_type(text(e, "message")?)? != f.message
            || text(e, "from")? != if from_client { "client" } else { "server" }
        {
            return Err(format!(
                "extension {index} is not where the messages have it"
            ));
        }
        expect_eq(
            "extension_data",
            &f.data,
            &super::bytes(e, "extension_data")?,
        )?;
        let ra = RemoteAttestation::decode_data(f.message, &f.data).map_err(|e| e.to_string())?;
        if Some(&decoded_json(&ra)) != e.get("decoded") {
            return Err(format!("decoded {} differs", f.message));
        }
        if let RemoteAttestation::Certificate(c) = ra {
            let slot = if from_client {
                &mut client_cmw
            } else {
                &mut server_cmw
            };
            *slot = Some(c.as_bytes().to_vec());
        }
    }
    opt_eq(
        "server_cmw",
        server_cmw.as_deref(),
        opt_bytes(v, "server_cmw")?.as_deref(),
    )?;
    opt_eq(
        "client_cmw",
        client_cmw.as_deref(),
        opt_bytes(v, "client_cmw")?.as_deref(),
    )?;

    // The certificates and their SPKIs.
    let cert_of = |client: bool| -> Result<Option<Vec<u8>>, String> {
        messages
            .iter()
            .find(|m| {
                m.from_client == client && m.bytes.first() == Some(&HandshakeType::CERTIFICATE.0)
            })
            .map(|m| end_entity(&m.bytes))
            .transpose()
    };
    let server_cert = cert_of(false)?;
    let client_cert = cert_of(true)?;
    let server_spki = spki_of(&server_cert)?;
    let client_spki = spki_of(&client_cert)?;
    opt_eq(
        "server_spki",
        server_spki.as_deref(),
        opt_bytes(v, "server_spki")?.as_deref(),
    )?;
    opt_eq(
        "client_spki",
        client_spki.as_deref(),
        opt_bytes(v, "client_spki")?.as_deref(),
    )?;

    // The binders recomputed from the recorded bytes.
    let binder_of =
        |spki: &Option<Vec<u8>>, cmw: &Option<Vec<u8>>| -> Result<Option<Vec<u8>>, String> {
            match (spki, cmw) {
                (Some(s), Some(_)) => {
                    early_binder_from_messages(provider(), h, Protocol::Tls13, &refs, s)
                        .map(|b| Some(b.binder.as_bytes().to_vec()))
                        .map_err(|e| e.to_string())
                }
                _ => Ok(None),
            }
        };
    let s_binder = binder_of(&server_spki, &server_cmw)?;
    let c_binder = binder_of(&client_spki, &client_cmw)?;
    let attest_base = early_binder_from_messages(provider(), h, Protocol::Tls13, &refs, &[])
        .map_err(|e| e.to_string())?
        .attest_base;
    expect_eq(
        "attest_base",
        attest_base.as_bytes(),
        &super::bytes(v, "attest_base")?,
    )?;
    opt_eq(
        "s_attest_binder",
        s_binder.as_deref(),
        opt_bytes(v, "s_attest_binder")?.as_deref(),
    )?;
    opt_eq(
        "c_attest_binder",
        c_binder.as_deref(),
        opt_bytes(v, "c_attest_binder")?.as_deref(),
    )?;

    // Fresh machines, configured as recorded, fed in the recorded order; the appraisals
    // get the CMW the peer's Certificate carried and end as recorded.
    let client = field(v, "client")?;
    let server = field(v, "server")?;
    let replay = |side: &Value, is_client: bool| -> Result<SideReplay, String> {
        let accepted = field(side, "peer_attested")?.as_bool() == Some(true);
        let peer_cmw = if is_client {
            server_cmw.as_deref()
        } else {
            client_cmw.as_deref()
        };
        let mut appraise = |a: Appraisal<'_>| -> Result<Result<(), Rejection>, String> {
            opt_eq("peer CMW handed to the Verifier", Some(a.cmw), peer_cmw)?;
            let explanation = "recorded verdict".to_string();
            Ok(if accepted {
                Ok(())
            } else {
                Err(Rejection::new(Stage::Other, explanation))
            })
        };
        replay_side(v, is_client, &messages, &mut appraise)
    };
    let c_computed = replay(client, true)?;
    let s_computed = replay(server, false)?;
    compare_side("client", client, &c_computed)?;
    compare_side("server", server, &s_computed)?;
    // Both sides and the recomputation agree on each binder.
    opt_eq(
        "client's peer_binder",
        c_computed.peer_binder.as_deref(),
        s_binder.as_deref(),
    )?;
    opt_eq(
        "server's own_binder",
        s_computed.own_binder.as_deref(),
        s_binder.as_deref(),
    )?;
    opt_eq(
        "client's own_binder",
        c_computed.own_binder.as_deref(),
        c_binder.as_deref(),
    )?;
    opt_eq(
        "server's peer_binder",
        s_computed.peer_binder.as_deref(),
        c_binder.as_deref(),
    )?;

    // The recorded trust: a passport names the recorded Verifier, and a side attesting with
    // Evidence has its TEE's attestation key recorded.
    let trust = field(v, "trust")?;
    let tee_keys = trust_keys(trust)?;
    let identity = super::bytes(field(trust, "verifier")?, "identity")?;
    for (side, scheme, key) in [
        (
            "server",
            c_computed.server_scheme.as_ref(),
            tee_keys.first(),
        ),
        ("client", c_computed.client_scheme.as_ref(), tee_keys.get(1)),
    ] {
        match scheme {
            Some(AttestationScheme::Result(id)) if id.as_bytes() != identity.as_slice() => {
                return Err(format!(
                    "the {side} passport names a Verifier other than trust.verifier"
                ));
            }
            Some(AttestationScheme::Evidence(_)) if key.is_none_or(Option::is_none) => {
                return Err(format!(
                    "the {side} attests with Evidence but trust has no {side} attestation key"
                ));
            }
            _ => {}
        }
    }

    let name = |s: Option<&AttestationScheme>| s.map_or("none".to_string(), |s| s.to_string());
    let b = |x: &Option<Vec<u8>>| x.as_deref().map_or("-".to_string(), short);
    Ok(format!(
        "{} messages{}, {} extensions replayed; server {}, client {}; s_binder {}, c_binder {}",
        messages.len(),
        if hrr { " (HelloRetryRequest)" } else { "" },
        recorded_exts.len(),
        name(c_computed.server_scheme.as_ref()),
        name(c_computed.client_scheme.as_ref()),
        b(&s_binder),
        b(&c_binder),
    ))
}
