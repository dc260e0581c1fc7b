//! A Linux Attester over configfs-tsm (`/sys/kernel/config/tsm/report`), the kernel's one
//! interface for TDX, SEV-SNP and CCA reports (Linux `Documentation/ABI/testing/configfs-tsm`).
//!
//! One report, as the ABI describes it:
//!
//! 1. `mkdir <root>/<entry>`: the kernel populates the entry with `inblob`, `outblob`,
//!    `auxblob` (SNP), `provider`, `generation`, `privlevel`, ...;
//! 2. read `provider` (`tdx_guest`, `sev_guest`) and `generation`;
//! 3. write `inblob`: the 64 bytes of report data (the binding rule of [`crate::platform`]);
//!    the kernel increments `generation`;
//! 4. read `outblob` (the kernel asks the TEE for the quote or report now) and `auxblob`;
//! 5. read `generation` again: it must be exactly one more than in step 2, else another
//!    process wrote to the entry in between and the outblob may answer its inblob
//!    ([`TsmError::ConcurrentWriter`]);
//! 6. `rmdir` the entry, whatever happened.
//!
//! The file operations go through [`TsmFs`]: [`KernelFs`] is `std::fs` on the real tree; the
//! tests run the same code against a fake tree in a temporary directory that behaves like the
//! kernel's. The root path is configuration ([`ConfigfsTsm::new`]).

use core::fmt;
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::attester::{Attester, EvidenceRequest};
use crate::cmw::{Cmw, Ind, Record, RecordType};
use crate::error::Error;
use crate::platform::{
    self, MAX_AUXBLOB_LEN, MAX_OUTBLOB_LEN, REPORT_DATA_LEN, SNP_PROVIDER, TDX_PROVIDER, TsmReport,
};

/// Where the kernel mounts configfs-tsm reports.
pub const DEFAULT_ROOT: &str = "/sys/kernel/config/tsm/report";

/// Longest `provider` or `generation` file read.
pub const MAX_ATTRIBUTE_LEN: usize = 64;

/// The step of a report at which something failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsmStep {
    /// Creating the entry.
    CreateEntry,
    /// Reading `provider`.
    Provider,
    /// Reading `generation`.
    Generation,
    /// Writing `inblob`.
    Inblob,
    /// Reading `outblob`.
    Outblob,
    /// Reading `auxblob`.
    Auxblob,
    /// Removing the entry.
    RemoveEntry,
}

impl TsmStep {
    const fn name(self) -> &'static str {
        match self {
            Self::CreateEntry => "create entry",
            Self::Provider => "read provider",
            Self::Generation => "read generation",
            Self::Inblob => "write inblob",
            Self::Outblob => "read outblob",
            Self::Auxblob => "read auxblob",
            Self::RemoveEntry => "remove entry",
        }
    }
}

/// Why a configfs-tsm report failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TsmError {
    /// An I/O step failed.
    Io {
        /// The step.
        step: TsmStep,
        /// The I/O error's kind.
        kind: ErrorKind,
    },
    /// A file was larger than its bound ([`MAX_OUTBLOB_LEN`], [`MAX_AUXBLOB_LEN`],
    /// [`MAX_ATTRIBUTE_LEN`]) or `outblob` was empty.
    BadLength {
        /// The step.
        step: TsmStep,
    },
    /// `generation` is not a decimal number.
    BadGeneration,
    /// A provider this Attester does not wrap (not `tdx_guest` or `sev_guest`).
    UnknownProvider,
    /// Another process wrote to the entry between our `inblob` and our `outblob`.
    ConcurrentWriter {
        /// The generation our one write should have left.
        expected: u64,
        /// The generation found.
        found: u64,
    },
}

impl fmt::Display for TsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { step, kind } => write!(f, "configfs-tsm {} failed ({kind})", step.name()),
            Self::BadLength { step } => {
                write!(f, "configfs-tsm {}: empty or over its bound", step.name())
            }
            Self::BadGeneration => f.write_str("configfs-tsm generation is not a number"),
            Self::UnknownProvider => f.write_str("configfs-tsm provider is not tdx or sev-snp"),
            Self::ConcurrentWriter { expected, found } => write!(
                f,
                "configfs-tsm entry written concurrently (generation {found}, expected {expected})"
            ),
        }
    }
}

impl From<TsmError> for Error {
    fn from(e: TsmError) -> Self {
        Self::Attester(e)
    }
}

/// The file operations a report takes.
pub trait TsmFs: Send + fmt::Debug {
    /// `mkdir`.
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn create_dir(&self, path: &Path) -> std::io::Result<()>;
    /// Writes `bytes` to an existing attribute in one write.
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads at most `limit + 1` bytes of an attribute (so that an overlong one is seen).
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn read(&self, path: &Path, limit: usize) -> std::io::Result<Vec<u8>>;
    /// `rmdir`.
    ///
    /// # Errors
    ///
    /// The I/O error.
    fn remove_dir(&self, path: &Path) -> std::io::Result<()>;
}

/// The real file system (`std::fs`), for the kernel's configfs.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelFs;

impl TsmFs for KernelFs {
    fn create_dir(&self, path: &Path) -> std::io::Result<()> {
        std::fs::create_dir(path)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.write_all(bytes)
    }

    fn read(&self, path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
        let f = std::fs::File::open(path)?;
        let mut out = Vec::new();
        f.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut out)?;
        Ok(out)
    }

    fn remove_dir(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_dir(path)
    }
}

