"""What the WAN does to ESP between two gateways, and what the gateways do
with inner packets too big for the tunnel, for "ipsec ipv4", "ipsec ipv6"
and "gre ipv4" tunnels (wanpair.py: the WAN runs through a bridge).
"ipsec ipv4" here is AES-CBC-128 + HMAC-SHA-384 with a replay window of
1024 on gwB and none (0) on gwA, "gre ipv4" GRE without a key over
AES-CBC-256 + HMAC-SHA-512: settings no other pair of gateways runs, tried
by every test here at no extra start-up.

ESP that gwA sent is held at the bridge and sent on to gwB by the test:
once it is delivered, again it is a replay; cut short, with a byte of its
ICV changed, with an SPI gwB does not know, or behind the replay window it
is dropped under its reason and nothing reaches lan2; in outer fragments
gwB reassembles it. Held behind 65 to 1,000 later ones it is outside the
default window of 64 and inside one of 1024. ESP from gwB that gwA
receives twice is a replay there, unless gwA has no replay window.
An inner packet over the tunnel's MTU (1400): IPv4 without DF is
fragmented before encryption (no outer fragment crosses the WAN) and
arrives whole; with DF set, and IPv6, lan1 is told the tunnel's MTU."""
import contextlib
import re
import time

import pytest
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Ether

import test_tunnel as tt
import topo
import wanpair
from capture import Capture
from counters import Stats
from lan import FrameSender

MODES = {
	"ipsec-cbc128-sha384": dict(
		tt.MODES["ipsec"],
		transform={"name": "CBC128-SHA384", "esp_encryption": "esp-aes 128",
			   "esp_integrity": "esp-sha384-hmac"},
		enc_ab="12" * 16, enc_ba="34" * 16, auth=("56" * 48, "78" * 48),
		replay_window={"A": 0, "B": 1024}),
	"ipsec6": tt.MODES["ipsec6"],
	"gre-nokey-sha512": dict(
		tt.MODES["gre"],
		transform={"name": "CBC256-SHA512", "esp_encryption": "esp-aes 256",
			   "esp_integrity": "esp-sha512-hmac", "mode": "transport"},
		enc_ab="9a" * 32, enc_ba="bc" * 32, auth=("de" * 64, "f0" * 64), gre_key=None),
}
MTU = 1400
PAYLOAD = 1000
FIRST_PORT = 30000
# the held datagrams, by what the tests do with their ESP; "late" is the
# newest: what later ones gwA sends follow it
HELD = ["replayed", "corrupted", "fragmented", "stale", "late"]
# ipsec.replay_window's default
DEFAULT_WINDOW = 64
# where the datagrams that only move gwB's window go
PUSH_PORT = FIRST_PORT + 200


@pytest.fixture(scope="module", params=list(MODES))
def pair(request, root, build, tmp_path_factory):
	with wanpair.started(build, tmp_path_factory.mktemp(f"wan-{request.param}"),
			     request.param, MODES[request.param]) as p:
		yield p


def window(pair, gw):
	"""The replay window of gateway gw ("A", "B")."""
	return pair.spec.get("replay_window", {}).get(gw, DEFAULT_WINDOW)


def is_esp(frame, v4, v6):
	p = Ether(frame)
	return (IP in p and p[IP].proto == 50 and p[IP].src == v4) or \
		(IPv6 in p and p[IPv6].nh == 50 and p[IPv6].src == v6)


def is_esp_from_a(frame):
	return is_esp(frame, tt.WAN_A, tt.WAN6_A)


def udp_ports(frames):
	"""The UDP destination port of every datagram among frames."""
	return [Ether(f)[UDP].dport for f in frames if UDP in Ether(f)]


def datagrams(pair, ports, back=False):
	"""From lan1 to lan2 (back: lan2 to lan1), one to each UDP port, in
	order."""
	script = ("import socket, sys\n"
		  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		  "for port in sys.argv[2:]:\n"
		  f"	s.sendto(bytes({PAYLOAD}), (sys.argv[1], int(port)))\n")
	src, dst = (pair.lan2, tt.LAN1["host4"]) if back else (pair.lan1, tt.LAN2["host4"])
	src.run([topo.PYTHON, "-c", script, dst] + [str(p) for p in ports])


def pushed(pair, n, most):
	"""Datagrams from lan1 to lan2 until gwB's inbound SA took n more,
	each newer than every held one: gwB's window then reaches at least n
	past the newest held. What a loaded host lost is sent again once
	gwB's count stops rising for a second, up to `most` in all (gwA
	numbers no more than that after the held ones)."""
	def took():
		return tt.sa_packets(pair.gwb)[tt.SPI_AB][0]
	start, sent = took(), 0
	while True:
		missing = start + n - took()
		if missing <= 0:
			return
		assert sent + missing <= most, f"gwB took {took() - start} of {sent} sent"
		datagrams(pair, [PUSH_PORT] * missing)
		sent += missing
		last, stalled = took(), time.time() + 1
		while last < start + n and time.time() < stalled:
			time.sleep(0.2)
			if took() != last:
				last, stalled = took(), time.time() + 1


