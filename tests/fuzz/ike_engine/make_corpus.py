"""Writes the seed corpus of fuzz_ike_engine (record format in
fuzz_ike_engine.c): whole exchanges with the gateway of gateway.json, from
the messages of tests/fuzz/ike/make_corpus.py (flexgw's and strongSwan's
captured exchanges, their inner chains, the made-up CP/EAP/delete chains)
and a few made here: a site-to-site and a FlexVPN remote-access IKE_AUTH,
a new CHILD SA, an IKE SA rekey, deletes, the initiator's side of a
tunnel's initiation, the cookie threshold.

  python3 tests/fuzz/ike_engine/make_corpus.py
"""
import importlib.util
import struct
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("ike_corpus", HERE.parent / "ike" / "make_corpus.py")
ike = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ike)

RAW, INIT, SK, TUNNEL, PATCH, DUE = range(6)
IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL = 35, 36, 37
RESPONSE, FIX_AUTH = 1, 2
N_FRAG_SUP, N_REDIR_SUP, N_HASH_ALG, N_REKEY_SA = 16430, 16406, 16431, 16393
N_COOKIE = 16390


def rec(op, data, peer=0):
	return struct.pack("!BH", peer << 4 | op, len(data)) + data


def sk(exchange, flags, payloads, peer=0):
	first, inner = ike.chain(payloads)
	return rec(SK, bytes([exchange, flags, first]) + inner, peer)


def init(group=0, notifies=(N_FRAG_SUP, N_REDIR_SUP, N_HASH_ALG), peer=0):
	return rec(INIT, bytes([group]) + b"".join(struct.pack("!H", n) for n in notifies), peer)


def transform(last, ttype, tid, bits=None):
	attr = struct.pack("!HH", 0x800e, bits) if bits else b""
	return struct.pack("!BxHBxH", 0 if last else 3, 8 + len(attr), ttype, tid) + attr


def proposal(protocol, spi, transforms, num=1):
	body = b"".join(transform(i == len(transforms) - 1, *t) for i, t in enumerate(transforms))
	return struct.pack("!BxHBBBB", 0, 8 + len(spi) + len(body), num, protocol, len(spi),
			   len(transforms)) + spi + body


ESP_GCM = proposal(3, bytes.fromhex("c0ffee01"), [(1, 20, 256), (5, 0)])
ESP_CBC_PFS = proposal(3, bytes.fromhex("c0ffee02"), [(1, 12, 128), (3, 12), (4, 31), (5, 0)])
ESP_GCM_PFS = proposal(3, bytes.fromhex("c0ffee03"), [(1, 20, 256), (4, 31), (5, 0)])
IKE_CBC = [(1, 12, 256), (2, 5), (3, 12), (4, 31)]
IKE_GCM = [(1, 20, 256), (2, 6), (4, 31)]	# what the responder picks of ours
PUB = X25519PrivateKey.from_private_bytes(bytes([0x22] * 32)).public_key().public_bytes(
	serialization.Encoding.Raw, serialization.PublicFormat.Raw)
ANY4 = ike.ts([(bytes(4), b"\xff" * 4, 0)])
NONCE = bytes([0x6e] * 32)


def idp(kind, value):
	return struct.pack("!B3x", kind) + value


def auth():
	return struct.pack("!B3x", 2) + bytes(32)		# replaced: FIX_AUTH


def ke():
	return struct.pack("!HH", 31, 0) + PUB


def site_auth(extra=()):
	return sk(IKE_AUTH, FIX_AUTH, [(ike.IDI, idp(2, b"branch.example"), 0),
				       (ike.N, struct.pack("!BBH", 0, 0, 16384), 0),
				       (ike.AUTH, auth(), 0), (ike.SA, ESP_GCM, 0),
				       (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0), *extra])


def ra_auth():
	cp = struct.pack("!B3x", 1) + b"".join(struct.pack("!HH", t, 0) for t in (1, 3, 8, 10, 28675))
	return sk(IKE_AUTH, FIX_AUTH, [(ike.IDI, idp(3, b"alice@example.com"), 0),
				       (ike.AUTH, auth(), 0), (ike.CP, cp, 0),
				       (ike.SA, ESP_GCM, 0), (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0)],
		  peer=1)


def init_response():
	"""The answer to Tunnel0's IKE_SA_INIT: its SPIs are patched in."""
	body = [(ike.SA, proposal(1, b"", IKE_CBC), 0), (ike.KE, ke(), 0), (ike.NONCE, NONCE, 0)]
	first, chain = ike.chain(body)
	return struct.pack("!8s8sBBBBII", bytes(8), bytes.fromhex("5151515151515151"), first, 0x20,
			   34, 0x20, 0, 28 + len(chain)) + chain


