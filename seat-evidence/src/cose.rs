//! COSE_Sign1 structure (RFC 9052 section 4.2) and its ToBeSigned bytes (section 4.4).
//!
//! This module parses and builds the structure only. Signing and verification go through the
//! [`CoseSigner`] and [`CoseVerifier`] traits, whose implementations come from `seat-binding`'s
//! crypto provider (aws-lc-rs by default, a deterministic RustCrypto provider for vectors); this
//! crate never calls a crypto library itself.
//!
//! Decoding follows rats-formats.md section 6.2: optional CWT tag 61 (which then requires tag
//! 18), optional tag 18, a definite 4-array, the protected bucket kept **as received** (its bytes
//! are what is signed), `alg` required in the protected bucket, unknown `crit` labels refused,
//! no label in both buckets.

use crate::cbor::{self, Label, Major, Profile, Reader, Value, Writer};
use crate::error::{Error, Item};

/// The COSE_Sign1 tag (RFC 9052 section 2).
pub const TAG_COSE_SIGN1: u64 = 18;
/// The CWT tag (RFC 8392 section 6).
pub const TAG_CWT: u64 = 61;
/// The context string of a COSE_Sign1 Sig_structure (RFC 9052 section 4.4).
pub const SIGNATURE1_CONTEXT: &str = "Signature1";

/// Header parameter `alg` (RFC 9052 section 3.1).
pub const HEADER_ALG: i64 = 1;
/// Header parameter `crit`.
pub const HEADER_CRIT: i64 = 2;
/// Header parameter `content type`.
pub const HEADER_CONTENT_TYPE: i64 = 3;
/// Header parameter `kid`.
pub const HEADER_KID: i64 = 4;

/// A COSE algorithm identifier (IANA "COSE Algorithms"): an open newtype, unknown values
/// round-trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Algorithm(pub i64);

impl Algorithm {
    /// ECDSA P-256 with SHA-256 (RFC 9053 section 2.1).
    pub const ES256: Self = Self(-7);
    /// ECDSA P-384 with SHA-384.
    pub const ES384: Self = Self(-35);
    /// ECDSA P-521 with SHA-512.
    pub const ES512: Self = Self(-36);
    /// EdDSA (RFC 9053 section 2.2).
    pub const EDDSA: Self = Self(-8);
    /// RSASSA-PSS with SHA-256 (RFC 8230).
    pub const PS256: Self = Self(-37);
    /// RSASSA-PSS with SHA-384.
    pub const PS384: Self = Self(-38);
    /// RSASSA-PSS with SHA-512.
    pub const PS512: Self = Self(-39);
}

/// The `content type` header parameter: a CoAP Content-Format or a media type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// A CoAP Content-Format (`uint`).
    ContentFormat(u16),
    /// A media type string.
    MediaType(String),
}

/// A COSE header map (RFC 9052 section 3) with the parameters this crate understands typed,
/// and all others kept in order of their labels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct HeaderMap {
    alg: Option<Algorithm>,
    crit: Vec<Label>,
    content_type: Option<ContentType>,
    kid: Option<Vec<u8>>,
    other: Vec<(Label, Value)>,
}

const KNOWN: [i64; 4] = [HEADER_ALG, HEADER_CRIT, HEADER_CONTENT_TYPE, HEADER_KID];

impl HeaderMap {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `alg`.
    #[must_use]
    pub const fn with_alg(mut self, alg: Algorithm) -> Self {
        self.alg = Some(alg);
        self
    }

