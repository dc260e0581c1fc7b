//! The transcript tap: recovers the plaintext handshake messages from ClientHello up to
//! ServerHello out of the raw TLS 1.3 bytes of each direction, so that the early-attestation
//! binder (draft-fossati-seat-early-attestation section 5.1.1, `Transcript-Hash(ClientHello
//! ... ServerHello)`) can be computed for any stack that lets its caller see its bytes.
//!
//! Feed each direction's bytes as they pass, in any chunking: records may be split across
//! calls, and handshake messages across records (RFC 8446 section 5.1). The tap ignores
//! `change_cipher_spec` records (middlebox compatibility mode, RFC 8446 appendix D.4) and
//! everything encrypted, and it stops caring once the real ServerHello has been seen. A
//! HelloRetryRequest is recognised by its random (RFC 8446 section 4.1.3), and the transcript
//! then holds `ClientHello1, HelloRetryRequest, ClientHello2, ServerHello` in that order; the
//! binder applies the RFC 8446 section 4.4.1 `message_hash` rule to it (ambiguity A1 of the
//! implementation digest).
//!
//! OpenSSL servers build their Certificate before any byte of their flight reaches the
//! socket; on that side the messages come from OpenSSL's message callback instead.
//!
//! ```
//! use seat_proto::transcript::TranscriptTap;
//!
//! let mut tap = TranscriptTap::new();
//! // A ClientHello record split in two writes, then the ServerHello record.
//! let ch = [22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0];
//! tap.handle_client_bytes(&ch[..6])?;
//! tap.handle_client_bytes(&ch[6..])?;
//! assert!(!tap.is_complete());
//! let mut sh = vec![22, 3, 3, 0, 38, 2, 0, 0, 34, 3, 3];
//! sh.extend([0x11; 32]);
//! tap.handle_server_bytes(&sh)?;
//! assert!(tap.is_complete());
//! assert_eq!(tap.messages().map(|m| m.len()), Some(2));
//! # Ok::<(), seat_proto::Error>(())
//! ```

use crate::codec::{DecodeError, DecodeErrorKind, Reader};
use crate::codepoints::HandshakeType;
use crate::error::{Error, PeerMisbehaved};
use crate::message::MAX_HANDSHAKE_MESSAGE_LEN;

/// The largest TLSPlaintext fragment: 2^14 bytes (RFC 8446 section 5.1).
pub const MAX_PLAINTEXT_RECORD_LEN: usize = 1 << 14;

/// The ServerHello random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest")
/// (RFC 8446 section 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;
const CONTENT_APPLICATION_DATA: u8 = 23;
const RECORD_HEADER_LEN: usize = 5;

/// What one direction has sent so far.
#[derive(Debug, Default)]
struct Direction {
    /// Bytes of a record not yet complete.
    record: Vec<u8>,
    /// Handshake bytes of a message not yet complete.
    handshake: Vec<u8>,
    /// Complete plaintext handshake messages, headers included.
    messages: Vec<Vec<u8>>,
    /// Bytes consumed so far, for error offsets.
    offset: usize,
    /// Whether the direction has switched to encrypted records.
    encrypted: bool,
}

impl Direction {
    fn handle(&mut self, mut bytes: &[u8]) -> Result<(), Error> {
        while !bytes.is_empty() && !self.encrypted {
            // Complete the record header, then the record.
            let need = if self.record.len() < RECORD_HEADER_LEN {
                RECORD_HEADER_LEN - self.record.len()
            } else {
                let len = record_len(&self.record);
                if len > MAX_PLAINTEXT_RECORD_LEN {
                    return Err(PeerMisbehaved::RecordOverflow.into());
                }
                RECORD_HEADER_LEN + len - self.record.len()
            };
            let (take, rest) = bytes.split_at(need.min(bytes.len()));
            self.record.extend_from_slice(take);
            bytes = rest;
            if self.record.len() >= RECORD_HEADER_LEN
                && self.record.len() == RECORD_HEADER_LEN + record_len(&self.record)
            {
                let record = core::mem::take(&mut self.record);
                self.handle_record(&record)?;
                self.offset += record.len();
            }
        }
        Ok(())
    }

