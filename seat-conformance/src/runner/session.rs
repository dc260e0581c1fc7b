//! The runner of the `session` vector kinds (placeholder until built).

use serde_json::Value;

/// Runs one vector of this module's kinds.
///
/// # Errors
///
/// A description of the first field that does not match.
pub(super) fn run(v: &Value) -> Result<String, String> {
    Err(format!(
        "kind {} has no runner yet",
        super::text(v, "kind")?
    ))
}
