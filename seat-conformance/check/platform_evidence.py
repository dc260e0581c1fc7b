"""Independent checks of platform Evidence in recorded `session` vectors: Intel TDX quotes and
AMD SEV-SNP attestation reports (from seat's simulators, on test roots) in the tsm-report CMW.

Shares nothing with the Rust crates. Byte layouts follow Intel's TDX DCAP Quoting Library API
(appendix "Quote Format") and AMD's SEV-SNP firmware ABI (table "ATTESTATION_REPORT"), as the
vectors README restates them; every signature and certificate is checked with `cryptography`.

What is checked (TDX): the tsm-report map and provider; REPORTDATA = SHA-512(binder ||
aik_pub_hash); the quote's ECDSA-P256 signature over header || TD report with the quote's
attestation key; the QE report's REPORTDATA = SHA-256(attestation key || QE auth data) || 0^32;
the QE report's ECDSA-P256 signature with the PCK certificate's key; the PCK chain (PCK,
Platform CA, root) signature by signature, within validity at `now`, ending at the recorded
root; the TCB info and QE identity signatures (raw r||s over their exact JSON text) with the
TCB signing certificate chained to the same root, both within issueDate..nextUpdate at `now`;
the QE report's MRSIGNER,
ISVPRODID and ISVSVN against the QE identity; MRTD and RTMR0-3 against the reference values;
the DEBUG attribute against the policy.

Not checked (TDX): the CRLs (root CA CRL, PCK CRL: revocation), the SGX extension of the PCK
certificate (FMSPC, PCE SVN, CPU SVN) and therefore the TCB level the platform matches in the
TCB info (the recorded Verifier reports it UpToDate), the TDX module identity.

What is checked (SNP): the tsm-report map and provider; REPORT_DATA = SHA-512(binder ||
aik_pub_hash); the report's ECDSA-P384 signature (r and s little-endian in 72-byte fields) over
bytes 0..0x2A0 with a VCEK of the recorded collateral; that VCEK's RSA-PSS signature by an ASK,
the ASK's by its ARK and the ARK's by itself, each within validity at `now`, ARK and ASK being
one recorded root pair; that the certificate table (auxblob) carries that ARK, ASK and VCEK;
MEASUREMENT and HOST_DATA against the reference values; the guest policy's debug, migration
agent and SMT bits against the policy.

Not checked (SNP): the VCEK's hwID and SPL extensions against CHIP_ID and REPORTED_TCB, AMD
CRLs, a minimum TCB (the recorded policy names none).
"""

import hashlib
import json
from datetime import datetime, timezone

import cbor2

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TSM_MEDIA_TYPE = "application/vnd.veraison.tsm-report+cbor"
PROVIDERS = {"tdx": "tdx_guest", "snp": "sev_guest"}


class Fail(Exception):
    pass


def le(b):
    return int.from_bytes(b, "little")


def the_format(trust, name):
    fs = [f for f in trust["verifier"].get("formats", []) if f["format"] == name]
    if len(fs) != 1:
        raise Fail(f"the Verifier has not one {name} format")
    return fs[0]


def at(now):
    return datetime.fromtimestamp(now, tz=timezone.utc)


def issued_by(cert, issuer, now, what):
    """`cert`'s signature verifies with `issuer`'s key, names match, and it is valid at now."""
    if cert.issuer != issuer.subject:
        raise Fail(f"{what}: issuer name is not the issuer's subject")
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       cert.signature_algorithm_parameters, cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        else:
            raise Fail(f"{what}: unexpected issuer key")
    except InvalidSignature:
        raise Fail(f"{what}: certificate signature does not verify") from None
    if not cert.not_valid_before_utc <= at(now) <= cert.not_valid_after_utc:
        raise Fail(f"{what}: certificate not valid at the recorded now")


def raw_ecdsa(key, sig, data, h, half, what, little=False):
    order = "little" if little else "big"
    r = int.from_bytes(sig[:half], order)
    s = int.from_bytes(sig[half:2 * half], order)
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(h))
    except InvalidSignature:
        raise Fail(f"{what}: signature does not verify") from None


def tsm_report(media, token, platform):
    """The outblob and auxblob of a tsm-report map, checking its media type and provider."""
    provider = PROVIDERS[platform]
    if media != f"{TSM_MEDIA_TYPE}; provider={provider}":
        raise Fail(f"media type {media!r} is not the {platform} tsm-report")
    m = cbor2.loads(token)
    keys = list(m) if isinstance(m, dict) else None
    if keys not in (["outblob", "provider"], ["auxblob", "outblob", "provider"]):
        raise Fail(f"tsm-report map keys {keys}")
    if m["provider"] != provider.encode():
        raise Fail("tsm-report provider differs from the media type's")
    return m["outblob"], m.get("auxblob")


