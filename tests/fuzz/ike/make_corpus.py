"""Writes the seed corpora of fuzz_ike and fuzz_ike_sk: real messages
captured by tests/vectors/ike/capture.py, flexgw's exchanges with strongSwan
in the interop topology (messages-flexgw.txt, `capture.py --flexgw`: NAT-T,
IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA with KE for CHILD and IKE SA rekeys,
INFORMATIONAL deletes, both directions) and strongSwan's own messages
(messages.txt, charon <-> charon), and a few made
here for the payloads strongSwan did not send in that capture (CP, EAP,
CERT, CERTREQ, IPv6 selectors, ESP delete, an unknown critical payload).
fuzz_ike takes whole messages; fuzz_ike_sk takes the first inner payload's
type as one octet, then the decrypted inner chain.

  python3 tests/fuzz/ike/make_corpus.py
"""
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]

SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, D, V, TSI, TSR, SK, CP, EAP = (
	33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48)


def chain(payloads):
	"""[(type, body, flags)] -> (first type, octets)."""
	out = b""
	for i, (t, body, flags) in enumerate(payloads):
		nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
		out += struct.pack("!BBH", nxt, flags, 4 + len(body)) + body
	return (payloads[0][0] if payloads else 0), out


def message(first, body, exchange=35, msg_id=1, flags=0x08):
	"""An IKE header (IKE_AUTH request 1) before the chain `body`."""
	return struct.pack("!8s8sBBBBII", bytes(range(1, 9)), bytes(8), first, 0x20, exchange,
			   flags, msg_id, 28 + len(body)) + body


def ts(ranges):
	body = struct.pack("!B3x", len(ranges))
	for start, end, proto in ranges:
		kind = 7 if len(start) == 4 else 8
		body += struct.pack("!BBHHH", kind, proto, 8 + 2 * len(start), 0, 65535) + start + end
	return body


def made():
	"""(name, first, inner chain) of the made-up payloads."""
	v6a, v6b = bytes.fromhex("20010db8" + "00" * 12), bytes.fromhex("20010db8" + "00" * 10 + "ffff")
	cp_req = struct.pack("!B3x", 1) + struct.pack("!HH", 1, 0) + struct.pack("!HH", 3, 0) + \
		struct.pack("!HH", 28675, 0)
	cp_rep = struct.pack("!B3x", 2) + struct.pack("!HH", 1, 4) + bytes([10, 9, 0, 2]) + \
		struct.pack("!HH", 13, 8) + bytes([10, 0, 0, 0, 255, 0, 0, 0])
	# a FlexVPN client of remote-access.json: address, DNS, both families,
	# its own subnets, Cisco's split DNS and default domain
	cp_flex = struct.pack("!B3x", 1) + b"".join(struct.pack("!HH", t, 0) for t in (1, 2, 3, 8, 10, 15)) + \
		struct.pack("!HH", 13, 8) + bytes([10, 1, 0, 0, 255, 255, 0, 0]) + \
		struct.pack("!HH", 15, 17) + v6a + bytes([48]) + struct.pack("!HHHH", 28674, 0, 28675, 0)
	eap_id = bytes([1, 5, 0, 5, 1])
	# one ESP proposal: AES-GCM-16 with a 256-bit key, no ESN
	esp_sa = bytes.fromhex("00000020 01030402 c0ffee01 0300000c 01000014 800e0100"
			       "00000008 05000000")
	cases = [
		("cp-request", [(IDI, struct.pack("!B3x", 3) + b"u@example.org", 0),
				(CP, cp_req, 0), (SA, esp_sa, 0),
				(TSI, ts([(bytes(4), b"\xff" * 4, 0)]), 0),
				(TSR, ts([(bytes(4), b"\xff" * 4, 0), (v6a, v6b, 6)]), 0)]),
		("cp-request-flexvpn", [(IDI, struct.pack("!B3x", 3) + b"alice@example.com", 0),
				       (CP, cp_flex, 0)]),
		("cp-reply-eap", [(IDR, struct.pack("!B3x", 2) + b"hub.example", 0),
				  (CERT, b"\x04" + bytes.fromhex("3082000a") + bytes(10), 0),
				  (AUTH, struct.pack("!B3x", 14) + bytes(32), 0),
				  (CP, cp_rep, 0), (EAP, eap_id, 0)]),
		("delete-esp", [(D, struct.pack("!BBH", 3, 4, 2) + bytes.fromhex("c0ffee01c0ffee02"), 0),
				(V, b"CISCO-DELETE-REASON", 0)]),
		("certreq-critical", [(CERTREQ, b"\x04" + bytes(20), 0), (200, b"\x00" * 4, 0x80)]),
	]
	return [(name, *chain(p)) for name, p in cases]


def vectors(name):
	"""(summary, message, inner or None) from a capture file."""
	out, cur = [], None
	for line in (REPO / "tests" / "vectors" / "ike" / name).read_text().splitlines():
		if line.startswith("msg "):
			cur = [line[4:], None, None]
			out.append(cur)
		elif line.startswith("hex "):
			cur[1] = bytes.fromhex(line[4:])
		elif line.startswith("inner "):
			cur[2] = bytes.fromhex(line[6:])
	return out


def main():
	ike, sk = HERE / "corpus", HERE.parent / "ike_sk" / "corpus"
	for d in (ike, sk):
		d.mkdir(exist_ok=True)
		for f in d.iterdir():
			f.unlink()
	for prefix, capture in (("strongswan", "messages.txt"), ("flexgw", "messages-flexgw.txt")):
		for i, (summary, msg, inner) in enumerate(vectors(capture)):
			name = f"{prefix}-{i:02d}-" + "-".join(summary.split()[:2]).lower()
			(ike / name).write_bytes(msg)
			if inner is not None:
				(sk / name).write_bytes(bytes([msg[28]]) + inner)
	for name, first, inner in made():
		(ike / name).write_bytes(message(first, inner))
		(sk / name).write_bytes(bytes([first]) + inner)


if __name__ == "__main__":
	main()
