"""The configuration loader, through the real binary: `flexgw --check-config FILE`.

Every error path has a case: the broken text carries a marker (▶) where the
error must point; the test writes the text without it and checks the exit
status, the line:column of the marker, the JSON path and the message.

Run: /usr/bin/python3 -m pytest tests/unit/test_config.py
The build directory comes from $FGW_BUILD (default: <repo>/build).
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FGW_BUILD", ROOT / "build"))
FLEXGW = BUILD / "controlplane" / "flexgw"
EXAMPLES = sorted((ROOT / "config" / "examples").glob("*.json"))
# Valid configurations for the fuzzer that reach what the examples do not
# (manual SAs, GRE keys, every identity kind): accepted too.
SEEDS = sorted((ROOT / "tests" / "fuzz" / "config" / "seeds").glob("*.json"))
MARK = "▶"


@pytest.fixture(scope="module")
def flexgw():
	if not FLEXGW.exists():
		pytest.fail(f"{FLEXGW} is not built (build first, or set FGW_BUILD)")
	return FLEXGW


def check_config(flexgw, path):
	p = subprocess.run([str(flexgw), "--check-config", str(path)], capture_output=True,
			   text=True, timeout=60)
	return p.returncode, (p.stdout + p.stderr).strip()


def place(text):
	"""The text without its marker, and the 1-based line:column the marker was at
	(columns count characters, as jansson does)."""
	assert text.count(MARK) == 1, "a case needs exactly one marker"
	before = text[:text.index(MARK)]
	line = before.count("\n") + 1
	col = len(before) - (before.rfind("\n") + 1) + 1
	return text.replace(MARK, ""), f"{line}:{col}"


def expect_error(flexgw, tmp_path, text, path, message):
	body, where = place(text)
	cfg = tmp_path / "broken.json"
	cfg.write_bytes(body.encode())
	rc, out = check_config(flexgw, cfg)
	assert rc == 1, out
	lines = [l[l.index(f"{cfg}:"):] for l in out.splitlines() if f"{cfg}:" in l]
	assert len(lines) == 1, f"expected one error line, got:\n{out}"
	prefix = f"{cfg}:{where}: " + (f"{path}: " if path else "")
	assert lines[0].startswith(prefix), f"\nexpected prefix: {prefix}\ngot:             {lines[0]}"
	assert message in lines[0], f"\nexpected message: {message}\ngot: {lines[0]}"


# A valid base the reference cases build on: two ports, a loopback.
PORTS = """
  "ports": [
    {"name": "Gi1", "device": "net_null0", "ipv4": "203.0.113.1/24", "gateway4": "203.0.113.254"},
    {"name": "Gi2", "device": "net_null1", "ipv4": "192.0.2.1/24"}
  ],
  "loopbacks": [{"name": "Loopback0", "ipv4": "198.51.100.1/32"}]"""

PROFILE = """{"name": "P", "match_identity_remote": [{"any": true}],
       "authentication_local": "pre-share", "authentication_remote": ["pre-share"]"""


# One tunnel keyed by hand: %s is the lifetime fields of its manual_sa.
MANUAL_SA_LIFE = """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS", %s,
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}"""

# One tunnel keyed by hand: %s is its inbound encryption key, quotes included.
MANUAL_SA_KEY = """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": %s},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}"""

# Two tunnels keyed by hand: %s and %s are their inbound SPIs.
TWO_MANUAL_TUNNELS = """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": %s, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}},
              {"name": "Tunnel1", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.3", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": %s, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}"""

