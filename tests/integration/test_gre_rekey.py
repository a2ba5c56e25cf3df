"""A GRE tunnel's CHILD SA (ESP in transport mode) rekeyed between two
flexgw: USE_TRANSPORT_MODE goes with every CREATE_CHILD_SA, not only
IKE_AUTH (RFC 7296 1.3.1), both ways.

- two flexgw with GRE tunnels rekey (the 2560 KB soft mark) while pings
  cross between their LANs: none is lost, ESP stays in transport mode,
  and each end's parsed-message debug line shows N(USE_TRANSP) in the
  rekey request and in its response;
- a GRE tunnel against an IPsec one: the mode mismatch is refused both
  ways (in IKE_AUTH; CREATE_CHILD_SA runs the same checks).

strongSwan cannot be the GRE peer on these machines: kernel-libipsec
refuses a transport-mode SA ("IPsec SA: unsupported mode"), so charon
never installs the CHILD SA a `mode = transport` child negotiates.
"""
import contextlib
import json
import re

import interop
import topo

IKE = "aes256-sha512-modp2048"
ESP = "aes256gcm16"


def gre(gw):
	"""Tunnel0 of gw in GRE over ESP transport mode, a 2560 KB CHILD SA."""
	for t in gw.config["tunnels"]:
		t["mode"] = "gre ipv4"
	for ts in gw.config["ipsec"]["transform_sets"]:
		ts["mode"] = "transport"
	for prof in gw.config["ipsec"]["profiles"]:
		prof["lifetime_kilobytes"] = 2560
	gw.cfg_path.write_text(json.dumps(gw.config, indent=2) + "\n")


@contextlib.contextmanager
def gre_pair(build, workdir, tag):
	"""Two flexgw, A (case.gw: the initiator) with its Tunnel0 made GRE by
	gre(), B as interop.Case writes it: (case, notes), set up but not
	started; torn down on the way out."""
	notes = []
	case = interop.Case(role="initiator", peer="flexgw", ike=IKE, esp=ESP, build=build,
			    workdir=workdir, log=notes.append, tag=tag)
	try:
		case.setup()
		gre(case.gw)
		yield case, notes
	finally:
		case.teardown()


def modes(gw):
	inb, outb = interop.flexgw_sas(gw)
	return {sa["mode"] for sa in inb + outb}


def test_gre_rekey_flexgw_pair(root, build, tmp_path):
	with gre_pair(build, tmp_path, "grp") as (case, notes):
		gre(case.gwb)
		case.start()
		assert case.up() is not None, case.report(notes)
		case.resolve_lan_neighbours()
		for g in (case.gw, case.gwb):
			g.flexctl_raw("debug", "crypto", "ikev2")
		# fast pings to the soft mark (75 %), then slow ones: the old SA's
		# hard mark stays far away while the rekey runs on a loaded host;
		# a late reply is no lost one (ping -w)
		for count, interval in ((1500, 0.002), (150, 0.05)):
			tx, rx, out = topo.ping(case.lana, interop.LANB["host"], count=count,
						interval=interval, size=1300, deadline=90)
			assert tx == rx == count, out + case.report(notes)
		logs = [g.log_text() for g in (case.gw, case.gwb)]
		assert sum(len(re.findall(r"CHILD SA in \w+ out \w+ rekeyed to in", t)) for t in logs) >= 1, \
			case.report(notes)
		assert not any("tunnel-mode CHILD SA on GRE" in t or "answered our CREATE_CHILD_SA in" in t
			       for t in logs), case.report(notes)
		assert modes(case.gw) == modes(case.gwb) == {"transport"}
		# on the wire, as each end parsed it: N(USE_TRANSP) in the rekey's
		# request and in its response (both ends may have rekeyed at once)
		both = "".join(logs)
		assert re.search(r"received from \S+: CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\)"
				 r"[^\]]* N\(USE_TRANSP\)", both), both[-6000:]
		assert re.search(r"received from \S+: CREATE_CHILD_SA response \d+ \[ SA No (KE )?"
				 r"N\(USE_TRANSP\)", both), both[-6000:]


def test_gre_mode_mismatch(root, build, tmp_path):
	"""A (GRE) and B (an IPsec tunnel: tunnel mode) disagree, and both
	initiate. B answers A's IKE_AUTH without USE_TRANSPORT_MODE, so A, as
	strongSwan does, takes no CHILD SA in a mode it did not ask for; B's
	IKE_AUTH asks for tunnel mode, which A's GRE tunnel refuses
	(NO_PROPOSAL_CHOSEN). The same checks run on every CREATE_CHILD_SA."""
	with gre_pair(build, tmp_path, "grm") as (case, notes):
		for prof in case.gwb.config["ipsec"]["profiles"]:
			prof["responder_only"] = False
		case.gwb.cfg_path.write_text(json.dumps(case.gwb.config, indent=2) + "\n")
		case.start()
		a, b = case.gw, case.gwb

		def seen(gw, pattern):
			return lambda: re.search(pattern, gw.log_text())
		assert topo.wait(seen(a, r"the peer answered in tunnel mode, Tunnel0 needs transport "
				      r"mode"), 40), case.report(notes)
		assert topo.wait(seen(a, r"192\.0\.2\.2 asks for a tunnel-mode CHILD SA on GRE "
				      r"tunnel Tunnel0"), 40), case.report(notes)
		assert topo.wait(seen(b, r"NO_PROP"), 10), case.report(notes)
		# no CHILD SA on either side
		for gw in (a, b):
			assert interop.flexgw_sas(gw) == ([], []), case.report(notes)
