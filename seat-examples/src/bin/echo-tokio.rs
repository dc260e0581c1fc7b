//! The attested echo with tokio and tokio-rustls: the same sans-I/O session, driven from
//! async code. Mutual attestation, background-check model, anonymous client.

use seat_binding::exporter::rustls_adapter::{RustlsConnection, RustlsExporter};
use seat_examples::Platform;
use seat_examples::echo::Options;
use seat_examples::memory::{Peers, Setup};
use seat_proto::hooks::{AttestationHooks, EvidenceRequest, Mechanism};
use seat_proto::session::{Action, Input, Session};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drains the session's actions: writes go to the stream, Evidence and appraisal to the
/// platform (synchronous and CPU-only), data to `inbox`.
async fn drain<S: AsyncWrite + Unpin>(
    stream: &mut S,
    session: &mut Session,
    platform: &mut Platform,
    inbox: &mut Vec<u8>,
) -> Result<(), String> {
    let mut pending = Vec::new();
    loop {
        while let Some(action) = session.poll_action() {
            match action {
                Action::Send(bytes) => pending.push(bytes),
                Action::ProduceEvidence {
                    exchange,
                    binder,
                    aik_pub_hash,
                    model,
                } => {
                    let request = EvidenceRequest::new(
                        Mechanism::Expat { model },
                        Some(exchange),
                        &binder,
                        &aik_pub_hash,
                        now(),
                    );
                    let input = match platform.produce_evidence(&request) {
                        Some(cmw) => Input::Evidence { exchange, cmw },
                        None => Input::Decline { exchange },
                    };
                    let _ = session.handle(input);
                }
                Action::Appraise(a) => {
                    let verdict = platform.appraise(&a.request(now())).map(|_| ());
                    let _ = session.handle(Input::Verdict {
                        exchange: a.exchange,
                        verdict,
                    });
                }
                Action::Deliver(bytes) => inbox.extend(bytes),
                Action::Event(e) => platform.event(&e),
                _ => {}
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        for bytes in pending.drain(..) {
            stream.write_all(&bytes).await.map_err(|e| e.to_string())?;
        }
        stream.flush().await.map_err(|e| e.to_string())?;
    }
}

/// Runs the session on `stream` until its gate opens, then exchanges `out` for a reply.
async fn attest_and_echo<S>(
    stream: &mut S,
    conn: impl Fn(&S) -> &dyn RustlsConnection,
    mut session: Session,
    platform: &mut Platform,
    out: Option<&[u8]>,
) -> Result<Vec<u8>, String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut inbox = Vec::new();
    {
        let exporter = RustlsExporter::new(conn(stream)).map_err(|e| e.to_string())?;
        session
            .handle(Input::Established {
                exporter: &exporter,
                now: now(),
            })
            .map_err(|e| e.to_string())?;
    }
    drain(stream, &mut session, platform, &mut inbox).await?;
    let mut sent = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if session.is_failed() {
            return Err("session failed".into());
        }
        if session.is_open() {
            if let (Some(out), false) = (out, sent) {
                session
                    .handle(Input::Send(out))
                    .map_err(|e| e.to_string())?;
                drain(stream, &mut session, platform, &mut inbox).await?;
                sent = true;
            }
            if let Some(pos) = inbox.iter().position(|b| *b == b'\n') {
                let line = inbox.get(..=pos).unwrap_or_default().to_vec();
                if out.is_none() {
                    // Server: echo the line back.
                    session
                        .handle(Input::Send(&line))
                        .map_err(|e| e.to_string())?;
                    drain(stream, &mut session, platform, &mut inbox).await?;
                }
                return Ok(line);
            }
        }
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("peer closed".into());
        }
        let result = {
            let exporter = RustlsExporter::new(conn(stream)).map_err(|e| e.to_string())?;
            session.handle(Input::Received {
                bytes: buf.get(..n).unwrap_or_default(),
                exporter: &exporter,
                now: now(),
            })
        };
        drain(stream, &mut session, platform, &mut inbox).await?;
        result.map_err(|e| e.to_string())?;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let setup = Setup::new(Options::default())?;
    let Peers {
        client_session,
        mut client_platform,
        server_session,
        mut server_platform,
    } = setup.peers(now())?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let acceptor = tokio_rustls::TlsAcceptor::from(setup.server_tls());
    let server = tokio::spawn(async move {
        let result = async {
            let (sock, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let mut stream = acceptor.accept(sock).await.map_err(|e| e.to_string())?;
            let line = attest_and_echo(
                &mut stream,
                |s| s.get_ref().1 as &dyn RustlsConnection,
                server_session,
                &mut server_platform,
                None,
            )
            .await?;
            stream.shutdown().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(line)
        }
        .await;
        (server_platform.account, result)
    });

    let connector = tokio_rustls::TlsConnector::from(setup.client_tls());
    let sock = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = "localhost".try_into().map_err(|_| "bad name".to_string())?;
    let mut stream = connector
        .connect(name, sock)
        .await
        .map_err(|e| e.to_string())?;
    let reply = attest_and_echo(
        &mut stream,
        |s| s.get_ref().1 as &dyn RustlsConnection,
        client_session,
        &mut client_platform,
        Some(b"hello from tokio\n"),
    )
    .await;
    let (server_account, server_result) = server.await.map_err(|e| e.to_string())?;
    for line in server_account.iter().chain(&client_platform.account) {
        println!("  {line}");
    }
    let reply = reply?;
    server_result?;
    println!("echo: {:?}", String::from_utf8_lossy(&reply).trim_end());
    println!("result: success");
    Ok(())
}