CASES = [
	# ---- the file and its syntax ---------------------------------------------
	("empty-file", "▶", "", "the configuration is empty"),
	("blank-file", "▶  \n\n  ", "", "the configuration is empty"),
	("top-level-array", "▶[1, 2]", "", "expected an object, got an array"),
	("top-level-number", "▶42", "", "expected an object, got an integer"),
	("missing-comma", """{
  "system": {
    "hostname": "hub"
    "log_level▶": "info"
  }
}""", "system", "invalid JSON: '}' expected"),
	("truncated", """{
  "ikev2": {
    "proposals": [
      {"name": "p1",▶ """, "ikev2.proposals[0]",
	 "invalid JSON: string or '}' expected near end of file"),
	("trailing-comma", """{
  "dataplane": {"worker_lcores": [1, ▶]}
}""", "dataplane.worker_lcores[1]", "invalid JSON: unexpected token"),
	("duplicate-json-key", """{
  "system": {"hostname": "a", "hostname▶": "b"}
}""", "system.hostname", "duplicate object key"),
	# ---- unknown keys, at several depths ---------------------------------------
	("unknown-top-key", """{
  ▶"sytem": {}
}""", "sytem", 'unknown key in configuration (did you mean "system"?)'),
	("unknown-dataplane-key", """{
  "dataplane": {▶"bogus": 1}
}""", "dataplane.bogus", "unknown key in dataplane (known: control_lcore, worker_lcores"),
	("unknown-port-key", """{
  "ports": [{"name": "Gi1", ▶"devcie": "net_null0"}]
}""", "ports[0].devcie", 'unknown key in port (did you mean "device"?)'),
	("unknown-keyring-peer-key", """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  {"name": "p", "address": "192.0.2.9", "pre_shared_key": "k", ▶"colour": "red"}]}]}}""",
	 "ikev2.keyrings[0].peers[0].colour", "unknown key in keyring peer"),
	("unknown-identity-key", """{"ikev2": {"profiles": [
  {"name": "P", "match_identity_remote": [{▶"dn": "x"}]}]}}""",
	 "ikev2.profiles[0].match_identity_remote[0].dn", "unknown key in identity match"),
	# ---- types ------------------------------------------------------------------
	("string-for-integer", """{
  "dataplane": {"burst": ▶"32"}
}""", "dataplane.burst", "expected an integer, got a string"),
	("fraction-for-integer", """{
  "dataplane": {"burst": ▶32.5}
}""", "dataplane.burst", "expected an integer, got a number with a fraction"),
	("array-for-object", """{
  "system": ▶["hub"]
}""", "system", "expected an object, got an array"),
	("object-for-array", """{
  "ports": ▶{"name": "Gi1"}
}""", "ports", "expected an array, got an object"),
	("null-for-bool", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "shutdown": ▶null}]
}""", "ports[0].shutdown", "expected true or false, got null"),
	# ---- ranges and limits --------------------------------------------------------
	("burst-too-big", """{
  "dataplane": {
    "burst": ▶65
  }
}""", "dataplane.burst", "65 is out of range 1..64"),
	("burst-negative", """{"dataplane": {"burst": ▶-1}}""", "dataplane.burst",
	 "-1 is out of range 1..64"),
	("mtu-too-small", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "mtu": ▶500}]
}""", "ports[0].mtu", "500 is out of range 576..9000"),
	("mtu-below-ipv6-minimum", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv6": "2001:db8::1/64", "mtu": ▶1000}]
}""", "ports[0].mtu", "1000 is below 1280, the IPv6 minimum"),
	("too-many-workers", """{"dataplane": {"worker_lcores": ▶[1, 2, 3, 4, 5, 6, 7, 8, 9]}}""",
	 "dataplane.worker_lcores", "too many entries (at most 8)"),
	("no-workers", """{"dataplane": {"worker_lcores": ▶[]}}""", "dataplane.worker_lcores",
	 "must not be empty"),
	("lcores-not-distinct", """{
  "dataplane": {"worker_lcores": [1, ▶1]}
}""", "dataplane.worker_lcores[1]", "listed twice (also at [0])"),
	("worker-on-control-lcore", """{
  "dataplane": {"control_lcore": 1, "worker_lcores": [▶1]}
}""", "dataplane.worker_lcores[0]", "lcore 1 is the control lcore"),
	("name-too-long", """{"loopbacks": [{"name": ▶"Loopback0123456789012345678901234567890123456789"}]}""",
	 "loopbacks[0].name", "too long (at most 47 characters)"),
	("name-with-space", """{"loopbacks": [{"name": ▶"Loop back"}]}""", "loopbacks[0].name",
	 "is not a valid name"),
	("bad-log-level", """{"system": {"log_level": ▶"verbose"}}""", "system.log_level",
	 '"verbose" is not one of: err, warn, notice, info, debug'),
	("dpd-interval-missing", """{"ikev2": {"dpd": ▶{"retry_interval": 5}}}""", "ikev2.dpd",
	 'missing required key "interval"'),
	("window-out-of-range", """{"ikev2": {"window": ▶0}}""", "ikev2.window",
	 "0 is out of range 1..200"),
	("too-many-dns", """{"ikev2": {"authorization_policies": [
  {"name": "A", "dns": ["192.0.2.53", "192.0.2.54", ▶"192.0.2.55"]}]}}""",
	 "ikev2.authorization_policies[0].dns[2]", "at most two DNS servers per address family"),
	("bad-replay-window", """{"ipsec": {"replay_window": ▶100}}""", "ipsec.replay_window",
	 "100 is not one of: 0, 32, 64, 128"),
	# ---- addresses ------------------------------------------------------------------
	("bad-ipv4-address", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv4": ▶"192.0.2.300/24"}]
}""", "ports[0].ipv4", '"192.0.2.300/24" is not an IPv4 interface address'),
	("ipv6-in-ipv4-field", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv4": ▶"2001:db8::1/64"}]
}""", "ports[0].ipv4", "is not an IPv4 interface address"),
	("interface-address-without-length", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv4": ▶"192.0.2.1"}]
}""", "ports[0].ipv4", "address/length"),
	("network-address-on-interface", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv4": ▶"192.0.2.0/24"}]
}""", "ports[0].ipv4", "is a network address, not an interface address"),
	("route-host-bits-set", """{
  "routes": [{"prefix": ▶"192.0.2.1/24", "next_hop": "192.0.2.254"}]
}""", "routes[0].prefix", '"192.0.2.1/24" has host bits set (the network is 192.0.2.0/24)'),
	("gateway-off-subnet", """{
  "ports": [{"name": "Gi1", "device": "net_null0", "ipv4": "192.0.2.1/24",
             "gateway4": ▶"198.51.100.1"}]
}""", "ports[0].gateway4", "198.51.100.1 is not a neighbour on 192.0.2.1/24"),
	("next-hop-family", """{"routes": [{"prefix": "2001:db8:5::/48", "next_hop": ▶"192.0.2.1"}]}""",
	 "routes[0].next_hop", "different address families"),
	("route-without-target", """{"routes": [▶{"prefix": "192.0.2.0/24"}]}""", "routes[0]",
	 'a route needs "next_hop", "interface" or both'),
	("bad-netmask", """{"ikev2": {"authorization_policies": [{"name": "A", "netmask": ▶"255.0.255.0"}]}}""",
	 "ikev2.authorization_policies[0].netmask", "is not contiguous"),
	("pool-backwards", """{"pools": [{"name": "P", "start": "192.0.2.100", "end": ▶"192.0.2.10"}]}""",
	 "pools[0].end", "the range ends before it starts"),
	("identity-address-is-network", """{"ikev2": {"profiles": [{"name": "P",
  "match_identity_remote": [{"any": true}], "identity_local": {"address": ▶"192.0.2.0/24"}}]}}""",
	 "ikev2.profiles[0].identity_local.address", "an identity is one address, not a network"),
	("bad-email-identity", """{"ikev2": {"profiles": [{"name": "P",
  "match_identity_remote": [{"email": ▶"alice.example.com"}]}]}}""",
	 "ikev2.profiles[0].match_identity_remote[0].email", "is not a valid email address"),
	# ---- required keys, exclusive keys ------------------------------------------------
	("port-without-device", """{
  "ports": [▶{"name": "Gi1"}]
}""", "ports[0]", 'missing required key "device"'),
	("proposal-without-group", """{"ikev2": {"proposals": [
  ▶{"name": "p", "encryption": ["aes-gcm-256"], "prf": ["sha256"]}]}}""",
	 "ikev2.proposals[0]", 'missing required key "group"'),
	("identity-needs-a-choice", """{"ikev2": {"profiles": [{"name": "P",
  "match_identity_remote": [▶{}]}]}}""", "ikev2.profiles[0].match_identity_remote[0]",
	 'identity match needs one of "address", "fqdn"'),
	("identity-two-choices", """{"ikev2": {"profiles": [{"name": "P",
  "match_identity_remote": [{"fqdn": "a.example.com", ▶"email": "a@example.com"}]}]}}""",
	 "ikev2.profiles[0].match_identity_remote[0].email",
	 '"fqdn" and "email" are mutually exclusive'),
	("psk-and-asymmetric", """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  {"name": "p", "address": "192.0.2.9", "pre_shared_key": "k",
   "pre_shared_key_local": ▶"l"}]}]}}""", "ikev2.keyrings[0].peers[0].pre_shared_key_local",
	 '"pre_shared_key" and asymmetric keys are mutually exclusive'),
	("asymmetric-half", """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  {"name": "p", "address": "192.0.2.9", "pre_shared_key_local": ▶"l"}]}]}}""",
	 "ikev2.keyrings[0].peers[0].pre_shared_key_local",
	 'asymmetric keys come in pairs: "pre_shared_key_remote" is missing'),
	("keyring-peer-without-key", """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  ▶{"name": "p", "address": "192.0.2.9"}]}]}}""", "ikev2.keyrings[0].peers[0]",
	 'missing "pre_shared_key"'),
	("profile-pre-share-without-keyring", """{"ikev2": {"profiles": [▶""" + PROFILE + """}]}}""",
	 "ikev2.profiles[0]", 'missing "keyring": pre-share authentication needs a keyring'),
	("proposal-cbc-without-integrity", """{"ikev2": {"proposals": [
  ▶{"name": "p", "encryption": ["aes-cbc-256"], "group": [14]}]}}""",
	 "ikev2.proposals[0]", 'missing "integrity": AES-CBC needs an integrity algorithm'),
	("transform-set-gcm-with-integrity", """{"ipsec": {"transform_sets": [
  {"name": "t", "esp_encryption": "esp-gcm 256", "esp_integrity": ▶"esp-sha256-hmac"}]}}""",
	 "ipsec.transform_sets[0].esp_integrity", "esp-gcm authenticates itself"),
	("algorithm-listed-twice", """{"ikev2": {"proposals": [{"name": "p",
  "encryption": ["aes-gcm-256", ▶"aes-gcm-256"], "prf": ["sha256"], "group": [19]}]}}""",
	 "ikev2.proposals[0].encryption[1]", "listed twice (also at [0])"),
	("ipsec-tunnel-unprotected", """{""" + PORTS + """,
  "tunnels": [▶{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4"}]
}""", "tunnels[0]", 'missing "tunnel_protection": an IPsec tunnel needs "tunnel_protection" or "manual_sa"'),
	("client-connect-track-without-object", """{"ikev2": {"client_profiles": [
  ▶{"name": "C", "peers": [{"priority": 1, "address": "203.0.113.1"}], "tunnel": "Tunnel0",
   "connect": "track"}]}}""", "ikev2.client_profiles[0]", 'missing "connect_track"'),
	# ---- weak algorithms -------------------------------------------------------------------
	("weak-3des", """{"ikev2": {"proposals": [{"name": "p",
  "encryption": ["aes-cbc-256", ▶"3des"], "integrity": ["sha256"], "group": [14]}]}}""",
	 "ikev2.proposals[0].encryption[1]", "3des is a weak algorithm and not supported"),
	("weak-md5", """{"ikev2": {"proposals": [{"name": "p",
  "encryption": ["aes-cbc-256"], "integrity": [▶"md5"], "group": [14]}]}}""",
	 "ikev2.proposals[0].integrity[0]", "md5 is a weak algorithm and not supported"),
	("weak-dh-group-2", """{"ikev2": {"proposals": [{"name": "p",
  "encryption": ["aes-gcm-128"], "prf": ["sha256"], "group": [19, ▶2]}]}}""",
	 "ikev2.proposals[0].group[1]", "DH group 2 is a weak algorithm and not supported"),
	("weak-pfs-group-5", """{"ipsec": {"profiles": [{"name": "I", "pfs_group": ▶5}]}}""",
	 "ipsec.profiles[0].pfs_group", "DH group 5 is a weak algorithm"),
	("weak-esp-des", """{"ipsec": {"transform_sets": [
  {"name": "t", "esp_encryption": ▶"esp-des", "esp_integrity": "esp-sha-hmac"}]}}""",
	 "ipsec.transform_sets[0].esp_encryption", "esp-des is a weak algorithm"),
	("weak-esp-null", """{"ipsec": {"transform_sets": [
  {"name": "t", "esp_encryption": ▶"esp-null", "esp_integrity": "esp-sha-hmac"}]}}""",
	 "ipsec.transform_sets[0].esp_encryption", "esp-null is a weak algorithm"),
	("unknown-dh-group", """{"ikev2": {"proposals": [{"name": "p",
  "encryption": ["aes-gcm-128"], "prf": ["sha256"], "group": [▶17]}]}}""",
	 "ikev2.proposals[0].group[0]", "17 is not one of: 14, 15, 16, 19, 20, 21, 24, 31"),
	("bad-tunnel-mode", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "destination": "203.0.113.2", "mode": ▶"ipsec ipv5"}]
}""", "tunnels[0].mode", '"ipsec ipv5" is not one of: gre ipv4, gre ipv6, ipsec ipv4, ipsec ipv6'),
	# ---- duplicates --------------------------------------------------------------------------
	("duplicate-port-name", """{
  "ports": [{"name": "Gi1", "device": "net_null0"},
            {"name": ▶"Gi1", "device": "net_null1"}]
}""", "ports[1].name", 'duplicate port name "Gi1" (first defined at 2:22)'),
	("interface-name-reused", """{
  "ports": [{"name": "X1", "device": "net_null0"}],
  "loopbacks": [{"name": ▶"X1"}]
}""", "loopbacks[0].name", 'interface name "X1" is already used at 2:22'),
	("duplicate-keyring-peer", """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  {"name": "p", "address": "192.0.2.9", "pre_shared_key": "k"},
  {"name": ▶"p", "address": "192.0.2.10", "pre_shared_key": "k"}]}]}}""",
	 "ikev2.keyrings[0].peers[1].name", 'duplicate keyring peer name "p" (also at [0])'),
	("duplicate-proposal", """{"ikev2": {"proposals": [
  {"name": "p", "encryption": ["aes-gcm-128"], "prf": ["sha256"], "group": [19]},
  {"name": ▶"p", "encryption": ["aes-gcm-256"], "prf": ["sha256"], "group": [19]}]}}""",
	 "ikev2.proposals[1].name", 'duplicate proposal name "p"'),
	("null0-reserved", """{"loopbacks": [{"name": ▶"Null0"}]}""", "loopbacks[0].name",
	 "Null0 is reserved"),
	# ---- dangling references, one of each kind ---------------------------------------------------
	("profile-keyring", """{"ikev2": {"profiles": [""" + PROFILE + """,
       "keyring": ▶"BRANCHES"}]}}""", "ikev2.profiles[0].keyring",
	 'keyring "BRANCHES" is not defined'),
	("profile-virtual-template", """{"ikev2": {
  "keyrings": [{"name": "K", "peers": [{"name": "p", "address": "0.0.0.0/0", "pre_shared_key": "k"}]}],
  "profiles": [""" + PROFILE + """, "keyring": "K",
       "virtual_template": ▶"Virtual-Template9"}]}}""", "ikev2.profiles[0].virtual_template",
	 'virtual template "Virtual-Template9" is not defined'),
	("profile-authorization-policy", """{"ikev2": {
  "keyrings": [{"name": "K", "peers": [{"name": "p", "address": "0.0.0.0/0", "pre_shared_key": "k"}]}],
  "profiles": [""" + PROFILE + """, "keyring": "K",
       "aaa_authorization_group": {"policy": ▶"RA"}}]}}""",
	 "ikev2.profiles[0].aaa_authorization_group.policy", 'authorization policy "RA" is not defined'),
	("policy-proposal", """{"ikev2": {"policies": [{"name": "P", "proposals": [▶"NOPE"]}]}}""",
	 "ikev2.policies[0].proposals[0]", 'proposal "NOPE" is not defined'),
	("ipsec-profile-transform-set", """{"ipsec": {"profiles": [
  {"name": "I", "transform_sets": ["default", ▶"TS9"]}]}}""",
	 "ipsec.profiles[0].transform_sets[1]", 'transform set "TS9" is not defined'),
	("ipsec-profile-ikev2-profile", """{"ipsec": {"profiles": [
  {"name": "I", "ikev2_profile": ▶"NOPE"}]}}""", "ipsec.profiles[0].ikev2_profile",
	 'IKEv2 profile "NOPE" is not defined'),
	("tunnel-protection", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "tunnel_protection": ▶"VPN"}]
}""", "tunnels[0].tunnel_protection", 'IPsec profile "VPN" is not defined'),
	("tunnel-source-interface", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "source": ▶"Gi9", "destination": "203.0.113.2"}]
}""", "tunnels[0].source", 'interface "Gi9" is not defined'),
	("tunnel-unnumbered", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": ▶"Loopback7", "destination": "203.0.113.2"}]
}""", "tunnels[0].ip_unnumbered", 'interface "Loopback7" is not defined'),
	("route-interface", """{""" + PORTS + """,
  "routes": [{"prefix": "10.0.0.0/8", "interface": ▶"Tunnel5"}]
}""", "routes[0].interface", 'interface "Tunnel5" is not defined'),
	("authorization-pool", """{"ikev2": {"authorization_policies": [
  {"name": "A", "pool": ▶"CLIENTS"}]}}""", "ikev2.authorization_policies[0].pool",
	 'pool "CLIENTS" is not defined'),
	("client-profile-tunnel", """{"ikev2": {"client_profiles": [
  {"name": "C", "peers": [{"priority": 1, "address": "203.0.113.1"}], "tunnel": ▶"Tunnel3"}]}}""",
	 "ikev2.client_profiles[0].tunnel", 'tunnel "Tunnel3" is not defined'),
	("template-protection", """{""" + PORTS + """,
  "virtual_templates": [{"name": "Virtual-Template1", "ip_unnumbered": "Loopback0",
                         "tunnel_protection": ▶"NOPE"}]
}""", "virtual_templates[0].tunnel_protection", 'IPsec profile "NOPE" is not defined'),
	("manual-sa-transform-set", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": ▶"TS", "inbound": {"spi": 256, "encryption_key": "00"},
                             "outbound": {"spi": 257, "encryption_key": "00"}}}]
}""", "tunnels[0].manual_sa.transform_set", 'transform set "TS" is not defined'),
	# ---- rules across objects ----------------------------------------------------------------------
	("unnumbered-without-ipv4", """{
  "loopbacks": [{"name": "Loopback1", "ipv6": "2001:db8::1/128"}],
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": ▶"Loopback1", "destination": "203.0.113.2"}]
}""", "tunnels[0].ip_unnumbered", "Loopback1 has no IPv4 address to lend"),
	("tunnel-source-not-local", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "source": ▶"203.0.113.9", "destination": "203.0.113.2"}]
}""", "tunnels[0].source", "203.0.113.9 is not an address of this box"),
	("tunnel-destination-family", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "destination": ▶"2001:db8::2", "mode": "gre ipv4"}]
}""", "tunnels[0].destination", "the tunnel mode carries it over IPv4"),
	("manual-sa-key-length", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-aes 256",
                                "esp_integrity": "esp-sha256-hmac"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": ▶"00112233445566778899aabbccddeeff",
                             "integrity_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                              "integrity_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}}]
}""", "tunnels[0].manual_sa.inbound.encryption_key", '16 bytes, but transform set "TS" needs 32'),
	("manual-sa-aes-192", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-aes 192",
                                "esp_integrity": "esp-sha256-hmac"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": ▶"TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff0011223344556677",
                             "integrity_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff0011223344556677",
                              "integrity_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}}]
}""", "tunnels[0].manual_sa.transform_set", 'transform set "TS" is esp-aes 192, which the data path does not have: use esp-aes 128 or 256'),
	("manual-sa-rekey-key-length", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "rekey": {"inbound": {"spi": 258, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                           "outbound": {"spi": 259, "encryption_key": ▶"00112233445566778899aabbccddeeff"}}}}]
}""", "tunnels[0].manual_sa.rekey.outbound.encryption_key", '16 bytes, but transform set "TS" needs 20'),
	("manual-sa-rekey-same-spi", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               ▶"manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "rekey": {"inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff05060708"},
                           "outbound": {"spi": 259, "encryption_key": "00112233445566778899aabbccddeeff05060708"}}}}]
}""", "tunnels[0].manual_sa", "the rekey SPIs must differ from the first ones"),
	("manual-sa-inbound-spi-shared", TWO_MANUAL_TUNNELS % ("256", "▶256"), "tunnels[1].manual_sa.inbound.spi", 'inbound SPI 256 is tunnel "Tunnel0"\'s already'),
	("manual-sa-rekey-spi-shared", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}},
              {"name": "Tunnel1", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.3", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 258, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 259, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "rekey": {"inbound": {"spi": ▶256, "encryption_key": "00112233445566778899aabbccddeeff05060708"},
                           "outbound": {"spi": 261, "encryption_key": "00112233445566778899aabbccddeeff05060708"}}}}]
}""", "tunnels[1].manual_sa.rekey.inbound.spi", 'inbound SPI 256 is tunnel "Tunnel0"\'s already'),
	# inbound SAs sit in slot SPI modulo the table's size (65536 here)
	("manual-sa-inbound-spi-same-slot", TWO_MANUAL_TUNNELS % ("4097", "▶69633"), "tunnels[1].manual_sa.inbound.spi",
	 'inbound SPI 69633 of tunnel "Tunnel1" and inbound SPI 4097 of tunnel "Tunnel0" share '
	 'inbound SA slot 4097 (SPI modulo 65536): make them differ in their low 16 bits'),
	("manual-sa-rekey-spi-same-slot", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "rekey": {"inbound": {"spi": ▶4294902016, "encryption_key": "00112233445566778899aabbccddeeff05060708"},
                           "outbound": {"spi": 259, "encryption_key": "00112233445566778899aabbccddeeff05060708"}}}}]
}""", "tunnels[0].manual_sa.rekey.inbound.spi",
	 'rekey inbound SPI 4294902016 of tunnel "Tunnel0" and inbound SPI 256 of tunnel "Tunnel0" share'),
	("manual-sa-soft-packets-not-below-hard", MANUAL_SA_LIFE % '"lifetime_packets": 100, "soft_lifetime_packets": ▶100', "tunnels[0].manual_sa.soft_lifetime_packets", '100 is not below lifetime_packets 100: the soft lifetime warns before the hard one stops the SA'),
	("manual-sa-soft-kilobytes-above-hard", MANUAL_SA_LIFE % '"soft_lifetime_kilobytes": ▶5000, "lifetime_kilobytes": 4000', "tunnels[0].manual_sa.soft_lifetime_kilobytes", '5000 is not below lifetime_kilobytes 4000'),
	("manual-sa-lifetime-packets-zero", MANUAL_SA_LIFE % '"lifetime_packets": ▶0', "tunnels[0].manual_sa.lifetime_packets", '0 is out of range 1..9223372036854775807'),
	("manual-sa-soft-kilobytes-zero", MANUAL_SA_LIFE % '"soft_lifetime_kilobytes": ▶0', "tunnels[0].manual_sa.soft_lifetime_kilobytes", '0 is out of range 1..4294967295'),
	("manual-sa-lifetime-kilobytes-too-big", MANUAL_SA_LIFE % '"lifetime_kilobytes": ▶4294967296', "tunnels[0].manual_sa.lifetime_kilobytes", '4294967296 is out of range 1..4294967295'),
	("manual-sa-lifetime-packets-negative", MANUAL_SA_LIFE % '"lifetime_packets": ▶-1', "tunnels[0].manual_sa.lifetime_packets", '-1 is out of range'),
	# an empty key and one with separators read "expected an even number of hex digits"
	# (check19)
	("manual-sa-key-empty", MANUAL_SA_KEY % '▶""', "tunnels[0].manual_sa.inbound.encryption_key", "an empty key"),
	("manual-sa-key-colons", MANUAL_SA_KEY % '▶"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:01:02:03:04"', "tunnels[0].manual_sa.inbound.encryption_key", "expected hex digits only (no 0x, no separators)"),
	("manual-sa-key-0x", MANUAL_SA_KEY % '▶"0x00112233445566778899aabbccddeeff01020304"', "tunnels[0].manual_sa.inbound.encryption_key", "expected hex digits only"),
	("manual-sa-key-odd", MANUAL_SA_KEY % '▶"00112233445566778899aabbccddeeff010203040"', "tunnels[0].manual_sa.inbound.encryption_key", "41 hex digits, an odd number: two a byte"),
	("manual-sa-integrity-key-missing", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-aes 128",
                                "esp_integrity": "esp-sha256-hmac"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": ▶{"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff",
                              "integrity_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}}}]
}""", "tunnels[0].manual_sa.inbound", 'missing "integrity_key": transform set "TS" needs 32 bytes'),
	# flexgw left these tunnels out at start with a warning, --check-config passed them (check19)
	("manual-sa-destination-dynamic", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": ▶"dynamic", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}""", "tunnels[0].destination", "a manual SA needs the peer's address, not dynamic"),
	("manual-sa-destination-name", """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": ▶"peer.example.net", "mode": "gre ipv4",
               "manual_sa": {"transform_set": "TS",
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}""", "tunnels[0].destination", 'a manual SA needs the peer\'s address, not "peer.example.net"'),
	("manual-sa-esn-without-window", """{""" + PORTS + """,
  "ipsec": {"replay_window": 0, "transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS", "esn": ▶true,
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"}}}]
}""", "tunnels[0].manual_sa.esn", "extended sequence numbers need a replay window (ipsec.replay_window is 0)"),
	("ipv6-pool-is-ipv4", """{
  "pools": [{"name": "V4", "start": "198.51.100.10", "end": "198.51.100.20"}],
  "ikev2": {"authorization_policies": [{"name": "A", "ipv6_pool": ▶"V4"}]}
}""", "ikev2.authorization_policies[0].ipv6_pool", 'pool "V4" is not an IPv6 pool'),
	("policy-address-not-local", """{""" + PORTS + """,
  "ikev2": {"policies": [{"name": "P", "proposals": ["default"],
                          "match_address_local": ["203.0.113.1", ▶"203.0.113.7"]}]}
}""", "ikev2.policies[0].match_address_local[1]", "203.0.113.7 is not an address of this box"),
	("policy-fvrf-not-global", """{
  "ikev2": {"policies": [{"name": "P", "proposals": ["default"], "match_fvrf": ▶"INET"}]}
}""", "ikev2.policies[0].match_fvrf", 'flexgw has no VRFs: only "global"'),
	("client-tunnel-not-dynamic", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "ip_address_negotiated": true, "source": "Gi1",
               "destination": "203.0.113.2"}],
  "ikev2": {"client_profiles": [{"name": "C", "peers": [{"priority": 1, "address": "203.0.113.1"}],
                                 "tunnel": ▶"Tunnel0"}]}
}""", "ikev2.client_profiles[0].tunnel", 'needs destination "dynamic"'),
	("v6-negotiated-and-address", """{""" + PORTS + """,
  "tunnels": [{"name": "Tunnel0", "ipv6": "2001:db8::1/64", "ipv6_address_negotiated": ▶true,
               "source": "Gi1", "destination": "203.0.113.2"}]
}""", "tunnels[0].ipv6_address_negotiated", 'a negotiated address excludes "ipv6"'),
	# ---- smart defaults switched off: "default" is gone ------------------------------------------------
	("no-smart-defaults-transform-set", """{"ipsec": {"smart_defaults": false,
  "transform_sets": [{"name": "T", "esp_encryption": "esp-gcm 128"}],
  "profiles": [{"name": "I", "transform_sets": ["T", ▶"default"]}]}}""",
	 "ipsec.profiles[0].transform_sets[1]", 'transform set "default" is not defined'),
	("no-smart-defaults-implicit", """{"ipsec": {"smart_defaults": false,
  "profiles": [▶{"name": "I"}]}}""", "ipsec.profiles[0]", 'transform set "default" is not defined'),
	("no-smart-defaults-proposal", """{"ikev2": {"smart_defaults": false,
  "policies": [{"name": "P", "proposals": [▶"default"]}]}}""", "ikev2.policies[0].proposals[0]",
	 'proposal "default" is not defined'),
	("control-characters-stay-on-one-line", "{\"system\": {▶\"host\\nname\": \"x\"}}",
	 "system.host?name", "unknown key in system"),
]


@pytest.mark.parametrize("text,path,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rejects(flexgw, tmp_path, text, path, message):
	expect_error(flexgw, tmp_path, text, path, message)


def test_cases_are_distinct():
	assert len(CASES) >= 25
	assert len({c[0] for c in CASES}) == len(CASES)
	assert len({c[1] for c in CASES}) == len(CASES)


def test_missing_file(flexgw, tmp_path):
	rc, out = check_config(flexgw, tmp_path / "nope.json")
	assert rc == 1
	assert f"{tmp_path / 'nope.json'}: No such file or directory" in out


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_accepts_examples(flexgw, example):
	rc, out = check_config(flexgw, example)
	assert rc == 0, out
	assert f"{example}: configuration OK" in out


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_accepts_fuzz_seeds(flexgw, seed):
	rc, out = check_config(flexgw, seed)
	assert rc == 0, out


def test_all_examples_present():
	names = {e.name for e in EXAMPLES}
	assert {"hub.json", "spoke.json", "site-to-site-hq.json", "remote-access.json"} <= names


def accepts(flexgw, tmp_path, text):
	cfg = tmp_path / "ok.json"
	cfg.write_text(text)
	rc, out = check_config(flexgw, cfg)
	assert rc == 0, out


def test_manual_sa_rekey_and_natt(flexgw, tmp_path):
	"""A second key set for flexctl's rekey, ESP in UDP 4500 and ESN."""
	accepts(flexgw, tmp_path, """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "TS", "esp_encryption": "esp-gcm 128"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4",
               "manual_sa": {"transform_set": "TS", "natt": true, "esn": true,
                 "inbound": {"spi": 256, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "outbound": {"spi": 257, "encryption_key": "00112233445566778899aabbccddeeff01020304"},
                 "rekey": {"inbound": {"spi": 258, "encryption_key": "00112233445566778899aabbccddeeff05060708"},
                           "outbound": {"spi": 259, "encryption_key": "00112233445566778899aabbccddeeff05060708"}}}}]
}""")


