//! The fuzz targets' bodies (see `targets.rs`), shared with the workspace's seed-corpus
//! replay test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod targets;

pub use targets::*;
