#!/usr/bin/python3
"""Writes the seed corpus of fuzz_packet: one file per frame, each a case the
worker must handle (forward, punt for a reason, drop for a reason), addressed
to the fuzz target's lan0 (MAC 02:00:00:00:00:01, 192.0.2.1/24,
2001:db8:1::1/64; see fuzz_packet.c).

    /usr/bin/python3 tests/fuzz/packet/make_seeds.py [DIR]   (default: seeds/ here)
"""
import sys
from pathlib import Path

from scapy.layers.inet import ICMP, IP, IPOption_NOP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RS,
                                 ICMPv6NDOptSrcLLAddr, IPv6)
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.l2 import ARP, GRE, Dot1Q, Ether

LAN0 = "02:00:00:00:00:01"
HOST = "02:00:00:00:0a:01"
BCAST = "ff:ff:ff:ff:ff:ff"
LAN0_LL = "fe80::ff:fe00:1"	# EUI-64 of LAN0


def to_us(payload):
	return Ether(dst=LAN0, src=HOST) / payload


def v4(dst, src="192.0.2.10", **kw):
	return to_us(IP(src=src, dst=dst, **kw))


def v6(dst, src="2001:db8:1::10", **kw):
	return to_us(IPv6(src=src, dst=dst, **kw))


SEEDS = {
	"arp_request": Ether(dst=BCAST, src=HOST) / ARP(op=1, hwsrc=HOST, psrc="192.0.2.10",
							 pdst="192.0.2.1"),
	"arp_reply": to_us(ARP(op=2, hwsrc=HOST, psrc="192.0.2.10", hwdst=LAN0, pdst="192.0.2.1")),
	"ipv4_echo_local": v4("192.0.2.1") / ICMP() / b"ping",
	"ipv4_echo_loopback": v4("203.0.113.1") / ICMP() / b"ping",
	"ipv4_udp_forward": v4("203.0.113.5", ttl=64) / UDP(sport=1234, dport=53) / (b"x" * 32),
	"ipv4_tcp_forward": v4("198.51.100.2") / TCP(sport=40000, dport=80, flags="S"),
	"ipv4_options_forward": v4("203.0.113.5", options=[IPOption_NOP()] * 4) / UDP() / b"o",
	"ipv4_fragment_forward": v4("203.0.113.5", flags=0) / UDP() / (b"f" * 1200),
	"ipv4_df_too_big": v4("203.0.113.5", flags="DF") / UDP() / (b"d" * 1200),
	"ipv4_already_fragment": v4("203.0.113.5", flags="MF", frag=10) / (b"m" * 800),
	"ipv4_ttl_one": v4("203.0.113.5", ttl=1) / UDP() / b"t",
	"ipv4_no_route": v4("203.0.113.250") / UDP() / b"n",
	"ipv4_blackhole": v4("203.0.113.130") / UDP() / b"b",
	"ipv4_neigh_miss": v4("198.51.100.9") / UDP() / b"q",
	"ipv4_neigh_miss_big": v4("198.51.100.9", flags=0) / UDP() / (b"q" * 1200),
	"ipv4_limited_broadcast": Ether(dst=BCAST, src=HOST) / IP(src="192.0.2.10",
								   dst="255.255.255.255") / UDP(),
	"ipv4_subnet_broadcast": Ether(dst=BCAST, src=HOST) / IP(src="192.0.2.10",
								 dst="192.0.2.255") / UDP(),
	"ipv4_multicast": Ether(dst="01:00:5e:00:00:05", src=HOST) / IP(src="192.0.2.10",
									 dst="224.0.0.5"),
	"ipv4_martian": v4("203.0.113.5", src="127.0.0.1") / UDP(),
	"ipv6_ns_dad": Ether(dst="33:33:ff:00:00:01", src=HOST) / IPv6(
		src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="2001:db8:1::1"),
	"ipv6_ns_link_local": v6(LAN0_LL, src="fe80::10", hlim=255) / ICMPv6ND_NS(
		tgt=LAN0_LL) / ICMPv6NDOptSrcLLAddr(lladdr=HOST),
	"ipv6_na_global": v6("2001:db8:1::1", hlim=255) / ICMPv6ND_NA(tgt="2001:db8:1::10"),
	"ipv6_rs": Ether(dst="33:33:00:00:00:02", src=HOST) / IPv6(
		src="fe80::10", dst="ff02::2", hlim=255) / ICMPv6ND_RS(),
	"ipv6_echo_local": v6("2001:db8:1::1") / ICMPv6EchoRequest(),
	"ipv6_echo_forward": v6("2001:db8:3::5") / ICMPv6EchoRequest() / (b"x" * 40),
	"ipv6_udp_connected": v6("2001:db8:2::2") / UDP() / b"u",
	"ipv6_too_big": v6("2001:db8:3::5") / UDP() / (b"b" * 1200),
	"ipv6_hop_one": v6("2001:db8:3::5", hlim=1) / UDP(),
	"ipv6_no_route": v6("2001:db8:ffff::1") / UDP(),
	"ipv6_neigh_miss": v6("2001:db8:2::9") / UDP(),
	"ipv6_link_local_src": v6("2001:db8:3::5", src="fe80::10") / UDP(),
	"ipv6_all_nodes": Ether(dst="33:33:00:00:00:01", src=HOST) / IPv6(
		src="fe80::10", dst="ff02::1") / ICMPv6EchoRequest(),
	"vlan_tagged": Ether(dst=LAN0, src=HOST) / Dot1Q(vlan=10) / IP(src="192.0.2.10",
								    dst="203.0.113.5"),
}


