"""Independent checks of the cose-sign1, eat and ear vector kinds.

Imported by check_vectors.py; shares nothing with the Rust crates. COSE_Sign1 (RFC 9052), EAT
claims-sets (RFC 9711), the simulated TEE's profile (sim-tee/1) and EAR (draft-ietf-rats-ear-03
with AR4SI trust tiers) are decoded with `cbor2` after a strict well-formedness pass of our own
(definite lengths, preferred integer and length heads, no duplicate map keys, nothing after the
item), JWTs with the standard library's base64 and json; signatures are verified with
`cryptography`. Every failure is named as seat-conformance/vectors/README.md names it, and the
name is compared with the vector's `error`.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


class Invalid(Exception):
    """The input is refused, for the reason named."""


# --- Strict CBOR ----------------------------------------------------------------------------

def _head(data, pos):
    """(major, argument or None for indefinite, next position)."""
    if pos >= len(data):
        raise Invalid("unexpected_end")
    ib = data[pos]
    major, ai = ib >> 5, ib & 0x1F
    pos += 1
    if ai < 24:
        return major, ai, pos
    if ai in (24, 25, 26, 27):
        n = 1 << (ai - 24)
        if pos + n > len(data):
            raise Invalid("unexpected_end")
        arg = int.from_bytes(data[pos:pos + n], "big")
        if major == 7:
            if ai == 24 and arg < 32:
                raise Invalid("non_preferred")
        elif arg < (24 if n == 1 else 1 << (8 * n // 2)):
            raise Invalid("non_preferred")
        return major, arg, pos + n
    if ai == 31 and major in (2, 3, 4, 5):
        raise Invalid("indefinite")
    raise Invalid("malformed")


def _skip(data, pos, depth=0):
    """Checks one item strictly; returns the position after it."""
    if depth > 16:
        raise Invalid("too_deep")
    ai = data[pos] & 0x1F if pos < len(data) else 0
    major, arg, pos = _head(data, pos)
    if major in (2, 3):
        if pos + arg > len(data):
            raise Invalid("unexpected_end")
        if major == 3:
            try:
                data[pos:pos + arg].decode("utf-8")
            except UnicodeDecodeError:
                raise Invalid("invalid_utf8")
        return pos + arg
    if major == 4:
        for _ in range(arg):
            pos = _skip(data, pos, depth + 1)
        return pos
    if major == 5:
        seen = set()
        for _ in range(arg):
            start = pos
            pos = _skip(data, pos, depth + 1)
            key = bytes(data[start:pos])
            if key in seen:
                raise Invalid("duplicate_key")
            seen.add(key)
            pos = _skip(data, pos, depth + 1)
        return pos
    if major == 6:
        return _skip(data, pos, depth + 1)
    if major == 7 and ai not in (20, 21, 22, 25, 26, 27):
        raise Invalid("malformed")  # only false, true, null and floats are used
    return pos


def strict(data):
    """Checks that `data` is exactly one strictly encoded item, and decodes it."""
    end = _skip(data, 0)
    if end != len(data):
        raise Invalid("trailing_bytes")
    return loads(data)


def loads(data):
    """cbor2 decoding with its immutable containers (tuples, frozendicts inside tags or keys)
    turned back into lists and dicts."""
    def norm(x):
        if isinstance(x, cbor2.CBORTag):
            return cbor2.CBORTag(x.tag, norm(x.value))
        if isinstance(x, (list, tuple)):
            return [norm(i) for i in x]
        if isinstance(x, Mapping):
            return {k: norm(i) for k, i in x.items()}
        return x
    return norm(cbor2.loads(data))


def map_entries(data):
    """The (decoded key, raw value bytes) entries of a strictly encoded top-level map."""
    strict(data)
    major, n, pos = _head(data, 0)
    if major != 5:
        raise Invalid("unexpected_type")
    out = []
    for _ in range(n):
        kstart = pos
        pos = _skip(data, pos)
        key = loads(data[kstart:pos])
        vstart = pos
        pos = _skip(data, pos)
        out.append((key, bytes(data[vstart:pos])))
    return out


def _enc_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * width):
            return bytes([major << 5 | ai]) + n.to_bytes(width, "big")
    raise ValueError(n)


def _bstr(b):
    return _enc_head(2, len(b)) + b


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# --- Keys and signatures --------------------------------------------------------------------

COSE_ALGS = {"ES256": -7, "ES384": -35, "EdDSA": -8}


def load_key(alg, spki):
    """The public key of `spki` for the vector algorithm `alg`; a key of another type is a
    provider failure (the key does not fit the algorithm)."""
    key = serialization.load_der_public_key(spki)
    want = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1}.get(alg)
    if want is not None:
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, want):
            raise Invalid("provider")
    elif alg == "EdDSA":
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise Invalid("provider")
    else:
        raise Invalid("unsupported_algorithm")
    return key


def verify(alg, key, message, signature):
    """RFC 9053 section 2: ECDSA as fixed-width r || s, EdDSA as Ed25519."""
    try:
        if alg == "EdDSA":
            if len(signature) != 64:
                raise Invalid("bad_signature")
            key.verify(signature, message)
        else:
            n = 32 if alg == "ES256" else 48
            if len(signature) != 2 * n:
                raise Invalid("bad_signature")
            der = encode_dss_signature(int.from_bytes(signature[:n], "big"), int.from_bytes(signature[n:], "big"))
            key.verify(der, message, ec.ECDSA(hashes.SHA256() if alg == "ES256" else hashes.SHA384()))
    except InvalidSignature:
        raise Invalid("bad_signature")


# --- COSE_Sign1 -----------------------------------------------------------------------------

def cose_decode(message):
    """Returns (tagging, protected bytes, protected map, unprotected map, payload, signature)."""
    item = strict(message)
    tagging = "untagged"
    if isinstance(item, cbor2.CBORTag):
        if item.tag == 18:
            tagging, item = "tag18", item.value
        elif item.tag == 61 and isinstance(item.value, cbor2.CBORTag) and item.value.tag == 18:
            tagging, item = "cwt", item.value.value
        else:
            raise Invalid("invalid_value")
    if not isinstance(item, list):
        raise Invalid("unexpected_type")
    if len(item) != 4:
        raise Invalid("bad_length")
    prot_bytes, unprot, payload, signature = item
    if not isinstance(prot_bytes, bytes):
        raise Invalid("unexpected_type")
    prot = strict(prot_bytes) if prot_bytes else {}
    if not isinstance(prot, dict) or not isinstance(unprot, dict):
        raise Invalid("unexpected_type")
    if 1 not in prot:
        raise Invalid("missing_algorithm")
    if not is_int(prot[1]):
        raise Invalid("unexpected_type")
    if 2 in prot:
        raise Invalid("unknown_critical")  # no critical extension is understood
    if 2 in unprot:
        raise Invalid("invalid_value")
    if set(prot) & set(unprot):
        raise Invalid("duplicate_key")
    if payload is not None and not isinstance(payload, bytes):
        raise Invalid("unexpected_type")
    if not isinstance(signature, bytes):
        raise Invalid("unexpected_type")
    return tagging, prot_bytes, prot, unprot, payload, signature


def cose_open(alg, spki, message, aad, detached):
    """Verifies a COSE_Sign1 for the key `spki` of algorithm `alg`; returns its decoded parts
    and the payload the signature covers."""
    key = load_key(alg, spki)
    tagging, prot_bytes, prot, unprot, payload, signature = cose_decode(message)
    if payload is None:
        if detached is None:
            raise Invalid("detached_payload")
        payload = detached
    if prot[1] != COSE_ALGS[alg]:
        raise Invalid("algorithm_mismatch")
    tbs = b"\x84" + _enc_head(3, 10) + b"Signature1" + _bstr(prot_bytes) + _bstr(aad) + _bstr(payload)
    verify(alg, key, tbs, signature)
    return tagging, prot, unprot, payload


def check_cose_sign1(v):
    payload = bytes.fromhex(v["payload"])
    try:
        _, _, _, opened = cose_open(v["alg"], bytes.fromhex(v["public_key"]), bytes.fromhex(v["cose_sign1"]),
                                    bytes.fromhex(v["external_aad"]), payload)
    except Invalid as e:
        return rejected(v, e)
    if not v["valid"]:
        return "accepted an invalid vector"
    return None if opened == payload else "payload differs"


def rejected(v, e):
    if v["valid"]:
        return f"rejected a valid vector ({e.args[0]})"
    if e.args[0] != v.get("error"):
        return f"rejected with {e.args[0]}, the vector names {v.get('error')}"
    return None


# --- EAT (RFC 9711) -------------------------------------------------------------------------

SIM_PROFILE = "tag:seat.example,2026:sim-tee/1"


def nonce_value(n):
    def one(b):
        if not isinstance(b, bytes):
            raise Invalid("unexpected_type")
        if not 8 <= len(b) <= 64:
            raise Invalid("bad_length")
        return b.hex()
    if isinstance(n, bytes):
        return one(n)
    if isinstance(n, list):
        out = [one(b) for b in n]
        if len(out) < 2:
            raise Invalid("bad_length")
        return out
    raise Invalid("unexpected_type")


def time_value(t):
    if is_int(t):
        return t
    if isinstance(t, float):
        raise Invalid("invalid_value")
    raise Invalid("unexpected_type")


def sized_bytes(b, lo, hi):
    if not isinstance(b, bytes):
        raise Invalid("unexpected_type")
    if not lo <= len(b) <= hi:
        raise Invalid("bad_length")
    return b


def version_value(x):
    if not isinstance(x, list):
        raise Invalid("unexpected_type")
    if not 1 <= len(x) <= 2:
        raise Invalid("bad_length")
    if not isinstance(x[0], str) or (len(x) == 2 and not is_int(x[1])):
        raise Invalid("unexpected_type")
    return x


def text_value(x):
    if not isinstance(x, str):
        raise Invalid("unexpected_type")
    return x


def json_of(x):
    """A decoded CBOR value as the vectors write it (bytes as hex, map keys as strings)."""
    if isinstance(x, bytes):
        return x.hex()
    if isinstance(x, list):
        return [json_of(i) for i in x]
    if isinstance(x, dict):
        return {str(k): json_of(i) for k, i in x.items()}
    return x


def eat_claims(payload):
    """Decodes a claims-set with the RFC 9711 types; returns (decoded by key, claims JSON)."""
    entries = map_entries(payload)
    claims, out = {}, {}
    for key, raw in entries:
        if not (is_int(key) or isinstance(key, str)):
            raise Invalid("unexpected_type")
        val = loads(raw)
        claims[key] = val
        if key in (1, 2):
            text_value(val)
            out[str(key)] = raw.hex()
        elif key in (4, 5):
            time_value(val)
            out[str(key)] = raw.hex()
        elif key == 6:
            out["iat"] = time_value(val)
        elif key == 8:
            if not isinstance(val, dict):
                raise Invalid("unexpected_type")
            if len(val) != 1:
                raise Invalid("bad_length")
            (member, content), = val.items()
            if member == 1 and not isinstance(content, dict):
                raise Invalid("unexpected_type")
            if member == 3 and not isinstance(content, bytes):
                raise Invalid("unexpected_type")
            if member not in (1, 2, 3):
                raise Invalid("invalid_value")
            out["cnf"] = json_of(val)
        elif key == 10:
            out["eat_nonce"] = nonce_value(val)
        elif key == 256:
            out["ueid"] = sized_bytes(val, 7, 33).hex()
        elif key == 258:
            if is_int(val):
                out["oemid"] = val
            elif isinstance(val, bytes):
                if len(val) not in (3, 16):
                    raise Invalid("bad_length")
                out["oemid"] = val.hex()
            else:
                raise Invalid("unexpected_type")
        elif key == 259:
            out["hwmodel"] = sized_bytes(val, 1, 32).hex()
        elif key == 260:
            version_value(val)
            out["260"] = raw.hex()
        elif key == 262:
            if not isinstance(val, bool):
                raise Invalid("unexpected_type")
            out["oemboot"] = val
        elif key == 263:
            if not is_int(val) or val < 0:
                raise Invalid("unexpected_type")
            if val > 4:
                raise Invalid("invalid_value")
            out["dbgstat"] = val
        elif key == 265:
            if isinstance(val, str):
                out["eat_profile"] = val
            elif isinstance(val, bytes):
                out["eat_profile"] = val.hex()
            else:
                raise Invalid("unexpected_type")
        elif key == 266:
            if not isinstance(val, dict):
                raise Invalid("unexpected_type")
            if not val:
                raise Invalid("bad_length")
            out["266"] = raw.hex()
        elif key == 270:
            out["swname"] = text_value(val)
        elif key == 271:
            out["swversion"] = version_value(val)
        elif key == 273:
            if not isinstance(val, list):
                raise Invalid("unexpected_type")
            if not val:
                raise Invalid("bad_length")
            ms = []
            for m in val:
                if not isinstance(m, list) or len(m) != 2:
                    raise Invalid("bad_length")
                cf, content = m
                if not is_int(cf) or not isinstance(content, bytes):
                    raise Invalid("unexpected_type")
                if not 0 <= cf <= 65535:
                    raise Invalid("invalid_value")
                ms.append({"content_type": cf, "content": content.hex()})
            out["measurements"] = ms
        else:
            out[str(key)] = raw.hex()
    return claims, out


SIM_CLAIMS = {6, 8, 10, 256, 262, 263, 265, 270, 271, 273}


def sim_profile(tagging, prot, unprot, spki, claims):
    """The simulated TEE's profile (sim-tee/1), once the token verified."""
    if tagging != "tag18":
        raise Invalid("invalid_value")
    if set(prot) != {1}:
        raise Invalid("invalid_value")
    if set(unprot) - {4}:
        raise Invalid("invalid_value")
    if 4 not in unprot:
        raise Invalid("missing")
    if unprot[4] != hashlib.sha256(spki).digest():
        raise Invalid("mismatch")
    if prot[1] != -7:
        raise Invalid("algorithm_mismatch")
    if set(claims) - SIM_CLAIMS:
        raise Invalid("invalid_value")
    nonce = claims.get(10)
    if nonce is None:
        raise Invalid("missing")
    if not isinstance(nonce, bytes) or len(nonce) not in (32, 48):
        raise Invalid("invalid_value")
    cnf = claims.get(8)
    if cnf is None:
        raise Invalid("missing")
    if list(cnf) != [3] or len(cnf[3]) != len(nonce):
        raise Invalid("invalid_value")
    ueid = claims.get(256)
    if ueid is None:
        raise Invalid("missing")
    if len(ueid) != 33 or ueid[0] != 1:
        raise Invalid("invalid_value")
    if 6 not in claims:
        raise Invalid("missing")
    if claims[6] < 0:
        raise Invalid("invalid_value")
    for key in (270, 271):
        if key not in claims:
            raise Invalid("missing")
    if not 1 <= len(claims[270].encode()) <= 256:
        raise Invalid("invalid_value")
    sv = claims[271]
    if len(sv) != 1 or not 1 <= len(sv[0].encode()) <= 256:
        raise Invalid("invalid_value")
    for key in (263, 262, 273):
        if key not in claims:
            raise Invalid("missing")
    ms = claims[273]
    if len(ms) != 1 or ms[0][0] != 60:
        raise Invalid("invalid_value")
    try:
        digests = map_entries(ms[0][1])
    except Invalid:
        raise Invalid("invalid_value")
    if not 1 <= len(digests) <= 64:
        raise Invalid("invalid_value")
    for name, raw in digests:
        d = loads(raw)
        if not isinstance(name, str) or not isinstance(d, bytes) or not 1 <= len(name.encode()) <= 64 \
                or not 1 <= len(d) <= 64:
            raise Invalid("invalid_value")


