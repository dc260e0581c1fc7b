//! Names of claims, header parameters, algorithms and trustworthiness claims.
//!
//! Sources: RFC 8392 and RFC 9711 section 3.6 / the IANA CWT Claims registry (claim keys
//! 1..10 and 256..275), draft-ietf-rats-ear-03 section 3 (EAR claims 1000..1004),
//! draft-ietf-rats-ar4si section 2.3 (trustworthiness claims 0..7 and their tiers),
//! RFC 9052 section 3.1 and RFC 9360 (COSE header labels), RFC 9053 and RFC 8812 (COSE
//! algorithms), RFC 9999 section 3.1 (CMW `ind` bits).

use seat_evidence::ear::Tier;

/// The claim name of a CBOR claim key (RFC 9711 names; EAR names for 1000..1004).
pub fn claim(key: i64) -> Option<&'static str> {
    Some(match key {
        1 => "iss",
        2 => "sub",
        3 => "aud",
        4 => "exp",
        5 => "nbf",
        6 => "iat",
        7 => "cti",
        8 => "cnf",
        10 => "eat_nonce",
        256 => "ueid",
        257 => "sueids",
        258 => "oemid",
        259 => "hwmodel",
        260 => "hwversion",
        261 => "uptime",
        262 => "oemboot",
        263 => "dbgstat",
        264 => "location",
        265 => "eat_profile",
        266 => "submods",
        267 => "bootcount",
        268 => "bootseed",
        269 => "dloas",
        270 => "swname",
        271 => "swversion",
        272 => "manifests",
        273 => "measurements",
        274 => "measres",
        275 => "intuse",
        1000 => "ear_status",
        1001 => "ear_trustworthiness_vector",
        1002 => "ear_raw_evidence",
        1003 => "ear_appraisal_policy_ids",
        1004 => "ear_verifier_id",
        _ => return None,
    })
}

/// The AR4SI name of a trustworthiness-vector key.
pub fn trust_claim(key: i64) -> Option<&'static str> {
    Some(match key {
        0 => "instance-identity",
        1 => "configuration",
        2 => "executables",
        3 => "file-system",
        4 => "hardware",
        5 => "runtime-opaque",
        6 => "storage-opaque",
        7 => "sourced-data",
        _ => return None,
    })
}

/// A trustworthiness claim value with its AR4SI tier: `2 (affirming)`.
pub fn tier_of(value: i64) -> String {
    match i8::try_from(value) {
        Ok(v) => format!("{value} ({})", Tier::of_claim(v).name()),
        Err(_) => format!("{value} (out of range)"),
    }
}

/// An `ear_status` value with its tier name: `2 (affirming)`.
pub fn status(value: i64) -> String {
    match Tier::from_i64(value) {
        Some(t) => format!("{value} ({})", t.name()),
        None => format!("{value} (not a tier)"),
    }
}

/// The RFC 9711 name of a `dbgstat` value.
pub fn dbgstat(value: i64) -> Option<&'static str> {
    Some(match value {
        0 => "enabled",
        1 => "disabled",
        2 => "disabled-since-boot",
        3 => "disabled-permanently",
        4 => "disabled-fully-and-permanently",
        _ => return None,
    })
}

/// The RFC 9711 name of an `intuse` value.
pub fn intuse(value: i64) -> Option<&'static str> {
    Some(match value {
        1 => "generic",
        2 => "registration",
        3 => "provisioning",
        4 => "certificate issuance",
        5 => "proof-of-possession",
        _ => return None,
    })
}

/// The name of a COSE header parameter label.
pub fn cose_header(label: i64) -> Option<&'static str> {
    Some(match label {
        1 => "alg",
        2 => "crit",
        3 => "content type",
        4 => "kid",
        5 => "IV",
        6 => "Partial IV",
        32 => "x5bag",
        33 => "x5chain",
        34 => "x5t",
        35 => "x5u",
        _ => return None,
    })
}

/// The name of a COSE algorithm.
pub fn cose_alg(alg: i64) -> Option<&'static str> {
    Some(match alg {
        -7 => "ES256",
        -35 => "ES384",
        -36 => "ES512",
        -8 => "EdDSA",
        -19 => "Ed25519",
        -37 => "PS256",
        -38 => "PS384",
        -39 => "PS512",
        -257 => "RS256",
        _ => return None,
    })
}

/// The names of the set bits of a CMW `ind`.
pub fn ind(bits: u32) -> String {
    const NAMES: [&str; 5] = [
        "reference values",
        "endorsements",
        "evidence",
        "attestation results",
        "appraisal policy",
    ];
    let mut names: Vec<String> = NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| (*n).to_string())
        .collect();
    let rest = bits & !0x1f;
    if rest != 0 {
        names.push(format!("unassigned {rest:#x}"));
    }
    format!("{bits} ({})", names.join(", "))
}

/// The RFC 8446 name of a handshake type.
pub fn handshake_type(t: u8) -> &'static str {
    match t {
        1 => "client_hello",
        2 => "server_hello",
        8 => "encrypted_extensions",
        11 => "certificate",
        13 => "certificate_request",
        15 => "certificate_verify",
        17 => "client_certificate_request",
        20 => "finished",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_ar4si_ranges() {
        // AR4SI section 2.3.1: 2..31 affirming, 32..95 warning, 96..127 contraindicated.
        assert_eq!(tier_of(2), "2 (affirming)");
        assert_eq!(tier_of(33), "33 (warning)");
        assert_eq!(tier_of(99), "99 (contraindicated)");
        assert_eq!(tier_of(-1), "-1 (none)");
        assert_eq!(tier_of(300), "300 (out of range)");
        assert_eq!(status(96), "96 (contraindicated)");
    }

    #[test]
    fn ind_names_every_bit() {
        assert_eq!(ind(4), "4 (evidence)");
        assert_eq!(ind(0x28), "40 (attestation results, unassigned 0x20)");
    }
}
