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
from scapy.layers.l2 import ARP, Dot1Q, Ether

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
	for name, data in sorted(frames.items()):
		(out / name).write_bytes(data)
	print(f"{len(frames)} seeds in {out}")


if __name__ == "__main__":
	main()