def check_eat(v):
    spki = bytes.fromhex(v["public_key"])
    try:
        tagging, prot, unprot, payload = cose_open(v["alg"], spki, bytes.fromhex(v["token"]), b"", None)
        claims, out = eat_claims(payload)
        if claims.get(265) == SIM_PROFILE:
            sim_profile(tagging, prot, unprot, spki, claims)
    except Invalid as e:
        return rejected(v, e)
    if not v["valid"]:
        return "accepted an invalid vector"
    return None if out == v["claims"] else f"claims differ: {out}"


# --- EAR (draft-ietf-rats-ear-03, AR4SI) ----------------------------------------------------

EAR_PROFILES = ("tag:ietf.org,2026:rats/ear#03", "tag:ietf.org,2026:rats/ear#04")
TIERS = {0: "none", 2: "affirming", 32: "warning", 96: "contraindicated"}
TIER_OF_NAME = {n: t for t, n in TIERS.items()}
TRUST_CLAIMS = ["instance-identity", "configuration", "executables", "file-system", "hardware",
                "runtime-opaque", "storage-opaque", "sourced-data"]


def tier_of_claim(c):
    if -1 <= c <= 1:
        return 0
    if 2 <= c <= 31 or -32 <= c <= -2:
        return 2
    if 32 <= c <= 95 or -96 <= c <= -33:
        return 32
    return 96


