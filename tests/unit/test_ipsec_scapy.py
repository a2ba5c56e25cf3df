"""flexgw's ESP byte for byte against scapy's, an independent implementation
(scapy.layers.ipsec over the cryptography package), through
build/tests/unit/ipsec/esp_vector_tool: every algorithm, IPv4/IPv6 outer
and inner, tunnel and transport (GRE), NAT-T, ESN. Then flexgw decrypts
scapy's packets and drops corrupted, replayed, stale and truncated ones
for the right reason.

Where scapy 2.5 departs from the RFCs the test says so and computes that
part itself:
- with ESN, scapy leaves the high 32 bits out of ESP's HMAC (RFC 4303
  2.2.1 puts them after the payload); that ICV is computed here with hmac;
- scapy builds the NAT-T UDP header before the ESP payload is behind it,
  so its UDP length is 8; RFC 768 counts the data, so it is set here;
- scapy always zeroes the NAT-T UDP checksum; over IPv6 flexgw computes it
  (a zero UDP checksum is only for IPv4, RFC 8200 8.1), so it is computed
  here too.
The IV is the one flexgw's policy gives (GCM: the sequence number; CBC:
its AES encryption), handed to scapy, which takes any."""
import hashlib
import hmac
import socket
import struct
import subprocess

import pytest

import topo

pytest.importorskip("cryptography")
ipsec = pytest.importorskip("scapy.layers.ipsec")

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from scapy.compat import raw  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6, in6_chksum  # noqa: E402
from scapy.layers.l2 import GRE  # noqa: E402
from scapy.packet import Raw  # noqa: E402

TOOL = topo.build_dir() / "tests" / "unit" / "ipsec" / "esp_vector_tool"

# flexgw cipher, integrity; scapy's names; key and integrity key lengths
ALGS = [
	("aes-gcm-128", "none", "AES-GCM", "NULL", 16, 0),
	("aes-gcm-256", "none", "AES-GCM", "NULL", 32, 0),
	("aes-cbc-128", "hmac-sha1-96", "AES-CBC", "HMAC-SHA1-96", 16, 20),
	("aes-cbc-256", "hmac-sha1-96", "AES-CBC", "HMAC-SHA1-96", 32, 20),
	("aes-cbc-128", "hmac-sha256-128", "AES-CBC", "SHA2-256-128", 16, 32),
	("aes-cbc-256", "hmac-sha256-128", "AES-CBC", "SHA2-256-128", 32, 32),
	("aes-cbc-128", "hmac-sha384-192", "AES-CBC", "SHA2-384-192", 16, 48),
	("aes-cbc-256", "hmac-sha384-192", "AES-CBC", "SHA2-384-192", 32, 48),
	("aes-cbc-128", "hmac-sha512-256", "AES-CBC", "SHA2-512-256", 16, 64),
	("aes-cbc-256", "hmac-sha512-256", "AES-CBC", "SHA2-512-256", 32, 64),
]
HASHES = {"hmac-sha1-96": (hashlib.sha1, 12), "hmac-sha256-128": (hashlib.sha256, 16),
	  "hmac-sha384-192": (hashlib.sha384, 24), "hmac-sha512-256": (hashlib.sha512, 32)}
ENDPOINTS = {4: ("192.0.2.1", "192.0.2.2"), 6: ("2001:db8::1", "2001:db8::2")}
INNER_TOS = 0xb9		# DSCP 46 (EF), ECN ECT(1)


class Tool:
	"""One esp_vector_tool process for the module; a line in, lines out."""

	def __init__(self):
		if not TOOL.exists():
			pytest.fail(f"{TOOL} not built")
		self.p = subprocess.Popen([str(TOOL)], stdin=subprocess.PIPE,
					  stdout=subprocess.PIPE, text=True)
		self.names = 0

	def ask(self, line, answers=1):
		self.p.stdin.write(line + "\n")
		self.p.stdin.flush()
		return [self.p.stdout.readline().strip() for _ in range(answers)]

	def sa(self, **fields):
		self.names += 1
		name = f"sa{self.names}"
		args = " ".join(f"{k}={v}" for k, v in fields.items())
		got = self.ask(f"sa {name} {args}")[0]
		assert got == "ok", got
		return name

	def free(self, name):
		assert self.ask(f"free {name}") == ["ok"]

	def run(self, cmd, name, *packets):
		return self.ask(f"{cmd} {name} " + " ".join(p.hex() for p in packets), len(packets))

	def close(self):
		self.p.stdin.close()
		assert self.p.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def tool():
	t = Tool()
	yield t
	t.close()


