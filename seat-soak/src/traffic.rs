//! What the two ends of a soak connection say to each other: length-prefixed chunks of
//! pseudo-random bytes in lockstep (the client sends one, the server answers with one), each
//! direction tallied with a running SHA-256, and a trailer with the sender's count and digest
//! that the receiver checks against its own tally.

use std::io;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest chunk either side sends (well under the session's 64 KiB of data it holds
/// while a re-attestation waits, so lockstep traffic never makes `reattest` pend).
pub(crate) const MAX_CHUNK: usize = 8 * 1024;

/// The length prefix that announces the trailer instead of a chunk.
const TRAILER: u32 = u32::MAX;

/// A small deterministic generator (SplitMix64): the soak's data, chunk sizes and fault plans
/// come from it, so a run is reproducible from its seed.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        // 53 bits of the draw as a fraction in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        x < p
    }

    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(bytes) {
                *d = s;
            }
        }
    }
}

/// One direction's account: bytes and their running digest.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) bytes: u64,
    hash: Sha256,
}

impl Tally {
    pub(crate) fn add(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        self.hash.update(data);
    }

    pub(crate) fn digest(&self) -> [u8; 32] {
        self.hash.clone().finalize().into()
    }
}

/// What a frame read carried.
pub(crate) enum Frame {
    /// A chunk (already added to the receiving tally).
    Chunk,
    /// The sender's trailer: its count and digest of everything it sent.
    Trailer { bytes: u64, digest: [u8; 32] },
}

fn soak_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("soak protocol: {what}"))
}

/// Sends one chunk of `len` bytes drawn from `rng`, tallied in `sent`.
pub(crate) async fn send_chunk<S: AsyncWrite + Unpin>(
    stream: &mut S,
    rng: &mut Rng,
    len: usize,
    sent: &mut Tally,
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    buf.clear();
    let len32 = u32::try_from(len).map_err(|_| soak_error("chunk too long"))?;
    buf.extend_from_slice(&len32.to_be_bytes());
    buf.resize(4 + len, 0);
    if let Some(payload) = buf.get_mut(4..) {
        rng.fill(payload);
        sent.add(payload);
    }
    stream.write_all(buf).await?;
    stream.flush().await
}

/// Sends the trailer for `sent`.
pub(crate) async fn send_trailer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    sent: &Tally,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(44);
    out.extend_from_slice(&TRAILER.to_be_bytes());
    out.extend_from_slice(&sent.bytes.to_be_bytes());
    out.extend_from_slice(&sent.digest());
    stream.write_all(&out).await?;
    stream.flush().await
}

/// Reads one frame, adding a chunk's bytes to `received`.
pub(crate) async fn read_frame<S: AsyncRead + Unpin>(
    stream: &mut S,
    received: &mut Tally,
    buf: &mut Vec<u8>,
) -> io::Result<Frame> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await?;
    let len = u32::from_be_bytes(header);
    if len == TRAILER {
        let mut count = [0u8; 8];
        stream.read_exact(&mut count).await?;
        let mut digest = [0u8; 32];
        stream.read_exact(&mut digest).await?;
        return Ok(Frame::Trailer {
            bytes: u64::from_be_bytes(count),
            digest,
        });
    }
    let len = usize::try_from(len).map_err(|_| soak_error("chunk length"))?;
    if len == 0 || len > MAX_CHUNK {
        return Err(soak_error("chunk length out of range"));
    }
    buf.resize(len, 0);
    stream.read_exact(buf).await?;
    received.add(buf);
    Ok(Frame::Chunk)
}

/// Checks a trailer against the receiving tally: the sender's count and digest must be what
/// arrived.
pub(crate) fn check_trailer(received: &Tally, bytes: u64, digest: &[u8; 32]) -> io::Result<()> {
    if received.bytes != bytes || received.digest() != *digest {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "soak integrity: {} bytes arrived, the sender sent {bytes}, digests {}",
                received.bytes,
                if received.digest() == *digest {
                    "equal"
                } else {
                    "differ"
                }
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_chunk_and_a_trailer_round_trip_and_a_flipped_byte_is_caught() {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let (mut rng, mut sent, mut buf) = (Rng::new(7), Tally::default(), Vec::new());
        send_chunk(&mut a, &mut rng, 1000, &mut sent, &mut buf)
            .await
            .unwrap();
        send_trailer(&mut a, &sent).await.unwrap();
        let mut received = Tally::default();
        assert!(matches!(
            read_frame(&mut b, &mut received, &mut buf).await.unwrap(),
            Frame::Chunk
        ));
        let Frame::Trailer { bytes, digest } =
            read_frame(&mut b, &mut received, &mut buf).await.unwrap()
        else {
            panic!("expected the trailer")
        };
        assert_eq!(bytes, 1000);
        check_trailer(&received, bytes, &digest).unwrap();
        let mut flipped = digest;
        flipped[0] ^= 1;
        assert!(check_trailer(&received, bytes, &flipped).is_err());
        assert!(check_trailer(&received, bytes + 1, &digest).is_err());
    }
}
