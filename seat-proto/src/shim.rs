//! The shim framing: how authenticator requests, authenticators, errors and application data
//! travel over the TLS application stream.
//!
//! RFC 9261 leaves transport to the application, and the intended standard (ALTEA,
//! draft-reddy-seat-expat-transport) could not be obtained, so seat defines this small,
//! versioned framing. It is isolated here so that ALTEA can replace it without touching the
//! exchange logic in [`session`](crate::session).
//!
//! # Wire format, version 1
//!
//! Every frame is `type (1 byte) || length (3 bytes, big-endian) || payload (length bytes)`,
//! with `length <= MAX_FRAME_PAYLOAD_LEN`. All integers are big-endian.
//!
//! | type | frame | payload |
//! | --- | --- | --- |
//! | `0x01` | hello | `version (1) = 0x01`, `attests (1)`, `requires (1)`, `cmw_forms (1)`, `cmw_attestation code point (2)`, `label<1..255>` (1-byte length) |
//! | `0x02` | request | `exchange_id (4)`, then the authenticator request: a whole `CertificateRequest` or `ClientCertificateRequest` handshake message |
//! | `0x03` | authenticator | `exchange_id (4)`, then the authenticator: `Certificate ‖ CertificateVerify ‖ Finished`, or a lone `Finished` (refusal) |
//! | `0x04` | error | `alert (1)`, `reason (2)`, `detail<0..255>` (1-byte length, UTF-8) |
//! | `0x05` | data | application bytes |
//!
//! `attests` and `requires` are bit sets of attestation models: `0x01` background check (the
//! attester sends Evidence), `0x02` passport (the attester sends an Attestation Result).
//! `attests` says what this peer can answer with; `requires` says what it demands from the
//! other peer (zero: nothing). `cmw_forms` is a bit set of accepted CMW serialisations:
//! `0x01` CBOR, `0x02` JSON. The code point and label are those this peer uses, so that a
//! mismatch is caught before any exchange rather than as a failed binder.
//!
//! Each side sends hello first, once. The exchange id is chosen by the requester and echoed in
//! the authenticator; together with the request context it correlates the two. The error
//! frame carries the TLS alert the failure maps to and a reason code (a stable number per
//! error kind of this crate), because a TLS stack such as rustls cannot send arbitrary alerts;
//! after it the sender closes the connection with `close_notify`.
//!
//! # Recorded sessions (`session` interop vectors)
//!
//! The conformance suite records whole conversations in this framing over real rustls
//! connections (`seat-conformance/vectors/session/`, format `seat-vectors/1`, kind
//! `session`), for other implementations to replay. Beside the common vector fields, a
//! recording holds:
//!
//! - `stack`, `cipher_suite`, `hash`, `protocol`, `now` (the time every input carried);
//! - `keylog`: the NSS key-log secrets by label; `EXPORTER_SECRET` gives every exporter;
//! - `frames`: `[{"from": "client"|"server", "frame": hex}]`, every frame above, whole
//!   (header included), in the order written; one side's frames concatenated are the byte
//!   stream the other side read;
//! - `tls_records`: the TLS records each side wrote after the handshake, which decrypt with
//!   the key log's application traffic secrets to exactly those frames;
//! - `trust`: the Verifier (EAR key, policy, trusted attestation keys, reference values) and
//!   the Relying-Party policy both sides use;
//! - `client`, `server`: each side's session configuration (`attests`, `requires`,
//!   `cmw_forms`, `cmw_attestation`, `label` as in its hello; `signature_schemes`,
//!   `chain_verifier`, `credential`, `tee`, `decline`, `rng_seed`, `verifier_rng_seed`,
//!   timeouts), the `inputs` its machine got (`established`, `received` with a byte count of
//!   the peer's stream, `send`, `reattest`), and what came out: `evidence`, `appraisals`,
//!   `events`, `delivered`, and the final `open` and `failed`.
//!
//! Each field's derivation, and how to replay a side, is spelled out in
//! `seat-conformance/vectors/README.md`.

use core::fmt;

use crate::codec::{DecodeError, DecodeErrorKind, EncodeError, Reader, U24_MAX, put_u16, put_u24};
use crate::codepoints::{AlertDescription, ExtensionType};

/// The shim framing version this crate speaks.
pub const VERSION: u8 = 1;

