//! A tokio server attests to its client (background check, a simulated TEE, an in-process
//! Verifier); the client echoes a line once its gate opens and asks for one re-attestation.
//! Then a tampered server: the client refuses it and prints the library's reason.

use std::net::SocketAddr;
use std::time::Duration;

use seat_proto::shim::Models;
use seat_verify::embedded::testing::Identity;
use seat_verify::embedded::{Client, Embedded, Server, reference_tee, tampered_tee};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Accepts one connection, attests, then echoes lines until the client closes.
async fn serve(listener: TcpListener, server: Server) -> Result<(), Error> {
    let (tcp, _) = listener.accept().await?;
    let mut stream = BufReader::new(server.acceptor().accept(tcp).await?);
    let mut line = String::new();
    while stream.read_line(&mut line).await? > 0 {
        stream.get_mut().write_all(line.as_bytes()).await?;
        line.clear();
    }
    Ok(())
}

/// Connects; returns once the server's attestation was accepted, or with the reason why not.
async fn talk(addr: SocketAddr, client: &Client) -> Result<(), Error> {
    let tcp = TcpStream::connect(addr).await?;
    let stream = client
        .connector()
        .connect("localhost".try_into()?, tcp)
        .await?;
    let attested = stream.peer_attestation().ok_or("no attestation")?;
    println!("server attested: {attested}");
    let mut stream = BufReader::new(stream);
    stream
        .get_mut()
        .write_all(b"hello, attested world\n")
        .await?;
    let mut echo = String::new();
    stream.read_line(&mut echo).await?;
    println!("echo: {}", echo.trim_end());
    println!("re-attested: {}", stream.get_mut().reattest().await?);
    stream.get_mut().shutdown().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Two simulated TEEs, one with a kernel outside the reference values; one in-process
    // Verifier trusting both, and the Relying-Party policy trusting that Verifier.
    let (honest, tampered) = (reference_tee(0x11)?, tampered_tee(0x22)?);
    let trust = Embedded::trusting(&[&honest, &tampered])?;
    let identity = Identity::self_signed("localhost")?; // for demos only
    let client = Client::builder(&trust)
        .trusts(&identity)
        .requires(Models::BACKGROUND_CHECK)
        .build()?;
    for (name, tee) in [("honest", &honest), ("tampered", &tampered)] {
        let server = Server::builder(&trust, &identity).attests(tee).build()?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let served = tokio::spawn(serve(listener, server));
        // The session fails a silent peer at its own deadline; this bounds the whole run.
        let outcome = tokio::time::timeout(Duration::from_secs(20), talk(addr, &client)).await?;
        match (name, outcome) {
            ("honest", Ok(())) => served.await??,
            ("tampered", Err(reason)) => println!("tampered server refused: {reason}"),
            (_, Ok(())) => return Err("the tampered server was accepted".into()),
            (_, Err(e)) => return Err(e),
        }
    }
    println!("result: success");
    Ok(())
}
