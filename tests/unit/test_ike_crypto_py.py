"""flexgw's IKEv2 crypto (controlplane/ikev2/, through
build/tests/unit/ike/ike_crypto_tool) against independent implementations:
Python's hmac/hashlib and the cryptography package (OpenSSL underneath, but
none of flexgw's code: the IKE formulas are written out here from RFC 7296,
RFC 5282 and RFC 5903). Also checks the vector files the C tests read
(tests/vectors/ikev2-kdf.txt, ecdh.txt, modp.txt) for transcription errors."""
import hashlib
import hmac
import ipaddress
import os
import struct
import subprocess

import pytest

import topo
from vector_files import params, records

aead = pytest.importorskip("cryptography.hazmat.primitives.ciphers.aead")
ciphers = pytest.importorskip("cryptography.hazmat.primitives.ciphers")
asym = pytest.importorskip("cryptography.hazmat.primitives.asymmetric")
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import dh, ec, x25519  # noqa: E402

TOOL = topo.build_dir() / "tests" / "unit" / "ike" / "ike_crypto_tool"

HASH = {2: hashlib.sha1, 5: hashlib.sha256, 6: hashlib.sha384, 7: hashlib.sha512}
INTEG = {2: (hashlib.sha1, 12), 12: (hashlib.sha256, 16), 13: (hashlib.sha384, 24),
	 14: (hashlib.sha512, 32)}
CBC, GCM = 12, 20
# (encr, bits, integ, prf) as in crypto.h; AES-GCM has no integrity transform
SUITES = [(CBC, 128, 2, 2), (CBC, 128, 12, 5), (CBC, 256, 13, 6), (CBC, 256, 14, 7),
	  (GCM, 128, 0, 5), (GCM, 256, 0, 6), (GCM, 256, 0, 7)]


def suite_id(s):
	return f"{'cbc' if s[0] == CBC else 'gcm'}{s[1]}-integ{s[2]}-prf{s[3]}"


def tool(*args, check=True):
	if not TOOL.exists():
		pytest.fail(f"{TOOL} not built")
	p = subprocess.run([str(TOOL), *[str(a) for a in args]], capture_output=True, text=True,
			   timeout=60)
	if check:
		assert p.returncode == 0, (args[0], p.stdout, p.stderr)
	return p


def prf(alg, key, data):
	return hmac.new(key, data, HASH[alg]).digest()


def prf_plus(alg, key, seed, n):
	out, t, i = b"", b"", 1
	while len(out) < n:
		t = prf(alg, key, t + seed + bytes([i]))
		out += t
		i += 1
	return out[:n]


def key_lengths(s):
	encr, bits, integ, alg = s
	prf_len = HASH[alg]().digest_size
	ei = bits // 8 + (4 if encr == GCM else 0)
	ai = INTEG[integ][0]().digest_size if integ else 0
	return prf_len, ai, ei


def derive(s, gir, ni, nr, spii, spir):
	"""RFC 7296 2.14, written out."""
	prf_len, ai, ei = key_lengths(s)
	skeyseed = prf(s[3], ni + nr, gir)
	stream = prf_plus(s[3], skeyseed, ni + nr + spii + spir, 3 * prf_len + 2 * ai + 2 * ei)
	keys, off = {}, 0
	for name, n in (("sk_d", prf_len), ("sk_ai", ai), ("sk_ar", ai), ("sk_ei", ei),
			("sk_er", ei), ("sk_pi", prf_len), ("sk_pr", prf_len)):
		keys[name] = stream[off:off + n]
		off += n
	return keys


# ---- the vector files -----------------------------------------------------------


@pytest.mark.parametrize("r", params("ikev2-kdf.txt"))
def test_kdf_vector_file(r):
	alg = {"hmac-sha1": 2, "hmac-sha256": 5, "hmac-sha384": 6}[r["alg"]]
	b = {k: bytes.fromhex(v) for k, v in r.items() if k not in ("source", "alg")}
	assert prf(alg, b["ni"] + b["nr"], b["gir"]) == b["skeyseed"]
	seed = b["ni"] + b["nr"] + b["spii"] + b["spir"]
	assert prf_plus(alg, b["skeyseed"], seed, len(b["dkm"])) == b["dkm"]
	sk_d = b["dkm"][:HASH[alg]().digest_size]
	assert prf(alg, sk_d, b["gir_new"] + b["ni"] + b["nr"]) == b["skeyseed_rekey"]
	if "dkm_child" in b:
		assert prf_plus(alg, sk_d, b["ni"] + b["nr"], 132) == b["dkm_child"]
		assert prf_plus(alg, sk_d, b["gir_new"] + b["ni"] + b["nr"], 132) == b["dkm_child_dh"]


