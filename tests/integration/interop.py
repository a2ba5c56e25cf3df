"""One IKEv2 interop case: flexgw against strongSwan (or a second flexgw).

    lana (eth0)     gw (lan | wan)            wan: br0     peer (wan | lan)        lanb (eth0)
    10.1.0.10/24 -- 10.1.0.1 | 192.0.2.1 ----- bridge ----- 192.0.2.2 | 10.2.0.1 -- 10.2.0.10/24
                    flexgw, Tunnel0 172.16.0.1/30            charon (libipsec) or flexgw B

A negative case adds bad peers on the same bridge (192.0.2.3, .4, ...:
charons with one thing wrong each, their LAN 10.3.0.0/24, 10.4.0.0/24 ... on
lo) and a tunnel to each on flexgw (Tunnel1, Tunnel2, ...).

With --nat the initiator sits behind a NAT namespace (nftables masquerade):
its WAN address becomes 198.51.100.x, the NAT's inside 198.51.100.254 and
outside 192.0.2.254, so the responder sees the initiator as 192.0.2.254.
(The initiator is the one behind NAT because a masquerading NAT lets no
new connection in.)

Both sides are configured from strongSwan proposal strings (see
proposals.py). flexgw initiates by itself when it is the initiator (a
tunnel with `tunnel_protection` and a destination); as responder its IPsec
profile is `responder_only`. strongSwan initiates through `swanctl
--initiate`. Then: a ping between the LANs (no loss allowed), a TCP
transfer lana -> lanb (its SHA-256 must match), and a comparison of SPIs and
algorithms between `flexctl show crypto ipsec sa` and `swanctl --list-sas`.

Run as a program (scripts/interop.sh is a wrapper), or use Case from tests.
"""
import argparse
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import proposals  # noqa: E402
import strongswan  # noqa: E402
import topo  # noqa: E402

LANA = dict(net="10.1.0.0/24", gw="10.1.0.1", host="10.1.0.10")
LANB = dict(net="10.2.0.0/24", gw="10.2.0.1", host="10.2.0.10")
WAN_NET = "192.0.2.0/24"
GW_WAN, PEER_WAN = "192.0.2.1", "192.0.2.2"
NAT_OUT, NAT_IN = "192.0.2.254", "198.51.100.254"
INSIDE_NET = "198.51.100.0/24"
PINGS = 20
TCP_BYTES = 2 * 1000 * 1000

# What a bad peer of a negative case gets wrong.
NEGATIVES = ("psk", "proposal", "identity")
STRANGER_ID = {"fqdn": "stranger.example.com"}
# IKE proposals for the "proposal" case: the first that shares no cipher
# and no group with the case's own is used.
OTHER_IKE = ("aes128-sha1-modp3072", "aes256gcm16-prfsha256-ecp256", "aes256-sha384-ecp521")

IDS = {
	"fqdn": ({"fqdn": "gw.example.com"}, {"fqdn": "peer.example.com"}),
	"email": ({"email": "gw@example.com"}, {"email": "peer@example.com"}),
}


def id_text(ident):
	"""strongSwan's spelling of a flexgw identity object."""
	kind, value = next(iter(ident.items()))
	return {"fqdn": "fqdn:", "email": "email:"}[kind] + value


class Peer:
	"""Everything one side of a tunnel needs to be configured: its own
	identity and PSK, the other side's, the LAN it protects, and how it
	reaches the other side."""

	def __init__(self, name, lan, wan_addr, ident, psk_local, psk_remote):
		self.name, self.lan, self.wan_addr = name, lan, wan_addr
		self.ident, self.psk_local, self.psk_remote = ident, psk_local, psk_remote


def flexgw_ike_config(me, other, other_addr, ike, esp, responder_only, tunnel="Tunnel0",
		      tunnel_addr="172.16.0.1/30", n=0, base=None):
	"""flexgw's ikev2/ipsec/tunnel objects for a tunnel from me to other
	(other_addr: the address other is seen at). base: a config dict from an
	earlier call, extended with a second tunnel (objects suffixed n)."""
	cfg = base or {"ikev2": {"smart_defaults": False, "proposals": [], "policies": [],
				 "keyrings": [], "profiles": []},
		       "ipsec": {"smart_defaults": False, "transform_sets": [], "profiles": []},
		       "tunnels": [], "routes": []}
	sfx = str(n) if n else ""
	ik = cfg["ikev2"]
	ik["proposals"].append(proposals.ikev2_proposal("IKE" + sfx, ike))
	if not ik["policies"]:
		ik["policies"].append({"name": "WAN", "proposals": []})
	ik["policies"][0]["proposals"].append("IKE" + sfx)
	peer = {"name": "peer" + sfx, "address": other_addr, "identity": other.ident}
	if me.psk_local == me.psk_remote:
		peer["pre_shared_key"] = me.psk_local
	else:
		peer["pre_shared_key_local"] = me.psk_local
		peer["pre_shared_key_remote"] = me.psk_remote
	ik["keyrings"].append({"name": "KR" + sfx, "peers": [peer]})
	ik["profiles"].append({
		"name": "PEER" + sfx, "match_identity_remote": [other.ident],
		"identity_local": me.ident, "authentication_local": "pre-share",
		"authentication_remote": ["pre-share"], "keyring": "KR" + sfx})
	sets, pfs = proposals.transform_sets("ESP" + sfx + "_", esp)
	cfg["ipsec"]["transform_sets"] += sets
	prof = {"name": "PEER" + sfx, "transform_sets": [s["name"] for s in sets],
		"ikev2_profile": "PEER" + sfx, "responder_only": responder_only}
	if pfs:
		prof["pfs_group"] = pfs
	cfg["ipsec"]["profiles"].append(prof)
	cfg["tunnels"].append({
		"name": tunnel, "ipv4": tunnel_addr, "mtu": 1400, "tcp_adjust_mss": 1360,
		"source": "GigabitEthernet2", "destination": other_addr, "mode": "ipsec ipv4",
		"tunnel_protection": "PEER" + sfx})
	cfg["routes"].append({"prefix": other.lan["net"], "interface": tunnel})
	return cfg


def swanctl_config(me, other, my_addr, other_addr, ike, esp):
	"""swanctl.conf for charon as `me`, connection `gw`, child `net`
	(started only by swanctl --initiate).

	Asymmetric PSKs: charon signs with the secret that best matches both
	identities (with one secret per identity it takes the peer's, the wrong
	one), and verifies the peer's AUTH with every secret that matches the
	peer. So the key we sign with names both identities, the peer's only
	the peer."""
	return f"""connections {{
  gw {{
    version = 2
    local_addrs = {my_addr}
    remote_addrs = {other_addr}
    proposals = {ike}
    mobike = no
    local {{
      auth = psk
      id = {id_text(me.ident)}
    }}
    remote {{
      auth = psk
      id = {id_text(other.ident)}
    }}
    children {{
      net {{
        local_ts = {me.lan['net']}
        remote_ts = {other.lan['net']}
        esp_proposals = {esp}
        start_action = none
      }}
    }}
  }}
}}
secrets {{
  ike-sign {{
    id-1 = {id_text(me.ident)}
    id-2 = {id_text(other.ident)}
    secret = "{me.psk_local}"
  }}
  ike-verify {{
    id = {id_text(other.ident)}
    secret = "{me.psk_remote}"
  }}
}}
"""