/// The largest frame payload: 512 KiB.
///
/// An authenticator is bounded by the handshake message limit (256 KiB per message, and in
/// practice one Certificate with one CMW under 64 KiB); data frames are split by the sender
/// at [`MAX_DATA_CHUNK`]. The bound caps what a peer can make a receiver buffer.
pub const MAX_FRAME_PAYLOAD_LEN: usize = 512 * 1024;

/// The largest application chunk one data frame carries; larger writes are split.
pub const MAX_DATA_CHUNK: usize = 16 * 1024;

const HEADER_LEN: usize = 4;

/// The most a [`Deframer`] keeps allocated once everything it buffered was framed: larger
/// buffers (a burst of data, an authenticator) are released, so an idle connection holds
/// little.
const IDLE_BUFFER: usize = 1024;

/// Appends a data frame carrying `payload` to `out`: its header, then the payload, copied
/// once (the data path's encoder; [`Frame::encode`] of a [`Frame::Data`] comes here).
///
/// # Errors
///
/// [`EncodeError`] for a payload over [`MAX_FRAME_PAYLOAD_LEN`].
pub fn encode_data_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    crate::codec::check_len("frame payload", payload.len(), 0, MAX_FRAME_PAYLOAD_LEN)?;
    out.reserve(HEADER_LEN + payload.len());
    out.extend_from_slice(&data_frame_header(payload.len()));
    out.extend_from_slice(payload);
    Ok(())
}

/// The header of a data frame of `len` payload bytes; `len` is at most
/// [`MAX_FRAME_PAYLOAD_LEN`] (the callers' bound).
pub(crate) fn data_frame_header(len: usize) -> [u8; HEADER_LEN] {
    debug_assert!(len <= MAX_FRAME_PAYLOAD_LEN);
    let [_, a, b, c] = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    [frame_type::DATA, a, b, c]
}

/// Frame type bytes.
mod frame_type {
    pub(super) const HELLO: u8 = 0x01;
    pub(super) const REQUEST: u8 = 0x02;
    pub(super) const AUTHENTICATOR: u8 = 0x03;
    pub(super) const ERROR: u8 = 0x04;
    pub(super) const DATA: u8 = 0x05;
}

/// Attestation models, as a bit set.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Models(u8);

impl Models {
    /// None.
    pub const NONE: Self = Self(0);
    /// Background check: the attester sends Evidence that the relying party's Verifier
    /// appraises (CMW `ind` 4).
    pub const BACKGROUND_CHECK: Self = Self(0x01);
    /// Passport: the attester sends an Attestation Result from its Verifier (CMW `ind` 8).
    pub const PASSPORT: Self = Self(0x02);
    /// Both models.
    pub const BOTH: Self = Self(0x03);

    /// The raw bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether no model is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every model of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The models in both sets.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
}

impl fmt::Debug for Models {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (Self::BACKGROUND_CHECK, "background-check"),
            (Self::PASSPORT, "passport"),
        ]
        .iter()
        .filter(|(m, _)| self.contains(*m))
        .map(|(_, n)| *n)
        .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join("+"))
        }
    }
}

/// CMW serialisations, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CmwForms(u8);

impl CmwForms {
    /// CBOR CMW (record, tag, collection).
    pub const CBOR: Self = Self(0x01);
    /// JSON CMW (record, collection).
    pub const JSON: Self = Self(0x02);
    /// Both serialisations.
    pub const BOTH: Self = Self(0x03);

    /// The raw bits.
    pub const fn bits(self) -> u8 {
        self.0
    }
}

/// The hello frame: one peer's capabilities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The framing version.
    pub version: u8,
    /// The models this peer can attest with.
    pub attests: Models,
    /// The models this peer requires of the other (empty: no attestation required).
    pub requires: Models,
    /// The CMW serialisations this peer accepts.
    pub cmw_forms: CmwForms,
    /// The `cmw_attestation` code point this peer uses.
    pub cmw_attestation: ExtensionType,
    /// The expat exporter label this peer uses (1 to 255 bytes).
    pub label: Vec<u8>,
}

/// A stable number for each reason an error frame can carry.
pub type ReasonCode = u16;

/// A decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// Capabilities; the first frame each side sends.
    Hello(Hello),
    /// An authenticator request.
    Request {
        /// Chosen by the requester.
        exchange: u32,
        /// The whole request handshake message.
        message: Vec<u8>,
    },
    /// An authenticator answering the request of the same exchange.
    Authenticator {
        /// The exchange being answered.
        exchange: u32,
        /// The authenticator bytes.
        message: Vec<u8>,
    },
    /// A fatal error; the sender closes the connection after it.
    Error {
        /// The TLS alert the failure maps to.
        alert: AlertDescription,
        /// The reason code.
        reason: ReasonCode,
        /// A short explanation (at most 255 bytes of UTF-8).
        detail: String,
    },
    /// Application bytes.
    Data(Vec<u8>),
}

