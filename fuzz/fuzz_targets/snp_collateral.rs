//! Decodes arbitrary bytes as each kind of SEV-SNP collateral (an ARK's CRL through
//! `x509-cert`'s CertificateList, a VCEK, a VLEK, an ASVK): every input is accepted or ends in
//! `MalformedCollateral`, never a panic; accepted CRLs are then consulted by an appraisal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_binding::provider::default_provider;
use seat_verify::Collateral;
use seat_verify::snp::{REPORT_LEN, SnpFormat, SnpPolicy};

fuzz_target!(|data: &[u8]| {
    let mut c = Collateral::new();
    let _ = c.add_snp_crl(data);
    let _ = c.add_snp_vcek(data);
    let _ = c.add_snp_vlek(data);
    let _ = c.add_snp_asvk(data);
    let Ok(f) = SnpFormat::amd(SnpPolicy::default()) else {
        return;
    };
    let mut r = data.to_vec();
    r.resize(REPORT_LEN, 0);
    let _ = f.verify_report(&r, &c, 1_767_225_600, default_provider());
});