def flexgw_sas(gw, tunnel="Tunnel0"):
	"""(inbound [{spi, transform, packets, bytes}], outbound [...]) of a
	tunnel from `flexctl show crypto ipsec sa --json`."""
	for t in gw.flexctl("show", "crypto", "ipsec", "sa")["interfaces"]:
		if t["interface"] == tunnel:
			return t["inbound"], t["outbound"]
	return [], []


def flexgw_ike_view(gw):
	"""flexgw's own view of its IKE SAs (`show crypto ikev2 sa --json`), or
	None when this build has no such command."""
	p = gw.flexctl_raw("show", "crypto", "ikev2", "sa", "--json", check=False)
	if p.returncode != 0:
		return None
	try:
		return json.loads(p.stdout)
	except ValueError:
		return None


def data_path_drops(gw):
	"""A flexgw's non-zero drop counters summed over its workers, as text."""
	try:
		drops = {}
		for w in gw.flexctl("show", "dataplane", "stats")["workers"]:
			for reason, n in w["drops"].items():
				if n:
					drops[reason] = drops.get(reason, 0) + n
		return json.dumps(drops, sort_keys=True)
	except Exception as e:  # noqa: BLE001 - a report must not fail on a dead gateway
		return f"unreadable: {e}"


class Case:
	"""One interop case. setup() builds the namespaces and starts both
	peers; up() brings the tunnel up; traffic() and compare() measure;
	teardown() removes everything, whatever happened before."""

	def __init__(self, role="initiator", ike="aes256-sha512-modp2048", esp="aes256gcm16",
		     nat=False, peer="strongswan", local="flexgw", id_type="fqdn", asym_psk=False, build=None,
		     workdir=None, tag="io", log=None, up_timeout=30, negative=None):
		if role not in ("initiator", "responder"):
			raise ValueError("role is initiator or responder")
		if peer not in ("strongswan", "flexgw") or local not in ("strongswan", "flexgw"):
			raise ValueError("each side is strongswan or flexgw")
		self.local_kind = local
		self.negative = [negative] if isinstance(negative, str) else list(negative or ())
		if any(n not in NEGATIVES for n in self.negative):
			raise ValueError(f"negative is one or more of {', '.join(NEGATIVES)}")
		if self.negative and (role != "responder" or local != "flexgw"):
			raise ValueError("a negative case needs flexgw as the responder")
		# both strings are checked before anything is built
		self.ike_parsed = proposals.parse_ike(ike)
		self.esp_parsed = proposals.parse_esp(esp)
		self.role, self.ike, self.esp, self.nat, self.peer_kind = role, ike, esp, nat, peer
		self.build = Path(build) if build else topo.build_dir()
		self.own_workdir = workdir is None
		self.workdir = Path(workdir or tempfile.mkdtemp(prefix="flexgw-interop-"))
		self.tag = tag
		self.log = log or (lambda msg: None)
		self.up_timeout = up_timeout
		# charons: the tunnel's peers; others: a negative case's bad peers
		self.namespaces, self.gws, self.charons, self.others = [], [], [], []
		my_id, peer_id = IDS[id_type]
		key = secrets.token_hex(8)
		gw_key = "gw-" + key
		peer_key = ("peer-" + key) if asym_psk else gw_key
		# flexgw side: A; the other side: B
		self.a = Peer("gw", LANA, GW_WAN, my_id, gw_key, peer_key)
		self.b = Peer("peer", LANB, PEER_WAN, peer_id, peer_key, gw_key)
		self.gw = self.gwb = self.charon = self.charon_a = None
		self.bad = {}	# negative kind -> (its address, its charon)
		self.result = {}

	# ---- topology -------------------------------------------------------

	def ns(self, name):
		n = topo.Namespace(f"{self.tag}-{name}")
		self.namespaces.append(n)
		return n

	def _wan_side(self, ns, dev, addr, behind_nat, quiet):
		"""Joins ns to the WAN bridge, directly or through a NAT box; returns
		the address the other side sees it at."""
		if not behind_nat:
			port = f"b{len(self.bridge_ports)}"
			self.bridge_ports.append(port)
			topo.veth(ns, dev, self.wan, port, quiet_a=quiet)
			self.wan.run(f"ip link set {port} master br0")
			return addr
		nat = self.ns("nat")
		topo.veth(ns, dev, nat, "in", quiet_a=quiet)
		topo.veth(nat, "out", self.wan, "bnat")
		self.wan.run("ip link set bnat master br0")
		nat.run(f"ip addr add {NAT_IN}/24 dev in")
		nat.run(f"ip addr add {NAT_OUT}/24 dev out")
		nat.run("sysctl -qw net.ipv4.ip_forward=1")
		nat.run("nft add table ip nat")
		nat.run("nft add chain ip nat post { type nat hook postrouting priority 100 ; }")
		nat.run("nft add rule ip nat post oifname out masquerade")
		return NAT_OUT

	def _side(self, ns, me, other, other_seen, wan_dev, lan_dev, kind, responder_only,
		  behind_nat, tunnel_addr, name):
		"""Configures one side in ns: a flexgw (returned first) or a
		charon (returned second) with its LAN on lan_dev."""
		if kind == "flexgw":
			cfg = flexgw_ike_config(me, other, other_seen, self.ike, self.esp,
						responder_only=responder_only, tunnel_addr=tunnel_addr)
			if name == "a":
				for i, kind in enumerate(self.negative):
					self._bad_peer(cfg, kind, i)
			routes = cfg.pop("routes")
			if behind_nat:
				routes.append({"prefix": WAN_NET, "next_hop": NAT_IN})
			gw = topo.FlexGW(ns, self.workdir / name, [
				dict(name="GigabitEthernet1", iface=lan_dev, ipv4=me.lan["gw"] + "/24"),
				dict(name="GigabitEthernet2", iface=wan_dev, ipv4=me.wan_addr + "/24"),
			], routes, build=self.build, extra_config=cfg)
			self.gws.append(gw)
			return gw, None
		ns.run(f"ip addr add {me.wan_addr}/24 dev {wan_dev}")
		ns.run(f"ip addr add {me.lan['gw']}/24 dev {lan_dev}")
		ns.run("sysctl -qw net.ipv4.ip_forward=1")
		if behind_nat:
			ns.run(f"ip route add {WAN_NET} via {NAT_IN}")
		ch = strongswan.Charon(ns, self.workdir / name)
		ch.conf_text = swanctl_config(me, other, me.wan_addr, other_seen, self.ike, self.esp)
		self.charons.append(ch)
		return None, ch

	def _bad_peer(self, cfg_a, kind, i):
		"""Bad peer number i of a negative case: its own namespace and
		charon, a tunnel to it on flexgw, and one thing wrong (kind)."""
		ns = self.ns(f"bad{i}")
		addr = f"192.0.2.{3 + i}"
		lan = dict(net=f"10.{3 + i}.0.0/24", gw=f"10.{3 + i}.0.1")
		key = secrets.token_hex(8)
		c = Peer(f"bad{i}", lan, addr, {"fqdn": f"bad{i}.example.com"}, "bad-" + key,
			 self.a.psk_local)
		flexgw_ike_config(self.a, c, addr, self.ike, self.esp, responder_only=True,
				  tunnel=f"Tunnel{1 + i}", tunnel_addr=f"172.16.0.{5 + 4 * i}/30",
				  n=1 + i, base=cfg_a)
		self._wan_side(ns, "wan", addr, False, quiet=False)
		ns.run(f"ip addr add {addr}/24 dev wan")
		# its local_ts must be a local address for charon to go ahead
		ns.run(f"ip addr add {lan['gw']}/24 dev lo")
		ike = self.ike
		if kind == "psk":
			c.psk_local = "wrong-" + key
		elif kind == "identity":
			c.ident = STRANGER_ID
		elif kind == "proposal":
			mine = self.ike_parsed
			ike = next(o for o in OTHER_IKE
				   if not set(proposals.parse_ike(o)["encr"]) & set(mine["encr"])
				   and not set(proposals.parse_ike(o)["group"]) & set(mine["group"]))
		ch = strongswan.Charon(ns, self.workdir / f"bad{i}")
		ch.conf_text = swanctl_config(c, self.a, addr, self.a_seen, ike, self.esp)
		self.others.append(ch)
		self.bad[kind] = (addr, ch)

	def setup(self):
		initiator_a = self.role == "initiator"
		self.wan = self.ns("wan")
		self.wan.run("ip link add br0 type bridge")
		self.wan.run("ip link set br0 up")
		self.bridge_ports = []
		self.lana, self.gwns = self.ns("lana"), self.ns("gw")
		self.peerns, self.lanb = self.ns("peer"), self.ns("lanb")
		a_fgw, b_fgw = self.local_kind == "flexgw", self.peer_kind == "flexgw"
		topo.veth(self.gwns, "lan", self.lana, "eth0", quiet_a=a_fgw)
		topo.host(self.lana, "eth0", LANA["host"] + "/24", gw4=LANA["gw"])
		topo.veth(self.peerns, "lan", self.lanb, "eth0", quiet_a=b_fgw)
		topo.host(self.lanb, "eth0", LANB["host"] + "/24", gw4=LANB["gw"])

		a_nat = self.nat and initiator_a
		b_nat = self.nat and not initiator_a
		self.a.wan_addr = INSIDE_NET.replace("0/24", "1") if a_nat else GW_WAN
		self.b.wan_addr = INSIDE_NET.replace("0/24", "2") if b_nat else PEER_WAN
		self.a_seen = self._wan_side(self.gwns, "wan", self.a.wan_addr, a_nat, quiet=a_fgw)
		self.b_seen = self._wan_side(self.peerns, "wan", self.b.wan_addr, b_nat, quiet=b_fgw)
		self.gw, self.charon_a = self._side(self.gwns, self.a, self.b, self.b_seen, "wan", "lan",
						    self.local_kind, not initiator_a, a_nat,
						    "172.16.0.1/30", "a")
		self.gwb, self.charon = self._side(self.peerns, self.b, self.a, self.a_seen, "wan",
						   "lan", self.peer_kind, initiator_a, b_nat,
						   "172.16.0.2/30", "b")

	def start(self):
		"""Starts the peers, the responder first. (Two flexgw started side
		by side come up no sooner: EAL's start is CPU-bound on 2 cores.)"""
		t0 = time.time()
		sides = [(self.gw, self.charon_a), (self.gwb, self.charon)]
		if self.role == "initiator":
			sides.reverse()
		sides[:0] = [(None, ch) for _, ch in self.bad.values()]
		for gw, ch in sides:
			if ch:
				ch.start()
				ch.load(ch.conf_text)
			else:
				gw.start()
		self.log(f"peers started in {time.time() - t0:.1f}s")

	def teardown(self):
		for g in self.gws:
			try:
				g.stop()
			except Exception as e:  # noqa: BLE001 - keep cleaning up
				self.log(f"stopping flexgw: {e}")
		for c in self.charons + self.others:
			try:
				c.stop()
			except Exception as e:  # noqa: BLE001
				self.log(f"stopping charon: {e}")
		for n in reversed(self.namespaces):
			n.delete()
		self.namespaces = []
		if self.own_workdir:
			shutil.rmtree(self.workdir, ignore_errors=True)

	# ---- bringing the tunnel up -----------------------------------------

	def _flexgw_up(self, gw):
		inb, outb = flexgw_sas(gw)
		return bool(inb) and bool(outb)

	def up(self):
		"""Brings the tunnel up; returns seconds taken, or None on timeout."""
		t0 = time.time()
		deadline = t0 + self.up_timeout
		initiator = self.charon_a if self.role == "initiator" else self.charon
		if initiator:
			p = initiator.initiate("net", timeout=int(self.up_timeout), check=False)
			if p.returncode != 0:
				self.log("swanctl --initiate failed:\n" + p.stdout[-3000:] + p.stderr)
				return None
		while time.time() < deadline:
			for g in self.gws:
				if not g.alive():
					raise RuntimeError("flexgw died:\n" + g.log_text()[-5000:])
			ok = all(self._flexgw_up(g) for g in self.gws)
			for c, far in ((self.charon_a, self.b), (self.charon, self.a)):
				if c:
					ok = ok and c.established("gw", "net") is not None \
						and c.routes_to(far.lan["net"])
			if ok:
				return time.time() - t0
			time.sleep(0.1)
		return None

	# ---- measurements -----------------------------------------------------

	def resolve_lan_neighbours(self):
		"""Each LAN host pings its own gateway once, so the gateways know
		their hosts' MACs before the tunnel is measured: a flexgw keeps
		only a few packets behind an ARP resolution, and on a loaded
		machine its control lcore can take a second or more to answer,
		which would count as tunnel loss. Nothing here crosses the tunnel."""
		for ns, lan in ((self.lana, LANA), (self.lanb, LANB)):
			topo.ping(ns, lan["gw"], count=1, interval=0.2)

	def ping(self, count=PINGS):
		# deadline: ping's own wait for the last reply (two round trips,
		# at least the 10 ms interval) is shorter than a loaded host may
		# stall a gateway, and a late reply then reads as a lost one
		tx, rx, out = topo.ping(self.lana, LANB["host"], count=count, interval=0.01,
					deadline=30)
		return (100.0 * (tx - rx) / tx) if tx else 100.0, out

	def tcp(self, nbytes=TCP_BYTES):
		"""Bytes that arrived intact lana -> lanb (0 on any mismatch)."""
		try:
			sent, got = topo.tcp_transfer(self.lana, self.lanb, LANB["host"], nbytes,
						      timeout=30)
		except Exception as e:  # noqa: BLE001 - a failed transfer is a result
			self.log(f"TCP transfer failed: {e}")
			return 0
		return got["bytes"] if got["sha256"] == sent["sha256"] else 0

	def side(self, which):
		"""What one side reports of the tunnel: SPIs in and out, canonical
		ESP algorithms of every SA, the IKE algorithms (charon only: flexgw's
		IKE SA listing is kept raw under flexgw_ike), and for a charon its
		UDP encapsulation and addresses."""
		gw, ch = (self.gw, self.charon_a) if which == "a" else (self.gwb, self.charon)
		v = {"in": set(), "out": set(), "esp": [], "ike": None, "bytes_in": 0}
		if gw:
			inb, outb = flexgw_sas(gw)
			v["in"] = {s["spi"] for s in inb}
			v["out"] = {s["spi"] for s in outb}
			v["esp"] = [proposals.from_flexgw_transform(s["transform"]) for s in inb + outb]
			v["bytes_in"] = sum(s["bytes"] for s in inb)
			view = flexgw_ike_view(gw)
			v["ike_raw"] = view
			ready = [sa for sa in (view or {}).get("sas", []) if sa.get("status") == "READY"]
			if len(ready) == 1:
				sa = ready[0]
				v["ike"] = proposals.from_flexgw_ike(sa)
				v["ike_spis"] = (int(sa["local_spi"], 16), int(sa["remote_spi"], 16))
				v["natt"] = sa.get("nat_t") != "none"
				v["nat_t"] = sa.get("nat_t")
			elif view is not None:
				v["ike_ready"] = len(ready)
			return v
		got = ch.established("gw", "net")
		if not got:
			return v
		ike, child = got
		v["in"], v["out"] = {int(child["spi-in"], 16)}, {int(child["spi-out"], 16)}
		esp = proposals.from_swanctl(child)
		esp["prf"] = esp["group"] = None
		v["esp"] = [esp]
		v["ike"] = proposals.from_swanctl(ike)
		v["natt"] = child.get("encap") == "yes"
		v["local"], v["remote"] = ike.get("local-host"), ike.get("remote-host")
		v["ports"] = (ike.get("local-port"), ike.get("remote-port"))
		v["bytes_in"] = int(child.get("bytes-in", 0))
		spi_i, spi_r = int(ike["initiator-spi"], 16), int(ike["responder-spi"], 16)
		v["ike_spis"] = (spi_i, spi_r) if ike.get("initiator") == "yes" else (spi_r, spi_i)
		return v

	def compare(self):
		"""SPIs and algorithms as each side sees them."""
		a, b = self.side("a"), self.side("b")
		r = {"spis": {"a_in": sorted(a["in"]), "a_out": sorted(a["out"]),
			      "b_in": sorted(b["in"]), "b_out": sorted(b["out"])}}
		r["spis_agree"] = (len(a["out"]) == 1 and a["out"] == b["in"]
				   and len(b["out"]) == 1 and b["out"] == a["in"])
		# IKE SPIs (ours, theirs) crosswise, where both sides show them;
		# a flexgw listing more or less than one READY IKE SA disagrees
		if "ike_spis" in a and "ike_spis" in b:
			r["spis"]["ike_a"] = [f"{x:016x}" for x in a["ike_spis"]]
			r["spis"]["ike_b"] = [f"{x:016x}" for x in b["ike_spis"]]
			r["spis_agree"] = r["spis_agree"] and a["ike_spis"] == b["ike_spis"][::-1]
		if "ike_ready" in a or "ike_ready" in b:
			r["spis_agree"] = False
			r["ike_ready"] = [a.get("ike_ready", 1), b.get("ike_ready", 1)]
		esps = a["esp"] + b["esp"]
		esp_alg = esps[0] if esps else None
		esp_ok = bool(esps) and all(x == esp_alg for x in esps) and \
			proposals.allowed(esp_alg, self.esp_parsed, esp=True)
		ikes = [v["ike"] for v in (a, b) if v["ike"]]
		ike_alg = ikes[0] if ikes else None
		ike_ok = all(x == ike_alg for x in ikes) and (
			ike_alg is None or proposals.allowed(ike_alg, self.ike_parsed, esp=False))
		r["ike_alg"] = proposals.to_string(ike_alg)
		r["esp_alg"] = proposals.to_string(esp_alg)
		r["algs_agree"] = bool(esp_ok and ike_ok)
		r["flexgw_ike"] = {k: v.get("ike_raw") for k, v in (("a", a), ("b", b)) if "ike_raw" in v}
		# ESP in UDP, as a charon reports it (libipsec always encapsulates)
		natts = [v["natt"] for v in (a, b) if "natt" in v]
		r["natt"] = all(natts) if natts else None
		# a real NAT: a charon sees the other side at another address than
		# the one it has, or talks from an address the other side does not see;
		# between two flexgw, their own NAT detection says it (a charon
		# fakes a NAT, so flexgw's detection means nothing against one)
		seen = [v["nat_t"] != "none" for v in (a, b) if "nat_t" in v] if not self.charons \
			else []
		for v, me_seen, other in ((a, self.a_seen, self.b), (b, self.b_seen, self.a)):
			if "remote" in v:
				seen.append(v["remote"] != other.wan_addr or v["local"] != me_seen)
		r["nat_seen"] = any(seen) if seen else None
		# what the far side decrypted: the TCP transfer went through the tunnel
		r["peer_bytes_in"] = b["bytes_in"]
		return r

	def run(self):
		"""The whole case; returns the result dict (`passed` says it all)."""
		r = self.result
		r.update(negative=self.negative, role=self.role, peer=self.peer_kind, ike=self.ike,
			 esp=self.esp, nat=self.nat,
			 up=False, ping_loss_pct=100.0, tcp_bytes=0, ike_alg=None, esp_alg=None,
			 spis_agree=False, natt=None, passed=False)
		t0 = time.time()
		if self.negative:
			return self.run_negative()
		self.setup()
		self.start()
		self.run_good(r)
		r["seconds"] = round(time.time() - t0, 2)
		return r

	def run_good(self, r):
		"""Brings the tunnel up, sends traffic, compares; fills r."""
		took = self.up()
		r["up"] = took is not None
		r["up_seconds"] = round(took, 2) if took is not None else None
		if r["up"]:
			self.resolve_lan_neighbours()
			r["ping_loss_pct"], ping_out = self.ping()
			if r["ping_loss_pct"]:
				self.log(ping_out)
			r["tcp_bytes"] = self.tcp()
			r.update(self.compare())
		need_natt = self.nat
		r["passed"] = bool(
			r["up"] and r["ping_loss_pct"] == 0 and r["tcp_bytes"] == TCP_BYTES
			and r["spis_agree"] and r.get("algs_agree")
			and r.get("peer_bytes_in", 0) >= TCP_BYTES
			and (not need_natt or (r["natt"] and r["nat_seen"])))

	def run_negative(self):
		"""The negative case: each bad peer tries first and must be refused
		(r["bad"][kind]: what it heard back, and whether flexgw kept nothing
		of it); then the good peer must come up and carry traffic as in
		run()."""
		r = self.result
		t0 = time.time()
		self.setup()
		self.start()
		r["bad"] = {}
		for n, kind in enumerate(self.negative):
			addr, ch = self.bad[kind]
			p = ch.initiate("net", timeout=10, check=False)
			# what flexgw answered, as charon saw it (None: no answer at all)
			notify = re.findall(r"received (\w+) notify error", p.stdout)
			inb, outb = flexgw_sas(self.gw, f"Tunnel{1 + n}")
			got = notify[-1] if notify else None
			r["bad"][kind] = {
				"address": addr, "initiate_rc": p.returncode, "got": got,
				"rejected": (p.returncode != 0 and got is not None and not inb and not outb
					     and ch.established("gw", "net") is None)}
			if not r["bad"][kind]["rejected"]:
				self.log(f"bad peer ({kind}) was not refused:\n" + p.stdout[-2000:])
		r["rejected"] = all(b["rejected"] for b in r["bad"].values())
		self.run_good(r)
		r["passed"] = bool(r["passed"] and r["rejected"])
		r["seconds"] = round(time.time() - t0, 2)
		return r

	def logs(self):
		"""The tails of every peer's log, for a failure report; charon's
		without its vici chatter (the tests' swanctl polls), so the
		exchanges fit."""
		out = {}
		for i, g in enumerate(self.gws):
			out[f"flexgw{i}"] = g.log_text()[-12000:]
		for i, c in enumerate(self.charons + self.others):
			lines = [ln for ln in c.log_text().splitlines() if "[CFG] vici" not in ln]
			out[f"charon{i}"] = "\n".join(lines)[-12000:]
		return out

	def report(self, notes=(), more=None):
		"""A failed assert's message: the test's notes, then every peer's
		log tail (and the logs in more, {name: text}) and each flexgw's
		data-path drops, so a lost ping says where it was lost."""
		logs = {**self.logs(), **(more or {})}
		for i, g in enumerate(self.gws):
			logs[f"flexgw{i} data-path drops"] = data_path_drops(g)
		return "\n".join(notes) + "".join(f"\n----- {k} -----\n{v}" for k, v in logs.items())


