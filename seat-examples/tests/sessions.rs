//! Attested sessions over real rustls TLS 1.3 connections in memory, with the simulated TEE,
//! the in-process Verifier and the Relying-Party policy: every combination of who attests,
//! the RATS model and client authentication; re-attestation; the gate; and bad input
//! injected into the live TLS stream.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_proto::hooks::Stage;
use seat_proto::session::Event;
use seat_proto::shim::{Frame, Models};
use seat_proto::{ApiMisuse, AttestationError, Error, PeerMisbehaved};

const NOW: u64 = 1_790_000_000;

fn combos() -> Vec<Options> {
    let mut out = Vec::new();
    for (server_attests, client_attests) in [(true, false), (false, true), (true, true)] {
        for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
            for client_certificate in [false, true] {
                out.push(Options {
                    server_attests,
                    client_attests,
                    model,
                    client_certificate,
                    ..Options::default()
                });
            }
        }
    }
    out
}

/// Mutual background-check attestation, the client with a TLS certificate.
fn mutual() -> Options {
    Options {
        server_attests: true,
        client_attests: true,
        client_certificate: true,
        ..Options::default()
    }
}

fn attested(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::PeerAttested { .. }))
        .count()
}

#[test]
fn every_combination_attests_then_carries_data() {
    let combos = combos();
    assert_eq!(combos.len(), 12);
    for opts in combos {
        let mut pair = MemoryPair::connect(opts, NOW).unwrap();
        assert!(
            pair.both_open(),
            "{opts:?}: client {:?} server {:?}",
            pair.client.error,
            pair.server.error
        );
        assert_eq!(
            attested(pair.client.events()),
            usize::from(opts.server_attests),
            "{opts:?}"
        );
        assert_eq!(
            attested(pair.server.events()),
            usize::from(opts.client_attests),
            "{opts:?}"
        );
        pair.client.send(b"ping", NOW).unwrap();
        pair.run();
        pair.server.send(b"pong", NOW).unwrap();
        pair.run();
        assert_eq!(pair.server.delivered, b"ping", "{opts:?}");
        assert_eq!(pair.client.delivered, b"pong", "{opts:?}");
        // The account names the model and the binding.
        let account = [pair.client.account.lines(), pair.server.account.lines()]
            .concat()
            .join("\n");
        let model = if opts.model == Models::PASSPORT {
            "passport"
        } else {
            "background check"
        };
        assert!(account.contains(model), "{account}");
        assert!(account.contains("bound to this exchange"), "{account}");
    }
}

#[test]
fn reattestation_on_a_live_connection() {
    let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
    assert!(pair.both_open());
    pair.client.reattest(NOW + 10).unwrap();
    pair.run();
    pair.server.reattest(NOW + 20).unwrap();
    pair.run();
    assert_eq!(attested(pair.client.events()), 2);
    assert_eq!(attested(pair.server.events()), 2);
    assert!(pair.both_open());
}

#[test]
fn tampered_client_is_rejected_and_no_data_flows() {
    let opts = Options {
        client_tampered: true,
        ..Options::default()
    };
    let mut pair = MemoryPair::connect(opts, NOW).unwrap();
    assert!(!pair.server.session.is_open());
    // The Verifier's stage and reason reach the session's error and its Display.
    let Some(Error::Attestation(AttestationError::Rejected(rejection))) = pair.server.error.clone()
    else {
        panic!("{:?}", pair.server.error)
    };
    assert_eq!(rejection.stage, Stage::Policy);
    assert!(rejection.reason.contains("measurement"), "{rejection}");
    let shown = pair
        .server
        .error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(shown.contains("measurement"), "{shown}");
    let account = pair.server.account.lines().join("\n");
    assert!(account.contains("measurement"), "{account}");
    // The server's gate never opened: it refuses to send.
    assert_eq!(
        pair.server.send(b"secret", NOW).unwrap_err(),
        Error::Attestation(AttestationError::Rejected(rejection))
    );
    assert!(pair.client.delivered.is_empty());
}

