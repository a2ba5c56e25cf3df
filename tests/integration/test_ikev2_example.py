"""config/examples/site-to-site-hq.json comes up as it is written: flexgw
runs the example with only what ties it to this machine replaced (the
ports' devices become the namespaces' veths; system and dataplane get the
test's socket, EAL prefix and memory), every address and every crypto
setting as in the file. Against it, a strongSwan branch configured the way
the example expects branch1: at 203.0.113.2, identity
fqdn:branch1.example.com, its own PSK (asymmetric keys), AES-CBC-256 /
SHA-512 / group 14 for IKE and ESP with PFS group 14, LAN 192.0.2.128/25.

    hqlan 192.0.2.10/25 -- flexgw (Gi2 192.0.2.1/25 | Gi1 203.0.113.1/24)
        -- branch charon (203.0.113.2 | 192.0.2.129/25) -- brlan 192.0.2.130/25

flexgw initiates (the example's tunnel has a destination); then a ping and
a TCP transfer between the LANs, and charon names the example's algorithms.
"""
import json
import time
from pathlib import Path

import interop
import strongswan
import topo

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "examples" / "site-to-site-hq.json"
HQ_HOST, BRANCH_GW, BRANCH_HOST = "192.0.2.10", "192.0.2.129", "192.0.2.130"
BRANCH_WAN, HQ_WAN = "203.0.113.2", "203.0.113.1"
DEVICES = {"GigabitEthernet1": "wan", "GigabitEthernet2": "lan"}


def test_site_to_site_hq_example(root, build, tmp_path):
	ex = json.loads(EXAMPLE.read_text())
	kr = ex["ikev2"]["keyrings"][0]["peers"][0]
	hq_id = ex["ikev2"]["profiles"][0]["identity_local"]
	hq = interop.Peer("hq", {"net": "192.0.2.0/25"}, HQ_WAN, hq_id,
			  kr["pre_shared_key_local"], kr["pre_shared_key_remote"])
	branch = interop.Peer("branch1", {"net": "192.0.2.128/25"}, kr["address"], kr["identity"],
			      kr["pre_shared_key_remote"], kr["pre_shared_key_local"])
	assert branch.wan_addr == BRANCH_WAN
	made, gw, charon = [], None, None

	def ns(name):
		n = topo.Namespace(f"hqx-{name}")
		made.append(n)
		return n
	try:
		hqlan, gwns, brns, brlan = ns("hqlan"), ns("gw"), ns("br"), ns("brlan")
		topo.veth(gwns, "lan", hqlan, "eth0", quiet_a=True)
		topo.host(hqlan, "eth0", HQ_HOST + "/25", gw4="192.0.2.1")
		topo.veth(gwns, "wan", brns, "wan", quiet_a=True)
		topo.veth(brns, "lan", brlan, "eth0")
		topo.host(brlan, "eth0", BRANCH_HOST + "/25", gw4=BRANCH_GW)
		brns.run(f"ip addr add {BRANCH_WAN}/24 dev wan")
		brns.run(f"ip addr add {BRANCH_GW}/25 dev lan")
		brns.run("sysctl -qw net.ipv4.ip_forward=1")

		# the example, its ports on our veths: nothing else changes
		for i, p in enumerate(ex["ports"]):
			p["device"] = f"net_af_packet{i},iface={DEVICES[p['name']]}"
		rest = {k: v for k, v in ex.items() if k not in ("system", "dataplane")}
		gw = topo.FlexGW(gwns, tmp_path / "hq", [], build=build, extra_config=rest)
		for k in ("worker_lcores", "control_lcore", "burst"):
			gw.config["dataplane"][k] = ex["dataplane"][k]
		gw.config["system"]["log_level"] = ex["system"]["log_level"]
		gw.cfg_path.write_text(json.dumps(gw.config, indent=2) + "\n")
		want = {k: ex[k] for k in ("ports", "loopbacks", "routes", "ikev2", "ipsec", "tunnels")}
		assert {k: gw.config[k] for k in want} == want

		charon = strongswan.Charon(brns, tmp_path / "branch")
		charon.start()
		charon.load(interop.swanctl_config(branch, hq, BRANCH_WAN, HQ_WAN,
						   "aes256-sha512-modp2048", "aes256-sha512-modp2048"))
		gw.start()
		got = charon.wait_established("gw", "net", timeout=40)
		deadline = time.time() + 20
		while got and not charon.routes_to("192.0.2.0/25") and time.time() < deadline:
			time.sleep(0.2)
		assert got, "no tunnel\n" + gw.log_text()[-6000:] + charon.log_text()[-6000:]
		ike, child = got
		topo.ping(hqlan, "192.0.2.1", count=1, interval=0.2)
		topo.ping(brlan, BRANCH_GW, count=1, interval=0.2)
		tx, rx, out = topo.ping(hqlan, BRANCH_HOST, count=20, interval=0.01, deadline=30)
		sent, recv = topo.tcp_transfer(hqlan, brlan, BRANCH_HOST, 1000 * 1000, timeout=30)
		ipsec = interop.flexgw_sas(gw)
		log = gw.log_text()
	finally:
		if gw is not None:
			gw.stop()
		if charon is not None:
			charon.stop()
		for n in reversed(made):
			n.delete()
	assert rx == tx == 20, out
	assert recv["sha256"] == sent["sha256"] and recv["bytes"] == 1000 * 1000
	# the example's algorithms, as charon saw them, and flexgw initiated
	assert (ike["encr-alg"], ike["encr-keysize"], ike["integ-alg"], ike["dh-group"]) == \
		("AES_CBC", "256", "HMAC_SHA2_512_256", "MODP_2048"), ike
	# (the CHILD SA of IKE_AUTH has no KE of its own: PFS group 14 is for rekeys)
	assert (child["encr-alg"], child["encr-keysize"], child["integ-alg"]) == \
		("AES_CBC", "256", "HMAC_SHA2_512_256"), child
	assert ike.get("initiator") != "yes", ike
	assert ipsec[0] and ipsec[1] and ipsec[0][0]["packets"] >= 20, ipsec
	assert "initiating IKEv2 SA" in log
