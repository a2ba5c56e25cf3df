"""FlexVPN client (issue 6): a flexgw tunnel with `ip address negotiated`
against a strongSwan responder that serves a pool.

    lana 10.1.0.10 -- flexgw (Tunnel0: ip address negotiated) == IKEv2 == charon -- lanb 10.2.0.10
                                                                  pool 10.99.0.5-10.99.0.6,
                                                                  DNS, WINS, subnet 10.2.0.0/24

flexgw sends a CFG_REQUEST in IKE_AUTH (and its route set, 10.1.0.0/24, as
INTERNAL_IP4_SUBNET); charon answers from its pool with an address, DNS,
WINS and the subnet 10.2.0.0/24. Checked: flexgw puts the address on
Tunnel0 (show interfaces, show crypto ikev2 sa detailed), the subnet becomes
a route into Tunnel0 (show ip route), and a ping from lanb to the assigned
address is answered through that route with no loss. Then charon deletes
the IKE SA while flexgw's new IKE_SA_INIT is held back (an nftables bridge
rule in the WAN namespace): the address and the route are gone; released,
flexgw comes back with them and the ping passes again.
"""
import json

import interop
import topo

POOL = ("10.99.0.5", "10.99.0.6")
DNS, WINS = "10.2.0.53", "10.2.0.54"


def charon_conf(case):
	me, other = case.b, case.a
	return f"""connections {{
  hub {{
    version = 2
    local_addrs = {me.wan_addr}
    proposals = {case.ike}
    mobike = no
    pools = spokes
    local {{
      auth = psk
      id = {interop.id_text(me.ident)}
    }}
    remote {{
      auth = psk
      id = {interop.id_text(other.ident)}
    }}
    children {{
      net {{
        local_ts = {me.lan['net']}
        remote_ts = dynamic
        esp_proposals = {case.esp}
      }}
    }}
  }}
}}
pools {{
  spokes {{
    addrs = {POOL[0]}-{POOL[1]}
    dns = {DNS}
    nbns = {WINS}
    subnet = {me.lan['net']}
  }}
}}
secrets {{
  ike-sign {{
    id-1 = {interop.id_text(me.ident)}
    id-2 = {interop.id_text(other.ident)}
    secret = "{me.psk_local}"
  }}
  ike-verify {{
    id = {interop.id_text(other.ident)}
    secret = "{me.psk_remote}"
  }}
}}
"""


def negotiated(case):
	"""Tunnel0 with `ip address negotiated`, and an authorization policy
	whose route set (the LAN port) the spoke advertises."""
	cfg = case.gw.config
	t = cfg["tunnels"][0]
	del t["ipv4"]
	t["ip_address_negotiated"] = True
	cfg["ikev2"]["authorization_policies"] = [
		{"name": "SPOKE", "route_set_interface": "GigabitEthernet1"}]
	cfg["ikev2"]["profiles"][0]["aaa_authorization_group"] = {"policy": "SPOKE"}
	# the far LAN comes from the hub now, not from the configuration
	cfg["routes"] = [r for r in cfg.get("routes", []) if r.get("interface") != "Tunnel0"]
	case.gw.cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")


def client_view(gw):
	"""(config_exchange of the READY IKE SA or None, Tunnel0's address or
	None, IKEv2 routes into Tunnel0)."""
	sas = gw.flexctl("show", "crypto", "ikev2", "sa", "detailed")["sas"]
	ready = [sa for sa in sas if sa["status"] == "READY"]
	cx = ready[0].get("config_exchange") if len(ready) == 1 else None
	addr = None
	for i in gw.flexctl("show", "interfaces")["interfaces"]:
		if i["name"] == "Tunnel0":
			addr = i.get("ipv4")
	routes = [r["prefix"] for r in gw.flexctl("show", "ip", "route")["routes"]
		  if r.get("interface") == "Tunnel0" and r.get("code") == "S"]
	return cx, addr, routes


def ping_assigned(case, addr):
	tx, rx, out = topo.ping(case.lanb, addr, count=20, interval=0.01, deadline=30)
	assert tx == 20 and rx == 20, out


def test_negotiated_address_and_routes(root, build, tmp_path):
	case = interop.Case(role="initiator", peer="strongswan", build=build, workdir=tmp_path,
			    tag="fvc", ike="aes256-sha256-ecp256", esp="aes256gcm16")
	try:
		case.setup()
		negotiated(case)
		case.charon.conf_text = charon_conf(case)
		case.start()
		cx, addr, routes = topo.wait_for("the assigned address", lambda: (
			lambda v: v if v[0] and v[1] and v[2] else None)(client_view(case.gw)), 60)
		assert cx["assigned_ip"] in POOL, cx
		assert addr == cx["assigned_ip"] + "/32", addr
		assert cx["dns"] == [DNS] and cx["wins"] == [WINS], cx
		assert cx["routes_received"] == ["10.2.0.0/24"] and routes == ["10.2.0.0/24"], cx
		assert cx["routes_advertised"] == ["10.1.0.0/24"], cx
		text = case.gw.flexctl_raw("show", "crypto", "ikev2", "sa", "detailed").stdout
		assert f"Assigned host addr: {cx['assigned_ip']}" in text, text
		assert f"DNS Primary: {DNS}" in text and "10.2.0.0 255.255.255.0" in text, text
		# charon's view: the lease it handed out
		leases = case.charon.swanctl("--list-pools", "--leases").stdout
		assert cx["assigned_ip"] in leases and "online" in leases, leases
		topo.wait_for("charon's route", lambda: case.charon.routes_to(cx["assigned_ip"]), 20)
		topo.ping(case.lanb, LANB_GW, count=1, interval=0.2)
		ping_assigned(case, cx["assigned_ip"])

		# the SA goes (charon deletes it) while flexgw cannot start another
		case.wan.run("nft add table bridge hold")
		case.wan.run("nft add chain bridge hold c '{ type filter hook forward priority 0 ; }'")
		case.wan.run(f"nft add rule bridge hold c ip saddr {case.a.wan_addr} udp dport 500 drop")
		case.charon.terminate_ike("hub")
		topo.wait_for("address and routes to go", lambda: (
			lambda v: v[0] is None and v[1] is None and v[2] == [])(client_view(case.gw)), 30)
		case.wan.run("nft delete table bridge hold")
		cx2, addr2, routes2 = topo.wait_for("the address to come back", lambda: (
			lambda v: v if v[0] and v[1] and v[2] else None)(client_view(case.gw)), 60)
		assert cx2["assigned_ip"] in POOL and addr2 == cx2["assigned_ip"] + "/32"
		assert routes2 == ["10.2.0.0/24"]
		topo.wait_for("charon's route", lambda: case.charon.routes_to(cx2["assigned_ip"]), 20)
		ping_assigned(case, cx2["assigned_ip"])
	except BaseException:
		for name, text in case.logs().items():
			print(f"----- {name} -----\n{text}")
		raise
	finally:
		case.teardown()


LANB_GW = interop.LANB["gw"]
