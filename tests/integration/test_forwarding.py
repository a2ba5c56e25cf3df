"""lan1 -- flexgw -- lan2: flexgw routes IPv4 and IPv6 between two namespaces,
answers for itself, sends the ICMP errors a router must, drops malformed
frames under a named reason, and its counters account for every packet.

The module runs once per build tree (build/, and build-san/ with ASan and
UBSan when it exists); tests run in file order against one gateway."""
import json
import re
import time
from types import SimpleNamespace

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

import topo
from lan import (LAN1, LAN2, NULL_HOST, NULL_NET, PORTS, STATIC_HOST, STATIC_NET,
		      UNROUTED4, UNROUTED6)
from counters import Stats

P1, P2 = PORTS[0]["name"], PORTS[1]["name"]
PINGS = 50
TCP_BYTES = 50 * 1000 * 1000


def assert_alive(lan):
	assert lan.gw.alive(), "flexgw died:\n" + lan.gw.log_text()[-5000:]


# ---- the box describes itself -------------------------------------------------

def test_show_interfaces(lan):
	ifs = {i["name"]: i for i in lan.gw.flexctl("show", "interfaces")["interfaces"]}
	for p in PORTS:
		i = ifs[p["name"]]
		assert (i["status"], i["protocol"]) == ("up", "up"), i
		assert i["ipv4"] == p["ipv4"] and i["ipv6"] == p["ipv6"], i
		assert i["mac"].lower() == lan.gwns.mac(p["iface"]), i


@pytest.mark.parametrize("family,expect", [
	("ip", [(LAN1["net4"], "C"), (LAN1["gw4"] + "/32", "L"), (LAN2["net4"], "C"),
		(LAN2["gw4"] + "/32", "L"), (STATIC_NET, "S"), (NULL_NET, "S")]),
	("ipv6", [(LAN1["net6"], "C"), (LAN1["gw6"] + "/128", "L"), (LAN2["net6"], "C"),
		  (LAN2["gw6"] + "/128", "L")]),
], ids=["ipv4", "ipv6"])
def test_show_routes(lan, family, expect):
	routes = lan.gw.flexctl("show", family, "route")["routes"]
	seen = {(r["prefix"], r["code"]) for r in routes if r["installed"]}
	for prefix, origin in expect:
		assert (prefix, origin) in seen, f"{prefix} [{origin}] missing from {routes}"


def test_abbreviated_words(lan):
	full = lan.gw.flexctl_raw("show", "ip", "route").stdout
	assert lan.gw.flexctl_raw("sh", "ip", "ro").stdout == full


# ---- pings -----------------------------------------------------------------------

@pytest.mark.parametrize("dst", [LAN1["gw4"], LAN1["gw6"]], ids=["ipv4", "ipv6"])
def test_ping_gateway(lan, dst):
	tx, rx, out = topo.ping(lan.lan1, dst, count=10, deadline=30)
	assert (tx, rx) == (10, 10), out


@pytest.mark.parametrize("dst", [LAN2["gw4"], LAN2["gw6"]], ids=["ipv4", "ipv6"])
def test_ping_gateway_far_address(lan, dst):
	"""The address of the other port answers too (a local route, not a
	connected one)."""
	tx, rx, out = topo.ping(lan.lan1, dst, count=5, deadline=30)
	assert (tx, rx) == (5, 5), out


@pytest.mark.parametrize("dst", [LAN2["host4"], LAN2["host6"]], ids=["ipv4", "ipv6"])
def test_ping_across(lan, dst):
	# The destination resolved first: the gateway holds only
	# FGW_NEIGH_PENDING_MAX packets a neighbour while it asks, and a
	# loaded host can take longer than three 10 ms pings to answer.
	tx, rx, out = topo.ping(lan.lan1, dst, count=1, deadline=30)
	assert (tx, rx) == (1, 1), out
	before = Stats.settled(lan.gw)
	tx, rx, out = topo.ping(lan.lan1, dst, count=PINGS, deadline=30)
	assert (tx, rx) == (PINGS, PINGS), out
	d = Stats.settled(lan.gw).delta(before)
	# requests in on P1 and out on P2, replies the other way
	for port in (P1, P2):
		assert d.port(port, "rx_packets") >= PINGS
		assert d.port(port, "tx_packets") >= PINGS
	# the first packet each way may wait for ARP/ND on the control lcore,
	# which then sends it itself (injected, not forwarded)
	assert d.total("forwarded") >= 2 * PINGS - 2


def test_ping_static_route(lan):
	tx, rx, out = topo.ping(lan.lan1, STATIC_HOST, count=10, deadline=30)
	assert (tx, rx) == (10, 10), out