# ---- the hub scenario (--scenario hub) ------------------------------------------
#
#     hub LAN 10.10.0.10 -- hub (flexgw) 192.0.2.1 ---- WAN bridge ---- clientN  192.0.2.(10+N) charon
#                           Virtual-Template1 (clients)                 spokeM   192.0.2.(100+M) flexgw
#                           Virtual-Template2 (spokes, auto mode)            spokeM LAN 10.20.M.0/24
#                                                                       swanK    192.0.2.(150+K) charon
#                                                                            swanK LAN 172.16.K.0/24
#
# remote_access.Hub builds the hub and its strongSwan remote-access clients;
# HubScenario adds the flexgw spokes (`ip address negotiated`, the LAN
# port as their route set; the last gre_spokes of them in tunnel mode gre
# ipv4, ESP in transport mode), strongSwan site spokes (no virtual IP,
# their LAN as TSi, everything in 10.0.0.0/8 as TSr) and the hub's side
# for them: pools SPOKES and SPOKES6, an authorization policy that pushes
# the hub LAN and the summaries of both kinds of spoke and accepts the
# flexgw spokes' routes, a second virtual template in auto mode (a GRE
# spoke gets a GRE virtual-access, the others an IPsec one).
SPOKE_SUMMARY = "10.20.0.0/16"
SWAN_SUMMARY = "172.16.0.0/16"
SPOKE_POOL = ("10.98.0.1", "10.98.0.63")
SPOKE_POOL6 = ("fd00:98::1", "fd00:98::3f")
SPOKE_PROPOSALS = ("aes256-sha512-ecp256", "aes256gcm16")


