"""flexgw-ikeload (controlplane/ikev2/loadgen) opens a few IKE SAs against
a strongSwan charon responder and against flexgw, the way its benchmark
opens thousands: every SA comes up (IKE_SA_INIT, IKE_AUTH with PSK, one
CHILD SA) and is deleted again, and the responders agree. A wrong key
must fail every SA, or the tool could be counting SAs it never had."""
import pytest

import ikeload

IKE = "aes256gcm16-prfsha512-ecp256"
ESP = "aes256gcm16"


@pytest.fixture
def topology(root, build, tmp_path):
	t = ikeload.Topology(tmp_path, local_count=4)
	try:
		yield t
	finally:
		t.teardown()


def test_charon_responder(topology, build):
	charon = topology.start_charon(IKE, ESP)
	r, _, p = ikeload.run_ikeload(build, topology.ini, 20, window=8, ike=IKE, esp=ESP,
				      timeout=30)
	assert p.returncode == 0, p.stderr
	assert (r["requested"], r["established"], r["failed"]) == (20, 20, 0), r
	# charon's kernel-libipsec claims a NAT: every peer moved to 4500
	assert r["natt"] == 20 and r["child_refused"] == 0
	assert r["deleted"] == 20 and r["delete_timeouts"] == 0
	assert r["rate"] > 0 and r["latency_ms"]["p50"] > 0
	assert charon.list_sas() == {}
	# a wrong key fails every SA, counted as such
	r, _, p = ikeload.run_ikeload(build, topology.ini, 5, ike=IKE, esp=ESP, timeout=30,
				      extra=["--psk", "not-the-key"])
	assert p.returncode == 1
	assert r["established"] == 0 and r["failed"] == 5, r
	assert r["failures"] == {"authentication_failed": 5}, r


def test_flexgw_responder(topology, build):
	gw = ikeload.start_flexgw(topology, build, IKE, ESP, tunnel_peers=3)
	# three peers, one per static tunnel (source address): real CHILD SAs
	r, _, p = ikeload.run_ikeload(build, topology.ini, 3, ike=IKE, esp=ESP, timeout=30,
				      extra=["--local", ikeload.INI_ADDR, "--local-count", "3",
					     "--hold", "1"])
	assert p.returncode == 0, p.stderr
	assert (r["established"], r["child_refused"], r["deleted"]) == (3, 0, 3), r
	# and 17 more from a fourth address that no tunnel has as destination:
	# IKE SAs whose CHILD SA flexgw refuses
	r, _, p = ikeload.run_ikeload(build, topology.ini, 17, ike=IKE, esp=ESP, timeout=30,
				      extra=["--ike-only", "--first", "100", "--local", "192.0.2.5"])
	assert p.returncode == 0, p.stderr
	assert (r["established"], r["child_refused"], r["deleted"]) == (17, 17, 17), r
	stats = gw.flexctl_raw("show", "crypto", "ikev2", "stats").stdout
	assert "responded: 20, established: 20, deleted: 20" in stats, stats
	assert "CHILD SAs created: 3" in stats, stats


def test_hub_va_config(build, tmp_path):
	"""bench.py's virtual-template hub (responder flexgw-va) is a valid
	configuration: the 10,000-peer run must not be the first to find out."""
	import json
	import subprocess

	import topo
	cfg = {"system": {"hostname": "hub", "control_socket": str(tmp_path / "s")},
	       "ports": [{"name": "GigabitEthernet1", "device": "net_af_packet0,iface=wan0",
			  "ipv4": f"{ikeload.RESP_ADDR}/24"}]}
	cfg.update(ikeload.flexgw_hub_config(IKE, ESP, va_pool=10064))
	path = tmp_path / "hub.json"
	path.write_text(json.dumps(cfg))
	flexgw, _ = topo.binaries(build)
	p = subprocess.run([str(flexgw), "--check-config", str(path)], capture_output=True,
			   text=True, timeout=30)
	assert p.returncode == 0, p.stdout + p.stderr
	assert cfg["pools"][0]["end"] == "10.16.39.80"
	assert cfg["ikev2"]["profiles"][0]["virtual_template"] == "Virtual-Template1"