def test_ping_large_both_families(lan):
	"""Full-size frames: 1472 + 28 = 1500 bytes of IPv4, 1452 + 48 of IPv6."""
	for dst, size in ((LAN2["host4"], 1472), (LAN2["host6"], 1452)):
		tx, rx, out = topo.ping(lan.lan1, dst, count=20, size=size, deadline=30)
		assert (tx, rx) == (20, 20), out


# ---- TCP ----------------------------------------------------------------------

@pytest.mark.parametrize("dst", [LAN2["host4"], LAN2["host6"]], ids=["ipv4", "ipv6"])
def test_tcp_transfer(lan, dst):
	before = Stats.settled(lan.gw)
	sent, got = topo.tcp_transfer(lan.lan1, lan.lan2, dst, TCP_BYTES)
	assert got["bytes"] == TCP_BYTES
	assert got["sha256"] == sent["sha256"]
	d = Stats.settled(lan.gw).delta(before)
	assert d.port(P1, "rx_bytes") >= TCP_BYTES
	assert d.port(P2, "tx_bytes") >= TCP_BYTES
	assert_alive(lan)


# ---- ICMP errors ---------------------------------------------------------------

# How long ping waits for the ICMP error that answers its one request: ping
# ends as soon as it has it, and ping's default of 2 s is shorter than a
# loaded host may stall the gateway.
ICMP_WAIT = 20


def icmp_from(out):
	m = re.search(r"From (\S+?):? icmp_seq=\d+ (.*)", out)
	assert m, out
	return m.group(1), m.group(2)


@pytest.mark.parametrize("dst,src,text", [
	(LAN2["host4"], LAN1["gw4"], "Time to live exceeded"),
	(LAN2["host6"], LAN1["gw6"], "Time exceeded: Hop limit"),
], ids=["ipv4", "ipv6"])
def test_ttl_exceeded(lan, dst, src, text):
	_, rx, out = topo.ping(lan.lan1, dst, count=1, ttl=1, quiet=False, wait=ICMP_WAIT)
	assert rx == 0
	assert icmp_from(out) == (src, text)


@pytest.mark.parametrize("dst,src,text", [
	(UNROUTED4, LAN1["gw4"], "Destination Net Unreachable"),
	(UNROUTED6, LAN1["gw6"], "Destination unreachable: No route"),
], ids=["ipv4", "ipv6"])
def test_unreachable(lan, dst, src, text):
	"""No route: net unreachable (RFC 1812 5.2.7.1), ICMPv6 code 0 "no
	route to destination" (RFC 4443 3.1)."""
	before = Stats.settled(lan.gw)
	_, rx, out = topo.ping(lan.lan1, dst, count=1, quiet=False, wait=ICMP_WAIT)
	assert rx == 0
	assert icmp_from(out) == (src, text)
	d = Stats.settled(lan.gw).delta(before)
	assert d.control("icmp_errors_tx") >= 1


def test_blackhole_route_drops(lan):
	before = Stats.settled(lan.gw)
	_, rx, out = topo.ping(lan.lan1, NULL_HOST, count=5, interval=0.05)
	assert rx == 0, out
	d = Stats.delta_when(lan.gw, before, lambda d: d.drop("BLACKHOLE") >= 5)
	assert d.drop("BLACKHOLE") == 5


# ---- neighbours -------------------------------------------------------------------

def arp_table(lan):
	return {n["address"]: n for n in lan.gw.flexctl("show", "arp")["neighbors"]}


def test_show_arp_and_neighbors(lan):
	"""Each host is the gateway's neighbour once traffic went through it:
	this test makes that traffic itself, so it passes alone too."""
	for dst in (LAN2["host4"], LAN2["host6"]):
		tx, rx, out = topo.ping(lan.lan1, dst, count=3, deadline=30)
		assert (tx, rx) == (3, 3), out
	arp = arp_table(lan)
	nd = {n["address"]: n for n in lan.gw.flexctl("show", "ipv6", "neighbors")["neighbors"]}
	for ns, host4, host6 in ((lan.lan1, LAN1["host4"], LAN1["host6"]),
				 (lan.lan2, LAN2["host4"], LAN2["host6"])):
		mac = ns.mac("eth0")
		assert arp[host4]["mac"].lower() == mac, arp[host4]
		assert nd[host6]["mac"].lower() == mac, nd[host6]


# ---- malformed and unwanted frames ---------------------------------------------

