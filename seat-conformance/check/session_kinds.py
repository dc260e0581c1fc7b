"""Independent checks of the recorded `session` vectors.

Imported by check_vectors.py; shares nothing with the Rust crates. For every recording it
parses the shim frames each way (seat shim framing v1), recomputes every exporter from the key
log's EXPORTER_SECRET, validates every authenticator (RFC 9261: CertificateVerify signature,
Finished MAC, or the MAC of an empty authenticator), recomputes the expat binder and AIK hash,
decodes each CMW and the Evidence or Attestation Result inside it (COSE_Sign1 signature,
nonce, key confirmation, measurements against the reference values, EAR status; TDX quotes
and SNP reports in the tsm-report CMW through platform_evidence.py), and checks
the recorded Evidence requests, appraisals, verdicts, events, error frames and delivered data
against what the frames say.
"""

import hashlib

import cbor2

import platform_evidence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

HELLO, REQUEST, AUTHENTICATOR, ERROR, DATA = 1, 2, 3, 4, 5
MODEL_NAMES = {1: "background-check", 2: "passport"}
TIERS = {2: "affirming", 32: "warning", 96: "contraindicated"}


class Fail(Exception):
    pass


def cv():
    # Imported here: check_vectors imports this module at its top level.
    import check_vectors
    return check_vectors


def parse_frames(stream):
    """Splits one direction's byte stream into (type, payload, raw) frames."""
    out, pos = [], 0
    while pos < len(stream):
        if pos + 4 > len(stream):
            raise Fail("a truncated frame header")
        t = stream[pos]
        n = int.from_bytes(stream[pos + 1:pos + 4], "big")
        if t not in (HELLO, REQUEST, AUTHENTICATOR, ERROR, DATA) or n > 512 * 1024:
            raise Fail(f"frame type {t} or length {n} out of range")
        if pos + 4 + n > len(stream):
            raise Fail("a truncated frame")
        out.append((t, stream[pos + 4:pos + 4 + n], stream[pos:pos + 4 + n]))
        pos += 4 + n
    return out


def parse_hello(p):
    if len(p) < 7 or len(p) != 7 + p[6] or p[6] == 0:
        raise Fail("malformed hello")
    return {"version": p[0], "attests": p[1], "requires": p[2], "cmw_forms": p[3],
            "cmw_attestation": int.from_bytes(p[4:6], "big"), "label": p[7:].decode()}


def cose_verify(data, spki, what):
    """Verifies a tagged COSE_Sign1 (ES256, ES384 or EdDSA); returns (protected, unprotected, payload)."""
    msg = cbor2.loads(data)
    if not (isinstance(msg, cbor2.CBORTag) and msg.tag == 18 and len(msg.value) == 4):
        raise Fail(f"{what}: not a tagged COSE_Sign1")
    protected_raw, unprotected, payload, signature = msg.value
    protected = cbor2.loads(protected_raw) if protected_raw else {}
    alg = protected.get(1)
    sig_structure = encode_cbor(["Signature1", protected_raw, b"", payload])
    key = serialization.load_der_public_key(spki)
    try:
        if alg in (-7, -35):
            h = hashes.SHA256() if alg == -7 else hashes.SHA384()
            half = len(signature) // 2
            der = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                       int.from_bytes(signature[half:], "big"))
            key.verify(der, sig_structure, ec.ECDSA(h))
        elif alg == -8 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, sig_structure)
        else:
            raise Fail(f"{what}: COSE alg {alg}")
    except InvalidSignature:
        raise Fail(f"{what}: bad COSE signature")
    return protected, unprotected, payload


