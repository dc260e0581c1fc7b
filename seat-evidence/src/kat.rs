//! Key attestation tokens (KAT) and platform attestation tokens (PAT), draft-bft-rats-kat-06
//! (rats-formats.md section 5).
//!
//! A KAT is an EAT whose claims say "the identity key pIK lives in this platform's key store":
//! `{10: nonce, 8: {1: COSE_Key pIK}, 2500: COSE_Key KAK}`, signed by the key attestation key
//! (KAK) it names in `kak-pub`. A PAT is any EAT about the platform whose `eat_nonce` is the
//! SHA-256 of the `kak-pub` COSE_Key **exactly as encoded in the KAT** (section 5.3 of the
//! digest; the draft names no hash, its example uses SHA-256), so the PAT signature, checked
//! against a trust anchor, vouches for the KAK. The two travel as a CMW collection typed
//! [`CAB_COLLECTION_TYPE`] with records `"kat"` and `"pat"` typed `application/eat+cwt`
//! (the combined attestation bundle, CAB).
//!
//! [`verify_cab`] checks in the draft's order: PAT signature with the trust anchor, PAT-KAT
//! linkage, KAT signature with `kak-pub`, KAT nonce against the challenge. Appraising the PAT's
//! claims is the caller's job. The `kak-pub` label 2500 is not registered (the draft's IANA
//! section is a TODO; rats-formats.md 9.2 item 22).

use seat_binding::provider::{CryptoProvider, HashAlgorithm};
use seat_binding::spki::{KeyType, encode_spki, parse_spki};

use crate::cbor::{self, Label, MapBuilder, Profile, Reader, Value, Writer};
use crate::cmw::{Cmw, Collection, Record, RecordType};
use crate::cose::{Algorithm, CoseSign1, CoseSigner, CoseVerifier, HeaderMap, Tagging};
use crate::crypto::ProviderVerifier;
use crate::eat::{self, ClaimsSet, MAX_NONCE_LEN, MIN_NONCE_LEN};
use crate::error::{Error, Item, ProviderError};

/// The `kak-pub` claim key (draft-bft-rats-kat-06 section 4; unregistered).
pub const KAK_PUB: i64 = 2500;
/// The `__cmwc_t` of a combined attestation bundle (draft-bft-rats-kat-06 section 5).
pub const CAB_COLLECTION_TYPE: &str = "tag:ietf.org,2024-02-29:rats/kat";
/// The record type of both CAB members (RFC 9782).
pub const CAB_MEDIA_TYPE: &str = "application/eat+cwt";
/// The CAB label of the KAT.
pub const CAB_KAT_LABEL: &str = "kat";
/// The CAB label of the PAT.
pub const CAB_PAT_LABEL: &str = "pat";

/// COSE_Key `kty` (RFC 9052 section 7.1).
pub const KEY_KTY: i64 = 1;
/// COSE_Key `kid`.
pub const KEY_KID: i64 = 2;
/// COSE_Key `alg`.
pub const KEY_ALG: i64 = 3;
/// COSE_Key `crv` (RFC 9053 section 7.1).
pub const KEY_CRV: i64 = -1;
/// COSE_Key `x`.
pub const KEY_X: i64 = -2;
/// COSE_Key `y`.
pub const KEY_Y: i64 = -3;
/// COSE_Key `d`: private, never allowed in a KAT.
pub const KEY_D: i64 = -4;

/// `kty` OKP (RFC 9053 section 7.2).
pub const KTY_OKP: i64 = 1;
/// `kty` EC2 (RFC 9053 section 7.1).
pub const KTY_EC2: i64 = 2;
/// `crv` P-256.
pub const CRV_P256: i64 = 1;
/// `crv` P-384.
pub const CRV_P384: i64 = 2;
/// `crv` Ed25519.
pub const CRV_ED25519: i64 = 6;

/// Longest `x`, `y` or `kid` accepted in a COSE_Key (P-521 coordinates are 66 bytes).
pub const MAX_KEY_PARAM_LEN: usize = 66;

/// A public COSE_Key (RFC 9052 section 7, RFC 9053 section 7) of the kinds a KAT carries:
/// EC2 (`y` present, uncompressed) or OKP (`y` absent).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CoseKey {
    /// `kty`: [`KTY_EC2`] or [`KTY_OKP`].
    pub kty: i64,
    /// `kid`, when present.
    pub kid: Option<Vec<u8>>,
    /// `alg`, when present.
    pub alg: Option<i64>,
    /// `crv`.
    pub crv: i64,
    /// `x`.
    pub x: Vec<u8>,
    /// `y` for EC2 keys.
    pub y: Option<Vec<u8>>,
}