@pytest.fixture(scope="module")
def held(pair):
	"""{use: the ESP frame of one datagram lan1 sent lan2}, none of them
	delivered: gwB has not seen them."""
	with pair.held(), Capture(pair.mid, "wan1") as wan1:
		datagrams(pair, [FIRST_PORT + i for i in range(len(HELD))])
		frames = wan1.wait(lambda f: len(list(filter(is_esp_from_a, f))) >= len(HELD), 20)
	esp = [f for f in frames if is_esp_from_a(f)]
	assert len(esp) == len(HELD), esp
	return dict(zip(HELD, esp))


class Injector:
	"""Frames sent from the bridge to gwB; what lan2 receives meanwhile."""

	def __init__(self, pair):
		self.pair = pair

	def __enter__(self):
		self.sender = FrameSender(self.pair.mid, "wan2")
		self.lan2 = Capture(self.pair.lan2, "eth0")
		return self

	def send(self, *frames):
		for f in frames:
			self.sender.send(bytes(f))

	def wait_port(self, port, timeout=20):
		return self.lan2.wait(lambda f: port in udp_ports(f), timeout)

	def __exit__(self, *exc):
		try:
			self.sender.close()
		finally:
			self.lan2.close()


def port_of(use):
	return FIRST_PORT + HELD.index(use)


def counted(gw, before, reason, n=1):
	"""gw's count of reason since before, once it reached n (or 20 s)."""
	return Stats.delta_when(gw, before, lambda d: d.drop(reason) >= n).drop(reason)


def rebuilt(frame, cut=None, spi=None, flip=None):
	"""frame with its ESP changed: cut to `cut` bytes of ESP, SPI
	replaced, or the byte `flip` bytes from its end inverted; the outer IP
	length (and checksum) made to fit."""
	p = Ether(frame)
	ip = p[IP] if IP in p else p[IPv6]
	esp = bytearray(bytes(ip.payload))
	if cut is not None:
		esp = esp[:cut]
	if spi is not None:
		esp[0:4] = spi.to_bytes(4, "big")
	if flip is not None:
		esp[-flip] ^= 0xff
	ip.remove_payload()
	if IP in p:
		del ip.len, ip.chksum
	else:
		del ip.plen
	return Ether(bytes(p / bytes(esp)))


def test_held_esp_delivered_once_then_a_replay(pair, held):
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(held["replayed"])
		got = inj.wait_port(port_of("replayed"))
		assert udp_ports(got).count(port_of("replayed")) == 1, got
		inj.send(held["replayed"])
		assert counted(pair.gwb, before, "ESP_REPLAY") == 1
		assert udp_ports(inj.lan2.received()).count(port_of("replayed")) == 1


def test_corrupted_esp_dropped_and_window_unmoved(pair, held):
	"""A byte of the ICV changed: an integrity failure, which does not
	move the replay window: the true packet is still taken after it."""
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(rebuilt(held["corrupted"], flip=1))
		assert counted(pair.gwb, before, "ESP_AUTH") == 1
		assert port_of("corrupted") not in udp_ports(inj.lan2.received())
		inj.send(held["corrupted"])
		assert port_of("corrupted") in udp_ports(inj.wait_port(port_of("corrupted")))


@pytest.mark.parametrize("change,reason", [
	(dict(cut=12), "ESP_TRUNCATED"), (dict(spi=0x0badf00d), "NO_SA")], ids=["truncated", "unknown-spi"])
def test_bad_esp_dropped(pair, held, change, reason):
	"""Cut to the ESP header and 4 bytes (shorter than any packet of the
	SA's algorithm, with an IP length that says so), or an SPI gwB has no
	SA for."""
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(rebuilt(held["replayed"], **change))
		assert counted(pair.gwb, before, reason) == 1
		assert not udp_ports(inj.lan2.received())


def test_outer_fragments_reassembled(pair, held):
	p = Ether(held["fragmented"])
	eth = Ether(src=p.src, dst=p.dst, type=p.type)
	if IP in p:
		pieces = fragment(p[IP], fragsize=400)
	else:
		ip = p[IPv6]
		esp = bytes(ip.payload)
		ip.remove_payload()
		ip.nh = 44
		pieces = fragment6(ip / IPv6ExtHdrFragment(nh=50, id=0x1234) / esp, 500)
	assert len(pieces) >= 2
	with Injector(pair) as inj:
		inj.send(*[eth / f for f in pieces])
		assert port_of("fragmented") in udp_ports(inj.wait_port(port_of("fragmented")))


def behind_window(pair):
	"""gwB's reason for a packet behind its window: with 64-bit sequence
	numbers it is taken for one of the next 2^32 (RFC 4303 A2.2), and
	fails its ICV."""
	return "ESP_AUTH" if pair.spec.get("esn") else "ESP_OUT_OF_WINDOW"


