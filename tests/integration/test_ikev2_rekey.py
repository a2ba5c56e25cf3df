"""CHILD SA and IKE SA rekeys (RFC 7296 1.3.2, 1.3.3, 2.8) against
strongSwan, during a continuous ping between the two LANs: no ping may be
lost (make-before-break both ways), and once it is over each side holds
one CHILD SA pair, the same SPIs on both sides (the old SAs are gone).

- strongSwan rekeys (short rekey_time for the IKE SA and the CHILD SA):
  flexgw answers CREATE_CHILD_SA in either original role, keeps its
  outbound on the old SA until strongSwan deletes it, moves the CHILD SAs
  to the new IKE SA;
- flexgw rekeys: the CHILD SA on the data path's soft volume mark
  (lifetime_kilobytes 2560, driven by 1300-octet pings), the IKE SA when
  told to (`flexctl crypto ikev2 rekey`: what its lifetime does at
  85-90 %); strongSwan's configured proposal
  order makes it answer that rekey with INVALID_KE_PAYLOAD, which flexgw
  follows at once with the group asked for (RFC 7296 1.3.2);
- the two ends order proposals with different PRFs: an IKE SA rekey,
  flexgw's or strongSwan's, keeps the PRF (RFC 7296 2.18 and strongSwan
  derive the new SA's keys differently when it changes);
- two flexgw rekey the same CHILD SA, or the same IKE SA, at once, the
  crossing ordered on the WAN bridge (ikehold.py).
"""
import concurrent.futures
import json
import re
import subprocess
import threading
import time

import pytest

import ikehold
import interop
import topo

IKE = "aes256-sha512-modp2048"
ESP = "aes256gcm16"


def settled(case):
	"""One inbound and one outbound SA on flexgw's Tunnel0, one installed
	CHILD SA on charon's side (it lists deleted ones for a while), and the
	SPIs agree crosswise."""
	inb, outb = interop.flexgw_sas(case.gw)
	ike = case.charon.list_sas().get("gw")
	installed = [c for c in (ike or {}).get("child-sas", {}).values()
		     if c.get("state") == "INSTALLED"]
	if len(inb) != 1 or len(outb) != 1 or len(installed) != 1:
		return None
	r = case.compare()
	return r if r["spis_agree"] else None


def pings(ns, seconds, interval, size):
	"""A ping running in the background: (process, count)."""
	count = int(seconds / interval)
	p = ns.popen(["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-s", str(size),
		      "-W", "2", interop.LANB["host"]], stdout=subprocess.PIPE, text=True)
	return p, count


def received(p, timeout=180):
	"""(transmitted, received, output) of a background ping once it
	ended. The 25-30 s pings outlasted 60 s at load ~20 (session 17's CI
	run beside two CPU hogs): a slow ping is not a failed one."""
	out = p.communicate(timeout=timeout)[0]
	m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
	return (int(m.group(1)), int(m.group(2)), out) if m else (0, 0, out)