def malformed_frames(gw_mac, host_mac):
	"""(name, frame bytes, drop reasons any of which is right). Each frame
	is addressed to the gateway's MAC, so only its content is wrong."""
	eth4 = bytes(Ether(dst=gw_mac, src=host_mac, type=0x0800))
	eth6 = bytes(Ether(dst=gw_mac, src=host_mac, type=0x86dd))
	ip4 = bytes(IP(src=LAN1["host4"], dst=LAN2["host4"]) / UDP(sport=1, dport=9) / Raw(b"x" * 18))
	ip6 = bytes(IPv6(src=LAN1["host6"], dst=LAN2["host6"]) / UDP(sport=1, dport=9) / Raw(b"x" * 18))

	def v4(first_byte=None, **kw):
		h = bytearray(bytes(IP(src=LAN1["host4"], dst=LAN2["host4"], **kw)
				    / UDP(sport=1, dport=9) / Raw(b"x" * 18)))
		if first_byte is not None:
			h[0] = first_byte
		return eth4 + bytes(h)

	arp = bytes(ARP(op=1, hwsrc=host_mac, psrc=LAN1["host4"], pdst=LAN1["gw4"]))
	# Nothing shorter than an Ethernet header: the kernel's packet socket
	# refuses to send it, so it can't reach a veth either.
	return [
		("ethernet_header_only", eth4, {"RUNT", "IPV4_HEADER"}),
		("ipv4_truncated_header", eth4 + ip4[:12], {"RUNT", "IPV4_HEADER"}),
		("ipv4_bad_checksum", v4(chksum=0x1234), {"IPV4_CHECKSUM"}),
		("ipv4_bad_version", v4(first_byte=0x65), {"IPV4_HEADER"}),
		("ipv4_ihl_below_5", v4(first_byte=0x44), {"IPV4_HEADER"}),
		("ipv4_total_length_beyond_frame", v4(len=1000), {"IPV4_HEADER", "RUNT"}),
		("ipv4_total_length_below_header", v4(len=12), {"IPV4_HEADER"}),
		("ipv6_truncated_header", eth6 + ip6[:20], {"RUNT", "IPV6_HEADER"}),
		("ipv6_payload_length_beyond_frame",
		 eth6 + bytes(IPv6(src=LAN1["host6"], dst=LAN2["host6"], plen=1000) / UDP(sport=1, dport=9)),
		 {"IPV6_HEADER", "RUNT"}),
		("ipv6_bad_version", eth6 + bytes([0x45]) + ip6[1:], {"IPV6_HEADER"}),
		("garbage_ethertype", bytes(Ether(dst=gw_mac, src=host_mac, type=0x88b5)) + b"\xde\xad" * 30,
		 {"UNKNOWN_ETHERTYPE"}),
		("not_for_our_mac", bytes(Ether(dst="02:00:00:00:00:99", src=host_mac)) + ip4,
		 {"NOT_FOR_US"}),
		# ARP is the control lcore's: the worker punts it, the control
		# lcore checks it
		("arp_truncated", bytes(Ether(dst=gw_mac, src=host_mac, type=0x0806)) + arp[:10],
		 {"RUNT", "control.malformed"}),
		("arp_bad_hardware_length",
		 bytes(Ether(dst=gw_mac, src=host_mac) /
		       ARP(op=2, hwlen=8, hwsrc=b"\x02\x01\x02\x03\x04\x05\x06\x07",
			   psrc="192.0.2.77", pdst=LAN1["gw4"])),
		 {"control.malformed"}),
	]


MALFORMED_NAMES = [m[0] for m in malformed_frames("02:00:00:00:00:01", "02:00:00:00:00:02")]
MALFORMED_COPIES = 20


@pytest.mark.parametrize("name", MALFORMED_NAMES)
def test_malformed_frame_is_a_counted_drop(lan, lan1_frames, name):
	gw_mac = lan.gwns.mac("p1")
	host_mac = lan.lan1.mac("eth0")
	frame, reasons = next((f, r) for n, f, r in malformed_frames(gw_mac, host_mac) if n == name)
	before = Stats.settled(lan.gw)
	for _ in range(MALFORMED_COPIES):
		lan1_frames.send(frame)
	d = Stats.delta_when(lan.gw, before,
			     lambda d: sum(d.counter(r) for r in reasons) >= MALFORMED_COPIES)
	counted = {r: d.counter(r) for r in reasons}
	assert sum(counted.values()) == MALFORMED_COPIES, \
		f"{name}: expected {MALFORMED_COPIES} drops under {reasons}, got {counted}"
	assert_alive(lan)