def key(label, n):
	return (hashlib.sha512(label.encode()).digest() * 2)[:n]


class Case:
	"""One SA (both directions alike) and what scapy needs to mirror it."""

	def __init__(self, alg, mode, outer, natt, esn, seq):
		cipher, integ, self.s_crypt, self.s_auth, klen, alen = ALGS[alg]
		self.cipher, self.integ, self.mode, self.outer = cipher, integ, mode, outer
		self.natt, self.esn, self.seq = natt, esn, seq
		label = f"{alg}{mode}{outer}{natt}{esn}"
		self.spi = 0x5a000000 | int.from_bytes(key("spi" + label, 2), "big")
		self.gcm = cipher.startswith("aes-gcm")
		self.key = key("enc" + label, klen)
		self.salt = key("salt" + label, 4) if self.gcm else b""
		self.authkey = key("auth" + label, alen)

	def fields(self, direction, **more):
		f = dict(dir=direction, cipher=self.cipher, integ=self.integ,
			 key=(self.key + self.salt).hex(), spi=f"{self.spi:08x}", mode=self.mode,
			 esn=int(self.esn), window=64 if direction == "in" else 0)
		if self.authkey:
			f["authkey"] = self.authkey.hex()
		if self.mode == "tunnel":
			f["src"], f["dst"] = ENDPOINTS[self.outer]
		if self.natt:
			f["sport"] = f["dport"] = 4500
		f.update(more)
		return f

	def iv(self, seq):
		block = struct.pack("!Q", seq)
		if self.gcm:
			return block
		enc = Cipher(algorithms.AES(self.key), modes.ECB()).encryptor()
		return enc.update(b"\0" * 8 + block) + enc.finalize()

	def scapy_encrypt(self, inner, seq, outer_df):
		tunnel = None
		if self.mode == "tunnel":
			src, dst = ENDPOINTS[self.outer]
			if self.outer == 4:
				tunnel = IP(src=src, dst=dst, ttl=64, tos=INNER_TOS, id=seq & 0xffff,
					    flags="DF" if outer_df else 0)
			else:
				tunnel = IPv6(src=src, dst=dst, hlim=64, tc=INNER_TOS, fl=0)
		sa = ipsec.SecurityAssociation(
			ipsec.ESP, spi=self.spi, seq_num=seq & 0xffffffff,
			crypt_algo=self.s_crypt, crypt_key=self.key + self.salt,
			auth_algo=self.s_auth, auth_key=self.authkey or None,
			tunnel_header=tunnel, nat_t_header=UDP(sport=4500, dport=4500) if self.natt else None,
			esn_en=self.esn, esn=seq >> 32)
		pkt = sa.encrypt(inner, seq_num=seq & 0xffffffff, iv=self.iv(seq),
				 esn_en=self.esn, esn=seq >> 32)
		return self.fix(pkt, seq)

	def fix(self, pkt, seq):
		"""The RFC behaviour scapy lacks (see the module docstring)."""
		data = bytearray(raw(pkt))
		if self.esn and not self.gcm:
			h, icv = HASHES[self.integ]
			esp = raw(pkt[ipsec.ESP])
			mac = hmac.new(self.authkey, esp[:-icv] + struct.pack("!L", seq >> 32), h)
			data[-icv:] = mac.digest()[:icv]
		if self.natt:
			udp = (data[0] & 0x0f) * 4 if data[0] >> 4 == 4 else 40
			data[udp + 4:udp + 6] = struct.pack("!H", len(data) - udp)
			if data[0] >> 4 == 6:
				data[udp + 6:udp + 8] = b"\0\0"
				ck = in6_chksum(socket.IPPROTO_UDP, IPv6(bytes(data[:40])), bytes(data[udp:]))
				data[udp + 6:udp + 8] = struct.pack("!H", ck or 0xffff)
		return bytes(data)


def inner_packet(family, size, df, gre_endpoints=None):
	payload = Raw(bytes((i * 13 + 1) & 0xff for i in range(size)))
	if family == 4:
		ip = IP(src="198.51.100.1", dst="198.51.100.2", tos=INNER_TOS, id=7, ttl=63,
			flags="DF" if df else 0)
	else:
		ip = IPv6(src="2001:db8:1::1", dst="2001:db8:2::1", tc=INNER_TOS, fl=0x12345, hlim=63)
	pkt = ip / UDP(sport=1234, dport=5678) / payload
	if gre_endpoints is None:
		return IP(raw(pkt)) if family == 4 else IPv6(raw(pkt))
	src, dst = gre_endpoints
	outer = IP(src=src, dst=dst, tos=0x28, id=9, ttl=64) if ":" not in src else \
		IPv6(src=src, dst=dst, hlim=64)
	pkt = outer / GRE() / pkt
	return IP(raw(pkt)) if ":" not in src else IPv6(raw(pkt))