def spoke_lan(m):
	return dict(net=f"10.20.{m}.0/24", gw=f"10.20.{m}.1", host=f"10.20.{m}.10")


def spoke_wan(m):
	return f"192.0.2.{100 + m}"


def swan_lan(k):
	return dict(net=f"172.16.{k}.0/24", gw=f"172.16.{k}.1", host=f"172.16.{k}.10")


def swan_wan(k):
	return f"192.0.2.{150 + k}"


def swan_spoke_swanctl(k, psk):
	"""strongSwan as a site spoke: no virtual IP, its LAN as TSi; the hub's
	LAN and the flexgw spokes' LANs (all of 10/8) through the tunnel."""
	import remote_access
	return f"""connections {{
  site {{
    version = 2
    local_addrs = {swan_wan(k)}
    remote_addrs = {remote_access.HUB_WAN}
    proposals = {SPOKE_PROPOSALS[0]}
    mobike = no
    local {{
      auth = psk
      id = fqdn:swan{k}.spokes.example.com
    }}
    remote {{
      auth = psk
      id = fqdn:{remote_access.HUB_ID}
    }}
    children {{
      site {{
        local_ts = {swan_lan(k)['net']}
        remote_ts = 10.0.0.0/8
        esp_proposals = {SPOKE_PROPOSALS[1]}
        start_action = none
      }}
    }}
  }}
}}
secrets {{
  ike-1 {{
    id-1 = fqdn:swan{k}.spokes.example.com
    id-2 = fqdn:{remote_access.HUB_ID}
    secret = "{psk}"
  }}
}}
"""


