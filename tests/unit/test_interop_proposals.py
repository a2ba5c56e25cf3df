"""strongSwan proposal strings -> flexgw configuration (tests/integration/
proposals.py, used by scripts/interop.sh): exact translations of the issue's
proposals, every combination of the supported algorithms accepted by
`flexgw --check-config` inside a whole interop configuration, the errors, and
the reading back of what swanctl and flexctl report.

Run: /usr/bin/python3 -m pytest tests/unit/test_interop_proposals.py
"""
import itertools
import json
import subprocess

import pytest

import interop
import proposals
import topo

ENCR = ["aes128", "aes256", "aes128gcm16", "aes256gcm16"]
HASHES = ["sha1", "sha256", "sha384", "sha512"]
GROUPS = {"modp2048": 14, "modp3072": 15, "modp4096": 16, "ecp256": 19, "ecp384": 20,
	  "ecp521": 21, "curve25519": 31}


def ike_strings():
	"""Every IKE proposal of one algorithm each: CBC with an integrity
	algorithm (PRF following it, or given apart), GCM with a PRF."""
	for e, h, g in itertools.product(ENCR, HASHES, GROUPS):
		if "gcm" in e:
			yield f"{e}-prf{h}-{g}"
		else:
			yield f"{e}-{h}-{g}"
	for h, p in itertools.product(HASHES, HASHES):
		if h != p:
			yield f"aes256-{h}-prf{p}-modp2048"


def esp_strings():
	for e in ENCR:
		if "gcm" in e:
			yield e
		else:
			for h in HASHES:
				yield f"{e}-{h}"


def test_issue_proposals_translate_exactly():
	assert proposals.ikev2_proposal("IKE", "aes256-sha512-modp2048") == {
		"name": "IKE", "encryption": ["aes-cbc-256"], "integrity": ["sha512"], "group": [14]}
	assert proposals.ikev2_proposal("IKE", "aes256gcm16-prfsha384-ecp384") == {
		"name": "IKE", "encryption": ["aes-gcm-256"], "prf": ["sha384"], "group": [20]}
	assert proposals.ikev2_proposal("IKE", "aes128-sha256-curve25519") == {
		"name": "IKE", "encryption": ["aes-cbc-128"], "integrity": ["sha256"], "group": [31]}
	assert proposals.transform_sets("T", "aes256gcm16") == (
		[{"name": "T1", "esp_encryption": "esp-gcm 256", "mode": "tunnel"}], None)
	assert proposals.transform_sets("T", "aes256-sha512") == (
		[{"name": "T1", "esp_encryption": "esp-aes 256", "esp_integrity": "esp-sha512-hmac",
		  "mode": "tunnel"}], None)
	assert proposals.transform_sets("T", "aes128gcm16-ecp256")[1] == 19


def test_lists_keep_their_order():
	p = proposals.ikev2_proposal("P", "aes256-aes128-sha512-sha256-ecp384-modp2048")
	assert p == {"name": "P", "encryption": ["aes-cbc-256", "aes-cbc-128"],
		     "integrity": ["sha512", "sha256"], "group": [20, 14]}
	p = proposals.ikev2_proposal("P", "aes256-sha256-prfsha512-modp3072")
	assert p["integrity"] == ["sha256"] and p["prf"] == ["sha512"] and p["group"] == [15]
	sets, pfs = proposals.transform_sets("E", "aes256gcm16-aes256-sha384-sha1-modp4096")
	assert [(s["esp_encryption"], s.get("esp_integrity")) for s in sets] == [
		("esp-gcm 256", None), ("esp-aes 256", "esp-sha384-hmac"),
		("esp-aes 256", "esp-sha-hmac")]
	assert pfs == 16


@pytest.mark.parametrize("text, words", [
	("aes256-sha512", "DH group"),
	("aes256-modp2048", "integrity"),
	("aes256gcm16-sha256-modp2048", "no integrity"),
	("aes256gcm16-ecp384", "prf"),
	("aes256gcm12-prfsha384-ecp384", "aes256gcm12"),
	("3des-sha1-modp1024", "3des"),
	("aes256-md5-modp2048", "md5"),
	("aes256-sha256-modp1024", "modp1024"),
	("aes256-sha256-modp2048-modp2048", "twice"),
	("", "empty"),
])
def test_bad_ike_strings(text, words):
	with pytest.raises(proposals.ProposalError, match=words):
		proposals.parse_ike(text)


