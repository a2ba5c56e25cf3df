"""DSCP, ECN, TTL and DF through two gateways, as RFC 4301 (5.1.2.1) and
RFC 6040 (normal mode) say, for "ipsec ipv4", "ipsec ipv6", "gre ipv4" and
"gre ipv6" tunnels: two gateways with their WAN through a bridge
(wanpair.py) in a third namespace where nft rewrites the outer ECN field
of ESP from gwA to gwB, as a congested router on the way would:

    lan1 -- gwA (w1) -- (wan1) br0 in twan (wan2) -- (w2) gwB -- lan2

lan1 sends UDP datagrams to lan2, IPv4 and IPv6, with chosen DSCP and ECN
(and DF), TTL 64. Captured where they enter the bridge from gwA (the
outer header as gwA made it) and on lan2's eth0 (the inner packet as gwB
delivered it). On the WAN a datagram is told by its length alone: every
case has its own, 48 bytes from the next, more than any padding adds."""
import json
from typing import NamedTuple

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

import test_tunnel as tt
import topo
import wanpair
from capture import Capture
from counters import Stats

MODES = ["ipsec", "ipsec6", "gre", "gre6"]
# What flexgw puts in every outer header it makes (manual SAs, GRE), as
# IOS does; RFC 4301 leaves it to the encapsulator.
OUTER_TTL = 255
SENT_TTL = 64
COPIES = 2

NOT_ECT, ECT1, ECT0, CE = 0, 1, 2, 3
# RFC 6040 section 4.2, figure 4: the inner ECN field after decapsulation,
# by (outer, inner); None: dropped.
DECAP = {
	(NOT_ECT, NOT_ECT): NOT_ECT, (NOT_ECT, ECT0): ECT0, (NOT_ECT, ECT1): ECT1, (NOT_ECT, CE): CE,
	(ECT0, NOT_ECT): NOT_ECT, (ECT0, ECT0): ECT0, (ECT0, ECT1): ECT1, (ECT0, CE): CE,
	(ECT1, NOT_ECT): NOT_ECT, (ECT1, ECT0): ECT1, (ECT1, ECT1): ECT1, (ECT1, CE): CE,
	(CE, NOT_ECT): None, (CE, ECT0): CE, (CE, ECT1): CE, (CE, CE): CE,
}
NFT_ECN = {CE: "ce", ECT1: "ect1"}


class Case(NamedTuple):
	family: int
	tos: int	# DSCP << 2 | ECN (IPv6: the traffic class)
	df: bool
	length: int	# the inner IP packet's
	port: int	# UDP destination port: tells the cases apart on lan2

	def dst(self):
		return tt.LAN2["host4"] if self.family == 4 else tt.LAN2["host6"]


def make_cases(toses, first_port):
	"""Each TOS byte in an IPv4 and an IPv6 packet; IPv4 with DF set and
	clear in turn."""
	out = []
	for family in (4, 6):
		for tos in toses:
			i = len(out)
			out.append(Case(family, tos, family == 4 and i % 2 == 0, 200 + 48 * i,
					first_port + i))
	return out


@pytest.fixture(scope="module", params=MODES)
def pair(request, root, build, tmp_path_factory):
	with wanpair.started(build, tmp_path_factory.mktemp(f"dscp-{request.param}"),
			     request.param) as p:
		yield p


_SEND = r"""
import json, socket, sys
IP_MTU_DISCOVER, IP_PMTUDISC_DONT, IP_PMTUDISC_DO = 10, 0, 2
for dst, family, tos, df, payload, port, copies in json.loads(sys.argv[1]):
	if family == 4:
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
		s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(sys.argv[2]))
		s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO if df else IP_PMTUDISC_DONT)
	else:
		s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
		s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
		s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, int(sys.argv[2]))
	for _ in range(copies):
		s.sendto(bytes(payload), (dst, port))
	s.close()
print(json.dumps("sent"))
"""


