#!/usr/bin/env python3
"""Cuts the AK certificate and the three quotes out of go-tpm-tools'
internal/test/attestations/gce-cos-85-nonce9009.pb (an `attest.Attestation` protobuf,
proto/attest.proto there): field 6 `ak_cert`, and of each field 2 `tpm.Quote`
(proto/tpm.proto) its `quote` (1), `raw_sig` (2) and `pcrs` (3: `hash` 1, map `pcrs` 2).
Run as `extract.py gce-cos-85-nonce9009.pb`; writes the files PROVENANCE.md lists."""
import sys

BANKS = {4: "sha1", 11: "sha256", 12: "sha384"}


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        if k & 7 == 2:
            n, i = varint(b, i)
            out.append((k >> 3, b[i : i + n]))
            i += n
        elif k & 7 == 0:
            v, i = varint(b, i)
            out.append((k >> 3, v))
        else:
            raise ValueError("unexpected wire type")
    return out


att = fields(open(sys.argv[1], "rb").read())
open("ak-cert.der", "wb").write(next(v for f, v in att if f == 6))
for f, q in att:
    if f != 2:
        continue
    q = dict(fields(q))
    p = fields(q[3])
    bank = BANKS[next(v for f, v in p if f == 1)]
    values = {}
    for f, e in p:
        if f == 2:
            e = dict(fields(e))
            values[e.get(1, 0)] = e[2]
    open(f"quote-{bank}.attest", "wb").write(q[1])
    open(f"quote-{bank}.sig", "wb").write(q[2])
    open(f"quote-{bank}.pcrs", "wb").write(b"".join(values[i] for i in sorted(values)))