def encode_cbor(item):
    """The few CBOR encodings a Sig_structure needs (RFC 8949 preferred serialisation)."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
        raise Fail("too long")
    if isinstance(item, bytes):
        return head(2, len(item)) + item
    if isinstance(item, str):
        b = item.encode()
        return head(3, len(b)) + b
    if isinstance(item, list):
        return head(4, len(item)) + b"".join(encode_cbor(x) for x in item)
    raise Fail("unsupported CBOR item")


def unwrap_cmw(cmw_bytes):
    """Decodes the CMW: a CBOR record [media type, bytes, ind]."""
    c = cv()
    decoded = c.cmw_from_cbor(c.cbor_decode(cmw_bytes))
    if "ind" not in decoded or not isinstance(decoded["type"], str):
        raise Fail("the CMW is not a CBOR record with a media type")
    return decoded["type"], bytes.fromhex(decoded["value"]), decoded["ind"]


def appraise_evidence(token, tee, binder, aik, now, trust):
    """Checks sim-TEE Evidence (EAT in COSE_Sign1); returns whether the policy accepts it."""
    spki = bytes.fromhex(tee["attestation_key_spki"])
    _, unprotected, payload = cose_verify(token, spki, "Evidence")
    if unprotected.get(4) != hashlib.sha256(spki).digest():
        raise Fail("Evidence kid is not SHA-256 of the attestation key")
    claims = cbor2.loads(payload)
    if claims.get(10) != binder:
        raise Fail("Evidence eat_nonce is not the binder")
    if claims.get(8) != {3: aik}:
        raise Fail("Evidence cnf is not the AIK hash")
    if claims.get(6) != now:
        raise Fail("Evidence iat is not the recorded now")
    return meets_reference(claims, trust)


def meets_reference(claims, trust):
    """Whether sim-TEE Evidence claims (CBOR keys) satisfy the recorded Verifier's reference
    values and policy: every reference measurement, swname, swversion, debug status and
    secure boot."""
    measurements = claims[273]
    if len(measurements) != 1 or measurements[0][0] != 60:
        raise Fail("Evidence measurements are not one application/cbor entry")
    got = cbor2.loads(measurements[0][1])
    v = trust["verifier"]
    rv = v["reference_values"]
    want = {m["name"]: bytes.fromhex(m["digest"]) for m in rv["measurements"]}
    return (all(got.get(k) == d for k, d in want.items())
            and claims.get(270) == rv["swname"] and claims.get(271) == [rv["swversion"]]
            and claims.get(263, 0) >= v["min_dbgstat"]
            and (claims.get(262) is True or not v["require_secure_boot"]))


def tee_matches(tee, trust):
    """Whether a TEE configured so reports what the Verifier's reference values expect."""
    v = trust["verifier"]
    rv = v["reference_values"]
    got = {m["name"]: m["digest"] for m in tee["measurements"]}
    return (all(got.get(m["name"]) == m["digest"] for m in rv["measurements"])
            and tee["swname"] == rv["swname"] and tee["swversion"] == rv["swversion"]
            and tee["dbgstat"] >= v["min_dbgstat"]
            and (tee["secure_boot"] or not v["require_secure_boot"]))


def appraise_result(token, binder, aik, now, trust):
    """Checks an EAR (CWT) from the recorded Verifier; returns whether it reaches the tier."""
    spki = bytes.fromhex(trust["verifier"]["spki"])
    _, _, payload = cose_verify(token, spki, "Attestation Result")
    ear = cbor2.loads(payload)
    if ear.get(6) != now:
        raise Fail("EAR iat is not the recorded now")
    subs = ear[266]
    if len(subs) != 1:
        raise Fail("EAR has not one submodule")
    (sub,) = subs.values()
    if sub.get(10) != binder:
        raise Fail("EAR eat_nonce is not the binder")
    if sub.get(8) != {3: aik}:
        raise Fail("EAR cnf is not the AIK hash")
    return TIERS.get(ear.get(1000)) == trust["relying_party"]["required_tier"]


