#!/usr/bin/python3
"""Writes the seed corpus of fuzz_esp: one file per input, in the input
format fuzz_esp.c describes (a selector byte, then a raw ESP packet, a
packet to seal, or an inner packet for the encapsulation round trip),
covering every SA of the target, both outer families, NAT-T, ESN near a
2^32 boundary, and the trailer cases (dummy packets, bad padding, a bad
next header, Ethernet padding, flipped headers).

    /usr/bin/python3 tests/fuzz/esp/make_seeds.py [DIR]   (default: seeds/ here)
"""
import struct
import sys
from pathlib import Path

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import GRE

# fuzz_esp.c's SA table: (tunnel, esn, natt) per index; SPI generation 0x5a.
SAS = [
	(True, False, False), (True, True, False), (False, True, False), (True, True, True),
	(False, False, True), (True, False, False), (True, True, True), (False, False, True),
	(True, True, False), (False, True, False), (True, False, False), (False, True, True),
]
RAW, SEAL, ROUNDTRIP = 0, 1, 2
SEAL_V6, SEAL_NATT, SEAL_HBH, SEAL_OWN_PAD = 0x01, 0x02, 0x04, 0x08
SEAL_UNALIGNED, SEAL_ETH_PAD, SEAL_EXPIRED = 0x10, 0x20, 0x40
IV = bytes(range(0x30, 0x40))


def spi(i):
	return 0x5a << 24 | (i + 1)


def inner(v6, tunnel):
	if tunnel:
		if v6:
			return bytes(IPv6(src="2001:db8:1::10", dst="2001:db8:2::10") / ICMPv6EchoRequest(data=b"ping"))
		return bytes(IP(src="192.0.2.10", dst="198.51.100.10") / ICMP() / b"ping")
	# Transport mode carries GRE between the tunnel endpoints.
	gre = GRE(proto=0x0800) / IP(src="192.0.2.10", dst="198.51.100.10") / ICMP()
	if v6:
		return bytes(IPv6(src="2001:db8:e::2", dst="2001:db8:e::1") / gre)
	return bytes(IP(src="198.51.100.2", dst="198.51.100.1") / gre)


def select(mode, i):
	return bytes([mode << 6 | i])


def seal(i, flags=0, pad=None, nh=None, seq=1, top=0, flips=(0, 0, 0, 0), payload=None):
	tunnel, _, natt = SAS[i]
	v6 = bool(flags & SEAL_V6)
	if payload is None:
		# Tunnel: the inner packet; transport: what follows the IP header.
		payload = inner(v6, True) if tunnel else bytes(GRE(proto=0x0800) / IP() / ICMP())
	if nh is None:
		nh = (41 if v6 else 4) if tunnel else 47
	if pad is None:
		pad = -(len(payload) + 2) % 4
	if natt:
		flags |= SEAL_NATT
	head = struct.pack(">BBBIQ", flags, pad, nh, seq, top) + IV + bytes(flips)
	return select(SEAL, i) + head + payload


def roundtrip(i, v6, seq=0, flips=(0, 0, 0, 0), packet=None):
	tunnel = SAS[i][0]
	return select(ROUNDTRIP, i) + struct.pack(">Q", seq) + bytes(flips) + (packet or inner(v6, tunnel))


def raw(i, packet):
	return select(RAW, i) + bytes(packet)


def seeds():
	out = {}
	body = bytes(range(64))
	for i, (tunnel, esn, natt) in enumerate(SAS):
		for v6 in (False, True):
			fam = "v6" if v6 else "v4"
			out[f"roundtrip_{i}_{fam}"] = roundtrip(i, v6)
			out[f"seal_{i}_{fam}"] = seal(i, SEAL_V6 if v6 else 0)
			outer = (IPv6(src="2001:db8:e::2", dst="2001:db8:e::1") if v6 else
				 IP(src="198.51.100.2", dst="198.51.100.1"))
			esp = ESP(spi=spi(i), seq=1) / body
			out[f"raw_{i}_{fam}"] = raw(i, outer / (UDP(sport=4500, dport=4500) / esp if natt else esp))
		if esn:
			# Around a 2^32 boundary, the sender ahead and behind.
			out[f"roundtrip_{i}_wrap"] = roundtrip(i, False, seq=0xfffffffe)
			out[f"seal_{i}_wrap"] = seal(i, seq=2, top=0x1fffffff0)
			out[f"seal_{i}_behind"] = seal(i, seq=0xfffffff0, top=0x100000008)
	out["seal_dummy"] = seal(0, nh=59)
	out["seal_bad_nh"] = seal(0, nh=17)
	out["seal_bad_pad"] = seal(5, SEAL_OWN_PAD, pad=7)
	out["seal_pad_long"] = seal(0, pad=250, payload=b"\x45\x00")
	out["seal_v6_hbh"] = seal(1, SEAL_V6 | SEAL_HBH)
	out["seal_transport_v6_hbh"] = seal(9, SEAL_V6 | SEAL_HBH)
	out["seal_eth_pad"] = seal(8, SEAL_ETH_PAD)
	out["seal_expired"] = seal(0, SEAL_EXPIRED)
	out["seal_cbc_unaligned"] = seal(5, SEAL_UNALIGNED)
	out["seal_replayed"] = seal(1, seq=5, top=5)
	out["seal_out_of_window"] = seal(0, seq=1, top=1000)
	out["seal_flip_total_length"] = seal(0, flips=(3, 0x10, 0, 0))
	out["seal_flip_ihl"] = seal(0, flips=(0, 0x03, 0, 0))
	out["seal_short_inner"] = seal(5, payload=bytes(IP() / b"x")[:12])
	out["roundtrip_flip_udp_length"] = roundtrip(3, False, flips=(25, 0x04, 0, 0))
	out["roundtrip_dummy"] = roundtrip(2, False, packet=bytes(IP(proto=59) / b"dummy"))
	out["raw_ike"] = raw(3, IP() / UDP(sport=4500, dport=4500) / (b"\0\0\0\0" + body))
	out["raw_keepalive"] = raw(3, IP() / UDP(sport=4500, dport=4500) / b"\xff")
	out["raw_v6_fragment"] = raw(1, IPv6() / IPv6ExtHdrFragment(nh=50) / ESP(spi=spi(1), seq=1) / body)
	out["raw_v6_hbh"] = raw(1, IPv6() / IPv6ExtHdrHopByHop(nh=50) / ESP(spi=spi(1), seq=1) / body)
	out["raw_truncated"] = raw(0, IP(proto=50) / bytes(spi(0).to_bytes(4, "big")))
	return out


def main():
	d = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "seeds"
	d.mkdir(parents=True, exist_ok=True)
	for name, data in sorted(seeds().items()):
		(d / name).write_bytes(data)


if __name__ == "__main__":
	main()
