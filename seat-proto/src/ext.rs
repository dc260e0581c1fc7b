//! Extensions: the generic `Extension`, the extension blocks of authenticator requests and of
//! `CertificateEntry`, `signature_algorithms`, and the expat `cmw_attestation` extension.
//!
//! A block decodes into an ordered list of typed extensions, so that decoding and encoding
//! again gives the same bytes; typed getters find each known extension. Duplicates are
//! rejected (RFC 8446 section 4.2) and unknown types are kept as [`Extension`]s. Which types
//! are the SEAT extensions is decided by the [`CodePoints`] in use.

use std::collections::BTreeSet;

use crate::codec::{
    self, Codec, DecodeError, DecodeErrorKind, EncodeError, LengthPrefix, Reader, bounded_bytes,
    put_u16, put_vec,
};
use crate::codepoints::{CodePoints, ExtensionType, SignatureScheme};
use crate::remote_attestation::{AttestationScheme, CmwPayload};

bounded_bytes! {
    /// The opaque `extension_data<0..2^16-1>` of an extension the codec does not interpret.
    ExtensionData, "Extension.extension_data", U16, 0, 0xffff
}

bounded_bytes! {
    /// `CMWAttestation.cmw_data<1..2^16-1>`: a CMW serialised as CBOR or JSON
    /// (draft-fossati-seat-expat-03 section 3). Its content is opaque to seat-proto.
    ///
    /// Inside a `CertificateEntry` the extension block caps the data further, at 65 529 bytes
    /// when `cmw_attestation` is the entry's only extension.
    CmwData, "CMWAttestation.cmw_data", U16, 1, 0xffff
}

/// An extension the codec keeps as opaque bytes (RFC 8446 section 4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Extension {
    /// The extension type.
    pub extension_type: ExtensionType,
    /// The extension's body.
    pub data: ExtensionData,
}

impl Extension {
    /// The encoded length: type, length and data.
    pub fn encoded_len(&self) -> usize {
        2 + self.data.encoded_len()
    }
}

impl Codec for Extension {
    const NAME: &'static str = "Extension";

    fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.extension_type.0);
        self.data.encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let extension_type = ExtensionType(r.u16("Extension.extension_type")?);
        let data = ExtensionData::read(r)?;
        Ok(Self {
            extension_type,
            data,
        })
    }
}

/// `SignatureSchemeList` (RFC 8446 section 4.2.3), the body of `signature_algorithms` and
/// `signature_algorithms_cert`: `SignatureScheme supported_signature_algorithms<2..2^16-2>`,
/// so between 1 and 32 767 schemes, in preference order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignatureSchemeList(Vec<SignatureScheme>);

impl SignatureSchemeList {
    /// The largest number of schemes the list can hold.
    pub const MAX_SCHEMES: usize = 0x7fff;

    /// Wraps a non-empty list of schemes.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`] for an empty list or one of more than
    /// [`MAX_SCHEMES`](Self::MAX_SCHEMES).
    pub fn new(schemes: impl Into<Vec<SignatureScheme>>) -> Result<Self, EncodeError> {
        let schemes = schemes.into();
        codec::check_len(Self::NAME, schemes.len(), 1, Self::MAX_SCHEMES)?;
        Ok(Self(schemes))
    }

    /// The schemes, most preferred first.
    pub fn schemes(&self) -> &[SignatureScheme] {
        &self.0
    }

    /// Whether `scheme` is in the list.
    pub fn contains(&self, scheme: SignatureScheme) -> bool {
        self.0.contains(&scheme)
    }

    fn encoded_len(&self) -> usize {
        2 + 2 * self.0.len()
    }
}

impl Codec for SignatureSchemeList {
    const NAME: &'static str = "SignatureSchemeList";

    fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, LengthPrefix::U16, |out| {
            for scheme in &self.0 {
                put_u16(out, scheme.0);
            }
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        const WHAT: &str = "SignatureSchemeList.supported_signature_algorithms";
        let at = r.offset();
        let mut body = r.vec_u16(WHAT, 2, 0xfffe)?;
        if body.remaining() % 2 != 0 {
            return Err(DecodeError::new(
                WHAT,
                at,
                DecodeErrorKind::LengthNotMultiple {
                    length: body.remaining(),
                    element: 2,
                },
            ));
        }
        let mut schemes = Vec::with_capacity(body.remaining() / 2);
        while !body.is_empty() {
            schemes.push(SignatureScheme(body.u16(WHAT)?));
        }
        Ok(Self(schemes))
    }
}

