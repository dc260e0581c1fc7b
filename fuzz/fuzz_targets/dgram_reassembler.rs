//! Feeds arbitrary datagrams to the datagram shim's receiver (fragments of any size, offset
//! and length, overlapping, conflicting, acks, data): every one is taken or a typed error,
//! never a panic, and what the shim holds stays within its MAX_* bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_proto::dgram::{
    DatagramConfig, DatagramShim, MAX_HELD_BYTES, MAX_MESSAGE_LEN, MAX_REASSEMBLY_BYTES,
};

fuzz_target!(|data: &[u8]| {
    let Ok(mut shim) = DatagramShim::new(DatagramConfig::default()) else {
        return;
    };
    // The input is a sequence of datagrams, each prefixed with a 2-byte length.
    let mut rest = data;
    let mut now = 0u64;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (datagram, after) = tail.split_at(len);
        rest = after;
        now += 7;
        if shim.receive(datagram, now).is_err() {
            return;
        }
        while shim.poll_transmit().is_some() {}
        // Stream output is drained only sometimes, to let it accumulate a little.
        if now % 3 == 0 {
            while shim.poll_stream().is_some() {}
        }
        assert!(
            shim.buffered_bytes()
                <= MAX_REASSEMBLY_BYTES + MAX_MESSAGE_LEN + MAX_HELD_BYTES + 2 * MAX_MESSAGE_LEN
        );
    }
});
