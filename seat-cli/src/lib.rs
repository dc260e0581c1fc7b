//! The `seat` command: inspect attestation captures, appraise Evidence offline, and run
//! attested TLS clients and servers.
//!
//! ```text
//! seat inspect FILE|-            decode and explain a capture (kind detected, or --as KIND)
//! seat appraise --policy FILE --binder HEX FILE
//!                                run the Verifier on captured Evidence, offline
//! ```
//!
//! Exit status: [`EXIT_OK`] (0) success; [`EXIT_REFUSED`] (1) the peer or the Evidence failed
//! appraisal; [`EXIT_INPUT`] (2) a usage or input error (a file that does not decode names
//! the byte offset). Colour only when standard output is a terminal (and `NO_COLOR` is
//! unset), or with `--color always`.
//!
//! The binary is a thin wrapper around [`run`], which the integration tests call directly
//! with their own arguments and buffers.
#![forbid(unsafe_code)]

pub mod appraise;
pub mod inspect;
pub mod names;
pub mod net;
pub mod report;
pub mod vector;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use seat_proto::codepoints::CodePoints;

use crate::report::Node;

/// Success.
pub const EXIT_OK: u8 = 0;
/// The peer or the Evidence failed appraisal.
pub const EXIT_REFUSED: u8 = 1;
/// A usage or input error.
pub const EXIT_INPUT: u8 = 2;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "seat",
    version,
    about = "Attested TLS (IETF SEAT): inspect captures, appraise Evidence, connect and serve",
    after_help = "Exit status: 0 success; 1 the peer or the Evidence failed appraisal; \
                  2 usage or input error."
)]
pub struct Cli {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = Colour::Auto, global = true)]
    pub color: Colour,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Colour {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Decode and explain a capture: CMW (every form), EAT, EAR (CWT and JWT), COSE_Sign1,
    /// authenticator requests and authenticators, early-attestation extensions, shim frames,
    /// and the project's vector and recording files.
    Inspect(InspectArgs),
    /// Run the Verifier on captured Evidence offline; print the EAR and every finding with its
    /// stage.
    Appraise(AppraiseArgs),
    /// An attested TLS server (expat over rustls): attests with the simulated TEE, echoes (or
    /// relays standard input and output), and can require the client to attest.
    Serve(ServeArgs),
    /// An attested TLS client (expat over rustls): requires the server to attest, prints what
    /// it attested and the verdict, then sends standard input and prints the answer.
    Connect(ConnectArgs),
}

/// The simulated platform of `serve` and `connect`.
#[derive(Debug, Args)]
pub struct PlatformFlags {
    /// The simulated TEE's seed: 64 hex digits, or any text (hashed). Its attestation key
    /// follows from it.
    #[arg(long, value_name = "SEED", default_value = "seat")]
    pub tee_seed: String,
    /// Run a kernel whose measurement is off the reference (its attestation must fail).
    #[arg(long)]
    pub tampered: bool,
    /// This side's Verifier key (PKCS#8 PEM, P-256); a fresh one when absent.
    #[arg(long, value_name = "FILE")]
    pub verifier_key: Option<PathBuf>,
    /// Write the policy that trusts this side (its TEE's attestation key, the reference
    /// values, its Verifier's key), for the peer's --policy.
    #[arg(long, value_name = "FILE")]
    pub policy_out: Option<PathBuf>,
}

impl PlatformFlags {
    fn platform(&self) -> net::PlatformArgs {
        net::PlatformArgs {
            tee_seed: net::tee_seed(&self.tee_seed),
            tampered: self.tampered,
            verifier_key: self.verifier_key.clone(),
        }
    }
}

/// `seat serve`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints `listening on ADDR` once bound, then one report per \
                        connection. Exit status (with --once): 0 the connection ran; 1 the \
                        client's attestation was rejected; 2 usage, input or connection error."
)]
pub struct ServeArgs {
    /// The address to listen on, e.g. 127.0.0.1:4433 (port 0 picks one).
    pub addr: String,
    /// The model this server attests in, and requires of clients.
    #[arg(long, value_enum, default_value_t = net::ModelArg::Background)]
    pub model: net::ModelArg,
    /// Require the client to attest (needs --policy).
    #[arg(long)]
    pub require_client: bool,
    /// The policy that trusts clients' platforms and Verifiers (TOML, as seat-verify reads).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Trust client certificates from these CAs (PEM); otherwise an attesting client
    /// presents a key its TEE minted.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// Write this server's self-signed certificate (PEM) here, for `seat connect --ca`.
    #[arg(long, value_name = "FILE")]
    pub cert_out: Option<PathBuf>,
    /// Serve one connection, then exit with its outcome.
    #[arg(long)]
    pub once: bool,
    /// Relay standard input and output (one line back per message) instead of echoing.
    #[arg(long)]
    pub stdio: bool,
    /// The simulated platform.
    #[command(flatten)]
    pub platform: PlatformFlags,
}

