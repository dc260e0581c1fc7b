//! Two attested sessions over a rustls connection in memory, every byte moved by hand: no
//! socket, no thread. Prints each side's account, then exchanges one message each way.

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;

fn main() -> Result<(), String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut pair = MemoryPair::connect(Options::default(), now)?;
    for line in pair
        .server
        .platform
        .account
        .iter()
        .chain(&pair.client.platform.account)
    {
        println!("  {line}");
    }
    if !pair.both_open() {
        return Err(format!(
            "attestation failed: client {:?}, server {:?}",
            pair.client.error, pair.server.error
        ));
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
