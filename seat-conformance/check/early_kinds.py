"""Independent checks of the early-attestation kinds: early-binder, early-extension and the
recorded OpenSSL sessions (early-session).

Imported by check_vectors.py; shares nothing with the Rust crates. Everything is recomputed
from the vector's own bytes with the Python standard library (hashlib, hmac), following
draft-fossati-seat-early-attestation as seat-conformance/vectors/README.md spells it out:

    th          = Transcript-Hash(ClientHello..ServerHello)   (RFC 8446 section 4.4.1: after a
                  HelloRetryRequest, ClientHello1 is replaced by fe 00 00 Hash.len || Hash(CH1))
    attest_base = HKDF-Expand-Label(Hash.len zero bytes, "attestation base", th, Hash.len)
    binder      = HKDF-Expand-Label(attest_base, "attestation", Hash(DER SPKI), Hash.len)

with the "dtls13" label prefix in DTLS 1.3.

For early-session it also opens each side's CMW and verifies what it carries (see
attested_cmw): the COSE_Sign1 Evidence (sim-tee/1 EAT) or Attestation Result (EAR) the
negotiated scheme calls for, its signature with the key the recording's `trust` names (the
attesting side's TEE attestation key, or the Verifier's EAR key), its nonce against the
recomputed binder, its key confirmation against the attesting certificate's SPKI, and the
Evidence against the recorded reference values (session_kinds.meets_reference), with
rats_kinds.py's EAT, sim-TEE and EAR rules and check_vectors.py's CMW decoders (cbor2 and
cryptography).
"""

import json

import cbor2

import rats_kinds
from common import HASHES, Invalid, Reader, hkdf_expand_label
from session_kinds import Fail, cv, meets_reference

HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
HRR_READING = "rfc8446-4.4.1"
MESSAGES = {1: "client_hello", 2: "server_hello", 8: "encrypted_extensions", 11: "certificate",
            13: "certificate_request", 15: "certificate_verify", 20: "finished"}
SUITES = {0x1301: ("TLS_AES_128_GCM_SHA256", "sha256"), 0x1302: ("TLS_AES_256_GCM_SHA384", "sha384"),
          0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "sha256")}


# --- the binder -----------------------------------------------------------------------------

def is_hrr(m):
    return m[:1] == b"\x02" and m[6:38] == HRR_RANDOM


def hello_shape(msgs):
    """None if msgs is exactly ClientHello..ServerHello (one HelloRetryRequest at most)."""
    for m in msgs:
        if len(m) < 4 or int.from_bytes(m[1:4], "big") != len(m) - 4:
            return "a message's length header is wrong"
    types = [m[0] for m in msgs]
    if types == [1, 2] and not is_hrr(msgs[1]):
        return None
    if types == [1, 2, 1, 2] and is_hrr(msgs[1]) and not is_hrr(msgs[3]):
        return None
    return f"not ClientHello..ServerHello: types {types}"


def transcript_hash(h, msgs):
    if len(msgs) >= 2 and is_hrr(msgs[1]):
        digest = h(msgs[0]).digest()
        msgs = [b"\xfe\x00\x00" + bytes([len(digest)]) + digest] + msgs[1:]
    return h(b"".join(msgs)).digest()


def attest_base(h, protocol, th):
    n = h().digest_size
    return hkdf_expand_label(h, b"\x00" * n, b"attestation base", th, n, protocol)


def binder(h, protocol, base, spki):
    n = h().digest_size
    return hkdf_expand_label(h, base, b"attestation", h(spki).digest(), n, protocol)


def check_early_binder(v):
    if v["hrr_reading"] != HRR_READING:
        return f"unknown hrr_reading {v['hrr_reading']}"
    h = HASHES[v["hash"]]
    msgs = [bytes.fromhex(m) for m in v["transcript"]]
    problem = hello_shape(msgs)
    if problem is None:
        th = transcript_hash(h, msgs)
        base = attest_base(h, v["protocol"], th)
        b = binder(h, v["protocol"], base, bytes.fromhex(v["spki"]))
        if b.hex() != v["binder"]:
            problem = "binder differs"
        elif base.hex() != v["attest_base"]:
            problem = "attest_base differs"
        elif th.hex() != v["transcript_hash"]:
            problem = "transcript_hash differs"
    if v["valid"]:
        return problem
    return None if problem else "accepted an invalid binder vector"