    /// Sets `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: Vec<u8>) -> Self {
        self.kid = Some(kid);
        self
    }

    /// Sets `content type`.
    #[must_use]
    pub fn with_content_type(mut self, ct: ContentType) -> Self {
        self.content_type = Some(ct);
        self
    }

    /// Adds a parameter this crate does not model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for the labels 1 to 4 (use the typed setters) or a label
    /// already present.
    pub fn with_other(mut self, label: Label, value: Value) -> Result<Self, Error> {
        if matches!(label, Label::Int(i) if KNOWN.contains(&i))
            || self.other.iter().any(|(l, _)| *l == label)
        {
            return Err(Error::InvalidArgument {
                what: Item::CoseProtected,
            });
        }
        self.other.push((label, value));
        self.other.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(self)
    }

    /// Marks labels as critical (`crit`, RFC 9052 section 3.1). Every label must be present in
    /// the same (protected) bucket; [`CoseSign1::new`] checks that.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty list.
    pub fn with_crit(mut self, crit: Vec<Label>) -> Result<Self, Error> {
        if crit.is_empty() {
            return Err(Error::InvalidArgument {
                what: Item::CoseCrit,
            });
        }
        self.crit = crit;
        Ok(self)
    }

    /// The `alg` parameter.
    pub const fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// The `crit` labels (empty when absent).
    pub fn crit(&self) -> &[Label] {
        &self.crit
    }

    /// The `content type` parameter.
    pub const fn content_type(&self) -> Option<&ContentType> {
        self.content_type.as_ref()
    }

    /// The `kid` parameter.
    pub fn kid(&self) -> Option<&[u8]> {
        self.kid.as_deref()
    }

    /// Parameters this crate does not model, sorted by label.
    pub fn other(&self) -> &[(Label, Value)] {
        &self.other
    }

    /// Whether no parameter is set.
    pub fn is_empty(&self) -> bool {
        self.alg.is_none()
            && self.crit.is_empty()
            && self.content_type.is_none()
            && self.kid.is_none()
            && self.other.is_empty()
    }

    #[cfg(feature = "arbitrary")]
    fn labels(&self) -> Vec<Label> {
        let mut l = Vec::new();
        if self.alg.is_some() {
            l.push(Label::Int(HEADER_ALG));
        }
        if !self.crit.is_empty() {
            l.push(Label::Int(HEADER_CRIT));
        }
        if self.content_type.is_some() {
            l.push(Label::Int(HEADER_CONTENT_TYPE));
        }
        if self.kid.is_some() {
            l.push(Label::Int(HEADER_KID));
        }
        l.extend(self.other.iter().map(|(k, _)| k.clone()));
        l
    }

    fn has(&self, label: &Label) -> bool {
        // `other` never holds the labels 1 to 4 (`with_other` and the decoder route them to
        // the typed fields).
        match label {
            Label::Int(HEADER_ALG) => self.alg.is_some(),
            Label::Int(HEADER_CRIT) => !self.crit.is_empty(),
            Label::Int(HEADER_CONTENT_TYPE) => self.content_type.is_some(),
            Label::Int(HEADER_KID) => self.kid.is_some(),
            _ => self.other.iter().any(|(l, _)| l == label),
        }
    }

    /// Whether a label is present in both maps.
    fn shares_label(&self, other: &Self) -> bool {
        (self.alg.is_some() && other.alg.is_some())
            || (!self.crit.is_empty() && !other.crit.is_empty())
            || (self.content_type.is_some() && other.content_type.is_some())
            || (self.kid.is_some() && other.kid.is_some())
            || self.other.iter().any(|(l, _)| other.has(l))
    }

    /// Encodes the map deterministically.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    /// Writes the map deterministically into `w`.
    pub(crate) fn encode(&self, w: &mut Writer) {
        // Keys 1 to 4 first, in bytewise order; other labels follow, and the map is sorted
        // only if one of them sorts earlier.
        w.map_with(|m| {
            if let Some(a) = self.alg {
                m.int(HEADER_ALG, |w| w.int(a.0));
            }
            if !self.crit.is_empty() {
                m.int(HEADER_CRIT, |w| {
                    w.array(self.crit.len());
                    for l in &self.crit {
                        match l {
                            Label::Int(i) => w.int(*i),
                            Label::Text(t) => w.text(t),
                        };
                    }
                    w
                });
            }
            if let Some(ct) = &self.content_type {
                m.int(HEADER_CONTENT_TYPE, |w| match ct {
                    ContentType::ContentFormat(c) => w.uint(u64::from(*c)),
                    ContentType::MediaType(s) => w.text(s),
                });
            }
            if let Some(k) = &self.kid {
                m.int(HEADER_KID, |w| w.bytes(k));
            }
            for (l, v) in &self.other {
                m.label(l, |w| w.value(v));
            }
        });
    }

    /// Decodes a header map.
    fn decode(r: &mut Reader<'_>, what: Item, protected: bool) -> Result<Self, Error> {
        let mut h = Self::default();
        r.label_map(what, |r, label, kat, vat| {
            match label {
                Label::Int(HEADER_ALG) => {
                    // `alg` is `int / tstr`; only integer algorithms exist in this profile.
                    h.alg = Some(Algorithm(r.int(Item::CoseAlg)?));
                }
                Label::Int(HEADER_CRIT) => {
                    if !protected {
                        return Err(Error::InvalidValue {
                            what: Item::CoseCrit,
                            at: kat,
                        });
                    }
                    let mut clen = r.array(Item::CoseCrit)?;
                    let mut cn = 0;
                    while r.has_next(&mut clen, &mut cn, Item::CoseCrit)? {
                        h.crit.push(Label::decode(r, Item::CoseCrit)?);
                    }
                    if h.crit.is_empty() {
                        return Err(Error::BadLength {
                            what: Item::CoseCrit,
                            at: vat,
                        });
                    }
                }
                Label::Int(HEADER_CONTENT_TYPE) => {
                    h.content_type = Some(match r.peek_major(Item::CoseContentType)? {
                        Major::Uint => ContentType::ContentFormat(
                            u16::try_from(r.uint(Item::CoseContentType)?).map_err(|_| {
                                Error::InvalidValue {
                                    what: Item::CoseContentType,
                                    at: vat,
                                }
                            })?,
                        ),
                        Major::Text => {
                            ContentType::MediaType(r.text(Item::CoseContentType)?.into_owned())
                        }
                        _ => {
                            return Err(Error::UnexpectedType {
                                what: Item::CoseContentType,
                                at: vat,
                            });
                        }
                    });
                }
                Label::Int(HEADER_KID) => h.kid = Some(r.bytes(Item::CoseKid)?.into_owned()),
                other => {
                    let v = r.value(what)?;
                    h.other.push((other, v));
                }
            }
            Ok(())
        })?;
        h.other.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(h)
    }
}