def seq_for(esn, n):
	"""Sequence numbers near the interesting edges: the 2^32 boundary with
	ESN, the top of the 32-bit space without."""
	return ((2 + n % 3) << 32) - 2 + n % 5 if esn else 0xfffffff0 - n


TUNNEL = [(a, o, i, natt, esn) for a in range(len(ALGS)) for o in (4, 6) for i in (4, 6)
	  for natt in (0, 1) for esn in (0, 1)]
TRANSPORT = [(a, f, natt, esn) for a in range(len(ALGS)) for f in (4, 6)
	     for natt in (0, 1) for esn in (0, 1)]


def ident(params):
	a, *rest = params
	cipher, integ = ALGS[a][:2]
	return "-".join([cipher, integ] + [str(x) for x in rest])


def roundtrip(tool, case, inner, outer_df):
	seq = case.seq
	ours = tool.sa(**case.fields("out", seq=seq - 1))
	got = tool.run("encap", ours, raw(inner))[0]
	theirs = case.scapy_encrypt(inner, seq, outer_df)
	assert got.startswith("ok "), got
	assert bytes.fromhex(got[3:]) == theirs, \
		f"flexgw\n{got[3:]}\nscapy\n{theirs.hex()}"
	# flexgw decrypts scapy's packet back to the packet scapy started from
	peer = tool.sa(**case.fields("in", top=seq - 1))
	back = tool.run("decap", peer, theirs)[0]
	assert back == "ok " + raw(inner).hex(), back
	tool.free(ours)
	tool.free(peer)


@pytest.mark.parametrize("params", TUNNEL, ids=[ident(p) for p in TUNNEL])
def test_tunnel(tool, params):
	a, outer, inner_family, natt, esn = params
	n = TUNNEL.index(params)
	case = Case(a, "tunnel", outer, natt, esn, seq_for(esn, n))
	df = inner_family == 6 or n % 2 == 0
	roundtrip(tool, case, inner_packet(inner_family, 1 + n * 7 % 200, df), df)


@pytest.mark.parametrize("params", TRANSPORT, ids=[ident(p) for p in TRANSPORT])
def test_transport(tool, params):
	a, family, natt, esn = params
	n = TRANSPORT.index(params)
	case = Case(a, "transport", family, natt, esn, seq_for(esn, n))
	pkt = inner_packet(family, 3 + n * 11 % 300, False, ENDPOINTS[family])
	roundtrip(tool, case, pkt, False)


@pytest.mark.parametrize("a", range(len(ALGS)), ids=[ident((a,)) for a in range(len(ALGS))])
@pytest.mark.parametrize("natt", (0, 1))
def test_rejects(tool, a, natt):
	"""Scapy's packets: accepted once; replayed, corrupted, stale and
	truncated ones dropped for the right reason and counted on the SA."""
	case = Case(a, "tunnel", 4, natt, 0, 100)
	peer = tool.sa(**case.fields("in"))
	inner = inner_packet(4, 64, True)
	pkts = {s: case.scapy_encrypt(inner, s, True) for s in (100, 101, 102, 300)}
	assert tool.run("decap", peer, pkts[100]) == ["ok " + raw(inner).hex()]
	assert tool.run("decap", peer, pkts[100]) == ["drop REPLAY"]
	bad = bytearray(pkts[101])
	bad[len(bad) - 30] ^= 0x01
	assert tool.run("decap", peer, bytes(bad)) == ["drop AUTH"]
	assert tool.run("decap", peer, pkts[101])[0].startswith("ok "), "forgery moved the window"
	assert tool.run("decap", peer, pkts[300])[0].startswith("ok ")
	assert tool.run("decap", peer, pkts[102]) == ["drop OUT_OF_WINDOW"]
	assert tool.run("decap", peer, pkts[300][:-1]) == ["drop TRUNCATED"]
	# the same packet twice in one burst
	dup = case.scapy_encrypt(inner, 301, True)
	got = tool.run("decap", peer, dup, dup)
	assert got[0].startswith("ok ") and got[1] == "drop REPLAY", got
	stats = tool.ask(f"stats {peer}")[0].split()
	counts = dict(zip(stats[::2], stats[1::2]))
	assert counts == {"packets": "4", "bytes": str(4 * len(raw(inner))), "REPLAY": "2",
			  "AUTH": "1", "OUT_OF_WINDOW": "1", "TRUNCATED": "1"}, counts
	tool.free(peer)
