//! The data path without copies (issue 18, point 4): data frames decoded straight from the
//! received bytes into a buffer the caller lends, at every split point of the input; a frame
//! over the maximum refused with the same typed error however it arrives; the gate still
//! closed for data before attestation; nothing lost or duplicated.

use std::sync::Arc;

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, default_provider};
use seat_proto::codec::{DecodeError, DecodeErrorKind};
use seat_proto::codepoints::{AlertDescription, CodePoints};
use seat_proto::session::{Action, Input, Session, SessionConfig};
use seat_proto::shim::{
    CmwForms, DataPiece, Deframer, Frame, Hello, MAX_DATA_CHUNK, MAX_FRAME_PAYLOAD_LEN, Models,
    Piece, VERSION,
};
use seat_proto::{ApiMisuse, Error, PeerMisbehaved};

use crate::common::peer_verifier;

const NOW: u64 = 1_780_272_000;

fn hello() -> Frame {
    Frame::Hello(Hello {
        version: VERSION,
        attests: Models::BACKGROUND_CHECK,
        requires: Models::NONE,
        cmw_forms: CmwForms::BOTH,
        cmw_attestation: CodePoints::DEFAULT.cmw_attestation(),
        label: b"Attestation".to_vec(),
    })
}

/// Application bytes that differ at every position (so a lost, duplicated or reordered byte
/// shows).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// Every kind of frame, data frames of several sizes (empty among them) between them.
fn frames(big: usize) -> Vec<Frame> {
    vec![
        hello(),
        Frame::Data(pattern(300, 1)),
        Frame::Request {
            exchange: 7,
            message: vec![0x11, 0, 0, 0],
        },
        Frame::Data(vec![]),
        Frame::Data(pattern(big, 2)),
        Frame::Authenticator {
            exchange: 7,
            message: vec![0x14, 0, 0, 1, 9],
        },
        Frame::Data(pattern(1, 3)),
        Frame::Error {
            alert: AlertDescription(226),
            reason: 42,
            detail: "binder mismatch".into(),
        },
    ]
}

fn encode(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        f.encode(&mut out).unwrap();
    }
    out
}

/// Runs `next_piece` over `inputs` and rebuilds whole frames from the pieces, checking on
/// the way that a data frame's payload is never buffered and that its pieces add up to its
/// header's length.
fn by_pieces<'a>(
    inputs: impl IntoIterator<Item = &'a [u8]> + Clone,
) -> Result<Vec<Frame>, DecodeError> {
    let pieces = deframe(inputs.clone(), false);
    // The session's fast path (whole data frames at a boundary first) gives the same.
    assert_eq!(deframe(inputs, true), pieces);
    pieces
}

fn deframe<'a>(
    inputs: impl IntoIterator<Item = &'a [u8]>,
    whole_first: bool,
) -> Result<Vec<Frame>, DecodeError> {
    let mut d = Deframer::new();
    let mut out = Vec::new();
    let mut data: Option<(usize, Vec<u8>)> = None;
    for mut input in inputs {
        loop {
            while whole_first && let Some(payload) = d.next_whole_data(&mut input) {
                assert!(data.is_none(), "a whole data frame inside a data frame");
                out.push(Frame::Data(payload.to_vec()));
            }
            let Some(piece) = d.next_piece(&mut input)? else {
                break;
            };
            match piece {
                Piece::Frame(f) => {
                    assert!(data.is_none(), "a frame inside a data frame");
                    out.push(f);
                }
                Piece::Data(DataPiece::Header { len }) => {
                    assert!(data.is_none(), "a header inside a data frame");
                    data = Some((len, Vec::new()));
                }
                Piece::Data(DataPiece::Payload(bytes)) => {
                    assert!(!bytes.is_empty());
                    data.as_mut().unwrap().1.extend_from_slice(bytes);
                }
                _ => unreachable!(),
            }
            if let Some((len, bytes)) = &data
                && *len == bytes.len()
            {
                out.push(Frame::Data(data.take().unwrap().1));
            }
        }
        assert!(input.is_empty(), "input left over");
        // Only a partial header, or a partial frame of another type, is ever held.
        assert!(
            d.buffered() < 4 || !d.in_data_frame() && d.buffered() < 4 + 64,
            "buffered {} bytes",
            d.buffered()
        );
    }
    assert!(
        data.is_none() && d.buffered() == 0,
        "stream ended mid-frame"
    );
    Ok(out)
}