/// How a COSE_Sign1 is (or was) wrapped in tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Tagging {
    /// The bare 4-array (`84 ...`), as in the signed-cbor-cmw CDDL.
    Untagged,
    /// `18([...])` (`d2 84 ...`).
    Tagged,
    /// `61(18([...]))` (`d8 3d d2 84 ...`), a tagged CWT (RFC 8392 section 6).
    Cwt,
}

/// The exact ToBeSigned bytes of a COSE_Sign1:
/// `["Signature1", protected, external_aad, payload]` (RFC 9052 section 4.4;
/// rats-formats.md section 6.2).
pub fn sig_structure1(protected: &[u8], external_aad: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.array(4)
        .text(SIGNATURE1_CONTEXT)
        .bytes(protected)
        .bytes(external_aad)
        .bytes(payload);
    w.into_vec()
}

/// Verifies a signature over ToBeSigned bytes.
///
/// The implementation comes from `seat-binding`'s crypto provider: this crate only builds the
/// bytes to verify. ECDSA signatures are raw `r || s` (RFC 9053 section 2.1), not DER.
pub trait CoseVerifier {
    /// Checks `signature` over `tbs` with algorithm `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlgorithm`] when the key cannot be used with `alg`,
    /// [`Error::BadSignature`] when the signature does not verify.
    fn verify(&self, alg: Algorithm, tbs: &[u8], signature: &[u8]) -> Result<(), Error>;
}

/// Produces a signature over ToBeSigned bytes; implemented by `seat-binding`'s provider.
pub trait CoseSigner {
    /// The algorithm this signer uses (written into the protected bucket).
    fn algorithm(&self) -> Algorithm;

    /// Signs `tbs`.
    ///
    /// # Errors
    ///
    /// Whatever the provider reports; [`Error::UnsupportedAlgorithm`] for an unusable key.
    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, Error>;
}