#[test]
fn application_data_before_attestation_is_refused() {
    // A client that requires server attestation cannot send before it completes: drive the
    // TLS handshake only, then try.
    let opts = Options {
        server_attests: true,
        client_attests: false,
        ..Options::default()
    };
    let pair = MemoryPair::connect(opts, NOW).unwrap();
    assert!(pair.both_open());
    // A fresh client session that has not attested the server yet refuses data.
    let mut fresh = seat_proto::session::Session::new(
        std::sync::Arc::new(
            seat_proto::session::SessionConfig::builder(seat_binding::provider::default_provider())
                .requires(Models::BACKGROUND_CHECK)
                .chain_verifier(std::sync::Arc::new(
                    seat_proto::chain::DangerousSelfSignedVerifier::dangerous_new(
                        seat_proto::chain::Purpose::Server,
                    ),
                ))
                .build()
                .unwrap(),
        ),
        seat_binding::authenticator::Role::Client,
        None,
        Box::new(seat_binding::provider::aws_lc::AwsLcRandom),
    );
    let exporter =
        seat_binding::exporter::rustls_adapter::RustlsExporter::new(&*pair.client.tls).unwrap();
    fresh
        .handle(seat_proto::session::Input::Established {
            exporter: &exporter,
            now: NOW,
        })
        .unwrap();
    assert_eq!(
        fresh
            .handle(seat_proto::session::Input::Send(b"too early"))
            .unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
}

mod bad_input_on_the_wire {
    use super::*;

    /// Writes raw bytes into the client's TLS stream, as a misbehaving client would.
    fn inject(pair: &mut MemoryPair, bytes: &[u8]) {
        std::io::Write::write_all(&mut pair.client.tls.writer(), bytes).unwrap();
        pair.run();
    }

    fn server_only() -> MemoryPair {
        // The server requires client attestation; inject before the client answers by
        // building a pair where only the server attests... then inject into the open stream.
        MemoryPair::connect(Options::default(), NOW).unwrap()
    }

    #[test]
    fn garbage_frame() {
        let mut pair = server_only();
        inject(&mut pair, &[0x99, 0, 0, 1, 0]);
        assert_eq!(
            pair.server.error.as_ref().map(Error::name),
            Some("decode_error")
        );
        assert!(!pair.server.session.is_open());
        // The client learns why from the error frame.
        assert!(matches!(pair.client.error, Some(Error::PeerAborted { .. })));
    }

    #[test]
    fn oversized_frame() {
        let mut pair = server_only();
        inject(&mut pair, &[0x05, 0x7f, 0xff, 0xff]);
        assert!(matches!(pair.server.error, Some(Error::InvalidMessage(_))));
    }

    #[test]
    fn authenticator_for_a_context_never_requested() {
        let mut pair = server_only();
        let frame = Frame::Authenticator {
            exchange: 4242,
            message: vec![0x14, 0, 0, 32],
        }
        .to_vec()
        .unwrap();
        inject(&mut pair, &frame);
        assert_eq!(
            pair.server.error,
            Some(Error::PeerMisbehaved(
                PeerMisbehaved::UnexpectedAuthenticator
            ))
        );
    }

    #[test]
    fn second_hello() {
        let mut pair = server_only();
        let hello = Frame::Hello(seat_proto::shim::Hello {
            version: 1,
            attests: Models::BACKGROUND_CHECK,
            requires: Models::BACKGROUND_CHECK,
            cmw_forms: seat_proto::shim::CmwForms::BOTH,
            cmw_attestation: seat_proto::codepoints::CodePoints::DEFAULT.cmw_attestation(),
            label: b"Attestation".to_vec(),
        })
        .to_vec()
        .unwrap();
        inject(&mut pair, &hello);
        assert_eq!(
            pair.server.error,
            Some(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedFrame))
        );
    }

    #[test]
    fn second_authenticator_for_the_same_context() {
        let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
        pair.client.reattest(NOW).unwrap();
        pair.run();
        assert_eq!(attested(pair.client.events()), 2);
        // Exchange 2 is complete; a second answer to it is refused before its content is read.
        let frame = Frame::Authenticator {
            exchange: 2,
            message: vec![0x14, 0, 0, 32],
        }
        .to_vec()
        .unwrap();
        std::io::Write::write_all(&mut pair.server.tls.writer(), &frame).unwrap();
        pair.run();
        assert_eq!(
            pair.client.error,
            Some(Error::PeerMisbehaved(
                PeerMisbehaved::UnexpectedAuthenticator
            ))
        );
        assert!(!pair.client.session.is_open());
    }

    #[test]
    fn cmw_on_a_non_first_entry() {
        use seat_binding::authenticator::{AuthenticatorKeys, Role};
        use seat_binding::exporter::rustls_adapter::RustlsExporter;
        use seat_binding::provider::{SignatureAlgorithm, default_provider};
        use seat_proto::codepoints::{CodePoints, SignatureScheme};
        use seat_proto::ext::{CmwData, EntryExtension, EntryExtensions};
        use seat_proto::message::{
            AuthenticatorRequest, CertData, Certificate, CertificateEntry, CertificateVerify,
            Finished, RequestContext, SignatureBytes,
        };
        use seat_proto::shim::Deframer;

        let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
        // The client asks again; intercept its request before the server's session sees it.
        pair.client.reattest(NOW).unwrap();
        seat_examples::memory::move_tls(&mut pair.client.tls, &mut pair.server.tls);
        let mut raw = vec![0u8; 64 * 1024];
        let n = std::io::Read::read(&mut pair.server.tls.reader(), &mut raw).unwrap();
        let mut d = Deframer::new();
        d.push(&raw[..n]);
        let Some(Frame::Request { exchange, message }) = d.next_frame().unwrap() else {
            panic!("no request")
        };
        let cp = CodePoints::DEFAULT;
        let context = AuthenticatorRequest::decode(&message, &cp)
            .unwrap()
            .context()
            .as_bytes()
            .to_vec();

        // A correctly signed server authenticator for it, with the CMW on the second entry.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let entry = |exts| CertificateEntry {
            cert_data: CertData::new(cert.der().to_vec()).unwrap(),
            extensions: EntryExtensions::new(exts).unwrap(),
        };
        let cmw = EntryExtension::CmwAttestation {
            codepoint: cp.cmw_attestation(),
            cmw: CmwData::new(b"cmw".to_vec()).unwrap(),
        };
        let certificate = Certificate::new(
            RequestContext::new(context).unwrap(),
            vec![entry(vec![]), entry(vec![cmw])],
        )
        .unwrap()
        .to_vec();
        let exporter = RustlsExporter::new(&*pair.server.tls).unwrap();
        let keys = AuthenticatorKeys::derive(default_provider(), &exporter, Role::Server).unwrap();
        let signer = default_provider()
            .signing_key_from_pkcs8(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &key.serialize_der(),
            )
            .unwrap();
        let mut rng = |d: &mut [u8]| d.fill(7);
        let sig = keys
            .sign_certificate_verify(Some(&message), &certificate, signer.as_ref(), &mut rng)
            .unwrap();
        let cv = CertificateVerify {
            algorithm: SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: SignatureBytes::new(sig).unwrap(),
        }
        .to_vec();
        let fin = Finished::new(
            keys.finished_mac(Some(&message), &certificate, &cv)
                .as_bytes()
                .to_vec(),
        )
        .unwrap()
        .to_vec();
        let frame = Frame::Authenticator {
            exchange,
            message: [certificate, cv, fin].concat(),
        }
        .to_vec()
        .unwrap();
        std::io::Write::write_all(&mut pair.server.tls.writer(), &frame).unwrap();
        seat_examples::memory::move_tls(&mut pair.server.tls, &mut pair.client.tls);
        pair.client.pump_plaintext(NOW);
        assert_eq!(
            pair.client.error,
            Some(Error::PeerMisbehaved(
                PeerMisbehaved::AttestationNotOnFirstEntry
            ))
        );
    }

    #[test]
    fn peer_closing_mid_exchange() {
        // Stop the client right after the TLS handshake: the server's request stays
        // unanswered, and the close fails the session instead of opening it.
        let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
        assert!(pair.both_open());
        pair.server.reattest(NOW).unwrap();
        // The request is in flight; the client disappears.
        let result = pair
            .server
            .session
            .handle(seat_proto::session::Input::PeerClosed);
        assert_eq!(
            result.unwrap_err(),
            Error::Attestation(AttestationError::PeerClosed)
        );
    }

    #[test]
    fn peer_answer_deadline() {
        let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
        pair.server.reattest(NOW).unwrap();
        // The client's answer never arrives in time.
        let deadline = pair.server.session.poll_timeout().unwrap();
        let result = pair
            .server
            .session
            .handle(seat_proto::session::Input::Timeout { now: deadline });
        assert_eq!(
            result.unwrap_err(),
            Error::Attestation(AttestationError::PeerTimeout)
        );
        assert!(!pair.server.session.is_open());
    }
}