def stats(case):
	return case.gw.flexctl("show", "crypto", "ikev2", "stats")["events"]


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_strongswan_rekeys(root, build, tmp_path, role):
	notes = []
	case = interop.Case(role=role, ike=IKE, esp=ESP, build=build, workdir=tmp_path,
			    log=notes.append, tag=f"rs{role[0]}")
	try:
		case.setup()
		t = case.charon.conf_text
		# over_time: charon's hard IKE SA life, 10 % of rekey_time (1 s)
		# unless set; a rekey of charon's still running then (a slow host,
		# ASan) has charon delete the new IKE SA its rekey made
		t = t.replace("    mobike = no\n",
			      "    mobike = no\n    rekey_time = 10s\n    over_time = 30s\n")
		# The CHILD SA's hard life outlasts the ping: charon 5.9.8 drops a
		# CHILD SA's rekey job when it fires while the IKE SA rekey moves
		# that CHILD SA over ("CHILD_SA ... not found for rekey") and then
		# lets it expire, break-before-make, at life_time.
		t = t.replace("        start_action",
			      "        rekey_time = 5s\n        rand_time = 1s\n        life_time = 300s\n        start_action")
		case.charon.conf_text = t
		case.start()
		assert case.up() is not None, case.report(notes)
		p, count = pings(case.lana, 30, 0.01, 56)
		tx, rx, out = received(p)
		assert tx == count and rx == tx, out + case.report(notes)
		ev = stats(case)
		assert ev["ike_rekeyed"] >= 2 and ev["child_rekeyed"] >= 2, (ev, case.report(notes))
		log = case.gw.log_text()
		assert re.search(r"rekeyed by the peer: now SA \d+", log)
		assert re.search(r"192\.0\.2\.2 rekeyed CHILD SA in \w+ out \w+ to in", log)
		assert topo.wait(lambda: settled(case), 20), case.report(notes)
		# the old IKE SAs are gone too: one left, on charon and on flexgw
		assert len(case.charon.list_sas()) == 1
		assert topo.wait(lambda: len(case.gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]) == 1,
			    15), case.gw.flexctl("show", "crypto", "ikev2", "sa")
	finally:
		case.teardown()


# Two PRFs allowed on both sides, ordered differently: flexgw prefers the
# strongest (aes256/sha512), strongSwan its first configured proposal
# (aes128/sha256). An IKE SA rekey must not change the PRF: RFC 7296 2.18
# runs prf+ with the new SA's PRF, strongSwan with the old SA's, so with
# another PRF the two ends would derive different keys for the new SA.
IKE_PRFS = "aes256-aes128-sha512-sha256-modp2048-ecp256"
CHARON_PRF_ORDER = "aes128-sha256-ecp256, aes128-sha512-ecp256, aes256-sha512-modp2048"


def charon_prf_order(case):
	"""charon's proposals in CHARON_PRF_ORDER (the Case wrote IKE_PRFS)."""
	t = case.charon.conf_text
	case.charon.conf_text = t.replace(f"proposals = {IKE_PRFS}\n",
					  f"proposals = {CHARON_PRF_ORDER}\n")
	assert case.charon.conf_text.count(CHARON_PRF_ORDER) == 1, case.charon.conf_text


def test_strongswan_rekey_keeps_prf(root, build, tmp_path):
	"""flexgw initiates; strongSwan picks its first proposal (PRF SHA-256,
	after one INVALID_KE for ecp256) and rekeys the IKE SA every 10 s,
	offering its list again: flexgw keeps the IKE SA's suite (it would pick
	aes256/sha512 from scratch). Zero loss, every rekey completes."""
	notes = []
	case = interop.Case(role="initiator", ike=IKE_PRFS, esp=ESP, build=build, workdir=tmp_path,
			    log=notes.append, tag="rkp")
	try:
		case.setup()
		charon_prf_order(case)
		t = case.charon.conf_text
		# over_time: charon's hard IKE SA life (10 % of rekey_time unless
		# set); a rekey still running then has charon delete its new SA
		t = t.replace("    mobike = no\n",
			      "    mobike = no\n    rekey_time = 10s\n    over_time = 30s\n")
		assert "rekey_time = 10s" in t
		case.charon.conf_text = t
		case.start()
		assert case.up() is not None, case.report(notes)
		ike = case.charon.list_sas()["gw"]
		assert ike["prf-alg"] == "PRF_HMAC_SHA2_256" and ike["encr-keysize"] == "128", ike
		p, count = pings(case.lana, 25, 0.01, 56)
		tx, rx, out = received(p)
		assert tx == count and rx == tx, out + case.report(notes)
		ev = stats(case)
		assert ev["ike_rekeyed"] >= 2, (ev, case.report(notes))
		log = case.gw.log_text()
		assert "keeps the IKE SA's proposal" in log, log
		assert "PRF" not in log, log
		# every rekey on the new SAs went through, and the suite is the old one
		assert topo.wait(lambda: settled(case), 20), case.report(notes)
		(ike,) = case.charon.list_sas().values()
		assert ike["prf-alg"] == "PRF_HMAC_SHA2_256" and ike["encr-keysize"] == "128" and \
			ike["dh-group"] == "ECP_256", ike
		assert len(case.gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]) == 1
	finally:
		case.teardown()

