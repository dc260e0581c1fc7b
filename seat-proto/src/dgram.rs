//! The datagram shim: the [shim framing](crate::shim) over an unreliable datagram transport
//! (DTLS 1.3 application data), sans-I/O.
//!
//! DTLS application data is unreliable, unordered and limited to one datagram, while an
//! authenticator with a certificate chain and a CMW is several kilobytes. This layer sits
//! between the [`Session`](crate::session::Session) (which speaks the stream shim) and a DTLS
//! connection: every shim frame other than data (hello, request, authenticator, error) is a
//! *control message*, fragmented into datagrams, acknowledged, retransmitted with exponential
//! backoff and delivered to the session whole, once and in order; data frames become single
//! datagrams that are never retransmitted nor reordered by this layer.
//!
//! # Driving contract
//!
//! Time is the caller's monotonic clock in milliseconds (`now_ms`); nothing here reads a clock.
//!
//! - [`DatagramShim::send_frames`] with the bytes of every `Action::Send` of the session;
//! - [`DatagramShim::receive`] with every DTLS application-data datagram read;
//! - [`DatagramShim::poll_stream`] until `None`: feed each result to the session as
//!   `Input::Received` (whole frames, control messages in order, data in arrival order);
//! - [`DatagramShim::poll_transmit`] until `None`: write each result as one DTLS record;
//! - [`DatagramShim::handle_timeout`] when [`DatagramShim::poll_timeout`] is due.
//!
//! Application data stays gated by the session: it refuses to send before its gate opens and
//! holds (bounded) what the peer sends early. This layer only keeps a data datagram from
//! overtaking the control messages its sender had sent before it (see `after` below).
//!
//! # Wire format, version 1
//!
//! One shim datagram is the plaintext of one DTLS application-data record, at most
//! [`DatagramConfig::max_datagram`] bytes (default [`DEFAULT_MAX_DATAGRAM`], 1200). All
//! integers are big-endian. The first byte is the datagram type:
//!
//! | type | datagram | layout after the type byte |
//! | --- | --- | --- |
//! | `0x01` | fragment | `seq (4)`, `total_len (3)`, `offset (3)`, `bytes (the rest, at least 1)` |
//! | `0x02` | ack | `count (1)`, then `count` times `seq (4)`, `offset (3)`; nothing after |
//! | `0x03` | data | `after (4)`, `data_seq (8)`, `bytes (the rest, possibly empty)` |
//!
//! **Fragment.** `seq` numbers control messages per direction from 0. A control message is
//! one whole stream-shim frame (`type ‖ length ‖ payload`) of any type but data (`0x05`), of
//! `total_len` bytes (1 to [`MAX_MESSAGE_LEN`]); the fragment carries its bytes
//! `offset .. offset + len(bytes)`, which must lie within `total_len`. A sender cuts a
//! message at the same offsets on every transmission. The receiver:
//!
//! - acknowledges every fragment it accepts or already has (also of delivered messages);
//! - drops, and acknowledges, an exact duplicate (same `seq`, `offset` and bytes), and any
//!   fragment of a message already delivered (`seq` before the next message to deliver, in
//!   serial-number arithmetic modulo 2^32);
//! - fails with a typed error on a fragment whose `total_len` differs from an earlier
//!   fragment of the same `seq` ([`DgramError::ConflictingFragment`]), that overlaps a
//!   different fragment ([`DgramError::OverlappingFragment`]), that lies outside `total_len`
//!   or is empty ([`DgramError::FragmentOutOfRange`]), whose `total_len` is out of range
//!   ([`DgramError::MessageTooLarge`]), or whose `seq` is [`MAX_WINDOW`] or more past the
//!   next message to deliver ([`DgramError::WindowExceeded`]); a conforming sender never
//!   has more than [`MAX_WINDOW`] messages unacknowledged;
//! - drops, unacknowledged, a fragment of a later message when the reassembly buffer holds
//!   [`MAX_REASSEMBLY_BYTES`] (the sender retransmits it later); fragments of the next message
//!   to deliver are always taken (at most [`MAX_MESSAGE_LEN`] bytes);
//! - fails ([`DgramError::TooManyFragments`]) when more than [`MAX_BUFFERED_FRAGMENTS`]
//!   fragments are buffered;
//! - delivers a complete message when every earlier one has been delivered, after checking
//!   it is one stream-shim frame whose length field matches and whose type is not data
//!   ([`DgramError::MalformedMessage`]).
//!
//! **Ack.** Lists fragments received, by `seq` and `offset` (at most as many as fit one
//! datagram, and at most 255). An entry for no unacknowledged fragment is ignored. A sender
//! retransmits, when the retransmission timer fires, every fragment not yet acknowledged;
//! the timer starts at [`DatagramConfig::initial_rto_ms`], doubles on every firing up to
//! [`DatagramConfig::max_rto_ms`], and returns to the initial value when an ack
//! acknowledges something new. A fragment sent [`DatagramConfig::max_transmissions`] times
//! without an ack fails the shim with [`DgramError::Timeout`].
//!
//! **Data.** One application datagram: the payload of one data frame (at most
//! [`DatagramShim::max_data_len`] bytes: the datagram size less 13). `after` is the number of
//! control messages the sender had queued before this datagram; the receiver hands the data
//! to the session only once it has delivered that many control messages, and holds it until
//! then ([`MAX_HELD_DATAGRAMS`], [`MAX_HELD_BYTES`]; beyond, the datagram is dropped, as
//! datagrams may be). `data_seq` numbers data datagrams per direction from 0; a receiver
//! drops a `data_seq` it has seen or that is [`DATA_REPLAY_WINDOW`] or more below the highest
//! seen, so a duplicated datagram is delivered at most once. Data is never acknowledged.
//!
//! Any other type byte, or a datagram too short for its fixed fields, is a typed
//! [`DgramError::Decode`]. Errors are fatal: the caller tears the connection down.

