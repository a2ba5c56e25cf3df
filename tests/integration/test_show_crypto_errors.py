"""show crypto ipsec sa's #send errors / #recv errors, and show crypto
session for manually keyed tunnels, against drops the test makes happen,
on test_tunnel_wan's gateways (wanpair.py, "ipsec ipv4", AES-GCM-128, manual
SAs), ESP from gwA held at the bridge and sent to gwB by the test, once
too often (a replay) and with a byte of its ICV changed (an integrity
failure). Both are gwB's receive errors on Tunnel0, in the text as in
the JSON (recv_errors), and its interface's input errors; a manual rekey
on both gateways, which deletes the SA that dropped them, keeps them, as
IOS's counts of the SA pair go on; clear counters zeroes them. gwA's
session is listed though no IKE SA carries it (IOS's UP-NO-IKE), with
its one flow and every SA of it, during the rekey too."""
import re

import pytest

import test_tunnel as tt
import test_tunnel_wan as tw
import topo
import wanpair
from counters import Stats


@pytest.fixture(scope="module")
def pair(root, build, tmp_path_factory):
	with wanpair.started(build, tmp_path_factory.mktemp("show-errors"), "ipsec") as p:
		yield p


def tunnel0(gw):
	return gw.flexctl("show", "crypto", "ipsec", "sa")["interfaces"][0]


def errors_text(gw):
	"""(#send errors, #recv errors) as the text gives them."""
	text = gw.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
	m = re.search(r"#send errors (\d+), #recv errors (\d+)", text)
	assert m, text
	return int(m.group(1)), int(m.group(2))


def interface_errors(gw):
	"""(output errors, input errors) of Tunnel0, JSON and text checked
	against each other."""
	c = {i["name"]: i for i in gw.flexctl("show", "interfaces")["interfaces"]}["Tunnel0"]
	c = c["counters"]
	text = gw.flexctl_raw("show", "interfaces", "Tunnel0").stdout
	assert f"     {c['input_errors']} input errors\n" in text, text
	assert f"     {c['output_errors']} output errors\n" in text, text
	return c["output_errors"], c["input_errors"]


def assert_errors(gw, send, recv):
	t = tunnel0(gw)
	assert (t["send_errors"], t["recv_errors"]) == (send, recv), t
	assert t["errors"] == send + recv, t
	assert errors_text(gw) == (send, recv)
	assert interface_errors(gw) == (send, recv)


def session(gw):
	sessions = gw.flexctl("show", "crypto", "session")["sessions"]
	assert len(sessions) == 1, sessions
	return sessions[0]


def test_replay_and_auth_failure_are_recv_errors_across_a_rekey(pair):
	a, b = pair.gwa, pair.gwb
	with pair.held(), tw.Capture(pair.mid, "wan1") as wan1:
		tw.datagrams(pair, [tw.FIRST_PORT, tw.FIRST_PORT + 1])
		frames = wan1.wait(lambda f: len(list(filter(tw.is_esp_from_a, f))) >= 2, 20)
	esp = [f for f in frames if tw.is_esp_from_a(f)]
	assert len(esp) == 2, esp
	assert_errors(b, 0, 0)
	before = Stats.settled(b)
	with tw.Injector(pair) as inj:
		inj.send(esp[0])
		inj.wait_port(tw.FIRST_PORT)
		inj.send(esp[0])
		assert tw.counted(b, before, "ESP_REPLAY") == 1
		inj.send(tw.rebuilt(esp[1], flip=1))
		assert tw.counted(b, before, "ESP_AUTH") == 1
	sa = tunnel0(b)["inbound"][0]
	assert sa["spi"] == tt.SPI_AB and sa["drops"]["REPLAY"] == 1 and sa["drops"]["AUTH"] == 1, sa
	assert_errors(b, 0, 2)
	# the detail view names them under their SA; the outbound one dropped none
	text = b.flexctl_raw("show", "crypto", "ipsec", "sa", "detail").stdout
	assert re.search(rf"spi: 0x{tt.SPI_AB:X}\({tt.SPI_AB}\)\n(.*\n){{3}}"
			 r"        #pkts dropped: REPLAY 1, AUTH 1\n", text), text
	assert re.search(rf"spi: 0x{tt.SPI_BA:X}\({tt.SPI_BA}\)\n(.*\n){{3}}"
			 r"        #pkts dropped: 0\n", text), text

	# a manual rekey: the SA that dropped them goes; its errors stay
	for step in ("install", "switch", "finish"):
		for g in pair.gws:
			g.flexctl("crypto", "ipsec", "rekey", step, "Tunnel0")
		if step == "install":
			# both key sets' inbound SAs, and the outbound one
			assert session(a)["active_sas"] == 3, session(a)
	tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host4"], count=3, interval=0.2, deadline=30)
	assert rx == 3, out
	assert [sa["spi"] for sa in tunnel0(b)["inbound"]] == [tt.REKEY_AB], tunnel0(b)
	assert_errors(b, 0, 2)
	# and none on gwA's side
	assert_errors(a, 0, 0)

	b.flexctl("clear", "counters")
	assert_errors(b, 0, 0)


def test_manual_tunnel_is_a_session(pair):
	a = pair.gwa
	s = session(a)
	assert s["manual"] is True and s["interface"] == "Tunnel0", s
	assert s["status"] == "UP-NO-IKE" and s["peer"] == tt.WAN_B and s["ike"] is None, s
	assert s["active_sas"] == 2 and len(s["flows"]) == 1, s
	f = s["flows"][0]
	assert (f["protocol"], f["local"], f["remote"]) == (0, "0.0.0.0/0.0.0.0", "0.0.0.0/0.0.0.0")
	assert f["active_sas"] == 2 and f["packets_out"] > 0 and f["packets_in"] > 0, f
	assert f["lifetime_left"] is None, f
	text = a.flexctl_raw("show", "crypto", "session").stdout
	assert "Interface: Tunnel0\nProfile: (none)\nSession status: UP-NO-IKE\n" \
		f"Peer: {tt.WAN_B}\n" \
		"  IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0\n" \
		"        Active SAs: 2, origin: crypto map\n" in text, text
	text = a.flexctl_raw("show", "crypto", "session", "detail").stdout
	assert f"Peer: {tt.WAN_B} fvrf: (none) ivrf: (none)\n" in text, text
	assert "IKEv2 SA" not in text and "Session ID" not in text, text
	assert re.search(rf"Inbound:  #pkts dec'ed {f['packets_in']} drop 0\n"
			 rf"        Outbound: #pkts enc'ed {f['packets_out']} drop 0\n", text), text