#[test]
fn pieces_at_every_split_point_give_the_frames() {
    let frames = frames(2_000);
    let stream = encode(&frames);
    // Two inputs, split at every point.
    for at in 0..=stream.len() {
        let (a, b) = stream.split_at(at);
        assert_eq!(by_pieces([a, b]).unwrap(), frames, "split at {at}");
    }
    // One byte at a time.
    assert_eq!(by_pieces(stream.chunks(1)).unwrap(), frames);
    // Three inputs, every pair of split points in the first frames.
    for i in 0..60 {
        for j in i..400 {
            let parts = [&stream[..i], &stream[i..j], &stream[j..]];
            assert_eq!(by_pieces(parts).unwrap(), frames, "split at {i}, {j}");
        }
    }
}

#[test]
fn pieces_of_frames_larger_than_a_record() {
    let frames = frames(MAX_DATA_CHUNK + 4_321);
    let stream = encode(&frames);
    for chunk in [1, 2, 3, 5, 4096, 16 * 1024, 16 * 1024 + 5, stream.len()] {
        assert_eq!(
            by_pieces(stream.chunks(chunk)).unwrap(),
            frames,
            "chunks of {chunk}"
        );
    }
}

/// The header of a frame one byte over the maximum, of type `ty`.
fn oversized(ty: u8) -> [u8; 4] {
    let [_, a, b, c] = u32::try_from(MAX_FRAME_PAYLOAD_LEN + 1)
        .unwrap()
        .to_be_bytes();
    [ty, a, b, c]
}

#[test]
fn a_frame_over_the_maximum_is_refused_with_the_same_error_however_it_arrives() {
    let prefix = encode(&[hello(), Frame::Data(pattern(10, 4))]);
    for ty in [0x05, 0x03] {
        let mut stream = prefix.clone();
        stream.extend_from_slice(&oversized(ty));
        stream.extend_from_slice(&[0; 64]);
        // Whole frames, the reference.
        let mut whole = Deframer::new();
        whole.push(&stream);
        assert!(matches!(whole.next_frame(), Ok(Some(Frame::Hello(_)))));
        assert!(matches!(whole.next_frame(), Ok(Some(Frame::Data(_)))));
        let expected = whole.next_frame().unwrap_err();
        assert_eq!(expected.what(), "frame.length");
        assert_eq!(
            expected.kind(),
            DecodeErrorKind::LengthOutOfRange {
                length: MAX_FRAME_PAYLOAD_LEN + 1,
                min: 0,
                max: MAX_FRAME_PAYLOAD_LEN,
            }
        );
        assert_eq!(expected.offset(), Some(prefix.len() + 1));
        // In pieces, split anywhere: the same error, as soon as the header is complete.
        for at in 0..=prefix.len() + 4 {
            let (a, b) = stream.split_at(at);
            assert_eq!(by_pieces([a, b]).unwrap_err(), expected, "split at {at}");
        }
        assert_eq!(by_pieces(stream.chunks(1)).unwrap_err(), expected);
        // And the session fails with it, through every entry.
        let lent = open_receiver_fed(&stream, Feed::Lent(1)).unwrap_err();
        assert_eq!(lent, Error::from(expected));
        let queued = open_receiver_fed(&stream, Feed::Queue(stream.len())).unwrap_err();
        assert_eq!(queued, lent);
        let adapter = open_receiver_fed(&stream, Feed::Adapter(7)).unwrap_err();
        assert_eq!(adapter, lent);
    }
}

/// A recorded SHA-256 TLS 1.3 exporter.
fn exporter() -> RecordedExporter {
    RecordedExporter::new(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[0x42; 32]),
    )
    .unwrap()
}

fn session(role: Role, requires: Models) -> Session {
    let config = SessionConfig::builder(default_provider())
        .requires(requires)
        .chain_verifier(peer_verifier(role))
        .max_early_data(1024)
        .build()
        .unwrap();
    Session::new(
        Arc::new(config),
        role,
        None,
        Box::new(|d: &mut [u8]| d.fill(9)),
    )
}