def allows(status, worst):
    """A status other than none is never more trustworthy than the worst claim under it."""
    return status == 0 or status >= worst


def trust_claim(c):
    if not is_int(c):
        raise Invalid("unexpected_type")
    if not -128 <= c <= 127:
        raise Invalid("invalid_value")
    return c


def appraisal(a, cbor):
    """One submods entry; returns its claims JSON and its status."""
    if not isinstance(a, dict):
        raise Invalid("unexpected_type")
    k_status, k_vector, k_nonce = (1000, 1001, 10) if cbor else ("ear_status", "ear_trustworthiness_vector", "eat_nonce")
    out = {}
    if k_status not in a:
        raise Invalid("missing")
    s = a[k_status]
    if cbor:
        if not is_int(s):
            raise Invalid("unexpected_type")
        if s not in TIERS:
            raise Invalid("invalid_value")
    else:
        if not isinstance(s, str):
            raise Invalid("unexpected_type")
        if s not in TIER_OF_NAME:
            raise Invalid("invalid_value")
        s = TIER_OF_NAME[s]
    out["ear_status"] = TIERS[s]
    worst = 0
    if k_vector in a:
        tv = a[k_vector]
        if not isinstance(tv, dict):
            raise Invalid("unexpected_type")
        claims = {}
        for k, c in tv.items():
            if cbor:
                if not is_int(k) or not 0 <= k <= 7:
                    raise Invalid("invalid_value")
                name = TRUST_CLAIMS[k]
            else:
                if k not in TRUST_CLAIMS:
                    raise Invalid("invalid_value")
                name = k
            claims[name] = trust_claim(c)
        if not claims:
            raise Invalid("bad_length")
        out["ear_trustworthiness_vector"] = {n: claims[n] for n in TRUST_CLAIMS if n in claims}
        worst = max(tier_of_claim(c) for c in claims.values())
    if k_nonce in a:
        n = a[k_nonce]
        if not cbor:
            n = [b64u(x) for x in n] if isinstance(n, list) else b64u(n)
        out["eat_nonce"] = nonce_value(n)
    if not allows(s, worst):
        raise Invalid("invalid_value")
    return out, s


