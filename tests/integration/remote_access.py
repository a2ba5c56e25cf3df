"""A FlexVPN remote-access hub and strongSwan remote-access clients.

    lan (eth0)      hub (lan | wan)              wan: br0          clientN (wan)
    10.10.0.10/24 -- 10.10.0.1 | 192.0.2.1 ------ bridge ------ 192.0.2.(10+N)
                    flexgw: Virtual-Template1 -> Virtual-AccessN   charon, vips = 0.0.0.0

The hub lends addresses from pool RA (10.99.0.1 upwards, pool_size of
them), pushes DNS, WINS, split-DNS, the default domain, a backup gateway
and the route to its LAN (authorization policy RA), and clones a
virtual-access interface per client. Each client is a charon with
kernel-libipsec: its virtual IP and the route to the hub's LAN go on its
TUN device; its resolve plugin writes the DNS servers it received into
its own resolv.conf (never the host's).
"""
import ipaddress
import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import strongswan
import topo

LAN = dict(net="10.10.0.0/24", gw="10.10.0.1", host="10.10.0.10")
# the hub's IPv6 side (Hub(v6=True)): its LAN, pool RA6 and an IPv6 DNS server
LAN6 = dict(net="fd00:10::/64", gw="fd00:10::1", host="fd00:10::10")
POOL6_START = "fd00:99::1"
DNS6 = ["fd00:10::53"]
HUB_WAN = "192.0.2.1"
HUB_WAN6 = "2001:db8::1"	# Hub(wan6=True)
POOL_START = "10.99.0.1"
DNS = ["10.10.0.53", "10.10.0.54"]
WINS = "10.10.0.55"
SPLIT_DNS = ["corp.example.com", "lab.example.com"]
DEF_DOMAIN = "corp.example.com"
BACKUP_GW = "192.0.2.2"
HUB_ID = "hub.example.com"

# What a client asks for and gets, read from charon's log: the CP payload
# of the IKE_AUTH response as charon's parser names its attributes.
PUSHED = ("ADDR", "MASK", "DNS", "NBNS", "SUBNET", "UNITY_DEF_DOMAIN", "UNITY_SPLITDNS_NAME",
	  "UNITY_BACKUP_SERVERS")


def client_wan(n):
	return f"192.0.2.{10 + n}"


def client_id(n):
	return f"client{n}@example.com"


def hub_config(pool_size, psk, v6=False):
	"""flexgw's objects for the hub (ports and routes apart); v6: an IPv6
	pool of pool_size addresses too, IPv6 DNS and the IPv6 LAN pushed."""
	last = POOL_START.rsplit(".", 1)[0] + "." + str(int(POOL_START.rsplit(".", 1)[1]) + pool_size - 1)
	cfg = {
		"loopbacks": [{"name": "Loopback0", "ipv4": "10.255.0.1/32"}],
		"pools": [{"name": "RA", "start": POOL_START, "end": last}],
		"ikev2": {
			"keyrings": [{"name": "RA", "peers": [
				{"name": "clients", "address": "0.0.0.0/0",
				 "pre_shared_key": psk}]}],
			"authorization_policies": [{
				"name": "RA", "pool": "RA", "netmask": "255.255.255.255",
				"dns": DNS, "wins": [WINS], "split_dns": SPLIT_DNS,
				"def_domain": DEF_DOMAIN, "backup_gateways": [BACKUP_GW],
				"route_set_access_list": [LAN["net"]]}],
			"profiles": [{
				"name": "RA", "match_identity_remote": [{"email_domain": "example.com"}],
				"identity_local": {"fqdn": HUB_ID}, "authentication_local": "pre-share",
				"authentication_remote": ["pre-share"], "keyring": "RA",
				"virtual_template": "Virtual-Template1",
				"aaa_authorization_group": {"policy": "RA"}}],
		},
		"ipsec": {"profiles": [{"name": "RA", "ikev2_profile": "RA", "responder_only": True}]},
		"virtual_templates": [{
			"name": "Virtual-Template1", "ip_unnumbered": "Loopback0", "mtu": 1400,
			"tcp_adjust_mss": 1360, "mode": "ipsec ipv4", "tunnel_protection": "RA"}],
	}
	if v6:
		last6 = str(ipaddress.ip_address(POOL6_START) + pool_size - 1)
		cfg["pools"].append({"name": "RA6", "start": POOL6_START, "end": last6})
		pol = cfg["ikev2"]["authorization_policies"][0]
		pol["ipv6_pool"] = "RA6"
		pol["dns"] = DNS + DNS6
		pol["route_set_access_list"].append(LAN6["net"])
	return cfg