def hub_spoke_config(cfg, psk):
	"""Adds the spokes' objects to a remote_access hub configuration."""
	import remote_access
	cfg["pools"].append({"name": "SPOKES", "start": SPOKE_POOL[0], "end": SPOKE_POOL[1]})
	cfg["pools"].append({"name": "SPOKES6", "start": SPOKE_POOL6[0], "end": SPOKE_POOL6[1]})
	ik = cfg["ikev2"]
	ik["keyrings"].append({"name": "SPOKES", "peers": [
		{"name": "spokes", "address": "0.0.0.0/0", "pre_shared_key": psk}]})
	ik["authorization_policies"].append({
		"name": "SPOKES", "pool": "SPOKES", "ipv6_pool": "SPOKES6",
		"dns": remote_access.DNS[:1] + remote_access.DNS6,
		"split_dns": ["spokes.example.com"], "def_domain": "example.com",
		"route_set_access_list": [remote_access.LAN["net"], SPOKE_SUMMARY, SWAN_SUMMARY,
					  remote_access.LAN6["net"]],
		"route_accept": {"any": True}})
	add_hub_profile(cfg, "SPOKES", domain="spokes.example.com", keyring="SPOKES", policy="SPOKES",
			template="Virtual-Template2", mode="auto")
	return cfg


def add_hub_profile(cfg, name, domain, keyring, policy, template, mode):
	"""Adds to a remote_access hub configuration an IKEv2 profile `name` for
	the identities under fqdn `domain` (PSKs of `keyring`, authorization
	`policy`), its responder-only IPsec profile and the virtual template
	(`mode`) its Virtual-Access interfaces are cloned from."""
	import remote_access
	cfg["ikev2"]["profiles"].append({
		"name": name, "match_identity_remote": [{"fqdn_domain": domain}],
		"identity_local": {"fqdn": remote_access.HUB_ID}, "authentication_local": "pre-share",
		"authentication_remote": ["pre-share"], "keyring": keyring,
		"virtual_template": template, "aaa_authorization_group": {"policy": policy}})
	cfg["ipsec"]["profiles"].append({"name": name, "ikev2_profile": name,
					 "responder_only": True})
	cfg["virtual_templates"].append({
		"name": template, "ip_unnumbered": "Loopback0", "mtu": 1400,
		"tcp_adjust_mss": 1360, "mode": mode, "tunnel_protection": name})


