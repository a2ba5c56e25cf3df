"""`show crypto ikev2 proposal|policy|profile` on the HQ example's IKEv2 and
IPsec configuration (config/examples/site-to-site-hq.json): the configured
objects and the smart defaults, in IOS's shape and as JSON, filtered by
name, abbreviated as IOS allows; no pre-shared key in any of it. No traffic
needed: net_null ports."""
import json
from pathlib import Path

import pytest

import topo

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "examples" / "site-to-site-hq.json"


@pytest.fixture(scope="module")
def hq(root, build, tmp_path_factory):
	example = json.loads(EXAMPLE.read_text())
	extra = {k: example[k] for k in ("loopbacks", "routes", "ikev2", "ipsec", "tunnels")}
	# Nobody answers on net_null: keep the engine from initiating, so no
	# IKE SA adds to the profile's reference count.
	extra["ipsec"]["profiles"][0]["responder_only"] = True
	ports = [dict(name=p["name"], iface=f"x{i}", ipv4=p["ipv4"])
		 for i, p in enumerate(example["ports"])]
	ns = topo.Namespace("ikecfg")
	g = None
	try:
		g = topo.FlexGW(ns, tmp_path_factory.mktemp("ikecfg"), ports, build=build,
				devices=["net_null0", "net_null1"], extra_config=extra)
		g.start()
		g.example = example
		yield g
	finally:
		if g is not None:
			g.stop()
		ns.delete()


def text(gw, *words):
	return gw.flexctl_raw(*words).stdout


def secrets(example):
	for ring in example["ikev2"]["keyrings"]:
		for peer in ring["peers"]:
			for k in ("pre_shared_key", "pre_shared_key_local", "pre_shared_key_remote"):
				if k in peer:
					yield peer[k]


def test_proposals_configured_and_default(hq):
	props = {p["name"]: p for p in hq.flexctl("show crypto ikev2 proposal")["proposals"]}
	assert set(props) == {"AES256-SHA512-G14", "default"}
	mine = props["AES256-SHA512-G14"]
	assert mine["encryption"] == ["aes-cbc-256"]
	assert mine["integrity"] == ["sha512"]
	assert mine["prf"] == ["sha512"], "prf defaults to the integrity list"
	assert mine["group"] == [14]
	assert props["default"]["encryption"] == ["aes-gcm-256", "aes-cbc-256"]
	assert props["default"]["group"] == [19, 20, 21, 14]

	out = text(hq, "show", "crypto", "ikev2", "proposal", "AES256-SHA512-G14")
	lines = [l.strip() for l in out.splitlines() if l.strip()]
	assert lines == ["IKEv2 proposal: AES256-SHA512-G14",
			 "Encryption : AES-CBC-256",
			 "Integrity  : SHA512",
			 "PRF        : SHA512",
			 "DH Group   : DH_GROUP_2048_MODP/Group 14"], out


def test_default_proposal_prints_as_two_like_ios(hq):
	"""AES-GCM and AES-CBC never share an IKEv2 proposal: two blocks, the
	AEAD one (preferred, first) without Integrity."""
	out = text(hq, "sh", "cry", "ikev2", "propo", "default")
	blocks = [b for b in out.split("IKEv2 proposal: default") if b.strip()]
	assert len(blocks) == 2, out
	gcm, cbc = blocks
	assert "Encryption : AES-GCM-256\n" in gcm and "Integrity" not in gcm, gcm
	assert "PRF        : SHA512 SHA384" in gcm
	assert ("DH Group   : DH_GROUP_256_ECP/Group 19 DH_GROUP_384_ECP/Group 20 "
		"DH_GROUP_521_ECP/Group 21 DH_GROUP_2048_MODP/Group 14") in gcm
	assert "Encryption : AES-CBC-256\n" in cbc and "Integrity  : SHA512 SHA384" in cbc, cbc


def test_policies(hq):
	pols = {p["name"]: p for p in hq.flexctl("show crypto ikev2 policy")["policies"]}
	assert pols["WAN"] == {"name": "WAN", "match_fvrf": "global",
			       "match_address_local": ["203.0.113.1"],
			       "proposals": ["AES256-SHA512-G14"]}
	assert pols["default"]["match_address_local"] == []
	assert pols["default"]["proposals"] == ["default"]

	out = text(hq, "show", "crypto", "ikev2", "policy")
	wan = out[out.index("IKEv2 policy : WAN"):]
	assert "Match address local : 203.0.113.1" in wan.splitlines()[2]
	assert "Proposal            : AES256-SHA512-G14" in wan.splitlines()[3]
	dflt = out[out.index("IKEv2 policy : default"):]
	assert "Match address local : any" in dflt
	assert "Proposal            : default" in dflt


def test_profile(hq):
	(p,) = hq.flexctl("show crypto ikev2 profile")["profiles"]
	assert p["name"] == "BRANCH1"
	assert p["ref_count"] == 1, "the IPsec profile BRANCH1 names it, no IKE SA uses it"
	assert p["match"]["identities"] == ["fqdn branch1.example.com"]
	assert p["local_identity"] == "email vpn@hq.example.com"
	assert p["keyring"] == "BRANCHES"
	assert p["dpd"] == {"interval": 10, "retry_interval": 2, "mode": "on-demand"}
	assert p["lifetime"] == 86400

	out = text(hq, "show", "crypto", "ikev2", "profile", "BRANCH1")
	for line in ("IKEv2 profile: BRANCH1",
		     " Ref Count: 1",
		     "  Fvrf: global",
		     "  Local address/interface: none",
		     "   fqdn branch1.example.com",
		     " Local identity: email vpn@hq.example.com",
		     " Local authentication method: pre-share",
		     " Remote authentication method(s): pre-share",
		     " Keyring: BRANCHES",
		     " Lifetime: 86400 seconds",
		     " DPD: interval 10 retry-interval 2 on-demand",
		     " NAT-keepalive: disabled",
		     " Virtual-template: none"):
		assert line in out.splitlines(), (line, out)


def test_unknown_name_is_an_error(hq):
	for kind in ("proposal", "policy", "profile"):
		p = hq.flexctl_raw("show", "crypto", "ikev2", kind, "NOPE", check=False)
		assert p.returncode == 1, p
		assert f"No IKEv2 {kind} named NOPE" in p.stderr


def test_no_secret_in_any_view(hq):
	keys = list(secrets(hq.example))
	assert keys
	for kind in ("proposal", "policy", "profile"):
		for extra in ((), ("--json",)):
			out = text(hq, "show", "crypto", "ikev2", kind, *extra)
			for k in keys:
				assert k not in out