impl CoseKey {
    /// The COSE_Key of a DER SubjectPublicKeyInfo: P-256 and P-384 as EC2, Ed25519 as OKP.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] for a key that does not parse; [`Error::InvalidArgument`] for RSA
    /// or a compressed point.
    pub fn from_spki(spki_der: &[u8]) -> Result<Self, Error> {
        let info = parse_spki(spki_der).map_err(|e| Error::Provider(ProviderError(e)))?;
        let bad = Error::InvalidArgument {
            what: Item::CoseKey,
        };
        let (crv, n) = match info.key_type {
            KeyType::EcP256 => (CRV_P256, 32),
            KeyType::EcP384 => (CRV_P384, 48),
            KeyType::Ed25519 => {
                return Ok(Self {
                    kty: KTY_OKP,
                    kid: None,
                    alg: None,
                    crv: CRV_ED25519,
                    x: info.raw_key.to_vec(),
                    y: None,
                });
            }
            _ => return Err(bad),
        };
        match info.raw_key.split_first() {
            Some((0x04, xy)) if xy.len() == 2 * n => {
                let (x, y) = xy.split_at(n);
                Ok(Self {
                    kty: KTY_EC2,
                    kid: None,
                    alg: None,
                    crv,
                    x: x.to_vec(),
                    y: Some(y.to_vec()),
                })
            }
            _ => Err(bad),
        }
    }

    /// The DER SubjectPublicKeyInfo of the key (RFC 5480, RFC 8410).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (offset 0) for a curve other than P-256, P-384 or Ed25519, or
    /// coordinates of the wrong length.
    pub fn to_spki(&self) -> Result<Vec<u8>, Error> {
        let bad = Error::InvalidValue {
            what: Item::CoseKey,
            at: 0,
        };
        match (self.kty, self.crv, &self.y) {
            (KTY_EC2, CRV_P256 | CRV_P384, Some(y)) => {
                let (kt, n) = if self.crv == CRV_P256 {
                    (KeyType::EcP256, 32)
                } else {
                    (KeyType::EcP384, 48)
                };
                if self.x.len() != n || y.len() != n {
                    return Err(bad);
                }
                let mut point = Vec::with_capacity(1 + 2 * n);
                point.push(0x04);
                point.extend_from_slice(&self.x);
                point.extend_from_slice(y);
                Ok(encode_spki(kt, &point))
            }
            (KTY_OKP, CRV_ED25519, None) if self.x.len() == 32 => {
                Ok(encode_spki(KeyType::Ed25519, &self.x))
            }
            _ => Err(bad),
        }
    }

    /// Encodes the key deterministically: labels `1, 2, 3, -1, -2, -3` (RFC 8949
    /// section 4.2.1), which is also the order the draft's example uses.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    fn encode(&self, w: &mut Writer) {
        let mut m = MapBuilder::new();
        m.int_key(KEY_KTY, Value::int(self.kty).to_vec());
        if let Some(k) = &self.kid {
            m.int_key(KEY_KID, Value::Bytes(k.clone()).to_vec());
        }
        if let Some(a) = self.alg {
            m.int_key(KEY_ALG, Value::int(a).to_vec());
        }
        m.int_key(KEY_CRV, Value::int(self.crv).to_vec());
        m.int_key(KEY_X, Value::Bytes(self.x.clone()).to_vec());
        if let Some(y) = &self.y {
            m.int_key(KEY_Y, Value::Bytes(y.clone()).to_vec());
        }
        m.finish(w);
    }

    /// Decodes a public COSE_Key strictly: integer labels among `kty`, `kid`, `alg`, `crv`,
    /// `x`, `y`; no duplicates; `kty`, `crv` and `x` required; `y` required for EC2 and absent
    /// for OKP, and a byte string (no point compression).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for a private key parameter `d` (-4) or any other label,
    /// [`Error::Missing`] for a required parameter, and the usual decode errors.
    pub fn decode_item(r: &mut Reader<'_>) -> Result<Self, Error> {
        let what = Item::CoseKey;
        let at = r.position();
        let (mut kty, mut kid, mut alg, mut crv, mut x, mut y) =
            (None, None, None, None, None, None);
        let param = |r: &mut Reader<'_>| -> Result<Vec<u8>, Error> {
            let at = r.position();
            let b = r.bytes(what)?.into_owned();
            if b.is_empty() || b.len() > MAX_KEY_PARAM_LEN {
                return Err(Error::BadLength { what, at });
            }
            Ok(b)
        };
        r.label_map(what, |r, label, kat, _| {
            match label {
                Label::Int(KEY_KTY) => kty = Some(r.int(what)?),
                Label::Int(KEY_KID) => kid = Some(param(r)?),
                Label::Int(KEY_ALG) => alg = Some(r.int(what)?),
                Label::Int(KEY_CRV) => crv = Some(r.int(what)?),
                Label::Int(KEY_X) => x = Some(param(r)?),
                Label::Int(KEY_Y) => y = Some(param(r)?),
                _ => return Err(Error::InvalidValue { what, at: kat }),
            }
            Ok(())
        })?;
        let missing = Error::Missing { what, at };
        let key = Self {
            kty: kty.ok_or(missing)?,
            kid,
            alg,
            crv: crv.ok_or(missing)?,
            x: x.ok_or(missing)?,
            y,
        };
        match (key.kty, &key.y) {
            (KTY_EC2, Some(_)) | (KTY_OKP, None) => Ok(key),
            (KTY_EC2, None) => Err(missing),
            _ => Err(Error::InvalidValue { what, at }),
        }
    }

    /// Decodes one COSE_Key from `bytes` ([`Self::decode_item`], no trailing bytes).
    ///
    /// # Errors
    ///
    /// As [`Self::decode_item`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        cbor::decode_all(bytes, Profile::STRICT, Item::CoseKey, Self::decode_item)
    }
}