def ear_claims(e, cbor):
    """An EAR claims-set (CBOR keys or JWT names); returns the claims JSON."""
    if not isinstance(e, dict):
        raise Invalid("unexpected_type")
    keys = (265, 6, 1004, 266, 1000) if cbor else ("eat_profile", "iat", "ear_verifier_id", "submods", "ear_status")
    k_profile, k_iat, k_vid, k_submods, k_status = keys
    out = {}
    if k_profile in e:
        p = e[k_profile]
        if not isinstance(p, str):
            raise Invalid("unexpected_type")
        if p not in EAR_PROFILES:
            raise Invalid("invalid_value")
        out["eat_profile"] = p
    if k_iat in e:
        out["iat"] = time_value(e[k_iat])
    if (4 if cbor else "exp") in e:
        time_value(e[4 if cbor else "exp"])
    if k_vid in e:
        vid = e[k_vid]
        if not isinstance(vid, dict):
            raise Invalid("unexpected_type")
        names = {0: "developer", 1: "build"} if cbor else {"developer": "developer", "build": "build"}
        if set(vid) - set(names):
            raise Invalid("invalid_value")
        if set(vid) != set(names):
            raise Invalid("missing")
        if not all(isinstance(x, str) for x in vid.values()):
            raise Invalid("unexpected_type")
        out["ear_verifier_id"] = {names[k]: x for k, x in vid.items()}
    statuses = []
    if k_submods in e:
        sm = e[k_submods]
        if not isinstance(sm, dict):
            raise Invalid("unexpected_type")
        subs = {}
        for label, a in sm.items():
            if not isinstance(label, str):
                raise Invalid("unexpected_type")
            subs[label], s = appraisal(a, cbor)
            statuses.append(s)
        if not subs:
            raise Invalid("bad_length")
        out["submods"] = subs
    if (10 if cbor else "eat_nonce") in e:
        n = e[10 if cbor else "eat_nonce"]
        nonce_value(n if cbor else ([b64u(x) for x in n] if isinstance(n, list) else b64u(n)))
    status = None
    if k_status in e:
        status = e[k_status]
        if cbor and status not in TIERS or not cbor and status not in TIER_OF_NAME:
            raise Invalid("invalid_value")
        status = status if cbor else TIER_OF_NAME[status]
    for need in ("eat_profile", "iat", "ear_verifier_id", "submods"):
        if need not in out:
            raise Invalid("missing")
    if status is not None and not allows(status, max(statuses)):
        raise Invalid("invalid_value")
    return out