/// Issue 18: the adapters' data path (`rustls_glue::write_data`, the session's frames written
/// straight into rustls, and `read_plaintext`, rustls's plaintext read in place) over a real
/// rustls connection whose send buffer is far smaller than the writes: what rustls does not
/// take is spilled and written next, and the peer gets every byte once, in order, small
/// writes and large ones alike. And nothing is written while the gate is closed.
#[test]
fn the_adapters_data_path_loses_nothing_under_rustls_buffer_limits() {
    use seat_proto::rustls_glue::{Plaintext, read_plaintext, write_data};
    use seat_verify::embedded::testing::move_tls;
    use std::io::Write;

    let opts = mutual();
    let mut pair = MemoryPair::connect(opts, NOW).unwrap();
    assert!(pair.both_open());
    pair.client.tls.set_buffer_limit(Some(1000));
    let sizes = [
        1,
        64,
        255,
        256,
        257,
        5_000,
        16 * 1024,
        16 * 1024 + 1,
        100_000,
        0,
        3,
    ];
    let mut sent = Vec::new();
    for (i, n) in sizes.into_iter().enumerate() {
        let data: Vec<u8> = (0..n)
            .map(|j| u8::try_from((j * 7 + i) % 251).unwrap())
            .collect();
        let mut spill = Vec::new();
        write_data(
            &pair.client.session,
            &mut pair.client.tls.writer(),
            &data,
            &mut spill,
        )
        .unwrap();
        sent.extend_from_slice(&data);
        // As the blocking adapter writes its outgoing bytes: into rustls, sending records
        // whenever rustls's buffer is full.
        let mut at = 0;
        loop {
            let n = pair.client.tls.writer().write(&spill[at..]).unwrap();
            at += n;
            move_tls(&mut pair.client.tls, &mut pair.server.tls);
            let mut send = Vec::new();
            while let Ok(Plaintext::Fed(result)) = read_plaintext(
                &mut pair.server.tls,
                &mut pair.server.session,
                &mut pair.server.driver,
                NOW,
                &mut send,
                &mut pair.server.delivered,
            ) {
                result.unwrap();
            }
            assert!(send.is_empty());
            if at == spill.len() {
                break;
            }
        }
    }
    assert_eq!(pair.server.delivered.len(), sent.len());
    assert!(
        pair.server.delivered == sent,
        "bytes lost, duplicated or reordered"
    );

    // The gate: a relying client whose server never attested writes nothing.
    let refused = Options {
        server_tampered: true,
        ..opts
    };
    let mut pair = MemoryPair::connect(refused, NOW).unwrap();
    assert!(!pair.client.session.is_open());
    let mut spill = Vec::new();
    let err = write_data(
        &pair.client.session,
        &mut pair.client.tls.writer(),
        b"x",
        &mut spill,
    );
    assert!(err.is_err());
    assert!(spill.is_empty() && !pair.client.tls.wants_write());
}

