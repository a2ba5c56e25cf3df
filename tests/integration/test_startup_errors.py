"""A port that can't be had is a clear startup error: flexgw exits non-zero
and its log names the port, instead of running without it."""
import pytest

import topo


@pytest.fixture
def gwns(root, build):
	ns = topo.Namespace("err")
	try:
		yield ns
	finally:
		ns.delete()


@pytest.mark.parametrize("device", [
	"net_bogus0",
	"net_af_packet0,iface=nosuchveth",
], ids=["unknown-driver", "missing-interface"])
def test_bad_port_device_is_a_startup_error(gwns, build, tmp_path, device):
	gw = topo.FlexGW(gwns, tmp_path, [dict(name="GigabitEthernet9", iface="unused",
					       ipv4="192.0.2.1/24")],
			 build=build, devices=[device])
	gw.start(wait=False)
	rc, log = gw.wait_exit(timeout=60)
	assert rc not in (0, None), f"flexgw kept running / exited 0 with device {device}:\n{log}"
	assert rc > 0, f"flexgw died of signal {-rc}:\n{log}"
	assert "GigabitEthernet9" in log, log


def test_check_config_names_bad_config(build, tmp_path):
	"""--check-config without DPDK: an error names the file position."""
	bad = tmp_path / "bad.json"
	bad.write_text('{"ports": [ {"name": "Gi1", "device": 7} ]}\n')
	p = topo.run([str(topo.binaries(build)[0]), "--check-config", str(bad)], check=False)
	assert p.returncode == 1
	assert "ports" in (p.stdout + p.stderr)