def client_swanctl(n, psk, vips="0.0.0.0", remote_ts=LAN["net"], wan=None, hub=HUB_WAN,
		   ident=None):
	"""swanctl.conf of client n: a virtual IP (vips: 0.0.0.0, ::, or
	both), DNS through the resolve plugin, the hub's LAN through the tunnel;
	wan and hub: the outer addresses (client_wan(n) and HUB_WAN unless
	given); ident: its identity in swanctl's spelling (its email by default)."""
	ident = ident or f"email:{client_id(n)}"
	return f"""connections {{
  ra {{
    version = 2
    local_addrs = {wan or client_wan(n)}
    remote_addrs = {hub}
    vips = {vips}
    proposals = aes256-sha512-ecp256
    mobike = no
    local {{
      auth = psk
      id = {ident}
    }}
    remote {{
      auth = psk
      id = fqdn:{HUB_ID}
    }}
    children {{
      ra {{
        remote_ts = {remote_ts}
        esp_proposals = aes256gcm16
        start_action = none
      }}
    }}
  }}
}}
secrets {{
  ike-1 {{
    id-1 = {ident}
    id-2 = fqdn:{HUB_ID}
    secret = "{psk}"
  }}
}}
"""


class Hub:
	"""setup() builds the namespaces and starts the hub and n_clients
	charons (none connected); teardown() removes everything."""

	def __init__(self, build=None, workdir=None, n_clients=2, pool_size=10, tag="ra", v6=False,
		     client_vips=None, wan6=False):
		"""v6: the hub's LAN and pools are dual-stack; client_vips: {n:
		what client n asks for (swanctl vips)}, 0.0.0.0 when not given;
		wan6: the hub's WAN port has HUB_WAN6 too."""
		self.wan6 = wan6
		self.build = Path(build) if build else topo.build_dir()
		self.own_workdir = workdir is None
		self.workdir = Path(workdir or tempfile.mkdtemp(prefix="flexgw-ra-"))
		self.n_clients, self.pool_size, self.tag = n_clients, pool_size, tag
		self.v6, self.client_vips = v6, client_vips or {}
		self.psk = "ra-" + secrets.token_hex(8)
		self.namespaces, self.charons = [], {}
		self.gw = None

	def hub_config(self):
		"""The hub's configuration (a subclass adds to it)."""
		return hub_config(self.pool_size, self.psk, v6=self.v6)

	def ns(self, name):
		n = topo.Namespace(f"{self.tag}-{name}")
		self.namespaces.append(n)
		return n

	def setup(self):
		self.wan = self.ns("wan")
		self.wan.run("ip link add br0 type bridge")
		self.wan.run("ip link set br0 up")
		self.hubns, self.lan = self.ns("hub"), self.ns("lan")
		topo.veth(self.hubns, "lan", self.lan, "eth0", quiet_a=True)
		topo.host(self.lan, "eth0", LAN["host"] + "/24", gw4=LAN["gw"],
			  ipv6=self.v6 and LAN6["host"] + "/64", gw6=self.v6 and LAN6["gw"])
		topo.veth(self.hubns, "wan", self.wan, "bhub", quiet_a=True)
		self.wan.run("ip link set bhub master br0")
		lan_port = dict(name="GigabitEthernet1", iface="lan", ipv4=LAN["gw"] + "/24")
		if self.v6:
			lan_port["ipv6"] = LAN6["gw"] + "/64"
		wan_port = dict(name="GigabitEthernet2", iface="wan", ipv4=HUB_WAN + "/24")
		if self.wan6:
			wan_port["ipv6"] = HUB_WAN6 + "/64"
		self.gw = topo.FlexGW(self.hubns, self.workdir / "hub", [lan_port, wan_port],
				      build=self.build, extra_config=self.hub_config())
		self.gw.start()
		for n in range(1, self.n_clients + 1):
			ns = self.ns(f"c{n}")
			topo.veth(ns, "wan", self.wan, f"bc{n}")
			self.wan.run(f"ip link set bc{n} master br0")
			ns.run(f"ip addr add {client_wan(n)}/24 dev wan")
			ch = client_charon(ns, self.workdir / f"c{n}")
			ch.start(timeout=60)
			ch.load(client_swanctl(n, self.psk, vips=self.client_vips.get(n, "0.0.0.0"),
					       remote_ts=self.remote_ts()))
			self.charons[n] = ch
		# the hub knows the LAN host (from its ARP request, its neighbour
		# solicitation) before any tunnel is measured: it holds only
		# FGW_NEIGH_PENDING_MAX packets while it resolves one itself
		self.lan.run(f"ping -c 1 -W 5 {LAN['gw']}", check=False)
		if self.v6:
			self.lan.run(f"ping -c 1 -W 5 {LAN6['gw']}", check=False)

	def teardown(self):
		if self.gw:
			try:
				self.gw.stop()
			except Exception:  # noqa: BLE001 - keep cleaning up
				pass
		for ch in self.charons.values():
			try:
				ch.stop()
			except Exception:  # noqa: BLE001
				pass
		for n in reversed(self.namespaces):
			n.delete()
		self.namespaces = []
		if self.own_workdir:
			shutil.rmtree(self.workdir, ignore_errors=True)

	def remote_ts(self):
		return LAN["net"] + (", " + LAN6["net"] if self.v6 else "")

	# ---- clients ----------------------------------------------------------

	def connect(self, n, timeout=30):
		"""Client n initiates; its virtual IP once up (IKE and CHILD SA, and
		libipsec's route to the hub's LAN), else None."""
		ch = self.charons[n]
		ch.initiate("ra", timeout=timeout, check=False)
		deadline = time.time() + timeout
		while time.time() < deadline:
			vips = self.virtual_ips(n)
			if vips and all(ch.routes_to(net) for net in self.lan_nets(vips)):
				return vips[0]
			time.sleep(0.1)
		return None

	def lan_nets(self, vips):
		"""The hub's LAN networks a client with these virtual IPs reaches."""
		fams = {ipaddress.ip_address(v).version for v in vips}
		return [net for net, fam in ((LAN["net"], 4), (LAN6["net"], 6))
			if fam in fams and (fam == 4 or self.v6)]

	def virtual_ips(self, n):
		"""The virtual IPs `swanctl --list-sas` shows for client n once its
		CHILD SA is INSTALLED, else []."""
		got = self.charons[n].established("ra", "ra")
		return list(got[0].get("local-vips") or []) if got else []

	def virtual_ip(self, n):
		"""Client n's first virtual IP (see virtual_ips), or None."""
		vips = self.virtual_ips(n)
		return vips[0] if vips else None

	def disconnect(self, n):
		self.charons[n].terminate_ike("ra")

	def resolv_conf(self, n):
		p = self.charons[n].dir / "resolv.conf"
		return p.read_text() if p.exists() else ""

	def received(self, n):
		"""What client n received in its last CFG_REPLY (received_attributes)
		as the runner reports it: DNS servers, split-DNS names (RFC 8598
		and Cisco's list, each name once), the default domain."""
		dns, split, defdom = [], [], None
		for t, v in received_attributes(self.charons[n].log_text()):
			if t in (ATTR_IP4_DNS, ATTR_IP6_DNS) and len(v) in (4, 16):
				dns.append(str(ipaddress.ip_address(v)))
			elif t == ATTR_DNS_DOMAIN:
				split.append(v.decode("ascii", "replace"))
			elif t == ATTR_SPLITDNS_NAME:
				split += v.decode("ascii", "replace").split(",")
			elif t == ATTR_DEF_DOMAIN:
				defdom = v.decode("ascii", "replace")
		return {"dns": dns, "split_dns": list(dict.fromkeys(s for s in split if s)),
			"def_domain": defdom}

	# ---- the hub's view -----------------------------------------------------

	def sessions(self):
		return self.gw.flexctl("show", "crypto", "session")["sessions"]

	def virtual_access(self):
		return self.gw.flexctl("show", "interfaces", "virtual-access")["virtual_access"]

	def pool(self):
		return next(p for p in self.gw.flexctl("show", "ip", "local", "pool")["pools"]
			    if p["name"] == "RA")

	def routes(self):
		return self.gw.flexctl("show", "ip", "route")


