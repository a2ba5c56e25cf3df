"""`show crypto ikev2 sa|session [detailed]`, `show crypto ikev2 stats`,
`debug crypto ikev2` and `clear crypto ikev2 sa [remote ADDR]` on a live
tunnel: flexgw initiates to a strongSwan responder (tests/integration/
interop.py builds the namespaces: LAN -- flexgw -- WAN -- charon -- LAN),
and what flexgw shows is checked against what charon lists (IKE SPIs,
algorithms, identities, CHILD SPIs). Clearing sends the peer a DELETE (the
charon's IKE SA goes) and the tunnel comes back with new SPIs; the debug
switch logs the exchanges, never the PSK. A second case has strongSwan
initiate, for the responder's view."""
import ipaddress
import re
import time

import pytest

import interop

IKE, ESP = "aes256-sha512-modp2048", "aes256gcm16"


@pytest.fixture(scope="module")
def tunnel(root, build, tmp_path_factory):
	messages = []
	case = interop.Case(role="initiator", ike=IKE, esp=ESP, id_type="fqdn", asym_psk=False,
			    build=build, workdir=tmp_path_factory.mktemp("ikesa"), tag="ikesa",
			    log=messages.append)
	try:
		case.setup()
		case.start()
		took = case.up()
		assert took is not None, "tunnel did not come up:\n" + "\n".join(messages) + \
			"\n" + "\n".join(f"--- {k}\n{v}" for k, v in case.logs().items())
		yield case
	finally:
		case.teardown()


def charon_ike(case):
	ike = case.charon.list_sas().get("gw")
	assert ike is not None, case.charon.list_sas()
	return ike


def ready(gw):
	return [sa for sa in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
		if sa["status"] == "READY"]


def test_sa_agrees_with_charon(tunnel):
	(sa,) = ready(tunnel.gw)
	ike = charon_ike(tunnel)
	assert ike.get("initiator") != "yes", ike  # charon responded
	assert sa["initiator"] is True
	assert int(sa["local_spi"], 16) == int(ike["initiator-spi"], 16)
	assert int(sa["remote_spi"], 16) == int(ike["responder-spi"], 16)
	assert (sa["encryption"], sa["keysize"], sa["integrity"], sa["prf"], sa["dh_group"]) == \
		("AES-CBC", 256, "SHA512", "SHA512", 14)
	assert sa["local"] == interop.GW_WAN and sa["remote"] == interop.PEER_WAN
	assert sa["local_id"] == "gw.example.com" and sa["remote_id"] == "peer.example.com"
	assert ike["local-id"] == "peer.example.com" and ike["remote-id"] == "gw.example.com"
	# charon with libipsec claims a NAT in front of itself, so IKE floats
	assert sa["nat_t"] == "outside" and sa["remote_port"] == 4500


def test_sa_text(tunnel):
	(sa,) = ready(tunnel.gw)
	out = tunnel.gw.flexctl_raw("show", "crypto", "ikev2", "sa").stdout
	assert re.search(rf"^{sa['tunnel_id']}\s+{re.escape(interop.GW_WAN)}/\d+\s+"
			 rf"{re.escape(interop.PEER_WAN)}/4500\s+none/none\s+READY$", out, re.M), out
	assert ("Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, DH Grp:14, "
		"Auth sign: PSK, Auth verify: PSK") in out
	assert re.search(r"Life/Active Time: \d+/\d+ sec", out), out
	out = tunnel.gw.flexctl_raw("sh", "cry", "ikev2", "sa", "det").stdout
	assert f"Local spi: {sa['local_spi']}" in out and f"Remote spi: {sa['remote_spi']}" in out
	assert "Status Description: Negotiation done" in out
	assert "Remote id: peer.example.com" in out and "Initiator of SA : Yes" in out
	assert "NAT-T is detected outside" in out


def cidrs(ts):
	"""A selector's address range as the CIDR list swanctl prints."""
	nets = ipaddress.summarize_address_range(ipaddress.ip_address(ts["start"]),
						 ipaddress.ip_address(ts["end"]))
	return [str(n) for n in nets]


def test_session_children_agree_with_charon(tunnel):
	(sa,) = [s for s in tunnel.gw.flexctl("show", "crypto", "ikev2", "session")["sas"]
		 if s["status"] == "READY"]
	(child,) = sa["children"]
	(cc,) = charon_ike(tunnel)["child-sas"].values()
	assert child["spi_in"] == int(cc["spi-out"], 16)
	assert child["spi_out"] == int(cc["spi-in"], 16)
	assert (child["encryption"], child["keysize"], child["integrity"]) == ("AES-GCM", 256, "None")
	# our selectors are charon's the other way round
	assert cidrs(child["local_selector"]) == cc["remote-ts"], (child, cc)
	assert cidrs(child["remote_selector"]) == cc["local-ts"], (child, cc)
	out = tunnel.gw.flexctl_raw("show", "crypto", "ikev2", "session").stdout
	assert f"Session-id:{sa['tunnel_id']}, Status:UP-ACTIVE, IKE count:1, CHILD count:1" in out
	assert f"ESP spi in/out: 0x{child['spi_in']:x}/0x{child['spi_out']:x}" in out
	out = tunnel.gw.flexctl_raw("show", "crypto", "ikev2", "session", "detailed").stdout
	assert "Encr: AES-GCM, keysize: 256, esp_hmac: None" in out and "mode tunnel" in out


