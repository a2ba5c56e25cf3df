"""Two flexgw back to back, manually keyed, once per tunnel mode:

    lan1 (eth0)        gwA (p1 | w1)            gwB (w2 | p2)        lan2 (eth0)
    192.0.2.10/25 ---- 192.0.2.1/25            198.51.100.1/24 ---- 198.51.100.10/24
    2001:db8:1::10     2001:db8:1::1           2001:db8:2::1        2001:db8:2::10
                       203.0.113.1/24 ==WAN== 203.0.113.2/24
                       Tunnel0 192.0.2.129/30 == 192.0.2.130/30, 2001:db8:100::1|2/64

Tunnel0 is "ipsec ipv4" (ESP tunnel mode, AES-GCM-128), the same with
NAT-T (ESP in UDP 4500 both ways), "ipsec ipv6" (over 2001:db8:ff::1 == ::2,
AES-GCM-256, 64-bit sequence numbers), "gre ipv4" (GRE with key 42 in ESP transport mode,
AES-CBC-256 + HMAC-SHA-256) or "gre ipv6" (the same over the IPv6 WAN,
AES-CBC-128 + HMAC-SHA-1-96); each gateway routes the far LAN, both
families, into it. Pings and a TCP transfer cross with zero loss, and the
SA counters on both sides show the traffic; "clear counters" zeroes the
tunnel's and the SAs' counters; the manual SAs are rekeyed to their second
key set on both gateways while a ping runs every 10 ms, losing nothing.
Runs against build/ and, when it exists, build-san/ (ASan, UBSan): both
gateways must then stop cleanly with no sanitizer report."""
import json
import re
import subprocess
import threading
import time

import pytest

import topo
from counters import Stats

LAN1 = dict(host4="192.0.2.10", gw4="192.0.2.1", net4="192.0.2.0/25",
	    host6="2001:db8:1::10", gw6="2001:db8:1::1", net6="2001:db8:1::/64")
LAN2 = dict(host4="198.51.100.10", gw4="198.51.100.1", net4="198.51.100.0/24",
	    host6="2001:db8:2::10", gw6="2001:db8:2::1", net6="2001:db8:2::/64")
WAN_A, WAN_B = "203.0.113.1", "203.0.113.2"
WAN6_A, WAN6_B = "2001:db8:ff::1", "2001:db8:ff::2"
PINGS = 30
TCP_BYTES = 20 * 1000 * 1000

SPI_AB, SPI_BA = 0x1001, 0x2002
# The second key set (manual_sa.rekey): other SPIs, the keys' bytes reversed.
REKEY_AB, REKEY_BA = 0x3003, 0x4004
REKEY_PINGS = 100
TUNNEL_MSS = 1360
MODES = {
	"ipsec": dict(mode="ipsec ipv4", transform={"name": "GCM128", "esp_encryption": "esp-gcm 128"},
		      enc_ab="11" * 16 + "a1a2a3a4", enc_ba="22" * 16 + "b1b2b3b4", auth=None),
	"natt": dict(mode="ipsec ipv4", transform={"name": "GCM128", "esp_encryption": "esp-gcm 128"},
		     enc_ab="99" * 16 + "e1e2e3e4", enc_ba="aa" * 16 + "f1f2f3f4", auth=None,
		     natt=True),
	"ipsec6": dict(mode="ipsec ipv6",
		       transform={"name": "GCM256", "esp_encryption": "esp-gcm 256"},
		       enc_ab="77" * 32 + "c1c2c3c4", enc_ba="88" * 32 + "d1d2d3d4", auth=None,
		       esn=True),
	"gre": dict(mode="gre ipv4",
		    transform={"name": "CBC256", "esp_encryption": "esp-aes 256",
			       "esp_integrity": "esp-sha256-hmac", "mode": "transport"},
		    enc_ab="33" * 32, enc_ba="44" * 32, auth=("55" * 32, "66" * 32), gre_key=42),
	"gre6": dict(mode="gre ipv6",
		     transform={"name": "CBC128", "esp_encryption": "esp-aes 128",
				"esp_integrity": "esp-sha-hmac", "mode": "transport"},
		     enc_ab="bb" * 16, enc_ba="cc" * 16, auth=("dd" * 20, "ee" * 20), gre_key=42),
}