#[cfg(feature = "arbitrary")]
impl<'u> arbitrary::Arbitrary<'u> for SignatureSchemeList {
    fn arbitrary(u: &mut arbitrary::Unstructured<'u>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(1..=16)?;
        let schemes = (0..n)
            .map(|_| u.arbitrary())
            .collect::<arbitrary::Result<Vec<SignatureScheme>>>()?;
        Ok(Self(schemes))
    }
}

/// One extension of an authenticator request (`CertificateRequest` or
/// `ClientCertificateRequest`, RFC 9261 section 4), or of a TLS 1.3 `CertificateRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestExtension {
    /// `signature_algorithms`: the schemes the authenticator may sign with (mandatory in
    /// every request, RFC 9261 section 4).
    SignatureAlgorithms(SignatureSchemeList),
    /// `signature_algorithms_cert`: the schemes allowed in the certificate chain.
    SignatureAlgorithmsCert(SignatureSchemeList),
    /// The empty `cmw_attestation` extension: the requester accepts attestation in the
    /// answer (draft-fossati-seat-expat-03 section 3). The body must be empty.
    CmwAttestationOffer {
        /// The code point in use.
        codepoint: ExtensionType,
    },
    /// `remoteAttestation` in a TLS 1.3 `CertificateRequest`: the scheme the client must
    /// attest with (`chosen_client_scheme`, draft-fossati-seat-early-attestation section 4.1).
    RemoteAttestation {
        /// The code point in use.
        codepoint: ExtensionType,
        /// The chosen scheme.
        chosen_client_scheme: AttestationScheme,
    },
    /// Any other extension, kept as bytes (RFC 9261 section 4: receivers ignore extensions
    /// they do not recognise).
    Other(Extension),
}

impl RequestExtension {
    /// The extension's type on the wire.
    pub fn extension_type(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::CmwAttestationOffer { codepoint } | Self::RemoteAttestation { codepoint, .. } => {
                *codepoint
            }
            Self::Other(ext) => ext.extension_type,
        }
    }

    fn data_len(&self) -> usize {
        match self {
            Self::SignatureAlgorithms(list) | Self::SignatureAlgorithmsCert(list) => {
                list.encoded_len()
            }
            Self::CmwAttestationOffer { .. } => 0,
            Self::RemoteAttestation {
                chosen_client_scheme,
                ..
            } => chosen_client_scheme.encoded_len(),
            Self::Other(ext) => ext.data.len(),
        }
    }

    fn encode_data(&self, out: &mut Vec<u8>) {
        match self {
            Self::SignatureAlgorithms(list) | Self::SignatureAlgorithmsCert(list) => {
                list.encode(out);
            }
            Self::CmwAttestationOffer { .. } => {}
            Self::RemoteAttestation {
                chosen_client_scheme,
                ..
            } => chosen_client_scheme.encode(out),
            Self::Other(ext) => out.extend_from_slice(ext.data.as_bytes()),
        }
    }

    fn read_data(
        extension_type: ExtensionType,
        mut data: Reader<'_>,
        cp: &CodePoints,
    ) -> Result<Self, DecodeError> {
        let ext = match extension_type {
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(SignatureSchemeList::read(&mut data)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(SignatureSchemeList::read(&mut data)?)
            }
            t if t == cp.cmw_attestation() => {
                if !data.is_empty() {
                    return Err(data.error(
                        "cmw_attestation offer",
                        DecodeErrorKind::NotEmpty {
                            length: data.remaining(),
                        },
                    ));
                }
                Self::CmwAttestationOffer { codepoint: t }
            }
            t if t == cp.remote_attestation() => Self::RemoteAttestation {
                codepoint: t,
                chosen_client_scheme: AttestationScheme::read(&mut data)?,
            },
            t => Self::Other(Extension {
                extension_type: t,
                data: ExtensionData(data.rest().to_vec()),
            }),
        };
        data.finish("Extension.extension_data")?;
        Ok(ext)
    }
}

/// The extension block of an authenticator request: `Extension extensions<2..2^16-1>`
/// (RFC 9261 section 4), never empty, without duplicates, in wire order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestExtensions(Vec<RequestExtension>);