# test_flexgw_rekeys, with IKE_PRFS and CHARON_PRF_ORDER: strongSwan
# starts with KE ecp256, flexgw picks the strongest proposal
# (aes256/sha512/modp2048) and asks for modp2048 by INVALID_KE; when flexgw
# rekeys that IKE SA with KE modp2048, it offers the suite in use and its
# proposal cut down to PRF SHA-512 (with SHA-256 in the offer strongSwan
# would pick its first proposal and the new SA would be dead): strongSwan
# picks its second and asks for ecp256.
def test_flexgw_rekeys(root, build, tmp_path):
	notes = []
	case = interop.Case(role="responder", ike=IKE_PRFS, esp=ESP, build=build, workdir=tmp_path,
			    log=notes.append, tag="rf")
	try:
		case.setup()
		cfg = case.gw.config
		for prof in cfg["ipsec"]["profiles"]:
			prof["lifetime_kilobytes"] = 2560
		case.gw.cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")
		charon_prf_order(case)
		case.start()
		assert case.up() is not None, case.report(notes)
		ike = case.charon.list_sas()["gw"]
		assert ike["dh-group"] == "MODP_2048", ike
		# Three rounds of 1328-octet pings, fast then slow: the fast ones take
		# the CHILD SA past its 75 % soft mark (1,481 of them), the 150 slow
		# ones leave the rekey 9 s before the old SA's hard mark (1,974)
		# could come near. A new SA starts a round with what followed its
		# rekey (the rest of the fast ones and the slow ones: 150 to 270),
		# so rounds 2 and 3 send 1350 fast ones: the soft mark still falls
		# in the round and the hard mark never within its fast pings.
		# The IKE SA is rekeyed by flexctl once two CHILD SA rekeys are done,
		# so the third moves to the new IKE SA and rekeys there. ping -w
		# waits for late replies; a lost one makes it send more than -c.
		host = interop.LANB["host"]
		fast = (1600, 1350, 1350)
		p = case.lana.popen(["sh", "-c", "; ".join(
			f"ping -n -q -c {n} -i 0.003 -s 1300 -w 60 {host}; "
			f"ping -n -q -c 150 -i 0.06 -s 1300 -w 60 {host}" for n in fast)],
			stdout=subprocess.PIPE, text=True)
		ok = topo.wait(lambda: stats(case)["child_rekeyed"] >= 2, 60)
		if ok:
			assert case.gw.flexctl("crypto", "ikev2", "rekey")["rekeying"] == 1
		out = p.communicate(timeout=300)[0]
		assert ok, "two CHILD SA rekeys not seen\n" + out + case.report(notes)
		runs = re.findall(r"(\d+) packets transmitted, (\d+) received", out)
		assert runs == [r for n in fast for r in ((str(n), str(n)), ("150", "150"))], \
			out + case.report(notes)
		ev = stats(case)
		assert ev["ike_rekeyed"] == 1 and ev["child_rekeyed"] >= 3, (ev, case.report(notes))
		# #pkts go on across the rekeys, as IOS's do: every request went out
		# through the tunnel and every reply came in, on three CHILD SAs
		text = case.gw.flexctl_raw("show", "crypto", "ipsec", "sa").stdout
		enc, dec = map(int, re.search(r"#pkts encaps: (\d+).*\n.*#pkts decaps: (\d+)",
					      text).groups())
		total = sum(fast) + 150 * len(fast)
		assert enc >= total and dec >= total, text
		log = case.gw.log_text()
		assert re.search(r"rekeyed: now SA \d+", log), log
		assert re.search(r"CHILD SA in \w+ out \w+ rekeyed to in \w+ out \w+", log)
		# one INVALID_KE each way: ours in IKE_SA_INIT, strongSwan's in the
		# rekey, followed at once (no back-off) with group 19
		assert len(re.findall(r"wants DH group 19, retrying", log)) == 1, log
		assert re.search(r"rekeying the IKE SA with \S+ \(new SA \d+, DH group 14\)"
				 r"(.*\n)+?.*wants DH group 19, retrying\n(.*\n)*?"
				 r".*rekeying the IKE SA with \S+ \(new SA \d+, DH group 19\)", log), log
		assert "refused our IKE SA rekey" not in log, log
		assert case.gw.flexctl("show", "crypto", "ikev2", "stats")["failures"]["INVALID_KE"] == 2
		ike = case.charon.list_sas()["gw"]
		assert ike["dh-group"] == "ECP_256" and ike["encr-keysize"] == "128" and \
			ike["prf-alg"] == "PRF_HMAC_SHA2_512", ike
		# strongSwan saw the rekeys as the responder
		clog = case.charon.log_text()
		assert re.search(r"IKE_SA gw\[\d+\] rekeyed", clog)
		assert re.search(r"received DELETE for ESP CHILD_SA", clog)
		assert topo.wait(lambda: settled(case), 20), case.report(notes)
		assert len(case.charon.list_sas()) == 1
	finally:
		case.teardown()


