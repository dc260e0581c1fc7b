//! Strict JSON input (RFC 8259) and unpadded base64url (RFC 4648 section 5).
//!
//! serde_json keeps the last of two equal object keys; [`parse`] rejects them instead
//! (rats-formats.md section 9.1 item 7: a duplicate `eat_nonce` or `ear_status` smuggles claims).
//! Numbers are kept as `serde_json::Number`, so a float `iat` is visible and rejected by the
//! typed decoders (item 19).

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number};

use crate::cbor::{MAX_DEPTH, MAX_INPUT_LEN, MAX_ITEMS};
use crate::error::{Error, Item};

/// A JSON value whose objects had no duplicate keys.
///
/// It converts to `serde_json::Value`; write it with [`to_sorted_string`], whose members are
/// sorted by key, this crate's deterministic JSON order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as parsed.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in input order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The object's members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Self::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts to a `serde_json::Value` (objects become maps; [`to_sorted_string`] writes
    /// them sorted).
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Bool(b) => serde_json::Value::Bool(*b),
            Self::Number(n) => serde_json::Value::Number(n.clone()),
            Self::String(s) => serde_json::Value::String(s.clone()),
            Self::Array(a) => serde_json::Value::Array(a.iter().map(Self::to_serde).collect()),
            Self::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_serde()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// Converts from a `serde_json::Value`.
    pub fn from_serde(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => Self::Number(n.clone()),
            serde_json::Value::String(s) => Self::String(s.clone()),
            serde_json::Value::Array(a) => Self::Array(a.iter().map(Self::from_serde).collect()),
            serde_json::Value::Object(m) => Self::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Self::from_serde(v)))
                    .collect(),
            ),
        }
    }
}

/// A `Json` parsed with a depth count, so that duplicate keys and nesting can be refused.
struct Strict(Json);

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Json::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Json::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Json::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Strict, E> {
        Number::from_f64(v)
            .map(|n| Strict(Json::Number(n)))
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Json::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Json::String(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Strict, E> {
        Ok(Strict(Json::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Strict, E> {
        Ok(Strict(Json::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            if out.len() as u64 >= MAX_ITEMS {
                return Err(de::Error::custom("too many items"));
            }
            out.push(v);
        }
        Ok(Strict(Json::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut out: Vec<(String, Json)> = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.iter().any(|(e, _)| *e == k) {
                return Err(de::Error::custom("duplicate key"));
            }
            if out.len() as u64 >= MAX_ITEMS {
                return Err(de::Error::custom("too many items"));
            }
            let Strict(v) = map.next_value()?;
            out.push((k, v));
        }
        Ok(Strict(Json::Object(out)))
    }
}

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

fn depth(v: &Json) -> usize {
    match v {
        Json::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Json::Object(m) => 1 + m.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// `value` with the members of every object inserted in key order, so that it writes sorted
/// whichever map serde_json was built with: its default `BTreeMap` sorts anyway, but another
/// crate in the same build can turn on `preserve_order` (an `IndexMap` that keeps insertion
/// order), and this crate's JSON output (signed EAR claims among it) must not depend on that.
pub fn sorted(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sorted).collect()),
        serde_json::Value::Object(m) => {
            let mut members: Vec<(&String, &serde_json::Value)> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            serde_json::Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        other => other.clone(),
    }
}

/// Serializes a value with the members of every object in key order, without copying it
/// (what [`sorted`] would give, written directly).
struct Sorted<'a>(&'a serde_json::Value);

impl serde::Serialize for Sorted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            serde_json::Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Sorted(v))?;
                }
                seq.end()
            }
            serde_json::Value::Object(m) => {
                let mut members: Vec<(&String, &serde_json::Value)> = m.iter().collect();
                members.sort_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, &Sorted(v))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

/// Compact JSON text of `value`, object members sorted by key at every level ([`sorted`]).
pub fn to_sorted_string(value: &serde_json::Value) -> String {
    serde_json::to_string(&Sorted(value)).unwrap_or_default()
}

/// Pretty JSON text (two-space indent) of `value`, object members sorted by key at every level
/// ([`sorted`]).
pub fn to_sorted_string_pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(&Sorted(value)).unwrap_or_default()
}

/// Parses one JSON document strictly: no duplicate object keys, at most [`MAX_ITEMS`] members
/// per container, [`MAX_DEPTH`] nesting levels and [`MAX_INPUT_LEN`] bytes.
///
/// # Errors
///
/// [`Error::Json`] for syntax errors and duplicate keys (with line and column),
/// [`Error::TooDeep`], [`Error::BadLength`].
pub fn parse(text: &[u8]) -> Result<Json, Error> {
    if text.len() > MAX_INPUT_LEN {
        return Err(Error::BadLength {
            what: Item::JsonValue,
            at: 0,
        });
    }
    // serde_json's own recursion limit (128) stops stack exhaustion before ours applies.
    let Strict(v) = serde_json::from_slice::<Strict>(text).map_err(|e| Error::Json {
        line: e.line(),
        column: e.column(),
    })?;
    if depth(&v) > MAX_DEPTH {
        return Err(Error::TooDeep {
            what: Item::JsonValue,
            at: 0,
        });
    }
    Ok(v)
}

/// Encodes bytes as base64url without padding (RFC 4648 section 5, RFC 9999 section 3.1).
pub fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url, refusing padding, the standard alphabet and non-zero
/// trailing bits.
///
/// # Errors
///
/// [`Error::Base64`].
pub fn b64u_decode(text: &str, what: Item) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Error::Base64 { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members inserted out of order are written sorted at every level: with serde_json's
    /// `preserve_order` on (as the workspace's all-features build has it, through dcap-qvl)
    /// the map itself would write them in insertion order.
    #[test]
    fn output_is_sorted_whatever_the_map() {
        let mut inner = Map::new();
        inner.insert("z".into(), 1.into());
        inner.insert("m".into(), 2.into());
        let mut outer = Map::new();
        outer.insert(
            "b".into(),
            serde_json::Value::Array(vec![inner.clone().into()]),
        );
        outer.insert("a".into(), inner.into());
        let v = serde_json::Value::Object(outer);
        assert_eq!(
            to_sorted_string(&v),
            r#"{"a":{"m":2,"z":1},"b":[{"m":2,"z":1}]}"#
        );
        assert_eq!(
            to_sorted_string_pretty(&serde_json::json!({"y": 1, "x": 2})),
            "{\n  \"x\": 2,\n  \"y\": 1\n}"
        );
    }

    #[test]
    fn duplicate_keys_rejected() {
        assert!(matches!(
            parse(br#"{"a":1,"a":2}"#),
            Err(Error::Json { .. })
        ));
        assert!(parse(br#"{"a":1,"b":{"a":2}}"#).is_ok());
    }

    #[test]
    fn base64url_is_unpadded() {
        // rats-formats.md 7.2 VCMW-5: "3q2-7w" is deadbeef; "3q2-7w==" must be refused.
        assert_eq!(
            b64u_decode("3q2-7w", Item::CmwValue).unwrap(),
            [0xde, 0xad, 0xbe, 0xef]
        );
        assert!(b64u_decode("3q2-7w==", Item::CmwValue).is_err());
        assert!(b64u_decode("3q2+7w", Item::CmwValue).is_err());
        assert_eq!(b64u_encode(&[0x23, 0x47, 0xda, 0x55]), "I0faVQ");
    }
}
