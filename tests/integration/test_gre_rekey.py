"""A GRE tunnel's CHILD SA (ESP in transport mode) rekeyed between two
flexgw: USE_TRANSPORT_MODE goes with every CREATE_CHILD_SA, not only
IKE_AUTH (RFC 7296 1.3.1), both ways.

- two flexgw with GRE tunnels rekey (the 2560 KB soft mark) while pings
  cross between their LANs: none is lost, ESP stays in transport mode,
  and each end's parsed-message debug line shows N(USE_TRANSP) in the
  rekey request and in its response;
- a GRE tunnel against an IPsec one: the mismatch is refused both ways.

strongSwan cannot be the GRE peer on these machines: kernel-libipsec
refuses a transport-mode SA ("IPsec SA: unsupported mode"), so charon
never installs the CHILD SA a `mode = transport` child negotiates.
"""
import json
import re
import subprocess

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


def modes(gw):
	inb, outb = interop.flexgw_sas(gw)
	return {sa["mode"] for sa in inb + outb}


def test_gre_rekey_flexgw_pair(root, build, tmp_path):
	notes = []
	case = interop.Case(role="initiator", peer="flexgw", ike=IKE, esp=ESP, build=build,
			    workdir=tmp_path, log=notes.append, tag="grp")
	try:
		case.setup()
		gre(case.gw)
		gre(case.gwb)
		case.start()
		assert case.up() is not None, case.report(notes)
		case.resolve_lan_neighbours()
		for g in (case.gw, case.gwb):
			g.flexctl_raw("debug", "crypto", "ikev2")
		# fast pings to the soft mark (75 %), then slow ones: the old SA's
		# hard mark stays far away while the rekey runs on a loaded host
		p = case.lana.popen(["sh", "-c", f"ping -n -q -c 1500 -i 0.002 -s 1300 -W 2 "
				     f"{interop.LANB['host']}; ping -n -q -c 150 -i 0.05 -s 1300 -W 2 "
				     f"{interop.LANB['host']}"], stdout=subprocess.PIPE, text=True)
		out = p.communicate(timeout=120)[0]
		runs = re.findall(r"(\d+) packets transmitted, (\d+) received", out)
		assert runs == [("1500", "1500"), ("150", "150")], out + case.report(notes)
		logs = [g.log_text() for g in (case.gw, case.gwb)]
		assert sum(len(re.findall(r"CHILD SA in \w+ out \w+ rekeyed to in", t)) for t in logs) >= 1, \
			case.report(notes)
		assert not any("asks for tunnel mode" in t or "answered our CREATE_CHILD_SA in" in t
			       for t in logs), case.report(notes)
		assert modes(case.gw) == modes(case.gwb) == {"transport"}
		# on the wire, as each end parsed it: N(USE_TRANSP) in the rekey's
		# request and in its response (both ends may have rekeyed at once)
		both = "".join(logs)
		assert re.search(r"received from \S+: CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\)"
				 r"[^\]]* N\(USE_TRANSP\)", both), both[-6000:]
		assert re.search(r"received from \S+: CREATE_CHILD_SA response \d+ \[ SA No (KE )?"
				 r"N\(USE_TRANSP\)", both), both[-6000:]
	finally:
		case.teardown()


def test_gre_rekey_mode_mismatch(root, build, tmp_path):
	"""A (GRE) and B (an IPsec tunnel: tunnel mode) disagree: each end's
	volume soft mark makes it rekey. B answers A's rekey without
	USE_TRANSPORT_MODE, so A, as strongSwan does, takes no CHILD SA in a
	mode it did not ask for and deletes the new one; B's rekey asks for
	tunnel mode, which A's GRE tunnel refuses (NO_PROPOSAL_CHOSEN)."""
	notes = []
	case = interop.Case(role="initiator", peer="flexgw", ike=IKE, esp=ESP, build=build,
			    workdir=tmp_path, log=notes.append, tag="grm")
	try:
		case.setup()
		gre(case.gw)
		for prof in case.gwb.config["ipsec"]["profiles"]:
			prof["lifetime_kilobytes"] = 2560
		case.gwb.cfg_path.write_text(json.dumps(case.gwb.config, indent=2) + "\n")
		case.start()
		assert case.up() is not None, case.report(notes)
		assert modes(case.gw) == {"transport"} and modes(case.gwb) == {"tunnel"}
		# each end's outbound to its soft mark (nothing comes back)
		ps = [ns.popen(["ping", "-n", "-q", "-c", "1600", "-i", "0.002", "-s", "1300", "-W", "1",
				lan["host"]], stdout=subprocess.PIPE, text=True)
		      for ns, lan in ((case.lana, interop.LANB), (case.lanb, interop.LANA))]
		for p in ps:
			p.communicate(timeout=60)
		a = case.gw

		def seen(pattern):
			return lambda: re.search(pattern, a.log_text())
		assert topo.wait(seen(r"192\.0\.2\.2 answered our CREATE_CHILD_SA in tunnel mode, "
				      r"tunnel Tunnel0 needs transport mode: deleting the new CHILD SA"),
				 30), case.report(notes)
		assert topo.wait(seen(r"192\.0\.2\.2's CREATE_CHILD_SA asks for tunnel mode on GRE "
				      r"tunnel Tunnel0"), 30), case.report(notes)
		assert topo.wait(lambda: re.search(r"refused our CREATE_CHILD_SA: NO_PROP",
						   case.gwb.log_text()), 10), case.report(notes)
		# A's SAs stay transport: the deleted one never carried anything
		assert modes(a) == {"transport"}
	finally:
		case.teardown()
