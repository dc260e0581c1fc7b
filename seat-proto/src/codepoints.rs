//! Every code point seat-proto puts on the wire, in one place.
//!
//! Registries (handshake types, extension types, signature schemes, alerts) are open newtypes:
//! unknown values round-trip and print as hex. The values the SEAT drafts leave unassigned
//! (the `cmw_attestation` and `remoteAttestation` extension types, the three new alerts) live
//! in [`CodePoints`], whose defaults follow the project's design and which a caller can change
//! at run time to reach a peer that uses another private value.

use core::fmt;
use core::str::FromStr;

macro_rules! open_newtype {
    (
        $(#[$meta:meta])*
        $name:ident($int:ty), $width:literal {
            $( $(#[$cmeta:meta])* $konst:ident = $value:expr, $label:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $name(pub $int);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: Self = Self($value); )*

            /// The registry name of a known value, `None` for others.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($label), )*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}(0x{:0w$x})", name, self.0, w = $width),
                    None => write!(f, "{}(0x{:0w$x})", stringify!($name), self.0, w = $width),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "0x{:0w$x}", self.0, w = $width),
                }
            }
        }

        impl From<$int> for $name {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }

        impl From<$name> for $int {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

open_newtype! {
    /// TLS HandshakeType (RFC 8446 section 4, plus RFC 9261 section 8.3).
    HandshakeType(u8), 2 {
        /// client_hello (1).
        CLIENT_HELLO = 1, "client_hello";
        /// server_hello (2); also HelloRetryRequest, told apart by its random.
        SERVER_HELLO = 2, "server_hello";
        /// new_session_ticket (4).
        NEW_SESSION_TICKET = 4, "new_session_ticket";
        /// end_of_early_data (5).
        END_OF_EARLY_DATA = 5, "end_of_early_data";
        /// encrypted_extensions (8).
        ENCRYPTED_EXTENSIONS = 8, "encrypted_extensions";
        /// certificate (11): first message of an authenticator (RFC 9261 section 5.2.1).
        CERTIFICATE = 11, "certificate";
        /// certificate_request (13): an authenticator request sent by the server (RFC 9261
        /// section 4).
        CERTIFICATE_REQUEST = 13, "certificate_request";
        /// certificate_verify (15).
        CERTIFICATE_VERIFY = 15, "certificate_verify";
        /// client_certificate_request (17): an authenticator request sent by the client,
        /// registered by RFC 9261 section 8.3.
        CLIENT_CERTIFICATE_REQUEST = 17, "client_certificate_request";
        /// finished (20).
        FINISHED = 20, "finished";
        /// key_update (24).
        KEY_UPDATE = 24, "key_update";
        /// compressed_certificate (25, RFC 8879).
        COMPRESSED_CERTIFICATE = 25, "compressed_certificate";
        /// message_hash (254): the synthetic message of the HelloRetryRequest transcript
        /// (RFC 8446 section 4.4.1).
        MESSAGE_HASH = 254, "message_hash";
    }
}

open_newtype! {
    /// TLS ExtensionType (RFC 8446 section 4.2 and the IANA registry).
    ///
    /// The SEAT extensions have no assigned value; their code points are in [`CodePoints`].
    ExtensionType(u16), 4 {
        /// server_name (0); in requests only in a ClientCertificateRequest (RFC 9261 section 4).
        SERVER_NAME = 0x0000, "server_name";
        /// status_request (5).
        STATUS_REQUEST = 0x0005, "status_request";
        /// signature_algorithms (13): mandatory in every authenticator request.
        SIGNATURE_ALGORITHMS = 0x000d, "signature_algorithms";
        /// signed_certificate_timestamp (18).
        SIGNED_CERTIFICATE_TIMESTAMP = 0x0012, "signed_certificate_timestamp";
        /// compress_certificate (27).
        COMPRESS_CERTIFICATE = 0x001b, "compress_certificate";
        /// delegated_credential (34).
        DELEGATED_CREDENTIAL = 0x0022, "delegated_credential";
        /// pre_shared_key (41).
        PRE_SHARED_KEY = 0x0029, "pre_shared_key";
        /// early_data (42).
        EARLY_DATA = 0x002a, "early_data";
        /// supported_versions (43).
        SUPPORTED_VERSIONS = 0x002b, "supported_versions";
        /// certificate_authorities (47).
        CERTIFICATE_AUTHORITIES = 0x002f, "certificate_authorities";
        /// oid_filters (48).
        OID_FILTERS = 0x0030, "oid_filters";
        /// signature_algorithms_cert (50).
        SIGNATURE_ALGORITHMS_CERT = 0x0032, "signature_algorithms_cert";
        /// key_share (51).
        KEY_SHARE = 0x0033, "key_share";
    }
}

open_newtype! {
    /// TLS SignatureScheme (RFC 8446 section 4.2.3).
    SignatureScheme(u16), 4 {
        /// rsa_pkcs1_sha256: never valid in an authenticator (RFC 9261 section 5.2.2).
        RSA_PKCS1_SHA256 = 0x0401, "rsa_pkcs1_sha256";
        /// rsa_pkcs1_sha384: never valid in an authenticator.
        RSA_PKCS1_SHA384 = 0x0501, "rsa_pkcs1_sha384";
        /// rsa_pkcs1_sha512: never valid in an authenticator.
        RSA_PKCS1_SHA512 = 0x0601, "rsa_pkcs1_sha512";
        /// ecdsa_secp256r1_sha256.
        ECDSA_SECP256R1_SHA256 = 0x0403, "ecdsa_secp256r1_sha256";
        /// ecdsa_secp384r1_sha384.
        ECDSA_SECP384R1_SHA384 = 0x0503, "ecdsa_secp384r1_sha384";
        /// ecdsa_secp521r1_sha512.
        ECDSA_SECP521R1_SHA512 = 0x0603, "ecdsa_secp521r1_sha512";
        /// rsa_pss_rsae_sha256.
        RSA_PSS_RSAE_SHA256 = 0x0804, "rsa_pss_rsae_sha256";
        /// rsa_pss_rsae_sha384.
        RSA_PSS_RSAE_SHA384 = 0x0805, "rsa_pss_rsae_sha384";
        /// rsa_pss_rsae_sha512.
        RSA_PSS_RSAE_SHA512 = 0x0806, "rsa_pss_rsae_sha512";
        /// ed25519.
        ED25519 = 0x0807, "ed25519";
        /// ed448.
        ED448 = 0x0808, "ed448";
        /// rsa_pss_pss_sha256.
        RSA_PSS_PSS_SHA256 = 0x0809, "rsa_pss_pss_sha256";
        /// rsa_pss_pss_sha384.
        RSA_PSS_PSS_SHA384 = 0x080a, "rsa_pss_pss_sha384";
        /// rsa_pss_pss_sha512.
        RSA_PSS_PSS_SHA512 = 0x080b, "rsa_pss_pss_sha512";
    }
}

open_newtype! {
    /// TLS AlertDescription (RFC 8446 section 6).
    ///
    /// The three alerts of draft-fossati-seat-early-attestation have no assigned value and the
    /// registry has no private-use range; their values are in [`CodePoints`].
    AlertDescription(u8), 2 {
        /// close_notify (0).
        CLOSE_NOTIFY = 0, "close_notify";
        /// unexpected_message (10).
        UNEXPECTED_MESSAGE = 10, "unexpected_message";
        /// bad_record_mac (20).
        BAD_RECORD_MAC = 20, "bad_record_mac";
        /// record_overflow (22).
        RECORD_OVERFLOW = 22, "record_overflow";
        /// handshake_failure (40).
        HANDSHAKE_FAILURE = 40, "handshake_failure";
        /// bad_certificate (42).
        BAD_CERTIFICATE = 42, "bad_certificate";
        /// unsupported_certificate (43).
        UNSUPPORTED_CERTIFICATE = 43, "unsupported_certificate";
        /// certificate_revoked (44).
        CERTIFICATE_REVOKED = 44, "certificate_revoked";
        /// certificate_expired (45).
        CERTIFICATE_EXPIRED = 45, "certificate_expired";
        /// certificate_unknown (46).
        CERTIFICATE_UNKNOWN = 46, "certificate_unknown";
        /// illegal_parameter (47).
        ILLEGAL_PARAMETER = 47, "illegal_parameter";
        /// unknown_ca (48).
        UNKNOWN_CA = 48, "unknown_ca";
        /// access_denied (49).
        ACCESS_DENIED = 49, "access_denied";
        /// decode_error (50).
        DECODE_ERROR = 50, "decode_error";
        /// decrypt_error (51).
        DECRYPT_ERROR = 51, "decrypt_error";
        /// protocol_version (70).
        PROTOCOL_VERSION = 70, "protocol_version";
        /// insufficient_security (71).
        INSUFFICIENT_SECURITY = 71, "insufficient_security";
        /// internal_error (80).
        INTERNAL_ERROR = 80, "internal_error";
        /// inappropriate_fallback (86).
        INAPPROPRIATE_FALLBACK = 86, "inappropriate_fallback";
        /// user_canceled (90).
        USER_CANCELED = 90, "user_canceled";
        /// missing_extension (109).
        MISSING_EXTENSION = 109, "missing_extension";
        /// unsupported_extension (110).
        UNSUPPORTED_EXTENSION = 110, "unsupported_extension";
        /// unrecognized_name (112).
        UNRECOGNIZED_NAME = 112, "unrecognized_name";
        /// bad_certificate_status_response (113).
        BAD_CERTIFICATE_STATUS_RESPONSE = 113, "bad_certificate_status_response";
        /// unknown_psk_identity (115).
        UNKNOWN_PSK_IDENTITY = 115, "unknown_psk_identity";
        /// certificate_required (116).
        CERTIFICATE_REQUIRED = 116, "certificate_required";
        /// no_application_protocol (120).
        NO_APPLICATION_PROTOCOL = 120, "no_application_protocol";
    }
}

/// Default `cmw_attestation` ExtensionType: 0xFF00, private use (RFC 8446 section 11).
///
/// draft-fossati-seat-expat-03 section 9.1 requests a value ("TBD"). 0xFF00 is what the most
/// spec-aligned deployed peer uses; the drafts' reference code and the published vectors use
/// 0xFFFF ([`CodePoints::REFERENCE_CMW_ATTESTATION`]).
pub const DEFAULT_CMW_ATTESTATION: ExtensionType = ExtensionType(0xff00);

/// Default `remoteAttestation` ExtensionType: 0xFF3A, private use.
///
/// draft-fossati-seat-early-attestation (EA-06 and later, section 10.1) requests a value
/// ("TBD"); 0xFF3A is the placeholder of the implementation digest's worked encodings.
pub const DEFAULT_REMOTE_ATTESTATION: ExtensionType = ExtensionType(0xff3a);

/// Default value of `unsupported_attestation_schemes` (draft-fossati-seat-early-attestation
/// section 10, "TBD1"): 224, unassigned in the TLS Alerts registry.
pub const DEFAULT_UNSUPPORTED_ATTESTATION_SCHEMES: AlertDescription = AlertDescription(224);

/// Default value of `attestation_required` (draft-fossati-seat-early-attestation section 10,
/// "TBD2"): 225, unassigned.
pub const DEFAULT_ATTESTATION_REQUIRED: AlertDescription = AlertDescription(225);

/// Default value of `attestation_failed` (draft-fossati-seat-early-attestation section 10,
/// "TBD3"): 226, unassigned.
pub const DEFAULT_ATTESTATION_FAILED: AlertDescription = AlertDescription(226);

/// The code points the SEAT drafts leave unassigned, as this connection uses them.
///
/// Build one with [`CodePoints::default`] and adjust it with the `with_*` methods, or apply
/// overrides from a string (a command-line flag, an environment variable) with
/// [`CodePoints::with_overrides`]. Construction rejects combinations that would make decoding
/// ambiguous.
///
/// ```
/// use seat_proto::codepoints::{CodePoints, ExtensionType};
///
/// // Reach a peer built on the drafts' reference code, which uses 0xFFFF.
/// let cp = CodePoints::default()
///     .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
///     .unwrap();
/// assert_eq!(cp.cmw_attestation(), ExtensionType(0xffff));
///
/// let cp = CodePoints::default().with_overrides("attestation_failed=0xe9").unwrap();
/// assert_eq!(u8::from(cp.attestation_failed()), 0xe9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodePoints {
    cmw_attestation: ExtensionType,
    remote_attestation: ExtensionType,
    unsupported_attestation_schemes: AlertDescription,
    attestation_required: AlertDescription,
    attestation_failed: AlertDescription,
}

impl CodePoints {
    /// The `cmw_attestation` value of the drafts' reference code and published vectors.
    pub const REFERENCE_CMW_ATTESTATION: ExtensionType = ExtensionType(0xffff);

    /// The project defaults (see the `DEFAULT_*` constants of this module).
    pub const DEFAULT: Self = Self {
        cmw_attestation: DEFAULT_CMW_ATTESTATION,
        remote_attestation: DEFAULT_REMOTE_ATTESTATION,
        unsupported_attestation_schemes: DEFAULT_UNSUPPORTED_ATTESTATION_SCHEMES,
        attestation_required: DEFAULT_ATTESTATION_REQUIRED,
        attestation_failed: DEFAULT_ATTESTATION_FAILED,
    };

    /// The `cmw_attestation` ExtensionType (draft-fossati-seat-expat section 3).
    pub const fn cmw_attestation(&self) -> ExtensionType {
        self.cmw_attestation
    }

    /// The `remoteAttestation` ExtensionType (draft-fossati-seat-early-attestation section 4.1).
    pub const fn remote_attestation(&self) -> ExtensionType {
        self.remote_attestation
    }

    /// The `unsupported_attestation_schemes` alert.
    pub const fn unsupported_attestation_schemes(&self) -> AlertDescription {
        self.unsupported_attestation_schemes
    }

    /// The `attestation_required` alert.
    pub const fn attestation_required(&self) -> AlertDescription {
        self.attestation_required
    }

    /// The `attestation_failed` alert.
    pub const fn attestation_failed(&self) -> AlertDescription {
        self.attestation_failed
    }

    /// Uses another `cmw_attestation` code point.
    ///
    /// # Errors
    ///
    /// [`CodePointError`] when the value is one the codec interprets already.
    pub fn with_cmw_attestation(self, value: ExtensionType) -> Result<Self, CodePointError> {
        Self {
            cmw_attestation: value,
            ..self
        }
        .validated()
    }

    /// Uses another `remoteAttestation` code point.
    ///
    /// # Errors
    ///
    /// [`CodePointError`] when the value is one the codec interprets already.
    pub fn with_remote_attestation(self, value: ExtensionType) -> Result<Self, CodePointError> {
        Self {
            remote_attestation: value,
            ..self
        }
        .validated()
    }

    /// Uses other values for the three alerts of draft-fossati-seat-early-attestation.
    ///
    /// # Errors
    ///
    /// [`CodePointError`] when a value is an RFC 8446 alert or two are equal.
    pub fn with_alerts(
        self,
        unsupported_attestation_schemes: AlertDescription,
        attestation_required: AlertDescription,
        attestation_failed: AlertDescription,
    ) -> Result<Self, CodePointError> {
        Self {
            unsupported_attestation_schemes,
            attestation_required,
            attestation_failed,
            ..self
        }
        .validated()
    }

    /// Applies overrides written as `name=value` pairs separated by commas or whitespace, with
    /// decimal or `0x` hexadecimal values. Names: `cmw_attestation`, `remote_attestation`,
    /// `unsupported_attestation_schemes`, `attestation_required`, `attestation_failed`.
    ///
    /// # Errors
    ///
    /// [`CodePointError`] naming the pair that is malformed or the value that is rejected.
    pub fn with_overrides(self, overrides: &str) -> Result<Self, CodePointError> {
        let mut cp = self;
        for pair in overrides
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let (name, value) = pair
                .split_once('=')
                .ok_or(CodePointError::Malformed { what: "name=value" })?;
            let value = parse_number(value.trim()).ok_or(CodePointError::Malformed {
                what: "a decimal or 0x-prefixed number",
            })?;
            let ext = || {
                u16::try_from(value)
                    .map(ExtensionType)
                    .map_err(|_| CodePointError::OutOfRange { name: "extension" })
            };
            let alert = || {
                u8::try_from(value)
                    .map(AlertDescription)
                    .map_err(|_| CodePointError::OutOfRange { name: "alert" })
            };
            match name.trim() {
                "cmw_attestation" => cp.cmw_attestation = ext()?,
                "remote_attestation" => cp.remote_attestation = ext()?,
                "unsupported_attestation_schemes" => cp.unsupported_attestation_schemes = alert()?,
                "attestation_required" => cp.attestation_required = alert()?,
                "attestation_failed" => cp.attestation_failed = alert()?,
                _ => return Err(CodePointError::UnknownName),
            }
        }
        cp.validated()
    }

    fn validated(self) -> Result<Self, CodePointError> {
        for ext in [self.cmw_attestation, self.remote_attestation] {
            if ext.name().is_some() {
                return Err(CodePointError::ExtensionInUse(ext));
            }
        }
        if self.cmw_attestation == self.remote_attestation {
            return Err(CodePointError::ExtensionInUse(self.cmw_attestation));
        }
        let alerts = [
            self.unsupported_attestation_schemes,
            self.attestation_required,
            self.attestation_failed,
        ];
        for (i, alert) in alerts.iter().enumerate() {
            if alert.name().is_some() || alerts.iter().skip(i + 1).any(|other| other == alert) {
                return Err(CodePointError::AlertInUse(*alert));
            }
        }
        Ok(self)
    }
}

impl Default for CodePoints {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl FromStr for CodePoints {
    type Err = CodePointError;

    /// Parses overrides applied to the defaults (see [`CodePoints::with_overrides`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::DEFAULT.with_overrides(s)
    }
}

fn parse_number(s: &str) -> Option<u32> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A code-point configuration was rejected.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodePointError {
    /// The extension type is one the codec already interprets, or both SEAT extensions were
    /// given the same value.
    ExtensionInUse(ExtensionType),
    /// The alert is an RFC 8446 alert, or two SEAT alerts were given the same value.
    AlertInUse(AlertDescription),
    /// An override names no known code point.
    UnknownName,
    /// An override is not written as expected.
    Malformed {
        /// What was expected.
        what: &'static str,
    },
    /// A value does not fit its field.
    OutOfRange {
        /// The kind of code point.
        name: &'static str,
    },
}

impl fmt::Display for CodePointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExtensionInUse(ext) => write!(f, "extension type {ext:?} is already in use"),
            Self::AlertInUse(alert) => write!(f, "alert {alert:?} is already in use"),
            Self::UnknownName => f.write_str(
                "unknown code point name (expected cmw_attestation, remote_attestation, \
                 unsupported_attestation_schemes, attestation_required or attestation_failed)",
            ),
            Self::Malformed { what } => write!(f, "malformed override: expected {what}"),
            Self::OutOfRange { name } => write!(f, "value too large for an {name} code point"),
        }
    }
}

