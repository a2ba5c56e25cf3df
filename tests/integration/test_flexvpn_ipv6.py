"""FlexVPN hub with IPv6 pools (issue 6): a dual-stack hub LAN and pools
RA/RA6 (clients) and SPOKES/SPOKES6 (spokes), through the hub scenario of
interop.py with Hub(v6=True):

- strongSwan client 1 asks for an IPv6 virtual IP only (vips = ::),
  client 2 for both (vips = 0.0.0.0, ::): each gets an address of RA6
  (client 2 one of RA too), the IPv6 DNS server (read from the CFG_REPLY
  charon parsed and from the resolv.conf it wrote), its selectors narrowed
  to its addresses with the hub LAN of each family; IPv6 flows both ways
  between each client and the hub LAN through its own Virtual-AccessN,
  and client 1's address goes back to RA6 when it disconnects;
- a flexgw spoke with ipv6_address_negotiated asks for INTERNAL_IP6_ADDRESS
  besides IPv4 and installs both (show crypto ikev2 sa detailed, show ipv6
  route), and the hub LAN reaches its IPv6 address through the tunnel.

One topology for both tests, in order; each brings up what it needs.
"""
import ipaddress

import pytest

import interop
import remote_access as ra
import topo

PINGS = 20


@pytest.fixture(scope="module")
def hub(build, tmp_path_factory):
	sc = interop._hub_class()(n_spokes=1, v6_spokes={1}, build=build,
				  workdir=tmp_path_factory.mktemp("v6"), n_clients=2, pool_size=2,
				  tag="fv6", v6=True, client_vips={1: "::", 2: "0.0.0.0, ::"})
	try:
		sc.setup()
		yield sc
	finally:
		sc.teardown()


def in_pool6(addr, start=ra.POOL6_START, size=2):
	a, s = ipaddress.ip_address(addr), ipaddress.ip_address(start)
	return a.version == 6 and s <= a < s + size


def pool(hub, name):
	return next(p for p in hub.gw.flexctl("show", "ip", "local", "pool")["pools"]
		    if p["name"] == name)


def ping(ns, dst, count=PINGS):
	return topo.ping(ns, dst, count=count, interval=0.02, deadline=30)


def ensure_up(hub, n):
	vips = hub.virtual_ips(n)
	if not vips:
		assert hub.connect(n), f"client {n} did not come up:\n" + \
			hub.charons[n].log_text()[-3000:] + hub.gw.log_text()[-3000:]
		vips = hub.virtual_ips(n)
	return vips


def test_ipv6_clients(hub):
	v1, v2 = ensure_up(hub, 1), ensure_up(hub, 2)
	assert len(v1) == 1 and in_pool6(v1[0]), v1
	assert len(v2) == 2, v2
	v2_4 = next(v for v in v2 if ":" not in v)
	v2_6 = next(v for v in v2 if ":" in v)
	assert v2_4.startswith("10.99.0.") and in_pool6(v2_6) and v2_6 != v1[0], (v1, v2)
	assert pool(hub, "RA6")["in_use"] == 2 and pool(hub, "RA")["in_use"] == 1

	for n in (1, 2):
		# what the client received, from its side
		got = hub.received(n)
		assert ra.DNS6[0] in got["dns"] and got["split_dns"] == ra.SPLIT_DNS, got
		assert f"nameserver {ra.DNS6[0]}" in hub.resolv_conf(n)
		# its CHILD SA: its address(es) to the hub LAN of each family
		ike, child = hub.charons[n].established("ra", "ra")
		want_remote = [ra.LAN6["net"]] if n == 1 else [ra.LAN["net"], ra.LAN6["net"]]
		assert sorted(child["remote-ts"]) == sorted(want_remote), child
		assert sorted(t.split("/")[0] for t in child["local-ts"]) == \
			sorted(hub.virtual_ips(n)), child

	vas = {v["destination"]: v for v in hub.virtual_access()}
	assert sorted(vas[ra.client_wan(1)]["routes"]) == [v1[0] + "/128"]
	assert sorted(vas[ra.client_wan(2)]["routes"]) == sorted([v2_4 + "/32", v2_6 + "/128"])
	routes6 = hub.gw.flexctl_raw("show", "ipv6", "route").stdout
	assert v1[0] in routes6 and v2_6 in routes6, routes6

	clients = [vas[ra.client_wan(n)]["name"] for n in (1, 2)]
	before = {v["name"]: v["counters"]["rx_packets"] for v in vas.values() if v["name"] in clients}
	for n, vip6 in ((1, v1[0]), (2, v2_6)):
		tx, rx, out = ping(hub.charons[n].ns, ra.LAN6["host"])
		assert tx == rx == PINGS, f"client {n} -> hub LAN (IPv6): {out}"
		tx, rx, out = ping(hub.lan, vip6)
		assert tx == rx == PINGS, f"hub LAN -> client {n} (IPv6): {out}"
	tx, rx, out = ping(hub.charons[2].ns, ra.LAN["host"])
	assert tx == rx == PINGS, f"client 2 -> hub LAN (IPv4): {out}"
	after = {v["name"]: v["counters"]["rx_packets"] for v in hub.virtual_access()}
	assert all(after[k] - before[k] >= 2 * PINGS for k in before), (before, after)

	# client 1 goes: its IPv6 address returns to RA6, its route goes
	releases = pool(hub, "RA6")["releases"]
	hub.disconnect(1)
	topo.wait_for("client 1's virtual-access to go", lambda: all(
		v["destination"] != ra.client_wan(1) for v in hub.virtual_access()), 20)
	p6 = pool(hub, "RA6")
	assert p6["in_use"] == 1 and p6["free"] == 1 and p6["releases"] == releases + 1, p6
	assert v1[0] not in hub.gw.flexctl_raw("show", "ipv6", "route").stdout
	tx, rx, out = ping(hub.charons[2].ns, ra.LAN6["host"], count=5)
	assert tx == rx == 5, out


def test_spoke_asks_for_ipv6(hub):
	got = topo.wait_for("spoke 1 up", lambda: hub.spoke_up(1, timeout=1), 60)
	gw, lan = hub.spokes[1]
	a4, a6 = got.get("assigned_ip"), got.get("assigned_ipv6")
	assert a4 and a4.startswith("10.98.0."), got
	assert a6 and in_pool6(a6, interop.SPOKE_POOL6[0], 63), got
	assert ra.DNS6[0] in got["dns"], got
	text = gw.flexctl_raw("show", "crypto", "ikev2", "sa", "detailed").stdout
	assert a6 in text, text
	# the address is the tunnel's, as a local /128
	r6 = gw.flexctl("show", "ipv6", "route")["routes"]
	assert any(r["prefix"] == a6 + "/128" and r.get("interface") == "Tunnel0" for r in r6), r6
	assert pool(hub, "SPOKES6")["in_use"] == 1
	# the hub's IPv6 LAN came as a route into the tunnel
	assert ra.LAN6["net"] in got["routes_received"], got
	assert any(r["prefix"] == ra.LAN6["net"] and r.get("interface") == "Tunnel0" for r in r6), r6
	# the hub's host route to it goes through the spoke's virtual-access
	tx, rx, out = ping(hub.lan, a6)
	assert tx == rx == PINGS, f"hub LAN -> spoke's IPv6 address: {out}"