use core::fmt;
use std::collections::{BTreeMap, VecDeque};

use crate::codec::{DecodeError, DecodeErrorKind, Reader, put_u24};

/// The default largest shim datagram, in bytes: below every path MTU of practical interest
/// once the DTLS record and UDP/IP headers are added.
pub const DEFAULT_MAX_DATAGRAM: usize = 1200;

/// The smallest datagram size a configuration may set.
pub const MIN_DATAGRAM: usize = 64;

/// The largest datagram size a configuration may set (DTLS plaintext limit, 2^14).
pub const MAX_DATAGRAM: usize = 16 * 1024;

/// The largest control message, in bytes: an authenticator with a chain and a CMW is a few
/// KiB; this leaves room for large certificate chains and Evidence.
pub const MAX_MESSAGE_LEN: usize = 128 * 1024;

/// How many control messages past the next one to deliver a peer may send, and how many a
/// sender keeps unacknowledged.
pub const MAX_WINDOW: u32 = 16;

/// The most bytes of later (not next) control messages held for reassembly.
pub const MAX_REASSEMBLY_BYTES: usize = 256 * 1024;

/// The most fragments held for reassembly across all messages.
pub const MAX_BUFFERED_FRAGMENTS: usize = 2048;

/// The most data datagrams held waiting for earlier control messages.
pub const MAX_HELD_DATAGRAMS: usize = 64;

/// The most bytes of data datagrams held waiting for earlier control messages.
pub const MAX_HELD_BYTES: usize = 64 * 1024;

/// How far below the highest data sequence number a datagram is still accepted.
pub const DATA_REPLAY_WINDOW: u64 = 64;

/// The most acknowledgements queued before the oldest are forgotten (the peer retransmits
/// what it does not hear acknowledged, and that is acknowledged again).
pub const MAX_PENDING_ACKS: usize = 1024;

const FRAGMENT: u8 = 0x01;
const ACK: u8 = 0x02;
const DATA: u8 = 0x03;
const FRAGMENT_HEADER: usize = 1 + 4 + 3 + 3;
const ACK_HEADER: usize = 1 + 1;
const ACK_ENTRY: usize = 4 + 3;
const DATA_HEADER: usize = 1 + 4 + 8;
/// The stream shim's frame header and its data frame type.
const FRAME_HEADER: usize = 4;
const FRAME_DATA: u8 = 0x05;

/// The datagram shim's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatagramConfig {
    /// The largest datagram this side sends ([`MIN_DATAGRAM`] to [`MAX_DATAGRAM`]).
    pub max_datagram: usize,
    /// The first retransmission timeout, in milliseconds.
    pub initial_rto_ms: u64,
    /// The largest retransmission timeout, in milliseconds.
    pub max_rto_ms: u64,
    /// How many times one fragment is sent before the shim gives up.
    pub max_transmissions: u32,
}

impl Default for DatagramConfig {
    /// 1200-byte datagrams; retransmission after 200 ms, doubling up to 3.2 s; 8
    /// transmissions (about 13 seconds before a silent peer is declared gone).
    fn default() -> Self {
        Self {
            max_datagram: DEFAULT_MAX_DATAGRAM,
            initial_rto_ms: 200,
            max_rto_ms: 3200,
            max_transmissions: 8,
        }
    }
}

impl DatagramConfig {
    /// With another datagram size.
    #[must_use]
    pub fn with_max_datagram(mut self, max_datagram: usize) -> Self {
        self.max_datagram = max_datagram;
        self
    }

    /// With other retransmission settings.
    #[must_use]
    pub fn with_retransmission(
        mut self,
        initial_rto_ms: u64,
        max_rto_ms: u64,
        max_transmissions: u32,
    ) -> Self {
        self.initial_rto_ms = initial_rto_ms;
        self.max_rto_ms = max_rto_ms;
        self.max_transmissions = max_transmissions;
        self
    }
}

/// What went wrong in the datagram shim. Every variant but [`DgramError::DataTooLarge`] is
/// fatal to the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DgramError {
    /// A configuration value is out of range.
    BadConfig(&'static str),
    /// A datagram is malformed (unknown type, too short, trailing bytes).
    Decode(DecodeError),
    /// A fragment announces a message of zero bytes or over [`MAX_MESSAGE_LEN`].
    MessageTooLarge {
        /// The announced length.
        len: usize,
    },
    /// A fragment is empty or reaches past its message's length.
    FragmentOutOfRange,
    /// A fragment's message length differs from an earlier fragment of the same message.
    ConflictingFragment,
    /// A fragment overlaps a different fragment of the same message.
    OverlappingFragment,
    /// A fragment's message is too far ahead of the next one to deliver.
    WindowExceeded,
    /// More than [`MAX_BUFFERED_FRAGMENTS`] fragments would be held.
    TooManyFragments,
    /// A reassembled message is not exactly one non-data stream-shim frame.
    MalformedMessage,
    /// Application data larger than one datagram can carry (not fatal: nothing was sent).
    DataTooLarge {
        /// The size asked for.
        len: usize,
        /// The most one datagram carries.
        max: usize,
    },
    /// This side has [`MAX_WINDOW`] control messages unacknowledged already.
    SendWindowFull,
    /// A fragment went unacknowledged after the configured number of transmissions.
    Timeout {
        /// How many times it was sent.
        transmissions: u32,
    },
}