/// Issue 18: one `read_plaintext` takes a burst of records that hold data frames (as rustls's
/// own `read` copies across records) and stops at the first record that starts with another
/// frame, which the next call feeds with the exporter: here a re-attestation request between
/// data, answered in order, and the data after it delivered by the call after that.
#[test]
fn one_read_takes_a_burst_of_data_records_and_stops_at_a_request() {
    use seat_binding::exporter::rustls_adapter::RustlsExporter;
    use seat_proto::rustls_glue::{Plaintext, read_plaintext, write_data};
    use seat_verify::embedded::testing::move_tls;

    let mut pair = MemoryPair::connect(mutual(), NOW).unwrap();
    assert!(pair.both_open());
    let mut spill = Vec::new();
    let write = |pair: &mut MemoryPair, data: &[u8], spill: &mut Vec<u8>| {
        write_data(
            &pair.client.session,
            &mut pair.client.tls.writer(),
            data,
            spill,
        )
        .unwrap();
        assert!(spill.is_empty());
    };
    // Three records of data, the client's request to attest again, one more data record.
    write(&mut pair, b"one ", &mut spill);
    write(&mut pair, b"two ", &mut spill);
    write(&mut pair, b"three ", &mut spill);
    let exporter = RustlsExporter::new(&*pair.client.tls).unwrap();
    let mut request = Vec::new();
    let mut ignored = Vec::new();
    pair.client
        .driver
        .reattest(
            &mut pair.client.session,
            &exporter,
            NOW,
            &mut request,
            &mut ignored,
        )
        .unwrap();
    assert!(!request.is_empty());
    std::io::Write::write_all(&mut pair.client.tls.writer(), &request).unwrap();
    write(&mut pair, b"four", &mut spill);
    move_tls(&mut pair.client.tls, &mut pair.server.tls);

    let mut send = Vec::new();
    let read = |pair: &mut MemoryPair, send: &mut Vec<u8>| {
        let read = read_plaintext(
            &mut pair.server.tls,
            &mut pair.server.session,
            &mut pair.server.driver,
            NOW,
            send,
            &mut pair.server.delivered,
        );
        assert!(matches!(read, Ok(Plaintext::Fed(Ok(())))), "{read:?}");
    };
    // The three data records in one call; the request not touched.
    read(&mut pair, &mut send);
    assert_eq!(pair.server.delivered, b"one two three ");
    assert!(send.is_empty(), "the request was fed in the same call");
    // The request: answered (Evidence and the authenticator), nothing delivered.
    read(&mut pair, &mut send);
    assert_eq!(pair.server.delivered, b"one two three ");
    assert!(!send.is_empty(), "the request was not answered");
    // The data after it.
    read(&mut pair, &mut send);
    assert_eq!(pair.server.delivered, b"one two three four");
}
