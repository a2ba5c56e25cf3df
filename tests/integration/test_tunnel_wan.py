"""What the WAN does to ESP between two gateways, and what the gateways do
with inner packets too big for the tunnel, for "ipsec ipv4", "ipsec ipv6"
and "gre ipv4" tunnels (wanpair.py: the WAN runs through a bridge).

ESP that gwA sent is held at the bridge and sent on to gwB by the test:
once it is delivered, again it is a replay; cut short, with a byte of its
ICV changed, with an SPI gwB does not know, or behind the replay window it
is dropped under its reason and nothing reaches lan2; in outer fragments
gwB reassembles it.
An inner packet over the tunnel's MTU (1400): IPv4 without DF is
fragmented before encryption (no outer fragment crosses the WAN) and
arrives whole; with DF set, and IPv6, lan1 is told the tunnel's MTU."""
import re

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

MODES = ["ipsec", "ipsec6", "gre"]
MTU = 1400
PAYLOAD = 1000
FIRST_PORT = 30000
# the held datagrams, by what the tests do with their ESP
HELD = ["replayed", "corrupted", "fragmented", "stale"]
# gwB's replay window: the default (ipsec.replay_window)
WINDOW = 64


@pytest.fixture(scope="module", params=MODES)
def pair(request, root, build, tmp_path_factory):
	with wanpair.started(build, tmp_path_factory.mktemp(f"wan-{request.param}"),
			     request.param) as p:
		yield p


def is_esp_from_a(frame):
	p = Ether(frame)
	return (IP in p and p[IP].proto == 50 and p[IP].src == tt.WAN_A) or \
		(IPv6 in p and p[IPv6].nh == 50 and p[IPv6].src == tt.WAN6_A)


def udp_ports(frames):
	"""The UDP destination port of every datagram among frames."""
	return [Ether(f)[UDP].dport for f in frames if UDP in Ether(f)]


def datagrams(pair, ports):
	"""From lan1 to lan2, one to each UDP port, in order."""
	script = ("import socket, sys\n"
		  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		  "for port in sys.argv[2:]:\n"
		  f"	s.sendto(bytes({PAYLOAD}), (sys.argv[1], int(port)))\n")
	pair.lan1.run([topo.PYTHON, "-c", script, tt.LAN2["host4"]] + [str(p) for p in ports])


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


def counted(pair, before, reason, n=1):
	"""gwB's count of reason since before, once it reached n (or 20 s)."""
	return Stats.delta_when(pair.gwb, before, lambda d: d.drop(reason) >= n).drop(reason)


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
		assert counted(pair, before, "ESP_REPLAY") == 1
		assert udp_ports(inj.lan2.received()).count(port_of("replayed")) == 1


def test_corrupted_esp_dropped_and_window_unmoved(pair, held):
	"""A byte of the ICV changed: an integrity failure, which does not
	move the replay window: the true packet is still taken after it."""
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		inj.send(rebuilt(held["corrupted"], flip=1))
		assert counted(pair, before, "ESP_AUTH") == 1
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
		assert counted(pair, before, reason) == 1
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


def test_stale_esp_out_of_window(pair, held):
	"""The held packet once WINDOW later ones reached gwB: behind its
	window, dropped as such; with 64-bit sequence numbers it is taken for
	one of the next 2^32 (RFC 4303 A2.2), and fails its ICV. show crypto
	ipsec sa gives the window."""
	reason = "ESP_AUTH" if tt.MODES[pair.mode].get("esn") else "ESP_OUT_OF_WINDOW"
	later = range(FIRST_PORT + 100, FIRST_PORT + 100 + WINDOW + 10)
	before = Stats.settled(pair.gwb)
	with Injector(pair) as inj:
		datagrams(pair, later)
		got = inj.lan2.wait(lambda f: set(later) <= set(udp_ports(f)), 20)
		assert set(later) <= set(udp_ports(got))
		inj.send(held["stale"])
		assert counted(pair, before, reason) == 1
		assert port_of("stale") not in udp_ports(inj.lan2.received())
	text = pair.gwb.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	assert f"replay detection support: Y  replay window size: {WINDOW}" in text, text


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


def test_ipv4_df_set_answered_frag_needed(pair):
	try:
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host4"], count=1, size=MTU, quiet=False,
					pmtudisc="do")
		assert rx == 0 and re.search(rf"Frag needed and DF set \(mtu = {MTU}\)", out), out
	finally:
		pair.lan1.run("ip route flush cache")


def test_ipv6_packet_too_big_then_fragmented_by_the_host(pair):
	try:
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host6"], count=1, size=MTU, quiet=False)
		assert rx == 0 and re.search(rf"Packet too big: mtu={MTU}", out), out
		# The host now fragments to the tunnel's MTU itself; lan2 learns
		# it from gwB the same way, its first reply lost to that.
		topo.ping(pair.lan1, tt.LAN2["host6"], count=1, size=MTU)
		tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host6"], count=3, size=MTU, deadline=30)
		assert (tx, rx) == (3, 3), out
	finally:
		pair.lan1.run("ip -6 route flush cache")