impl Frame {
    /// Appends the frame.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`] when the payload would exceed [`MAX_FRAME_PAYLOAD_LEN`] or a
    /// field its bound (a label over 255 bytes).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let mut payload = Vec::new();
        let ty = match self {
            Self::Hello(h) => {
                crate::codec::check_len("hello.label", h.label.len(), 1, 0xff)?;
                payload.extend([h.version, h.attests.0, h.requires.0, h.cmw_forms.0]);
                put_u16(&mut payload, h.cmw_attestation.0);
                payload.push(u8::try_from(h.label.len()).unwrap_or(u8::MAX));
                payload.extend_from_slice(&h.label);
                frame_type::HELLO
            }
            Self::Request { exchange, message } => {
                payload.extend(exchange.to_be_bytes());
                payload.extend_from_slice(message);
                frame_type::REQUEST
            }
            Self::Authenticator { exchange, message } => {
                payload.extend(exchange.to_be_bytes());
                payload.extend_from_slice(message);
                frame_type::AUTHENTICATOR
            }
            Self::Error {
                alert,
                reason,
                detail,
            } => {
                // Truncate the explanation at a character boundary within 255 bytes.
                let mut end = detail.len().min(0xff);
                while !detail.is_char_boundary(end) {
                    end -= 1;
                }
                let detail = detail.get(..end).unwrap_or_default();
                payload.push(alert.0);
                put_u16(&mut payload, *reason);
                payload.push(u8::try_from(detail.len()).unwrap_or(u8::MAX));
                payload.extend_from_slice(detail.as_bytes());
                frame_type::ERROR
            }
            Self::Data(bytes) => return encode_data_frame(bytes, out),
        };
        crate::codec::check_len("frame payload", payload.len(), 0, MAX_FRAME_PAYLOAD_LEN)?;
        out.push(ty);
        put_u24(out, payload.len().min(U24_MAX));
        out.extend_from_slice(&payload);
        debug_assert_eq!(out.len() - start, HEADER_LEN + payload.len());
        Ok(())
    }

    /// The frame as a new vector, allocated once at its final size.
    ///
    /// # Errors
    ///
    /// As [`encode`](Self::encode).
    pub fn to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = match self {
            Self::Data(bytes) => Vec::with_capacity(HEADER_LEN + bytes.len()),
            _ => Vec::new(),
        };
        self.encode(&mut out)?;
        Ok(out)
    }

    /// Decodes one frame's payload of type `ty`; `base` is the payload's offset in the stream.
    fn decode_payload(ty: u8, payload: &[u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::with_base(payload, base);
        let frame = match ty {
            frame_type::HELLO => {
                let version = r.u8("hello.version")?;
                let attests = Models(r.u8("hello.attests")?);
                let requires = Models(r.u8("hello.requires")?);
                let cmw_forms = CmwForms(r.u8("hello.cmw_forms")?);
                let cmw_attestation = ExtensionType(r.u16("hello.cmw_attestation")?);
                let mut label = r.vec_u8("hello.label", 1, 0xff)?;
                Self::Hello(Hello {
                    version,
                    attests,
                    requires,
                    cmw_forms,
                    cmw_attestation,
                    label: label.rest().to_vec(),
                })
            }
            frame_type::REQUEST => Self::Request {
                exchange: u32::from_be_bytes(r.take_array("request.exchange_id")?),
                message: r.rest().to_vec(),
            },
            frame_type::AUTHENTICATOR => Self::Authenticator {
                exchange: u32::from_be_bytes(r.take_array("authenticator.exchange_id")?),
                message: r.rest().to_vec(),
            },
            frame_type::ERROR => {
                let alert = AlertDescription(r.u8("error.alert")?);
                let reason = r.u16("error.reason")?;
                let at = r.offset();
                let mut detail = r.vec_u8("error.detail", 0, 0xff)?;
                let detail = String::from_utf8(detail.rest().to_vec()).map_err(|_| {
                    DecodeError::new("error.detail", at, DecodeErrorKind::InvalidUtf8)
                })?;
                Self::Error {
                    alert,
                    reason,
                    detail,
                }
            }
            frame_type::DATA => Self::Data(r.rest().to_vec()),
            other => {
                return Err(DecodeError::new(
                    "frame.type",
                    base.saturating_sub(HEADER_LEN),
                    DecodeErrorKind::UnknownValue {
                        value: u16::from(other),
                    },
                ));
            }
        };
        r.finish("frame")?;
        Ok(frame)
    }
}