def test_flexgw_pair_rekey_collisions(root, build, tmp_path):
	"""Two flexgw with the same 2560 KB CHILD SA volume: pings load both
	directions alike, so both ends reach the soft mark and rekey the same
	CHILD SA (RFC 7296 2.8.1). Left alone the two requests cross only when
	both rekey ticks fall within one round trip, so the WAN bridge orders
	the crossing: both requests held; A's request reaches B, which answers
	it with its own still open (B's answer held); B's request reaches A,
	which answers it too; the answers then complete both exchanges. The
	ends agree which new SA stays (the other's exchange had the lowest
	nonce), the redundant one and the old one go, and no ping is lost."""
	notes = []
	case = interop.Case(role="initiator", peer="flexgw", ike=IKE, esp=ESP, build=build,
			    workdir=tmp_path, log=notes.append, tag="rc")
	a, b = interop.GW_WAN, interop.PEER_WAN
	hold = None
	try:
		case.setup()
		for gw in (case.gw, case.gwb):
			for prof in gw.config["ipsec"]["profiles"]:
				prof["lifetime_kilobytes"] = 2560
			gw.cfg_path.write_text(json.dumps(gw.config, indent=2) + "\n")
		case.start()
		assert case.up() is not None, case.report(notes)
		gwa, gwb = case.gw, case.gwb
		hold = ikehold.IkeHold(case.wan)
		hold.hold(a, "all")
		hold.hold(b, "all")
		# fast pings to the soft mark (75 %), then slow ones: the old SA's
		# hard mark stays 10 s or more away while the exchanges cross
		p = case.lana.popen(["sh", "-c", f"ping -n -q -c 1600 -i 0.002 -s 1300 -W 2 "
				     f"{interop.LANB['host']}; ping -n -q -c 400 -i 0.05 -s 1300 -W 2 "
				     f"{interop.LANB['host']}"], stdout=subprocess.PIPE, text=True)

		def logged(gw, pattern):
			return lambda: re.search(pattern, gw.log_text())
		steps = [(lambda: all("rekeying CHILD SA in" in g.log_text() for g in (gwa, gwb)),
			  "both ends start a rekey", lambda: hold.hold(a, None)),
			 (logged(gwb, rf"{a} rekeyed CHILD SA"), "B answers A's request",
			  lambda: hold.hold(b, "responses")),
			 (logged(gwa, rf"{b} rekeyed CHILD SA"), "A answers B's request",
			  lambda: hold.hold(b, None))]
		for cond, what, then in steps:
			ok = topo.wait(cond, 25)
			then()
			assert ok, f"{what}: not seen\n" + case.report(notes)
		out = p.communicate(timeout=100)[0]
		runs = re.findall(r"(\d+) packets transmitted, (\d+) received", out)
		assert runs == [("1600", "1600"), ("400", "400")], out + case.report(notes)
		logs = [g.log_text() for g in (gwa, gwb)]
		stays = [len(re.findall(r"CHILD SA rekey collision with [\d.]+, ours \(in \w+\) stays", t))
			 for t in logs]
		yields = [len(re.findall(r"CHILD SA rekey collision with [\d.]+, ours \(in \w+\) yields",
					 t)) for t in logs]
		# one end yields (its exchange had the lowest nonce) and deletes its
		# new SA; the other keeps its own (it says so when its answer came
		# before the DELETE of the redundant SA, which the RFC allows either way)
		assert sorted(yields) == [0, 1] and stays[yields.index(1)] == 0 and \
			max(stays) <= 1, f"{stays} {yields}\n" + case.report(notes)

		def pair_settled():
			a_in, a_out = interop.flexgw_sas(gwa)
			b_in, b_out = interop.flexgw_sas(gwb)
			spis = lambda v: {s["spi"] for s in v}  # noqa: E731
			return (len(a_in) == len(a_out) == len(b_in) == len(b_out) == 1 and
				spis(a_in) == spis(b_out) and spis(b_in) == spis(a_out))
		assert topo.wait(pair_settled, 20), case.report(notes)
	finally:
		if hold is not None:
			hold.close()
		case.teardown()