impl fmt::Display for DgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadConfig(what) => write!(f, "datagram shim: bad configuration: {what}"),
            Self::Decode(e) => write!(f, "datagram shim: {e}"),
            Self::MessageTooLarge { len } => write!(
                f,
                "datagram shim: message length {len} outside 1..={MAX_MESSAGE_LEN}"
            ),
            Self::FragmentOutOfRange => f.write_str("datagram shim: fragment outside its message"),
            Self::ConflictingFragment => {
                f.write_str("datagram shim: fragments disagree on their message's length")
            }
            Self::OverlappingFragment => f.write_str("datagram shim: overlapping fragments"),
            Self::WindowExceeded => f.write_str("datagram shim: message beyond the window"),
            Self::TooManyFragments => f.write_str("datagram shim: too many fragments held"),
            Self::MalformedMessage => {
                f.write_str("datagram shim: reassembled message is not one control frame")
            }
            Self::DataTooLarge { len, max } => write!(
                f,
                "datagram shim: {len} bytes of data exceed one datagram ({max})"
            ),
            Self::SendWindowFull => f.write_str("datagram shim: too many unacknowledged messages"),
            Self::Timeout { transmissions } => write!(
                f,
                "datagram shim: peer silent after {transmissions} transmissions"
            ),
        }
    }
}

impl std::error::Error for DgramError {}

impl From<DecodeError> for DgramError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

/// Counters, for logs and the loss tests' figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DgramStats {
    /// Datagrams handed to [`DatagramShim::poll_transmit`]'s caller.
    pub datagrams_sent: u64,
    /// Fragments sent again after a timeout.
    pub retransmissions: u64,
    /// Datagrams received.
    pub datagrams_received: u64,
    /// Fragments and data datagrams dropped as duplicates.
    pub duplicates_dropped: u64,
    /// Datagrams dropped for lack of buffer (later fragments, held data) or as too old.
    pub dropped: u64,
    /// Control messages delivered to the session.
    pub messages_delivered: u64,
}

/// One fragment this side sent and the peer has not acknowledged.
#[derive(Debug)]
struct OutFragment {
    offset: usize,
    datagram: Vec<u8>,
    transmissions: u32,
}

/// One control message this side sent, by `seq`.
#[derive(Debug)]
struct OutMessage {
    unacked: Vec<OutFragment>,
}

/// One control message being reassembled.
#[derive(Debug)]
struct InMessage {
    total_len: usize,
    /// Fragments by offset; they never overlap.
    fragments: BTreeMap<usize, Vec<u8>>,
    received: usize,
}

/// The datagram shim of one DTLS connection. See the [module documentation](self).
#[derive(Debug)]
pub struct DatagramShim {
    config: DatagramConfig,
    // Sending.
    next_seq: u32,
    out: BTreeMap<u32, OutMessage>,
    next_data_seq: u64,
    transmit: VecDeque<Vec<u8>>,
    rto_ms: u64,
    timer: Option<u64>,
    pending_acks: VecDeque<(u32, usize)>,
    // Receiving.
    next_deliver: u32,
    reassembly: BTreeMap<u32, InMessage>,
    later_bytes: usize,
    fragments: usize,
    held: VecDeque<(u32, Vec<u8>)>,
    held_bytes: usize,
    data_high: Option<u64>,
    data_seen: u64,
    stream: VecDeque<Vec<u8>>,
    stats: DgramStats,
}

