//! The `seat-vectors/1` format: one JSON object per file, common fields first.

use serde_json::{Map, Value, json};

/// One interop vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// The kind; also the folder name.
    pub kind: &'static str,
    /// The file stem.
    pub name: String,
    /// Every field, common ones included.
    pub fields: Map<String, Value>,
}

impl Vector {
    fn new(
        kind: &'static str,
        name: String,
        description: String,
        valid: bool,
        error: Option<&str>,
        specific: Map<String, Value>,
    ) -> Self {
        let mut fields = Map::new();
        fields.insert("schema".into(), json!("seat-vectors/1"));
        fields.insert("kind".into(), json!(kind));
        fields.insert("name".into(), json!(name));
        fields.insert("description".into(), json!(description));
        fields.insert("source".into(), json!("generated"));
        fields.insert("valid".into(), json!(valid));
        if let Some(e) = error {
            fields.insert("error".into(), json!(e));
        }
        fields.extend(specific);
        Self { kind, name, fields }
    }

    /// A vector a conforming receiver accepts.
    pub fn valid(
        kind: &'static str,
        name: String,
        description: String,
        specific: Map<String, Value>,
    ) -> Self {
        Self::new(kind, name, description, true, None, specific)
    }

    /// A vector a conforming receiver rejects, with the project's name for the failure.
    pub fn invalid(
        kind: &'static str,
        name: String,
        description: String,
        error: &str,
        specific: Map<String, Value>,
    ) -> Self {
        Self::new(kind, name, description, false, Some(error), specific)
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text =
            seat_evidence::json::to_sorted_string_pretty(&Value::Object(self.fields.clone()));
        text.push('\n');
        text
    }

    /// The path below the vectors folder: `<kind>/<name>.json`.
    pub fn path(&self) -> String {
        format!("{}/{}.json", self.kind, self.name)
    }
}