def b64u(text):
    """Unpadded base64url (RFC 4648 section 5), strictly: no padding, no other alphabet, zero
    trailing bits."""
    if not isinstance(text, str) or any(c not in B64U_ALPHABET for c in text) or len(text) % 4 == 1:
        raise Invalid("base64")
    try:
        out = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Invalid("base64")
    if base64.urlsafe_b64encode(out).decode().rstrip("=") != text:
        raise Invalid("base64")
    return out


B64U_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def strict_json(data):
    def pairs(items):
        out = {}
        for k, x in items:
            if k in out:
                raise Invalid("json")
            out[k] = x
        return out
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=pairs)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("json")


JWS_ALGS = ("ES256", "ES384", "EdDSA")


def jwt_open(alg, spki, token):
    """RFC 7515 compact serialization; `none` and unknown algorithms refused (RFC 8725), no
    `crit` understood, the signature over the received `header.payload` text."""
    key = load_key(alg, spki)
    parts = token.split(".")
    if len(parts) != 3:
        raise Invalid("malformed")
    header = strict_json(b64u(parts[0]))
    if not isinstance(header, dict):
        raise Invalid("unexpected_type")
    named = None
    for k, x in header.items():
        if k == "alg":
            if not isinstance(x, str):
                raise Invalid("unexpected_type")
            if x not in JWS_ALGS:
                raise Invalid("unsupported_algorithm")
            named = x
        elif k == "crit":
            raise Invalid("unknown_critical")
    if named is None:
        raise Invalid("missing_algorithm")
    signature = b64u(parts[2])
    if named != alg:
        raise Invalid("algorithm_mismatch")
    verify(alg, key, (parts[0] + "." + parts[1]).encode(), signature)
    return strict_json(b64u(parts[1]))


def check_ear(v):
    spki = bytes.fromhex(v["public_key"])
    try:
        if v["form"] == "jwt":
            out = ear_claims(jwt_open(v["alg"], spki, v["token"]), cbor=False)
        else:
            _, _, _, payload = cose_open(v["alg"], spki, bytes.fromhex(v["token"]), b"", None)
            out = ear_claims(strict(payload), cbor=True)
    except Invalid as e:
        return rejected(v, e)
    if not v["valid"]:
        return "accepted an invalid vector"
    return None if out == v["claims"] else f"claims differ: {out}"


CHECKS = {
    "cose-sign1": check_cose_sign1,
    "eat": check_eat,
    "ear": check_ear,
}
