"""Issue 5's interop matrix, each case in its own namespaces through
tests/integration/interop.py (what scripts/interop.sh runs):

- flexgw initiator -> strongSwan responder and strongSwan initiator ->
  flexgw responder, for IKE {aes256-sha512-modp2048,
  aes256gcm16-prfsha384-ecp384, aes128-sha256-curve25519} x ESP
  {aes256gcm16, aes256-sha512}; FQDN and email identities, symmetric and
  asymmetric PSKs spread over the cases;
- through a NAT namespace (nftables masquerade), both roles, run through
  scripts/interop.sh itself (exit status, JSON), which also refuses bad
  proposal strings before it builds anything;
- flexgw <-> flexgw with the same proposals, and once through the NAT;
- three bad strongSwan peers at once, with a wrong PSK, a proposal flexgw
  does not allow, and an identity no profile matches: each refused with a
  clear log line and its own counter, while the good peer still comes up and
  carries traffic;
- and the harness itself with two charons (plain and through the NAT), so a
  failure of the flexgw cases is not the topology's.

Every case: the tunnel comes up, 20 pings with no loss, 2 MB over TCP
intact (and through the tunnel: the far side's inbound SA counted it), and
both sides agree on the ESP SPIs, the IKE SPIs where both show them, and the
algorithms, which must be the ones the proposal strings name.
"""
import itertools
import json
import re

import pytest

import interop
import topo

IKES = ["aes256-sha512-modp2048", "aes256gcm16-prfsha384-ecp384", "aes128-sha256-curve25519"]
ESPS = ["aes256gcm16", "aes256-sha512"]


