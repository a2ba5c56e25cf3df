"""flexgw's IKEv2 message codec against scapy's IKEv2 layer, an independent
encoder, through build/tests/unit/ike/tool/ike_vector_tool: messages scapy
builds parse, print the expected strongSwan-style summary and, built again
by flexgw from what parsed, come out octet for octet as scapy wrote them.
Cut or corrupted, they are refused.

scapy 2.5 gets some Next Payload values wrong when it chains payloads
itself (CP is announced as 46), so every payload's Next Payload is set here
explicitly; it miscounts some lengths (IDi and CP fail to compute theirs, a
Notify's leaves out its SPI, an IPv6 selector's says 20), which are given
here (flexgw refused each wrong one as it should); its Delete payload has
no usable fields and is not used. An
encrypted message carries its inner chain in the clear (no IV, padding or
ICV): the tool reads the SK payload's body as the decrypted chain."""
import subprocess

import pytest

import topo

ikev2 = pytest.importorskip("scapy.contrib.ikev2")

from scapy.compat import raw  # noqa: E402

TOOL = topo.build_dir() / "tests" / "unit" / "ike" / "tool" / "ike_vector_tool"

SPI_I = bytes.fromhex("0102030405060708")
SPI_R = bytes.fromhex("1112131415161718")


def run_tool(messages):
	"""[(rc, rebuilt bytes or None, summary)] for each message."""
	if not TOOL.exists():
		pytest.fail(f"{TOOL} not built")
	p = subprocess.run([str(TOOL)], input="".join(m.hex() + "\n" for m in messages),
			   capture_output=True, text=True, timeout=60, check=True)
	out = []
	for line in p.stdout.splitlines():
		rc, hexs, summary = line.split(" ", 2)
		out.append((int(rc), None if hexs == "-" else bytes.fromhex(hexs), summary))
	assert len(out) == len(messages), p.stdout + p.stderr
	return out


def chain(payloads):
	"""Stacks scapy payloads, each one's Next Payload set to the type of
	the one after it: payloads is [(type, layer)]. Returns (first type,
	the stacked layers)."""
	stacked = None
	for i, (_, layer) in enumerate(payloads):
		layer.next_payload = payloads[i + 1][0] if i + 1 < len(payloads) else 0
		stacked = layer if stacked is None else stacked / layer
	return (payloads[0][0] if payloads else 0), stacked


def header(exchange, msg_id, first, response, spi_r=SPI_R):
	return ikev2.IKEv2(init_SPI=SPI_I, resp_SPI=spi_r, next_payload=first, exch_type=exchange,
			   flags=0x20 if response else 0x08, id=msg_id)


def message(exchange, msg_id, payloads, response=False, spi_r=SPI_R):
	first, body = chain(payloads)
	hdr = header(exchange, msg_id, first, response, spi_r)
	return raw(hdr / body) if body is not None else raw(hdr)


def encrypted(exchange, msg_id, payloads, response=False):
	"""SK, whose Next Payload names the first inner payload, as the only
	payload; its body is the inner chain in the clear."""
	first, body = chain(payloads)
	sk = ikev2.IKEv2_payload_Encrypted(next_payload=first, load=raw(body) if body else b"")
	return raw(header(exchange, msg_id, 46, response) / sk)


def transform(ttype, tid, key_len=None):
	if key_len is None:
		return ikev2.IKEv2_payload_Transform(transform_type=ttype, transform_id=tid)
	return ikev2.IKEv2_payload_Transform(transform_type=ttype, transform_id=tid, length=12,
					     key_length=key_len)


def proposal(num, proto, transforms, spi=b""):
	stacked = None
	for i, t in enumerate(transforms):
		t.next_payload = 3 if i + 1 < len(transforms) else 0
		stacked = t if stacked is None else stacked / t
	return ikev2.IKEv2_payload_Proposal(proposal=num, proto=proto, SPIsize=len(spi), SPI=spi,
					    trans_nb=len(transforms), trans=stacked)


def sa(*proposals):
	stacked = None
	for i, p in enumerate(proposals):
		p.next_payload = 2 if i + 1 < len(proposals) else 0
		stacked = p if stacked is None else stacked / p
	return ikev2.IKEv2_payload_SA(prop=stacked)


def ike_sa_init():
	return message(34, 0, [
		(33, sa(proposal(1, 1, [transform(1, 12, 256), transform(2, 7), transform(3, 14),
					transform(4, 14)]),
			proposal(2, 1, [transform(1, 20, 128), transform(2, 5), transform(4, 31)]))),
		(34, ikev2.IKEv2_payload_KE(group=14, load=bytes(range(256)))),
		(40, ikev2.IKEv2_payload_Nonce(load=bytes(range(32)))),
		(41, ikev2.IKEv2_payload_Notify(type=16388, load=b"\x22" * 20)),
		(41, ikev2.IKEv2_payload_Notify(type=16389, load=b"\x33" * 20)),
		(43, ikev2.IKEv2_payload_VendorID(vendorID=b"FLEXVPN-SUPPORTED")),
		(43, ikev2.IKEv2_payload_VendorID(vendorID=b"CISCO-DELETE-REASON")),
	], spi_r=bytes(8))


