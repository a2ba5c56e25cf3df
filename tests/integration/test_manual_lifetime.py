"""Manual SAs' volume lifetimes (manual_sa.lifetime_packets and
soft_lifetime_packets), end to end through two flexgw: the pair of
test_tunnel.py ("ipsec ipv4", AES-GCM-128), with limits of HARD packets
(soft at SOFT) on both gateways' SAs. Pings fill the SAs: at the soft
limit the control core logs and counts the event and traffic still flows;
at the hard one the SA drops (LIFETIME) and nothing crosses any more, and
`show crypto ipsec sa` says how much is left (0) and that it expired."""
import time

import pytest

import test_tunnel as tt
import topo
from counters import Stats

SOFT, HARD = 10, 30


@pytest.fixture(scope="module")
def pair(root, build, tmp_path_factory):
	original = tt.gateway_config

	def with_lifetimes(*args, **kwargs):
		routes, extra = original(*args, **kwargs)
		extra["tunnels"][0]["manual_sa"].update(lifetime_packets=HARD,
							 soft_lifetime_packets=SOFT)
		return routes, extra

	p = tt.Pair(build, tmp_path_factory.mktemp("lifetime"), "ipsec")
	with pytest.MonkeyPatch.context() as mp:
		mp.setattr(tt, "gateway_config", with_lifetimes)
		try:
			p.setup()
			yield p
		finally:
			p.teardown()


def sas(gw):
	doc = gw.flexctl("show", "crypto", "ipsec", "sa")["interfaces"][0]
	return {sa["spi"]: sa for sa in doc["inbound"] + doc["outbound"]}


def wait_for(what, timeout=10):
	end = time.monotonic() + timeout
	while not what() and time.monotonic() < end:
		time.sleep(0.1)
	return what()


def pings(ns, dst, n):
	"""n echo requests lan1 -> lan2, one at a time, each waited for up to
	20 s: exactly n packets on each SA. A fast ping would lose the ones
	past FGW_NEIGH_PENDING_MAX while the first resolves a neighbour, and
	ping -w sends more than its count when a loaded host makes a reply
	later than the interval: either way more packets than the test counts.
	Returns the replies and the output of the last ping that had none."""
	got, out = 0, ""
	for _ in range(n):
		tx, rx, o = topo.ping(ns, dst, count=1, wait=20)
		assert tx == 1, o
		got += rx
		out = o if not rx else out
	return got, out


def test_soft_then_hard(pair):
	a, b = pair.gwa, pair.gwb
	dst = tt.LAN2["host4"]
	# below the soft limit: nothing said
	rx, out = pings(pair.lan1, dst, SOFT - 2)
	assert rx == SOFT - 2, out
	sa = sas(a)[tt.SPI_AB]
	assert sa["expired"] is None and sa["lifetime_packets_left"] == HARD - (SOFT - 2), sa
	# past it: told once per SA, on both gateways, and traffic still flows
	rx, out = pings(pair.lan1, dst, 4)
	assert rx == 4, out
	for g in (a, b):
		assert wait_for(lambda: "reached its soft lifetime" in g.log_text()), g.log_text()[-3000:]
		assert wait_for(lambda: Stats.settled(g).control("manual_sa_soft_expired") == 2)
	assert sas(a)[tt.SPI_AB]["expired"] == "soft"
	assert "reached its hard lifetime" not in a.log_text()
	# to the hard limit and beyond: A's outbound SA stops at HARD packets
	used = SOFT + 2
	rx, out = pings(pair.lan1, dst, HARD - used)
	assert rx == HARD - used, out
	tx, rx, out = topo.ping(pair.lan1, dst, count=3, interval=0.1, wait=2)
	assert tx == 3 and rx == 0, out
	# the three drops counted (a loaded host's worker may come to them after
	# ping stopped waiting)
	wait_for(lambda: sas(a)[tt.SPI_AB]["drops"].get("LIFETIME", 0) >= 3)
	sa = sas(a)[tt.SPI_AB]
	assert sa["expired"] == "hard" and sa["lifetime_packets_left"] == 0, sa
	assert sa["packets"] == HARD and sa["drops"]["LIFETIME"] == 3, sa
	assert wait_for(lambda: "reached its hard lifetime" in a.log_text())
	assert wait_for(lambda: Stats.settled(a).control("manual_sa_hard_expired") >= 1)
	text = a.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	assert "remaining key lifetime (k/packets): (unlimited/0)" in text, text
	assert "Status: EXPIRED(EXPIRED)" in text, text
	# the three are send errors, in both forms, and the tunnel's output errors
	assert "#send errors 3, #recv errors 0" in text, text
	t = a.flexctl("show", "crypto", "ipsec", "sa")["interfaces"][0]
	assert (t["send_errors"], t["recv_errors"], t["errors"]) == (3, 0, 3), t
	ifs = {i["name"]: i for i in a.flexctl("show", "interfaces")["interfaces"]}
	assert ifs["Tunnel0"]["counters"]["output_errors"] == 3, ifs["Tunnel0"]
	for g in pair.gws:
		assert g.alive(), g.log_text()[-3000:]
