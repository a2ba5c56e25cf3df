"""FlexVPN hub (issue 6): CHILD SAs with several selectors, and an IPv6
outer, against strongSwan. One dual-stack hub (interop.py's hub scenario,
Hub(v6=True, wan6=True)) for all three tests:

- client 1 asks for an IPv4 and an IPv6 virtual IP and rekeys its CHILD SA
  every 4-5 s (charon's rekey_time): through two rekeys the hub answers
  with all its selectors (both addresses, both LANs), charon still lists
  them all, and pings in both families cross with zero loss;
- strongSwan site spoke 1 offers two local subnets as TSi: the hub answers
  with both, makes a route of each through the spoke's virtual-access,
  both subnets reach the hub's LAN, and both routes go with the SA;
- client 2 reaches the hub over the IPv6 WAN (2001:db8::/64): its own
  profile's virtual template is `ipsec ipv6`, its virtual-access has an
  IPv6 outer, and IPv6 flows both ways through it.
"""
import ipaddress
import re
import subprocess

import pytest

import interop
import remote_access as ra
import topo

PINGS = 20
SECOND_LAN = dict(net="172.16.101.0/24", gw="172.16.101.1", host="172.16.101.10")
CLIENT2_WAN6 = "2001:db8::12"
V6_ID = "fqdn:v6client.example.net"


def scenario_class():
	class Selectors(interop._hub_class()):
		def hub_config(self):
			cfg = super().hub_config()
			ik = cfg["ikev2"]
			ik["keyrings"][0]["peers"].append(
				{"name": "clients6", "address": "::/0", "pre_shared_key": self.psk})
			interop.add_hub_profile(cfg, "RA6", domain="example.net", keyring="RA", policy="RA",
						template="Virtual-Template3", mode="ipsec ipv6")
			return cfg

		def setup(self):
			super().setup()
			# client 1 rekeys its CHILD SA often
			c1 = ra.client_swanctl(1, self.psk, vips="0.0.0.0, ::", remote_ts=self.remote_ts())
			self.charons[1].load(c1.replace(
				"        start_action", "        rekey_time = 5s\n        rand_time = 1s\n"
				"        life_time = 300s\n        start_action"))
			# client 2 over the IPv6 WAN, under profile RA6
			self.charons[2].ns.run(f"ip addr add {CLIENT2_WAN6}/64 dev wan nodad")
			self.charons[2].load(ra.client_swanctl(2, self.psk, vips="::", remote_ts=ra.LAN6["net"],
							       wan=CLIENT2_WAN6, hub=ra.HUB_WAN6, ident=V6_ID))
			# swan spoke 1 has a second LAN and offers both
			ch, lan = self.swans[1]
			ch.ns.run(f"ip addr add {SECOND_LAN['gw']}/24 dev lan")
			lan.run(f"ip addr add {SECOND_LAN['host']}/24 dev eth0")
			text = interop.swan_spoke_swanctl(1, self.psk)
			two = text.replace(f"local_ts = {interop.swan_lan(1)['net']}\n",
					   f"local_ts = {interop.swan_lan(1)['net']}, {SECOND_LAN['net']}\n")
			assert two != text
			ch.load(two)
	return Selectors


@pytest.fixture(scope="module")
def hub(build, tmp_path_factory):
	sc = scenario_class()(n_spokes=0, n_swan=1, build=build,
			      workdir=tmp_path_factory.mktemp("sel"), n_clients=2, pool_size=2,
			      tag="fsel", v6=True, wan6=True)
	try:
		sc.setup()
		yield sc
	finally:
		sc.teardown()


def background_ping(ns, dst, count, interval):
	"""ping -w: on a loaded host a late reply is not a lost one."""
	return ns.popen(["ping", "-n", "-c", str(count), "-i", str(interval), "-W", "2",
			 "-w", str(int(count * interval) + 30), dst], stdout=subprocess.PIPE, text=True)


def answered(p, count):
	"""(count, how many of requests 1..count were answered, output), as
	topo.ping(deadline=) counts: ping -w sends on until it has count
	replies, so a late last reply means one more request, not a lost one."""
	out = p.communicate(timeout=120)[0]
	seqs = {int(m.group(1)) for m in re.finditer(r"bytes from .*icmp_seq=(\d+)", out)}
	return count, len(seqs & set(range(1, count + 1))), out


