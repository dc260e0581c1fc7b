#!/usr/bin/env python3
"""Independent check of the seat-vectors/1 interop vectors.

Shares nothing with the Rust crates: it recomputes every vector from its own inputs with the
Python standard library (hashlib, hmac) and `cryptography` (signature verification, X.509),
following RFC 8446, RFC 9261, draft-fossati-seat-expat-03 and draft-fossati-seat-early-attestation
as seat-conformance/vectors/README.md spells them out.

Usage: check_vectors.py <vectors dir>      (exit status 0 when every vector checks)
"""

import hmac
import json
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

# Shared with the sibling modules (same directory, plain import).
from common import HASHES, Invalid, Reader, hkdf_expand_label

# --- RFC 8446 key schedule (section 7.1) and exporter (section 7.5) -------------------------

def exporter(h, protocol, ems, label, context, length):
    # TLS-Exporter(label, context, L) = HKDF-Expand-Label(Derive-Secret(EMS, label, ""),
    #                                                     "exporter", Hash(context), L)
    secret = hkdf_expand_label(h, ems, label, h(b"").digest(), h().digest_size, protocol)
    return hkdf_expand_label(h, secret, b"exporter", h(context or b"").digest(), length, protocol)


# --- TLS structures -----------------------------------------------------------------------

def extensions(block):
    r, out = Reader(block), []
    while not r.done():
        t = r.uint(2)
        if t in [e[0] for e in out]:
            raise Invalid("duplicate_extension")
        out.append((t, r.vec(2)))
    return out


def handshake_messages(data):
    r, out = Reader(data), []
    while not r.done():
        t = r.uint(1)
        body = r.vec(3)
        out.append((t, body, bytes([t]) + len(body).to_bytes(3, "big") + body))
    return out


def parse_request(raw):
    msgs = handshake_messages(raw)
    if len(msgs) != 1 or msgs[0][0] not in (13, 17):
        raise Invalid("decode_error")
    r = Reader(msgs[0][1])
    ctx = r.vec(1)
    exts = extensions(r.vec(2))
    if not r.done():
        raise Invalid("decode_error")
    return msgs[0][0], ctx, dict(exts)


def sig_algs(data):
    r = Reader(data)
    lst = r.vec(2)
    return [int.from_bytes(lst[i:i + 2], "big") for i in range(0, len(lst), 2)]


# --- Signatures -------------------------------------------------------------------------------

