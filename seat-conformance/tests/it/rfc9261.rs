//! (placeholder until built)