def gateway_config(m, me, peer, local4, local6, far4, far6, spi_in, spi_out, enc_in, enc_out,
		   auth_in, auth_out):
	def keys(spi, enc, auth):
		k = {"spi": spi, "encryption_key": enc}
		if auth:
			k["integrity_key"] = auth
		return k

	def rekeyed(spi):
		return {SPI_AB: REKEY_AB, SPI_BA: REKEY_BA}[spi]

	def rev(h):
		return bytes(reversed(bytes.fromhex(h))).hex() if h else h

	manual = {"transform_set": m["transform"]["name"],
		  "inbound": keys(spi_in, enc_in, auth_in), "outbound": keys(spi_out, enc_out, auth_out),
		  "rekey": {"inbound": keys(rekeyed(spi_in), rev(enc_in), rev(auth_in)),
			    "outbound": keys(rekeyed(spi_out), rev(enc_out), rev(auth_out))}}
	if m.get("natt"):
		manual["natt"] = True
	if m.get("esn"):
		manual["esn"] = True
	tunnel = {"name": "Tunnel0", "ipv4": local4, "ipv6": local6, "mtu": 1400,
		  "tcp_adjust_mss": TUNNEL_MSS, "source": "GigabitEthernet2", "destination": peer,
		  "mode": m["mode"], "manual_sa": manual}
	if m.get("gre_key") is not None:
		tunnel["gre_key"] = m["gre_key"]
	routes = [{"prefix": far4, "interface": "Tunnel0"},
		  {"prefix": far6, "interface": "Tunnel0"}]
	extra = {"ipsec": {"transform_sets": [m["transform"]]}, "tunnels": [tunnel]}
	# a gateway's replay window, when the mode sets it ({"A": 0, "B": 1024})
	if me in m.get("replay_window", {}):
		extra["ipsec"]["replay_window"] = m["replay_window"][me]
	return routes, extra


def trees():
	found = ["build"]
	if topo.binaries(topo.build_dir("build-san"))[0].exists():
		found.append("build-san")
	return found