/// How the receiver is fed.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// `handle` in inputs of this size, data collected from `Action::Deliver`.
    Queue(usize),
    /// `handle_into` in inputs of this size.
    Lent(usize),
    /// As the stream adapters: `receive_data` first, the rest of the input (when it took
    /// nothing) through `handle_into`; inputs of this size.
    Adapter(usize),
    /// `handle_into`, split once at this point.
    SplitAt(usize),
}

/// Feeds `stream` to `session` as `how` says; what it delivered.
fn feed(session: &mut Session, stream: &[u8], how: Feed) -> Result<Vec<u8>, Error> {
    let e = exporter();
    let mut delivered = Vec::new();
    let inputs: Vec<&[u8]> = match how {
        Feed::Queue(n) | Feed::Lent(n) | Feed::Adapter(n) => stream.chunks(n.max(1)).collect(),
        Feed::SplitAt(at) => {
            let (a, b) = stream.split_at(at);
            vec![a, b]
        }
    };
    for input in inputs {
        let received = |bytes| Input::Received {
            bytes,
            exporter: &e,
            now: NOW,
        };
        match how {
            Feed::Queue(_) => session.handle(received(input))?,
            Feed::Lent(_) | Feed::SplitAt(_) => {
                session.handle_into(received(input), &mut delivered)?
            }
            Feed::Adapter(_) => {
                let mut rest = input;
                while !rest.is_empty() {
                    let taken = session.receive_data(rest, NOW, &mut delivered)?;
                    if taken == 0 {
                        session.handle_into(received(rest), &mut delivered)?;
                        break;
                    }
                    rest = &rest[taken..];
                }
            }
        }
        while let Some(action) = session.poll_action() {
            if let Action::Deliver(bytes) = action {
                assert!(matches!(how, Feed::Queue(_)), "queued with a lent buffer");
                delivered.extend_from_slice(&bytes);
            }
        }
    }
    Ok(delivered)
}

/// A client that requires nothing, established, fed `stream` (the server's).
fn open_receiver_fed(stream: &[u8], how: Feed) -> Result<Vec<u8>, Error> {
    let mut client = session(Role::Client, Models::NONE);
    client
        .handle(Input::Established {
            exporter: &exporter(),
            now: NOW,
        })
        .unwrap();
    while client.poll_action().is_some() {}
    assert!(client.is_open());
    feed(&mut client, stream, how)
}

/// The server's side of a conversation whose gates open at once: its hello, then each write
/// framed by the session (`Input::Send`), and the bytes written.
fn server_stream(writes: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
    let mut server = session(Role::Server, Models::NONE);
    server
        .handle(Input::Established {
            exporter: &exporter(),
            now: NOW,
        })
        .unwrap();
    let mut stream = Vec::new();
    let mut written = Vec::new();
    let drain = |s: &mut Session, stream: &mut Vec<u8>| {
        while let Some(a) = s.poll_action() {
            if let Action::Send(bytes) = a {
                stream.extend_from_slice(&bytes);
            }
        }
    };
    drain(&mut server, &mut stream);
    for w in writes {
        server.handle(Input::Send(w)).unwrap();
        drain(&mut server, &mut stream);
        written.extend_from_slice(w);
    }
    (stream, written)
}

#[test]
fn nothing_is_lost_or_duplicated_at_any_split_point() {
    let writes: Vec<Vec<u8>> = [1, 100, 0, 3, 700, 2]
        .iter()
        .enumerate()
        .map(|(i, n)| pattern(*n, i as u8))
        .collect();
    let (stream, written) = server_stream(&writes);
    for at in 0..=stream.len() {
        assert_eq!(
            open_receiver_fed(&stream, Feed::SplitAt(at)).unwrap(),
            written,
            "split at {at}"
        );
    }
    for n in [1, 2, 3, 4, 5, 7, 64, 1000, stream.len()] {
        for how in [Feed::Queue(n), Feed::Lent(n), Feed::Adapter(n)] {
            assert_eq!(open_receiver_fed(&stream, how).unwrap(), written, "{how:?}");
        }
    }
}