impl RequestExtensions {
    const WHAT: &'static str = "CertificateRequest.extensions";

    /// Builds a block, checking that it is non-empty, free of duplicates and small enough.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`], [`EncodeError::DuplicateExtension`], or
    /// [`EncodeError::ReservedExtension`] for a generic extension whose type has a typed form.
    pub fn new(extensions: Vec<RequestExtension>) -> Result<Self, EncodeError> {
        let mut seen = BTreeSet::new();
        let mut len = 0usize;
        for ext in &extensions {
            let t = ext.extension_type();
            check_unique(Self::WHAT, &mut seen, t)?;
            let reserved = match ext {
                RequestExtension::Other(_) => {
                    matches!(
                        t,
                        ExtensionType::SIGNATURE_ALGORITHMS
                            | ExtensionType::SIGNATURE_ALGORITHMS_CERT
                    )
                }
                RequestExtension::CmwAttestationOffer { .. }
                | RequestExtension::RemoteAttestation { .. } => t.name().is_some(),
                _ => false,
            };
            if reserved {
                return Err(EncodeError::ReservedExtension {
                    what: Self::WHAT,
                    extension_type: t.0,
                });
            }
            codec::check_len(Self::WHAT, ext.data_len(), 0, 0xffff)?;
            len = len.saturating_add(4 + ext.data_len());
        }
        codec::check_len(Self::WHAT, len, 2, 0xffff)?;
        Ok(Self(extensions))
    }

    /// The extensions, in wire order.
    pub fn iter(&self) -> impl Iterator<Item = &RequestExtension> {
        self.0.iter()
    }

    /// The `signature_algorithms` list, if present.
    pub fn signature_algorithms(&self) -> Option<&SignatureSchemeList> {
        self.0.iter().find_map(|ext| match ext {
            RequestExtension::SignatureAlgorithms(list) => Some(list),
            _ => None,
        })
    }

    /// The `signature_algorithms_cert` list, if present.
    pub fn signature_algorithms_cert(&self) -> Option<&SignatureSchemeList> {
        self.0.iter().find_map(|ext| match ext {
            RequestExtension::SignatureAlgorithmsCert(list) => Some(list),
            _ => None,
        })
    }

    /// Whether the request offers `cmw_attestation` (draft-fossati-seat-expat-03 section 3).
    pub fn offers_cmw_attestation(&self) -> bool {
        self.0
            .iter()
            .any(|ext| matches!(ext, RequestExtension::CmwAttestationOffer { .. }))
    }

    /// The `remoteAttestation` chosen_client_scheme, if present.
    pub fn remote_attestation(&self) -> Option<&AttestationScheme> {
        self.0.iter().find_map(|ext| match ext {
            RequestExtension::RemoteAttestation {
                chosen_client_scheme,
                ..
            } => Some(chosen_client_scheme),
            _ => None,
        })
    }

    /// Whether an extension of type `t` is present, typed or not.
    pub fn contains(&self, t: ExtensionType) -> bool {
        self.0.iter().any(|ext| ext.extension_type() == t)
    }

    /// The types present, in wire order.
    pub fn types(&self) -> impl Iterator<Item = ExtensionType> + '_ {
        self.0.iter().map(RequestExtension::extension_type)
    }

    /// Appends the block, length prefix included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        write_block(out, &self.0, RequestExtension::extension_type, |e, out| {
            e.encode_data(out);
        });
    }

    /// Reads a block, interpreting the SEAT extensions by the code points in `cp`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]: malformed, empty or oversized block, duplicate extension, malformed
    /// body of a known extension, or a `cmw_attestation` offer that carries data.
    pub fn read(r: &mut Reader<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        read_block(r, Self::WHAT, 2, |t, data| {
            RequestExtension::read_data(t, data, cp)
        })
        .map(Self)
    }
}