/// configfs-tsm reports under a root directory.
#[derive(Debug)]
pub struct ConfigfsTsm<F: TsmFs = KernelFs> {
    root: PathBuf,
    fs: F,
    next: u64,
}

impl ConfigfsTsm<KernelFs> {
    /// Reports under `root` ([`DEFAULT_ROOT`] on Linux) through the real file system.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_fs(root, KernelFs)
    }
}

impl<F: TsmFs> ConfigfsTsm<F> {
    /// Reports under `root` through `fs`.
    pub fn with_fs(root: impl Into<PathBuf>, fs: F) -> Self {
        Self {
            root: root.into(),
            fs,
            next: 0,
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// One report for `inblob` (module documentation); the entry is removed afterwards in
    /// every case.
    ///
    /// # Errors
    ///
    /// [`TsmError`] for the step that failed; a failure to remove the entry is reported only
    /// when everything else succeeded.
    pub fn report(&mut self, inblob: &[u8; REPORT_DATA_LEN]) -> Result<TsmReport, TsmError> {
        let entry = self
            .root
            .join(format!("seat-{}-{}", std::process::id(), self.next));
        self.next = self.next.wrapping_add(1);
        let io = |step| {
            move |e: std::io::Error| TsmError::Io {
                step,
                kind: e.kind(),
            }
        };
        self.fs
            .create_dir(&entry)
            .map_err(io(TsmStep::CreateEntry))?;
        let result = self.in_entry(&entry, inblob);
        let removed = self.fs.remove_dir(&entry).map_err(io(TsmStep::RemoveEntry));
        let report = result?;
        removed?;
        Ok(report)
    }

    fn in_entry(&self, entry: &Path, inblob: &[u8]) -> Result<TsmReport, TsmError> {
        let io = |step| {
            move |e: std::io::Error| TsmError::Io {
                step,
                kind: e.kind(),
            }
        };
        let provider = self
            .fs
            .read(&entry.join("provider"), MAX_ATTRIBUTE_LEN)
            .map_err(io(TsmStep::Provider))?;
        let provider = core::str::from_utf8(&provider)
            .map_err(|_| TsmError::UnknownProvider)?
            .trim_end_matches('\n');
        if provider != TDX_PROVIDER && provider != SNP_PROVIDER {
            return Err(TsmError::UnknownProvider);
        }
        let before = self.generation(entry)?;
        self.fs
            .write(&entry.join("inblob"), inblob)
            .map_err(io(TsmStep::Inblob))?;
        let outblob = self
            .fs
            .read(&entry.join("outblob"), MAX_OUTBLOB_LEN)
            .map_err(io(TsmStep::Outblob))?;
        if outblob.is_empty() || outblob.len() > MAX_OUTBLOB_LEN {
            return Err(TsmError::BadLength {
                step: TsmStep::Outblob,
            });
        }
        let auxblob = match self.fs.read(&entry.join("auxblob"), MAX_AUXBLOB_LEN) {
            Ok(a) if a.len() > MAX_AUXBLOB_LEN => {
                return Err(TsmError::BadLength {
                    step: TsmStep::Auxblob,
                });
            }
            Ok(a) if a.is_empty() => None,
            Ok(a) => Some(a),
            // Providers without auxiliary data have no `auxblob` attribute.
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io(TsmStep::Auxblob)(e)),
        };
        let after = self.generation(entry)?;
        let expected = before.saturating_add(1);
        if after != expected {
            return Err(TsmError::ConcurrentWriter {
                expected,
                found: after,
            });
        }
        Ok(TsmReport {
            provider: provider.to_owned(),
            outblob,
            auxblob,
        })
    }

    fn generation(&self, entry: &Path) -> Result<u64, TsmError> {
        let text = self
            .fs
            .read(&entry.join("generation"), MAX_ATTRIBUTE_LEN)
            .map_err(|e| TsmError::Io {
                step: TsmStep::Generation,
                kind: e.kind(),
            })?;
        core::str::from_utf8(&text)
            .ok()
            .map(|t| t.trim_end_matches('\n'))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(TsmError::BadGeneration)
    }
}

/// The configfs-tsm Attester: Evidence for a binder as a tsm-report CMW record
/// ([`crate::platform`]: report data by the binding rule, media type naming the provider).
#[derive(Debug)]
pub struct ConfigfsAttester<F: TsmFs = KernelFs> {
    tsm: ConfigfsTsm<F>,
}

impl<F: TsmFs> ConfigfsAttester<F> {
    /// An Attester making its reports through `tsm`.
    pub const fn new(tsm: ConfigfsTsm<F>) -> Self {
        Self { tsm }
    }
}

impl<F: TsmFs> Attester for ConfigfsAttester<F> {
    /// A report whose report data is `SHA-512(binder || aik_pub_hash)`, in a CMW record of
    /// media type `application/vnd.veraison.tsm-report+cbor; provider=<provider>` with `ind` 4.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a binder or AIK hash the binding rule refuses;
    /// [`Error::Attester`] for a failed report.
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let data = platform::report_data(request.binder, request.aik_pub_hash)?;
        tsm_cmw(&self.tsm.report(&data)?)
    }
}

/// The CMW record of a configfs-tsm report: media type
/// `application/vnd.veraison.tsm-report+cbor; provider=<provider>`, `ind` 4 (Evidence).
pub(crate) fn tsm_cmw(report: &TsmReport) -> Result<Vec<u8>, Error> {
    let record = Record::new(
        RecordType::MediaType(platform::tsm_media_type(&report.provider)),
        report.to_vec(),
        Some(Ind::EVIDENCE),
    )?;
    Ok(Cmw::Record(record).to_vec())
}