#[test]
fn writes_larger_than_a_frame_arrive_whole() {
    let writes: Vec<Vec<u8>> = [MAX_DATA_CHUNK * 2 + 17, 5, MAX_DATA_CHUNK]
        .iter()
        .enumerate()
        .map(|(i, n)| pattern(*n, i as u8))
        .collect();
    let (stream, written) = server_stream(&writes);
    for n in [1, 3, 4093, 16 * 1024, 16 * 1024 + 4, stream.len()] {
        for how in [Feed::Queue(n), Feed::Lent(n), Feed::Adapter(n)] {
            assert_eq!(open_receiver_fed(&stream, how).unwrap(), written, "{how:?}");
        }
    }
}

#[test]
fn data_frames_are_the_frames_send_queues() {
    let mut server = session(Role::Server, Models::NONE);
    let data = pattern(MAX_DATA_CHUNK * 3 + 1, 7);
    // Before the handshake, nothing.
    assert_eq!(
        server.data_frames(&data).unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    server
        .handle(Input::Established {
            exporter: &exporter(),
            now: NOW,
        })
        .unwrap();
    while server.poll_action().is_some() {}
    let mut vectored = Vec::new();
    let frames = server.data_frames(&data).unwrap();
    assert_eq!(frames.len(), 4);
    for (header, chunk) in frames {
        assert!(chunk.len() <= MAX_DATA_CHUNK);
        vectored.extend_from_slice(&header);
        vectored.extend_from_slice(chunk);
    }
    server.handle(Input::Send(&data)).unwrap();
    let Some(Action::Send(queued)) = server.poll_action() else {
        panic!("nothing queued")
    };
    assert_eq!(vectored, queued);
    // Independently of the encoder: type 0x05 and a 24-bit big-endian length per frame.
    assert_eq!(&vectored[..4], &[0x05, 0x00, 0x40, 0x00]);
    assert_eq!(vectored.len(), data.len() + 4 * 4);
    assert_eq!(server.data_frames(&[]).unwrap().count(), 0);
}

#[test]
fn the_gate_stays_closed_for_data_before_attestation() {
    // A relying client: its gate opens only once the server attested, which never happens.
    let e = exporter();
    let mut client = session(Role::Client, Models::BACKGROUND_CHECK);
    assert_eq!(
        client.data_frames(b"x").unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    client
        .handle(Input::Established {
            exporter: &e,
            now: NOW,
        })
        .unwrap();
    while client.poll_action().is_some() {}
    assert_eq!(
        client.data_frames(b"x").unwrap_err(),
        Error::ApiMisuse(ApiMisuse::GateClosed)
    );
    assert!(!client.is_failed());
    // The server's hello (it attests) and early data: held, not delivered, however fed.
    let stream = encode(&[
        hello(),
        Frame::Data(pattern(100, 1)),
        Frame::Data(pattern(200, 2)),
    ]);
    let mut delivered = Vec::new();
    let taken = client.receive_data(&stream, NOW, &mut delivered).unwrap();
    assert_eq!(taken, 0, "the hello is not data");
    client
        .handle_into(
            Input::Received {
                bytes: &stream,
                exporter: &e,
                now: NOW,
            },
            &mut delivered,
        )
        .unwrap();
    let more = encode(&[Frame::Data(pattern(50, 3))]);
    assert_eq!(
        client.receive_data(&more, NOW, &mut delivered).unwrap(),
        more.len()
    );
    assert!(delivered.is_empty());
    while let Some(a) = client.poll_action() {
        assert!(
            !matches!(a, Action::Deliver(_)),
            "delivered before the gate"
        );
    }
    assert!(!client.is_open());
    // Beyond the bound (1 KiB here) the peer is refused, as soon as a header announces it.
    let over = [0x05, 0x00, 0x04, 0x00];
    assert_eq!(
        client.receive_data(&over, NOW, &mut delivered).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::TooMuchEarlyData)
    );
    assert!(client.is_failed() && delivered.is_empty());
}

#[test]
fn data_before_the_peers_hello_is_refused() {
    let stream = encode(&[Frame::Data(pattern(5, 1))]);
    for how in [Feed::Queue(stream.len()), Feed::Lent(1), Feed::Adapter(3)] {
        assert_eq!(
            open_receiver_fed(&stream, how).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedFrame),
            "{how:?}"
        );
    }
}
