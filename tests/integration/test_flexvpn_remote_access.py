"""FlexVPN server, remote access: one flexgw hub and three strongSwan
remote-access clients (remote_access.py) with a pool of two addresses.

- two clients at once: distinct pool addresses, DNS and split-DNS received
  (seen from the client side: swanctl's virtual IP, the resolv.conf its
  resolve plugin wrote, charon's log of the attributes it parsed), zero
  loss both ways between each client and the hub's LAN, each on its own
  Virtual-AccessN, `show crypto session` in IOS's shape;
- the third client finds the pool empty: refused with a log line and a
  counter (INTERNAL_ADDRESS_FAILURE in the IKE_AUTH answer, no CHILD SA,
  then a DELETE of the IKE SA), the two others keep working, and no
  address is lent twice;
- a client disconnects: its virtual-access interface, its route and its
  pool address are gone, the other client is untouched, and the refused
  client now gets the address that came back.

The tests share one topology and run in order; each brings what it needs
up first, so any of them also runs alone.
"""
import re
import time

import pytest

import remote_access as ra
import topo

PINGS = 20


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
	h = ra.Hub(workdir=tmp_path_factory.mktemp("ra"), n_clients=3, pool_size=2)
	try:
		h.setup()
		yield h
	finally:
		h.teardown()


def wait_for(cond, timeout=20, what="condition"):
	"""cond()'s first true value within timeout seconds."""
	deadline = time.time() + timeout
	while True:
		v = cond()
		if v or time.time() >= deadline:
			assert v, f"timed out waiting for {what}"
			return v
		time.sleep(0.1)


def ensure_up(hub, *clients):
	"""Connects each client not up yet; {client: virtual IP}."""
	vips = {}
	for n in clients:
		vips[n] = hub.virtual_ip(n) or hub.connect(n)
		assert vips[n], f"client {n} did not come up:\n" + hub.charons[n].log_text()[-3000:] \
			+ hub.gw.log_text()[-3000:]
	return vips


def session_of(hub, n):
	for s in hub.sessions():
		if s["phase1_id"] == ra.client_id(n):
			return s
	return None


def assert_ping(hub, n):
	ch = hub.charons[n]
	tx, rx, out = topo.ping(ch.ns, ra.LAN["host"], count=PINGS, interval=0.02, deadline=30)
	assert tx == PINGS and rx == PINGS, f"client {n} -> hub LAN: {out}"


def test_two_clients(hub):
	vips = ensure_up(hub, 1, 2)
	pool = ra.POOL_START.rsplit(".", 1)[0]
	assert len(set(vips.values())) == 2 and all(v.startswith(pool + ".") for v in vips.values()), vips

	# what each client received, from its own side
	for n in (1, 2):
		resolv = hub.resolv_conf(n)
		for d in ra.DNS:
			assert re.search(rf"^nameserver {re.escape(d)}\b", resolv, re.M), resolv
		log = hub.charons[n].log_text()
		parsed = re.search(r"parsed IKE_AUTH response \d+ \[.*CPRP\(([^)]*)\)", log)
		assert parsed, log[-3000:]
		attrs = parsed.group(1).split()
		# two DNS servers, WINS, split-DNS both ways (RFC 8598 one per
		# domain, Cisco's comma-separated), default domain, backup
		# gateway, the route to the hub's LAN
		for a in ("ADDR", "MASK", "NBNS", "U_SPLITDNS", "U_DEFDOM", "U_BKPSRV", "SUBNET"):
			assert a in attrs, attrs
		assert attrs.count("DNS") == 2 and attrs.count("DOMAIN") == len(ra.SPLIT_DNS), attrs
		assert "processing UNITY_SPLITDNS_NAME attribute" in log
		# and the values, from charon's parser (remote_access.received_attributes)
		got = hub.received(n)
		assert got["split_dns"] == ra.SPLIT_DNS and got["dns"] == ra.DNS, got
		assert got["def_domain"] == ra.DEF_DOMAIN, got
		assert f"installing new virtual IP {vips[n]}" in log, log[-3000:]

	# each on its own Virtual-AccessN with a host route to its address
	vas = {v["destination"]: v for v in hub.virtual_access()}
	assert set(vas) == {ra.client_wan(1), ra.client_wan(2)}, vas
	assert len({v["name"] for v in vas.values()}) == 2
	for n in (1, 2):
		va = vas[ra.client_wan(n)]
		assert va["routes"] == [vips[n] + "/32"] and va["template"] == "Virtual-Template1", va
		s = session_of(hub, n)
		assert s is not None and s["interface"] == va["name"], hub.sessions()
		assert s["status"] == "UP-ACTIVE" and s["profile"] == "RA" and s["policy"] == "RA", s
		assert s["assigned"] == [vips[n]] and s["peer"] == ra.client_wan(n), s
		assert s["ike"]["status"] == "Active" and s["active_sas"] == 2, s
		# the client's selector narrowed to its address, ours its LAN
		assert [(f["local"], f["remote"]) for f in s["flows"]] == \
			[("10.10.0.0/255.255.255.0", "host " + vips[n])], s["flows"]
	text = hub.gw.flexctl_raw("show", "crypto", "session").stdout
	for n in (1, 2):
		name = vas[ra.client_wan(n)]["name"]
		assert f"Interface: {name}\nProfile: RA\nSession status: UP-ACTIVE\n" \
			f"Peer: {ra.client_wan(n)} port 4500\n" in text, text
		assert f"IPSEC FLOW: permit ip 10.10.0.0/255.255.255.0 host {vips[n]}\n" in text, text
	detail = hub.gw.flexctl_raw("show", "crypto", "session", "detail").stdout
	assert f"Phase1_id: {ra.client_id(1)}" in detail and f"Assigned address: {vips[1]}" in detail

	# traffic both ways, each client through its own interface
	before = {v["name"]: v["counters"]["rx_packets"] for v in vas.values()}
	for n in (1, 2):
		assert_ping(hub, n)
		tx, rx, out = topo.ping(hub.lan, vips[n], count=PINGS, interval=0.02, deadline=30)
		assert tx == PINGS and rx == PINGS, f"hub LAN -> client {n}: {out}"
	after = {v["name"]: v["counters"]["rx_packets"] for v in hub.virtual_access()}
	assert all(after[k] - before[k] >= 2 * PINGS for k in before), (before, after)
	pool = hub.pool()
	assert pool["in_use"] == 2 and pool["free"] == 0, pool


