"""What check_vectors.py and its sibling modules share: the hash table, the Invalid error, the
RFC 8446 HKDF-Expand-Label (section 7.1, with the "dtls13" prefix of RFC 9147 section 5.9) and
a reader of TLS presentation-language vectors.

Part of the independent Python check; shares nothing with the Rust crates.
"""

import hashlib
import hmac
import struct

HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}


class Invalid(Exception):
    """The vector's input is invalid, for the reason named."""


def hkdf_expand(h, prk, info, length):
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), h).digest()
        out += block
        i += 1
    return out[:length]


def hkdf_expand_label(h, secret, label, context, length, protocol):
    prefix = b"dtls13" if protocol == "dtls13" else b"tls13 "
    full = prefix + label
    info = struct.pack(">H", length) + bytes([len(full)]) + full + bytes([len(context)]) + context
    return hkdf_expand(h, secret, info, length)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise Invalid("decode_error")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, n):
        return self.take(self.uint(n))

    def done(self):
        return self.pos == len(self.data)