def test_policy_match_fvrf_global(flexgw, tmp_path):
	"""match fvrf: the one routing table there is, by IOS's name or any."""
	for v in ("global", "any"):
		accepts(flexgw, tmp_path, """{
  "ikev2": {"policies": [{"name": "P", "proposals": ["default"], "match_fvrf": "%s"}]}
}""" % v)


def test_minimal_config(flexgw, tmp_path):
	"""Everything has a default: an empty object is a valid box."""
	accepts(flexgw, tmp_path, "{}")


def test_smart_defaults_exist(flexgw, tmp_path):
	"""Proposal, policy, transform set and IPsec profile "default" exist without
	being configured (IOS smart defaults), so configuration may name them."""
	accepts(flexgw, tmp_path, """{""" + PORTS + """,
  "ikev2": {"policies": [{"name": "WAN", "proposals": ["default"],
                          "match_address_local": ["203.0.113.1"]}]},
  "ipsec": {"profiles": [{"name": "VPN", "transform_sets": ["default"]}, {"name": "IMPLICIT"}]},
  "tunnels": [{"name": "Tunnel0", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "ipsec ipv4", "tunnel_protection": "default"},
              {"name": "Tunnel1", "ip_unnumbered": "Loopback0", "source": "Gi1",
               "destination": "203.0.113.3", "mode": "ipsec ipv4", "tunnel_protection": "IMPLICIT"}]
}""")


