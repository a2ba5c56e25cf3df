"""`show ip interface brief` lists an `ip unnumbered` tunnel with the address
it borrows, as IOS does; the JSON names the lender's address, not
"unassigned". No traffic needed: net_null ports."""
import pytest

import topo

KEY = "11" * 32 + "a1a2a3a4"


@pytest.fixture
def gw(root, build, tmp_path):
	extra = {
		"loopbacks": [{"name": "Loopback0", "ipv4": "192.0.2.65/32"}],
		"ipsec": {"transform_sets": [{"name": "GCM", "esp_encryption": "esp-gcm 256"}]},
		"tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0",
			     "source": "GigabitEthernet2", "destination": "198.51.100.2",
			     "mode": "ipsec ipv4",
			     "manual_sa": {"transform_set": "GCM",
					   "inbound": {"spi": 4097, "encryption_key": KEY},
					   "outbound": {"spi": 8193, "encryption_key": KEY}}}],
	}
	with topo.gateway("unnum", tmp_path,
			  [dict(name="GigabitEthernet1", iface="x", ipv4="192.0.2.1/26"),
			   dict(name="GigabitEthernet2", iface="y", ipv4="198.51.100.1/24")],
			  build=build, devices=["net_null0", "net_null1"], extra_config=extra) as g:
		yield g


def test_unnumbered_tunnel_shows_lenders_address(gw):
	rows = {r["interface"]: r for r in gw.flexctl("show ip interface brief")["interfaces"]}
	assert rows["Loopback0"]["ip_address"] == "192.0.2.65"
	assert rows["Loopback0"]["method"] == "manual"
	assert rows["Tunnel0"]["ip_address"] == "192.0.2.65", rows["Tunnel0"]
	assert rows["Tunnel0"]["method"] == "unset"
	assert rows["GigabitEthernet2"]["ip_address"] == "198.51.100.1"