def strongswan_cases():
	"""Both roles x IKE x ESP; identities and PSK kinds rotate so that
	each role sees FQDN and email, symmetric and asymmetric keys."""
	out = []
	for n, (role, ike, esp) in enumerate(itertools.product(
			("initiator", "responder"), IKES, ESPS)):
		out.append(dict(role=role, ike=ike, esp=esp, id_type=("fqdn", "email")[n % 2],
				asym_psk=(n // 2) % 2 == 0))
	return out


def case_id(c):
	return "-".join([c.get("peer", "strongswan"), c["role"], c["ike"], c["esp"],
			 c.get("id_type", "fqdn"), "asym" if c.get("asym_psk") else "sym"]
			+ (["nat"] if c.get("nat") else []))


def run_case(build, tmp_path, inspect=None, **kw):
	"""Runs one case; inspect(case) sees it before teardown (its answer
	goes into the result as 'inspected')."""
	messages = []
	case = interop.Case(build=build, workdir=tmp_path, log=messages.append, **kw)
	try:
		r = case.run()
		if inspect:
			r["inspected"] = inspect(case)
		logs = case.logs() if not r.get("passed") else {}
	finally:
		case.teardown()
	return r, messages, logs


def explain(r, messages, logs):
	text = json.dumps(r, indent=1, default=str) + "\n" + "\n".join(messages)
	for name, log in logs.items():
		text += f"\n----- {name} -----\n{log}"
	return text


def check_passed(r, messages, logs):
	assert r["passed"], explain(r, messages, logs)
	# what `passed` means, spelled out
	assert r["up"] and r["ping_loss_pct"] == 0 and r["tcp_bytes"] == interop.TCP_BYTES
	assert r["spis_agree"] and r["algs_agree"]


@pytest.mark.parametrize("kw", [dict(nat=False), dict(nat=True)], ids=["plain", "nat"])
def test_harness_with_two_charons(root, build, tmp_path, kw):
	r, messages, logs = run_case(build, tmp_path, local="strongswan", role="initiator",
				     ike="aes256gcm16-prfsha384-ecp384", esp="aes256-sha512",
				     id_type="email", asym_psk=True, **kw)
	check_passed(r, messages, logs)
	assert r["ike_alg"] == "aes256gcm16-prfsha384-ecp384" and r["esp_alg"] == "aes256-sha512"
	assert r["natt"] is True and r["nat_seen"] is kw["nat"]


@pytest.mark.parametrize("kw", strongswan_cases(), ids=case_id)
def test_flexgw_strongswan(root, build, tmp_path, kw):
	r, messages, logs = run_case(build, tmp_path, **kw)
	check_passed(r, messages, logs)
	assert r["ike_alg"] == kw["ike"] and r["esp_alg"] == kw["esp"]
	# libipsec always puts ESP in UDP 4500
	assert r["natt"] is True and r["nat_seen"] is False


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_flexgw_strongswan_through_nat(root, build, role):
	# through scripts/interop.sh itself: its options, exit status and JSON
	# (the initiator sits behind the masquerading NAT)
	p = topo.run([str(topo.REPO / "scripts" / "interop.sh"), "--role", role, "--nat",
		      "--ike", "aes256-sha512-modp2048", "--esp", "aes256gcm16", "--id-type", "fqdn",
		      "--asym-psk", "--json", "--verbose", "--build", str(build)],
		     check=False, timeout=120)
	assert p.returncode == 0, p.stdout + p.stderr
	r = json.loads(p.stdout)
	for key in ("up", "ping_loss_pct", "tcp_bytes", "ike_alg", "esp_alg", "spis_agree", "natt"):
		assert key in r, key
	check_passed(r, [p.stderr], {})
	assert r["ike_alg"] == "aes256-sha512-modp2048" and r["esp_alg"] == "aes256gcm16"
	assert r["natt"] is True and r["nat_seen"] is True


@pytest.mark.parametrize("args", [
	["--role", "initiator", "--ike", "aes256-md5-modp2048", "--esp", "aes256gcm16"],
	["--role", "initiator", "--ike", "aes256gcm16-modp2048", "--esp", "aes256gcm16"],
	["--role", "peer", "--ike", "aes256-sha256-modp2048", "--esp", "aes256gcm16"],
], ids=["unknown-alg", "gcm-without-prf", "bad-role"])
def test_script_refuses_bad_arguments(root, args):
	# before building anything: exit status 2 and a message naming the problem
	p = topo.run([str(topo.REPO / "scripts" / "interop.sh")] + args, check=False, timeout=30)
	assert p.returncode == 2 and p.stderr.strip(), p.stdout + p.stderr


def flexgw_pair_cases():
	out = []
	for n, (ike, esp) in enumerate(itertools.product(IKES, ESPS)):
		out.append(dict(peer="flexgw", role=("initiator", "responder")[n % 2], ike=ike, esp=esp,
				id_type=("fqdn", "email")[(n // 2) % 2], asym_psk=n % 3 != 0))
	return out


@pytest.mark.parametrize("kw", flexgw_pair_cases(), ids=case_id)
def test_flexgw_flexgw(root, build, tmp_path, kw):
	r, messages, logs = run_case(build, tmp_path, **kw)
	check_passed(r, messages, logs)
	assert r["ike_alg"] == kw["ike"] and r["esp_alg"] == kw["esp"]
	# no NAT between two flexgw: plain ESP
	assert r["natt"] is False and r["nat_seen"] is False


def test_flexgw_flexgw_through_nat(root, build, tmp_path):
	r, messages, logs = run_case(build, tmp_path, peer="flexgw", role="initiator", nat=True,
				     ike="aes128-sha256-curve25519", esp="aes256-sha512",
				     id_type="email", asym_psk=True)
	check_passed(r, messages, logs)
	assert r["natt"] is True and r["nat_seen"] is True


# negative case -> (what charon must hear, the stats counter that must move,
# what flexgw's log line must name besides "failed" or "refused" and the
# peer's address)
NEGATIVE = {
	"psk": ("AUTHENTICATION_FAILED", "AUTH_FAILED", r"auth"),
	"identity": ("AUTHENTICATION_FAILED", "NO_PROFILE", r"profile|identity"),
	"proposal": ("NO_PROPOSAL_CHOSEN", "NO_PROPOSAL", r"proposal"),
}


def test_bad_peers_refused_good_peer_served(root, build, tmp_path):
	# one gateway, three bad peers (one tunnel each) and the good one:
	# every bad peer is refused, each for its own reason, then the good
	# peer comes up and carries traffic as in every other case
	def inspect(case):
		stats = case.gw.flexctl("show", "crypto", "ikev2", "stats")
		return {"failures": stats["failures"], "log": case.gw.log_text()}

	r, messages, logs = run_case(build, tmp_path, inspect=inspect, negative=sorted(NEGATIVE),
				     role="responder", ike="aes256gcm16-prfsha384-ecp384",
				     esp="aes256gcm16", id_type="fqdn", asym_psk=True)
	seen = r.pop("inspected")
	for kind, (notify, counter, words) in NEGATIVE.items():
		bad = r["bad"][kind]
		assert bad["got"] == notify, (kind, explain(r, messages, logs))
		assert bad["rejected"], (kind, explain(r, messages, logs))
		# counted once, under its own reason
		assert seen["failures"][counter] == 1, (kind, seen["failures"])
		lines = [ln for ln in seen["log"].splitlines()
			 if re.search(words, ln, re.I) and re.search("failed|refused", ln)
			 and bad["address"] in ln]
		assert lines, f"{kind}: no log line with 'failed|refused', '{words}' and " \
			f"{bad['address']}:\n" + seen["log"][-4000:]
	# and nothing else failed: the good peer's negotiation counted nothing
	assert sum(seen["failures"].values()) == len(NEGATIVE), seen["failures"]
	check_passed(r, messages, logs)
