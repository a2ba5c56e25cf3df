"""show crypto ipsec sa's #send errors / #recv errors against drops the
test makes happen, on test_tunnel_wan's gateways (wanpair.py, "ipsec ipv4", AES-GCM-128, manual
SAs), ESP from gwA held at the bridge and sent to gwB by the test, once
too often (a replay) and with a byte of its ICV changed (an integrity
failure). Both are gwB's receive errors on Tunnel0, in the text as in
the JSON (recv_errors), and its interface's input errors; a manual rekey
on both gateways, which deletes the SA that dropped them, keeps them, as
IOS's counts of the SA pair go on; clear counters zeroes them."""
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

	# a manual rekey: the SA that dropped them goes; its errors stay
	for step in ("install", "switch", "finish"):
		for g in pair.gws:
			g.flexctl("crypto", "ipsec", "rekey", step, "Tunnel0")
	tx, rx, out = topo.ping(pair.lan1, tt.LAN2["host4"], count=3, interval=0.2, deadline=30)
	assert rx == 3, out
	assert [sa["spi"] for sa in tunnel0(b)["inbound"]] == [tt.REKEY_AB], tunnel0(b)
	assert_errors(b, 0, 2)
	# and none on gwA's side
	assert_errors(a, 0, 0)

	b.flexctl("clear", "counters")
	assert_errors(b, 0, 0)

