//! Integration tests of seat-proto: property tests over every wire type, known answers from
//! outside the project, and snapshots of decoded messages.

mod prop;
mod render;
mod vectors;