/// A KAT claims-set (draft-bft-rats-kat-06 section 4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Kat {
    nonce: Vec<u8>,
    kak_pub: CoseKey,
    kak_pub_bytes: Vec<u8>,
    ik: CoseKey,
}

impl Kat {
    /// A KAT attesting `ik` (pIK, in `cnf`), naming `kak_pub` as its signing key, with the
    /// relying party's challenge `nonce`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a nonce outside 8..=64 bytes.
    pub fn new(nonce: Vec<u8>, kak_pub: CoseKey, ik: CoseKey) -> Result<Self, Error> {
        if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&nonce.len()) {
            return Err(Error::InvalidArgument {
                what: Item::EatNonce,
            });
        }
        let kak_pub_bytes = kak_pub.to_vec();
        Ok(Self {
            nonce,
            kak_pub,
            kak_pub_bytes,
            ik,
        })
    }

    /// `eat_nonce`: the challenge.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }

    /// `kak-pub`: the key that signs the KAT.
    pub const fn kak_pub(&self) -> &CoseKey {
        &self.kak_pub
    }

    /// The `kak-pub` COSE_Key exactly as encoded in the KAT: what the PAT nonce hashes.
    pub fn kak_pub_bytes(&self) -> &[u8] {
        &self.kak_pub_bytes
    }

    /// The attested identity key pIK (`cnf` member 1).
    pub const fn ik(&self) -> &CoseKey {
        &self.ik
    }

    /// Encodes the claims-set deterministically: keys 8, 10, 2500.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut m = MapBuilder::new();
        let mut cnf = MapBuilder::new();
        cnf.int_key(1, self.ik.to_vec());
        m.int_key(eat::CNF, cnf.into_vec());
        m.int_key(eat::EAT_NONCE, Value::Bytes(self.nonce.clone()).to_vec());
        m.int_key(KAK_PUB, self.kak_pub_bytes.clone());
        m.into_vec()
    }

    /// Decodes a KAT claims-set strictly: exactly `eat_nonce` (a byte string of 8 to 64
    /// bytes), `cnf` holding a COSE_Key, and `kak-pub`, in any order.
    ///
    /// # Errors
    ///
    /// [`Error::Missing`] for an absent claim, [`Error::InvalidValue`] for any other claim
    /// or a `cnf` that is not a COSE_Key, and the usual decode errors with their offset.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        cbor::decode_all(bytes, Profile::STRICT, Item::Kat, |r| {
            let what = Item::Kat;
            let at = r.position();
            let (mut nonce, mut kak, mut ik) = (None, None, None);
            r.label_map(what, |r, label, kat, vat| {
                match label {
                    Label::Int(eat::EAT_NONCE) => {
                        let b = r.bytes(Item::EatNonce)?.into_owned();
                        if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&b.len()) {
                            return Err(Error::BadLength {
                                what: Item::EatNonce,
                                at: vat,
                            });
                        }
                        nonce = Some(b);
                    }
                    Label::Int(eat::CNF) => {
                        if r.map(Item::Cnf)? != cbor::Len::Definite(1) {
                            return Err(Error::BadLength {
                                what: Item::Cnf,
                                at: vat,
                            });
                        }
                        r.enter(Item::Cnf)?;
                        let mat = r.position();
                        if r.int(Item::Cnf)? != 1 {
                            return Err(Error::InvalidValue {
                                what: Item::Cnf,
                                at: mat,
                            });
                        }
                        ik = Some(CoseKey::decode_item(r)?);
                        r.leave();
                    }
                    Label::Int(KAK_PUB) => {
                        let key = CoseKey::decode_item(r)?;
                        kak = Some((key, r.consumed_since(vat).to_vec()));
                    }
                    _ => return Err(Error::InvalidValue { what, at: kat }),
                }
                Ok(())
            })?;
            let (kak_pub, kak_pub_bytes) = kak.ok_or(Error::Missing {
                what: Item::KakPub,
                at,
            })?;
            Ok(Self {
                nonce: nonce.ok_or(Error::Missing {
                    what: Item::EatNonce,
                    at,
                })?,
                kak_pub,
                kak_pub_bytes,
                ik: ik.ok_or(Error::Missing {
                    what: Item::Cnf,
                    at,
                })?,
            })
        })
    }

    /// Signs the KAT with the KAK as an untagged COSE_Sign1 (the draft's example form),
    /// protected `{1: alg}`, no unprotected parameters.
    ///
    /// # Errors
    ///
    /// The signer's error.
    pub fn sign(&self, kak: &dyn CoseSigner) -> Result<Vec<u8>, Error> {
        let m = CoseSign1::sign(HeaderMap::new(), HeaderMap::new(), self.to_vec(), &[], kak)?;
        Ok(m.to_vec(Tagging::Untagged))
    }

    /// The PAT `eat_nonce` that links a PAT to this KAT: SHA-256 of [`Self::kak_pub_bytes`]
    /// (draft-bft-rats-kat-06 section 5; rats-formats.md section 5.3).
    pub fn pat_nonce(&self, provider: &dyn CryptoProvider) -> Vec<u8> {
        provider
            .hash(HashAlgorithm::Sha256, &[&self.kak_pub_bytes])
            .as_bytes()
            .to_vec()
    }
}