def test_ipsec_sa_lifetime_left(tunnel):
	"""show crypto ipsec sa gives what is left of each CHILD SA's
	lifetime in kilobytes and seconds (IOS's "k/sec"), the seconds those
	of show crypto session's flow."""
	(t,) = [t for t in tunnel.gw.flexctl("show", "crypto", "ipsec", "sa")["interfaces"]
		if t["inbound"]]
	sas = t["inbound"] + t["outbound"]
	(flow,) = tunnel.gw.flexctl("show", "crypto", "session")["sessions"][0]["flows"]
	for sa in sas:
		assert 0 < sa["lifetime_seconds_left"] <= 3600, sa
		assert abs(sa["lifetime_seconds_left"] - flow["lifetime_left"]) <= 2, (sa, flow)
		assert 4608000 - 100 < sa["lifetime_kb_left"] <= 4608000, sa
	text = tunnel.gw.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	left = re.findall(r"sa timing: remaining key lifetime \(k/sec\): \((\d+)/(\d+)\)", text)
	assert len(left) == len(sas) and "k/packets" not in text, text
	for kb, sec in left:
		assert abs(int(sec) - flow["lifetime_left"]) <= 2 and int(kb) > 4608000 - 100, text


def test_stats(tunnel):
	st = tunnel.gw.flexctl("show", "crypto", "ikev2", "stats")
	assert st["running"] is True
	assert st["outgoing"]["active"] == 1 and st["incoming"]["total"] == 0
	assert st["events"]["sa_established"] >= 1 and st["events"]["child_created"] >= 1
	assert st["packets"]["rx_packets"] >= 2 and st["packets"]["tx_packets"] >= 2
	assert all(v == 0 for v in st["failures"].values()), st["failures"]
	out = tunnel.gw.flexctl_raw("show", "crypto", "ikev2", "stats").stdout
	assert "Total outgoing IKEv2 SA Count: 1      active: 1" in out
	assert "Negotiation failures:" in out


def wait(pred, timeout, what):
	deadline = time.time() + timeout
	while time.time() < deadline:
		got = pred()
		if got:
			return got
		time.sleep(0.2)
	raise AssertionError(f"timed out waiting for {what}")


def test_clear_other_peer_touches_nothing(tunnel):
	before = ready(tunnel.gw)
	assert tunnel.gw.flexctl("clear", "crypto", "ikev2", "sa", "remote", "192.0.2.99") == \
		{"cleared": 0}
	assert [s["local_spi"] for s in ready(tunnel.gw)] == [s["local_spi"] for s in before]


def test_debug_then_clear_brings_tunnel_back(tunnel):
	gw = tunnel.gw
	(old,) = ready(gw)
	old_charon_spi = charon_ike(tunnel)["initiator-spi"]
	mark = len(gw.log_text())
	assert gw.flexctl_raw("debug", "crypto", "ikev2").stdout == "IKEv2 default debugging is on\n"
	assert gw.flexctl("clear", "crypto", "ikev2", "sa", "remote", interop.PEER_WAN) == \
		{"cleared": 1}
	# the peer heard the DELETE: charon's SA with the old SPIs went
	wait(lambda: (charon_ike_or_none(tunnel) or {}).get("initiator-spi") != old_charon_spi,
	     15, "charon to drop the cleared IKE SA")
	new = wait(lambda: ready(gw), 30, "flexgw to initiate again")
	assert new[0]["local_spi"] != old["local_spi"]
	wait(lambda: tunnel.charon.established("gw", "net"), 15, "charon to list the new SA")
	loss, _ = tunnel.ping(10)
	assert loss == 0
	log = gw.log_text()[mark:]
	# debug: each exchange logged, by name
	for exchange in ("IKE_SA_INIT", "IKE_AUTH", "INFORMATIONAL"):
		assert exchange in log, log[-4000:]
	assert gw.flexctl_raw("no", "debug", "crypto", "ikev2").stdout == \
		"IKEv2 default debugging is off\n"
	for key in (tunnel.a.psk_local, tunnel.a.psk_remote):
		assert key not in gw.log_text()


def charon_ike_or_none(case):
	return case.charon.list_sas().get("gw")


def test_responder_view(root, build, tmp_path):
	"""strongSwan initiates: flexgw shows itself as responder, counts the SA
	as incoming, and the SPIs are charon's the other way round."""
	case = interop.Case(role="responder", ike="aes256gcm16-prfsha384-ecp384", esp="aes256-sha512",
			    id_type="email", build=build, workdir=tmp_path, tag="ikesr")
	try:
		case.setup()
		case.start()
		assert case.up() is not None, case.logs()
		(sa,) = ready(case.gw)
		ike = case.charon.list_sas()["gw"]
		assert ike.get("initiator") == "yes", ike
		assert sa["initiator"] is False
		assert int(sa["local_spi"], 16) == int(ike["responder-spi"], 16)
		assert int(sa["remote_spi"], 16) == int(ike["initiator-spi"], 16)
		assert (sa["encryption"], sa["keysize"], sa["integrity"], sa["prf"], sa["dh_group"]) == \
			("AES-GCM", 256, "None", "SHA384", 20)
		assert sa["local_id"] == "gw@example.com" and sa["remote_id"] == "peer@example.com"
		out = case.gw.flexctl_raw("show", "crypto", "ikev2", "sa", "detailed").stdout
		assert "Initiator of SA : No" in out and "Hash: None" in out
		st = case.gw.flexctl("show", "crypto", "ikev2", "stats")
		assert st["incoming"] == {"total": 1, "active": 1, "negotiating": 0}
		assert st["outgoing"]["total"] == 0 and st["events"]["sa_responded"] == 1
	finally:
		case.teardown()