@pytest.mark.parametrize("r", params("ecdh.txt"))
def test_ecdh_vector_file(r):
	b = {k: bytes.fromhex(v) for k, v in r.items() if k not in ("source", "alg")}
	if r["alg"] == "x25519":
		ki = x25519.X25519PrivateKey.from_private_bytes(b["priv_i"])
		kr = x25519.X25519PrivateKey.from_private_bytes(b["priv_r"])
		raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
		assert ki.public_key().public_bytes(*raw) == b["pub_i"]
		assert kr.public_key().public_bytes(*raw) == b["pub_r"]
		assert ki.exchange(kr.public_key()) == b["shared"]
		return
	curve = {"ecp256": ec.SECP256R1(), "ecp384": ec.SECP384R1(), "ecp521": ec.SECP521R1()}[r["alg"]]
	pt = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
	ki = ec.derive_private_key(int.from_bytes(b["priv_i"], "big"), curve)
	kr = ec.derive_private_key(int.from_bytes(b["priv_r"], "big"), curve)
	assert ki.public_key().public_bytes(*pt)[1:] == b["pub_i"]
	assert kr.public_key().public_bytes(*pt)[1:] == b["pub_r"]
	assert ki.exchange(ec.ECDH(), kr.public_key()) == b["shared"]


