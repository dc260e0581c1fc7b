//! The configfs-tsm Attester against a fake configfs tree in a temporary directory that
//! behaves like the kernel's (Linux `drivers/virt/coco/tsm.c` and
//! `Documentation/ABI/testing/configfs-tsm`): attributes appear on `mkdir`, `generation`
//! starts at 0 and counts writes to `inblob` (at most 64 bytes), `outblob` is produced when
//! read, from the current `inblob`, `auxblob` exists only for `sev_guest`, `rmdir` takes the
//! attributes with it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::{Cmw, Ind, RecordType};
use seat_evidence::configfs::{ConfigfsAttester, ConfigfsTsm, TsmError, TsmFs, TsmStep};
use seat_evidence::platform::{TsmReport, report_data, tsm_media_type};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "seat-configfs-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The kernel's side of the tree: the effects configfs-tsm has on each operation, applied to
/// real files in the temporary directory.
#[derive(Debug)]
struct FakeKernel {
    provider: &'static str,
    /// When set, another process writes `inblob` just before our `outblob` read.
    interloper: AtomicBool,
}

impl FakeKernel {
    fn new(provider: &'static str) -> Self {
        Self {
            provider,
            interloper: AtomicBool::new(false),
        }
    }

    fn bump_generation(dir: &Path) -> std::io::Result<()> {
        let g: u64 = std::fs::read_to_string(dir.join("generation"))?
            .trim()
            .parse()
            .map_err(|_| ErrorKind::InvalidData)?;
        std::fs::write(dir.join("generation"), format!("{}\n", g + 1))
    }

    /// What the TEE returns for an inblob: a recognisable stand-in quote.
    fn quote(inblob: &[u8]) -> Vec<u8> {
        let mut q = b"QUOTE:".to_vec();
        q.extend_from_slice(inblob);
        q
    }
}

impl TsmFs for FakeKernel {
    fn create_dir(&self, path: &Path) -> std::io::Result<()> {
        std::fs::create_dir(path)?;
        std::fs::write(path.join("provider"), format!("{}\n", self.provider))?;
        std::fs::write(path.join("generation"), "0\n")?;
        std::fs::write(path.join("inblob"), b"")?;
        std::fs::write(path.join("outblob"), b"")?;
        std::fs::write(path.join("privlevel_floor"), "0\n")?;
        if self.provider == "sev_guest" {
            std::fs::write(path.join("auxblob"), b"")?;
            std::fs::write(path.join("privlevel"), b"")?;
        }
        Ok(())
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        // Attributes exist; configfs never creates a file on write.
        if !path.is_file() {
            return Err(ErrorKind::NotFound.into());
        }
        if path.file_name().is_some_and(|n| n == "inblob") {
            if bytes.len() > 64 {
                return Err(ErrorKind::InvalidInput.into());
            }
            std::fs::write(path, bytes)?;
            return Self::bump_generation(path.parent().unwrap());
        }
        std::fs::write(path, bytes)
    }

    fn read(&self, path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        if name == "outblob" {
            if self.interloper.swap(false, Ordering::SeqCst) {
                std::fs::write(dir.join("inblob"), [0xee; 64])?;
                Self::bump_generation(dir)?;
            }
            let inblob = std::fs::read(dir.join("inblob"))?;
            std::fs::write(path, Self::quote(&inblob))?;
            if self.provider == "sev_guest" {
                std::fs::write(dir.join("auxblob"), b"CERT-TABLE")?;
            }
        }
        let mut bytes = std::fs::read(path)?;
        bytes.truncate(limit + 1);
        Ok(bytes)
    }

    fn remove_dir(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_dir_all(path)
    }
}

fn entries(root: &Path) -> usize {
    std::fs::read_dir(root).unwrap().count()
}

#[test]
fn a_tdx_report_round_trip_leaves_no_entry_behind() {
    let dir = TempDir::new();
    let mut tsm = ConfigfsTsm::with_fs(&dir.0, FakeKernel::new("tdx_guest"));
    let report = tsm.report(&[0x5a; 64]).unwrap();
    assert_eq!(report.provider, "tdx_guest");
    assert_eq!(report.outblob, FakeKernel::quote(&[0x5a; 64]));
    assert_eq!(report.auxblob, None);
    assert_eq!(entries(&dir.0), 0);
    // A second report takes a new entry and starts again at generation 0.
    let again = tsm.report(&[0x01; 64]).unwrap();
    assert_eq!(again.outblob, FakeKernel::quote(&[0x01; 64]));
    assert_eq!(entries(&dir.0), 0);
}

#[test]
fn an_snp_report_carries_its_auxblob() {
    let dir = TempDir::new();
    let mut tsm = ConfigfsTsm::with_fs(&dir.0, FakeKernel::new("sev_guest"));
    let report = tsm.report(&[0x22; 64]).unwrap();
    assert_eq!(report.provider, "sev_guest");
    assert_eq!(report.auxblob.as_deref(), Some(&b"CERT-TABLE"[..]));
}

#[test]
fn a_concurrent_writer_is_detected_through_generation() {
    let dir = TempDir::new();
    let kernel = FakeKernel::new("tdx_guest");
    kernel.interloper.store(true, Ordering::SeqCst);
    let mut tsm = ConfigfsTsm::with_fs(&dir.0, kernel);
    assert_eq!(
        tsm.report(&[0x5a; 64]).unwrap_err(),
        TsmError::ConcurrentWriter {
            expected: 1,
            found: 2
        }
    );
    // The entry is removed even so.
    assert_eq!(entries(&dir.0), 0);
}

#[test]
fn failures_name_their_step() {
    let dir = TempDir::new();
    let missing = dir.0.join("no-such-root");
    let mut tsm = ConfigfsTsm::with_fs(&missing, FakeKernel::new("tdx_guest"));
    assert_eq!(
        tsm.report(&[0; 64]).unwrap_err(),
        TsmError::Io {
            step: TsmStep::CreateEntry,
            kind: ErrorKind::NotFound
        }
    );
    let mut cca = ConfigfsTsm::with_fs(&dir.0, FakeKernel::new("arm_cca_guest"));
    assert_eq!(cca.report(&[0; 64]).unwrap_err(), TsmError::UnknownProvider);
    assert_eq!(entries(&dir.0), 0);
}

#[test]
fn the_attester_binds_binder_and_key_hash_into_inblob() {
    let dir = TempDir::new();
    let mut attester =
        ConfigfsAttester::new(ConfigfsTsm::with_fs(&dir.0, FakeKernel::new("tdx_guest")));
    let request = EvidenceRequest {
        binder: &[7; 32],
        aik_pub_hash: &[9; 32],
        now_unix_secs: 1_800_000_000,
    };
    let cmw = attester.attest(&request).unwrap();
    let Cmw::Record(record) = Cmw::decode(&cmw).unwrap() else {
        panic!("not a record")
    };
    assert_eq!(record.ind(), Some(Ind::EVIDENCE));
    assert_eq!(
        record.typ(),
        &RecordType::MediaType(tsm_media_type("tdx_guest"))
    );
    let report = TsmReport::decode(record.value()).unwrap();
    let expected = report_data(&[7; 32], &[9; 32]).unwrap();
    assert_eq!(report.outblob, FakeKernel::quote(&expected));
    // A binder the rule refuses never reaches the kernel.
    let bad = EvidenceRequest {
        binder: &[7; 31],
        ..request
    };
    assert!(attester.attest(&bad).is_err());
    assert_eq!(entries(&dir.0), 0);
}