class Pair:
	def __init__(self, build, workdir, mode, env=None, spec=None):
		"""mode: its name; spec: its settings, as MODES gives them
		(MODES[mode] unless given)."""
		self.build, self.workdir, self.mode, self.env = build, workdir, mode, env
		self.spec = MODES[mode] if spec is None else spec
		self.namespaces = []
		self.gws = []

	def ns(self, name):
		n = topo.Namespace(name)
		self.namespaces.append(n)
		return n

	def setup(self):
		m = self.spec
		self.lan1, self.gwa_ns = self.ns("tlan1"), self.ns("tgwa")
		self.gwb_ns, self.lan2 = self.ns("tgwb"), self.ns("tlan2")
		topo.veth(self.gwa_ns, "p1", self.lan1, "eth0", quiet_a=True)
		self.wan()
		topo.veth(self.gwb_ns, "p2", self.lan2, "eth0", quiet_a=True)
		topo.host(self.lan1, "eth0", LAN1["host4"] + "/25", LAN1["host6"] + "/64",
			  LAN1["gw4"], LAN1["gw6"])
		topo.host(self.lan2, "eth0", LAN2["host4"] + "/24", LAN2["host6"] + "/64",
			  LAN2["gw4"], LAN2["gw6"])
		auth = m["auth"] or (None, None)
		v6 = m["mode"].endswith("ipv6")
		self.remote_a = WAN6_B if v6 else WAN_B
		ra, xa = gateway_config(m, "A", self.remote_a, "192.0.2.129/30", "2001:db8:100::1/64",
					LAN2["net4"], LAN2["net6"], SPI_BA, SPI_AB,
					m["enc_ba"], m["enc_ab"], auth[1], auth[0])
		rb, xb = gateway_config(m, "B", WAN6_A if v6 else WAN_A, "192.0.2.130/30",
					"2001:db8:100::2/64",
					LAN1["net4"], LAN1["net6"], SPI_AB, SPI_BA,
					m["enc_ab"], m["enc_ba"], auth[0], auth[1])
		self.gwa = topo.FlexGW(self.gwa_ns, self.workdir / "a", [
			dict(name="GigabitEthernet1", iface="p1", ipv4=LAN1["gw4"] + "/25",
			     ipv6=LAN1["gw6"] + "/64"),
			dict(name="GigabitEthernet2", iface="w1", ipv4=WAN_A + "/24",
			     ipv6=WAN6_A + "/64"),
		], ra, build=self.build, extra_config=xa, env=self.env)
		self.gws.append(self.gwa)
		self.gwb = topo.FlexGW(self.gwb_ns, self.workdir / "b", [
			dict(name="GigabitEthernet1", iface="p2", ipv4=LAN2["gw4"] + "/24",
			     ipv6=LAN2["gw6"] + "/64"),
			dict(name="GigabitEthernet2", iface="w2", ipv4=WAN_B + "/24",
			     ipv6=WAN6_B + "/64"),
		], rb, build=self.build, extra_config=xb, env=self.env)
		self.gws.append(self.gwb)
		self.gwa.start()
		self.gwb.start()

	def wan(self):
		"""The gateways' WAN ports w1 and w2, here one veth pair."""
		topo.veth(self.gwa_ns, "w1", self.gwb_ns, "w2", quiet_a=True, quiet_b=True)

	def teardown(self):
		try:
			for g in self.gws:
				g.stop()
		finally:
			for n in reversed(self.namespaces):
				n.delete()


@pytest.fixture(scope="module", params=[(t, m) for t in trees() for m in sorted(MODES)],
		ids=lambda p: f"{p[0]}-{p[1]}")
def pair(request, root, build, tmp_path_factory):
	tree, mode = request.param
	san = tree != "build"
	p = Pair(topo.build_dir(tree) if san else build,
		 tmp_path_factory.mktemp(f"tunnel-{tree}-{mode}"), mode, topo.SANITIZER_ENV if san else None)
	try:
		p.setup()
		yield p
	finally:
		p.teardown()


def assert_alive(pair):
	for g in pair.gws:
		assert g.alive(), "flexgw died:\n" + g.log_text()[-5000:]


def sa_packets(gw):
	"""{spi: (packets, bytes)} of every SA, from `show crypto ipsec sa`."""
	doc = gw.flexctl("show", "crypto", "ipsec", "sa")
	out = {}
	for t in doc["interfaces"]:
		for d in ("inbound", "outbound"):
			for sa in t[d]:
				out[sa["spi"]] = (sa["packets"], sa["bytes"])
	return out


@pytest.mark.parametrize("dst", [LAN2["host4"], LAN2["host6"]], ids=["ipv4", "ipv6"])
def test_ping_through_tunnel(pair, dst):
	# The first packets wait while the gateways resolve the WAN peer and
	# the LAN hosts (FGW_NEIGH_PENDING_MAX of them per neighbour: at 5 a
	# second they fit however late a loaded host answers); then a fast
	# ping, and none may be lost.
	tx, rx, out = topo.ping(pair.lan1, dst, count=3, interval=0.2, deadline=30)
	assert tx == 3 and rx == 3, out
	tx, rx, out = topo.ping(pair.lan1, dst, count=PINGS, deadline=30)
	assert_alive(pair)
	assert tx == PINGS and rx == PINGS, out


@pytest.mark.parametrize("dst", [LAN1["host4"], LAN1["host6"]], ids=["ipv4", "ipv6"])
def test_ping_back(pair, dst):
	tx, rx, out = topo.ping(pair.lan2, dst, count=PINGS, size=1300, deadline=30)
	assert_alive(pair)
	assert tx == PINGS and rx == PINGS, out