@pytest.mark.parametrize("text, words", [
	("aes256", "integrity"),
	("aes256gcm16-sha256", "no integrity"),
	("aes256gcm16-prfsha256", "prfsha256"),
	("sha256", "no encryption"),
])
def test_bad_esp_strings(text, words):
	with pytest.raises(proposals.ProposalError, match=words):
		proposals.parse_esp(text)


def whole_config(ike, esp, asym):
	"""A complete flexgw configuration as interop.py writes it for the
	gateway side (responder, so it starts nothing)."""
	me = interop.Peer("gw", interop.LANA, interop.GW_WAN, interop.IDS["email"][0], "k1",
			  "k2" if asym else "k1")
	other = interop.Peer("peer", interop.LANB, interop.PEER_WAN, interop.IDS["fqdn"][1],
			     "k2" if asym else "k1", "k1")
	cfg = interop.flexgw_ike_config(me, other, interop.PEER_WAN, ike, esp, responder_only=True)
	routes = cfg.pop("routes")
	return {"system": {"hostname": "interop"},
		"dataplane": {"control_lcore": 0, "worker_lcores": [1]},
		"ports": [{"name": "GigabitEthernet1", "device": "net_null0", "ipv4": "10.1.0.1/24"},
			  {"name": "GigabitEthernet2", "device": "net_null1", "ipv4": "192.0.2.1/24"}],
		"routes": routes, **cfg}


def test_every_combination_passes_check_config(tmp_path):
	flexgw = topo.binaries(topo.build_dir())[0]
	if not flexgw.exists():
		pytest.fail(f"{flexgw} is not built")
	esps = list(esp_strings())
	groups = list(GROUPS)
	checked = 0
	for i, ike in enumerate(ike_strings()):
		# every ESP transform and every PFS group (or none) comes round
		esp = esps[i % len(esps)]
		if i % 3:
			esp += "-" + groups[i % len(groups)]
		cfg = whole_config(ike, esp, asym=bool(i % 2))
		path = tmp_path / f"c{i}.json"
		path.write_text(json.dumps(cfg))
		p = subprocess.run([str(flexgw), "--check-config", str(path)], capture_output=True,
				   text=True, timeout=30)
		assert p.returncode == 0, f"{ike} / {esp}: {p.stdout}{p.stderr}"
		checked += 1
	assert checked == len(ENCR) * len(HASHES) * len(GROUPS) + 12


def test_swanctl_and_flexctl_read_back():
	ike = {"encr-alg": "AES_GCM_16", "encr-keysize": "256", "prf-alg": "PRF_HMAC_SHA2_384",
	       "dh-group": "ECP_384"}
	assert proposals.to_string(proposals.from_swanctl(ike)) == "aes256gcm16-prfsha384-ecp384"
	ike = {"encr-alg": "AES_CBC", "encr-keysize": "128", "integ-alg": "HMAC_SHA2_256_128",
	       "prf-alg": "PRF_HMAC_SHA2_256", "dh-group": "CURVE_25519"}
	alg = proposals.from_swanctl(ike)
	assert proposals.to_string(alg) == "aes128-sha256-curve25519"
	assert proposals.allowed(alg, proposals.parse_ike("aes128-sha256-curve25519"), esp=False)
	assert not proposals.allowed(alg, proposals.parse_ike("aes128-sha256-ecp256"), esp=False)
	child = {"encr-alg": "AES_CBC", "encr-keysize": "256", "integ-alg": "HMAC_SHA2_512_256"}
	c = proposals.from_swanctl(child)
	f = proposals.from_flexgw_transform("aes-cbc-256 hmac-sha512-256")
	assert (c["encr"], c["integ"]) == (f["encr"], f["integ"]) == ("aes-cbc-256", "sha512")
	assert proposals.to_string(proposals.from_flexgw_transform("aes-gcm-256")) == "aes256gcm16"
	assert proposals.allowed(f, proposals.parse_esp("aes256-sha512-modp2048"), esp=True)
	assert not proposals.allowed(f, proposals.parse_esp("aes256-sha256"), esp=True)