/// `seat connect`.
#[derive(Debug, Args)]
#[command(
    after_help = "Relays standard input to the server once its attestation is accepted \
                        (after end of input, the client closes its side), and prints the \
                        server's answer until it closes. Exit status: 0 the server attested and \
                        the relay ran; 1 the server's attestation was rejected or refused (the \
                        reason is printed); 2 usage, input or connection error."
)]
pub struct ConnectArgs {
    /// The server, HOST:PORT.
    pub target: String,
    /// The model the server must attest in (and this client attests in, with --attest).
    #[arg(long, value_enum, default_value_t = net::ModelArg::Background)]
    pub model: net::ModelArg,
    /// The policy that trusts the server's platform and Verifier.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The CA certificates (PEM) the server's certificate must chain to.
    #[arg(long, value_name = "FILE")]
    pub ca: PathBuf,
    /// A client certificate (PEM) for TLS client authentication; needs --client-key.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's key (PKCS#8 PEM, P-256).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Attest this client to the server (mutual attestation).
    #[arg(long)]
    pub attest: bool,
    /// The name the server's certificate must carry (default: the host).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// The simulated platform (used with --attest).
    #[command(flatten)]
    pub platform: PlatformFlags,
}

/// `seat inspect`.
#[derive(Debug, Args)]
#[command(
    after_help = "Binary input, hex text and JSON are all accepted. Exit status: 0 \
                        decoded (a negative vector whose expected failure is found also \
                        exits 0); 2 the input does not decode, with the byte offset."
)]
pub struct InspectArgs {
    /// The capture to read; `-` for standard input.
    pub file: PathBuf,
    /// The kind of the capture, instead of detecting it.
    #[arg(long = "as", value_enum, value_name = "KIND")]
    pub kind: Option<inspect::Kind>,
    /// Print JSON (`{"name", "value", "error", "children"}` per line) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Code-point overrides, e.g. `cmw_attestation=0xffff` (the drafts' reference value).
    #[arg(long, value_name = "OVERRIDES")]
    pub codepoints: Option<String>,
}

/// `seat appraise`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 accepted; 1 rejected (the reason and its stage are \
                        printed) or a status the policy's required_tier does not allow; 2 \
                        usage or input error."
)]
pub struct AppraiseArgs {
    /// The policy (TOML: `[verifier]` and `[relying_party]`, as seat-verify documents).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The binder the Relying Party computed for the exchange, in hex.
    #[arg(long, value_name = "HEX")]
    pub binder: String,
    /// The SHA-256 of the attestation key's DER SPKI, in hex. Without it the Evidence's own
    /// `cnf` is used and the output says the key binding was not checked.
    #[arg(long, value_name = "HEX")]
    pub aik_hash: Option<String>,
    /// The time to appraise at, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "SECS")]
    pub now: Option<u64>,
    /// Issue the EAR as a JWT instead of a CWT.
    #[arg(long)]
    pub jwt: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The Evidence: a CMW record (binary or hex); `-` for standard input.
    pub file: PathBuf,
}

/// Whether standard output is a terminal, for `--color auto`.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    /// Standard output is a terminal.
    pub stdout: bool,
    /// `NO_COLOR` is set.
    pub no_color: bool,
    /// Print progress lines to standard error while waiting on a peer.
    pub progress: bool,
}

/// The process's streams, lent to [`run`].
pub struct Io<'a> {
    /// Standard input.
    pub stdin: &'a mut dyn Read,
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error.
    pub stderr: &'a mut dyn Write,
    /// What the terminal allows.
    pub terminal: Terminal,
}

impl core::fmt::Debug for Io<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Io")
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// Runs the command line `args` (program name first) and returns the exit status.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = io.stdout.write_all(text.as_bytes());
                    EXIT_OK
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = io.stderr.write_all(text.as_bytes());
                    EXIT_INPUT
                }
                _ => {
                    let _ = io.stderr.write_all(text.as_bytes());
                    EXIT_INPUT
                }
            };
        }
    };
    let colour = match cli.color {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => io.terminal.stdout && !io.terminal.no_color,
    };
    match cli.command {
        Command::Inspect(a) => run_inspect(&a, io, colour),
        Command::Appraise(a) => run_appraise(&a, io, colour),
        Command::Serve(a) => run_serve(&a, io),
        Command::Connect(a) => run_connect(&a, io, colour),
    }
}

fn fail(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(io.stderr, "seat: {message}");
    EXIT_INPUT
}

/// Reads `path`, or standard input for `-`, up to `max` bytes.
fn read_input(path: &Path, io: &mut Io<'_>, max: usize) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let result = if path.as_os_str() == "-" {
        io.stdin.take(limit).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut buf))
    };
    result.map_err(|e| format!("{}: {e}", path.display()))?;
    if buf.len() > max {
        return Err(format!("{}: longer than {max} bytes", path.display()));
    }
    Ok(buf)
}

fn print(io: &mut Io<'_>, node: &Node, json: bool, colour: bool) {
    let text = if json {
        let mut s = seat_evidence::json::to_sorted_string_pretty(&node.to_json());
        s.push('\n');
        s
    } else {
        node.to_text(colour)
    };
    let _ = io.stdout.write_all(text.as_bytes());
}