def pi_times_2_to(bits):
	"""floor(pi * 2^bits), Machin's formula in integers."""
	prec = bits + 64
	one = 1 << prec

	def arctan_inv(x):
		total = term = one // x
		n, sign = 1, -1
		while term:
			term //= x * x
			n += 2
			total += sign * (term // n)
			sign = -sign
		return total
	return (16 * arctan_inv(5) - 4 * arctan_inv(239)) >> 64


@pytest.mark.parametrize("r", params("modp.txt"))
def test_modp_primes_are_rfc3526(r):
	n = int(r["alg"][4:])
	k = int(r["source"].rsplit("k = ", 1)[1])
	p = 2**n - 2**(n - 64) - 1 + 2**64 * (pi_times_2_to(n - 130) + k)
	assert int(r["p"], 16) == p


# ---- key derivation -----------------------------------------------------------


@pytest.mark.parametrize("s", SUITES, ids=suite_id)
def test_keys_derive_matches_rfc7296(s):
	gir, ni, nr = os.urandom(256), os.urandom(32), os.urandom(48)
	spii, spir = os.urandom(8), os.urandom(8)
	out = tool("keys", s[3], s[0], s[1], s[2], gir.hex(), ni.hex(), nr.hex(), spii.hex(),
		   spir.hex()).stdout
	got = dict(line.split("=") for line in out.split())
	want = derive(s, gir, ni, nr, spii, spir)
	assert got == {k: v.hex() for k, v in want.items()}


@pytest.mark.parametrize("alg", [2, 5, 6, 7])
@pytest.mark.parametrize("pfs", [False, True])
def test_child_keymat_matches_rfc7296(alg, pfs):
	sk_d = os.urandom(HASH[alg]().digest_size)
	gir, ni, nr = os.urandom(384), os.urandom(32), os.urandom(32)
	out = tool("keymat", alg, sk_d.hex(), gir.hex() if pfs else "-", ni.hex(), nr.hex(),
		   200).stdout.strip()
	assert out == prf_plus(alg, sk_d, (gir if pfs else b"") + ni + nr, 200).hex()


# ---- SK payload ------------------------------------------------------------------


def message(s, inner):
	"""IKE header (IKE_AUTH request from the initiator), a Notify outside
	SK, the SK generic header (next payload IDi) and room for the IV,
	then the inner chain: what fgw_ike_build_sk_open leaves."""
	iv_len = 16 if s[0] == CBC else 8
	notify = struct.pack("!BBHBBH", 46, 0, 8, 0, 0, 16384)
	sk_off = 28 + len(notify)
	hdr = os.urandom(8) + os.urandom(8) + bytes([41, 0x20, 35, 0x08]) + struct.pack("!II", 1, 0)
	return hdr + notify + bytes([35, 0, 0, 0]) + bytes(iv_len) + inner, sk_off


def random_keys(s):
	_, ai, ei = key_lengths(s)
	return {"ei": os.urandom(ei), "ai": os.urandom(ai), "er": os.urandom(ei), "ar": os.urandom(ai)}


def tool_sk(cmd, s, role, keys, msg, sk_off, check=True):
	return tool(cmd, ",".join(map(str, s)), role, keys["ei"].hex(), keys["ai"].hex() or "-",
		    keys["er"].hex(), keys["ar"].hex() or "-", msg.hex(), sk_off, check=check)


def py_open(s, key, akey, msg, sk_off):
	"""RFC 7296 3.14 / RFC 5282, independently: the inner chain, or None."""
	iv_len = 16 if s[0] == CBC else 8
	body = sk_off + 4 + iv_len
	assert struct.unpack("!I", msg[24:28])[0] == len(msg)
	assert struct.unpack("!H", msg[sk_off + 2:sk_off + 4])[0] == len(msg) - sk_off
	iv = msg[body - iv_len:body]
	if s[0] == GCM:
		enc_len = s[1] // 8
		nonce = key[enc_len:] + iv
		plain = aead.AESGCM(key[:enc_len]).decrypt(nonce, msg[body:], msg[:sk_off + 4])
	else:
		h, icv = INTEG[s[2]]
		mac = hmac.new(akey, msg[:-icv], h).digest()[:icv]
		if mac != msg[-icv:]:
			return None
		d = ciphers.Cipher(ciphers.algorithms.AES(key), ciphers.modes.CBC(iv)).decryptor()
		plain = d.update(msg[body:-icv]) + d.finalize()
	return plain[:len(plain) - plain[-1] - 1]


def py_seal(s, key, akey, msg, sk_off, pad_length=None):
	"""Seals as another implementation might: padding octets 1, 2, 3...
	(any value is allowed) and, for CBC, an extra block of padding.
	pad_length overrides the Pad Length octet (to break it)."""
	iv_len = 16 if s[0] == CBC else 8
	body = sk_off + 4 + iv_len
	inner = msg[body:]
	if s[0] == GCM:
		pad = 3
	else:
		pad = (16 - (len(inner) + 1) % 16) % 16 + 16
	plain = inner + bytes(range(1, pad + 1)) + bytes([pad if pad_length is None else pad_length])
	icv = 16 if s[0] == GCM else INTEG[s[2]][1]
	total = body + len(plain) + icv
	head = bytearray(msg[:body])
	head[24:28] = struct.pack("!I", total)
	head[sk_off + 2:sk_off + 4] = struct.pack("!H", total - sk_off)
	iv = os.urandom(iv_len)
	head[body - iv_len:body] = iv
	if s[0] == GCM:
		enc_len = s[1] // 8
		ct = aead.AESGCM(key[:enc_len]).encrypt(key[enc_len:] + iv, plain, bytes(head[:sk_off + 4]))
		return bytes(head) + ct
	e = ciphers.Cipher(ciphers.algorithms.AES(key), ciphers.modes.CBC(iv)).encryptor()
	out = bytes(head) + e.update(plain) + e.finalize()
	h, n = INTEG[s[2]]
	return out + hmac.new(akey, out, h).digest()[:n]


@pytest.mark.parametrize("s", SUITES, ids=suite_id)
@pytest.mark.parametrize("inner_len", [0, 1, 15, 16, 100])
def test_sk_flexgw_seals_python_opens(s, inner_len):
	keys = random_keys(s)
	inner = os.urandom(inner_len)
	msg, sk_off = message(s, inner)
	sealed = bytes.fromhex(tool_sk("seal", s, "i", keys, msg, sk_off).stdout.strip())
	# only the two length fields change in front of the IV
	assert sealed[:24] == msg[:24] and sealed[28:sk_off + 2] == msg[28:sk_off + 2]
	assert py_open(s, keys["ei"], keys["ai"], sealed, sk_off) == inner
	# the responder's seal uses the responder's keys
	sealed = bytes.fromhex(tool_sk("seal", s, "r", keys, msg, sk_off).stdout.strip())
	assert py_open(s, keys["er"], keys["ar"], sealed, sk_off) == inner


@pytest.mark.parametrize("s", SUITES, ids=suite_id)
@pytest.mark.parametrize("inner_len", [0, 7, 64])
def test_sk_python_seals_flexgw_opens(s, inner_len):
	keys = random_keys(s)
	inner = os.urandom(inner_len)
	msg, sk_off = message(s, inner)
	sealed = py_seal(s, keys["er"], keys["ar"], msg, sk_off)
	# we are the initiator: the responder (Python) sealed this
	assert tool_sk("open", s, "i", keys, sealed, sk_off).stdout.strip() == inner.hex()
	for i in (0, 24, sk_off + 2, len(sealed) - 1):
		bad = bytearray(sealed)
		bad[i] ^= 0x80
		p = tool_sk("open", s, "i", keys, bytes(bad), sk_off, check=False)
		assert p.returncode == 1 and p.stdout.strip() == "-1", (i, p.stdout)


@pytest.mark.parametrize("s", SUITES, ids=suite_id)
def test_sk_pad_length_past_the_data_is_malformed(s):
	"""Authenticated, but the Pad Length octet claims more than was
	encrypted: -2 (malformed), not a plaintext of negative length."""
	keys = random_keys(s)
	msg, sk_off = message(s, os.urandom(10))
	ct_len = 32 if s[0] == CBC else 14	# inner 10 + padding + pad length
	for pad_length in (ct_len, 255):
		sealed = py_seal(s, keys["er"], keys["ar"], msg, sk_off, pad_length=pad_length)
		p = tool_sk("open", s, "i", keys, sealed, sk_off, check=False)
		assert p.stdout.strip() == "-2", (pad_length, p.stdout)
	sealed = py_seal(s, keys["er"], keys["ar"], msg, sk_off, pad_length=ct_len - 1)
	assert tool_sk("open", s, "i", keys, sealed, sk_off).stdout.strip() == ""


# ---- AUTH, NAT detection, DH --------------------------------------------------------


@pytest.mark.parametrize("alg", [2, 5, 6, 7])
def test_auth_psk_matches_rfc7296(alg):
	sk_p = os.urandom(HASH[alg]().digest_size)
	psk = b"a shared secret of some length"
	real = os.urandom(300)
	nonce = os.urandom(32)
	id_body = bytes([2, 0, 0, 0]) + b"hq.example.com"
	got = tool("auth", alg, sk_p.hex(), psk.hex(), real.hex(), nonce.hex(), id_body.hex()).stdout
	signed = real + nonce + prf(alg, sk_p, id_body)
	assert got.strip() == prf(alg, prf(alg, psk, b"Key Pad for IKEv2"), signed).hex()


@pytest.mark.parametrize("addr,port", [("192.0.2.1", 500), ("203.0.113.77", 4500),
				       ("2001:db8::1", 500)])
def test_nat_hash_matches_rfc7296(addr, port):
	spii, spir = os.urandom(8), os.urandom(8)
	got = tool("natd", spii.hex(), spir.hex(), addr, port).stdout.strip()
	data = spii + spir + ipaddress.ip_address(addr).packed + struct.pack("!H", port)
	assert got == hashlib.sha1(data).hexdigest()


def modp_p(group):
	bits = {14: 2048, 15: 3072, 16: 4096}[group]
	return next(int(r["p"], 16) for r in records("modp.txt") if r["alg"] == f"modp{bits}")


@pytest.mark.parametrize("group", [14, 15, 16, 19, 20, 21, 31])
def test_dh_agrees_with_python(group):
	"""flexgw and the cryptography package reach the same g^ir from each
	other's KE payload data (RFC 7296 3.4 / RFC 5903 7 / RFC 8031)."""
	if group in (14, 15, 16):
		p = modp_p(group)
		n = (p.bit_length() + 7) // 8
		key = dh.DHParameterNumbers(p, 2).parameters().generate_private_key()
		mine = key.public_key().public_numbers().y.to_bytes(n, "big")
	elif group == 31:
		key = x25519.X25519PrivateKey.generate()
		mine = key.public_key().public_bytes(serialization.Encoding.Raw,
						     serialization.PublicFormat.Raw)
	else:
		curve = {19: ec.SECP256R1(), 20: ec.SECP384R1(), 21: ec.SECP521R1()}[group]
		key = ec.generate_private_key(curve)
		mine = key.public_key().public_bytes(serialization.Encoding.X962,
						     serialization.PublicFormat.UncompressedPoint)[1:]
	got = dict(line.split("=") for line in tool("dh", group, mine.hex()).stdout.split())
	theirs = bytes.fromhex(got["pub"])
	assert len(theirs) == len(mine)
	if group in (14, 15, 16):
		peer = dh.DHPublicNumbers(int.from_bytes(theirs, "big"), dh.DHParameterNumbers(p, 2))
		shared = key.exchange(peer.public_key()).rjust(n, b"\0")
	elif group == 31:
		shared = key.exchange(x25519.X25519PublicKey.from_public_bytes(theirs))
	else:
		peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + theirs)
		shared = key.exchange(ec.ECDH(), peer)
	assert got["shared"] == shared.hex()