# --- remoteAttestation ----------------------------------------------------------------------

def scheme(r):
    mech = r.uint(1)
    if mech == 0:
        enc = r.uint(1)
        if enc == 0:
            return {"mechanism": "evidence", "content_format": r.uint(2)}
        if enc == 1:
            return {"mechanism": "evidence", "media_type": r.vec(2).decode()}
    elif mech == 1:
        return {"mechanism": "result", "verifier_identity": r.vec(2).hex()}
    raise Invalid("decode_error")


def decode_extension(message, data):
    """The decoded form of one remoteAttestation, or Invalid."""
    r = Reader(data)
    if message == "client_hello":
        lists = []
        for _ in range(2):
            lr = Reader(r.vec(2))
            items = []
            while not lr.done():
                items.append(scheme(lr))
            lists.append(items)
        if not lists[0] and not lists[1]:
            # Well-formed, but the offer must name at least one scheme (digest 2.1, 4.2).
            raise Invalid("empty_attestation_offer")
        decoded = {"server_attester_schemes": lists[0], "client_attester_schemes": lists[1]}
    elif message == "encrypted_extensions":
        decoded = {"chosen_server_scheme": scheme(r)}
    elif message == "certificate_request":
        decoded = {"chosen_client_scheme": scheme(r)}
    elif message == "certificate":
        cmw = r.vec(3)
        if not cmw:
            raise Invalid("decode_error")
        decoded = {"cmw": cmw.hex()}
    else:
        raise Invalid("unexpected_message")
    if not r.done():
        raise Invalid("decode_error")
    return decoded


def check_early_extension(v):
    try:
        decoded = decode_extension(v["message"], bytes.fromhex(v["extension_data"]))
    except Invalid:
        return None if not v["valid"] else "rejected a valid extension"
    if not v["valid"]:
        return "accepted an invalid extension"
    return None if decoded == v["decoded"] else "decoded differs"


# --- recorded sessions ----------------------------------------------------------------------

def der(data, pos):
    """One DER TLV at pos: (tag, value start, end)."""
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + length


def spki_of(cert):
    """The subjectPublicKeyInfo bytes exactly as the certificate carries them (A4)."""
    _, tbs, _ = der(cert, 0)
    _, p, _ = der(cert, tbs)
    if cert[p] == 0xA0:  # [0] version
        p = der(cert, p)[2]
    for _ in range(5):  # serialNumber, signature, issuer, validity, subject
        p = der(cert, p)[2]
    tag, _, end = der(cert, p)
    if tag != 0x30:
        raise Invalid("bad_certificate")
    return cert[p:end]


def extension_block(data, cp):
    r, found, seen = Reader(data), None, set()
    while not r.done():
        t, d = r.uint(2), r.vec(2)
        if t in seen:
            raise Invalid("duplicate_extension")
        seen.add(t)
        if t == cp:
            found = d
    return found


def remote_attestation_in(msg, cp):
    """(remoteAttestation extension_data or None, end-entity certificate or None)."""
    t, body = msg[0], Reader(msg[4:])
    if t == 1:
        version = body.uint(2)
        body.take(32)
        body.vec(1)
        if version == 0xFEFD:
            body.vec(1)
        body.vec(2)
        body.vec(1)
        return extension_block(body.vec(2), cp), None
    if t == 8:
        return extension_block(body.vec(2), cp), None
    if t == 13:
        body.vec(1)
        return extension_block(body.vec(2), cp), None
    if t == 11:
        body.vec(1)
        entries, first, cert = Reader(body.vec(3)), None, None
        index = 0
        while not entries.done():
            c = entries.vec(3)
            found = extension_block(entries.vec(2), cp)
            if index == 0:
                first, cert = found, c
            elif found is not None:
                raise Invalid("attestation_not_on_first_entry")
            index += 1
        return first, cert
    return None, None


def first_acceptable(offered, accepted):
    """Ambiguity A14: the first scheme in the client's order that the server accepts."""
    return next((s for s in offered if s in accepted), None)


