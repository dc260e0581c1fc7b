//! Two attested sessions over a rustls connection in memory, every byte moved by hand: no
//! socket, no thread. Prints each side's account, then exchanges one message each way.

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_verify::embedded::now;

fn main() -> Result<(), String> {
    let now = now();
    let mut pair = MemoryPair::connect(Options::default(), now).map_err(|e| e.to_string())?;
    for line in pair.account() {
        println!("  {line}");
    }
    // The library's reason, if either side refused.
    if let Some(error) = pair.server.error.as_ref().or(pair.client.error.as_ref()) {
        return Err(format!("attestation failed: {error}"));
    }
    if !pair.both_open() {
        return Err("attestation did not complete".into());
    }
    pair.client.send(b"ping", now).map_err(|e| e.to_string())?;
    pair.run();
    pair.server.send(b"pong", now).map_err(|e| e.to_string())?;
    pair.run();
    println!(
        "server received {:?}, client received {:?}",
        String::from_utf8_lossy(&pair.server.delivered),
        String::from_utf8_lossy(&pair.client.delivered)
    );
    if pair.server.delivered != b"ping" || pair.client.delivered != b"pong" {
        return Err("data did not arrive".into());
    }
    println!("result: success");
    Ok(())
}