/// One extension of a `CertificateEntry` (RFC 8446 section 4.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntryExtension {
    /// `cmw_attestation`: the attestation of an authenticator, allowed on the first entry only
    /// (draft-fossati-seat-expat-03 section 3).
    CmwAttestation {
        /// The code point in use.
        codepoint: ExtensionType,
        /// The CMW bytes (`CMWAttestation.cmw_data`).
        cmw: CmwData,
    },
    /// `remoteAttestation` in a TLS 1.3 `Certificate`: the CMW of early attestation,
    /// `opaque cmw_payload<1..2^24-1>` (draft-fossati-seat-early-attestation section 4.1).
    RemoteAttestation {
        /// The code point in use.
        codepoint: ExtensionType,
        /// The CMW bytes.
        cmw: CmwPayload,
    },
    /// Any other extension (status_request, signed_certificate_timestamp, ...), as bytes.
    Other(Extension),
}

impl EntryExtension {
    /// The extension's type on the wire.
    pub fn extension_type(&self) -> ExtensionType {
        match self {
            Self::CmwAttestation { codepoint, .. } | Self::RemoteAttestation { codepoint, .. } => {
                *codepoint
            }
            Self::Other(ext) => ext.extension_type,
        }
    }

    fn data_len(&self) -> usize {
        match self {
            Self::CmwAttestation { cmw, .. } => cmw.encoded_len(),
            Self::RemoteAttestation { cmw, .. } => cmw.encoded_len(),
            Self::Other(ext) => ext.data.len(),
        }
    }

    fn encode_data(&self, out: &mut Vec<u8>) {
        match self {
            Self::CmwAttestation { cmw, .. } => cmw.encode(out),
            Self::RemoteAttestation { cmw, .. } => cmw.encode(out),
            Self::Other(ext) => out.extend_from_slice(ext.data.as_bytes()),
        }
    }

    fn read_data(
        extension_type: ExtensionType,
        mut data: Reader<'_>,
        cp: &CodePoints,
    ) -> Result<Self, DecodeError> {
        let ext = match extension_type {
            t if t == cp.cmw_attestation() => Self::CmwAttestation {
                codepoint: t,
                cmw: CmwData::read(&mut data)?,
            },
            t if t == cp.remote_attestation() => Self::RemoteAttestation {
                codepoint: t,
                cmw: CmwPayload::read(&mut data)?,
            },
            t => Self::Other(Extension {
                extension_type: t,
                data: ExtensionData(data.rest().to_vec()),
            }),
        };
        data.finish("Extension.extension_data")?;
        Ok(ext)
    }
}

/// The extension block of a `CertificateEntry`: `Extension extensions<0..2^16-1>`, without
/// duplicates, in wire order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EntryExtensions(Vec<EntryExtension>);

impl EntryExtensions {
    const WHAT: &'static str = "CertificateEntry.extensions";

    /// An empty block.
    pub const fn empty() -> Self {
        Self(Vec::new())
    }

    /// Builds a block, checking for duplicates and size.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`], [`EncodeError::DuplicateExtension`], or
    /// [`EncodeError::ReservedExtension`] for a typed SEAT extension on a registry code point.
    pub fn new(extensions: Vec<EntryExtension>) -> Result<Self, EncodeError> {
        let mut seen = BTreeSet::new();
        let mut len = 0usize;
        for ext in &extensions {
            let t = ext.extension_type();
            check_unique(Self::WHAT, &mut seen, t)?;
            if !matches!(ext, EntryExtension::Other(_)) && t.name().is_some() {
                return Err(EncodeError::ReservedExtension {
                    what: Self::WHAT,
                    extension_type: t.0,
                });
            }
            codec::check_len(Self::WHAT, ext.data_len(), 0, 0xffff)?;
            len = len.saturating_add(4 + ext.data_len());
        }
        codec::check_len(Self::WHAT, len, 0, 0xffff)?;
        Ok(Self(extensions))
    }

    /// The extensions, in wire order.
    pub fn iter(&self) -> impl Iterator<Item = &EntryExtension> {
        self.0.iter()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `cmw_attestation` CMW, if present.
    pub fn cmw_attestation(&self) -> Option<&CmwData> {
        self.0.iter().find_map(|ext| match ext {
            EntryExtension::CmwAttestation { cmw, .. } => Some(cmw),
            _ => None,
        })
    }

    /// The `remoteAttestation` CMW, if present.
    pub fn remote_attestation(&self) -> Option<&CmwPayload> {
        self.0.iter().find_map(|ext| match ext {
            EntryExtension::RemoteAttestation { cmw, .. } => Some(cmw),
            _ => None,
        })
    }

    /// Whether an extension of type `t` is present, typed or not.
    pub fn contains(&self, t: ExtensionType) -> bool {
        self.0.iter().any(|ext| ext.extension_type() == t)
    }

    /// The types present, in wire order.
    pub fn types(&self) -> impl Iterator<Item = ExtensionType> + '_ {
        self.0.iter().map(EntryExtension::extension_type)
    }

