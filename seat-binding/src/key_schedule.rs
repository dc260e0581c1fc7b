//! TLS 1.3 and DTLS 1.3 key-schedule pieces: HKDF-Expand-Label, Derive-Secret, transcript
//! hashes (with the HelloRetryRequest rule) and the exporter.
//!
//! RFC 8446 sections 4.4.1, 7.1 and 7.5; RFC 9147 section 5.9 for the `"dtls13"` prefix.

use crate::provider::{CryptoProvider, HashAlgorithm};
use crate::{Digest, Error, Secret};

/// Which protocol's HkdfLabel prefix to use.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// TLS 1.3: labels are prefixed with `"tls13 "` (RFC 8446 section 7.1).
    #[default]
    Tls13,
    /// DTLS 1.3: labels are prefixed with `"dtls13"`, no space (RFC 9147 section 5.9).
    Dtls13,
}

impl Protocol {
    /// The HkdfLabel prefix (six bytes for both protocols).
    pub const fn label_prefix(self) -> &'static [u8] {
        match self {
            Self::Tls13 => b"tls13 ",
            Self::Dtls13 => b"dtls13",
        }
    }
}

/// Encodes the `HkdfLabel` structure of RFC 8446 section 7.1.
///
/// `uint16 length || opaque label<7..255> = prefix + label || opaque context<0..255>`.
///
/// # Errors
///
/// [`Error::LabelTooLong`] if the prefixed label or the context exceeds 255 bytes;
/// [`Error::InvalidOutputLength`] if `out_len` does not fit a `uint16`.
pub fn hkdf_label(
    protocol: Protocol,
    label: &[u8],
    context: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    let prefix = protocol.label_prefix();
    let length = u16::try_from(out_len).map_err(|_| Error::InvalidOutputLength)?;
    let label_len = u8::try_from(prefix.len() + label.len()).map_err(|_| Error::LabelTooLong)?;
    let context_len = u8::try_from(context.len()).map_err(|_| Error::LabelTooLong)?;
    let mut out = Vec::with_capacity(4 + usize::from(label_len) + context.len());
    out.extend_from_slice(&length.to_be_bytes());
    out.push(label_len);
    out.extend_from_slice(prefix);
    out.extend_from_slice(label);
    out.push(context_len);
    out.extend_from_slice(context);
    Ok(out)
}

/// HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 section 7.1).
///
/// # Errors
///
/// As [`hkdf_label`] and [`CryptoProvider::hkdf_expand`].
pub fn hkdf_expand_label(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out_len: usize,
) -> Result<Secret, Error> {
    let info = hkdf_label(protocol, label, context, out_len)?;
    provider.hkdf_expand(hash, secret, &[&info], out_len)
}

/// Derive-Secret(Secret, Label, Messages) (RFC 8446 section 7.1), given
/// `Transcript-Hash(Messages)` already computed (for example with [`transcript_hash`]).
///
/// # Errors
///
/// As [`hkdf_expand_label`].
pub fn derive_secret(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    secret: &[u8],
    label: &[u8],
    transcript_hash: &[u8],
) -> Result<Secret, Error> {
    hkdf_expand_label(
        provider,
        hash,
        protocol,
        secret,
        label,
        transcript_hash,
        hash.output_len(),
    )
}

/// Transcript-Hash(M1, M2, ... Mn) = Hash(M1 || M2 || ... || Mn), without a HelloRetryRequest
/// (RFC 8446 section 4.4.1). Messages are full handshake messages with their 4-byte headers.
pub fn transcript_hash(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    messages: &[&[u8]],
) -> Digest {
    provider.hash(hash, messages)
}

/// The ServerHello.random that marks a HelloRetryRequest (RFC 8446 section 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// HandshakeType message_hash (RFC 8446 section 4.4.1).
const MESSAGE_HASH: u8 = 0xfe;
/// HandshakeType client_hello.
const CLIENT_HELLO: u8 = 0x01;
/// HandshakeType server_hello.
const SERVER_HELLO: u8 = 0x02;

/// Whether a full handshake message is a HelloRetryRequest: a ServerHello whose random is
/// [`HELLO_RETRY_REQUEST_RANDOM`] (RFC 8446 section 4.1.3). The random sits after the 4-byte
/// header and the 2-byte legacy_version.
pub fn is_hello_retry_request(message: &[u8]) -> bool {
    message.first() == Some(&SERVER_HELLO)
        && message.get(6..38) == Some(HELLO_RETRY_REQUEST_RANDOM.as_slice())
}

