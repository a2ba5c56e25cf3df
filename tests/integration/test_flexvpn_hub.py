"""FlexVPN hub and spoke (issue 6), through the hub scenario of
tests/integration/interop.py (scripts/interop.sh --scenario hub):

- one flexgw hub, two strongSwan remote-access clients and one flexgw spoke
  (`ip address negotiated`) at once: each gets a distinct address and its
  attributes, clients and the spoke's LAN reach the hub's LAN with zero
  loss; the spoke's LAN, advertised in its CFG_REQUEST and accepted by the
  hub (route accept), is a route through the spoke's virtual-access in the
  hub's `show ip route`, and goes with the spoke's SA (the spoke clears it
  while its next IKE_SA_INIT is held back by an nftables bridge rule in the
  WAN namespace), coming back with the next;
- two spokes reach each other through the hub;
- the runner itself: --pool-size 2 --clients 3 refuses exactly one client.
"""
import json
import subprocess

import interop
import remote_access
import topo


def test_hub_clients_and_spokes(root, build, tmp_path):
	sc = interop._hub_class()(n_spokes=2, build=build, workdir=tmp_path, n_clients=2,
				  pool_size=2, tag="fvh")
	try:
		r, _ = interop.run_hub(2, 2, 2, log=print, scenario=sc)
		print(json.dumps(r, indent=1))
		assert r["passed"], r
		clients = [p for p in r["peers"] if p["kind"] == "client"]
		spokes = [p for p in r["peers"] if p["kind"] == "spoke"]
		assert len(clients) == 2 and len(spokes) == 2 and r["distinct_addresses"]
		for p in clients:
			assert p["up"] and p["ping_loss_pct"] == 0 and p["dns"] == remote_access.DNS, p
		for p in spokes:
			assert p["up"] and p["ping_loss_pct"] == 0, p
			assert p["assigned_ip"].startswith("10.98.0.") and p["dns"] == remote_access.DNS[:1]
			assert p["split_dns"] == ["spokes.example.com"], p
			assert p["routes_received"] == [remote_access.LAN["net"], interop.SPOKE_SUMMARY]
			assert p["hub_route_via"].startswith("Virtual-Access"), p
		assert r["spoke_to_spoke_loss_pct"] == {"1->2": 0.0}, r

		# (d) spoke 1's accepted route goes with its SA and comes back
		gw, lan = sc.spokes[1]
		sc.wan.run("nft add table bridge hold")
		sc.wan.run("nft add chain bridge hold c '{ type filter hook forward priority 0 ; }'")
		# only its IKE_SA_INIT (exchange type 34, octet 18 of the IKE header):
		# its DELETE must still reach the hub
		sc.wan.run(f"nft add rule bridge hold c ip saddr {interop.spoke_wan(1)} "
			   "udp dport 500 @th,208,8 34 drop")
		gw.flexctl_raw("clear", "crypto", "ikev2", "sa")
		topo.wait_for("the hub to drop spoke 1's route", lambda: interop.hub_accepted(sc, 1) is None, 30)
		assert interop.spoke_exchange(gw) is None
		assert interop.hub_accepted(sc, 2), "spoke 2's route went too"
		sc.wan.run("nft delete table bridge hold")
		topo.wait_for("spoke 1 back", lambda: sc.spoke_up(1, timeout=1), 60)
		topo.wait_for("the hub's route back", lambda: interop.hub_accepted(sc, 1), 30)
		tx, rx, out = topo.ping(lan, remote_access.LAN["host"], count=20, interval=0.01)
		assert tx == rx == 20, out
	finally:
		sc.teardown()


def test_runner_pool_exhaustion(root, build):
	p = subprocess.run(["scripts/interop.sh", "--scenario", "hub", "--clients", "3",
			    "--spokes", "0", "--pool-size", "2", "--json", "--build", str(build)],
			   cwd=topo.REPO, capture_output=True, text=True, timeout=300)
	r = json.loads(p.stdout)
	assert p.returncode == 0, (r, p.stderr[-3000:])
	assert r["refused"] == 1 and [c["up"] for c in r["peers"]] == [True, True, False], r
	assert all(c["ping_loss_pct"] == 0 for c in r["peers"][:2]), r