def spoke_config(m, psk, gre=False, v6=False):
	"""A flexgw spoke: Tunnel0 to the hub with `ip address negotiated`, its
	LAN port advertised (route set interface), nothing routed by hand; gre:
	tunnel mode gre ipv4 over ESP in transport mode; v6: ipv6 address
	negotiated too."""
	import remote_access
	me = Peer(f"spoke{m}", spoke_lan(m), spoke_wan(m), {"fqdn": f"spoke{m}.spokes.example.com"},
		  psk, psk)
	hub = Peer("hub", remote_access.LAN, remote_access.HUB_WAN, {"fqdn": remote_access.HUB_ID},
		   psk, psk)
	cfg = flexgw_ike_config(me, hub, remote_access.HUB_WAN, *SPOKE_PROPOSALS,
				responder_only=False)
	t = cfg["tunnels"][0]
	del t["ipv4"]
	t["ip_address_negotiated"] = True
	if v6:
		t["ipv6_address_negotiated"] = True
	if gre:
		t["mode"] = "gre ipv4"
		for ts in cfg["ipsec"]["transform_sets"]:
			ts["mode"] = "transport"
	cfg["routes"] = []
	cfg["ikev2"]["authorization_policies"] = [
		{"name": "SPOKE", "route_set_interface": "GigabitEthernet1"}]
	cfg["ikev2"]["profiles"][0]["aaa_authorization_group"] = {"policy": "SPOKE"}
	return cfg


def spoke_exchange(gw):
	"""What a spoke got (config_exchange of its READY IKE SA), or None."""
	sas = gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
	ready = [sa for sa in sas if sa["status"] == "READY" and sa.get("config_exchange")]
	return ready[0]["config_exchange"] if len(ready) == 1 else None


def _hub_class():
	import remote_access

	class HubScenario(remote_access.Hub):
		"""remote_access.Hub with n_spokes flexgw spokes besides its clients."""

		def __init__(self, n_spokes=1, n_swan=0, gre_spokes=0, v6_spokes=(), **kw):
			"""gre_spokes: the last ones of the n_spokes flexgw spokes run
			GRE; v6_spokes: the flexgw spokes that also ask for IPv6;
			n_swan: strongSwan site spokes."""
			super().__init__(**kw)
			self.n_spokes, self.n_swan = n_spokes, n_swan
			self.gre_spokes, self.v6_spokes = gre_spokes, set(v6_spokes)
			self.spokes = {}	# m -> (spoke flexgw, its LAN host namespace)
			self.swans = {}		# k -> (charon, its LAN host namespace)

		def spoke_gre(self, m):
			return m > self.n_spokes - self.gre_spokes

		def hub_config(self):
			return hub_spoke_config(super().hub_config(), self.psk)

		def setup(self):
			super().setup()
			for m in range(1, self.n_spokes + 1):
				ns, lan = self.ns(f"s{m}"), self.ns(f"s{m}lan")
				topo.veth(ns, "lan", lan, "eth0", quiet_a=True)
				topo.host(lan, "eth0", spoke_lan(m)["host"] + "/24", gw4=spoke_lan(m)["gw"])
				topo.veth(ns, "wan", self.wan, f"bs{m}", quiet_a=True)
				self.wan.run(f"ip link set bs{m} master br0")
				cfg = spoke_config(m, self.psk, gre=self.spoke_gre(m), v6=m in self.v6_spokes)
				gw = topo.FlexGW(ns, self.workdir / f"s{m}", [
					dict(name="GigabitEthernet1", iface="lan",
					     ipv4=spoke_lan(m)["gw"] + "/24"),
					dict(name="GigabitEthernet2", iface="wan", ipv4=spoke_wan(m) + "/24"),
				], build=self.build, extra_config=cfg)
				self.spokes[m] = (gw, lan)
				gw.start()
				lan.run(f"ping -c 1 -W 5 {spoke_lan(m)['gw']}", check=False)
			for k in range(1, self.n_swan + 1):
				ns, lan = self.ns(f"w{k}"), self.ns(f"w{k}lan")
				topo.veth(ns, "lan", lan, "eth0")
				ns.run(f"ip addr add {swan_lan(k)['gw']}/24 dev lan")
				ns.run("sysctl -qw net.ipv4.ip_forward=1")
				topo.host(lan, "eth0", swan_lan(k)["host"] + "/24", gw4=swan_lan(k)["gw"])
				topo.veth(ns, "wan", self.wan, f"bw{k}")
				self.wan.run(f"ip link set bw{k} master br0")
				ns.run(f"ip addr add {swan_wan(k)}/24 dev wan")
				ch = strongswan.Charon(ns, self.workdir / f"w{k}")
				self.swans[k] = (ch, lan)
				ch.start(timeout=60)
				ch.load(swan_spoke_swanctl(k, self.psk))

		def swan_up(self, k, timeout=30):
			"""Swan spoke k initiates; True once its CHILD SA and libipsec's
			route are in place."""
			ch = self.swans[k][0]
			ch.initiate("site", timeout=timeout, check=False)
			deadline = time.time() + timeout
			while time.time() < deadline:
				if ch.established("site", "site") and ch.routes_to("10.0.0.0/8"):
					return True
				time.sleep(0.1)
			return False

		def teardown(self):
			for gw, _ in self.spokes.values():
				try:
					gw.stop()
				except Exception:  # noqa: BLE001 - keep cleaning up
					pass
			for ch, _ in self.swans.values():
				try:
					ch.stop()
				except Exception:  # noqa: BLE001
					pass
			super().teardown()

		def spoke_up(self, m, timeout=60):
			"""Spoke m's config exchange once its tunnel is up, else None."""
			gw = self.spokes[m][0]
			deadline = time.time() + timeout
			while time.time() < deadline:
				got = spoke_exchange(gw)
				inb, outb = flexgw_sas(gw)
				if got and got.get("assigned_ip") and inb and outb:
					return got
				if not gw.alive():
					raise RuntimeError("spoke flexgw died:\n" + gw.log_text()[-4000:])
				time.sleep(0.2)
			return None

	return HubScenario


def _loss(ns, dst, count=PINGS):
	tx, rx, _ = topo.ping(ns, dst, count=count, interval=0.01, deadline=30)
	return round(100.0 * (tx - rx) / tx, 1) if tx else 100.0


def hub_accepted(hub, m, lan=spoke_lan):
	"""Spoke m's LAN (lan(m), swan_lan for a strongSwan spoke) in the
	hub's RIB, through a virtual-access interface."""
	for r in hub.routes()["routes"]:
		if r["prefix"] == lan(m)["net"] and r.get("installed") and \
				(r.get("interface") or "").startswith("Virtual-Access"):
			return r["interface"]
	return None


def va_mode(sc, peer_addr):
	"""The mode of the hub's virtual-access for the peer at peer_addr."""
	for va in sc.virtual_access():
		if va["destination"] == peer_addr:
			return va["mode"]
	return None