    fn handle_record(&mut self, record: &[u8]) -> Result<(), Error> {
        let (header, fragment) = record.split_at(RECORD_HEADER_LEN.min(record.len()));
        let content_type = header.first().copied().unwrap_or_default();
        match content_type {
            CONTENT_HANDSHAKE => {
                if fragment.is_empty() {
                    // RFC 8446 section 5.1: no zero-length handshake fragments.
                    return Err(Error::InvalidMessage(DecodeError::new(
                        "TLSPlaintext.fragment",
                        self.offset + RECORD_HEADER_LEN,
                        DecodeErrorKind::LengthOutOfRange {
                            length: 0,
                            min: 1,
                            max: MAX_PLAINTEXT_RECORD_LEN,
                        },
                    )));
                }
                self.handshake.extend_from_slice(fragment);
                self.split_messages()
            }
            CONTENT_CHANGE_CIPHER_SPEC => Ok(()),
            CONTENT_APPLICATION_DATA => {
                self.encrypted = true;
                Ok(())
            }
            CONTENT_ALERT => Err(PeerMisbehaved::AlertDuringHello.into()),
            other => Err(Error::InvalidMessage(DecodeError::new(
                "TLSPlaintext.type",
                self.offset,
                DecodeErrorKind::UnknownValue {
                    value: u16::from(other),
                },
            ))),
        }
    }

    fn split_messages(&mut self) -> Result<(), Error> {
        loop {
            let mut r = Reader::new(&self.handshake);
            let (Ok(_), Ok(len)) = (r.u8("Handshake.msg_type"), r.u24("Handshake.length")) else {
                return Ok(());
            };
            if len > MAX_HANDSHAKE_MESSAGE_LEN {
                return Err(Error::InvalidMessage(DecodeError::new(
                    "Handshake.length",
                    self.offset,
                    DecodeErrorKind::LengthOutOfRange {
                        length: len,
                        min: 0,
                        max: MAX_HANDSHAKE_MESSAGE_LEN,
                    },
                )));
            }
            if self.handshake.len() < 4 + len {
                return Ok(());
            }
            let rest = self.handshake.split_off(4 + len);
            let message = core::mem::replace(&mut self.handshake, rest);
            self.messages.push(message);
        }
    }
}

fn record_len(header: &[u8]) -> usize {
    match header.get(3..5) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => 0,
    }
}

/// Recovers `ClientHello ... ServerHello` from the bytes of a TLS 1.3 connection.
///
/// See the [module documentation](self).
#[derive(Debug, Default)]
pub struct TranscriptTap {
    client: Direction,
    server: Direction,
    transcript: Option<Vec<Vec<u8>>>,
}

impl TranscriptTap {
    /// A tap that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes the client sent.
    ///
    /// # Errors
    ///
    /// A malformed record or handshake message, an oversized record, an alert, or a message
    /// that cannot come at this point of the handshake.
    pub fn handle_client_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.transcript.is_none() {
            self.client.handle(bytes)?;
            self.assemble()?;
        }
        Ok(())
    }

    /// Feeds bytes the server sent.
    ///
    /// # Errors
    ///
    /// As [`handle_client_bytes`](Self::handle_client_bytes).
    pub fn handle_server_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.transcript.is_none() {
            self.server.handle(bytes)?;
            self.assemble()?;
        }
        Ok(())
    }

    /// Whether the real ServerHello has been seen.
    pub fn is_complete(&self) -> bool {
        self.transcript.is_some()
    }

    /// Whether the server sent a HelloRetryRequest.
    pub fn had_hello_retry_request(&self) -> bool {
        self.server
            .messages
            .first()
            .is_some_and(|m| is_hello_retry_request(m))
    }

    /// The messages from ClientHello to ServerHello, in handshake order and with their
    /// headers, once complete: `[ClientHello, ServerHello]`, or `[ClientHello1,
    /// HelloRetryRequest, ClientHello2, ServerHello]`.
    pub fn messages(&self) -> Option<Vec<&[u8]>> {
        self.transcript
            .as_ref()
            .map(|t| t.iter().map(Vec::as_slice).collect())
    }

    /// Checks what each side has sent and, once the real ServerHello is there, fixes the
    /// transcript.
    fn assemble(&mut self) -> Result<(), Error> {
        let client = &self.client.messages;
        let server = &self.server.messages;
        for m in client {
            expect_type(m, HandshakeType::CLIENT_HELLO)?;
        }
        for m in server {
            expect_type(m, HandshakeType::SERVER_HELLO)?;
        }
        let hrr = server.first().is_some_and(|m| is_hello_retry_request(m));
        if server.get(1).is_some_and(|m| is_hello_retry_request(m)) {
            // RFC 8446 section 4.1.4: a second HelloRetryRequest is an unexpected message.
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        // Until the server has answered, a second ClientHello may simply have been fed first.
        let max_client = if server.is_empty() || hrr { 2 } else { 1 };
        let max_server = if hrr { 2 } else { 1 };
        if client.len() > max_client {
            return Err(PeerMisbehaved::UnexpectedClientHello.into());
        }
        if server.len() > max_server {
            return Err(PeerMisbehaved::UnexpectedServerHello.into());
        }
        let transcript = match (client.as_slice(), server.as_slice()) {
            ([ch], [sh]) if !hrr => vec![ch.clone(), sh.clone()],
            ([ch1, ch2], [hrr, sh]) => vec![ch1.clone(), hrr.clone(), ch2.clone(), sh.clone()],
            _ => return Ok(()),
        };
        self.transcript = Some(transcript);
        Ok(())
    }
}

