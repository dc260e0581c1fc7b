//! Generators of the `rats` vector kinds (placeholder until built).

use crate::vector::Vector;

/// The vectors of this module, in a fixed order.
///
/// # Errors
///
/// The first generator failure.
pub fn vectors() -> Result<Vec<Vector>, String> {
    Ok(Vec::new())
}