def verify_signature(scheme, spki, message, signature):
    key = serialization.load_der_public_key(spki)
    try:
        if scheme in (0x0403, 0x0503):
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise Invalid("key_does_not_match_scheme")
            h = hashes.SHA256() if scheme == 0x0403 else hashes.SHA384()
            key.verify(signature, message, ec.ECDSA(h))
        elif scheme == 0x0807:
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise Invalid("key_does_not_match_scheme")
            key.verify(signature, message)
        elif scheme in (0x0804, 0x0805, 0x0806):
            if not isinstance(key, rsa.RSAPublicKey):
                raise Invalid("key_does_not_match_scheme")
            h = {0x0804: hashes.SHA256(), 0x0805: hashes.SHA384(), 0x0806: hashes.SHA512()}[scheme]
            key.verify(signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        else:
            raise Invalid("unsupported_signature_scheme")
    except InvalidSignature:
        raise Invalid("bad_signature")


# --- Kinds ------------------------------------------------------------------------------------

def check_exporter(v):
    h = HASHES[v["hash"]]
    ctx = None if v["context"] is None else bytes.fromhex(v["context"])
    out = exporter(h, v["protocol"], bytes.fromhex(v["exporter_master_secret"]), v["label"].encode(), ctx, v["length"])
    if out.hex() != v["output"]:
        return "output differs"
    return None


def validate_authenticator(v):
    """Returns ("valid", details) or ("refused", None); raises Invalid(reason)."""
    h = HASHES[v["hash"]]
    hlen = h().digest_size
    ems = bytes.fromhex(v["exporter_master_secret"])
    role = v["authenticator_role"]
    hc = exporter(h, v["protocol"], ems, f"EXPORTER-{role} authenticator handshake context".encode(), b"", hlen)
    fk = exporter(h, v["protocol"], ems, f"EXPORTER-{role} authenticator finished key".encode(), b"", hlen)
    expat = v.get("expat")
    cmw_type = expat["codepoint"] if expat else 0xFF00
    if v["request"] is not None:
        request = bytes.fromhex(v["request"])
        rtype, ctx, exts = parse_request(request)
        # A server answers a ClientCertificateRequest (17), a client a CertificateRequest (13).
        if (role == "server") != (rtype == 17):
            raise Invalid("wrong_request_type")
        offered_schemes = sig_algs(exts.get(0x000D, b"\x00\x00"))
        offered_types = set(exts)
        cmw_offered = cmw_type in exts and exts[cmw_type] == b""
    else:
        request, ctx = b"", bytes.fromhex(v["certificate_request_context"])
        offered_schemes = v["client_hello_signature_algorithms"]
        offered_types = set(v["client_hello_extensions"])
        cmw_offered = False
    msgs = handshake_messages(bytes.fromhex(v["authenticator"]))
    if len(msgs) == 1 and msgs[0][0] == 20:
        # Empty authenticator: MAC over the virtual Certificate with the context, no entries.
        body = bytes([len(ctx)]) + ctx + b"\x00\x00\x00"
        empty = b"\x0b" + len(body).to_bytes(3, "big") + body
        expected = hmac.new(fk, h(hc + request + empty).digest(), h).digest()
        if not hmac.compare_digest(expected, msgs[0][1]):
            raise Invalid("bad_finished")
        return "refused", None
    if [m[0] for m in msgs] != [11, 15, 20]:
        raise Invalid("decode_error")
    (_, cert_body, cert_raw), (_, cv_body, cv_raw), (_, fin_body, _) = msgs
    if len(fin_body) != hlen:
        raise Invalid("decode_error")
    r = Reader(cert_body)
    if r.vec(1) != ctx:
        raise Invalid("context_mismatch")
    entries_r = Reader(r.vec(3))
    if not r.done():
        raise Invalid("decode_error")
    entries = []
    while not entries_r.done():
        der = entries_r.vec(3)
        entries.append((der, extensions(entries_r.vec(2))))
    if not entries:
        raise Invalid("empty_certificate_list")
    cmw = None
    for i, (_, exts) in enumerate(entries):
        for t, data in exts:
            if t == cmw_type:
                if not cmw_offered:
                    raise Invalid("attestation_not_offered")
                if i != 0:
                    raise Invalid("attestation_not_on_first_entry")
                cmw = Reader(data).vec(2)
            elif t not in offered_types:
                raise Invalid("unsolicited_extension")
    r = Reader(cv_body)
    scheme = r.uint(2)
    signature = r.vec(2)
    if not r.done():
        raise Invalid("decode_error")
    if scheme not in offered_schemes:
        raise Invalid("signature_scheme_not_offered")
    leaf = x509.load_der_x509_certificate(entries[0][0])
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    content = b"\x20" * 64 + b"Exported Authenticator\x00" + h(hc + request + cert_raw).digest()
    verify_signature(scheme, spki, content, signature)
    expected = hmac.new(fk, h(hc + request + cert_raw + cv_raw).digest(), h).digest()
    if not hmac.compare_digest(expected, fin_body):
        raise Invalid("bad_finished")
    return "valid", {"spki": spki, "scheme": scheme, "ctx": ctx, "cmw": cmw, "h": h, "ems": ems}


def check_authenticator(v):
    try:
        outcome, d = validate_authenticator(v)
    except Invalid as e:
        if v["outcome"] != "invalid":
            return f"rejected ({e}) but the vector says {v['outcome']}"
        if e.args[0] != v.get("error"):
            return f"rejected with {e.args[0]}, the vector names {v.get('error')}"
        return None
    if outcome != v["outcome"]:
        return f"{outcome}, but the vector says {v['outcome']}"
    if outcome == "valid":
        if d["spki"].hex() != v["leaf_spki"] or d["scheme"] != v["signature_scheme"]:
            return "leaf_spki or signature_scheme differs"
        x = v.get("expat")
        if x:
            h = d["h"]
            exported = exporter(h, v["protocol"], d["ems"], x["label"].encode(), d["ctx"], 32)
            if exported.hex() != x["exported_value"]:
                return "exported_value differs"
            if h(d["spki"] + exported).hexdigest() != x["binding_value"]:
                return "binding_value differs"
            if h(d["spki"]).hexdigest() != x["aik_pub_hash"]:
                return "aik_pub_hash differs"
            if (d["cmw"].hex() if d["cmw"] is not None else None) != x["cmw"]:
                return "cmw differs"
    return None


# --- CMW (RFC 9999) with a small strict CBOR reader (RFC 8949: definite lengths, no duplicate
# keys, shortest integer forms, nothing left over) ---------------------------------------------

TN_MIN = 1668546817
TN_MAX = 1668612095


def cbor_item(r):
    ib = r.uint(1)
    major, info = ib >> 5, ib & 0x1F
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        arg = r.uint(n)
        if arg < (24 if n == 1 else 1 << (8 * n // 2)):
            raise Invalid("malformed_cmw")  # not the shortest form
    else:
        raise Invalid("malformed_cmw")  # indefinite lengths and reserved values
    if major == 0:
        return arg
    if major == 1:
        return -1 - arg
    if major == 2:
        return r.take(arg)
    if major == 3:
        return r.take(arg).decode()
    if major == 4:
        return [cbor_item(r) for _ in range(arg)]
    if major == 5:
        out = {}
        for _ in range(arg):
            k = cbor_item(r)
            if isinstance(k, (list, dict)) or k in out:
                raise Invalid("malformed_cmw")
            out[k] = cbor_item(r)
        return out
    if major == 6:
        return ("tag", arg, cbor_item(r))
    raise Invalid("malformed_cmw")


def cbor_decode(data):
    r = Reader(data)
    item = cbor_item(r)
    if not r.done():
        raise Invalid("malformed_cmw")
    return item


def cmw_from_cbor(item):
    if isinstance(item, list):
        if len(item) not in (2, 3):
            raise Invalid("malformed_cmw")
        typ, value = item[0], item[1]
        if isinstance(typ, int):
            if not 0 <= typ <= 0xFFFF:
                raise Invalid("malformed_cmw")
        elif not (isinstance(typ, str) and typ):
            raise Invalid("malformed_cmw")
        if not isinstance(value, bytes):
            raise Invalid("malformed_cmw")
        ind = item[2] if len(item) == 3 else None
        if ind is not None and (not isinstance(ind, int) or ind <= 0):
            raise Invalid("malformed_cmw")
        return {"type": typ, "value": value.hex(), "ind": ind}
    if isinstance(item, tuple):
        _, tag, content = item
        if not TN_MIN <= tag <= TN_MAX or not isinstance(content, bytes):
            raise Invalid("malformed_cmw")
        return {"tag": tag, "value": content.hex()}
    if isinstance(item, dict):
        ctype = item.get("__cmwc_t")
        entries = {k: v for k, v in item.items() if k != "__cmwc_t"}
        if not entries:
            raise Invalid("malformed_cmw")
        return {"collection_type": ctype, "items": {str(k): cmw_from_cbor(v) for k, v in entries.items()}}
    raise Invalid("malformed_cmw")


def b64u(text):
    if not isinstance(text, str) or "=" in text:
        raise Invalid("malformed_cmw")
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cmw_from_json(item):
    if isinstance(item, list):
        if len(item) not in (2, 3) or not isinstance(item[0], str) or not item[0]:
            raise Invalid("malformed_cmw")
        ind = item[2] if len(item) == 3 else None
        if ind is not None and (not isinstance(ind, int) or ind <= 0):
            raise Invalid("malformed_cmw")
        return {"type": item[0], "value": b64u(item[1]).hex(), "ind": ind}
    if isinstance(item, dict):
        ctype = item.get("__cmwc_t")
        entries = {k: v for k, v in item.items() if k != "__cmwc_t"}
        if not entries:
            raise Invalid("malformed_cmw")
        return {"collection_type": ctype, "items": {k: cmw_from_json(v) for k, v in entries.items()}}
    raise Invalid("malformed_cmw")


def check_cmw(v):
    data = bytes.fromhex(v["encoded"])
    try:
        if v["form"].startswith("json"):
            decoded = cmw_from_json(json.loads(data.decode()))
        else:
            decoded = cmw_from_cbor(cbor_decode(data))
    except (Invalid, ValueError, UnicodeDecodeError):
        return None if not v["valid"] else "rejected a valid CMW"
    if not v["valid"]:
        return "accepted an invalid CMW"
    return None if decoded == v["decoded"] else f"decoded differs: {decoded}"


CHECKS = {
    "cmw": check_cmw,
    "tls13-exporter": check_exporter,
    "ea-authenticator": check_authenticator,
}

# The kinds checked in their own modules (same directory, plain imports).
import early_kinds  # noqa: E402
import rats_kinds  # noqa: E402
import session_kinds  # noqa: E402

CHECKS.update(early_kinds.CHECKS)
CHECKS.update(rats_kinds.CHECKS)
CHECKS.update(session_kinds.CHECKS)


def main():
    root = Path(sys.argv[1])
    failures, counts = [], {}
    for path in sorted(root.rglob("*.json")):
        v = json.loads(path.read_text())
        check = CHECKS.get(v["kind"])
        if check is None:
            continue
        counts[v["kind"]] = counts.get(v["kind"], 0) + 1
        problem = check(v)
        if problem:
            failures.append(f"{path.relative_to(root)}: {problem}")
    checked = sum(counts.values())
    for f in failures:
        print(f"FAIL {f}")
    summary = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    print(f"check_vectors: {checked} vectors checked ({summary})")
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
