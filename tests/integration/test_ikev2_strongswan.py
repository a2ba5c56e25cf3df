"""The IKEv2 engine against a real strongSwan, in either role: the HQ
example's IKE suite (AES-CBC-256, SHA-512, group 14) with ESP AES-GCM-256
and with AES-CBC-256/HMAC-SHA-512, PSK with FQDN identities. The tunnel
comes up by itself (flexgw initiating) or on `swanctl --initiate` (flexgw
responding), carries ping and TCP between the two LANs, both ends agree on
the SPIs, the IKE SA runs on UDP 4500 (charon's userspace ESP fakes a NAT,
so ESP goes in UDP), and stopping flexgw tells charon (DELETE), which
then holds no SA.

The topology and both configurations come from interop.py (the runner
behind scripts/interop.sh); the full algorithm matrix is
test_ikev2_interop.py's.
"""
import re

import pytest

import interop
import topo

IKE = "aes256-sha512-modp2048"


@pytest.mark.parametrize("esp", ["aes256gcm16", "aes256-sha512"])
@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_tunnel_with_strongswan(root, build, tmp_path, role, esp):
	notes = []
	case = interop.Case(role=role, ike=IKE, esp=esp, build=build, workdir=tmp_path,
			    log=notes.append, tag=f"ss{role[0]}")
	try:
		case.setup()
		case.start()
		took = case.up()

		assert took is not None, "tunnel did not come up\n" + case.report(notes)
		loss, out = case.ping()
		assert loss == 0, out + case.report(notes)
		assert case.tcp() == interop.TCP_BYTES, case.report(notes)
		r = case.compare()
		assert r["spis_agree"], str(r["spis"]) + case.report(notes)
		assert r["algs_agree"] and r["ike_alg"] == IKE and r["esp_alg"] == esp, str(r)
		assert r["natt"] is True

		# charon's view: established with our identity, IKE floated to 4500
		ike, child = case.charon.established("gw", "net")
		assert ike["remote-id"] == "gw.example.com"
		assert ike["local-port"] == "4500" and ike["remote-port"] == "4500"
		assert child["encap"] == "yes"
		# flexgw's own line for it, naming the role, the peer and the SPIs
		spi_in = f"{next(iter(r['spis']['a_in'])):08x}"
		line = re.search(r"IKEv2 SA \d+ with 192\.0\.2\.2\[4500\] up \((\w+), remote fqdn "
				 r"peer\.example\.com.*CHILD SA in (\w+) out (\w+) on Tunnel0",
				 case.gw.log_text())
		assert line, case.gw.log_text()
		assert line.group(1) == role and line.group(2) == spi_in

		# stopping flexgw deletes the IKE SA on charon's side too
		assert case.gw.stop() == 0, case.gw.log_text()
		assert topo.wait(lambda: "gw" not in case.charon.list_sas(), 10), case.charon.log_text()[-3000:]
		assert re.search(r"received DELETE for IKE_SA gw\[\d+\]", case.charon.log_text())
	finally:
		case.teardown()