def test_smart_defaults_can_be_replaced(flexgw, tmp_path):
	"""Defining an object named "default" replaces the smart default, as
	`crypto ikev2 proposal default` does in IOS: no duplicate-name error."""
	accepts(flexgw, tmp_path, """{
  "ikev2": {"proposals": [{"name": "default", "encryption": ["aes-cbc-128"],
                           "integrity": ["sha256"], "group": [14]}]},
  "ipsec": {"transform_sets": [{"name": "default", "esp_encryption": "esp-aes 128",
                                "esp_integrity": "esp-sha256-hmac"}]}
}""")


def test_ios_spellings(flexgw, tmp_path):
	"""IOS shorthands translate 1:1: "esp-aes" is AES-128, "gre ip" is GRE over IPv4."""
	accepts(flexgw, tmp_path, """{""" + PORTS + """,
  "ipsec": {"transform_sets": [{"name": "T", "esp_encryption": "esp-aes",
                                "esp_integrity": "esp-sha-hmac", "mode": "transport"}]},
  "tunnels": [{"name": "Tunnel0", "ipv4": "198.51.100.9/30", "source": "Gi1",
               "destination": "203.0.113.2", "mode": "gre ip", "gre_key": 0}]
}""")


def test_secrets_never_in_errors(flexgw, tmp_path):
	"""A rejected keyring names the problem, never the key."""
	expect_error(flexgw, tmp_path, """{"ikev2": {"keyrings": [{"name": "K", "peers": [
  {"name": "p", "address": "192.0.2.9", "pre_shared_key": "s3cr3t-psk",
   "pre_shared_key_remote": ▶"0th3r-s3cr3t"}]}]}}""",
		     "ikev2.keyrings[0].peers[0].pre_shared_key_remote", "mutually exclusive")
	rc, out = check_config(flexgw, tmp_path / "broken.json")
	assert "s3cr3t" not in out