/// A COSE_Sign1 message (RFC 9052 section 4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CoseSign1 {
    protected_bytes: Vec<u8>,
    protected: HeaderMap,
    unprotected: HeaderMap,
    payload: Option<Vec<u8>>,
    signature: Vec<u8>,
}

impl CoseSign1 {
    /// A message from its parts; the protected bucket is encoded once, deterministically
    /// (an empty bucket as the zero-length byte string, rats-formats.md 9.1 item 8).
    ///
    /// # Errors
    ///
    /// [`Error::MissingAlgorithm`] without a protected `alg`, [`Error::InvalidArgument`] when a
    /// `crit` label is absent from the protected bucket, `crit` sits in the unprotected bucket,
    /// or a label appears in both buckets.
    pub fn new(
        protected: HeaderMap,
        unprotected: HeaderMap,
        payload: Option<Vec<u8>>,
        signature: Vec<u8>,
    ) -> Result<Self, Error> {
        check_headers(&protected, &unprotected)?;
        let protected_bytes = if protected.is_empty() {
            Vec::new()
        } else {
            protected.to_vec()
        };
        Ok(Self {
            protected_bytes,
            protected,
            unprotected,
            payload,
            signature,
        })
    }

    /// Builds and signs a message over `payload` (attached) with `signer`, whose algorithm is
    /// written into the protected bucket.
    ///
    /// # Errors
    ///
    /// As [`CoseSign1::new`], or the signer's error.
    pub fn sign(
        protected: HeaderMap,
        unprotected: HeaderMap,
        payload: Vec<u8>,
        external_aad: &[u8],
        signer: &dyn CoseSigner,
    ) -> Result<Self, Error> {
        let mut m = Self::new(
            protected.with_alg(signer.algorithm()),
            unprotected,
            None,
            vec![],
        )?;
        let tbs = sig_structure1(&m.protected_bytes, external_aad, &payload);
        m.signature = signer.sign(&tbs)?;
        m.payload = Some(payload);
        Ok(m)
    }

    /// The protected bucket's bytes, exactly as received (what the signature covers).
    pub fn protected_bytes(&self) -> &[u8] {
        &self.protected_bytes
    }

    /// The decoded protected bucket.
    pub const fn protected(&self) -> &HeaderMap {
        &self.protected
    }

    /// The unprotected bucket.
    pub const fn unprotected(&self) -> &HeaderMap {
        &self.unprotected
    }

    /// The attached payload; `None` when detached.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The protected `alg` (always present in a decoded or constructed message).
    pub fn alg(&self) -> Algorithm {
        self.protected.alg.unwrap_or(Algorithm(0))
    }

    /// The ToBeSigned bytes, using the attached payload or `detached`.
    ///
    /// # Errors
    ///
    /// [`Error::DetachedPayload`] when the payload is detached and `detached` is `None`.
    pub fn tbs(&self, external_aad: &[u8], detached: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let payload = self
            .payload
            .as_deref()
            .or(detached)
            .ok_or(Error::DetachedPayload)?;
        Ok(sig_structure1(&self.protected_bytes, external_aad, payload))
    }

    /// Verifies the signature with the protected `alg` (RFC 9052 section 4.4). Decode the
    /// payload only after this succeeds.
    ///
    /// # Errors
    ///
    /// [`Error::DetachedPayload`], or the verifier's error.
    pub fn verify(
        &self,
        verifier: &dyn CoseVerifier,
        external_aad: &[u8],
        detached: Option<&[u8]>,
    ) -> Result<(), Error> {
        let tbs = self.tbs(external_aad, detached)?;
        verifier.verify(self.alg(), &tbs, &self.signature)
    }

    /// Encodes the message with the given tagging.
    pub fn to_vec(&self, tagging: Tagging) -> Vec<u8> {
        let size = self.protected_bytes.len()
            + self.payload.as_ref().map_or(0, Vec::len)
            + self.signature.len()
            + 64;
        let mut w = Writer::with_capacity(size);
        match tagging {
            Tagging::Untagged => {}
            Tagging::Tagged => {
                w.tag(TAG_COSE_SIGN1);
            }
            Tagging::Cwt => {
                w.tag(TAG_CWT).tag(TAG_COSE_SIGN1);
            }
        }
        w.array(4).bytes(&self.protected_bytes);
        self.unprotected.encode(&mut w);
        match &self.payload {
            Some(p) => w.bytes(p),
            None => w.null(),
        };
        w.bytes(&self.signature);
        w.into_vec()
    }

