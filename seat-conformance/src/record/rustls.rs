//! Recorded rustls sessions (placeholder until built).

use crate::vector::Vector;

/// Records the sessions of this stack.
///
/// # Errors
///
/// The first recording that fails.
pub fn sessions() -> Result<Vec<Vector>, String> {
    Ok(Vec::new())
}