def test_pool_exhausted_third_client_refused(hub):
	vips = ensure_up(hub, 1, 2)
	refused_before = hub.pool()["exhausted"]
	fails_before = hub.gw.flexctl("show", "crypto", "ikev2", "stats")["failures"]["NO_ADDRESS"]
	ch3 = hub.charons[3]
	ch3.initiate("ra", timeout=15, check=False)
	# charon got INTERNAL_ADDRESS_FAILURE in the IKE_AUTH answer
	wait_for(lambda: "received INTERNAL_ADDRESS_FAILURE" in ch3.log_text(), what="the refusal")
	assert hub.virtual_ip(3) is None
	# and the hub deleted the IKE SA that carries nothing
	wait_for(lambda: "ra" not in ch3.list_sas(), what="client 3's IKE SA to go")
	wait_for(lambda: "no pool address for the peer" in hub.gw.log_text(), what="the log line")
	assert hub.pool()["exhausted"] == refused_before + 1
	st = hub.gw.flexctl("show", "crypto", "ikev2", "stats")["failures"]
	assert st["NO_ADDRESS"] == fails_before + 1, st
	# nothing was made for it, and the others keep their addresses and work
	assert {v["destination"] for v in hub.virtual_access()} == {ra.client_wan(1), ra.client_wan(2)}
	assert all(s["peer"] != ra.client_wan(3) or s["interface"] is None for s in hub.sessions())
	for n in (1, 2):
		assert hub.virtual_ip(n) == vips[n]
		assert_ping(hub, n)
	pool = hub.pool()
	assert pool["in_use"] == 2 and pool["free"] == 0, pool


def test_disconnect_releases_everything(hub):
	vips = ensure_up(hub, 1, 2)
	va1 = next(v["name"] for v in hub.virtual_access() if v["destination"] == ra.client_wan(1))
	releases = hub.pool()["releases"]
	hub.disconnect(1)

	def gone():
		return all(v["destination"] != ra.client_wan(1) for v in hub.virtual_access()) and \
			session_of(hub, 1) is None
	wait_for(gone, what="client 1's virtual-access and session to go")
	p = hub.gw.flexctl_raw("show", "interfaces", "virtual-access", va1, check=False)
	assert p.returncode != 0 and "No interface" in p.stdout + p.stderr
	routes = hub.gw.flexctl_raw("show", "ip", "route").stdout
	assert vips[1] + "/32" not in routes and vips[2] + "/32" in routes, routes
	pool = hub.pool()
	assert pool["in_use"] == 1 and pool["free"] == 1 and pool["releases"] == releases + 1, pool
	assert_ping(hub, 2)
	# the address that came back is lent again, once
	vip3 = hub.connect(3)
	assert vip3 == vips[1], (vip3, vips)
	assert_ping(hub, 3)
	assert hub.pool()["in_use"] == 2
