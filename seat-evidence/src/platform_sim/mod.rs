//! Format-faithful simulators of platform Evidence (feature `platform-sim`): the bytes a real
//! platform produces, signed by test keys derived from a seed, so that whole sessions run
//! through exactly the appraisal code that real samples take. Test and demo use only: the
//! keys are not rooted in any hardware.

pub mod psa;
pub mod tpm;