def inner_fields(frame):
	"""(tos, ttl, df, UDP port) of a datagram on lan2, or None."""
	p = Ether(frame)
	if IP in p and UDP in p:
		return p[IP].tos, p[IP].ttl, bool(p[IP].flags.DF), p[UDP].dport
	if IPv6 in p and UDP in p:
		return p[IPv6].tc, p[IPv6].hlim, False, p[UDP].dport
	return None


def outer_fields(frame):
	"""(tos, ttl, df, IP length) of an ESP packet from gwA, or None."""
	p = Ether(frame)
	if IP in p and p[IP].proto == 50 and p[IP].src == tt.WAN_A:
		return p[IP].tos, p[IP].ttl, bool(p[IP].flags.DF), p[IP].len
	if IPv6 in p and p[IPv6].nh == 50 and p[IPv6].src == tt.WAN6_A:
		return p[IPv6].tc, p[IPv6].hlim, False, 40 + p[IPv6].plen
	return None


class Sent(NamedTuple):
	outer: list	# outer_fields of the ESP gwA sent, as it entered the WAN
	marked: list	# ... and as it left the WAN to gwB
	inner: list	# inner_fields of what lan2 got


def send(pair, cases, delivered):
	"""Sends COPIES of each case from lan1; returns what was seen once
	lan2 has every case of `delivered` (or 30 s passed)."""
	ports = {c.port for c in delivered}
	args = [[c.dst(), c.family, c.tos, c.df, c.length - (28 if c.family == 4 else 48), c.port,
		 COPIES] for c in cases]
	with Capture(pair.mid, "wan1") as wan1, Capture(pair.mid, "wan2") as wan2, \
			Capture(pair.lan2, "eth0") as lan2:
		pair.lan1.run([topo.PYTHON, "-c", _SEND, json.dumps(args), str(SENT_TTL)], timeout=30)
		got = lan2.wait(lambda frames: ports <= {f[3] for f in map(inner_fields, frames) if f}, 30)

		# The WAN's readers may trail lan2's on a loaded host.
		def esp(frames):
			return [f for f in map(outer_fields, frames) if f]

		def every(frames):
			return len(esp(frames)) >= COPIES * len(cases)
		return Sent(esp(wan1.wait(every, 10)), esp(wan2.wait(every, 10, sent=True)),
			    [f for f in map(inner_fields, got) if f])


def by_case(cases, outer):
	"""The outer headers of each case: the k-th shortest outer length is
	the k-th shortest case."""
	lengths = sorted({o[3] for o in outer})
	assert len(lengths) == len(cases), f"outer lengths {lengths} for {len(cases)} cases"
	case_of = dict(zip(lengths, sorted(cases, key=lambda c: c.length)))
	found = {c: [] for c in cases}
	for o in outer:
		found[case_of[o[3]]].append(o)
	return found


ENCAP_TOS = [0xb8 | ECT0, 0x28 | ECT1, 0x48 | CE, 0x48 | NOT_ECT, 0]


@pytest.fixture(scope="module")
def encap(pair):
	"""The datagrams of ENCAP_TOS, outer and inner, with the WAN left alone."""
	cases = make_cases(ENCAP_TOS, 20000)
	sent = send(pair, cases, cases)
	return cases, by_case(cases, sent.outer), sent.inner


def test_outer_copies_dscp_and_ecn(encap):
	cases, outer, _ = encap
	for c in cases:
		assert outer[c] and {o[0] for o in outer[c]} == {c.tos}, (c, outer[c])


def test_outer_ttl_is_the_gateways(encap):
	cases, outer, _ = encap
	for c in cases:
		assert {o[1] for o in outer[c]} == {OUTER_TTL}, (c, outer[c])


