//! Property tests over every wire type, driven by `arbitrary` from a fixed-seed generator so
//! that every run checks the same cases.
//!
//! For each decoder:
//! - `CASES` generated values: encoding then decoding gives the same value, and encoding that
//!   value again gives the same bytes;
//! - `CASES` hostile inputs (random bytes, and valid encodings truncated, extended or with
//!   bytes flipped): decoding never panics, and whatever decodes re-encodes to exactly the
//!   input (strict decoding accepts one encoding per value).

use std::fmt::Debug;

use arbitrary::{Arbitrary, Unstructured};
use seat_proto::codec::{Codec, DecodeError, DecodeErrorKind, Reader};
use seat_proto::codepoints::{CodePoints, HandshakeType};
use seat_proto::ext::{
    CmwData, EntryExtensions, Extension, RequestExtensions, SignatureSchemeList,
};
use seat_proto::message::{
    Authenticator, AuthenticatorRequest, CertData, Certificate, CertificateRequest,
    CertificateVerify, Finished, RequestContext,
};
use seat_proto::remote_attestation::{
    AttestationScheme, CmwPayload, RemoteAttestation, RemoteAttestationOffer,
};

const CASES: usize = 10_000;

/// splitmix64: a small, well-mixed generator; the seed makes runs reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Runs both properties for one type.
fn check<T>(
    name: &str,
    seed: u64,
    encode: impl Fn(&T) -> Vec<u8>,
    decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
) where
    T: for<'a> Arbitrary<'a> + PartialEq + Debug,
{
    let mut rng = Rng(seed);
    let mut valid = Vec::new();
    let mut generated = 0;
    let mut attempts = 0;
    while generated < CASES {
        attempts += 1;
        assert!(attempts < CASES * 3, "{name}: arbitrary fails too often");
        let len = rng.below(1500);
        let raw = rng.bytes(len);
        let Ok(value) = T::arbitrary(&mut Unstructured::new(&raw)) else {
            continue;
        };
        generated += 1;
        let bytes = encode(&value);
        let decoded = decode(&bytes).unwrap_or_else(|e| {
            panic!(
                "{name}: {value:?} encoded to {} but failed: {e}",
                hex::encode(&bytes)
            )
        });
        assert_eq!(decoded, value, "{name}: round trip changed the value");
        assert_eq!(
            encode(&decoded),
            bytes,
            "{name}: re-encoding changed the bytes"
        );
        if valid.len() < 256 {
            valid.push(bytes);
        }
    }

    let mut accepted = 0;
    for i in 0..CASES {
        let input = if i % 4 == 0 || valid.is_empty() {
            let len = rng.below(64);
            rng.bytes(len)
        } else {
            let mut bytes = valid[rng.below(valid.len())].clone();
            match rng.below(4) {
                0 if !bytes.is_empty() => bytes.truncate(rng.below(bytes.len())),
                1 => bytes.push(rng.next() as u8),
                _ if !bytes.is_empty() => {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                _ => {}
            }
            bytes
        };
        if let Ok(value) = decode(&input) {
            accepted += 1;
            assert_eq!(
                encode(&value),
                input,
                "{name}: decoded {value:?} but re-encoded differently"
            );
        }
    }
    // Some mutations land on opaque bytes and stay valid; most must not.
    assert!(accepted < CASES, "{name}: every hostile input was accepted");
}

fn codec<T: Codec + for<'a> Arbitrary<'a> + PartialEq + Debug>(seed: u64) {
    check::<T>(T::NAME, seed, Codec::to_vec, T::decode);
}

fn cp() -> CodePoints {
    CodePoints::DEFAULT
}

/// What `encode` writes for `value` into an empty buffer.
fn written<T>(value: &T, encode: impl Fn(&T, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    encode(value, &mut out);
    out
}

/// `first`, then `rest`: an encoding with a test-only leading byte.
fn prefixed(first: u8, rest: Vec<u8>) -> Vec<u8> {
    let mut out = vec![first];
    out.extend(rest);
    out
}

/// Runs both properties for an extension block: written by `encode`, read by `read` (under
/// the default code points) with nothing left over.
fn check_block<T>(
    name: &'static str,
    seed: u64,
    encode: impl Fn(&T, &mut Vec<u8>),
    read: impl Fn(&mut Reader<'_>, &CodePoints) -> Result<T, DecodeError>,
) where
    T: for<'a> Arbitrary<'a> + PartialEq + Debug,
{
    check::<T>(
        name,
        seed,
        |e| written(e, &encode),
        |bytes| {
            let mut r = Reader::new(bytes);
            let e = read(&mut r, &cp())?;
            r.finish(name)?;
            Ok(e)
        },
    );
}

#[test]
fn extension() {
    codec::<Extension>(1);
}

#[test]
fn signature_scheme_list() {
    codec::<SignatureSchemeList>(2);
}

#[test]
fn request_context() {
    codec::<RequestContext>(3);
}

#[test]
fn cert_data() {
    codec::<CertData>(4);
}

#[test]
fn cmw_data() {
    codec::<CmwData>(5);
}

#[test]
fn cmw_payload() {
    codec::<CmwPayload>(6);
}

#[test]
fn attestation_scheme() {
    codec::<AttestationScheme>(7);
}

#[test]
fn remote_attestation_offer() {
    codec::<RemoteAttestationOffer>(8);
}

#[test]
fn remote_attestation_all_forms() {
    check::<RemoteAttestation>(
        "RemoteAttestation",
        9,
        |ra| prefixed(ra.message().0, ra.to_data()),
        |bytes| {
            let (&msg, data) = bytes.split_first().ok_or(DecodeError::new(
                "message",
                0,
                DecodeErrorKind::Truncated {
                    needed: 1,
                    available: 0,
                },
            ))?;
            RemoteAttestation::decode_data(HandshakeType(msg), data)
        },
    );
}

#[test]
fn request_extensions() {
    check_block(
        "RequestExtensions",
        10,
        RequestExtensions::encode,
        RequestExtensions::read,
    );
}

#[test]
fn entry_extensions() {
    check_block(
        "EntryExtensions",
        11,
        EntryExtensions::encode,
        EntryExtensions::read,
    );
}

#[test]
fn certificate_request_body() {
    check::<CertificateRequest>(
        "CertificateRequest",
        12,
        |r| written(r, CertificateRequest::encode_body),
        |bytes| CertificateRequest::decode_body(bytes, &cp()),
    );
}

#[test]
fn authenticator_request() {
    check::<AuthenticatorRequest>(
        "AuthenticatorRequest",
        13,
        AuthenticatorRequest::to_vec,
        |b| AuthenticatorRequest::decode(b, &cp()),
    );
}

#[test]
fn certificate() {
    check::<Certificate>("Certificate", 14, Certificate::to_vec, |b| {
        Certificate::decode(b, &cp())
    });
}

#[test]
fn certificate_verify() {
    check::<CertificateVerify>(
        "CertificateVerify",
        15,
        CertificateVerify::to_vec,
        CertificateVerify::decode,
    );
}

/// Splits the test-only hash-length byte off an input.
fn hash_len_prefix(b: &[u8]) -> Result<(usize, &[u8]), DecodeError> {
    match b.split_first() {
        Some((&len, rest)) if len == 32 || len == 48 => Ok((usize::from(len), rest)),
        _ => Err(DecodeError::new(
            "test hash length",
            0,
            DecodeErrorKind::UnknownValue { value: 0 },
        )),
    }
}

#[test]
fn finished() {
    // The hash length is known to the receiver from the cipher suite; the encoding carries
    // it here as a first byte so that both lengths are exercised.
    check::<Finished>(
        "Finished",
        16,
        |f| prefixed(f.verify_data().len() as u8, f.to_vec()),
        |b| {
            let (len, rest) = hash_len_prefix(b)?;
            Finished::decode(rest, len)
        },
    );
}

#[test]
fn authenticator() {
    check::<Authenticator>(
        "Authenticator",
        17,
        |a| prefixed(a.hash_len() as u8, a.to_vec()),
        |b| {
            let (len, rest) = hash_len_prefix(b)?;
            Authenticator::decode(rest, len, &cp())
        },
    );
}
