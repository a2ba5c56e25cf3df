"""flexgw-ikeload against a responder: the namespaces, a strongSwan charon
set up as a many-peer PSK responder, and running the tool. Used by
test_ikeload_smoke.py and by controlplane/ikev2/loadgen/bench.py.

Topology: namespace `ini` (the load generator, 192.0.2.2 plus optional
extra source addresses) and namespace `resp` (192.0.2.1), one veth pair.
"""
import ipaddress
import json
import time

import topo
from strongswan import PLUGINS, Charon

RESP_ADDR = "192.0.2.1"
INI_ADDR = "192.0.2.2"
PSK = "load-generator-shared-key"
# one /32 selector per peer out of this prefix (--ts-per-peer)
PEER_TS = "10.128.0.0/9"
HUB_LAN = "10.1.0.0/24"
# the FlexVPN hub's pool (hub_va): room for 2^20 peers
VA_POOL_START = "10.16.0.1"

# A responder tuned for many peers from one address: the per-address
# half-open limit (block_threshold, 5 by default) and the cookie threshold
# would otherwise refuse the window; enough threads to keep both cores
# busy; logging down to errors (it costs more than the IKE work).
CONF = """charon {{
  install_virtual_ip = no
  threads = {threads}
  block_threshold = 1000000
  cookie_threshold = 1000000
  init_limit_half_open = 0
  ikesa_table_size = 4096
  ikesa_table_segments = 16
  retransmit_tries = 3
  plugins {{
    vici {{
      socket = unix://{socket}
    }}
  }}
  load = {plugins}
  filelog {{
    stderr {{
      default = {loglevel}
    }}
  }}
}}
"""

SWANCTL = """connections {{
  hub {{
    version = 2
    local_addrs = {resp}
    proposals = {ike}
    local {{
      auth = psk
      id = hub.example.com
    }}
    remote {{
      auth = psk
      id = %any
    }}
    children {{
      net {{
        local_ts = {lan}
        remote_ts = {peer_ts}
        esp_proposals = {esp}
      }}
    }}
  }}
}}
secrets {{
  ike-any {{
    secret = "{psk}"
  }}
}}
"""


class Topology:
	def __init__(self, workdir, local_count=1):
		self.dir = workdir
		self.ini = topo.Namespace("ikl-ini")
		self.resp = topo.Namespace("ikl-resp")
		self.charon = None
		self.flexgw = None
		topo.veth(self.ini, "wan0", self.resp, "wan0")
		self.resp.run(f"ip addr add {RESP_ADDR}/24 dev wan0")
		# extra source addresses for responders that tell peers by address
		base = int(INI_ADDR.rsplit(".", 1)[1])
		for i in range(local_count):
			self.ini.run(f"ip addr add 192.0.2.{base + i}/24 dev wan0")

	def start_charon(self, ike, esp, threads=16, loglevel=0):
		c = Charon(self.resp, self.dir / "charon")
		c.conf.write_text(CONF.format(socket=c.socket, plugins=PLUGINS, threads=threads,
					      loglevel=loglevel))
		self.resp.run(f"ip addr add {HUB_LAN.replace('0/24', '1/32')} dev lo")
		c.start()
		c.load(SWANCTL.format(resp=RESP_ADDR, ike=ike, esp=esp, lan=HUB_LAN, peer_ts=PEER_TS,
				      psk=PSK))
		self.charon = c
		return c

	def teardown(self):
		if self.charon is not None:
			self.charon.stop()
		if self.flexgw is not None:
			self.flexgw.stop()
		self.ini.delete()
		self.resp.delete()


def run_ikeload(build, ns, n, window=128, ike=None, esp=None, extra=(), timeout=600,
		vip=False):
	"""Runs flexgw-ikeload in ns against the responder; its JSON report and
	the wall time. vip: each peer asks for an address and proposes
	0.0.0.0/0 as its selector, as a remote-access client does (the
	responder narrows it to the address it lends); else peer N proposes
	PEER_TS + N."""
	tool = build / "controlplane" / "ikev2" / "loadgen" / "flexgw-ikeload"
	ts = ["--vip", "--tsi", "0.0.0.0/0"] if vip else ["--tsi", PEER_TS, "--ts-per-peer"]
	args = [str(tool), "--server", RESP_ADDR, "--psk", PSK, "-n", str(n), "-w", str(window),
		*ts, "--tsr", HUB_LAN, "--json", "--timeout", str(timeout)]
	if ike:
		args += ["--ike", ike]
	if esp:
		args += ["--esp", esp]
	args += list(extra)
	t0 = time.time()
	p = ns.run(args, check=False, timeout=timeout + 60)
	if not p.stdout.strip():
		raise RuntimeError(f"flexgw-ikeload printed nothing (exit {p.returncode}):\n{p.stderr}")
	return json.loads(p.stdout.strip().splitlines()[-1]), time.time() - t0, p