def check_early_session(v):
    h = HASHES[v["hash"]]
    cp = v["codepoint"]
    msgs = [(m["from"], bytes.fromhex(m["message"]), m["type"]) for m in v["messages"]]
    for _, m, t in msgs:
        if MESSAGES.get(m[0]) != t or int.from_bytes(m[1:4], "big") != len(m) - 4:
            return f"message {t} is malformed"

    # ClientHello..ServerHello, the suite, th and attest_base.
    hello = []
    for _, m, _ in msgs:
        if m[0] in (1, 2):
            hello.append(m)
            if m[0] == 2 and not is_hrr(m):
                break
    if [x.hex() for x in hello] != v["transcript"]:
        return "transcript is not ClientHello..ServerHello of the messages"
    problem = hello_shape(hello)
    if problem:
        return problem
    if v["hrr"] != (len(hello) == 4):
        return "hrr differs"
    sh = hello[-1]
    sid = sh[38]
    suite = int.from_bytes(sh[39 + sid:41 + sid], "big")
    if SUITES.get(suite) != (v["cipher_suite"], v["hash"]):
        return f"suite {suite:#06x} is not {v['cipher_suite']}/{v['hash']}"
    th = transcript_hash(h, hello)
    base = attest_base(h, "tls13", th)
    if th.hex() != v["transcript_hash"] or base.hex() != v["attest_base"]:
        return "transcript_hash or attest_base differs"

    # Every remoteAttestation, the certificates and the CMWs.
    found, certs, cmws = [], {}, {}
    try:
        for i, (frm, m, t) in enumerate(msgs):
            data, cert = remote_attestation_in(m, cp)
            if cert is not None:
                certs[frm] = cert
            if data is not None:
                decoded = decode_extension(t, data)
                found.append({"index": i, "from": frm, "message": t, "extension_data": data.hex(),
                              "decoded": decoded})
                if t == "certificate":
                    cmws[frm] = decoded["cmw"]
    except Invalid as e:
        return f"a recorded extension does not decode: {e}"
    if found != v["extensions"]:
        return "extensions differ from those in the messages"
    for side in ("server", "client"):
        if cmws.get(side) != v[f"{side}_cmw"]:
            return f"{side}_cmw differs"
        spki = spki_of(certs[side]).hex() if side in certs else None
        if spki != v[f"{side}_spki"]:
            return f"{side}_spki differs"

    # The negotiation (A14) as each message shows it, and as each side reported it.
    offers = [e["extension_data"] for e in found if e["message"] == "client_hello"]
    if len(set(offers)) != 1:
        return "ClientHello2 changed the offer"
    offer = next(e["decoded"] for e in found if e["message"] == "client_hello")
    cc, sc = v["client_config"], v["server_config"]
    if offer != {"server_attester_schemes": cc["server_attester_schemes"],
                 "client_attester_schemes": cc["client_attester_schemes"]}:
        return "the offer is not the client's configuration"
    chosen_server = first_acceptable(offer["server_attester_schemes"], sc["attest_with"])
    chosen_client = first_acceptable(offer["client_attester_schemes"], sc["accept_from_client"])
    ee = next((e["decoded"]["chosen_server_scheme"] for e in found
               if e["message"] == "encrypted_extensions"), None)
    cr = next((e["decoded"]["chosen_client_scheme"] for e in found
               if e["message"] == "certificate_request"), None)
    if (ee, cr) != (chosen_server, chosen_client):
        return "EncryptedExtensions/CertificateRequest do not carry the A14 choices"
    for side in ("client", "server"):
        if (v[side]["server_scheme"], v[side]["client_scheme"]) != (chosen_server, chosen_client):
            return f"{side} reported other schemes"
    if (chosen_server is None) != (v["server_cmw"] is None) or \
            (chosen_client is None) != (v["client_cmw"] is None):
        return "a CMW is missing or unsolicited"

    # The binders, recomputed here from the recorded bytes, against what each side computed.
    def expected(side):
        if v[f"{side}_cmw"] is None:
            return None
        return binder(h, "tls13", base, bytes.fromhex(v[f"{side}_spki"])).hex()

    s_binder, c_binder = expected("server"), expected("client")
    checks = [
        ("s_attest_binder", v["s_attest_binder"], s_binder),
        ("client's peer_binder", v["client"]["peer_binder"], s_binder),
        ("server's own_binder", v["server"]["own_binder"], s_binder),
        ("c_attest_binder", v["c_attest_binder"], c_binder),
        ("client's own_binder", v["client"]["own_binder"], c_binder),
        ("server's peer_binder", v["server"]["peer_binder"], c_binder),
    ]
    for what, recorded, mine in checks:
        if recorded != mine:
            return f"{what} differs from the recomputation"
    # Each CMW opened: the Evidence or Attestation Result its scheme calls for, signed by the
    # recorded TEE or Verifier key, bound to the recomputed binder and to the attesting
    # certificate's key, appraised against the recorded reference values.
    for side, chosen, b, verifier in (("server", chosen_server, s_binder, "client"),
                                      ("client", chosen_client, c_binder, "server")):
        if b is None:
            continue
        problem = attested_cmw(bytes.fromhex(v[f"{side}_cmw"]), chosen, bytes.fromhex(b),
                               h(bytes.fromhex(v[f"{side}_spki"])).digest(),
                               v[verifier]["peer_attested"], v["trust"], side)
        if problem:
            return f"the {side} CMW: {problem}"
    # Each CMW carries its binder (as the Evidence's nonce): its bytes appear in the CMW.
    for side, b in (("server", s_binder), ("client", c_binder)):
        if b is not None and bytes.fromhex(b) not in bytes.fromhex(v[f"{side}_cmw"]):
            return f"the {side} CMW does not carry the binder"
    if v["client"]["peer_attested"] != (chosen_server is not None) or \
            v["server"]["peer_attested"] != (chosen_client is not None):
        return "peer_attested differs"
    return None


