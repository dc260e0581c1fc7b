//! Wire codec, authenticators and sans-I/O state machines for attested TLS 1.3.
#![deny(unsafe_code)]