impl DatagramShim {
    /// A shim with `config`.
    ///
    /// # Errors
    ///
    /// [`DgramError::BadConfig`] for a datagram size outside [`MIN_DATAGRAM`] to
    /// [`MAX_DATAGRAM`], a zero timeout, a maximum below the initial timeout, or zero
    /// transmissions.
    pub fn new(config: DatagramConfig) -> Result<Self, DgramError> {
        if !(MIN_DATAGRAM..=MAX_DATAGRAM).contains(&config.max_datagram) {
            return Err(DgramError::BadConfig("max_datagram"));
        }
        if config.initial_rto_ms == 0 || config.max_rto_ms < config.initial_rto_ms {
            return Err(DgramError::BadConfig("retransmission timeout"));
        }
        if config.max_transmissions == 0 {
            return Err(DgramError::BadConfig("max_transmissions"));
        }
        Ok(Self {
            config,
            next_seq: 0,
            out: BTreeMap::new(),
            next_data_seq: 0,
            transmit: VecDeque::new(),
            rto_ms: config.initial_rto_ms,
            timer: None,
            pending_acks: VecDeque::new(),
            next_deliver: 0,
            reassembly: BTreeMap::new(),
            later_bytes: 0,
            fragments: 0,
            held: VecDeque::new(),
            held_bytes: 0,
            data_high: None,
            data_seen: 0,
            stream: VecDeque::new(),
            stats: DgramStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DatagramConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> DgramStats {
        self.stats
    }

    /// The most application bytes one send may carry.
    pub fn max_data_len(&self) -> usize {
        self.config.max_datagram - DATA_HEADER
    }

    /// Whether every control message this side sent has been acknowledged.
    pub fn is_idle(&self) -> bool {
        self.out.is_empty()
    }

    /// Bytes held for reassembly and held data, for bounds checks.
    pub fn buffered_bytes(&self) -> usize {
        let reassembly: usize = self.reassembly.values().map(|m| m.received).sum();
        reassembly + self.held_bytes + self.stream.iter().map(Vec::len).sum::<usize>()
    }

    /// Queues the bytes of a session `Action::Send`: one or more whole stream-shim frames.
    /// Data frames become data datagrams; every other frame a control message.
    ///
    /// # Errors
    ///
    /// [`DgramError::DataTooLarge`] for a data frame over [`max_data_len`](Self::max_data_len)
    /// (nothing of `bytes` is sent then), [`DgramError::MalformedMessage`] for bytes that are
    /// not whole frames, [`DgramError::MessageTooLarge`] and [`DgramError::SendWindowFull`].
    pub fn send_frames(&mut self, bytes: &[u8], now_ms: u64) -> Result<(), DgramError> {
        let mut frames = Vec::new();
        let mut r = Reader::new(bytes);
        while !r.is_empty() {
            let start = r.offset();
            let ty = r.u8("frame.type")?;
            let len = r.u24("frame.length")?;
            let payload = r.take(len, "frame.payload")?;
            let whole = bytes
                .get(start..r.offset())
                .ok_or(DgramError::MalformedMessage)?;
            if ty == FRAME_DATA && payload.len() > self.max_data_len() {
                return Err(DgramError::DataTooLarge {
                    len: payload.len(),
                    max: self.max_data_len(),
                });
            }
            if ty != FRAME_DATA && whole.len() > MAX_MESSAGE_LEN {
                return Err(DgramError::MessageTooLarge { len: whole.len() });
            }
            frames.push((ty, whole, payload));
        }
        for (ty, whole, payload) in frames {
            if ty == FRAME_DATA {
                self.send_data(payload);
            } else {
                self.send_message(whole, now_ms)?;
            }
        }
        Ok(())
    }

    fn send_data(&mut self, payload: &[u8]) {
        let mut d = Vec::with_capacity(DATA_HEADER + payload.len());
        d.push(DATA);
        d.extend(self.next_seq.to_be_bytes());
        d.extend(self.next_data_seq.to_be_bytes());
        d.extend_from_slice(payload);
        self.next_data_seq = self.next_data_seq.wrapping_add(1);
        self.transmit.push_back(d);
    }

    fn send_message(&mut self, message: &[u8], now_ms: u64) -> Result<(), DgramError> {
        if self.out.len() >= MAX_WINDOW as usize {
            return Err(DgramError::SendWindowFull);
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let chunk = self.config.max_datagram - FRAGMENT_HEADER;
        let mut unacked = Vec::new();
        for (i, piece) in message.chunks(chunk).enumerate() {
            let offset = i * chunk;
            let mut d = Vec::with_capacity(FRAGMENT_HEADER + piece.len());
            d.push(FRAGMENT);
            d.extend(seq.to_be_bytes());
            put_u24(&mut d, message.len());
            put_u24(&mut d, offset);
            d.extend_from_slice(piece);
            self.transmit.push_back(d.clone());
            unacked.push(OutFragment {
                offset,
                datagram: d,
                transmissions: 1,
            });
        }
        self.out.insert(seq, OutMessage { unacked });
        if self.timer.is_none() {
            self.timer = Some(now_ms.saturating_add(self.rto_ms));
        }
        Ok(())
    }

    /// The next datagram to send, if any (acknowledgements first are gathered into as few
    /// datagrams as fit).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let d = if self.pending_acks.is_empty() {
            self.transmit.pop_front()?
        } else {
            let fit = ((self.config.max_datagram - ACK_HEADER) / ACK_ENTRY).min(255);
            let n = self.pending_acks.len().min(fit);
            let mut d = Vec::with_capacity(ACK_HEADER + n * ACK_ENTRY);
            d.push(ACK);
            d.push(u8::try_from(n).unwrap_or(u8::MAX));
            for (seq, offset) in self.pending_acks.drain(..n) {
                d.extend(seq.to_be_bytes());
                put_u24(&mut d, offset);
            }
            d
        };
        self.stats.datagrams_sent += 1;
        Some(d)
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due, in the caller's
    /// milliseconds.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.timer
    }

    /// Retransmits every unacknowledged fragment if the timer is due.
    ///
    /// # Errors
    ///
    /// [`DgramError::Timeout`] when a fragment has been sent the configured number of times.
    pub fn handle_timeout(&mut self, now_ms: u64) -> Result<(), DgramError> {
        match self.timer {
            Some(t) if t <= now_ms => {}
            _ => return Ok(()),
        }
        let max = self.config.max_transmissions;
        for m in self.out.values_mut() {
            for f in &mut m.unacked {
                if f.transmissions >= max {
                    return Err(DgramError::Timeout {
                        transmissions: f.transmissions,
                    });
                }
                f.transmissions += 1;
                self.transmit.push_back(f.datagram.clone());
                self.stats.retransmissions += 1;
            }
        }
        self.rto_ms = self.rto_ms.saturating_mul(2).min(self.config.max_rto_ms);
        self.timer = if self.out.is_empty() {
            None
        } else {
            Some(now_ms.saturating_add(self.rto_ms))
        };
        Ok(())
    }

    /// The next bytes for the session's `Input::Received`: one whole stream-shim frame.
    pub fn poll_stream(&mut self) -> Option<Vec<u8>> {
        self.stream.pop_front()
    }

    /// Takes one datagram read from the DTLS connection.
    ///
    /// # Errors
    ///
    /// The fatal errors of the [wire format](self).
    pub fn receive(&mut self, datagram: &[u8], now_ms: u64) -> Result<(), DgramError> {
        self.stats.datagrams_received += 1;
        let mut r = Reader::new(datagram);
        match r.u8("datagram.type")? {
            FRAGMENT => {
                let seq = u32::from_be_bytes(r.take_array("fragment.seq")?);
                let total_len = r.u24("fragment.total_len")?;
                let offset = r.u24("fragment.offset")?;
                self.receive_fragment(seq, total_len, offset, r.rest())
            }
            ACK => {
                let count = usize::from(r.u8("ack.count")?);
                let mut entries = Vec::with_capacity(count);
                for _ in 0..count {
                    let seq = u32::from_be_bytes(r.take_array("ack.seq")?);
                    entries.push((seq, r.u24("ack.offset")?));
                }
                r.finish("ack")?;
                self.receive_ack(&entries, now_ms);
                Ok(())
            }
            DATA => {
                let after = u32::from_be_bytes(r.take_array("data.after")?);
                let data_seq = u64::from_be_bytes(r.take_array("data.data_seq")?);
                self.receive_data(after, data_seq, r.rest());
                Ok(())
            }
            other => Err(DecodeError::new(
                "datagram.type",
                0,
                DecodeErrorKind::UnknownValue {
                    value: u16::from(other),
                },
            )
            .into()),
        }
    }

    fn ack(&mut self, seq: u32, offset: usize) {
        if self.pending_acks.len() >= MAX_PENDING_ACKS {
            self.pending_acks.pop_front();
        }
        self.pending_acks.push_back((seq, offset));
    }

    fn receive_fragment(
        &mut self,
        seq: u32,
        total_len: usize,
        offset: usize,
        bytes: &[u8],
    ) -> Result<(), DgramError> {
        if total_len == 0 || total_len > MAX_MESSAGE_LEN {
            return Err(DgramError::MessageTooLarge { len: total_len });
        }
        let end = offset.saturating_add(bytes.len());
        if bytes.is_empty() || end > total_len {
            return Err(DgramError::FragmentOutOfRange);
        }
        // Distance past the next message to deliver, in serial-number arithmetic: negative
        // for a message already delivered.
        let ahead = seq.wrapping_sub(self.next_deliver) as i32;
        if ahead < 0 {
            // A retransmission (or a late duplicate) of a delivered message: its ack was lost.
            self.stats.duplicates_dropped += 1;
            self.ack(seq, offset);
            return Ok(());
        }
        if ahead >= MAX_WINDOW as i32 {
            return Err(DgramError::WindowExceeded);
        }
        let is_next = ahead == 0;
        let message = match self.reassembly.get(&seq) {
            Some(m) => m,
            None => {
                if !is_next && self.later_bytes + bytes.len() > MAX_REASSEMBLY_BYTES {
                    self.stats.dropped += 1;
                    return Ok(());
                }
                self.reassembly.insert(
                    seq,
                    InMessage {
                        total_len,
                        fragments: BTreeMap::new(),
                        received: 0,
                    },
                );
                self.reassembly
                    .get(&seq)
                    .ok_or(DgramError::MalformedMessage)?
            }
        };
        if message.total_len != total_len {
            return Err(DgramError::ConflictingFragment);
        }
        // Overlap with the fragment at or before `offset`, or with the next one.
        if let Some((&start, prev)) = message.fragments.range(..=offset).next_back() {
            if start == offset && prev.as_slice() == bytes {
                self.stats.duplicates_dropped += 1;
                self.ack(seq, offset);
                return Ok(());
            }
            if start + prev.len() > offset {
                return Err(DgramError::OverlappingFragment);
            }
        }
        if let Some((&start, _)) = message.fragments.range(offset..).next()
            && start < end
        {
            return Err(DgramError::OverlappingFragment);
        }
        if self.fragments >= MAX_BUFFERED_FRAGMENTS {
            return Err(DgramError::TooManyFragments);
        }
        if !is_next {
            if self.later_bytes + bytes.len() > MAX_REASSEMBLY_BYTES {
                self.stats.dropped += 1;
                return Ok(());
            }
            self.later_bytes += bytes.len();
        }
        let message = self
            .reassembly
            .get_mut(&seq)
            .ok_or(DgramError::MalformedMessage)?;
        message.fragments.insert(offset, bytes.to_vec());
        message.received += bytes.len();
        self.fragments += 1;
        self.ack(seq, offset);
        self.deliver_ready()
    }

    /// Moves complete messages, in order, to the stream, then any held data now due.
    fn deliver_ready(&mut self) -> Result<(), DgramError> {
        loop {
            let complete = self
                .reassembly
                .get(&self.next_deliver)
                .is_some_and(|m| m.received == m.total_len);
            if !complete {
                break;
            }
            let Some(m) = self.reassembly.remove(&self.next_deliver) else {
                break;
            };
            self.fragments -= m.fragments.len();
            self.next_deliver = self.next_deliver.wrapping_add(1);
            // The new next message no longer counts as "later".
            if let Some(next) = self.reassembly.get(&self.next_deliver) {
                self.later_bytes -= next.received;
            }
            let message: Vec<u8> = m.fragments.into_values().flatten().collect();
            check_control_frame(&message)?;
            self.stream.push_back(message);
            self.stats.messages_delivered += 1;
        }
        while let Some((after, _)) = self.held.front() {
            if after.wrapping_sub(self.next_deliver) as i32 > 0 {
                break;
            }
            let Some((_, payload)) = self.held.pop_front() else {
                break;
            };
            self.held_bytes -= payload.len();
            self.stream.push_back(data_frame(&payload));
        }
        Ok(())
    }

    fn receive_ack(&mut self, entries: &[(u32, usize)], now_ms: u64) {
        let mut progress = false;
        for &(seq, offset) in entries {
            if let Some(m) = self.out.get_mut(&seq) {
                let before = m.unacked.len();
                m.unacked.retain(|f| f.offset != offset);
                progress |= m.unacked.len() != before;
                if m.unacked.is_empty() {
                    self.out.remove(&seq);
                }
            }
        }
        if progress {
            self.rto_ms = self.config.initial_rto_ms;
            self.timer = if self.out.is_empty() {
                None
            } else {
                Some(now_ms.saturating_add(self.rto_ms))
            };
        }
    }

    fn receive_data(&mut self, after: u32, data_seq: u64, payload: &[u8]) {
        // Replay window over data_seq: a bitmap of the DATA_REPLAY_WINDOW below the highest.
        match self.data_high {
            None => {
                self.data_high = Some(data_seq);
                self.data_seen = 1;
            }
            Some(high) if data_seq > high => {
                let shift = data_seq - high;
                self.data_seen = if shift >= DATA_REPLAY_WINDOW {
                    1
                } else {
                    (self.data_seen << shift) | 1
                };
                self.data_high = Some(data_seq);
            }
            Some(high) => {
                let back = high - data_seq;
                if back >= DATA_REPLAY_WINDOW {
                    self.stats.dropped += 1;
                    return;
                }
                let bit = 1u64 << back;
                if self.data_seen & bit != 0 {
                    self.stats.duplicates_dropped += 1;
                    return;
                }
                self.data_seen |= bit;
            }
        }
        if after.wrapping_sub(self.next_deliver) as i32 <= 0 && self.held.is_empty() {
            self.stream.push_back(data_frame(payload));
            return;
        }
        if self.held.len() >= MAX_HELD_DATAGRAMS || self.held_bytes + payload.len() > MAX_HELD_BYTES
        {
            self.stats.dropped += 1;
            return;
        }
        self.held_bytes += payload.len();
        self.held.push_back((after, payload.to_vec()));
    }
}

/// A stream-shim data frame around `payload` (at most [`MAX_DATAGRAM`] bytes, so the length
/// fits).
fn data_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(FRAME_HEADER + payload.len());
    f.push(FRAME_DATA);
    put_u24(&mut f, payload.len());
    f.extend_from_slice(payload);
    f
}

/// A control message is exactly one stream-shim frame, not a data frame.
fn check_control_frame(message: &[u8]) -> Result<(), DgramError> {
    let mut r = Reader::new(message);
    let (Ok(ty), Ok(len)) = (r.u8("frame.type"), r.u24("frame.length")) else {
        return Err(DgramError::MalformedMessage);
    };
    if ty == FRAME_DATA || r.remaining() != len {
        return Err(DgramError::MalformedMessage);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shim::Frame;

    fn shim() -> DatagramShim {
        DatagramShim::new(DatagramConfig::default()).unwrap()
    }

    fn drain(s: &mut DatagramShim) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| s.poll_transmit()).collect()
    }