    /// Decodes a COSE_Sign1 (untagged, tag 18, or CWT `61(18(...))`) strictly, understanding no
    /// critical extension header.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode(bytes: &[u8]) -> Result<(Self, Tagging), Error> {
        Self::decode_with(bytes, Profile::STRICT, &[])
    }

    /// Decodes under `profile`, accepting critical headers whose labels are in `understood`.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_with(
        bytes: &[u8],
        profile: Profile,
        understood: &[Label],
    ) -> Result<(Self, Tagging), Error> {
        cbor::decode_all(bytes, profile, Item::CoseSign1, |r| {
            Self::decode_item(r, understood)
        })
    }

    /// Decodes one COSE_Sign1 from a reader.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode_item(r: &mut Reader<'_>, understood: &[Label]) -> Result<(Self, Tagging), Error> {
        let what = Item::CoseSign1;
        let mut tagging = Tagging::Untagged;
        if r.peek_major(what)? == Major::Tag {
            let at = r.position();
            match r.tag(what)? {
                TAG_COSE_SIGN1 => tagging = Tagging::Tagged,
                TAG_CWT => {
                    // RFC 8392 section 6: a CWT tag wraps a tagged COSE message.
                    let at = r.position();
                    if r.peek_major(what)? != Major::Tag || r.tag(what)? != TAG_COSE_SIGN1 {
                        return Err(Error::InvalidValue { what, at });
                    }
                    tagging = Tagging::Cwt;
                }
                _ => return Err(Error::InvalidValue { what, at }),
            }
        }
        Ok((Self::decode_array(r, understood)?, tagging))
    }

    /// Decodes the four-element array shared by COSE_Sign1 and COSE_Mac0 (RFC 9052 sections
    /// 4.2 and 6.2), the tags already read.
    fn decode_array(r: &mut Reader<'_>, understood: &[Label]) -> Result<Self, Error> {
        let what = Item::CoseSign1;
        let at = r.position();
        let mut len = r.array(what)?;
        let mut n = 0;
        let mut next = |r: &mut Reader<'_>| -> Result<(), Error> {
            if r.has_next(&mut len, &mut n, what)? {
                Ok(())
            } else {
                Err(Error::BadLength { what, at })
            }
        };
        next(r)?;
        let pat = r.position();
        let protected_bytes = r.bytes(Item::CoseProtected)?.into_owned();
        let body_at = r.position().saturating_sub(protected_bytes.len());
        let protected = if protected_bytes.is_empty() {
            HeaderMap::default()
        } else {
            cbor::decode_all(&protected_bytes, r.profile(), Item::CoseProtected, |pr| {
                HeaderMap::decode(pr, Item::CoseProtected, true)
            })
            .map_err(|e| e.nested(body_at))?
        };
        if protected.alg.is_none() {
            return Err(Error::MissingAlgorithm { at: pat });
        }
        for c in &protected.crit {
            if !understood.contains(c) || !protected.has(c) {
                let label = match c {
                    Label::Int(i) => Some(*i),
                    Label::Text(_) => None,
                };
                return Err(Error::UnknownCritical { label, at: pat });
            }
        }
        next(r)?;
        let uat = r.position();
        let unprotected = HeaderMap::decode(r, Item::CoseUnprotected, false)?;
        if unprotected.shares_label(&protected) {
            return Err(Error::DuplicateKey {
                what: Item::CoseUnprotected,
                at: uat,
            });
        }
        next(r)?;
        let payload = if r.null() {
            None
        } else {
            Some(r.bytes(Item::CosePayload)?.into_owned())
        };
        next(r)?;
        let signature = r.bytes(Item::CoseSignature)?.into_owned();
        if r.has_next(&mut len, &mut n, what)? {
            return Err(Error::BadLength { what, at });
        }
        Ok(Self {
            protected_bytes,
            protected,
            unprotected,
            payload,
            signature,
        })
    }
}