/// Decodes a signed KAT (tagged or untagged COSE_Sign1) and verifies it with the `kak-pub` it
/// carries. The key comes from inside the token, so the claims are decoded before the
/// signature is checked; on its own this proves only possession of the KAK. Trust comes from
/// a PAT that names the KAK ([`verify_cab`]).
///
/// # Errors
///
/// COSE and KAT decode errors (KAT offsets relative to the payload);
/// [`Error::InvalidValue`] for a `kak-pub` of an unsupported curve; the verifier's errors
/// ([`Error::AlgorithmMismatch`] when `alg` does not fit the KAK, [`Error::BadSignature`]).
pub fn verify_kat(token: &[u8], provider: &'static dyn CryptoProvider) -> Result<Kat, Error> {
    let (msg, _) = CoseSign1::decode(token)?;
    let payload = msg.payload().ok_or(Error::DetachedPayload)?;
    let kat = Kat::decode(payload)?;
    let verifier = ProviderVerifier::for_spki(provider, &kat.kak_pub.to_spki()?)?;
    msg.verify(&verifier, &[], None)?;
    Ok(kat)
}

/// Signs a PAT claims-set as an untagged COSE_Sign1 with the platform attestation key.
///
/// # Errors
///
/// [`Error::Missing`] when `claims` has no `eat_nonce` (the PAT's one hard requirement);
/// the signer's error.
pub fn sign_pat(claims: &ClaimsSet, pak: &dyn CoseSigner) -> Result<Vec<u8>, Error> {
    if claims.nonce.is_none() {
        return Err(Error::Missing {
            what: Item::EatNonce,
            at: 0,
        });
    }
    let m = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new(),
        claims.to_vec(),
        &[],
        pak,
    )?;
    Ok(m.to_vec(Tagging::Untagged))
}

/// Builds a combined attestation bundle: the CMW collection
/// `{"kat": [CAB_MEDIA_TYPE, kat], "pat": [CAB_MEDIA_TYPE, pat], "__cmwc_t": CAB_COLLECTION_TYPE}`
/// (draft-bft-rats-kat-06 section 5).
///
/// # Errors
///
/// Never in practice; the collection constructor's checks are kept.
pub fn cab(kat_token: Vec<u8>, pat_token: Vec<u8>) -> Result<Cmw, Error> {
    let rec = |v| Record::new(RecordType::MediaType(CAB_MEDIA_TYPE.into()), v, None);
    Ok(Cmw::Collection(Collection::new(
        Some(CAB_COLLECTION_TYPE.into()),
        vec![
            (
                Label::Text(CAB_KAT_LABEL.into()),
                Cmw::Record(rec(kat_token)?),
            ),
            (
                Label::Text(CAB_PAT_LABEL.into()),
                Cmw::Record(rec(pat_token)?),
            ),
        ],
    )?))
}