fn run_inspect(a: &InspectArgs, io: &mut Io<'_>, colour: bool) -> u8 {
    let codepoints = match &a.codepoints {
        None => CodePoints::DEFAULT,
        Some(s) => match s.parse::<CodePoints>() {
            Ok(c) => c,
            Err(e) => return fail(io, &format!("--codepoints: {e}")),
        },
    };
    let input = match read_input(&a.file, io, inspect::MAX_INPUT_LEN) {
        Ok(b) => b,
        Err(e) => return fail(io, &e),
    };
    let options = inspect::Options {
        kind: a.kind,
        codepoints,
    };
    match inspect::inspect(&input, &options) {
        Ok(node) => {
            print(io, &node, a.json, colour);
            EXIT_OK
        }
        Err(e) => {
            if let Some(partial) = &e.partial {
                print(io, partial, a.json, colour);
            } else if a.json {
                let j = serde_json::json!({ "error": e.message });
                let _ = writeln!(io.stdout, "{j}");
            }
            fail(io, &format!("{}: {}", a.file.display(), e.message))
        }
    }
}

fn decode_hex(name: &str, s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s.trim()).map_err(|e| format!("{name}: not hex: {e}"))
}

fn run_appraise(a: &AppraiseArgs, io: &mut Io<'_>, colour: bool) -> u8 {
    let policy = match std::fs::read_to_string(&a.policy) {
        Ok(p) => p,
        Err(e) => return fail(io, &format!("{}: {e}", a.policy.display())),
    };
    let binder = match decode_hex("--binder", &a.binder) {
        Ok(b) => b,
        Err(e) => return fail(io, &e),
    };
    let aik = match a.aik_hash.as_deref().map(|h| decode_hex("--aik-hash", h)) {
        Some(Err(e)) => return fail(io, &e),
        Some(Ok(h)) => Some(h),
        None => None,
    };
    let raw = match read_input(&a.file, io, inspect::MAX_INPUT_LEN) {
        Ok(b) => b,
        Err(e) => return fail(io, &e),
    };
    // Hex text is accepted as well as binary.
    let evidence = match core::str::from_utf8(&raw) {
        Ok(t) if !t.trim().is_empty() && t.trim().bytes().all(|b| b.is_ascii_hexdigit()) => {
            hex::decode(t.trim()).unwrap_or(raw)
        }
        _ => raw,
    };
    let now = a.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    let input = appraise::Input {
        policy: &policy,
        evidence: &evidence,
        binder: &binder,
        aik_pub_hash: aik.as_deref(),
        now,
        form: if a.jwt {
            seat_verify::verifier::ResultForm::Jwt
        } else {
            seat_verify::verifier::ResultForm::Cwt
        },
    };
    match appraise::run(&input) {
        Err(e) => fail(io, &e),
        Ok(outcome) => {
            print(io, &outcome.report, a.json, colour);
            if outcome.accepted {
                EXIT_OK
            } else {
                EXIT_REFUSED
            }
        }
    }
}

fn progress_sink(enabled: bool) -> Box<dyn Write + Send> {
    if enabled {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::sink())
    }
}

fn run_serve(a: &ServeArgs, io: &mut Io<'_>) -> u8 {
    let options = net::ServeOptions {
        addr: a.addr.clone(),
        model: a.model,
        require_client: a.require_client,
        policy: a.policy.clone(),
        client_ca: a.client_ca.clone(),
        cert_out: a.cert_out.clone(),
        policy_out: a.platform.policy_out.clone(),
        platform: a.platform.platform(),
        once: a.once,
        stdio: a.stdio,
    };
    let progress = io.terminal.progress;
    match net::serve(&options, io.stdin, io.stdout, &move || {
        progress_sink(progress)
    }) {
        Ok(finished) => finished.code,
        Err(e) => fail(io, &e),
    }
}

fn run_connect(a: &ConnectArgs, io: &mut Io<'_>, colour: bool) -> u8 {
    let options = net::ConnectOptions {
        target: a.target.clone(),
        server_name: a.servername.clone(),
        model: a.model,
        policy: a.policy.clone(),
        ca: a.ca.clone(),
        client_cert: a.client_cert.clone().zip(a.client_key.clone()),
        attest: a.attest,
        platform: a.platform.platform(),
        policy_out: a.platform.policy_out.clone(),
    };
    let progress = progress_sink(io.terminal.progress);
    match net::connect(&options, io.stdin, io.stdout, progress, colour) {
        Ok(finished) => {
            if finished.code == EXIT_REFUSED {
                let reason = seat_cli_reason(&finished.report);
                let _ = writeln!(
                    io.stderr,
                    "seat: the server's attestation was refused: {reason}"
                );
            }
            finished.code
        }
        Err(e) => fail(io, &e),
    }
}

fn seat_cli_reason(report: &Node) -> String {
    fn find(n: &Node) -> Option<String> {
        if n.name == "reason" {
            return Some(n.value.clone());
        }
        n.children.iter().find_map(find)
    }
    find(report)
        .or_else(|| inspect::first_error(report))
        .unwrap_or_else(|| "the server declined to attest".into())
}