def ike_rekey_collision(build, workdir, order, start_lock):
	"""One IKE SA rekey collision (RFC 7296 2.8.2): both ends are told to
	rekey the IKE SA at once (`flexctl crypto ikev2 rekey`, `swanctl
	--rekey`) while the WAN bridge holds all IKE, so both requests are out
	before either arrives; the bridge then orders the crossing:
	- a_first: A's (the original initiator's) request reaches B, B's answer
	  held; B's request reaches A, which answers; then B's answer;
	- b_first: the same with the two flexgw swapped;
	- a_done_first: A's whole exchange (B's requests held), so A's rekey
	  completes and A deletes the old SA while B's request is still out;
	- charon: a_first with strongSwan as B.
	In the crossings both ends must agree which new IKE SA survives (the one
	not made by the exchange with the lowest nonce) and the redundant one
	goes; in every order the old one goes, the CHILD SA pair ends on the
	survivor and no ping is lost. Raises AssertionError. start_lock: held
	while the topology comes up (gateways starting all at once on a loaded
	host take minutes)."""
	notes = []
	peer = {} if order == "charon" else {"peer": "flexgw"}
	case = interop.Case(role="initiator", ike=IKE, esp=ESP, build=build, workdir=workdir,
			    log=notes.append, **peer,
			    tag={"a_first": "ric", "b_first": "ricb", "a_done_first": "ricd",
				 "charon": "rsc"}[order])
	a, b = interop.GW_WAN, interop.PEER_WAN
	hold = p = None
	holding = start_lock.acquire()
	try:
		case.setup()
		case.start()
		up = case.up()
		start_lock.release()
		holding = False
		assert up is not None, case.report(notes)
		gwa = case.gw
		case.resolve_lan_neighbours()
		(ike_a,) = gwa.flexctl("show", "crypto", "ikev2", "sa")["sas"]
		child_a = interop.flexgw_sas(gwa)
		hold = ikehold.IkeHold(case.wan)
		hold.hold(a, "all")
		hold.hold(b, "all")
		p = case.lana.popen(["ping", "-n", "-q", "-i", "0.02", "-W", "2", interop.LANB["host"]],
				    stdout=subprocess.PIPE, text=True)
		assert gwa.flexctl("crypto", "ikev2", "rekey")["rekeying"] == 1
		if order == "charon":
			case.charon.swanctl("--rekey", "--ike", "gw")
		else:
			assert case.gwb.flexctl("crypto", "ikev2", "rekey")["rekeying"] == 1

		def logged(text, pattern):
			return lambda: re.search(pattern, text())
		a_log = gwa.log_text
		b_log = case.charon.log_text if order == "charon" else case.gwb.log_text
		b_starts = "activating IKE_REKEY task" if order == "charon" else "rekeying the IKE SA with"
		b_answers = (r"generating CREATE_CHILD_SA response \d+ \[ SA No KE \]"
			     if order == "charon" else rf"with {a} rekeyed by the peer")
		both = (lambda: "rekeying the IKE SA with" in a_log() and b_starts in b_log(),
			"both ends start an IKE SA rekey", 25)
		if order in ("a_first", "charon"):
			steps = [both + (lambda: hold.hold(a, None),),
				 (logged(b_log, b_answers), "B answers A's request", 25,
				  lambda: hold.hold(b, "responses")),
				 (logged(a_log, rf"with {b} rekeyed by the peer"), "A answers B's request", 25,
				  lambda: hold.hold(b, None))]
		elif order == "b_first":
			steps = [both + (lambda: hold.hold(b, None),),
				 (logged(a_log, rf"with {b} rekeyed by the peer"), "A answers B's request", 25,
				  lambda: hold.hold(a, "responses")),
				 (logged(b_log, b_answers), "B answers A's request", 25,
				  lambda: hold.hold(a, None))]
		else:
			steps = [both + (lambda: (hold.hold(a, None), hold.hold(b, "requests")),),
				 (logged(b_log, r"\(the peer deleted SA \d+ first\)"),
				  "A's rekey completes and A's DELETE of the old SA reaches B", 25,
				  lambda: hold.hold(b, None))]
		for cond, what, timeout, then in steps:
			ok = topo.wait(cond, timeout)
			then()
			assert ok, f"{what}: not seen\n" + case.report(notes)

		def spis(v):
			return {s["spi"] for s in v}

		def settled_here():
			sas = gwa.flexctl("show", "crypto", "ikev2", "sa")["sas"]
			if len(sas) != 1:
				return None
			ours = {int(sas[0]["local_spi"], 16), int(sas[0]["remote_spi"], 16)}
			if order == "charon":
				ikes = case.charon.list_sas()
				if len(ikes) != 1 or not settled(case):
					return None
				(ike,) = ikes.values()
				return sas if ours == {int(ike["initiator-spi"], 16),
						       int(ike["responder-spi"], 16)} else None
			sbs = case.gwb.flexctl("show", "crypto", "ikev2", "sa")["sas"]
			if len(sbs) != 1:
				return None
			a_in, a_out = interop.flexgw_sas(gwa)
			b_in, b_out = interop.flexgw_sas(case.gwb)
			return sas if (ours == {int(sbs[0]["local_spi"], 16), int(sbs[0]["remote_spi"], 16)} and
				       len(a_in) == len(a_out) == len(b_in) == len(b_out) == 1 and
				       spis(a_in) == spis(b_out) and spis(b_in) == spis(a_out)) else None
		# the redundant SA goes by itself after a 30 s linger when the DELETE
		# of the old one overtook the answer that would complete it; charon
		# then sends a DELETE for it that flexgw, which never had it, cannot
		# read, and retransmits it ~16 s before giving up
		sas = topo.wait(settled_here, 90)
		assert sas, case.report(notes)
		time.sleep(1)
		p.send_signal(2)
		out = p.communicate(timeout=10)[0]
		p = None
		m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
		# the ping ran from before the rekeys to the settled end (at least
		# a second of echoes: a_done_first can settle that fast)
		assert m and int(m.group(1)) > 50, out
		# SIGINT may cut the last echo short, never more
		assert int(m.group(1)) - int(m.group(2)) <= 1, out + case.report(notes)
		logs = [a_log(), b_log()]
		yields = [len(re.findall(r"IKE SA rekey collision with [\d.]+, ours \(SA \d+\) yields", t))
			  for t in logs]
		stays = [len(re.findall(r"IKE SA rekey collision with [\d.]+, ours \(SA \d+\) stays", t))
			 for t in logs]
		why = f"{order}: stays {stays} yields {yields}\n" + case.report(notes)
		if order == "charon":
			# the two ends agree: ours yields where charon's won, and the other way
			won = re.findall(r"IKE_SA rekey collision (won|lost)", logs[1])
			assert len(won) == 1 and yields[0] + stays[0] == 1 and \
				won[0] == ("won" if yields[0] else "lost"), (won, why)
		elif order == "a_done_first":
			# no crossing at A: its exchange completed first and its SA stays;
			# B's went nowhere (the old SA was gone before its request came)
			assert yields == [0, 1] and stays == [0, 0], why
			assert re.search(rf"IKEv2 SA {ike_a['tunnel_id']} with {b} rekeyed: now SA "
					 rf"{sas[0]['tunnel_id']}\b", logs[0]), why
		else:
			# the survivor says "stays" whether its answer or the peer's
			# DELETE of the redundant SA came first
			assert sorted(yields) == [0, 1] and stays[yields.index(1)] == 0 and \
				stays[yields.index(0)] == 1, why
		# a new IKE SA, the CHILD SAs unchanged (an IKE rekey moves them)
		assert sas[0]["local_spi"] != ike_a["local_spi"]
		assert interop.flexgw_sas(gwa)[0][0]["spi"] == child_a[0][0]["spi"]
	finally:
		if holding:
			start_lock.release()
		if p is not None:
			p.kill()
		if hold is not None:
			hold.close()
		case.teardown()