def test_outer_df(pair, encap):
	"""ESP tunnel mode over IPv4 copies DF (IOS's df-bit copy) and sets
	it for IPv6 inside, which no router fragments (RFC 4213 3.2); GRE's
	outer header never sets it, so the tunnel fragments what it must."""
	cases, outer, _ = encap
	for c in cases:
		df = pair.mode == "ipsec" and (c.df or c.family == 6)
		assert {o[2] for o in outer[c]} == {df}, (c, outer[c])


def test_inner_tos_unchanged_ttl_less_two(encap):
	"""Each gateway forwards the inner packet once: TTL/hop limit 64 -> 62;
	DSCP and ECN arrive as sent (the outer ECN was the inner's)."""
	cases, _, inner = encap
	for c in cases:
		got = [i for i in inner if i[3] == c.port]
		assert got and {(i[0], i[1]) for i in got} == {(c.tos, SENT_TTL - 2)}, (c, got)
		assert all(i[2] == c.df for i in got if c.family == 4), (c, got)


@pytest.mark.parametrize("outer_ecn", [CE, ECT1], ids=["ce", "ect1"])
def test_outer_ecn_at_decapsulation(pair, outer_ecn):
	"""A router between the gateways sets the outer ECN field: gwB
	combines it into the inner one per RFC 6040, drops not-ECT under CE
	(counted as ESP_ECN), and leaves the DSCP alone."""
	base = 21000 + 100 * outer_ecn
	cases = make_cases([0xb8 | ECT0, 0x28 | ECT1, 0x48 | CE, 0x48 | NOT_ECT], base)
	delivered = [c for c in cases if DECAP[outer_ecn, c.tos & 3] is not None]
	before = Stats.settled(pair.gwb)
	pair.mark(NFT_ECN[outer_ecn])
	try:
		sent = send(pair, cases, delivered)
	finally:
		pair.mark(None)
	assert len(sent.marked) == COPIES * len(cases), sent.marked
	assert {o[0] & 3 for o in sent.marked} == {outer_ecn}, sent.marked
	for c in cases:
		got = [i for i in sent.inner if i[3] == c.port]
		want = DECAP[outer_ecn, c.tos & 3]
		if want is None:
			assert not got, (c, got)
		else:
			assert got and {i[0] for i in got} == {(c.tos & 0xfc) | want}, (c, got)
	drops = COPIES * (len(cases) - len(delivered))
	d = Stats.delta_when(pair.gwb, before, lambda d: d.drop("ESP_ECN") >= drops)
	assert d.drop("ESP_ECN") == drops


def syn_mss(frames, flags):
	"""The MSS option of every TCP segment among frames whose flags are
	exactly `flags` ("S", "SA")."""
	out = []
	for f in frames:
		p = Ether(f)
		if TCP in p and str(p[TCP].flags) == flags:
			out += [v for k, v in p[TCP].options if k == "MSS"]
	return out


@pytest.mark.parametrize("family", [4, 6], ids=["ipv4", "ipv6"])
def test_mss_clamped_both_ways(pair, family):
	"""tcp adjust-mss 1360 on both tunnels (IPv6: 20 less, its header's
	extra): lan1's SYN reaches lan2, and lan2's SYN-ACK reaches lan1,
	with the clamped MSS instead of the hosts' 1460 (1440)."""
	mss = tt.TUNNEL_MSS - (20 if family == 6 else 0)
	dst = tt.LAN2["host4"] if family == 4 else tt.LAN2["host6"]
	with Capture(pair.lan1, "eth0") as lan1, Capture(pair.lan2, "eth0") as lan2:
		sent, got = topo.tcp_transfer(pair.lan1, pair.lan2, dst, 1000, port=5100 + family)
		assert got["sha256"] == sent["sha256"]
		syn = lan2.wait(lambda f: syn_mss(f, "S"), 10)
		syn_ack = lan1.wait(lambda f: syn_mss(f, "SA"), 10)
	assert set(syn_mss(syn, "S")) == {mss} and set(syn_mss(syn_ack, "SA")) == {mss}