# ---- flexgw as the responder ------------------------------------------------

def flexgw_hub_config(ike, esp, tunnel_peers=0, max_sa=0, va_pool=0):
	"""A flexgw responder for peer*.example.com with one PSK, keyed by any
	address. tunnel_peers: that many static tunnels (responder only), one
	per source address INI_ADDR, INI_ADDR+1, ... (the engine on main gives
	a CHILD SA only to a tunnel whose destination is the peer). va_pool:
	a FlexVPN hub instead, whose profile clones a virtual-access interface
	from a virtual template for every peer and lends it an address from a
	pool of that many (VA_POOL_START onwards), routed through it."""
	import proposals
	sets, _ = proposals.transform_sets("ESP_", esp)
	cfg = {
		"ikev2": {
			"smart_defaults": False,
			"proposals": [proposals.ikev2_proposal("IKE", ike)],
			"policies": [{"name": "WAN", "proposals": ["IKE"]}],
			"keyrings": [{"name": "KR", "peers": [
				{"name": "any", "address": "0.0.0.0/0", "pre_shared_key": PSK}]}],
			"profiles": [{
				"name": "PEERS", "match_identity_remote": [{"fqdn_domain": "example.com"}],
				"identity_local": {"fqdn": "hub.example.com"},
				"authentication_local": "pre-share", "authentication_remote": ["pre-share"],
				"keyring": "KR"}],
			"cookie_challenge": 1000000,
			"limits": {"max_in_negotiation_sa": 1000000, "max_sa": max_sa},
		},
		"ipsec": {"smart_defaults": False, "transform_sets": sets, "profiles": [{
			"name": "PEERS", "transform_sets": [s["name"] for s in sets],
			"ikev2_profile": "PEERS", "responder_only": True}]},
		"tunnels": [],
	}
	if va_pool:
		hub_va(cfg, va_pool)
	base = int(INI_ADDR.rsplit(".", 1)[1])
	for i in range(tunnel_peers):
		cfg["tunnels"].append({
			"name": f"Tunnel{i}", "ipv4": f"172.16.{i // 64}.{(i % 64) * 4 + 1}/30",
			"source": "GigabitEthernet1", "destination": f"192.0.2.{base + i}",
			"mode": "ipsec ipv4", "tunnel_protection": "PEERS"})
	return cfg


def hub_va(cfg, pool_size):
	"""The virtual-template half of flexgw_hub_config: Virtual-Template1
	(unnumbered to a loopback holding the hub LAN's first address, MTU
	1400, MSS 1360, IPsec over IPv4) named by the profile, and a pool."""
	start = ipaddress.IPv4Address(VA_POOL_START)
	cfg["loopbacks"] = [{"name": "Loopback0", "ipv4": HUB_LAN.replace("0/24", "1/32")}]
	cfg["pools"] = [{"name": "PEERS", "start": str(start),
			 "end": str(start + pool_size - 1)}]
	cfg["ikev2"]["authorization_policies"] = [{"name": "PEERS", "pool": "PEERS"}]
	prof = cfg["ikev2"]["profiles"][0]
	prof["virtual_template"] = "Virtual-Template1"
	prof["aaa_authorization_group"] = {"policy": "PEERS"}
	cfg["virtual_templates"] = [{
		"name": "Virtual-Template1", "ip_unnumbered": "Loopback0", "mtu": 1400,
		"tcp_adjust_mss": 1360, "mode": "ipsec ipv4", "tunnel_protection": "PEERS"}]


def start_flexgw(t, build, ike, esp, tunnel_peers=0, max_sa=0, va_pool=0):
	"""flexgw in t.resp on wan0 (which loses its kernel address)."""
	t.resp.run(f"ip addr flush dev wan0")
	topo.quiet_port(t.resp, "wan0")
	gw = topo.FlexGW(t.resp, t.dir / "flexgw",
			 [{"name": "GigabitEthernet1", "iface": "wan0", "ipv4": f"{RESP_ADDR}/24"}],
			 build=build, extra_config=flexgw_hub_config(ike, esp, tunnel_peers, max_sa,
							va_pool))
	t.flexgw = gw
	gw.start()
	return gw


def rss_kb(pid):
	"""VmRSS of a process, KiB."""
	for line in open(f"/proc/{pid}/status"):
		if line.startswith("VmRSS:"):
			return int(line.split()[1])
	return 0


def flexgw_pid(gw):
	"""The flexgw process itself (popen runs it under `ip netns exec`,
	which execs, so it is the same pid)."""
	return gw.proc.pid