def test_bad_arp_is_not_learnt(lan, lan1_frames):
	"""Only a neighbour asking for our address from our subnet makes an
	entry. Not learnt: the malformed replies above (they claimed
	192.0.2.77), a valid unsolicited reply from that unknown 192.0.2.77,
	a valid request for us from an off-subnet sender. A valid request from
	an on-subnet stranger, sent last, is learnt: it shows the frames
	arrived and were handled (one worker, one punt ring, in order), so the
	absence of the others means something."""
	gw_mac = lan.gwns.mac("p1")
	stranger = "02:00:00:00:77:77"
	bcast = "ff:ff:ff:ff:ff:ff"
	for frame in (
		Ether(dst=gw_mac, src=stranger) /
		ARP(op=2, hwsrc=stranger, psrc="192.0.2.77", hwdst=gw_mac, pdst=LAN1["gw4"]),
		Ether(dst=bcast, src=stranger) /
		ARP(op=1, hwsrc=stranger, psrc="198.51.100.77", pdst=LAN1["gw4"]),
		Ether(dst=bcast, src=stranger) /
		ARP(op=1, hwsrc=stranger, psrc="192.0.2.78", pdst=LAN1["gw4"]),
	):
		lan1_frames.send(frame)
	deadline = time.time() + 5
	arp = arp_table(lan)
	while "192.0.2.78" not in arp and time.time() < deadline:
		time.sleep(0.1)
		arp = arp_table(lan)
	assert "192.0.2.78" in arp, f"the valid on-subnet request was not learnt: {arp}"
	assert "192.0.2.77" not in arp, arp
	assert "198.51.100.77" not in arp, arp


def test_still_forwarding_after_malformed(lan):
	assert_alive(lan)
	for dst in (LAN2["host4"], LAN2["host6"]):
		tx, rx, out = topo.ping(lan.lan1, dst, count=20, deadline=30)
		assert (tx, rx) == (20, 20), out


# ---- telemetry and the books ---------------------------------------------------

def test_dpdk_telemetry_has_flexgw_counters(lan):
	"""Telemetry reads the raw counters: they match flexctl's (never cleared
	here) once the data plane is quiet."""
	cmds = lan.gw.telemetry("/")["/"]["/"]
	assert {"/flexgw/stats", "/flexgw/workers", "/flexgw/worker", "/flexgw/interfaces"} <= set(cmds), cmds
	s = Stats.settled(lan.gw)
	tel = lan.gw.telemetry("/flexgw/worker,0", "/flexgw/interfaces")
	w0 = tel["/flexgw/worker,0"]["/flexgw/worker"]
	assert w0["rx"] == s.workers()[0]["rx"], (w0, s.workers()[0])
	assert w0["forwarded"] == s.workers()[0]["forwarded"]
	ifs = tel["/flexgw/interfaces"]["/flexgw/interfaces"]
	for p in (P1, P2):
		assert ifs[p]["rx_packets"] == s.port(p)["rx_packets"], (ifs, s.doc["ports"])


def test_dpdk_telemetry_script(lan):
	"""The stock client, dpdk-telemetry.py, reads the same socket."""
	p = topo.run(["/usr/bin/python3", "/usr/bin/dpdk-telemetry.py", "-f", lan.gw.file_prefix],
		     input="/flexgw/stats\n")
	doc = json.loads(p.stdout.strip().splitlines()[-1])
	assert doc["/flexgw/stats"]["rx"] > 0, p.stdout


def test_stats_account_for_every_packet(lan):
	"""Traffic of its own across both ports in both families (so it passes
	alone too), then the books: every worker's balance, the ports against
	the workers."""
	before = Stats.settled(lan.gw)
	for dst in (LAN2["host4"], LAN2["host6"]):
		tx, rx, out = topo.ping(lan.lan1, dst, count=PINGS, deadline=30)
		assert (tx, rx) == (PINGS, PINGS), out
	s = Stats.settled(lan.gw)
	d = s.delta(before)
	for w in s.workers():
		assert s.balance(w) == 0, f"worker books off by {s.balance(w)}: {w}"
	# requests in on P1 and replies in on P2, two families
	assert d.total("rx") >= 2 * 2 * PINGS
	# a few first packets each way may wait for ARP/ND and leave injected
	assert d.total("forwarded") >= 2 * 2 * PINGS - 12
	for port in (P1, P2):
		assert d.port(port, "rx_packets") >= 2 * PINGS
		assert d.port(port, "tx_packets") >= 2 * PINGS
	assert sum(s.port(p)["rx_packets"] for p in (P1, P2)) == s.total("rx")


