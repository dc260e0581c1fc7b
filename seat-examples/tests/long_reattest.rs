//! Re-attestation is unbounded on one connection with bounded memory (issue 14): thousands of
//! re-attestations over the embedded defaults succeed, and the relying side's replay record
//! stops growing at its windows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_proto::session::Event;
use seat_verify::replay::{MAX_RECENT_CONTEXTS, MAX_RECENT_DIGESTS};

const NOW: u64 = 1_790_000_000;
const ROUNDS: usize = 5_000;

fn attested(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::PeerAttested { .. }))
        .count()
}

#[test]
fn five_thousand_reattestations_on_one_connection_with_a_flat_record() {
    let mut pair = MemoryPair::connect(Options::default(), NOW).unwrap();
    assert!(pair.both_open());
    let record = |pair: &MemoryPair| pair.server.driver.hooks().hooks().replay_record().len();
    let mut at_window = None;
    for i in 0..ROUNDS {
        pair.server
            .reattest(NOW + 1)
            .unwrap_or_else(|e| panic!("round {i}: {e}"));
        pair.run();
        assert!(
            pair.both_open(),
            "round {i}: client {:?} server {:?}",
            pair.client.error,
            pair.server.error
        );
        let len = record(&pair);
        assert!(
            len <= MAX_RECENT_CONTEXTS + MAX_RECENT_DIGESTS,
            "round {i}: {len}"
        );
        if i == 2 * MAX_RECENT_DIGESTS {
            at_window = Some(len);
        }
    }
    assert_eq!(attested(pair.server.events()), ROUNDS + 1);
    // Flat: as many entries after 5,000 rounds as after the windows first filled.
    assert_eq!(Some(record(&pair)), at_window);
    pair.client.send(b"still open", NOW + 1).unwrap();
    pair.run();
    assert_eq!(pair.server.delivered, b"still open");
}