/// The CBOR tag of a COSE_Mac0 (RFC 9052 section 2).
pub const TAG_COSE_MAC0: u64 = 17;
/// The context string of a COSE_Mac0 `MAC_structure` (RFC 9052 section 6.3).
pub const MAC0_CONTEXT: &str = "MAC0";

/// The exact bytes a COSE_Mac0 tag is computed over:
/// `["MAC0", protected, external_aad, payload]` (RFC 9052 section 6.3).
pub fn mac_structure0(protected: &[u8], external_aad: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.array(4)
        .text(MAC0_CONTEXT)
        .bytes(protected)
        .bytes(external_aad)
        .bytes(payload);
    w.into_vec()
}

/// A COSE_Mac0 message (RFC 9052 section 6.2): the layout of a COSE_Sign1 with the MAC tag in
/// place of the signature, tag 17. Decoding errors name the COSE_Sign1 items (the same
/// positions). The MAC itself is the caller's to compute, over [`CoseMac0::to_be_maced`],
/// and to compare in constant time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CoseMac0(CoseSign1);

impl CoseMac0 {
    /// Decodes a COSE_Mac0, untagged or with tag 17, strictly, understanding no critical
    /// extension header.
    ///
    /// # Errors
    ///
    /// Any [`Error`] naming the first violation and its offset.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        cbor::decode_all(bytes, Profile::STRICT, Item::CoseSign1, |r| {
            let what = Item::CoseSign1;
            if r.peek_major(what)? == Major::Tag {
                let at = r.position();
                if !matches!(r.tag(what)?, TAG_COSE_MAC0) {
                    return Err(Error::InvalidValue { what, at });
                }
            }
            CoseSign1::decode_array(r, &[]).map(Self)
        })
    }

    /// The protected bucket's bytes, exactly as received.
    pub fn protected_bytes(&self) -> &[u8] {
        self.0.protected_bytes()
    }

    /// The decoded protected bucket.
    pub const fn protected(&self) -> &HeaderMap {
        self.0.protected()
    }

    /// The unprotected bucket.
    pub const fn unprotected(&self) -> &HeaderMap {
        self.0.unprotected()
    }

    /// The attached payload; `None` when detached.
    pub fn payload(&self) -> Option<&[u8]> {
        self.0.payload()
    }

    /// The MAC tag.
    pub fn tag(&self) -> &[u8] {
        self.0.signature()
    }

    /// The protected `alg`.
    pub fn alg(&self) -> Algorithm {
        self.0.alg()
    }

    /// The `MAC_structure` over the attached payload.
    ///
    /// # Errors
    ///
    /// [`Error::DetachedPayload`] for a detached payload.
    pub fn to_be_maced(&self, external_aad: &[u8]) -> Result<Vec<u8>, Error> {
        let payload = self.0.payload().ok_or(Error::DetachedPayload)?;
        Ok(mac_structure0(
            self.0.protected_bytes(),
            external_aad,
            payload,
        ))
    }
}

fn check_headers(protected: &HeaderMap, unprotected: &HeaderMap) -> Result<(), Error> {
    if protected.alg.is_none() {
        return Err(Error::MissingAlgorithm { at: 0 });
    }
    let bad = Error::InvalidArgument {
        what: Item::CoseSign1,
    };
    if !unprotected.crit.is_empty() || protected.crit.iter().any(|c| !protected.has(c)) {
        return Err(bad);
    }
    if unprotected.shares_label(protected) {
        return Err(bad);
    }
    Ok(())
}

#[cfg(feature = "arbitrary")]
mod arb {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    fn header(u: &mut Unstructured<'_>) -> Result<HeaderMap> {
        let mut h = HeaderMap::default();
        if u.arbitrary()? {
            h.alg = Some(u.arbitrary()?);
        }
        if u.arbitrary()? {
            h.content_type = Some(if u.arbitrary()? {
                ContentType::ContentFormat(u.arbitrary()?)
            } else {
                ContentType::MediaType(u.arbitrary()?)
            });
        }
        if u.arbitrary()? {
            h.kid = Some(u.arbitrary()?);
        }
        for _ in 0..u.int_in_range(0..=2)? {
            let l: Label = u.arbitrary()?;
            let v = crate::cbor::arbitrary_value(u, 1)?;
            if let Ok(n) = h.clone().with_other(l, v) {
                h = n;
            }
        }
        Ok(h)
    }