/// Splits a byte stream into frames, buffering at most one incomplete frame beside the
/// frames not yet taken.
///
/// Two ways to drive it, not to be mixed on one stream:
///
/// - [`push`](Self::push) the received bytes, then take whole frames with
///   [`next_frame`](Self::next_frame) (every byte is buffered once);
/// - [`next_piece`](Self::next_piece) (or [`next_data_piece`](Self::next_data_piece)) straight
///   from the received bytes: a data frame's payload is handed out as it arrives, borrowed from
///   the input and never buffered; only a partial header or a partial frame of another type
///   is, and never more than that one frame (bounded by [`MAX_FRAME_PAYLOAD_LEN`], checked as
///   soon as the header is complete).
///
/// Taking a frame advances a read position instead of moving the rest of the buffer; the
/// consumed prefix is dropped on [`push`](Self::push) once it is at least half the buffer,
/// so deframing costs time linear in the bytes received however small the frames.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Where the next frame starts in `buf`.
    start: usize,
    /// Stream offset of `buf[start]`, for error positions.
    offset: usize,
    /// Payload bytes of the current data frame not yet handed out ([`next_piece`](Self::next_piece)).
    data_left: usize,
}

/// What [`Deframer::next_piece`] hands out.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Piece<'a> {
    /// A whole frame of a type other than data.
    Frame(Frame),
    /// A piece of a data frame.
    Data(DataPiece<'a>),
}

/// What [`Deframer::next_data_piece`] hands out: a data frame, as it arrives.
#[derive(Debug, PartialEq, Eq)]
pub enum DataPiece<'a> {
    /// A data frame's header: `len` payload bytes follow (possibly none).
    Header {
        /// The payload length, at most [`MAX_FRAME_PAYLOAD_LEN`].
        len: usize,
    },
    /// The next payload bytes of the current data frame (never empty).
    Payload(&'a [u8]),
}

/// Checks a frame header at stream offset `offset`: the length bound first, then the type.
fn check_header(header: [u8; HEADER_LEN], offset: usize) -> Result<(u8, usize), DecodeError> {
    let [ty, a, b, c] = header;
    let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
    if len > MAX_FRAME_PAYLOAD_LEN {
        return Err(DecodeError::new(
            "frame.length",
            offset + 1,
            DecodeErrorKind::LengthOutOfRange {
                length: len,
                min: 0,
                max: MAX_FRAME_PAYLOAD_LEN,
            },
        ));
    }
    if !matches!(ty, frame_type::HELLO..=frame_type::DATA) {
        return Err(DecodeError::new(
            "frame.type",
            offset,
            DecodeErrorKind::UnknownValue {
                value: u16::from(ty),
            },
        ));
    }
    Ok((ty, len))
}