    /// The encoded length, prefix included.
    pub fn encoded_len(&self) -> usize {
        2 + self.0.iter().map(|e| 4 + e.data_len()).sum::<usize>()
    }

    /// Appends the block, length prefix included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        write_block(out, &self.0, EntryExtension::extension_type, |e, out| {
            e.encode_data(out);
        });
    }

    /// Reads a block, interpreting the SEAT extensions by the code points in `cp`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]: malformed block, duplicate extension, or malformed body of a SEAT
    /// extension (an empty CMW, trailing bytes after it).
    pub fn read(r: &mut Reader<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        read_block(r, Self::WHAT, 0, |t, data| {
            EntryExtension::read_data(t, data, cp)
        })
        .map(Self)
    }
}

fn check_unique(
    what: &'static str,
    seen: &mut BTreeSet<u16>,
    t: ExtensionType,
) -> Result<(), EncodeError> {
    if seen.insert(t.0) {
        Ok(())
    } else {
        Err(EncodeError::DuplicateExtension {
            what,
            extension_type: t.0,
        })
    }
}

/// Writes `Extension extensions<..2^16-1>`: each item's type and length-prefixed body, in
/// order (the inverse of [`read_block`]).
fn write_block<T>(
    out: &mut Vec<u8>,
    items: &[T],
    extension_type: impl Fn(&T) -> ExtensionType,
    encode_data: impl Fn(&T, &mut Vec<u8>),
) {
    put_vec(out, LengthPrefix::U16, |out| {
        for item in items {
            put_u16(out, extension_type(item).0);
            put_vec(out, LengthPrefix::U16, |out| encode_data(item, out));
        }
    });
}