/// The synthetic `message_hash` message that replaces ClientHello1 after a HelloRetryRequest:
/// `fe 00 00 Hash.length || Hash(ClientHello1)` (RFC 8446 section 4.4.1).
pub fn message_hash(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    client_hello1: &[u8],
) -> Vec<u8> {
    let digest = provider.hash(hash, &[client_hello1]);
    let mut out = Vec::with_capacity(4 + digest.len());
    out.extend_from_slice(&[MESSAGE_HASH, 0, 0]);
    // Hash.length is 32 or 48, so it fits the low byte of the uint24 length.
    out.push(u8::try_from(digest.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(digest.as_bytes());
    out
}

/// Transcript-Hash(ClientHello ... ServerHello) with the HelloRetryRequest rule of RFC 8446
/// section 4.4.1: when the second message is a HelloRetryRequest, ClientHello1 is replaced by
/// [`message_hash`]. This is reading (c) of draft-fossati-seat-early-attestation ambiguity A1.
///
/// Messages are full handshake messages (4-byte TLS header, also for DTLS 1.3 per RFC 9147
/// section 5.2), in order.
///
/// # Errors
///
/// [`Error::InvalidTranscript`] if `messages` is empty or does not start with a ClientHello.
pub fn handshake_transcript_hash(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    messages: &[&[u8]],
) -> Result<Digest, Error> {
    let (first, rest) = messages.split_first().ok_or(Error::InvalidTranscript)?;
    if first.first() != Some(&CLIENT_HELLO) {
        return Err(Error::InvalidTranscript);
    }
    match rest.first() {
        Some(second) if is_hello_retry_request(second) => {
            let synthetic = message_hash(provider, hash, first);
            let mut parts: Vec<&[u8]> = Vec::with_capacity(messages.len());
            parts.push(&synthetic);
            parts.extend_from_slice(rest);
            Ok(provider.hash(hash, &parts))
        }
        _ => Ok(provider.hash(hash, messages)),
    }
}

/// TLS-Exporter(label, context_value, key_length) from an exporter_master_secret
/// (RFC 8446 section 7.5; RFC 9147 section 5.9 with [`Protocol::Dtls13`]):
///
/// `HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)`.
///
/// In TLS 1.3 an absent context and an empty one give the same output.
///
/// # Errors
///
/// [`Error::LabelTooLong`] for a label above 249 bytes; [`Error::InvalidOutputLength`] for a
/// zero or too large `out_len`; [`Error::InvalidKeyLength`] if the secret is shorter than
/// Hash.length.
pub fn tls_exporter(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    exporter_master_secret: &[u8],
    label: &[u8],
    context: Option<&[u8]>,
    out_len: usize,
) -> Result<Secret, Error> {
    let empty_hash = provider.hash(hash, &[]);
    let derived = derive_secret(
        provider,
        hash,
        protocol,
        exporter_master_secret,
        label,
        empty_hash.as_bytes(),
    )?;
    let context_hash = provider.hash(hash, &[context.unwrap_or_default()]);
    hkdf_expand_label(
        provider,
        hash,
        protocol,
        derived.expose(),
        b"exporter",
        context_hash.as_bytes(),
        out_len,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_label_layout() {
        // RFC 8446 section 7.1: uint16 length, prefixed label, context; RFC 9147 section 5.9
        // swaps the prefix for "dtls13" of the same length.
        let l = hkdf_label(Protocol::Tls13, b"key", &[0xaa], 16).unwrap();
        assert_eq!(l, b"\x00\x10\x09tls13 key\x01\xaa");
        let l = hkdf_label(Protocol::Dtls13, b"key", &[], 16).unwrap();
        assert_eq!(l, b"\x00\x10\x09dtls13key\x00");
        assert_eq!(
            hkdf_label(Protocol::Tls13, &[b'a'; 250], &[], 16),
            Err(Error::LabelTooLong)
        );
        assert_eq!(
            hkdf_label(Protocol::Tls13, b"k", &[], 65536),
            Err(Error::InvalidOutputLength)
        );
    }

    #[test]
    fn hello_retry_request_detection() {
        let mut hrr = vec![0x02, 0, 0, 38, 0x03, 0x03];
        hrr.extend_from_slice(&HELLO_RETRY_REQUEST_RANDOM);
        assert!(is_hello_retry_request(&hrr));
        hrr[0] = 0x01;
        assert!(!is_hello_retry_request(&hrr));
        assert!(!is_hello_retry_request(&[0x02, 0, 0]));
    }
}