/// The KAT and PAT tokens of a combined attestation bundle, unverified.
///
/// # Errors
///
/// CMW decode errors; [`Error::InvalidValue`] with [`Item::Cab`] for a CMW that is not a
/// collection typed [`CAB_COLLECTION_TYPE`] with exactly the records `"kat"` and `"pat"`
/// typed [`CAB_MEDIA_TYPE`] without `ind`.
pub fn cab_tokens(cab_bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let bad = Error::InvalidValue {
        what: Item::Cab,
        at: 0,
    };
    let Cmw::Collection(c) = Cmw::decode(cab_bytes)? else {
        return Err(bad);
    };
    if c.collection_type() != Some(CAB_COLLECTION_TYPE) || c.items().len() != 2 {
        return Err(bad);
    }
    let token = |label: &str| -> Result<Vec<u8>, Error> {
        match c.get(&Label::Text(label.into())) {
            Some(Cmw::Record(r))
                if r.ind().is_none()
                    && matches!(r.typ(), RecordType::MediaType(m) if m.eq_ignore_ascii_case(CAB_MEDIA_TYPE)) =>
            {
                Ok(r.value().to_vec())
            }
            _ => Err(bad),
        }
    };
    Ok((token(CAB_KAT_LABEL)?, token(CAB_PAT_LABEL)?))
}

/// A verified combined attestation bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCab {
    /// The KAT: the attested key is [`Kat::ik`].
    pub kat: Kat,
    /// The PAT's claims, for the caller to appraise against reference values.
    pub pat: ClaimsSet,
}

/// Verifies a combined attestation bundle in the order draft-bft-rats-kat-06 suggests: the PAT
/// signature with the platform trust anchor `pat_verifier`; the PAT nonce equal to SHA-256 of
/// the KAT's `kak-pub` bytes; the KAT signature with `kak-pub`; the KAT nonce equal to
/// `challenge`.
///
/// # Errors
///
/// As [`cab_tokens`]; PAT and KAT decode and signature errors; [`Error::Missing`] for a PAT
/// without a single `eat_nonce`; [`Error::Mismatch`] with [`Item::KakPub`] when the PAT does
/// not name the KAT's KAK, with [`Item::EatNonce`] when the KAT nonce is not the challenge.
pub fn verify_cab(
    cab_bytes: &[u8],
    pat_verifier: &dyn CoseVerifier,
    challenge: &[u8],
    provider: &'static dyn CryptoProvider,
) -> Result<VerifiedCab, Error> {
    let (kat_token, pat_token) = cab_tokens(cab_bytes)?;
    let (pat, _, _) = eat::verify_cwt(&pat_token, pat_verifier)?;
    let (kat_msg, _) = CoseSign1::decode(&kat_token)?;
    let kat = Kat::decode(kat_msg.payload().ok_or(Error::DetachedPayload)?)?;
    let linked = match pat.nonce.as_ref().map(eat::Nonce::nonces) {
        Some([one]) => provider
            .hash(HashAlgorithm::Sha256, &[kat.kak_pub_bytes()])
            .ct_eq_bytes(one),
        _ => {
            return Err(Error::Missing {
                what: Item::EatNonce,
                at: 0,
            });
        }
    };
    if !linked {
        return Err(Error::Mismatch { what: Item::KakPub });
    }
    let verifier = ProviderVerifier::for_spki(provider, &kat.kak_pub.to_spki()?)?;
    kat_msg.verify(&verifier, &[], None)?;
    if !constant_time_eq(kat.nonce(), challenge) {
        return Err(Error::Mismatch {
            what: Item::EatNonce,
        });
    }
    Ok(VerifiedCab { kat, pat })
}

/// Compares without an early exit on the first differing byte (lengths are public).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The COSE algorithm a KAK or PAK key pair signs with, for building signers and verifiers.
pub const fn algorithm_for_key(key: &CoseKey) -> Option<Algorithm> {
    match (key.kty, key.crv) {
        (KTY_EC2, CRV_P256) => Some(Algorithm::ES256),
        (KTY_EC2, CRV_P384) => Some(Algorithm::ES384),
        (KTY_OKP, CRV_ED25519) => Some(Algorithm::EDDSA),
        _ => None,
    }
}
