//! The runner of the `cose-sign1`, `eat` and `ear` vector kinds: each message goes through
//! `seat-evidence`'s public API (`CoseSign1`, `eat::verify_cwt` and the simulated TEE's
//! `verify_sim_evidence`, `ear::verify_cwt`/`verify_jwt`) with a `ProviderVerifier` over the
//! default provider. A valid vector must open to its `payload` or `claims`; an invalid one must
//! be refused, with the failure its `error` names.

use seat_evidence::Error;
use serde_json::Value;

use super::{bytes, field, provider, short, text};
use crate::generate::rats::{
    alg_from_name, ear_claims_json, eat_claims_json, error_name, open_cose_sign1, open_ear,
    open_eat,
};

/// Runs one vector of this module's kinds.
///
/// # Errors
///
/// A description of the first field that does not match.
pub(super) fn run(v: &Value) -> Result<String, String> {
    let alg_text = text(v, "alg")?;
    let alg = alg_from_name(alg_text).ok_or_else(|| format!("unknown alg {alg_text}"))?;
    let spki = bytes(v, "public_key")?;
    let valid = field(v, "valid")?.as_bool().ok_or("valid")?;
    match text(v, "kind")? {
        "cose-sign1" => {
            let payload = bytes(v, "payload")?;
            let result = open_cose_sign1(
                provider(),
                alg,
                &spki,
                &bytes(v, "cose_sign1")?,
                &bytes(v, "external_aad")?,
                &payload,
            );
            outcome(v, valid, result, |p| {
                if p != payload {
                    return Err(format!("payload differs: opened {}", hex::encode(p)));
                }
                Ok(format!(
                    "{alg_text} verifies, payload {}",
                    if p.is_empty() {
                        "(empty)".into()
                    } else {
                        short(&p)
                    }
                ))
            })
        }
        "eat" => {
            let result = open_eat(provider(), alg, &spki, &bytes(v, "token")?);
            outcome(v, valid, result, |c| {
                let claims = eat_claims_json(&c);
                if Some(&claims) != v.get("claims") {
                    return Err(format!("claims differ: decoded {claims}"));
                }
                let mut names: Vec<&str> = claims
                    .as_object()
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                names.sort_unstable();
                Ok(format!("{alg_text} verifies, claims {}", names.join(" ")))
            })
        }
        _ => {
            let form = text(v, "form")?;
            let token = if form == "jwt" {
                text(v, "token")?.as_bytes().to_vec()
            } else {
                bytes(v, "token")?
            };
            let result = open_ear(provider(), form, alg, &spki, &token);
            outcome(v, valid, result, |e| {
                let claims = ear_claims_json(&e);
                if Some(&claims) != v.get("claims") {
                    return Err(format!("claims differ: decoded {claims}"));
                }
                let statuses: Vec<String> = e
                    .submods
                    .iter()
                    .map(|(l, a)| format!("{l}={}", a.status.name()))
                    .collect();
                Ok(format!(
                    "{form} {alg_text} verifies, {}",
                    statuses.join(" ")
                ))
            })
        }
    }
}

/// Compares the project's result with the vector's `valid` and `error`.
fn outcome<T>(
    v: &Value,
    valid: bool,
    result: Result<T, Error>,
    check: impl FnOnce(T) -> Result<String, String>,
) -> Result<String, String> {
    match (result, valid) {
        (Ok(x), true) => check(x),
        (Err(e), false) => {
            let want = v.get("error").and_then(Value::as_str).unwrap_or_default();
            if error_name(&e) != want {
                return Err(format!(
                    "rejected with {} ({e}), vector names {want}",
                    error_name(&e)
                ));
            }
            Ok(format!("rejected: {} ({e})", error_name(&e)))
        }
        (Ok(_), false) => Err("accepted an invalid vector".into()),
        (Err(e), true) => Err(format!("rejected a valid vector: {e}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::{Value, json};

    use crate::generate::rats::vectors;

    fn altered(v: &crate::vector::Vector, field: &str, value: Value) -> Value {
        let mut f = v.fields.clone();
        f.insert(field.into(), value);
        Value::Object(f)
    }

    #[test]
    fn the_runner_notices_every_kind_of_change() {
        let all = vectors().unwrap();
        assert!(all.len() >= 40);
        for v in &all {
            let whole = Value::Object(v.fields.clone());
            assert!(super::run(&whole).is_ok(), "{}", v.name);
            let flipped = altered(v, "valid", json!(!whole["valid"].as_bool().unwrap()));
            assert!(super::run(&flipped).is_err(), "{}: valid flipped", v.name);
            if whole["valid"] == json!(true) {
                let changed = match v.kind {
                    "cose-sign1" => altered(v, "payload", json!("00")),
                    _ => {
                        let mut c = whole["claims"].clone();
                        c["extra"] = json!(1);
                        altered(v, "claims", c)
                    }
                };
                assert!(super::run(&changed).is_err(), "{}: claims changed", v.name);
            } else {
                let renamed = altered(v, "error", json!("some_other_failure"));
                assert!(super::run(&renamed).is_err(), "{}: error renamed", v.name);
            }
        }
    }
}