def test_secrets_never_in_syntax_errors(flexgw, tmp_path):
	"""jansson quotes the token it stopped at; inside a key that is the secret."""
	p = tmp_path / "broken.json"
	p.write_text('{"ikev2": {"keyrings": [{"name": "K", "peers": [\n'
		     '  {"name": "p", "address": "192.0.2.9", "pre_shared_key": "s3cr3t-psk\n'
		     '"}]}]}}\n')
	rc, out = check_config(flexgw, p)
	assert rc == 1
	assert "invalid JSON" in out and ":2:" in out
	assert "s3cr3t" not in out


def tunnels_text(n):
	tunnels = ",\n".join(
		f'{{"name": "Tunnel{i}", "ip_unnumbered": "Loopback0", "source": "Gi1", '
		f'"destination": "192.0.2.{2 + i % 250}", "mode": "ipsec ipv4", '
		f'"tunnel_protection": "default"}}' for i in range(n))
	return "{" + PORTS + ',\n  "tunnels": [\n' + tunnels + "]}"


def test_tunnels_beyond_1024(flexgw, tmp_path):
	"""Tunnels are bounded by the data path's tables (32768), not by 1024."""
	accepts(flexgw, tmp_path, tunnels_text(32768))
	cfg = tmp_path / "many.json"
	cfg.write_text(tunnels_text(32769))
	rc, out = check_config(flexgw, cfg)
	assert rc == 1
	assert "tunnels: too many entries (at most 32768)" in out, out