# The fuzz target's tunnels (fuzz_packet.c): every key byte 0x5a; inbound
# SPIs 0x01000001 (VTI, AES-GCM-128) and 0x01000002 (GRE key 42 from
# 198.51.100.2, AES-CBC-128 + HMAC-SHA1-96), to our loopback 203.0.113.1.
KEY = b"\x5a" * 36
PEER, US = "198.51.100.2", "203.0.113.1"


def esp_seeds():
	vti = SecurityAssociation(ESP, spi=0x01000001, crypt_algo="AES-GCM", crypt_key=KEY[:20],
				  tunnel_header=IP(src=PEER, dst=US))
	gre = SecurityAssociation(ESP, spi=0x01000002, crypt_algo="AES-CBC", crypt_key=KEY[:16],
				  auth_algo="HMAC-SHA1-96", auth_key=KEY[:20])
	inner4 = IP(src="203.0.113.70", dst="192.0.2.10") / UDP(sport=9, dport=9) / b"tunnel"
	inner6 = IPv6(src="2001:db8:3::7", dst="2001:db8:1::10") / UDP() / b"tunnel6"
	seeds = {
		"esp_vti_v4": to_us(vti.encrypt(inner4, seq_num=1)),
		"esp_vti_v6_inner": to_us(vti.encrypt(inner6, seq_num=2)),
		# ESP in UDP (RFC 3948), built by hand: this scapy leaves the UDP
		# length at 8 when it adds the header itself.
		"esp_natt_v4": to_us(IP(src=PEER, dst=US) / UDP(sport=4500, dport=4500) /
				     bytes(vti.encrypt(inner4, seq_num=3)[ESP])),
		"esp_gre_v4": to_us(gre.encrypt(IP(src=PEER, dst=US) / GRE(key_present=1, key=42) /
						inner4, seq_num=1)),
		"esp_unknown_spi": to_us(IP(src=PEER, dst=US) / ESP(spi=0x01000077, seq=1) /
					 (b"\0" * 40)),
		"ike_natt_marker": to_us(IP(src=PEER, dst=US) / UDP(sport=4500, dport=4500) /
					 (b"\0" * 4 + b"ike" * 10)),
		"ipv4_to_tunnel": v4("203.0.113.70") / TCP(sport=40000, dport=80, flags="S",
							   options=[("MSS", 1460)]),
		"ipv4_to_gre_tunnel": v4("203.0.113.100") / UDP() / (b"g" * 100),
	}
	frames = {name: bytes(pkt) for name, pkt in seeds.items()}
	# The first fragment of a longer ESP packet (reassembly).
	big = bytes(to_us(vti.encrypt(IP(src="203.0.113.70", dst="192.0.2.10") / UDP() /
				     (b"r" * 1000), seq_num=4)))
	first = Ether(big[:14]) / IP(big[14:14 + 20] + big[14 + 20:14 + 20 + 504])
	first[IP].flags = "MF"
	first[IP].len = None
	first[IP].chksum = None
	frames["esp_fragment"] = bytes(first)
	return frames


def main():
	out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "seeds"
	out.mkdir(parents=True, exist_ok=True)
	frames = {name: bytes(pkt) for name, pkt in SEEDS.items()}
	good = frames["ipv4_udp_forward"]
	frames["ipv4_truncated"] = good[:len(good) - 10]
	frames["ipv6_truncated"] = frames["ipv6_echo_forward"][:60]
	frames["runt"] = good[:10]
	# A minimum-size frame: Ethernet padding after a short IPv4 packet.
	frames["ipv4_padded"] = bytes(v4("203.0.113.5") / UDP()) + b"\0" * 18
	frames.update(esp_seeds())
	for name, data in sorted(frames.items()):
		(out / name).write_bytes(data)
	print(f"{len(frames)} seeds in {out}")


if __name__ == "__main__":
	main()