# --- what each CMW carries ------------------------------------------------------------------
#
# The recording's `trust` names the keys: each simulated TEE's attestation key with the side it
# attests (trust.verifier.attestation_keys) and the Verifier's EAR-signing key
# (trust.verifier.spki). Evidence is verified with the attesting side's TEE key (its `kid` must
# be SHA-256 of that key, sim-tee/1) and appraised against trust.verifier.reference_values; an
# EAR is verified with the Verifier's key, and must name the recorded Verifier.

COSE_NAMES = {-7: "ES256", -35: "ES384", -8: "EdDSA"}


def trusted_open(token, spki, what):
    """Verifies the COSE_Sign1 `token` with the recorded key `spki` (the algorithm its header
    names must fit the key); returns rats_kinds.cose_open's parts."""
    _, _, prot, _, _, _ = rats_kinds.cose_decode(token)
    alg = COSE_NAMES.get(prot.get(1))
    if alg is None:
        raise Invalid(f"{what} COSE alg {prot.get(1)!r}")
    try:
        return rats_kinds.cose_open(alg, spki, token, b"", None)
    except rats_kinds.Invalid as e:
        raise Invalid(f"{what} does not verify with the recorded key ({e})")


def tee_key(trust, side):
    """The recorded attestation key of `side`'s simulated TEE."""
    keys = [k for k in trust["verifier"]["attestation_keys"] if k["side"] == side]
    if len(keys) != 1:
        raise Invalid(f"trust has not exactly one {side} attestation key")
    return bytes.fromhex(keys[0]["spki"])


def decode_cmw(data):
    """The CMW in either serialization (CBOR or JSON), decoded as check_vectors.py does."""
    c = cv()
    try:
        return c.cmw_from_cbor(c.cbor_decode(data))
    except (c.Invalid, ValueError, UnicodeDecodeError):
        return c.cmw_from_json(json.loads(data.decode()))


def cmw_record(decoded, ind):
    """The record of a decoded CMW with indicator `ind` (the record itself or the only such
    item of a collection)."""
    if "type" in decoded:
        records = [decoded]
    elif "items" in decoded:
        records = [x for x in decoded["items"].values() if "type" in x]
    else:
        raise Invalid("the CMW is a CBOR tag, not a record")
    records = [x for x in records if x["ind"] == ind]
    if len(records) != 1:
        raise Invalid(f"the CMW has not exactly one record with ind {ind}")
    return records[0]