def ike_auth():
	ts4 = ikev2.IPv4TrafficSelector(starting_address_v4="10.1.0.0",
					ending_address_v4="10.1.255.255")
	ts6 = ikev2.IPv6TrafficSelector(starting_address_v6="2001:db8::",
					ending_address_v6="2001:db8::ffff", IP_protocol_ID=6,
					start_port=443, end_port=443, length=40)
	cp = ikev2.IKEv2_payload_CP(CFGType=1, length=8 + 3 * 4, attributes=[
		ikev2.ConfigurationAttribute(type=1, length=0),
		ikev2.ConfigurationAttribute(type=3, length=0),
		ikev2.ConfigurationAttribute(type=28675, length=0)])
	return encrypted(35, 1, [
		(35, ikev2.IKEv2_payload_IDi(IDtype=3, ID=b"user@example.org", length=8 + 16)),
		(41, ikev2.IKEv2_payload_Notify(type=16384)),
		(38, ikev2.IKEv2_payload_CERTREQ(cert_type=4, cert_data=b"\x44" * 20)),
		(39, ikev2.IKEv2_payload_AUTH(auth_type=2, load=b"\x55" * 48)),
		(47, cp),
		(33, sa(proposal(1, 3, [transform(1, 20, 256), transform(5, 0)],
				 spi=bytes.fromhex("c0ffee01")))),
		(44, ikev2.IKEv2_payload_TSi(number_of_TSs=2, traffic_selector=[ts4, ts6])),
		(45, ikev2.IKEv2_payload_TSr(number_of_TSs=1, traffic_selector=[ts4])),
	])


def create_child_rekey():
	return encrypted(36, 2, [
		(41, ikev2.IKEv2_payload_Notify(proto=3, SPIsize=4, SPI=bytes.fromhex("c0ffee01"),
						type=16393, length=12)),
		(33, sa(proposal(1, 3, [transform(1, 12, 128), transform(3, 12), transform(5, 0)],
				 spi=bytes.fromhex("c0ffee02")))),
		(40, ikev2.IKEv2_payload_Nonce(load=b"\x66" * 16)),
		(34, ikev2.IKEv2_payload_KE(group=31, load=b"\x77" * 32)),
	], response=True)


CASES = [
	(ike_sa_init, "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) V V ]"),
	(ike_auth, "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) CERTREQ AUTH CPRQ(ADDR DNS 28675) "
		   "SA TSi TSr ]"),
	(create_child_rekey, "CREATE_CHILD_SA response 2 [ N(REKEY_SA) SA No KE ]"),
	(lambda: encrypted(37, 9, []), "INFORMATIONAL request 9 [ ]"),
]


@pytest.mark.parametrize("make,summary", CASES, ids=[c[0].__name__ for c in CASES])
def test_scapy_message_round_trip(make, summary):
	msg = make()
	(rc, rebuilt, got), = run_tool([msg])
	assert rc == 0, got
	assert got == summary
	assert rebuilt == msg, f"\nscapy {msg.hex()}\nours  {rebuilt.hex() if rebuilt else None}"


def test_scapy_messages_cut_or_corrupted():
	"""Every cut of each message (the header's length made to agree) is
	refused; so is each message with one length field off by one."""
	cuts = []
	for make, _ in CASES:
		msg = make()
		for n in range(28, len(msg)):
			cut = bytearray(msg[:n])
			cut[24:28] = n.to_bytes(4, "big")
			cuts.append(bytes(cut))
	assert all(rc < 0 for rc, _, _ in run_tool(cuts))
	msg = ike_sa_init()
	# the SA payload's length, the first proposal's, its first transform's
	for off in (30, 34, 42):
		for delta in (-1, 1):
			bad = bytearray(msg)
			bad[off + 1] = (bad[off + 1] + delta) & 0xff
			(rc, _, got), = run_tool([bytes(bad)])
			assert rc < 0, f"offset {off}{delta:+}: {got}"


def test_scapy_unknown_payloads():
	"""An unknown payload is skipped without the critical bit and refused
	with it (the summary keeps what parsed before it)."""
	def unknown(flags):
		return message(37, 4, [
			(40, ikev2.IKEv2_payload_Nonce(load=b"\x01" * 16)),
			(199, ikev2.IKEv2_payload(flags=flags, load=b"\x00" * 5)),
			(43, ikev2.IKEv2_payload_VendorID(vendorID=b"x")),
		])
	(rc, rebuilt, got), (rc2, _, got2) = run_tool([unknown(0), unknown(0x80)])
	assert rc == 0 and got == "INFORMATIONAL request 4 [ No V ]"
	assert rebuilt == message(37, 4, [(40, ikev2.IKEv2_payload_Nonce(load=b"\x01" * 16)),
					  (43, ikev2.IKEv2_payload_VendorID(vendorID=b"x"))])
	assert rc2 == -4 and got2 == "INFORMATIONAL request 4 [ No ]"
