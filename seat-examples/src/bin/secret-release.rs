//! Secret release, the first use case of the SEAT working group: a server hands a secret only
//! to a client whose TEE attests. Runs twice: an honest client receives the secret; a client
//! whose kernel measurement differs from the reference is refused and receives nothing.

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_proto::shim::Models;
use seat_verify::embedded::now;

const SECRET: &[u8] = b"database-password: correct horse battery staple";

/// Connects a client (honest or tampered) and tries to release the secret to it.
fn release(tampered: bool, now: u64) -> Result<Option<Vec<u8>>, String> {
    let opts = Options {
        server_attests: false,
        client_attests: true,
        model: Models::BACKGROUND_CHECK,
        client_tampered: tampered,
        ..Options::default()
    };
    let mut pair = MemoryPair::connect(opts, now).map_err(|e| e.to_string())?;
    for line in pair.server.account.lines() {
        println!("  {line}");
    }
    // The server's gate opens only if the client's attestation passed; otherwise the
    // session refuses to send, with the Verifier's reason.
    match pair.server.send(SECRET, now) {
        Ok(()) => {
            pair.run();
            Ok(Some(pair.client.delivered.clone()))
        }
        Err(e) => {
            println!("  server: secret withheld: {e}");
            Ok(None)
        }
    }
}

fn main() -> Result<(), String> {
    let now = now();
    println!("honest client:");
    let honest = release(false, now)?;
    println!("tampered client:");
    let tampered = release(true, now)?;
    match (honest.as_deref(), tampered) {
        (Some(SECRET), None) => {
            println!("the honest client received the secret; the tampered client received nothing");
            println!("result: success");
            Ok(())
        }
        other => Err(format!("unexpected outcome: {other:?}")),
    }
}