fn expect_type(message: &[u8], expected: HandshakeType) -> Result<(), Error> {
    let found = HandshakeType(message.first().copied().unwrap_or_default());
    if found == expected {
        Ok(())
    } else {
        Err(PeerMisbehaved::UnexpectedHandshakeMessage { expected, found }.into())
    }
}

/// Whether a ServerHello message (header included) is a HelloRetryRequest: its random, after
/// the 4-byte header and the 2-byte legacy_version, is the special value.
pub fn is_hello_retry_request(server_hello: &[u8]) -> bool {
    server_hello.get(6..38) == Some(&HELLO_RETRY_REQUEST_RANDOM[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content_type: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![content_type, 3, 3];
        r.extend(u16::try_from(payload.len()).unwrap().to_be_bytes());
        r.extend(payload);
        r
    }

    fn hello(msg_type: u8, random: [u8; 32]) -> Vec<u8> {
        let mut m = vec![msg_type, 0, 0, 34, 3, 3];
        m.extend(random);
        m
    }

    #[test]
    fn reassembles_messages_split_across_records_and_calls() {
        let ch = hello(1, [7; 32]);
        let mut bytes = record(22, &ch[..10]);
        bytes.extend(record(20, &[1])); // compatibility-mode CCS in between
        bytes.extend(record(22, &ch[10..]));
        let mut tap = TranscriptTap::new();
        for b in bytes.chunks(3) {
            tap.handle_client_bytes(b).unwrap();
        }
        let sh = hello(2, [9; 32]);
        let mut server = record(22, &sh);
        server.extend(record(23, &[0xaa; 40])); // encrypted flight: ignored
        tap.handle_server_bytes(&server).unwrap();
        assert!(!tap.had_hello_retry_request());
        assert_eq!(tap.messages().unwrap(), vec![&ch[..], &sh[..]]);
    }

    #[test]
    fn orders_a_hello_retry_exchange() {
        let ch1 = hello(1, [1; 32]);
        let hrr = hello(2, HELLO_RETRY_REQUEST_RANDOM);
        let ch2 = hello(1, [2; 32]);
        let sh = hello(2, [3; 32]);
        let mut tap = TranscriptTap::new();
        tap.handle_client_bytes(&record(22, &ch1)).unwrap();
        tap.handle_server_bytes(&record(22, &hrr)).unwrap();
        assert!(!tap.is_complete());
        tap.handle_client_bytes(&record(22, &ch2)).unwrap();
        tap.handle_server_bytes(&record(22, &sh)).unwrap();
        assert!(tap.had_hello_retry_request());
        assert_eq!(
            tap.messages().unwrap(),
            vec![&ch1[..], &hrr[..], &ch2[..], &sh[..]]
        );
    }

    #[test]
    fn rejects_what_cannot_happen_before_server_hello() {
        let mut tap = TranscriptTap::new();
        let err = tap
            .handle_client_bytes(&record(22, &hello(2, [0; 32])))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::UnexpectedHandshakeMessage { .. })
        ));

        let mut tap = TranscriptTap::new();
        let hrr = hello(2, HELLO_RETRY_REQUEST_RANDOM);
        tap.handle_client_bytes(&record(22, &hello(1, [0; 32])))
            .unwrap();
        tap.handle_server_bytes(&record(22, &hrr)).unwrap();
        let err = tap.handle_server_bytes(&record(22, &hrr)).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::SecondHelloRetryRequest)
        );

        let mut tap = TranscriptTap::new();
        let mut big = vec![22, 3, 3, 0x40, 0x01];
        big.extend([0; 10]);
        assert_eq!(
            tap.handle_client_bytes(&big).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::RecordOverflow)
        );

        let mut tap = TranscriptTap::new();
        assert!(matches!(
            tap.handle_client_bytes(&record(22, &[])).unwrap_err(),
            Error::InvalidMessage(_)
        ));
        let mut tap = TranscriptTap::new();
        assert_eq!(
            tap.handle_server_bytes(&record(21, &[2, 40])).unwrap_err(),
            Error::PeerMisbehaved(PeerMisbehaved::AlertDuringHello)
        );
    }
}