def test_ike_rekey_collisions(root, build, tmp_path):
	"""The four crossing orders of ike_rekey_collision at once, each in its
	own topology. The topologies come up one by one, those that may wait
	longest to settle first (charon: a 30 s linger, then its DELETE
	retransmitted ~16 s; a crossing of two flexgw: the linger), so that
	their waits overlap the later setups."""
	orders = ("charon", "a_first", "b_first", "a_done_first")
	for o in orders:
		(tmp_path / o).mkdir()
	start_lock = threading.Lock()
	with concurrent.futures.ThreadPoolExecutor(len(orders)) as ex:
		runs = {o: ex.submit(ike_rekey_collision, build, tmp_path / o, o, start_lock)
			for o in orders}
	failed = {o: r.exception() for o, r in runs.items() if r.exception() is not None}
	assert not failed, "\n\n".join(f"----- {o} -----\n{e}" for o, e in failed.items())


def test_strongswan_adds_child_sa(root, build, tmp_path):
	"""strongSwan asks for a second CHILD SA over the IKE SA (CREATE_CHILD_SA
	without REKEY_SA; ICMP-only selectors, so it is no duplicate of the
	first): flexgw installs it, moves the tunnel's outbound to it at once
	(there is nothing to drain) and keeps decrypting on both."""
	notes = []
	case = interop.Case(role="responder", ike=IKE, esp=ESP, build=build, workdir=tmp_path,
			    log=notes.append, tag="ra")
	try:
		case.setup()
		net2 = (f"      net2 {{\n        local_ts = {interop.LANB['net']}[icmp]\n"
			f"        remote_ts = {interop.LANA['net']}[icmp]\n"
			f"        esp_proposals = {ESP}\n      }}\n")
		t = case.charon.conf_text
		i = t.index("    children {\n") + len("    children {\n")
		case.charon.conf_text = t[:i] + net2 + t[i:]
		case.start()
		assert case.up() is not None, case.report(notes)
		first_out = {s["spi"] for s in interop.flexgw_sas(case.gw)[1]}
		p = case.charon.initiate("net2", check=False)
		assert p.returncode == 0, p.stdout + p.stderr + case.report(notes)
		inb, outb = interop.flexgw_sas(case.gw)
		assert len(inb) == 2 and len(outb) == 1 and {s["spi"] for s in outb} != first_out
		assert re.search(r"192\.0\.2\.2 created CHILD SA in \w+ out \w+", case.gw.log_text())
		loss, out = case.ping()
		assert loss == 0, out + case.report(notes)
		ike = case.charon.list_sas()["gw"]
		assert len([c for c in ike["child-sas"].values() if c["state"] == "INSTALLED"]) == 2
		assert stats(case)["child_created"] == 2
	finally:
		case.teardown()