@pytest.mark.parametrize("dst", ["192.0.2.130", "2001:db8:100::2"], ids=["ipv4", "ipv6"])
def test_ping_peer_tunnel_address(pair, dst):
	# gwB answers itself: its reply goes back into the tunnel from the
	# control lcore, encrypted by a worker. (One ping first, so that no
	# neighbour is being resolved when the ten are counted.)
	topo.ping(pair.lan1, dst, count=1)
	tx, rx, out = topo.ping(pair.lan1, dst, count=10, deadline=30)
	assert_alive(pair)
	assert tx == 10 and rx == 10, out + pair.gwb.flexctl_raw("show", "dataplane", "stats").stdout


def test_tcp_transfer(pair):
	before = {g: sa_packets(g) for g in pair.gws}
	sent, got = topo.tcp_transfer(pair.lan1, pair.lan2, LAN2["host4"], TCP_BYTES)
	assert_alive(pair)
	assert got == {"bytes": TCP_BYTES, "sha256": sent["sha256"]}
	after = {g: sa_packets(g) for g in pair.gws}
	# A to B: at least TCP_BYTES of plaintext on A's outbound and B's
	# inbound SA; the ACKs the other way.
	a, b = pair.gwa, pair.gwb
	assert after[a][SPI_AB][1] - before[a][SPI_AB][1] >= TCP_BYTES
	assert after[b][SPI_AB][1] - before[b][SPI_AB][1] >= TCP_BYTES
	assert after[b][SPI_BA][0] > before[b][SPI_BA][0]
	assert after[a][SPI_BA][0] > before[a][SPI_BA][0]


def test_no_crypto_drops_and_books_balance(pair):
	for g in pair.gws:
		s = Stats.settled(g)
		for w in s.workers():
			assert s.balance(w) == 0, w
			bad = {k: v for k, v in w["drops"].items() if k.startswith("ESP_") and v}
			assert not bad, bad
			assert w["drops"].get("NO_SA", 0) == 0


def test_show_commands_name_the_tunnel(pair):
	text = pair.gwa.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	assert "interface: Tunnel0" in text and "#pkts encaps:" in text, text
	assert f"spi: 0x{SPI_BA:X}({SPI_BA})" in text and f"remote ident (addr): {pair.remote_a}" in text
	# IOS's endpoint and current SPI lines (check19)
	assert f"remote crypto endpt.: {pair.remote_a}" in text, text
	assert f"current outbound spi: 0x{SPI_AB:X}({SPI_AB})" in text, text
	# IOS's shape: send and receive errors, NAT-T as UDP-Encaps, what is left
	# of the lifetime (manual SAs have no limit)
	m = MODES[pair.mode]
	natt = m.get("natt", False)
	assert re.search(r"#send errors \d+, #recv errors \d+", text), text
	assert ("UDP-Encaps" in text) == natt, text
	assert "sa timing: remaining key lifetime (k/packets): (unlimited/unlimited)" in text, text
	doc = pair.gwa.flexctl("show", "crypto", "ipsec", "sa")
	sas = doc["interfaces"][0]
	assert [sa["natt"] for sa in sas["outbound"]] == [natt], sas
	# #pkts encaps counts what the SA encrypted, the first packets too,
	# which waited for the WAN peer's address and left from the control
	# lcore (not counted before)
	assert sas["pkts_encaps"] == sas["outbound"][0]["packets"], sas
	for sa in sas["inbound"] + sas["outbound"]:
		assert sa["lifetime_kb_left"] is None and sa["lifetime_packets_left"] is None, sa
		assert sa["esn"] == m.get("esn", False), sa
	# never a key, in either form
	for key in (m["enc_ab"], m["enc_ba"], *(m["auth"] or ())):
		for shown in (text, json.dumps(doc)):
			assert key.lower() not in shown.lower() and key[:16].lower() not in shown.lower()
	routes = pair.gwa.flexctl("show", "ip", "route")["routes"]
	tun = [r for r in routes if r["prefix"] == LAN2["net4"]]
	assert tun and tun[0]["interface"] == "Tunnel0" and tun[0]["type"] == "tunnel", tun
	ifs = {i["name"]: i for i in pair.gwa.flexctl("show", "interfaces")["interfaces"]}
	assert ifs["Tunnel0"]["kind"] == "tunnel" and ifs["Tunnel0"]["status"] == "up"
	c = ifs["Tunnel0"]["counters"]
	assert c["tx_packets"] >= 4 * PINGS and c["rx_packets"] >= 4 * PINGS, c
	assert "packets output" in pair.gwa.flexctl_raw("show", "interfaces", "Tunnel0").stdout


