"""Hand-made IKEv2 datagrams (RFC 7296 section 3) for tests that feed a
running gateway what a real peer would never send: bad lengths, unknown
critical payloads, SPIs it does not have, replays. Only what those tests
need: an IKE_SA_INIT request for AES-CBC-256/SHA-512/group 14, any
payload chain, and a reader for the answers (header and notifies of an
unencrypted message)."""
import os
import struct
from pathlib import Path

MODP_FILE = Path(__file__).resolve().parents[1] / "vectors" / "modp.txt"

SA_INIT, AUTH, CREATE_CHILD_SA, INFORMATIONAL = 34, 35, 36, 37
F_INITIATOR, F_RESPONSE = 0x08, 0x20
PL_SA, PL_KE, PL_NONCE, PL_NOTIFY, PL_SK = 33, 34, 40, 41, 46
N_UNSUPPORTED_CRITICAL_PAYLOAD, N_INVALID_IKE_SPI = 1, 4
CRITICAL = 0x80


def header(spi_i, spi_r, first, exchange, flags, msg_id, length):
	return struct.pack("!QQBBBBII", spi_i, spi_r, first, 0x20, exchange, flags, msg_id, length)


def chain(payloads):
	"""payloads: [(type, flags, body)] -> (first type, octets)."""
	out = b""
	for i, (_, flags, body) in enumerate(payloads):
		nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
		out += struct.pack("!BBH", nxt, flags, 4 + len(body)) + body
	return (payloads[0][0] if payloads else 0), out


def message(spi_i, spi_r, exchange, flags, msg_id, payloads, length_delta=0):
	first, body = chain(payloads)
	return header(spi_i, spi_r, first, exchange, flags, msg_id, 28 + len(body) + length_delta) + body


def transform(ttype, tid, attrs=b"", last=False):
	return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def ike_proposal():
	"""AES-CBC-256, PRF-HMAC-SHA-512, HMAC-SHA-512-256, MODP 2048."""
	ts = (transform(1, 12, struct.pack("!HH", 0x800E, 256)) + transform(2, 7) +
	      transform(3, 14) + transform(4, 14, last=True))
	return struct.pack("!BBHBBBB", 0, 0, 8 + len(ts), 1, 1, 0, 4) + ts


def modp2048():
	"""RFC 3526's group 14 prime, from the test vectors."""
	for line in MODP_FILE.read_text().splitlines():
		if line.startswith("p = ") and len(line) - 4 == 512:
			return int(line[4:], 16)
	raise ValueError("no 2048-bit prime in " + str(MODP_FILE))


def sa_init_request(spi_i=None, extra=(), length_delta=0):
	"""An IKE_SA_INIT request a gateway with that proposal accepts, with
	extra payloads [(type, flags, body)] at the end of the chain (KE:
	2^x mod p for a random x, a valid public value)."""
	spi_i = spi_i or struct.unpack("!Q", os.urandom(8))[0] | 1
	y = pow(2, int.from_bytes(os.urandom(32), "big") | 1 << 255, modp2048())
	ke = struct.pack("!HH", 14, 0) + y.to_bytes(256, "big")
	payloads = [(PL_SA, 0, ike_proposal()), (PL_KE, 0, ke), (PL_NONCE, 0, os.urandom(32))]
	payloads += list(extra)
	return message(spi_i, 0, SA_INIT, F_INITIATOR, 0, payloads, length_delta)


def parse(data):
	"""Header fields and, for an unencrypted message, its payload types and
	notifies [(type, data)]."""
	spi_i, spi_r, nxt, _, exchange, flags, msg_id, length = struct.unpack("!QQBBBBII", data[:28])
	off, types, notifies = 28, [], []
	while nxt and nxt != PL_SK and off + 4 <= len(data):
		t = nxt
		nxt, _, plen = struct.unpack("!BBH", data[off:off + 4])
		body = data[off + 4:off + plen]
		types.append(t)
		if t == PL_NOTIFY:
			spi_size = body[1]
			ntype = struct.unpack("!H", body[2:4])[0]
			notifies.append((ntype, body[4 + spi_size:]))
		off += plen
	if nxt == PL_SK:
		types.append(PL_SK)
	return dict(spi_i=spi_i, spi_r=spi_r, exchange=exchange, flags=flags, msg_id=msg_id,
		    length=length, types=types, notifies=notifies)


SENDER = """
import json, socket
out = []
for port, hexmsg in {msgs!r}:
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(({src!r}, 0))
	s.settimeout({wait})
	s.sendto(bytes.fromhex(hexmsg), ({dst!r}, port))
	got = []
	try:
		while True:
			got.append(s.recv(65535).hex())
	except socket.timeout:
		pass
	s.close()
	out.append(got)
print(json.dumps(out))
"""


def send(ns, dst, msgs, wait=1.0, src="", marker=True):
	"""Sends each (port, octets) to dst from a fresh UDP socket in
	namespace ns (the non-ESP marker added for 4500 unless marker is
	false) and returns the answers to each, parsed."""
	script = SENDER.format(src=src, dst=dst, wait=wait,
			       msgs=[(port, (b"\0\0\0\0" + m if port == 4500 and marker else m).hex())
				     for port, m in msgs])
	out = []
	for (port, _), answers in zip(msgs, ns.python(script, timeout=60)):
		raws = [bytes.fromhex(a) for a in answers]
		out.append([parse(r[4:] if port == 4500 else r) for r in raws])
	return out
