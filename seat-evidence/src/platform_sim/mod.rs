//! Format-faithful simulators of confidential-VM platforms (feature `platform-sim`): Evidence
//! in the vendors' own formats, signed by test roots generated from a seed, so that whole
//! sessions run through exactly the appraisal code that real hardware's Evidence takes, with
//! the test roots as trust anchors. **Test roots only**: nothing signed here is trusted by a
//! Verifier configured with the vendors' real roots.

pub mod snp;