def media_type_fits(cmw_type, scheme, profile):
    """The record's type is the scheme's media type (or Content-Format), and an eat_profile
    parameter, when it names one, is the token's profile."""
    if "content_format" in scheme:
        return cmw_type == scheme["content_format"]
    if not isinstance(cmw_type, str):
        return False
    base, *params = [x.strip() for x in cmw_type.split(";")]
    if base.lower() != scheme.get("media_type", "application/eat+cwt").lower():
        return False
    for param in params:
        k, _, val = param.partition("=")
        if k.strip().lower() == "eat_profile" and val.strip().strip('"') != profile:
            return False
    return True


def attested_cmw(cmw_bytes, scheme, binder_bytes, aik, peer_attested, trust, side):
    """Opens `side`'s CMW as its negotiated scheme says and checks what it carries against the
    recorded `trust`:
    evidence: a sim-tee/1 EAT (COSE_Sign1, ind 4) signed by `side`'s recorded TEE key (kid =
    SHA-256 of it), eat_nonce the binder, cnf {3: aik}, and accepted by the peer exactly when it
    meets the recorded reference values;
    result: an EAR (COSE_Sign1 CWT, ind 8) from the scheme's Verifier, which must be the
    recorded one, signed by its recorded key, naming its verifier-id, with one submodule whose
    eat_nonce is the binder and cnf {3: aik}, reaching the recorded tier when the peer accepted
    it. Returns None or the problem."""
    evidence = scheme["mechanism"] == "evidence"
    v = trust["verifier"]
    try:
        record = cmw_record(decode_cmw(cmw_bytes), 4 if evidence else 8)
        token = bytes.fromhex(record["value"])
        if evidence:
            spki = tee_key(trust, side)
            tagging, prot, unprot, payload = trusted_open(token, spki, "Evidence")
            if unprot.get(4) != HASHES["sha256"](spki).digest():
                raise Invalid("Evidence kid is not SHA-256 of the recorded TEE key")
            claims, _ = rats_kinds.eat_claims(payload)
            if claims.get(265) != rats_kinds.SIM_PROFILE:
                raise Invalid(f"Evidence profile {claims.get(265)!r} is not sim-tee/1")
            rats_kinds.sim_profile(tagging, prot, unprot, spki, claims)
            where, profile = claims, claims[265]
            if meets_reference(claims, trust) != peer_attested:
                raise Invalid("the peer's verdict is not what the reference values give")
        else:
            if scheme["verifier_identity"] != v["identity"]:
                raise Invalid("the scheme names a Verifier other than the recorded one")
            _, _, _, payload = trusted_open(token, bytes.fromhex(v["spki"]), "EAR")
            ear = rats_kinds.strict(payload)
            out = rats_kinds.ear_claims(ear, cbor=True)
            if 4 in ear and ear[4] < ear[6]:
                raise Invalid("EAR expires before it was issued")
            if ear.get(1004) != {0: v["verifier_id"]["developer"], 1: v["verifier_id"]["build"]}:
                raise Invalid("EAR verifier-id is not the recorded Verifier's")
            if len(ear[266]) != 1:
                raise Invalid("EAR has not exactly one submodule")
            (where,) = ear[266].values()
            profile = out["eat_profile"]
            required = trust["relying_party"]["required_tier"]
            reached = {"affirming": {2}, "warning": {2, 32}}[required]
            if peer_attested and not ({ear.get(1000, 2), where[1000]} <= reached):
                raise Invalid(f"the peer accepted an EAR that is not {required}")
        if not media_type_fits(record["type"], scheme, profile):
            raise Invalid(f"CMW type {record['type']!r} is not the scheme's")
        what = "Evidence" if evidence else "EAR"
        if where.get(10) != binder_bytes:
            raise Invalid(f"{what} eat_nonce is not the recomputed binder")
        if where.get(8) != {3: aik}:
            raise Invalid(f"{what} cnf is not {{3: Hash(attesting SPKI)}}")
    except (Invalid, Fail, rats_kinds.Invalid, cv().Invalid, cbor2.CBORDecodeError, ValueError,
            KeyError, TypeError, IndexError, AttributeError) as e:
        return f"{type(e).__name__}: {e}"
    return None


CHECKS = {
    "early-binder": check_early_binder,
    "early-extension": check_early_extension,
    "early-session": check_early_session,
}