def test_late_esp_inside_a_wider_window(pair, held):
	"""The held packet once 65 to 1,000 later ones reached gwB: behind
	the default window, inside one of 1024."""
	pushed(pair, DEFAULT_WINDOW + 1, 1000)
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(held["late"])
		if window(pair, "B") >= 1024:
			assert port_of("late") in udp_ports(inj.wait_port(port_of("late")))
			assert not Stats.settled(pair.gwb).delta(before).drop(behind_window(pair))
		else:
			assert counted(pair.gwb, before, behind_window(pair)) == 1
			assert port_of("late") not in udp_ports(inj.lan2.received())


def test_stale_esp_out_of_window(pair, held):
	"""The held packet once gwB's window of later ones reached it: behind
	the window, dropped as such. show crypto ipsec sa gives the window."""
	w = window(pair, "B")
	pushed(pair, w + 10, 3 * (w + 10))
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(held["stale"])
		assert counted(pair.gwb, before, behind_window(pair)) == 1
		assert port_of("stale") not in udp_ports(inj.lan2.received())
	text = pair.gwb.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	assert f"replay detection support: Y  replay window size: {w}" in text, text


def test_esp_to_gwa_twice(pair):
	"""ESP gwB sent, sent to gwA again from the bridge: a replay gwA
	drops, or with no replay window (0) a second datagram for lan1.
	show crypto ipsec sa gives gwA's window."""
	w, port = window(pair, "A"), FIRST_PORT + 50
	Stats.settled(pair.gwb)
	before = Stats.settled(pair.gwa)
	with Capture(pair.mid, "wan2") as wan2, Capture(pair.lan1, "eth0") as lan1, \
			contextlib.closing(FrameSender(pair.mid, "wan1")) as to_a:
		datagrams(pair, [port], back=True)
		got = lan1.wait(lambda f: port in udp_ports(f), 20)
		assert udp_ports(got).count(port) == 1, got

		# wan2's reader may trail lan1's on a loaded host
		def esp_from_b(frames):
			return [f for f in frames if is_esp(f, tt.WAN_B, tt.WAN6_B)]
		esp = esp_from_b(wan2.wait(esp_from_b, 20))
		assert len(esp) == 1, esp
		to_a.send(esp[0])
		if w:
			assert counted(pair.gwa, before, "ESP_REPLAY") == 1
			assert udp_ports(lan1.received()).count(port) == 1
		else:
			got = lan1.wait(lambda f: udp_ports(f).count(port) == 2, 20)
			assert udp_ports(got).count(port) == 2, got
			assert not Stats.settled(pair.gwa).delta(before).drop("ESP_REPLAY")
	doc = pair.gwa.flexctl("show", "crypto", "ipsec", "sa")
	assert [sa["replay_window"] for sa in doc["interfaces"][0]["inbound"]] == [w], doc
	text = pair.gwa.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	assert ("replay detection support: Y" in text) == (w != 0), text
	assert ("replay detection support: N\n" in text) == (w == 0), text


def test_ipv4_without_df_fragmented_before_encryption(pair):
	"""1,600 bytes of ping each way: over the tunnel's MTU at both
	gateways; every ESP packet on the WAN is whole."""
	with Capture(pair.mid, "wan1") as wan1:
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host4"], count=3, size=1600 - 28,
					deadline=30, pmtudisc="dont")
		assert (tx, rx) == (3, 3), out
	esp = [Ether(f) for f in wan1.received() if is_esp_from_a(f)]
	assert len(esp) >= 6, esp
	for p in esp:
		if IP in p:
			assert p[IP].flags.MF == 0 and p[IP].frag == 0, p.summary()
			assert p[IP].len <= MTU + 100, p.summary()
		else:
			assert IPv6ExtHdrFragment not in p, p.summary()


# How long ping waits for the ICMP error that answers its one request: ping
# ends as soon as it has it, and ping's default of 2 s is shorter than a
# loaded host may stall a gateway.
ICMP_WAIT = 20


def test_ipv4_df_set_answered_frag_needed(pair):
	try:
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host4"], count=1, size=MTU, quiet=False,
					pmtudisc="do", wait=ICMP_WAIT)
		assert rx == 0 and re.search(rf"Frag needed and DF set \(mtu = {MTU}\)", out), out
	finally:
		pair.lan1.run("ip route flush cache")


def test_ipv6_packet_too_big_then_fragmented_by_the_host(pair):
	try:
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host6"], count=1, size=MTU, quiet=False,
					wait=ICMP_WAIT)
		assert rx == 0 and re.search(rf"Packet too big: mtu={MTU}", out), out

		# The host now fragments to the tunnel's MTU itself; lan2 learns
		# it from gwB the same way, its first reply lost to that. Until
		# lan2 has it: gwB's Packet Too Big may come after ping gave up
		# on that reply, and a reply lost to it then would count below.
		def lan2_learnt():
			route = pair.lan2.run(f"ip -6 route get {tt.LAN1['host6']}").stdout
			if f"mtu {MTU}" in route:
				return True
			topo.ping(pair.lan1, tt.LAN2["host6"], count=1, size=MTU)
			return False
		topo.wait_for("lan2 to learn the tunnel's MTU from gwB", lan2_learnt, 30)
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host6"], count=3, size=MTU, deadline=30)
		assert (tx, rx) == (3, 3), out
	finally:
		pair.lan1.run("ip -6 route flush cache")