def test_clean_shutdown(lan):
	"""SIGTERM: flexgw exits 0 and no sanitizer reported anything."""
	assert_alive(lan)
	rc = lan.gw.stop()
	log = lan.gw.log_text()
	assert "ERROR: AddressSanitizer" not in log, log[-5000:]
	assert "ERROR: LeakSanitizer" not in log, log[-5000:]
	assert "runtime error:" not in log, log[-5000:]
	assert rc == 0, log[-5000:]


# ---- a smaller MTU on the way: fragmentation, FRAG_NEEDED, Packet Too Big -------

SMALL_MTU = 1400


@pytest.fixture(scope="module")
def small_mtu(lan, tmp_path_factory):
	"""lan1 -- flexgw -- lan2 again, in namespaces of its own, with an IP
	MTU of 1400 on the gateway's lan2 port (and on lan2, which then
	fragments its own big replies). Same build tree as `lan`; the tests
	run after the main gateway stopped."""
	made = []
	gw = None

	def ns(name):
		n = topo.Namespace(name)
		made.append(n)
		return n
	try:
		gwns, h1, h2 = ns("mtu-gw"), ns("mtu-lan1"), ns("mtu-lan2")
		topo.veth(gwns, "p1", h1, "eth0", quiet_a=True)
		topo.veth(gwns, "p2", h2, "eth0", quiet_a=True)
		h2.run(f"ip link set eth0 mtu {SMALL_MTU}")
		topo.host(h1, "eth0", LAN1["host4"] + "/25", LAN1["host6"] + "/64", LAN1["gw4"], LAN1["gw6"])
		topo.host(h2, "eth0", LAN2["host4"] + "/24", LAN2["host6"] + "/64", LAN2["gw4"], LAN2["gw6"])
		ports = [dict(PORTS[0]), dict(PORTS[1], mtu=SMALL_MTU)]
		gw = topo.FlexGW(gwns, tmp_path_factory.mktemp("small-mtu"), ports, build=lan.build,
				 env=lan.env)
		gw.start()
		yield SimpleNamespace(gw=gw, lan1=h1, lan2=h2)
	finally:
		if gw:
			gw.stop()
		for n in reversed(made):
			n.delete()


def ping_pmtu(ns, dst, pmtudisc, size, count=1, deadline=None):
	"""ping with -M (do: DF set; dont: fragments allowed), per-packet lines
	kept. deadline: wait up to that many seconds for count replies (ping
	-w), for a test that counts them on a loaded host."""
	args = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(ICMP_WAIT), "-M", pmtudisc,
		"-s", str(size)]
	if deadline:
		args += ["-w", str(deadline)]
	p = ns.run(args + [dst], check=False, timeout=60 + (deadline or 0))
	return p.stdout + p.stderr


def test_fragmented_to_the_smaller_mtu(small_mtu):
	"""1500-byte IPv4 without DF leaves the 1400 port in fragments, and
	lan2 answers each ping."""
	small_mtu.lan1.run("ip route flush cache")
	# neighbours first: a packet that waits for ARP leaves from the control
	# lcore (fragmented by the worker before the punt, not counted)
	tx, rx, out = topo.ping(small_mtu.lan1, LAN2["host4"], count=1, deadline=30)
	assert (tx, rx) == (1, 1), out
	before = Stats.settled(small_mtu.gw)
	out = ping_pmtu(small_mtu.lan1, LAN2["host4"], "dont", 1472, count=5, deadline=30)
	assert " 5 received" in out, out
	d = Stats.settled(small_mtu.gw).delta(before)
	assert d.total("fragmented") >= 5, d.b.workers()
	assert d.port(PORTS[1]["name"], "tx_packets") >= 10


def test_frag_needed_with_df(small_mtu):
	"""DF set: ICMP fragmentation needed, carrying the next-hop MTU
	(RFC 1191), from the ingress address."""
	before = Stats.settled(small_mtu.gw)
	out = ping_pmtu(small_mtu.lan1, LAN2["host4"], "do", 1472)
	assert f"Frag needed and DF set (mtu = {SMALL_MTU})" in out, out
	assert icmp_from(out)[0] == LAN1["gw4"], out
	assert Stats.settled(small_mtu.gw).delta(before).total("fragmented") == 0


def test_packet_too_big_ipv6(small_mtu):
	"""IPv6 routers never fragment: Packet Too Big with the MTU (RFC 8201)."""
	out = ping_pmtu(small_mtu.lan1, LAN2["host6"], "do", 1452)
	assert f"Packet too big: mtu={SMALL_MTU}" in out, out
	assert icmp_from(out)[0] == LAN1["gw6"], out
	assert small_mtu.gw.alive(), small_mtu.gw.log_text()[-5000:]