def test_dual_stack_client_rekey(hub):
	assert hub.connect(1), hub.charons[1].log_text()[-3000:] + hub.gw.log_text()[-3000:]
	vips = hub.virtual_ips(1)
	v4 = next(v for v in vips if ":" not in v)
	v6 = next(v for v in vips if ":" in v)
	_, first = hub.charons[1].established("ra", "ra")
	rekeyed = f"{ra.client_wan(1)} rekeyed CHILD SA in"
	before = hub.gw.log_text().count(rekeyed)
	# 15 s of pings both ways in both families: three rekeys or so
	ns = hub.charons[1].ns
	ps = [background_ping(ns, ra.LAN["host"], 300, 0.05),
	      background_ping(ns, ra.LAN6["host"], 300, 0.05)]
	results = [answered(p, 300) for p in ps]
	for tx, rx, out in results:
		assert tx == rx == 300, out[-3000:] + hub.gw.log_text()[-4000:]
	assert hub.gw.log_text().count(rekeyed) - before >= 2, hub.gw.log_text()[-4000:]
	# charon lists no INSTALLED CHILD SA for a moment during each rekey
	got = topo.wait(lambda: hub.charons[1].established("ra", "ra"), 10, step=0.1)
	assert got and got[1]["spi-in"] != first["spi-in"], got
	child = got[1]
	# the rekeyed CHILD SA has every selector, as charon installed it
	assert sorted(t.split("/")[0] for t in child["local-ts"]) == sorted([v4, v6]), child
	assert sorted(child["remote-ts"]) == sorted([ra.LAN["net"], ra.LAN6["net"]]), child
	for dst in (v4, v6):
		tx, rx, out = topo.ping(hub.lan, dst, count=PINGS, interval=0.02, deadline=30)
		assert tx == rx == PINGS, out
	hub.disconnect(1)


def hub_routes_via(hub, nets):
	"""{net: interface} of the hub's installed routes to nets."""
	return {r["prefix"]: r.get("interface") for r in hub.routes()["routes"]
		if r["prefix"] in nets and r.get("installed")}


def test_site_spoke_two_subnets(hub):
	nets = [interop.swan_lan(1)["net"], SECOND_LAN["net"]]
	assert hub.swan_up(1), hub.swans[1][0].log_text()[-3000:] + hub.gw.log_text()[-3000:]
	routes = topo.wait(lambda: (lambda r: r if len(r) == 2 else None)(hub_routes_via(hub, nets)), 20)
	assert routes, hub.routes()
	(via,) = set(routes.values())
	assert via.startswith("Virtual-Access"), routes
	_, child = hub.swans[1][0].established("site", "site")
	assert sorted(child["local-ts"]) == sorted(nets), child
	for dst in (interop.swan_lan(1)["host"], SECOND_LAN["host"]):
		tx, rx, out = topo.ping(hub.lan, dst, count=PINGS, interval=0.02, deadline=30)
		assert tx == rx == PINGS, f"hub LAN -> {dst}: {out}"
	# both go with the SA
	hub.swans[1][0].terminate_ike("site")
	assert topo.wait(lambda: not hub_routes_via(hub, nets), 20), hub.routes()


def test_ipv6_outer_client(hub):
	vip = hub.connect(2)
	assert vip and ipaddress.ip_address(vip).version == 6, \
		hub.charons[2].log_text()[-3000:] + hub.gw.log_text()[-3000:]
	ike, _ = hub.charons[2].established("ra", "ra")
	assert ike["remote-host"] == ra.HUB_WAN6 and ike["local-host"] == CLIENT2_WAN6, ike
	vas = {v["destination"]: v for v in hub.virtual_access()}
	va = vas[CLIENT2_WAN6]
	assert va["mode"] == "ipsec ipv6" and va["source"] == ra.HUB_WAN6, va
	tx, rx, out = topo.ping(hub.charons[2].ns, ra.LAN6["host"], count=PINGS, interval=0.02,
				deadline=30)
	assert tx == rx == PINGS, f"client 2 -> hub LAN: {out}"
	tx, rx, out = topo.ping(hub.lan, vip, count=PINGS, interval=0.02, deadline=30)
	assert tx == rx == PINGS, f"hub LAN -> client 2: {out}"
	after = {v["destination"]: v for v in hub.virtual_access()}[CLIENT2_WAN6]
	assert after["counters"]["rx_packets"] - va["counters"]["rx_packets"] >= 2 * PINGS, after
	hub.disconnect(2)