impl core::error::Error for CodePointError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_print_as_hex() {
        assert_eq!(
            format!("{:?}", ExtensionType(0xff3a)),
            "ExtensionType(0xff3a)"
        );
        assert_eq!(format!("{}", SignatureScheme(0x0807)), "ed25519");
        assert_eq!(
            format!("{:?}", HandshakeType::CLIENT_CERTIFICATE_REQUEST),
            "client_certificate_request(0x11)"
        );
    }

    #[test]
    fn overrides_parse_and_validate() {
        let cp: CodePoints = "cmw_attestation=0xffff remote_attestation=65000"
            .parse()
            .unwrap();
        assert_eq!(cp.cmw_attestation(), ExtensionType(0xffff));
        assert_eq!(cp.remote_attestation(), ExtensionType(65000));
        assert_eq!(
            "cmw_attestation=13".parse::<CodePoints>().unwrap_err(),
            CodePointError::ExtensionInUse(ExtensionType::SIGNATURE_ALGORITHMS)
        );
        assert_eq!(
            "attestation_failed=50".parse::<CodePoints>().unwrap_err(),
            CodePointError::AlertInUse(AlertDescription::DECODE_ERROR)
        );
        assert_eq!(
            "attestation_failed=224".parse::<CodePoints>().unwrap_err(),
            CodePointError::AlertInUse(AlertDescription(224))
        );
        assert!("cmw_attestation=70000".parse::<CodePoints>().is_err());
        assert!("nonsense".parse::<CodePoints>().is_err());
        assert_eq!("".parse::<CodePoints>().unwrap(), CodePoints::DEFAULT);
    }
}
