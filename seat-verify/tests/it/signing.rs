//! The in-process background check signs no EAR (the Result never leaves the process); every
//! Result that leaves it (a passport, an answer to a remote Relying Party, a caller asking
//! for the signed Result) is signed, and verifies under the Verifier's key.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use seat_binding::provider::{RandomSource, SignatureAlgorithm, SignatureEncoding, SigningKey};
use seat_verify::{
    AppraisalRequest, Background, BindingLevel, Expected, Model, ReplayRecord, ResultForm, Verifier,
};

use crate::support::*;

/// The Verifier's key, counting its signatures.
#[derive(Debug)]
struct Counted {
    inner: Box<dyn SigningKey>,
    signatures: Arc<AtomicUsize>,
}

impl SigningKey for Counted {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.inner.public_key_spki()
    }

    fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, seat_binding::Error> {
        self.signatures.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(message, encoding, rng)
    }
}

/// The world, its Verifier's key counting signatures.
fn counted_world() -> (World, Arc<AtomicUsize>) {
    let mut w = world();
    let (_, key) = minted(2);
    let signatures = Arc::new(AtomicUsize::new(0));
    let key = Counted {
        inner: key,
        signatures: Arc::clone(&signatures),
    };
    w.verifier = Verifier::new(w.policy.verifier.clone(), Box::new(key), provider()).unwrap();
    (w, signatures)
}

#[test]
fn the_in_process_background_check_decides_without_signing() {
    let (mut w, signatures) = counted_world();
    let b = binder(0x31, b"ctx-u", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    let expected = Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    };
    let (accepted, report) =
        w.rp.in_process_unsigned(
            &mut ReplayRecord::new(),
            &evidence,
            &w.verifier,
            &expected,
            NOW,
        )
        .unwrap();
    assert_eq!(accepted.model, Model::BackgroundCheck);
    assert_eq!(accepted.binding, BindingLevel::Exchange);
    assert!(report.signed_result().is_none());
    assert!(report.result().is_empty());
    // The EAR the decision rests on is still built and bound to the exchange.
    assert_eq!(
        accepted.ear.submods[0].1.nonce.as_ref().unwrap().nonces(),
        [b.binding_value.as_bytes().to_vec()]
    );
    // The background check through `Background::InProcess` signs nothing either.
    let accepted =
        w.rp.background_check(
            &mut ReplayRecord::new(),
            Background::InProcess {
                evidence: &evidence,
                verifier: &w.verifier,
                form: ResultForm::Cwt,
            },
            &expected,
            NOW,
            &mut rng(),
        )
        .unwrap();
    assert_eq!(accepted.model, Model::BackgroundCheck);
    assert_eq!(signatures.load(Ordering::SeqCst), 0);
}

#[test]
fn every_result_that_leaves_the_process_is_signed() {
    let (mut w, signatures) = counted_world();
    let b = binder(0x32, b"ctx-s", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    let expected = Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    };
    let request = AppraisalRequest {
        cmw: &evidence,
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
        now_unix_secs: NOW,
    };
    for (i, form) in [ResultForm::Cwt, ResultForm::Jwt].into_iter().enumerate() {
        // A passport, or a remote Verifier's answer: signed, and the Relying Party verifies
        // the signature against the Verifier's key.
        let report = w
            .verifier
            .appraise(&request, form, BindingLevel::Exchange, &mut rng())
            .unwrap();
        assert_eq!(signatures.load(Ordering::SeqCst), 2 * i + 1);
        assert_eq!(report.signed_result(), Some(report.result()));
        let passport =
            w.rp.passport(&mut ReplayRecord::new(), report.result(), &expected, NOW)
                .unwrap();
        assert_eq!(passport.model, Model::Passport);
        assert_eq!(passport.verifier, "verifier-1");
        // A Result whose signature is broken is refused: it really was signed.
        let mut forged = report.result().to_vec();
        match form {
            // The CBOR record ends with the signature's last byte, then `ind` 8.
            ResultForm::Cwt => {
                let at = forged.len() - 2;
                forged[at] ^= 0x01;
            }
            // The JSON record's JWT ends with the base64url signature, then `", 8]`.
            ResultForm::Jwt => {
                let at = forged.iter().rposition(|c| *c == b'"').unwrap() - 2;
                forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
            }
        }
        assert!(
            w.rp.passport(&mut ReplayRecord::new(), &forged, &expected, NOW)
                .is_err()
        );
        // The caller asking for the signed Result of an in-process appraisal gets it.
        let (_, report) =
            w.rp.in_process(
                &mut ReplayRecord::new(),
                &evidence,
                &w.verifier,
                form,
                &expected,
                NOW,
                &mut rng(),
            )
            .unwrap();
        assert_eq!(signatures.load(Ordering::SeqCst), 2 * i + 2);
        assert!(report.signed_result().is_some_and(|r| !r.is_empty()));
    }
}