def test_manual_spis_in_one_slot_refused_at_start(flexgw, tmp_path):
	"""flexgw -c refuses what --check-config refuses, before EAL starts."""
	body, _ = place(next(c[1] for c in CASES if c[0] == "manual-sa-inbound-spi-same-slot"))
	cfg = tmp_path / "slots.json"
	cfg.write_text(body)
	p = subprocess.run([str(flexgw), "-c", str(cfg)], capture_output=True, text=True,
			   timeout=60)
	assert p.returncode == 1, p.stdout + p.stderr
	assert 'of tunnel "Tunnel1" and inbound SPI 4097 of tunnel "Tunnel0" share' in p.stderr


def test_manual_spis_slots_grow_with_tunnels(flexgw, tmp_path):
	"""With more than 16384 tunnels the table doubles: SPIs 65536 apart no
	longer share a slot."""
	tunnels = ",\n".join(
		f'{{"name": "Tunnel{i}", "ip_unnumbered": "Loopback0", "source": "Gi1", '
		f'"destination": "192.0.2.{2 + i % 250}", "mode": "ipsec ipv4", '
		f'"tunnel_protection": "default"}}' for i in range(16385))
	manual = ('{"name": "Tunnel%d", "ip_unnumbered": "Loopback0", "source": "Gi1", '
		  '"destination": "203.0.113.9", "mode": "ipsec ipv4", "manual_sa": '
		  '{"transform_set": "default", "inbound": {"spi": %d, "encryption_key": "%s"}, '
		  '"outbound": {"spi": 257, "encryption_key": "%s"}}}')
	key = "00" * 36
	text = ("{" + PORTS + ',\n  "tunnels": [\n' + tunnels + ",\n" +
		manual % (20000, 4097, key, key) + ",\n" + manual % (20001, 69633, key, key) + "]}")
	accepts(flexgw, tmp_path, text)


def test_manual_sa_lifetimes_accepted(flexgw, tmp_path):
	"""Soft alone, hard alone, both below one another, the largest values."""
	body, _ = place(next(c[1] for c in CASES if c[0] == "manual-sa-lifetime-packets-zero"))
	for life in ('"soft_lifetime_packets": 5', '"lifetime_kilobytes": 1',
		     '"lifetime_packets": 9223372036854775807, "soft_lifetime_packets": 1, '
		     '"lifetime_kilobytes": 4294967295, "soft_lifetime_kilobytes": 4294967294'):
		accepts(flexgw, tmp_path, body.replace('"lifetime_packets": 0', life))