def test_manual_tunnel_is_a_crypto_session(pair):
	"""IOS lists a manually keyed tunnel among its crypto sessions: no
	IKE, the peer (NAT-T's port), one flow: all of IP through a VTI, GRE
	between the endpoints."""
	m = MODES[pair.mode]
	sessions = pair.gwa.flexctl("show", "crypto", "session")["sessions"]
	assert len(sessions) == 1, sessions
	s = sessions[0]
	assert s["manual"] and s["status"] == "UP-NO-IKE" and s["peer"] == pair.remote_a, s
	assert s["peer_port"] == (4500 if m.get("natt") else None) and s["active_sas"] == 2, s
	if m["mode"].startswith("gre"):
		local = WAN6_A if m["mode"].endswith("ipv6") else WAN_A
		flow = f"permit 47 host {local} host {pair.remote_a}"
	else:
		flow = "permit ip ::/0 ::/0" if m["mode"].endswith("ipv6") else \
			"permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0"
	port = " port 4500" if m.get("natt") else ""
	text = pair.gwa.flexctl_raw("show", "crypto", "session").stdout
	assert f"Interface: Tunnel0\nProfile: (none)\nSession status: UP-NO-IKE\n" \
		f"Peer: {pair.remote_a}{port}\n  IPSEC FLOW: {flow}\n" \
		"        Active SAs: 2, origin: crypto map\n" in text, text
	# it reads SPIs from the manual_sa config, never a key
	text += pair.gwa.flexctl_raw("show", "crypto", "session", "detail").stdout + json.dumps(s)
	for key in (m["enc_ab"], m["enc_ba"], *(m["auth"] or ())):
		assert key[:16].lower() not in text.lower(), text


