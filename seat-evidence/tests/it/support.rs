//! Test helpers: hex, a fixed-seed PRNG, and test-only COSE verifiers built on the RustCrypto
//! crates (the real provider is seat-binding's).

use seat_evidence::Error;
use seat_evidence::cose::{Algorithm, CoseSigner, CoseVerifier};

pub fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Loads a `seat-vectors/1` file copied into tests/data.
pub fn vector(name: &str) -> serde_json::Value {
    let text = match name {
        "cmw-cbor-record-example" => include_str!("../data/cmw-cbor-record-example.json"),
        "cmw-json-record-example" => include_str!("../data/cmw-json-record-example.json"),
        "cose-sign1-eat-cdsp-es256" => include_str!("../data/cose-sign1-eat-cdsp-es256.json"),
        "cose-sign1-eat-cdsp-es256-bad-signature" => {
            include_str!("../data/cose-sign1-eat-cdsp-es256-bad-signature.json")
        }
        "eat-eat-cdsp-es256" => include_str!("../data/eat-eat-cdsp-es256.json"),
        other => panic!("no vector {other}"),
    };
    serde_json::from_str(text).unwrap()
}

/// SplitMix64: a tiny deterministic PRNG for property tests.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % u64::try_from(n).unwrap()).unwrap()
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    /// A buffer of random length up to `max`.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

/// ES256 verification with `p256` (test-only).
pub struct P256Verifier(pub p256::ecdsa::VerifyingKey);

impl P256Verifier {
    pub fn from_xy(x: &str, y: &str) -> Self {
        let mut sec1 = vec![4];
        sec1.extend(hx(x));
        sec1.extend(hx(y));
        Self(p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap())
    }

    pub fn from_spki_der(der: &[u8]) -> Self {
        use p256::pkcs8::DecodePublicKey;
        Self(p256::ecdsa::VerifyingKey::from_public_key_der(der).unwrap())
    }
}

impl CoseVerifier for P256Verifier {
    fn verify(&self, alg: Algorithm, tbs: &[u8], signature: &[u8]) -> Result<(), Error> {
        use p256::ecdsa::signature::Verifier;
        if alg != Algorithm::ES256 {
            return Err(Error::UnsupportedAlgorithm { alg: alg.0 });
        }
        let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| Error::BadSignature)?;
        self.0.verify(tbs, &sig).map_err(|_| Error::BadSignature)
    }
}

/// ES256 signing with `p256` (RFC 6979 deterministic nonces; test-only).
pub struct P256Signer(pub p256::ecdsa::SigningKey);

impl CoseSigner for P256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        use p256::ecdsa::signature::Signer;
        let sig: p256::ecdsa::Signature = self.0.sign(tbs);
        Ok(sig.to_bytes().to_vec())
    }
}

/// EdDSA (Ed25519) verification with `ed25519-dalek` (test-only).
pub struct Ed25519Verifier(pub ed25519_dalek::VerifyingKey);

impl CoseVerifier for Ed25519Verifier {
    fn verify(&self, alg: Algorithm, tbs: &[u8], signature: &[u8]) -> Result<(), Error> {
        if alg != Algorithm::EDDSA {
            return Err(Error::UnsupportedAlgorithm { alg: alg.0 });
        }
        let sig =
            ed25519_dalek::Signature::from_slice(signature).map_err(|_| Error::BadSignature)?;
        self.0
            .verify_strict(tbs, &sig)
            .map_err(|_| Error::BadSignature)
    }
}

/// Ed25519 signing (test-only).
pub struct Ed25519Signer(pub ed25519_dalek::SigningKey);

impl CoseSigner for Ed25519Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EDDSA
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        use ed25519_dalek::Signer;
        Ok(self.0.sign(tbs).to_bytes().to_vec())
    }
}