# configuration attribute types (RFC 7296 3.15.1, RFC 8598, Cisco's)
ATTR_IP4_DNS, ATTR_IP6_DNS, ATTR_DNS_DOMAIN = 3, 10, 25
ATTR_DEF_DOMAIN, ATTR_SPLITDNS_NAME = 28674, 28675

_ENC = re.compile(r"^\S+ (\d+)\[ENC\] (.*)$")
_HEX = re.compile(r"^\s*\d+: ((?:[0-9A-F]{2} ?){1,16})")


def received_attributes(log):
	"""[(type, value bytes)] of the last CP payload charon parsed, read from
	its own log: with `enc = 3` its parser prints every configuration
	attribute's type and value (hex) after decrypting the message. charon
	names a few attributes (processing ... attribute) but logs no split-DNS
	or domain values, so this is where what it received is seen."""
	lines = log.splitlines()
	start = max((i for i, ln in enumerate(lines)
		     if ln.endswith("[ENC] parsing CONFIGURATION payload") or
		     "[ENC] parsing CONFIGURATION payload," in ln), default=None)
	if start is None:
		return []
	thread = _ENC.match(lines[start]).group(1)
	out, typ, want, value = [], None, None, b""
	for ln in lines[start + 1:]:
		m = _ENC.match(ln)
		if not m or m.group(1) != thread:
			continue
		text = m.group(2)
		if text.startswith("parsed ") or text.startswith("parsing TS_") or \
				text.startswith("parsing SECURITY_ASSOCIATION"):
			break
		if want is not None and want > len(value):
			h = _HEX.match(text)
			if h:
				value += bytes.fromhex(h.group(1).replace(" ", ""))
				if len(value) >= want:
					out.append((typ, value[:want]))
					want = None
				continue
		if text.strip() == "parsing rule 1 ATTRIBUTE_TYPE":
			typ = "next"
		elif typ == "next" and text.strip().startswith("=> "):
			typ = int(text.strip()[3:])
		elif text.strip() == "parsing rule 3 ATTRIBUTE_VALUE":
			want = -1
		elif want == -1 and text.strip().startswith("=> "):
			want, value = int(text.strip()[3:].split()[0]), b""
			if want == 0:
				out.append((typ, b""))
				want = None
	return out