    impl<'a> Arbitrary<'a> for HeaderMap {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            header(u)
        }
    }

    impl<'a> Arbitrary<'a> for CoseSign1 {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let protected = header(u)?.with_alg(u.arbitrary()?);
            let mut unprotected = header(u)?;
            // Keep every label in one bucket only.
            let taken = protected.labels();
            if unprotected.alg.is_some() && taken.contains(&Label::Int(HEADER_ALG)) {
                unprotected.alg = None;
            }
            if unprotected.content_type.is_some()
                && taken.contains(&Label::Int(HEADER_CONTENT_TYPE))
            {
                unprotected.content_type = None;
            }
            if unprotected.kid.is_some() && taken.contains(&Label::Int(HEADER_KID)) {
                unprotected.kid = None;
            }
            unprotected.other.retain(|(l, _)| !taken.contains(l));
            let payload = if u.arbitrary()? {
                Some(u.arbitrary()?)
            } else {
                None
            };
            Self::new(protected, unprotected, payload, u.arbitrary()?)
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn empty_protected_is_zero_length() {
        // rats-formats.md 9.1 item 8, and a missing alg is refused.
        let e = CoseSign1::new(HeaderMap::new(), HeaderMap::new(), None, vec![]).unwrap_err();
        assert_eq!(e, Error::MissingAlgorithm { at: 0 });
        let m = CoseSign1::decode(&hx("8440a0f640"));
        assert_eq!(m.unwrap_err(), Error::MissingAlgorithm { at: 1 });
    }

    #[test]
    fn crit_rules() {
        // Protected {1: -7, 2: [99], 99: 0}: label 99 is critical and unknown.
        let msg = hx("844aa3012602811863186300a0f640");
        assert_eq!(
            CoseSign1::decode(&msg).unwrap_err(),
            Error::UnknownCritical {
                label: Some(99),
                at: 1
            }
        );
        let (m, _) = CoseSign1::decode_with(&msg, Profile::STRICT, &[Label::Int(99)]).unwrap();
        assert_eq!(m.protected().crit(), &[Label::Int(99)]);
        // Critical label that is not in the protected bucket.
        let msg = hx("8447a2012602811863a0f640");
        assert!(matches!(
            CoseSign1::decode_with(&msg, Profile::STRICT, &[Label::Int(99)]),
            Err(Error::UnknownCritical { .. })
        ));
    }

    #[test]
    fn label_in_both_buckets() {
        assert_eq!(
            CoseSign1::decode(&hx("8443a10126a10126f640")).unwrap_err(),
            Error::DuplicateKey {
                what: Item::CoseUnprotected,
                at: 5
            }
        );
    }

    #[test]
    fn arity_and_tags() {
        assert!(matches!(
            CoseSign1::decode(&hx("8343a10126a0f6")),
            Err(Error::BadLength { .. })
        ));
        assert!(matches!(
            CoseSign1::decode(&hx("8543a10126a0f64000")),
            Err(Error::BadLength { .. })
        ));
        // Tag 17 (COSE_Mac0) is not a COSE_Sign1.
        assert!(matches!(
            CoseSign1::decode(&hx("d18443a10126a0f640")),
            Err(Error::InvalidValue { .. })
        ));
        // A CWT tag must wrap tag 18.
        assert!(matches!(
            CoseSign1::decode(&hx("d83d8443a10126a0f640")),
            Err(Error::InvalidValue { .. })
        ));
        let (m, t) = CoseSign1::decode(&hx("d83dd28443a10126a0f640")).unwrap();
        assert_eq!(t, Tagging::Cwt);
        assert_eq!(m.payload(), None);
        assert_eq!(m.to_vec(Tagging::Cwt), hx("d83dd28443a10126a0f640"));
    }
}