def run_hub(n_clients, n_spokes, pool_size, build=None, log=None, scenario=None, n_swan=0,
	    gre_spokes=0):
	"""The hub scenario; returns (result dict, scenario object torn down)."""
	import remote_access
	log = log or (lambda msg: None)
	sc = scenario or _hub_class()(n_spokes=n_spokes, build=build, n_clients=n_clients,
				       pool_size=pool_size, tag="hub", n_swan=n_swan,
				       gre_spokes=gre_spokes)
	r = {"scenario": "hub", "clients": n_clients, "spokes": n_spokes,
	     "swan_spokes": sc.n_swan, "gre_spokes": sc.gre_spokes, "pool_size": pool_size,
	     "peers": [], "refused": 0, "passed": False}
	t0 = time.time()
	try:
		sc.setup()
		expected_refused = max(0, n_clients - pool_size)
		for n in range(1, n_clients + 1):
			ch = sc.charons[n]
			p = ch.initiate("ra", timeout=30, check=False)
			vip = None
			deadline = time.time() + 30
			while p.returncode == 0 and time.time() < deadline:
				vip = sc.virtual_ip(n)
				if vip and ch.routes_to(remote_access.LAN["net"]):
					break
				time.sleep(0.1)
			refused = p.returncode != 0 and "INTERNAL_ADDRESS_FAILURE" in p.stdout
			r["refused"] += refused
			peer = {"kind": "client", "name": remote_access.client_id(n), "up": bool(vip),
				"should_be_up": n <= pool_size, "refused": refused, "assigned_ip": vip,
				"dns": [], "split_dns": [], "ping_loss_pct": None}
			if vip:
				got = sc.received(n)
				peer["dns"], peer["split_dns"] = got["dns"], got["split_dns"]
			r["peers"].append(peer)
		# every client has tried before any is measured: the refused one
		# must not disturb the others
		for n, peer in enumerate(r["peers"], 1):
			if peer["up"]:
				peer["ping_loss_pct"] = _loss(sc.charons[n].ns, remote_access.LAN["host"])
		for m in range(1, n_spokes + 1):
			got = sc.spoke_up(m)
			gw, lan = sc.spokes[m]
			peer = {"kind": "spoke", "name": f"spoke{m}", "up": bool(got), "should_be_up": True,
				"refused": False, "assigned_ip": got and got.get("assigned_ip"),
				"assigned_ipv6": got and got.get("assigned_ipv6"),
				"dns": (got or {}).get("dns", []), "split_dns": (got or {}).get("split_dns", []),
				"routes_received": (got or {}).get("routes_received", []),
				"hub_route_via": None, "ping_loss_pct": None}
			if got:
				deadline = time.time() + 20
				while peer["hub_route_via"] is None and time.time() < deadline:
					peer["hub_route_via"] = hub_accepted(sc, m)
					time.sleep(0.2)
				peer["ping_loss_pct"] = _loss(lan, remote_access.LAN["host"])
				peer["va_mode"] = va_mode(sc, spoke_wan(m))
			r["peers"].append(peer)
		for k in range(1, sc.n_swan + 1):
			up = sc.swan_up(k)
			ch, lan = sc.swans[k]
			peer = {"kind": "swan-spoke", "name": f"swan{k}", "up": up, "should_be_up": True,
				"refused": False, "assigned_ip": None, "dns": [], "split_dns": [],
				"hub_route_via": None, "ping_loss_pct": None}
			if up:
				peer["hub_route_via"] = topo.wait(
					lambda: hub_accepted(sc, k, lan=swan_lan), 20, step=0.2) or None
				peer["ping_loss_pct"] = _loss(lan, remote_access.LAN["host"])
				peer["va_mode"] = va_mode(sc, swan_wan(k))
				if n_spokes:
					peer["to_spoke1_loss_pct"] = _loss(lan, spoke_lan(1)["host"])
			r["peers"].append(peer)
		# spoke to spoke through the hub: each spoke's LAN pings the next one's
		r["spoke_to_spoke_loss_pct"] = {}
		for m in range(1, n_spokes):
			r["spoke_to_spoke_loss_pct"][f"{m}->{m + 1}"] = _loss(sc.spokes[m][1],
									      spoke_lan(m + 1)["host"])
		r["expected_refused"] = expected_refused
		ips = [p["assigned_ip"] for p in r["peers"] if p["assigned_ip"]]
		r["distinct_addresses"] = len(ips) == len(set(ips))
		r["passed"] = bool(
			all(p["up"] == p["should_be_up"] and (not p["up"] or p["ping_loss_pct"] == 0)
			    for p in r["peers"])
			and all(p["hub_route_via"] for p in r["peers"] if p["kind"] != "client")
			and all(p.get("to_spoke1_loss_pct", 0) == 0 for p in r["peers"])
			and all(v == 0 for v in r["spoke_to_spoke_loss_pct"].values())
			and r["refused"] == expected_refused and r["distinct_addresses"])
	except Exception as e:  # noqa: BLE001 - a failure is a result
		log(f"error: {e}")
		r["error"] = str(e)
	finally:
		r["seconds"] = round(time.time() - t0, 1)
		if not r["passed"]:
			for name, text in hub_logs(sc).items():
				log(f"----- {name} -----\n{text}")
		if scenario is None:
			sc.teardown()
	return r, sc


def hub_logs(sc):
	out = {}
	if sc.gw:
		out["hub"] = sc.gw.log_text()[-6000:]
	for m, (gw, _) in getattr(sc, "spokes", {}).items():
		out[f"spoke{m}"] = gw.log_text()[-4000:]
	for n, ch in sc.charons.items():
		out[f"client{n}"] = ch.log_text()[-3000:]
	for k, (ch, _) in getattr(sc, "swans", {}).items():
		out[f"swan{k}"] = ch.log_text()[-3000:]
	return out


def show_hub(sc):
	"""The hub's view, as the demo prints it, and each spoke's SA."""
	for words in (("show", "crypto", "session"), ("show", "crypto", "ikev2", "sa", "detailed"),
		      ("show", "interfaces", "virtual-access"), ("show", "ip", "route")):
		out = sc.gw.flexctl_raw(*words, check=False)
		print(f"\nhub# {' '.join(words)}\n{(out.stdout + out.stderr).rstrip()}")
	for m, (gw, _) in sc.spokes.items():
		for words in (("show", "crypto", "ikev2", "sa", "detailed"), ("show", "ip", "route")):
			out = gw.flexctl_raw(*words, check=False)
			print(f"\nspoke{m}# {' '.join(words)}\n{(out.stdout + out.stderr).rstrip()}")


def show(case):
	"""The operator's view of the tunnel from both ends, as the demo prints it."""
	views = []
	for gw, prompt in ((case.gw, "flexgw#"), (case.gwb, "flexgw-b#")):
		if gw:
			for words in (("show", "crypto", "ikev2", "sa", "detailed"),
				      ("show", "crypto", "ikev2", "session"),
				      ("show", "crypto", "ipsec", "sa"), ("show", "interfaces", "Tunnel0")):
				out = gw.flexctl_raw(*words, check=False)
				views.append((f"{prompt} {' '.join(words)}", out.stdout + out.stderr))
	for ch in (case.charon_a, case.charon):
		if ch:
			out = ch.swanctl("--list-sas", check=False)
			views.append(("strongswan$ swanctl --list-sas", out.stdout + out.stderr))
	for title, text in views:
		print(f"\n{title}\n{text.rstrip()}")