/// Reads `Extension extensions<min..2^16-1>`, rejecting duplicate types at the offset of the
/// repeated extension, and interprets each body with `each`.
fn read_block<T>(
    r: &mut Reader<'_>,
    what: &'static str,
    min: usize,
    mut each: impl FnMut(ExtensionType, Reader<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut block = r.vec_u16(what, min, 0xffff)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while !block.is_empty() {
        let at = block.offset();
        let t = ExtensionType(block.u16("Extension.extension_type")?);
        if !seen.insert(t.0) {
            return Err(DecodeError::new(
                what,
                at,
                DecodeErrorKind::DuplicateExtension {
                    extension_type: t.0,
                },
            ));
        }
        let data = block.vec_u16("Extension.extension_data", 0, 0xffff)?;
        out.push(each(t, data)?);
    }
    Ok(out)
}

#[cfg(feature = "arbitrary")]
mod arbitrary_impls {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    /// Generic extensions drawn for property tests avoid the types the codec interprets under
    /// the default code points, so that they decode back as generic extensions.
    fn other(u: &mut Unstructured<'_>) -> Result<Extension> {
        let mut ext = Extension::arbitrary(u)?;
        let cp = CodePoints::DEFAULT;
        if matches!(
            ext.extension_type,
            ExtensionType::SIGNATURE_ALGORITHMS | ExtensionType::SIGNATURE_ALGORITHMS_CERT
        ) || ext.extension_type == cp.cmw_attestation()
            || ext.extension_type == cp.remote_attestation()
        {
            ext.extension_type = ExtensionType(0x7e00 | (ext.extension_type.0 & 0xff));
        }
        Ok(ext)
    }

    fn dedup<T>(items: Vec<T>, key: impl Fn(&T) -> ExtensionType) -> Vec<T> {
        let mut seen = BTreeSet::new();
        items
            .into_iter()
            .filter(|i| seen.insert(key(i).0))
            .collect()
    }

    impl<'u> Arbitrary<'u> for RequestExtension {
        fn arbitrary(u: &mut Unstructured<'u>) -> Result<Self> {
            let cp = CodePoints::DEFAULT;
            Ok(match u.int_in_range(0..=4)? {
                0 => Self::SignatureAlgorithms(u.arbitrary()?),
                1 => Self::SignatureAlgorithmsCert(u.arbitrary()?),
                2 => Self::CmwAttestationOffer {
                    codepoint: cp.cmw_attestation(),
                },
                3 => Self::RemoteAttestation {
                    codepoint: cp.remote_attestation(),
                    chosen_client_scheme: u.arbitrary()?,
                },
                _ => Self::Other(other(u)?),
            })
        }
    }

    impl<'u> Arbitrary<'u> for RequestExtensions {
        fn arbitrary(u: &mut Unstructured<'u>) -> Result<Self> {
            let n = u.int_in_range(1..=6)?;
            let items = (0..n)
                .map(|_| RequestExtension::arbitrary(u))
                .collect::<Result<Vec<_>>>()?;
            Self::new(dedup(items, RequestExtension::extension_type))
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }

    impl<'u> Arbitrary<'u> for EntryExtension {
        fn arbitrary(u: &mut Unstructured<'u>) -> Result<Self> {
            let cp = CodePoints::DEFAULT;
            Ok(match u.int_in_range(0..=2)? {
                0 => Self::CmwAttestation {
                    codepoint: cp.cmw_attestation(),
                    cmw: u.arbitrary()?,
                },
                1 => Self::RemoteAttestation {
                    codepoint: cp.remote_attestation(),
                    cmw: u.arbitrary()?,
                },
                _ => Self::Other(other(u)?),
            })
        }
    }

    impl<'u> Arbitrary<'u> for EntryExtensions {
        fn arbitrary(u: &mut Unstructured<'u>) -> Result<Self> {
            let n = u.int_in_range(0..=4)?;
            let items = (0..n)
                .map(|_| EntryExtension::arbitrary(u))
                .collect::<Result<Vec<_>>>()?;
            Self::new(dedup(items, EntryExtension::extension_type))
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_extension_is_rejected_at_its_offset() {
        // Two empty extensions of type 0x1234.
        let bytes = [0x00, 0x08, 0x12, 0x34, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00];
        let err =
            EntryExtensions::read(&mut Reader::new(&bytes), &CodePoints::DEFAULT).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::DuplicateExtension {
                extension_type: 0x1234
            }
        );
        assert_eq!(err.offset(), Some(6));
    }

    #[test]
    fn cmw_offer_with_data_is_rejected() {
        let cp = CodePoints::DEFAULT;
        let bytes = [0x00, 0x05, 0xff, 0x00, 0x00, 0x01, 0xaa];
        let err = RequestExtensions::read(&mut Reader::new(&bytes), &cp).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::NotEmpty { length: 1 });
        assert_eq!(err.offset(), Some(6));
    }

    #[test]
    fn empty_request_block_is_rejected() {
        let err =
            RequestExtensions::read(&mut Reader::new(&[0, 0]), &CodePoints::DEFAULT).unwrap_err();
        assert!(matches!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange { length: 0, .. }
        ));
        assert!(RequestExtensions::new(vec![]).is_err());
    }

    #[test]
    fn odd_signature_list_is_rejected() {
        let err = SignatureSchemeList::decode(&[0x00, 0x03, 0x04, 0x03, 0x08]).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::LengthNotMultiple {
                length: 3,
                element: 2
            }
        );
    }

    #[test]
    fn constructors_reject_duplicates_and_reserved_generic_types() {
        let sig = SignatureSchemeList::new(vec![SignatureScheme::ED25519]).unwrap();
        assert!(matches!(
            RequestExtensions::new(vec![
                RequestExtension::SignatureAlgorithms(sig.clone()),
                RequestExtension::SignatureAlgorithms(sig),
            ]),
            Err(EncodeError::DuplicateExtension { .. })
        ));
        assert!(matches!(
            RequestExtensions::new(vec![RequestExtension::Other(Extension {
                extension_type: ExtensionType::SIGNATURE_ALGORITHMS,
                data: ExtensionData::new(vec![]).unwrap(),
            })]),
            Err(EncodeError::ReservedExtension { .. })
        ));
        let big = CmwData::new(vec![0u8; 0xffff]).unwrap();
        assert!(matches!(
            EntryExtensions::new(vec![EntryExtension::CmwAttestation {
                codepoint: CodePoints::DEFAULT.cmw_attestation(),
                cmw: big,
            }]),
            Err(EncodeError::Length { .. })
        ));
    }
}