def seeds():
	out = {
		"init": init(),
		"init-ecp256-nonatd": init(1 | 0x80, ()),
		"init-natt": init(0, (N_FRAG_SUP,), peer=1),
		"init-ipv6": init(2, (), peer=2),
		"cookie-threshold": init() + init(peer=1) + init(peer=2) + init() +
			rec(RAW, ike.message(ike.N, ike.chain([(ike.N, struct.pack("!BBH", 0, 0, N_COOKIE) +
								    bytes(20), 0)])[1], 34, 0)),
		"cookie-echo": init() + init(peer=1) + init(peer=2) + init() + init(0x40) + site_auth(),
		"site-auth": init() + site_auth(),
		"site-auth-transport": init() + site_auth([(ike.N, struct.pack("!BBH", 0, 0, 16391), 0)]),
		"ra-auth": init(peer=1) + ra_auth(),
		"site-child": init() + site_auth() +
			sk(CREATE_CHILD_SA, 0, [(ike.SA, ESP_CBC_PFS, 0), (ike.NONCE, NONCE, 0),
						(ike.KE, ke(), 0), (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0)]),
		"site-ike-rekey": init() + site_auth() +
			sk(CREATE_CHILD_SA, 0, [(ike.SA, proposal(1, bytes(range(1, 9)), IKE_GCM), 0),
						(ike.NONCE, NONCE, 0), (ike.KE, ke(), 0)]),
		"site-child-rekey": init() + site_auth() +
			sk(CREATE_CHILD_SA, 0, [(ike.N, struct.pack("!BBH", 3, 4, N_REKEY_SA) +
						 bytes.fromhex("c0ffee01"), 0),
						(ike.SA, ESP_GCM_PFS, 0), (ike.NONCE, NONCE, 0),
						(ike.KE, ke(), 0), (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0)]),
		"site-delete-child": init() + site_auth() +
			sk(INFORMATIONAL, 0, [(ike.D, struct.pack("!BBH", 3, 4, 1) + bytes.fromhex("c0ffee01"), 0)]),
		"site-delete-ike": init() + site_auth() +
			sk(INFORMATIONAL, 0, [(ike.D, struct.pack("!BBH", 1, 0, 0), 0)]),
		"site-liveness": init() + site_auth() + sk(INFORMATIONAL, 0, []),
		"initiator": rec(TUNNEL, b"\x00") + rec(PATCH, init_response()) +
			sk(IKE_AUTH, RESPONSE | FIX_AUTH,
			   [(ike.IDR, idp(1, bytes([203, 0, 113, 2])), 0), (ike.AUTH, auth(), 0),
			    (ike.SA, ESP_GCM, 0), (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0)]),
		"initiator-gre": rec(TUNNEL, b"\x01") + rec(PATCH, init_response(), 3) +
			sk(IKE_AUTH, RESPONSE | FIX_AUTH,
			   [(ike.IDR, idp(1, bytes([203, 0, 113, 3])), 0), (ike.AUTH, auth(), 0),
			    (ike.SA, ESP_GCM, 0), (ike.TSI, ANY4, 0), (ike.TSR, ANY4, 0),
			    (ike.N, struct.pack("!BBH", 0, 0, 16391), 0)], peer=3),
		# the engine's own requests, answered
		"rekey-ike-ours": init() + site_auth() + rec(DUE, b"\x01") +
			sk(CREATE_CHILD_SA, RESPONSE, [(ike.SA, proposal(1, bytes(range(1, 9)), IKE_GCM), 0),
						       (ike.NONCE, NONCE, 0), (ike.KE, ke(), 0)]) +
			sk(INFORMATIONAL, RESPONSE, [(ike.D, struct.pack("!BBH", 1, 0, 0), 0)]),
		"rekey-child-ours": init() + site_auth() + rec(DUE, b"\x02") +
			sk(CREATE_CHILD_SA, RESPONSE, [(ike.SA, ESP_GCM_PFS, 0), (ike.NONCE, NONCE, 0),
						       (ike.KE, ke(), 0), (ike.TSI, ANY4, 0),
						       (ike.TSR, ANY4, 0)]) +
			rec(DUE, b"\x04") +
			sk(INFORMATIONAL, RESPONSE, [(ike.D, struct.pack("!BBH", 3, 4, 1) +
						      bytes.fromhex("c0ffee01"), 0)]),
		# session 7's campaign: a response of another exchange than our request
		# (here an unknown one to a CHILD SA rekey) freed the request slot and
		# left the rekey's DH key to the IKE SA rekey to overwrite (leaked)
		"regress-response-other-exchange": init() + site_auth() + rec(DUE, b"\x02") +
			sk(148, RESPONSE, []) + rec(DUE, b"\x01"),
		"retransmit-dpd-clear": init() + site_auth() + rec(DUE, b"\x01") + rec(DUE, b"\x08") +
			rec(DUE, b"\x10") + rec(DUE, b"\x20") + sk(INFORMATIONAL, RESPONSE, []),
	}
	# the captured messages and inner chains, after a valid IKE_SA_INIT
	for f in sorted((HERE.parent / "ike" / "corpus").iterdir()):
		out["raw-" + f.name] = rec(RAW, f.read_bytes())
	for f in sorted((HERE.parent / "ike_sk" / "corpus").iterdir()):
		data = f.read_bytes()
		exchange = 36 if "create_child" in f.name else 37 if "informational" in f.name else 35
		flags = (RESPONSE if "response" in f.name else 0) | FIX_AUTH
		out["sk-" + f.name] = init() + (site_auth() if exchange != 35 else b"") + \
			rec(SK, bytes([exchange, flags]) + data)
	return out


def main():
	corpus = HERE / "corpus"
	corpus.mkdir(exist_ok=True)
	for f in corpus.iterdir():
		f.unlink()
	for name, data in seeds().items():
		(corpus / name).write_bytes(data)


if __name__ == "__main__":
	main()