/// The first `HEADER_LEN` bytes of `bytes`, if there are that many.
fn header_of(bytes: &[u8]) -> Option<[u8; HEADER_LEN]> {
    bytes.first_chunk::<HEADER_LEN>().copied()
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// Whether the stream stands inside a data frame whose payload has not all arrived
    /// ([`next_piece`](Self::next_piece)).
    pub fn in_data_frame(&self) -> bool {
        self.data_left > 0
    }

    /// Forgets the buffered bytes once all were framed; an idle connection keeps no buffer
    /// beyond a small one.
    fn release_if_drained(&mut self) {
        if self.start >= self.buf.len() {
            if self.buf.capacity() > IDLE_BUFFER {
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
            self.start = 0;
        }
    }

    /// The next complete frame, if any.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for an unknown frame type, a length over
    /// [`MAX_FRAME_PAYLOAD_LEN`] (reported as soon as the header arrives, before buffering
    /// the payload), or a malformed payload. The stream cannot be resynchronised after one.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        let pending = self.buf.get(self.start..).unwrap_or_default();
        let Some(header) = header_of(pending) else {
            return Ok(None);
        };
        let (ty, len) = check_header(header, self.offset)?;
        let Some(payload) = pending.get(HEADER_LEN..HEADER_LEN + len) else {
            return Ok(None);
        };
        let decoded = Frame::decode_payload(ty, payload, self.offset + HEADER_LEN)?;
        self.start += HEADER_LEN + len;
        self.offset += HEADER_LEN + len;
        self.release_if_drained();
        Ok(Some(decoded))
    }

    /// The next piece of the stream, taken from `input` (advanced past what was used):
    /// a whole frame other than data, or a data frame's header or payload bytes, the payload
    /// borrowed from `input` as it arrives. `None` once `input` is used up (a partial header
    /// or a partial frame of another type is kept for the next input).
    ///
    /// # Errors
    ///
    /// As [`next_frame`](Self::next_frame), at the same stream offsets. The stream cannot be
    /// resynchronised after one.
    pub fn next_piece<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<Piece<'s>>, DecodeError> {
        self.next(input, false)
    }

    /// As [`next_piece`](Self::next_piece), but stops (`None`, taking nothing more) before a
    /// frame of another type, or when a partial header or frame is buffered: whatever data
    /// frames stand at the start of `input`, as they arrive.
    ///
    /// # Errors
    ///
    /// As [`next_frame`](Self::next_frame).
    pub fn next_data_piece<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<DataPiece<'s>>, DecodeError> {
        match self.next(input, true)? {
            Some(Piece::Data(piece)) => Ok(Some(piece)),
            // `next` hands out no whole frame when asked for data only.
            Some(Piece::Frame(_)) | None => Ok(None),
        }
    }

    /// A whole data frame's payload from the start of `input` (advanced past the frame),
    /// when the stream stands at a frame boundary with nothing buffered and `input` holds the
    /// whole frame; otherwise `None`, taking nothing (anything else, errors included, is for
    /// [`next_piece`](Self::next_piece)). An empty payload is handed out too.
    pub fn next_whole_data<'i>(&mut self, input: &mut &'i [u8]) -> Option<&'i [u8]> {
        if self.data_left > 0 || self.buffered() > 0 {
            return None;
        }
        let [ty, a, b, c] = header_of(input)?;
        let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
        if ty != frame_type::DATA || len > MAX_FRAME_PAYLOAD_LEN {
            return None;
        }
        let payload = input.get(HEADER_LEN..HEADER_LEN + len)?;
        *input = input.get(HEADER_LEN + len..).unwrap_or_default();
        self.offset += HEADER_LEN + len;
        Some(payload)
    }

    fn next<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
        data_only: bool,
    ) -> Result<Option<Piece<'s>>, DecodeError> {
        self.release_if_drained();
        let buffered = self.buffered();
        if self.data_left > 0 {
            // Inside a data frame: its payload, from what was pushed first, then the input.
            let piece: &'s [u8] = if buffered > 0 {
                let n = self.data_left.min(buffered);
                let at = self.start;
                self.start += n;
                self.buf.get(at..at + n).unwrap_or_default()
            } else {
                if input.is_empty() {
                    return Ok(None);
                }
                let (piece, rest) = input.split_at(self.data_left.min(input.len()));
                *input = rest;
                piece
            };
            self.data_left -= piece.len();
            self.offset += piece.len();
            return Ok(Some(Piece::Data(DataPiece::Payload(piece))));
        }
        if buffered == 0 {
            let Some(header) = header_of(input) else {
                if data_only && input.first().is_some_and(|t| *t != frame_type::DATA) {
                    return Ok(None);
                }
                // A partial header: kept for the next input.
                self.buf.extend_from_slice(input);
                *input = &[];
                return Ok(None);
            };
            if data_only && header[0] != frame_type::DATA {
                return Ok(None);
            }
            let (ty, len) = check_header(header, self.offset)?;
            let rest = input.get(HEADER_LEN..).unwrap_or_default();
            if ty == frame_type::DATA {
                *input = rest;
                return Ok(Some(self.data_header(len)));
            }
            let Some(payload) = rest.get(..len) else {
                // A partial frame: kept whole for the next input (it is under its bound).
                self.buf.extend_from_slice(input);
                *input = &[];
                return Ok(None);
            };
            let frame = Frame::decode_payload(ty, payload, self.offset + HEADER_LEN)?;
            *input = rest.get(len..).unwrap_or_default();
            self.offset += HEADER_LEN + len;
            return Ok(Some(Piece::Frame(frame)));
        }
        if data_only {
            return Ok(None);
        }
        // A partial header or frame is buffered: complete it from the input, taking no more.
        if buffered < HEADER_LEN {
            let (more, rest) = input.split_at((HEADER_LEN - buffered).min(input.len()));
            self.buf.extend_from_slice(more);
            *input = rest;
        }
        let pending = self.buf.get(self.start..).unwrap_or_default();
        let Some(header) = header_of(pending) else {
            return Ok(None);
        };
        let (ty, len) = check_header(header, self.offset)?;
        if ty == frame_type::DATA {
            self.start += HEADER_LEN;
            return Ok(Some(self.data_header(len)));
        }
        let missing = (HEADER_LEN + len).saturating_sub(self.buffered());
        let (more, rest) = input.split_at(missing.min(input.len()));
        self.buf.extend_from_slice(more);
        *input = rest;
        self.next_frame().map(|f| f.map(Piece::Frame))
    }

    /// Enters a data frame of `len` payload bytes whose header was taken.
    fn data_header(&mut self, len: usize) -> Piece<'static> {
        self.offset += HEADER_LEN;
        self.data_left = len;
        Piece::Data(DataPiece::Header { len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_that_is_not_utf8_is_reported_as_such() {
        let mut d = Deframer::new();
        d.push(&[frame_type::ERROR, 0, 0, 5, 226, 0, 31, 1, 0xff]);
        let err = d.next_frame().unwrap_err();
        assert_eq!(err.what(), "error.detail");
        assert_eq!(err.kind(), DecodeErrorKind::InvalidUtf8);
        assert_eq!(err.offset(), Some(7));
    }

    fn frames() -> Vec<Frame> {
        vec![
            Frame::Hello(Hello {
                version: VERSION,
                attests: Models::BOTH,
                requires: Models::BACKGROUND_CHECK,
                cmw_forms: CmwForms::BOTH,
                cmw_attestation: ExtensionType(0xff00),
                label: b"Attestation".to_vec(),
            }),
            Frame::Request {
                exchange: 7,
                message: vec![0x11, 0, 0, 0],
            },
            Frame::Authenticator {
                exchange: 7,
                message: vec![0x14, 0, 0, 1, 9],
            },
            Frame::Error {
                alert: AlertDescription(226),
                reason: 42,
                detail: "binder mismatch".into(),
            },
            Frame::Data(b"hello".to_vec()),
            Frame::Data(vec![]),
        ]
    }

    #[test]
    fn frames_round_trip_through_any_chunking() {
        let mut stream = Vec::new();
        for f in frames() {
            f.encode(&mut stream).unwrap();
        }
        for chunk in [1, 3, 7, stream.len()] {
            let mut d = Deframer::new();
            let mut out = Vec::new();
            for piece in stream.chunks(chunk) {
                d.push(piece);
                while let Some(f) = d.next_frame().unwrap() {
                    out.push(f);
                }
            }
            assert_eq!(out, frames());
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn hostile_frames_are_typed_errors() {
        let mut d = Deframer::new();
        d.push(&[0x09, 0, 0, 0]);
        assert!(matches!(
            d.next_frame().unwrap_err().kind(),
            DecodeErrorKind::UnknownValue { value: 9 }
        ));

        let mut d = Deframer::new();
        d.push(&[0x05, 0xff, 0xff, 0xff]);
        assert!(matches!(
            d.next_frame().unwrap_err().kind(),
            DecodeErrorKind::LengthOutOfRange { .. }
        ));

        // A hello with an empty label.
        let mut d = Deframer::new();
        d.push(&[0x01, 0, 0, 7, 1, 1, 1, 1, 0xff, 0, 0]);
        assert!(d.next_frame().is_err());

        // A request too short for its exchange id.
        let mut d = Deframer::new();
        d.push(&[0x02, 0, 0, 2, 0, 0]);
        assert!(matches!(
            d.next_frame().unwrap_err().kind(),
            DecodeErrorKind::Truncated { .. }
        ));

        // Error detail that is not UTF-8.
        let mut d = Deframer::new();
        d.push(&[0x04, 0, 0, 5, 50, 0, 1, 1, 0xff]);
        assert!(d.next_frame().is_err());
    }

    #[test]
    fn error_detail_is_truncated_on_a_char_boundary() {
        let detail = "é".repeat(200);
        let bytes = Frame::Error {
            alert: AlertDescription::DECODE_ERROR,
            reason: 1,
            detail,
        }
        .to_vec()
        .unwrap();
        let mut d = Deframer::new();
        d.push(&bytes);
        let Some(Frame::Error { detail, .. }) = d.next_frame().unwrap() else {
            panic!("not an error frame")
        };
        assert_eq!(detail.len(), 254);
    }
}