    fn stream(s: &mut DatagramShim) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| s.poll_stream()).collect()
    }

    fn big_frame(n: usize, fill: u8) -> Vec<u8> {
        Frame::Authenticator {
            exchange: 1,
            message: vec![fill; n],
        }
        .to_vec()
        .unwrap()
    }

    fn data(bytes: &[u8]) -> Vec<u8> {
        Frame::Data(bytes.to_vec()).to_vec().unwrap()
    }

    /// A hand-built fragment datagram.
    fn frag(seq: u32, total: usize, offset: usize, bytes: &[u8]) -> Vec<u8> {
        let mut d = vec![FRAGMENT];
        d.extend(seq.to_be_bytes());
        put_u24(&mut d, total);
        put_u24(&mut d, offset);
        d.extend_from_slice(bytes);
        d
    }

    #[test]
    fn large_message_is_fragmented_within_the_datagram_size_and_reassembled() {
        let (mut a, mut b) = (shim(), shim());
        let message = big_frame(5000, 7);
        a.send_frames(&message, 0).unwrap();
        let datagrams = drain(&mut a);
        assert_eq!(datagrams.len(), 5000_usize.div_ceil(1200 - FRAGMENT_HEADER));
        assert!(datagrams.iter().all(|d| d.len() <= 1200));
        // Delivered whole only after the last fragment, in any order.
        for d in datagrams.iter().rev() {
            assert!(stream(&mut b).is_empty());
            b.receive(d, 0).unwrap();
        }
        assert_eq!(stream(&mut b), vec![message]);
        // The acks clear a's retransmission timer.
        assert!(a.poll_timeout().is_some());
        for ack in drain(&mut b) {
            a.receive(&ack, 1).unwrap();
        }
        assert!(a.is_idle());
        assert_eq!(a.poll_timeout(), None);
    }

    #[test]
    fn fragment_wire_layout() {
        // The layout the module documentation gives, byte by byte.
        let mut a = shim();
        let hello = Frame::Error {
            alert: crate::codepoints::AlertDescription(80),
            reason: 3,
            detail: String::new(),
        }
        .to_vec()
        .unwrap();
        a.send_frames(&hello, 0).unwrap();
        let d = a.poll_transmit().unwrap();
        let mut expected = vec![0x01, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0];
        expected.extend(&hello);
        assert_eq!(d, expected);
        a.send_frames(&data(b"hi"), 0).unwrap();
        assert_eq!(
            a.poll_transmit().unwrap(),
            [0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, b'h', b'i']
        );
        let mut b = shim();
        b.receive(&d, 0).unwrap();
        assert_eq!(b.poll_transmit().unwrap(), [0x02, 1, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn loss_is_repaired_by_retransmission_with_backoff() {
        let (mut a, mut b) = (shim(), shim());
        let message = big_frame(3000, 1);
        a.send_frames(&message, 0).unwrap();
        let first = drain(&mut a);
        // The middle fragment is lost.
        b.receive(&first[0], 0).unwrap();
        b.receive(&first[2], 0).unwrap();
        for ack in drain(&mut b) {
            a.receive(&ack, 10).unwrap();
        }
        assert!(stream(&mut b).is_empty());
        // Progress reset the timer to the initial 200 ms from the ack.
        assert_eq!(a.poll_timeout(), Some(210));
        a.handle_timeout(100).unwrap();
        assert!(drain(&mut a).is_empty());
        a.handle_timeout(210).unwrap();
        let again = drain(&mut a);
        assert_eq!(again.len(), 1, "only the unacknowledged fragment");
        assert_eq!(again[0], first[1]);
        assert_eq!(a.poll_timeout(), Some(210 + 400), "doubled");
        b.receive(&again[0], 300).unwrap();
        assert_eq!(stream(&mut b), vec![message]);
        assert_eq!(a.stats().retransmissions, 1);
    }

    #[test]
    fn silence_ends_in_a_timeout_after_bounded_tries() {
        let config = DatagramConfig::default().with_retransmission(10, 40, 4);
        let mut a = DatagramShim::new(config).unwrap();
        a.send_frames(&big_frame(10, 0), 0).unwrap();
        drain(&mut a);
        let mut now = 0;
        let mut waits = Vec::new();
        let err = loop {
            let due = a.poll_timeout().unwrap();
            waits.push(due - now);
            now = due;
            if let Err(e) = a.handle_timeout(now) {
                break e;
            }
            drain(&mut a);
        };
        assert_eq!(err, DgramError::Timeout { transmissions: 4 });
        assert_eq!(waits, [10, 20, 40, 40]);
    }

    #[test]
    fn duplicates_are_dropped_and_reacknowledged() {
        let (mut a, mut b) = (shim(), shim());
        let message = big_frame(100, 2);
        a.send_frames(&message, 0).unwrap();
        let d = drain(&mut a);
        b.receive(&d[0], 0).unwrap();
        b.receive(&d[0], 0).unwrap();
        assert_eq!(stream(&mut b), vec![message]);
        assert_eq!(drain(&mut b).len(), 1, "both acks in one datagram");
        assert_eq!(b.stats().duplicates_dropped, 1);
        // Duplicated data is delivered once.
        a.send_frames(&data(b"x"), 0).unwrap();
        let d = drain(&mut a);
        b.receive(&d[0], 0).unwrap();
        b.receive(&d[0], 0).unwrap();
        assert_eq!(stream(&mut b), vec![data(b"x")]);
    }

    #[test]
    fn messages_are_delivered_in_order_and_data_waits_for_earlier_messages() {
        let (mut a, mut b) = (shim(), shim());
        let m0 = big_frame(10, 0);
        let m1 = big_frame(20, 1);
        a.send_frames(&m0, 0).unwrap();
        a.send_frames(&m1, 0).unwrap();
        a.send_frames(&data(b"after both"), 0).unwrap();
        let d = drain(&mut a);
        b.receive(&d[2], 0).unwrap();
        b.receive(&d[1], 0).unwrap();
        assert!(stream(&mut b).is_empty());
        b.receive(&d[0], 0).unwrap();
        assert_eq!(stream(&mut b), vec![m0, m1, data(b"after both")]);
    }

    #[test]
    fn hostile_fragments_are_typed_errors() {
        let hello = big_frame(10, 0);
        let cases: Vec<(Vec<Vec<u8>>, DgramError)> = vec![
            (
                vec![frag(0, MAX_MESSAGE_LEN + 1, 0, b"x")],
                DgramError::MessageTooLarge {
                    len: MAX_MESSAGE_LEN + 1,
                },
            ),
            (
                vec![frag(0, 0, 0, b"x")],
                DgramError::MessageTooLarge { len: 0 },
            ),
            (vec![frag(0, 4, 3, b"xy")], DgramError::FragmentOutOfRange),
            (vec![frag(0, 4, 0, b"")], DgramError::FragmentOutOfRange),
            (
                vec![frag(0, 8, 0, b"abcd"), frag(0, 9, 4, b"efgh")],
                DgramError::ConflictingFragment,
            ),
            (
                vec![frag(0, 8, 0, b"abcd"), frag(0, 8, 2, b"cdef")],
                DgramError::OverlappingFragment,
            ),
            (
                vec![frag(0, 8, 4, b"abcd"), frag(0, 8, 2, b"cdef")],
                DgramError::OverlappingFragment,
            ),
            (
                vec![frag(0, 8, 0, b"abcd"), frag(0, 8, 0, b"abce")],
                DgramError::OverlappingFragment,
            ),
            (
                vec![frag(MAX_WINDOW, 8, 0, b"abcd")],
                DgramError::WindowExceeded,
            ),
            (
                vec![frag(0, 6, 0, &data(b"xy"))],
                DgramError::MalformedMessage,
            ),
            (
                vec![frag(
                    0,
                    hello.len() + 1,
                    0,
                    &[hello.clone(), vec![0]].concat(),
                )],
                DgramError::MalformedMessage,
            ),
        ];
        for (datagrams, expected) in cases {
            let mut b = shim();
            let mut result = Ok(());
            for d in &datagrams {
                result = b.receive(d, 0);
                if result.is_err() {
                    break;
                }
            }
            assert_eq!(result, Err(expected.clone()), "{datagrams:?}");
        }
        // Truncated and unknown datagrams.
        for d in [
            &[][..],
            &[0x01, 0, 0],
            &[0x02, 2, 0, 0, 0, 0, 0, 0, 0],
            &[0x02, 0, 0],
            &[0x03, 0, 0, 0],
            &[0x09],
        ] {
            assert!(
                matches!(shim().receive(d, 0), Err(DgramError::Decode(_))),
                "{d:?}"
            );
        }
    }

    #[test]
    fn buffers_stay_bounded() {
        let mut b = shim();
        // Later messages beyond the reassembly budget are dropped, not held.
        let piece = vec![0u8; 1000];
        for seq in 1..MAX_WINDOW {
            for i in 0..100 {
                let _ = b.receive(&frag(seq, MAX_MESSAGE_LEN, i * 1000, &piece), 0);
            }
        }
        assert!(b.buffered_bytes() <= MAX_REASSEMBLY_BYTES);
        assert!(b.stats().dropped > 0);
        // Held data is bounded too.
        let mut b = shim();
        for i in 0..1000u64 {
            let mut d = vec![DATA, 0, 0, 0, 5];
            d.extend(i.to_be_bytes());
            d.extend([0u8; 1000]);
            b.receive(&d, 0).unwrap();
        }
        assert!(b.buffered_bytes() <= MAX_HELD_BYTES);
        // Tiny fragments hit the fragment count bound with a typed error.
        let mut b = shim();
        let err = (0..=MAX_BUFFERED_FRAGMENTS)
            .map(|i| b.receive(&frag(0, MAX_MESSAGE_LEN, i * 2, b"x"), 0))
            .find(Result::is_err);
        assert_eq!(err, Some(Err(DgramError::TooManyFragments)));
    }

    #[test]
    fn data_is_never_retransmitted_and_too_large_data_is_refused() {
        let mut a = shim();
        a.send_frames(&data(&[1; 10]), 0).unwrap();
        assert_eq!(drain(&mut a).len(), 1);
        assert!(a.is_idle());
        assert_eq!(a.poll_timeout(), None);
        assert_eq!(
            a.send_frames(&data(&vec![0; 1188]), 0),
            Err(DgramError::DataTooLarge {
                len: 1188,
                max: 1187
            })
        );
    }

    #[test]
    fn reordered_and_lossy_exchange_converges() {
        // A deterministic shuffle-and-drop channel in both directions.
        let (mut a, mut b) = (shim(), shim());
        let messages: Vec<Vec<u8>> = (0..6)
            .map(|i| big_frame(700 * i + 1, u8::try_from(i).unwrap()))
            .collect();
        for m in &messages {
            a.send_frames(m, 0).unwrap();
        }
        let mut state = 0x2545_f491_u32;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let mut now = 0;
        let mut got = Vec::new();
        for _ in 0..200 {
            let mut to_b = drain(&mut a);
            to_b.reverse();
            for d in to_b {
                if rand() % 3 != 0 {
                    b.receive(&d, now).unwrap();
                    if rand() % 5 == 0 {
                        b.receive(&d, now).unwrap();
                    }
                }
            }
            got.extend(stream(&mut b));
            for d in drain(&mut b) {
                if rand() % 3 != 0 {
                    a.receive(&d, now).unwrap();
                }
            }
            if a.is_idle() {
                break;
            }
            now = a.poll_timeout().unwrap();
            a.handle_timeout(now).unwrap();
        }
        assert!(a.is_idle());
        assert_eq!(got, messages);
    }

    #[test]
    fn random_and_mutated_datagrams_are_taken_or_typed_errors_within_bounds() {
        // The fuzz target's property on a fixed pseudo-random sample: fragments near the
        // valid shape (small seq, offsets, lengths) and arbitrary bytes.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let mut b = shim();
            for _ in 0..50 {
                let r = next();
                let d = match r % 4 {
                    0 => {
                        let total = usize::try_from(next() % 5000).unwrap();
                        let offset = usize::try_from(next() % 5000).unwrap();
                        let len = usize::try_from(next() % 1200).unwrap();
                        let seq = u32::try_from(next() % 20).unwrap();
                        frag(seq, total, offset, &vec![u8::try_from(r % 7).unwrap(); len])
                    }
                    1 => {
                        let mut d = vec![DATA];
                        d.extend(u32::try_from(next() % 4).unwrap().to_be_bytes());
                        d.extend((next() % 100).to_be_bytes());
                        d
                    }
                    _ => {
                        let len = usize::try_from(next() % 40).unwrap();
                        (0..len)
                            .map(|_| u8::try_from(next() % 4).unwrap())
                            .collect()
                    }
                };
                if b.receive(&d, 0).is_err() {
                    break;
                }
                while b.poll_transmit().is_some() {}
                assert!(
                    b.buffered_bytes() <= MAX_REASSEMBLY_BYTES + MAX_MESSAGE_LEN + MAX_HELD_BYTES
                );
            }
        }
    }
}
