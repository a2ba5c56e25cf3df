"""FlexVPN hub and spoke (issue 6), through the hub scenario of
tests/integration/interop.py (scripts/interop.sh --scenario hub):

- one flexgw hub, two strongSwan remote-access clients, two flexgw spokes
  (`ip address negotiated`; spoke 2 in tunnel mode gre ipv4) and one
  strongSwan site spoke at once: each gets a distinct address and its
  attributes (a client's DNS and split-DNS names as charon parsed them),
  clients and the spokes' LANs reach the hub's LAN with zero loss; the
  spokes' virtual template is in auto mode: the GRE spoke (it sends
  USE_TRANSPORT_MODE) gets a GRE virtual-access, the others an IPsec one;
  the strongSwan spoke's LAN (its TSi) is a route through its
  virtual-access and reaches spoke 1's LAN through the hub; the spoke's LAN, advertised in its CFG_REQUEST and accepted by the
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


def sa_modes(gw, ifname):
	"""The modes of the IPsec SAs on interface ifname of gw."""
	for t in gw.flexctl("show", "crypto", "ipsec", "sa")["interfaces"]:
		if t["interface"] == ifname:
			return {sa["mode"] for sa in t["inbound"] + t["outbound"]}
	return None


def test_hub_clients_and_spokes(root, build, tmp_path):
	sc = interop._hub_class()(n_spokes=2, gre_spokes=1, n_swan=1, build=build,
				  workdir=tmp_path, n_clients=2, pool_size=2, tag="fvh")
	try:
		r, _ = interop.run_hub(2, 2, 2, log=print, scenario=sc)
		print(json.dumps(r, indent=1))
		assert r["passed"], r
		clients = [p for p in r["peers"] if p["kind"] == "client"]
		spokes = [p for p in r["peers"] if p["kind"] == "spoke"]
		assert len(clients) == 2 and len(spokes) == 2 and r["distinct_addresses"]
		for p in clients:
			assert p["up"] and p["ping_loss_pct"] == 0 and p["dns"] == remote_access.DNS, p
			assert p["split_dns"] == remote_access.SPLIT_DNS, p
		for p in spokes:
			assert p["up"] and p["ping_loss_pct"] == 0, p
			assert p["assigned_ip"].startswith("10.98.0.") and \
				p["dns"] == remote_access.DNS[:1] + remote_access.DNS6, p
			assert p["assigned_ipv6"] is None, p	# it did not ask
			assert p["split_dns"] == ["spokes.example.com"], p
			assert p["routes_received"] == [remote_access.LAN["net"], interop.SPOKE_SUMMARY,
							 interop.SWAN_SUMMARY, remote_access.LAN6["net"]]
			assert p["hub_route_via"].startswith("Virtual-Access"), p
		assert [p["va_mode"] for p in spokes] == ["ipsec ipv4", "gre ipv4"], spokes
		# ESP in transport mode under the GRE one, both ends; tunnel mode
		# under the IPsec one
		assert sa_modes(sc.gw, spokes[1]["hub_route_via"]) == {"transport"}
		assert sa_modes(sc.spokes[2][0], "Tunnel0") == {"transport"}
		assert sa_modes(sc.gw, spokes[0]["hub_route_via"]) == {"tunnel"}
		assert r["spoke_to_spoke_loss_pct"] == {"1->2": 0.0}, r
		swan = [p for p in r["peers"] if p["kind"] == "swan-spoke"]
		assert len(swan) == 1 and swan[0]["up"] and swan[0]["ping_loss_pct"] == 0, swan
		assert swan[0]["hub_route_via"].startswith("Virtual-Access"), swan
		assert swan[0]["va_mode"] == "ipsec ipv4" and swan[0]["to_spoke1_loss_pct"] == 0, swan

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
		tx, rx, out = topo.ping(lan, remote_access.LAN["host"], count=20, interval=0.01,
					deadline=30)
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
