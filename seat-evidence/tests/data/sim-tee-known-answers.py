# Independent recomputation of the simulated TEE's known answers (Python `cryptography`,
# hand-written CBOR), for seat-evidence tests/it/sim_tee.rs.
import hashlib, hmac, struct
from cryptography.hazmat.primitives.asymmetric import ec, utils, ed25519
from cryptography.hazmat.primitives import hashes, serialization

def hkdf_extract(salt, ikm): return hmac.new(salt, ikm, hashlib.sha256).digest()
def hkdf_expand(prk, info, n):
    out=b""; t=b""; i=1
    while len(out)<n:
        t=hmac.new(prk, t+info+bytes([i]), hashlib.sha256).digest(); out+=t; i+=1
    return out[:n]
N256=0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
seed=hashlib.sha256(b"seat sim-tee default seed").digest()
prk=hkdf_extract(b"seat sim-tee v1", seed)
def ec_key(label, n, curve, nlen):
    for c in range(256):
        k=int.from_bytes(hkdf_expand(prk, label+bytes([c]), nlen),'big')
        if 0<k<n: return ec.derive_private_key(k, curve)
ak=ec_key(b"attestation key", N256, ec.SECP256R1(), 32)
spki=ak.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
kid=hashlib.sha256(spki).digest()
print("seed", seed.hex()); print("ak_spki", spki.hex()); print("kid", kid.hex())

def head(mt, n):
    if n<24: return bytes([mt<<5|n])
    if n<256: return bytes([mt<<5|24,n])
    if n<65536: return bytes([mt<<5|25])+struct.pack(">H",n)
    return bytes([mt<<5|26])+struct.pack(">I",n)
def bstr(b): return head(2,len(b))+b
def tstr(s): b=s.encode(); return head(3,len(b))+b
def uint(n): return head(0,n)
binder=bytes([0x11])*32; aik=bytes([0x22])*32; now=1795911674
meas=head(5,1)+tstr("firmware")+bstr(bytes([0xa5])*32)
claims=(head(5,10)
 +uint(6)+uint(now)
 +uint(8)+head(5,1)+uint(3)+bstr(aik)
 +uint(10)+bstr(binder)
 +uint(256)+bstr(bytes([1])+bytes(range(1,33)))
 +uint(262)+b"\xf5"
 +uint(263)+uint(3)
 +uint(265)+tstr("tag:seat.example,2026:sim-tee/1")
 +uint(270)+tstr("seat-sim-tee")
 +uint(271)+head(4,1)+tstr("1.0.0")
 +uint(273)+head(4,1)+head(4,2)+uint(60)+bstr(meas))
prot=bytes.fromhex("a10126")
tbs=head(4,4)+tstr("Signature1")+bstr(prot)+bstr(b"")+bstr(claims)
try:
    der=ak.sign(tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r,s=utils.decode_dss_signature(der); sig=r.to_bytes(32,'big')+s.to_bytes(32,'big')
except TypeError as e:
    sig=None; print("no deterministic signing:", e)
if sig:
    cose=b"\xd2"+head(4,4)+bstr(prot)+head(5,1)+uint(4)+bstr(kid)+bstr(claims)+bstr(sig)
    cmw=head(4,3)+tstr('application/eat+cwt; eat_profile="tag:seat.example,2026:sim-tee/1"')+bstr(cose)+uint(4)
    print("cmw", cmw.hex())
print("claims", claims.hex())
# AIK 0 for ES256 (scheme 0x0403), Ed25519 (0x0807)
l=b"aik"+struct.pack(">H",0x0403)+struct.pack(">Q",0)
a0=ec_key(l, N256, ec.SECP256R1(), 32)
print("aik0_p256_spki", a0.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex())
l=b"aik"+struct.pack(">H",0x0807)+struct.pack(">Q",0)
e=ed25519.Ed25519PrivateKey.from_private_bytes(hkdf_expand(prk,l,32))
print("aik0_ed25519_spki", e.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex())