def check_side_credential(side, leaf_der, anchors):
    """The authenticator's leaf is the side's recorded credential, trusted as configured."""
    cred = side["credential"]
    if cred is None:
        raise Fail("an authenticator from a side with no credential")
    if cred["chain"][0] != leaf_der.hex():
        raise Fail("the authenticator's leaf is not the recorded credential")
    leaf = x509.load_der_x509_certificate(leaf_der)
    if cred["kind"] == "fixed":
        key = serialization.load_der_private_key(bytes.fromhex(cred["pkcs8"]), None)
        pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        leaf_pub = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        if pub != leaf_pub:
            raise Fail("the credential's key does not match its certificate")
    if anchors is None:
        issuer_key = leaf.public_key()  # self-signed
    else:
        issuer_key = x509.load_der_x509_certificate(anchors[0]).public_key()
    try:
        if isinstance(issuer_key, ed25519.Ed25519PublicKey):
            issuer_key.verify(leaf.signature, leaf.tbs_certificate_bytes)
        else:
            issuer_key.verify(leaf.signature, leaf.tbs_certificate_bytes,
                              ec.ECDSA(leaf.signature_hash_algorithm))
    except InvalidSignature:
        raise Fail("the credential certificate's signature does not verify")


SUITES = {  # TLS 1.3 cipher suite: (AEAD, key length)
    "TLS13_AES_128_GCM_SHA256": (AESGCM, 16),
    "TLS13_AES_256_GCM_SHA384": (AESGCM, 32),
    "TLS13_CHACHA20_POLY1305_SHA256": (ChaCha20Poly1305, 32),
}


def tls_plaintext(v, who, c):
    """Decrypts the TLS 1.3 records `who` wrote after the handshake with its application
    traffic secret from the key log (RFC 8446 sections 5.2, 5.3 and 7.3); returns the
    application data they carry, in order."""
    h = c.HASHES[v["hash"]]
    aead, key_len = SUITES[v["cipher_suite"]]
    secret = bytes.fromhex(v["keylog"][f"{who.upper()}_TRAFFIC_SECRET_0"])
    key = c.hkdf_expand_label(h, secret, b"key", b"", key_len, "tls13")
    iv = c.hkdf_expand_label(h, secret, b"iv", b"", 12, "tls13")
    out, seq = b"", 0
    for r in v["tls_records"]:
        if r["from"] != who:
            continue
        record = bytes.fromhex(r["record"])
        header, body = record[:5], record[5:]
        if header[0] != 23 or int.from_bytes(header[3:5], "big") != len(body):
            raise Fail(f"{who}: a record that is not a whole encrypted record")
        nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
        try:
            inner = aead(key).decrypt(nonce, body, header)
        except Exception:
            raise Fail(f"{who}: record {seq} does not decrypt with the key log's traffic secret")
        inner = inner.rstrip(b"\x00")
        if not inner or inner[-1] != 23:
            raise Fail(f"{who}: record {seq} is not application data")
        out += inner[:-1]
        seq += 1
    return out


def check_session(v):
    c = cv()
    try:
        return run_checks(v, c)
    except (Fail, c.Invalid, KeyError, ValueError, TypeError, IndexError) as e:
        return f"{type(e).__name__}: {e}"