def pem_chain(text):
    return x509.load_pem_x509_certificates(text.encode() if isinstance(text, str) else text)


# --- Intel TDX -----------------------------------------------------------------------------

def check_tdx(quote, tee, report_data, now, trust):
    f = the_format(trust, "tdx")
    root = x509.load_der_x509_certificate(bytes.fromhex(f["root_der"]))
    issued_by(root, root, now, "TDX root")
    version, key_type, tee_type = le(quote[0:2]), le(quote[2:4]), le(quote[4:8])
    if key_type != 2 or tee_type != 0x81:
        raise Fail(f"quote attestation key type {key_type} or TEE type {tee_type:#x}")
    if version == 4:
        body_at, body_len = 48, 584
    elif version == 5:
        body_type, body_len = le(quote[48:50]), le(quote[50:54])
        if body_type != 3 or body_len != 648:
            raise Fail("a v5 quote whose body is not a TD report 1.5")
        body_at = 54
    else:
        raise Fail(f"quote version {version}")
    end = body_at + body_len
    signed, body = quote[:end], quote[body_at:end]
    sig_len = le(quote[end:end + 4])
    sig = quote[end + 4:end + 4 + sig_len]
    if len(sig) != sig_len or end + 4 + sig_len != len(quote):
        raise Fail("quote signature data length")
    signature, att_xy = sig[0:64], sig[64:128]
    if le(sig[128:130]) != 6 or le(sig[130:134]) != len(sig) - 134:
        raise Fail("quote certification data is not QE report certification data")
    qe = sig[134:]
    qe_report, qe_sig = qe[0:384], qe[384:448]
    auth_len = le(qe[448:450])
    auth = qe[450:450 + auth_len]
    rest = qe[450 + auth_len:]
    if le(rest[0:2]) != 5 or le(rest[2:6]) != len(rest) - 6:
        raise Fail("QE certification data is not a PCK chain")
    chain = pem_chain(rest[6:].rstrip(b"\0"))
    if len(chain) != 3:
        raise Fail("the PCK chain is not PCK, Platform CA, root")
    pck, ca, chain_root = chain
    if chain_root.public_bytes(serialization.Encoding.DER) != bytes.fromhex(f["root_der"]):
        raise Fail("the PCK chain ends at another root")
    issued_by(ca, root, now, "PCK Platform CA")
    issued_by(pck, ca, now, "PCK certificate")
    att_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + att_xy)
    if bytes.fromhex(tee["attestation_key_spki"])[-64:] != att_xy:
        raise Fail("the quote's attestation key is not the recorded TEE's")
    raw_ecdsa(att_key, signature, signed, hashes.SHA256(), 32, "quote")
    if qe_report[320:352] != hashlib.sha256(att_xy + auth).digest() or qe_report[352:384] != bytes(32):
        raise Fail("the QE report does not bind the attestation key")
    raw_ecdsa(pck.public_key(), qe_sig, qe_report, hashes.SHA256(), 32, "QE report")
    if body[520:584] != report_data:
        raise Fail("REPORTDATA is not SHA-512(binder || aik_pub_hash)")

    # Collateral: TCB info and QE identity signed by the TCB signing key under the root.
    (coll,) = trust["verifier"]["collateral"]["tdx_json"]
    c = json.loads(coll)
    signer, signer_root = pem_chain(c["tcb_info_issuer_chain"])
    if signer_root.public_bytes(serialization.Encoding.DER) != bytes.fromhex(f["root_der"]):
        raise Fail("the TCB signing chain ends at another root")
    issued_by(signer, root, now, "TCB signing certificate")
    for name in ("tcb_info", "qe_identity"):
        raw_ecdsa(signer.public_key(), bytes.fromhex(c[name + "_signature"]), c[name].encode(),
                  hashes.SHA256(), 32, name)
        doc = json.loads(c[name])
        window = [datetime.strptime(doc[k], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
                  for k in ("issueDate", "nextUpdate")]
        if not window[0] <= at(now) <= window[1]:
            raise Fail(f"{name} is not current at the recorded now")
    qe_id = json.loads(c["qe_identity"])
    if (qe_report[128:160].hex().upper() != qe_id["mrsigner"]
            or le(qe_report[256:258]) != qe_id["isvprodid"]
            or le(qe_report[258:260]) < min(l["tcb"]["isvsvn"] for l in qe_id["tcbLevels"])):
        raise Fail("the QE report does not match the QE identity")

    # Policy: reference values and debug.
    got = {"mrtd": body[136:184]}
    for i in range(4):
        got[f"rtmr{i}"] = body[328 + 48 * i:376 + 48 * i]
    debug = le(body[120:128]) & 1
    ok = all(got.get(m["name"]) == bytes.fromhex(m["digest"]) for m in f["reference_values"])
    return ok and (not debug or f["allow_debug"])


# --- AMD SEV-SNP -----------------------------------------------------------------------------

SIGNED_LEN = 0x2A0
POLICY_SMT, POLICY_MIGRATE_MA, POLICY_DEBUG = 1 << 16, 1 << 18, 1 << 19


def vcek_signed_at(cert):
    """A time inside `cert`'s validity (its notBefore), to find its issuer by signature alone."""
    return int(cert.not_valid_before_utc.timestamp())


def cert_table(aux):
    """The DER certificates of an SNP certificate table (GUID, offset, length; zero entry last)."""
    out, pos = [], 0
    while True:
        entry = aux[pos:pos + 24]
        if len(entry) != 24:
            raise Fail("a truncated certificate table")
        if entry == bytes(24):
            return out
        off, n = le(entry[16:20]), le(entry[20:24])
        if off + n > len(aux):
            raise Fail("a certificate table entry past its end")
        out.append(aux[off:off + n])
        pos += 24


def check_snp(report, aux, tee, report_data, now, trust):
    f = the_format(trust, "snp")
    if len(report) != 1184:
        raise Fail("an SNP report is not 1184 bytes")
    if le(report[0x34:0x38]) != 1:
        raise Fail("SNP signature algorithm is not ECDSA P-384 with SHA-384")
    if report[0x50:0x90] != report_data:
        raise Fail("REPORT_DATA is not SHA-512(binder || aik_pub_hash)")
    vceks = [bytes.fromhex(v) for v in trust["verifier"]["collateral"]["snp_vcek"]]
    sig = report[SIGNED_LEN:SIGNED_LEN + 144]
    signer = None
    for der in vceks:
        cert = x509.load_der_x509_certificate(der)
        try:
            raw_ecdsa(cert.public_key(), sig, report[:SIGNED_LEN], hashes.SHA384(), 72, "SNP report",
                      little=True)
        except Fail:
            continue
        signer = (der, cert)
    if signer is None:
        raise Fail("no recorded VCEK verifies the SNP report")
    vcek_der, vcek = signer
    if vcek_der != bytes.fromhex(tee["vcek_der"]):
        raise Fail("the report is signed by another platform's VCEK")
    for r in f["roots"]:
        ark = x509.load_der_x509_certificate(bytes.fromhex(r["ark_der"]))
        ask = x509.load_der_x509_certificate(bytes.fromhex(r["ask_der"]))
        try:
            # The ASK whose signature the VCEK carries; validity checked once it is found.
            issued_by(vcek, ask, vcek_signed_at(vcek), "VCEK")
        except Fail:
            continue
        issued_by(vcek, ask, now, "VCEK")
        issued_by(ask, ark, now, "ASK")
        issued_by(ark, ark, now, "ARK")
        if aux is None or not {bytes.fromhex(r["ark_der"]), bytes.fromhex(r["ask_der"]),
                               vcek_der} <= set(cert_table(aux)):
            raise Fail("the certificate table does not carry the ARK, ASK and VCEK")
        break
    else:
        raise Fail("the VCEK chains to no recorded ARK and ASK")
    got = {"measurement": report[0x90:0xC0], "host_data": report[0xC0:0xE0]}
    policy = le(report[0x08:0x10])
    ok = all(got.get(m["name"]) == bytes.fromhex(m["digest"]) for m in f["reference_values"])
    return (ok and (not policy & POLICY_DEBUG or f["allow_debug"])
            and (not policy & POLICY_MIGRATE_MA or f["allow_migration_agent"])
            and (not policy & POLICY_SMT or f["allow_smt"]))


def appraise_platform(media, token, tee, binder, aik, now, trust):
    """Checks platform Evidence of the side whose `tee` names a platform; returns whether the
    recorded Verifier's policy accepts it."""
    platform = tee.get("platform")
    if platform not in PROVIDERS:
        raise Fail(f"platform {platform!r}")
    outblob, aux = tsm_report(media, token, platform)
    report_data = hashlib.sha512(binder + aik).digest()
    if platform == "tdx":
        return check_tdx(outblob, tee, report_data, now, trust)
    return check_snp(outblob, aux, tee, report_data, now, trust)
