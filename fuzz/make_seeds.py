#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/seeds/<target>/) from the interop vectors in
seat-conformance/vectors. Run by `cargo xtask fuzz --seeds`; the seeds are committed, and the
workspace test `seat-conformance/tests/it/fuzz_seeds.rs` replays them through the targets.

- shim: each side's recorded frame stream of every `session` vector.
- session_pair: per `session` vector, the other side's recorded frames injected whole
  (operation 4) into each side of a fresh pair, under each configuration; and honest runs
  (deliver in turn, re-attest, send, time passes), without and with both sides' first
  flights written before the handshake (the second byte: bit 0 the server's, bit 1 the
  client's).
- negotiation: the handshake messages and `remoteAttestation` extensions of every
  `early-session` vector, as the machines' inputs in recorded order.
- cmw, cose_sign1, eat, ear: every hex or JSON value of the matching vector directories.
- tpm_quote: the Azure vTPM sample (seat-verify/tests/data/tpm) as a quote record, and the
  GCE vTPM SHA-256 quote with its AK certificate chain in `x5c` (tests/data/tpm/gce).
- psa_token: the RFC 9783 Sign1 and Mac0 examples (seat-verify/tests/data/psa).
- nitro_document: nitro_attest's attestation document (seat-verify/tests/data/nitro).
- cca_token: ccatoken's CCA token samples (seat-verify/tests/data/cca).
"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "seat-conformance", "vectors")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def write(target, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha256(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def vectors(kind):
    d = os.path.join(VECTORS, kind)
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                yield json.load(f)


def values(v):
    """Every byte string a vector holds: hex strings decoded, JSON texts as UTF-8."""
    if isinstance(v, dict):
        for x in v.values():
            yield from values(x)
    elif isinstance(v, list):
        for x in v:
            yield from values(x)
    elif isinstance(v, str):
        if len(v) >= 8 and len(v) % 2 == 0:
            try:
                yield bytes.fromhex(v)
                return
            except ValueError:
                pass
        if v.startswith("{") or v.startswith("["):
            yield v.encode()


def chunk(b):
    b = b[:0xFFFF]
    return bytes([len(b) >> 8, len(b) & 0xFF]) + b


def main():
    # Decoder corpora.
    for target, kind in [("cmw", "cmw"), ("cose_sign1", "cose-sign1"), ("eat", "eat"), ("ear", "ear")]:
        for vec in vectors(kind):
            for b in values(vec):
                write(target, b)

    # Shim and session pair.
    configs = [0x04 | 0x10, 0x05 | 0x50, 0x08 | 0x20, 0x44]
    for vec in vectors("session"):
        streams = {"client": b"", "server": b""}
        for f in vec["frames"]:
            streams[f["from"]] += bytes.fromhex(f["frame"])
        for s in streams.values():
            write("shim", b"\x00\x01\x02\x03" + s)
        for cfg in configs:
            ops = bytes([cfg, 0])
            ops += bytes([4 << 1 | 1]) + chunk(streams["server"])
            ops += bytes([4 << 1 | 0]) + chunk(streams["client"])
            write("session_pair", ops)
    for cfg in configs:
        for flights in [0, 3]:
            honest = bytes([cfg, flights]) + bytes([0, 1] * 8)
            write("session_pair", honest)
            write("session_pair", honest + bytes([6 << 1 | 1]) + bytes([0, 1] * 6) + bytes([7 << 1, 0, 3]) + b"abc" + bytes([0, 1]))
            write("session_pair", honest + bytes([8 << 1, 40, 8 << 1 | 1, 40]))
            write("session_pair", bytes([cfg, flights]) + bytes([0, 2 << 1, 0, 1, 3 << 1 | 1, 1, 1 << 1, 0, 1]))
    # A client's first flight and nothing else: the harness once checked the no-silent-wait
    # invariant before `Established`, where a session has no deadline by design.
    write("session_pair", bytes([0x28, 0x4A]))

    # Negotiation: recorded messages and extensions, each side's view.
    names = {"client_hello": 0, "server_hello": 1, "encrypted_extensions": 2,
             "certificate_request": 3, "certificate": 4, "finished": 5}
    for vec in vectors("early-session"):
        for side_bit, side in [(0, "client"), (1, "server")]:
            ops = bytes([0x3F])
            for m in vec.get("messages", []):
                sent = 0x10 if m["from"] == side else 0
                body = bytes.fromhex(m["message"])
                ops += bytes([(0 << 1) | side_bit | sent, 0]) + chunk(body)
                for e in vec.get("extensions", []):
                    if e.get("from") != side and body[:1] == bytes([{0: 1, 1: 2, 2: 8, 3: 13, 4: 11, 5: 20}.get(names.get(e.get("message"), 9), 255)]):
                        ops += bytes([(1 << 1) | side_bit, names.get(e["message"], 0)]) + chunk(bytes.fromhex(e["extension_data"]))
            write("negotiation", ops)

    platform_seeds()


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    return bytes([major << 5 | 25]) + n.to_bytes(2, "big")


def platform_seeds():
    data = os.path.join(ROOT, "seat-verify", "tests", "data")
    # tpm_quote: az-cvm-vtpm's bincode Quote { signature, message, pcrs } as seat's record
    # {"sig": TPMT_SIGNATURE (RSASSA, SHA-256), "pcrs": [..], "tpmVer": "2.0", "attestInfo": ..}.
    with open(os.path.join(data, "tpm", "quote.bin"), "rb") as f:
        q = f.read()
    n = int.from_bytes(q[0:8], "little")
    sig, at = q[8:8 + n], 8 + n
    n = int.from_bytes(q[at:at + 8], "little")
    attest, at = q[at + 8:at + 8 + n], at + 8 + n
    count = int.from_bytes(q[at:at + 8], "little")
    pcrs = [q[at + 8 + 32 * i:at + 8 + 32 * (i + 1)] for i in range(count)]
    tpmt = bytes([0x00, 0x14, 0x00, 0x0B]) + len(sig).to_bytes(2, "big") + sig
    text = lambda t: cbor_head(3, len(t)) + t.encode()
    bstr = lambda b: cbor_head(2, len(b)) + b
    record = cbor_head(5, 4) + text("sig") + bstr(tpmt) + text("pcrs") + cbor_head(4, len(pcrs))
    record += b"".join(bstr(p) for p in pcrs)
    record += text("tpmVer") + text("2.0") + text("attestInfo") + bstr(attest)
    write("tpm_quote", record)
    write("tpm_quote", attest)
    write("tpm_quote", tpmt)
    # The GCE quote: {"sig", "x5c": [AK certificate, intermediate], "pcrs", "tpmVer", "attestInfo"}.
    gce = os.path.join(data, "tpm", "gce")
    read = lambda name: open(os.path.join(gce, name), "rb").read()
    certs = [read("ak-cert.der"), read("tpm_ek_intermediate_2.crt")]
    values = read("quote-sha256.pcrs")
    pcrs = [values[i:i + 32] for i in range(0, len(values), 32)]
    record = cbor_head(5, 5) + text("sig") + bstr(read("quote-sha256.sig"))
    record += text("x5c") + cbor_head(4, len(certs)) + b"".join(bstr(c) for c in certs)
    record += text("pcrs") + cbor_head(4, len(pcrs)) + b"".join(bstr(p) for p in pcrs)
    record += text("tpmVer") + text("2.0") + text("attestInfo") + bstr(read("quote-sha256.attest"))
    write("tpm_quote", record)
    for name in ["psa-sign1.cbor", "psa-mac0.cbor"]:
        with open(os.path.join(data, "psa", name), "rb") as f:
            write("psa_token", f.read())
    with open(os.path.join(data, "nitro", "attestation.cose"), "rb") as f:
        write("nitro_document", f.read())
    for name in ["cca-token-01.cbor", "cca-token-02.cbor", "cca-token-draft-ffm-00.cbor",
                 "bug-33-repro.cbor"]:
        with open(os.path.join(data, "cca", name), "rb") as f:
            write("cca_token", f.read())


if __name__ == "__main__":
    sys.exit(main())