def run_checks(v, c):
    h = c.HASHES[v["hash"]]
    protocol = v["protocol"]
    ems = bytes.fromhex(v["keylog"]["EXPORTER_SECRET"])
    if len(ems) != h().digest_size:
        raise Fail("EXPORTER_SECRET is not Hash.length bytes")
    now, trust = v["now"], v["trust"]
    sides = {"client": v["client"], "server": v["server"]}
    peer = {"client": "server", "server": "client"}
    streams = {s: b"" for s in sides}
    for f in v["frames"]:
        streams[f["from"]] += bytes.fromhex(f["frame"])
    frames = {s: parse_frames(streams[s]) for s in sides}
    # The frames are exactly what crossed the real TLS connection. A `dtls-session`
    # recording keeps no TLS records (its frames crossed no DTLS records: see the README),
    # so this one check is skipped for it; everything below applies as is, with the
    # "dtls13" label prefix in every exporter.
    if v["kind"] == "session":
        for s in sides:
            if tls_plaintext(v, s, c) != streams[s]:
                raise Fail(f"{s}: the decrypted TLS records are not the recorded frames")
    elif "tls_records" in v:
        raise Fail("a dtls-session recording with TLS records")
    # Every recorded frame is exactly one frame.
    for f in v["frames"]:
        if len(parse_frames(bytes.fromhex(f["frame"]))) != 1:
            raise Fail("a recorded frame is not exactly one shim frame")

    # Each side received a prefix of the peer's stream, in the recorded chunks.
    for s, side in sides.items():
        got = sum(i["length"] for i in side["inputs"] if i["input"] == "received")
        if got > len(streams[peer[s]]):
            raise Fail(f"{s} received more than the {peer[s]} sent")

    # Hello: first, once, and saying what the side's configuration says.
    for s, side in sides.items():
        fs = frames[s]
        if not fs or fs[0][0] != HELLO or sum(1 for f in fs if f[0] == HELLO) != 1:
            raise Fail(f"{s}: hello is not the first and only hello")
        hello = parse_hello(fs[0][1])
        want = {"version": 1, "attests": side["attests"], "requires": side["requires"],
                "cmw_forms": side["cmw_forms"], "cmw_attestation": side["cmw_attestation"],
                "label": side["label"]}
        if hello != want:
            raise Fail(f"{s}: hello {hello} differs from the configuration {want}")

    # Requests: the right message type for the requester, unique 32-byte contexts.
    requests, contexts = {}, set()
    for s in sides:
        for t, p, _ in frames[s]:
            if t != REQUEST:
                continue
            exchange, message = int.from_bytes(p[:4], "big"), p[4:]
            rtype, ctx, exts = c.parse_request(message)
            if rtype != (13 if s == "server" else 17):
                raise Fail(f"{s} sent request type {rtype}")
            if len(ctx) != 32 or ctx in contexts:
                raise Fail("a request context that is not 32 bytes or not unique")
            if sides[s]["cmw_attestation"] not in exts:
                raise Fail("a request that does not offer cmw_attestation")
            contexts.add(ctx)
            requests[(s, exchange)] = (message, ctx)

    # Authenticators: RFC 9261 validity, then the expat binder and the CMW.
    evidence_seen = {s: [] for s in sides}
    appraisals_seen = {s: [] for s in sides}
    outcomes = 0
    for s, side in sides.items():
        requester = peer[s]
        for t, p, _ in frames[s]:
            if t != AUTHENTICATOR:
                continue
            exchange, auth = int.from_bytes(p[:4], "big"), p[4:]
            if (requester, exchange) not in requests:
                raise Fail(f"{s} answered exchange {exchange}, never requested")
            message, ctx = requests[(requester, exchange)]
            outcome, d = c.validate_authenticator({
                "hash": v["hash"], "protocol": protocol, "exporter_master_secret": ems.hex(),
                "authenticator_role": s, "request": message.hex(), "authenticator": auth.hex(),
                "certificate_request_context": ctx.hex(),
                "expat": {"codepoint": side["cmw_attestation"]},
            })
            outcomes += 1
            if outcome == "refused":
                evidence_seen[s].append(("incoming", exchange, None))
                continue
            leaf_der = c.handshake_messages(auth)[0][1]
            # Certificate body: context<1>, entries<3>: cert_data<3> first.
            r = c.Reader(leaf_der)
            r.vec(1)
            er = c.Reader(r.vec(3))
            leaf_der = er.vec(3)
            verifier = sides[requester]["chain_verifier"]
            anchors = ([bytes.fromhex(a) for a in verifier["anchors"]]
                       if verifier["kind"] == "webpki" else None)
            check_side_credential(side, leaf_der, anchors)
            exported = c.exporter(h, protocol, ems, side["label"].encode(), ctx, 32)
            binder = h(d["spki"] + exported).digest()
            aik = h(d["spki"]).digest()
            if d["cmw"] is None:
                raise Fail(f"{s}: an authenticator without a CMW")
            media, token, ind = unwrap_cmw(d["cmw"])
            if ind == 4 and "platform" in side["tee"]:
                try:
                    accepted = platform_evidence.appraise_platform(
                        media, token, side["tee"], binder, aik, now, trust)
                except platform_evidence.Fail as e:
                    raise Fail(f"{s}: platform Evidence: {e}") from None
                model = "background-check"
            elif ind == 4:
                accepted = appraise_evidence(token, side["tee"], binder, aik, now, trust)
                model = "background-check"
            elif ind == 8:
                accepted = appraise_result(token, binder, aik, now, trust)
                # The attester's TEE state predicts the Result's status.
                if accepted != tee_matches(side["tee"], trust):
                    raise Fail(f"{s}: the passport's status does not follow from its TEE state")
                model = "passport"
            else:
                raise Fail(f"CMW ind {ind}")
            evidence_seen[s].append(("incoming", exchange, (binder, aik, d["cmw"], model)))
            appraisals_seen[requester].append((exchange, binder, aik, accepted))

    # The recorded Evidence requests and appraisals are what the frames imply.
    for s, side in sides.items():
        want = []
        for _, exchange, x in evidence_seen[s]:
            if x is None:
                continue
            binder, aik, cmw, model = x
            want.append({"exchange": f"incoming {exchange}", "model": model, "binder": binder.hex(),
                         "aik_pub_hash": aik.hex(), "cmw": cmw.hex()})
        got = [e for e in side["evidence"] if e["cmw"] is not None]
        if got != want:
            raise Fail(f"{s}: recorded evidence differs from the authenticators")
        for e in side["evidence"]:
            if e["cmw"] is None and not side["decline"]:
                raise Fail(f"{s}: declined without being configured to")
            # Every Evidence request, declined ones included, carries the binder of this
            # side's credential and the request's context.
            exchange = int(e["exchange"].split()[1])
            _, ctx = requests[(peer[s], exchange)]
            leaf = x509.load_der_x509_certificate(bytes.fromhex(side["credential"]["chain"][0]))
            spki = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
            exported = c.exporter(h, protocol, ems, side["label"].encode(), ctx, 32)
            if e["binder"] != h(spki + exported).hexdigest() or e["aik_pub_hash"] != h(spki).hexdigest():
                raise Fail(f"{s}: an Evidence request's binder or AIK hash is not recomputed")
        got = [(a["exchange"], a["binder"], a["aik_pub_hash"], a["verdict"]) for a in side["appraisals"]]
        want = [(f"outgoing {e}", b.hex(), a.hex(), "accepted" if ok else "rejected")
                for e, b, a, ok in appraisals_seen[s]]
        if got != want:
            raise Fail(f"{s}: recorded appraisals {got} differ from the recomputed verdicts {want}")

    # Error frames carry the sender's failure; data frames are what the peer delivered.
    for s, side in sides.items():
        failed = [e for e in side["events"] if e["event"] == "failed"]
        errors = [p for t, p, _ in frames[s] if t == ERROR]
        for p in errors:
            alert, reason, n = p[0], int.from_bytes(p[1:3], "big"), p[3]
            detail = p[4:4 + n].decode()
            if len(p) != 4 + n or not failed or (failed[0]["alert"], failed[0]["reason"], failed[0]["detail"][:255]) != (alert, reason, detail):
                raise Fail(f"{s}: the error frame does not carry its failure")
        data = b"".join(p for t, p, _ in frames[s] if t == DATA)
        if bytes.fromhex(sides[peer[s]]["delivered"]) != data:
            raise Fail(f"{peer[s]} delivered other bytes than {s} sent")
        if any(t == DATA for t, _, _ in frames[s]) and not any(e["event"] == "open" for e in side["events"]):
            raise Fail(f"{s} sent data before its gate opened")

    # The outcome: valid sessions open both gates; invalid ones fail with the named error.
    opened = all(any(e["event"] == "open" for e in side["events"]) for side in sides.values())
    failures = [e["error"] for side in sides.values() for e in side["events"] if e["event"] == "failed"]
    if v["valid"]:
        if not opened or failures:
            raise Fail("valid, but a gate stayed closed or a side failed")
        if any(a[3] is False for s in sides for a in appraisals_seen[s]):
            raise Fail("valid, but an appraisal rejects")
    else:
        if v["error"] not in failures:
            raise Fail(f"no side failed with {v['error']}")
        if v["error"] == "attestation_rejected" and not any(a[3] is False for s in sides for a in appraisals_seen[s]):
            raise Fail("rejected, but every recomputed appraisal accepts")
    if outcomes == 0:
        raise Fail("no authenticator in the recording")
    return None


CHECKS = {"session": check_session, "dtls-session": check_session}