def main(argv=None):
	ap = argparse.ArgumentParser(
		description="One IKEv2 interop case between flexgw and strongSwan (or flexgw).")
	ap.add_argument("--role", choices=("initiator", "responder"), required=True,
			help="flexgw's role")
	ap.add_argument("--ike", required=True, help="IKE proposal, strongSwan syntax")
	ap.add_argument("--esp", required=True, help="ESP proposal, strongSwan syntax")
	ap.add_argument("--nat", action="store_true", help="the initiator sits behind a NAT")
	ap.add_argument("--peer", choices=("strongswan", "flexgw"), default="strongswan",
			help="the far side")
	ap.add_argument("--local", choices=("flexgw", "strongswan"), default="flexgw",
			help="the near side: strongswan checks the harness itself with two charons")
	ap.add_argument("--id-type", choices=sorted(IDS), default="fqdn")
	ap.add_argument("--asym-psk", action="store_true", help="a different PSK each way")
	ap.add_argument("--negative", choices=NEGATIVES, action="append",
			help="a bad strongSwan peer with a wrong PSK, proposal or identity tries "
			"first and must be refused; then the case runs (flexgw responder); "
			"may be given more than once")
	ap.add_argument("--json", action="store_true", help="print one JSON object")
	ap.add_argument("--build", help="build tree (default: $FGW_BUILD or build/)")
	ap.add_argument("--show", action="store_true",
			help="after the traffic, print what both ends say of the tunnel "
			"(flexctl show crypto ..., swanctl --list-sas)")
	ap.add_argument("--keep", action="store_true",
			help="leave everything up until Enter is pressed (debugging)")
	ap.add_argument("--verbose", "-v", action="store_true", help="print peer logs on failure")
	if argv is None:
		argv = sys.argv[1:]
	if "--scenario" in argv:
		return main_scenario(argv)
	args = ap.parse_args(argv)
	if os.geteuid() != 0:
		print("interop: run as root (network namespaces)", file=sys.stderr)
		return 2

	def log(msg):
		print(f"interop: {msg}", file=sys.stderr)

	try:
		case = Case(role=args.role, ike=args.ike, esp=args.esp, nat=args.nat, peer=args.peer,
			    local=args.local, negative=args.negative,
			    id_type=args.id_type, asym_psk=args.asym_psk, build=args.build, log=log)
	except (ValueError, proposals.ProposalError) as e:
		print(f"interop: {e}", file=sys.stderr)
		return 2

	def on_signal(sig, frame):
		raise KeyboardInterrupt

	signal.signal(signal.SIGTERM, on_signal)
	signal.signal(signal.SIGHUP, on_signal)
	r = None
	try:
		r = case.run()
		if args.show:
			show(case)
		if args.keep:
			print(f"interop: kept up (namespaces {topo.PREFIX}*, work dir {case.workdir}); "
			      "press Enter to clean up", file=sys.stderr)
			sys.stdin.readline()
	except KeyboardInterrupt:
		log("interrupted")
	except Exception as e:  # noqa: BLE001 - report, clean up, fail
		log(f"error: {e}")
		case.result["error"] = str(e)
		r = case.result
	finally:
		if r is not None and (not r.get("passed")) and args.verbose:
			for name, text in case.logs().items():
				print(f"----- {name} -----\n{text}", file=sys.stderr)
		case.teardown()
	if r is None:
		return 1
	if args.json:
		print(json.dumps(r))
	else:
		for k in ("up", "up_seconds", "ping_loss_pct", "tcp_bytes", "ike_alg", "esp_alg",
			  "spis_agree", "algs_agree", "natt", "nat_seen", "rejected", "seconds",
			  "passed"):
			if k == "rejected" and not args.negative:
				continue
			print(f"{k}: {r.get(k)}")
	return 0 if r.get("passed") else 1


def main_scenario(argv):
	"""scripts/interop.sh --scenario hub --clients N --spokes M [--pool-size P] [--json]"""
	ap = argparse.ArgumentParser(
		description="A FlexVPN hub (flexgw) with strongSwan remote-access clients and "
		"flexgw spokes, each in its own namespace.")
	ap.add_argument("--scenario", choices=("hub",), required=True)
	ap.add_argument("--clients", type=int, default=2, help="strongSwan remote-access clients")
	ap.add_argument("--spokes", type=int, default=1, help="flexgw spokes")
	ap.add_argument("--gre-spokes", type=int, default=0,
			help="how many of the flexgw spokes run tunnel mode gre ipv4 (the last ones)")
	ap.add_argument("--swan-spokes", type=int, default=0,
			help="strongSwan site spokes (no virtual IP, their LAN as TSi)")
	ap.add_argument("--pool-size", type=int, default=None,
			help="addresses in the clients' pool (default: one per client)")
	ap.add_argument("--json", action="store_true", help="print one JSON object")
	ap.add_argument("--show", action="store_true", help="print the hub's and spokes' view")
	ap.add_argument("--build", help="build tree (default: $FGW_BUILD or build/)")
	ap.add_argument("--verbose", "-v", action="store_true", help="print logs on failure")
	args = ap.parse_args(argv)
	if not (0 <= args.clients <= 50 and 0 <= args.spokes <= 20 and 0 <= args.swan_spokes <= 20
		and 0 <= args.gre_spokes <= args.spokes) or \
			(args.pool_size is not None and not 1 <= args.pool_size <= 250):
		print("interop: --clients 0..50, --spokes 0..20, --gre-spokes 0..spokes, "
		      "--swan-spokes 0..20, --pool-size 1..250", file=sys.stderr)
		return 2
	if os.geteuid() != 0:
		print("interop: run as root (network namespaces)", file=sys.stderr)
		return 2

	def log(msg):
		if args.verbose or msg.startswith("error"):
			print(f"interop: {msg}", file=sys.stderr)

	def on_signal(sig, frame):
		raise KeyboardInterrupt

	signal.signal(signal.SIGTERM, on_signal)
	signal.signal(signal.SIGHUP, on_signal)
	pool = args.pool_size if args.pool_size is not None else max(1, args.clients)
	sc = _hub_class()(n_spokes=args.spokes, build=args.build, n_clients=args.clients,
			  pool_size=pool, tag="hub", n_swan=args.swan_spokes,
			  gre_spokes=args.gre_spokes)
	try:
		r, _ = run_hub(args.clients, args.spokes, pool, log=log, scenario=sc)
		if args.show:
			show_hub(sc)
	except KeyboardInterrupt:
		log("error: interrupted")
		return 1
	finally:
		sc.teardown()
	if args.json:
		print(json.dumps(r))
	else:
		for p in r["peers"]:
			print(f"{p['kind']} {p['name']}: up {p['up']}, address {p['assigned_ip']}, "
			      f"loss {p['ping_loss_pct']}%")
		print(f"refused: {r['refused']} (expected {r.get('expected_refused')})")
		print(f"spoke to spoke loss: {r.get('spoke_to_spoke_loss_pct')}")
		print(f"passed: {r['passed']}")
	return 0 if r["passed"] else 1


if __name__ == "__main__":
	sys.exit(main())