def test_natt_sends_esp_in_udp(pair):
	"""With natt, what crosses the WAN is UDP 4500 both ways; without, ESP."""
	natt = MODES[pair.mode].get("natt", False)
	cap = pair.gwb_ns.popen(["tshark", "-i", "w2", "-n", "-l", "-a", "duration:60", "-c", "20",
				 "-f", "udp port 4500 or esp or ip6 proto 50", "-T", "fields",
				 "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "udp.srcport",
				 "-e", "udp.dstport"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
	try:
		for line in cap.stderr:
			if b"Capturing on" in line:
				break
		# Until tshark has its 20 packets: on a loaded host one short
		# ping can be over before the capture really runs.
		deadline = time.time() + 60
		while cap.poll() is None and time.time() < deadline:
			topo.ping(pair.lan1, LAN2["host4"], count=20)
		out, _ = cap.communicate(timeout=30)
	finally:
		cap.kill()
	packets = []
	for line in out.decode().splitlines():
		f = line.split("	") + ["", "", "", ""]
		packets.append((f[0] or f[1], f[2], f[3]))
	assert len(packets) >= 10, out
	want = ("17", "4500", "4500") if natt else ("50", "", "")
	assert all(p == want for p in packets), out


def test_clear_counters_zeroes_tunnel_and_sa(pair):
	a = pair.gwa
	assert any(p for p, _ in sa_packets(a).values())
	# The earlier tests' last packets through first: a ping gives up on a
	# reply a loaded host delays, and that reply would count after the clear.
	settled, last = time.time() + 30, None
	while time.time() < settled and sa_packets(a) != last:
		last = sa_packets(a)
		time.sleep(1)
	a.flexctl("clear", "counters")
	assert all(p == 0 and b == 0 for p, b in sa_packets(a).values()), sa_packets(a)
	ifs = {i["name"]: i for i in a.flexctl("show", "interfaces")["interfaces"]}
	c = ifs["Tunnel0"]["counters"]
	assert c["tx_packets"] == 0 and c["rx_packets"] == 0, c
	# Exactly five requests, each waited for on its own: a reply that a
	# loaded host delays is not a lost one, and ping -w would send more.
	for _ in range(5):
		tx, rx, out = topo.ping(pair.lan1, LAN2["host4"], count=1, wait=20)
		assert tx == 1 and rx == 1, out
	sas = sa_packets(a)
	assert sas[SPI_AB][0] == 5 and sas[SPI_BA][0] == 5, sas
	ifs = {i["name"]: i for i in a.flexctl("show", "interfaces")["interfaces"]}
	c = ifs["Tunnel0"]["counters"]
	assert c["tx_packets"] == 5 and c["rx_packets"] == 5, c


def test_rekey_under_traffic_loses_nothing(pair):
	"""Both gateways move to the second key set while pings cross every
	10 ms: install (new inbound SA) on both, switch (outbound) on both,
	finish (old inbound SA removed) on both. Then back again."""
	for new_ab, new_ba in ((REKEY_AB, REKEY_BA), (SPI_AB, SPI_BA)):
		steps_done = threading.Event()
		finished = threading.Event()	# not set if a batch raised
		batches = []

		def pinger():
			# Batches until one that started after the last step: the
			# pings span every step however long a loaded host makes
			# them take, and the new SAs carry traffic. Each batch
			# waits for late replies (deadline), so only a lost one
			# counts.
			while True:
				last = steps_done.is_set()
				batches.append(topo.ping(pair.lan1, LAN2["host4"], count=REKEY_PINGS,
							 deadline=60))
				if last:
					finished.set()
					return

		def new_inbound_used():
			# each gateway took a packet on its new inbound SA: its peer
			# has switched, and (one worker, one RX queue, in order) it
			# took everything its peer sent on the old one before that
			a, b = sa_packets(pair.gwa), sa_packets(pair.gwb)
			return a[new_ba][0] > 0 and b[new_ab][0] > 0

		thread = threading.Thread(target=pinger)
		thread.start()
		try:
			time.sleep(0.5)
			for step in ("install", "switch", "finish"):
				for g in pair.gws:
					g.flexctl("crypto", "ipsec", "rekey", step, "Tunnel0")
				if step == "switch":
					# Not finish before then: a packet the peer sent on
					# the old SA just before its switch would find its
					# SA gone (NO_SA) if a loaded host's worker came to
					# it after the finish.
					topo.wait_for("traffic on both new inbound SAs",
						      new_inbound_used, 30)
				time.sleep(0.3)
		finally:
			# also when a step failed: the pinger ends after one more batch
			steps_done.set()
			thread.join()
		assert finished.is_set(), "the pinger stopped before a batch after the last step"
		assert_alive(pair)
		for tx, rx, out in batches:
			assert tx == REKEY_PINGS and rx == REKEY_PINGS, out
		a, b = sa_packets(pair.gwa), sa_packets(pair.gwb)
		assert set(a) == {new_ab, new_ba} and set(b) == {new_ab, new_ba}, (a, b)
		assert a[new_ab][0] > 0 and b[new_ab][0] > 0 and a[new_ba][0] > 0, (a, b)
	err = pair.gwa.flexctl_raw("crypto", "ipsec", "rekey", "switch", "Tunnel0", check=False)
	assert err.returncode != 0 and "install" in err.stdout + err.stderr, err


def test_clean_shutdown(pair):
	for g in pair.gws:
		assert g.stop() == 0, g.log_text()[-5000:]
		log = g.log_text()
		assert "runtime error" not in log and "Sanitizer" not in log, log[-5000:]