def client_charon(ns, workdir):
	"""A charon for a remote-access client: it installs its virtual IP (on
	libipsec's TUN device), its resolve plugin writes what DNS servers it
	got to workdir/resolv.conf (resolvconf(8) is pointed nowhere), and it
	logs the configuration attributes it parses (received_attributes)."""
	ch = strongswan.Charon(ns, workdir)
	text = ch.conf.read_text().replace("install_virtual_ip = no", "install_virtual_ip = yes")
	text = text.replace("      cfg = 2\n", "      cfg = 2\n      enc = 3\n")
	text = text.replace("  plugins {\n", "  plugins {\n"
			    f"    resolve {{\n      file = {ch.dir}/resolv.conf\n"
			    "      resolvconf {\n        path = /nonexistent/resolvconf\n      }\n    }\n")
	text = text.replace(strongswan.PLUGINS, strongswan.PLUGINS + " resolve")
	ch.conf.write_text(text)
	return ch


if __name__ == "__main__":
	import argparse

	ap = argparse.ArgumentParser(description=__doc__)
	ap.add_argument("--clients", type=int, default=2)
	ap.add_argument("--pool-size", type=int, default=10)
	ap.add_argument("--keep", action="store_true", help="wait for Enter before teardown")
	a = ap.parse_args()
	hub = Hub(n_clients=a.clients, pool_size=a.pool_size)
	try:
		hub.setup()
		for i in range(1, a.clients + 1):
			print(f"client{i}:", hub.connect(i))
		print(json.dumps(hub.sessions(), indent=1))
		if a.keep:
			input("Enter to tear down ")
	finally:
		hub.teardown()
