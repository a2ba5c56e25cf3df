"""The life of an IKE SA after it came up, against a real strongSwan: the
peer deletes the IKE SA or its CHILD SA (flexgw answers, both planes forget
the SAs, a tunnel flexgw initiates for comes back by itself), dead peer
detection tears down the SAs of a killed charon within interval + retries x
retry-interval while another peer goes on, INITIAL_CONTACT from a
restarted charon removes the stale IKE SA (from another address too), a
restart without it replaces the old IKE SA (duplicate identity), limits.max_sa refuses a
second peer without touching the first.

The namespaces come from interop.py (LAN -- flexgw -- WAN -- charon -- LAN);
the second peer is one more charon on the WAN bridge (192.0.2.3, LAN
10.3.0.0/24) served by a second tunnel.
"""
import json
import re
import signal
import time

import pytest

import ikeraw
import interop
import strongswan
import topo

IKE = "aes256-sha512-modp2048"
ESP = "aes256gcm16"
# the second peer: one more charon on the WAN bridge, its LAN on its lo
PEER2_WAN = "192.0.2.3"
LANC = dict(net="10.3.0.0/24", gw="10.3.0.1", host="10.3.0.1")
PEER2_LAN = LANC["host"]


def wait(cond, timeout, step=0.2):
	return topo.wait(cond, timeout, step)


def stats(gw):
	return gw.flexctl("show", "crypto", "ikev2", "stats")


def ike_sas(gw, status="READY"):
	return [s for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"] if s["status"] == status]


def sas_of(gw, tunnel="Tunnel0"):
	inb, outb = interop.flexgw_sas(gw, tunnel)
	return {s["spi"] for s in inb}, {s["spi"] for s in outb}


def up(gw, tunnel="Tunnel0"):
	inb, outb = sas_of(gw, tunnel)
	return (inb, outb) if inb and outb else None


class Life:
	"""An interop case (flexgw as `role`) with extra flexgw settings
	(ikev2_extra merged into its ikev2 object, profile_extra into each
	profile) and optionally a second charon peer."""

	def __init__(self, tmp_path, build, role, tag, ikev2_extra=None, profile_extra=None,
		     peer2=False, charon_extra=""):
		self.notes = []
		self.case = interop.Case(role=role, ike=IKE, esp=ESP, build=build, workdir=tmp_path,
					 log=self.notes.append, tag=tag)
		self.role = role
		self.ikev2_extra = ikev2_extra or {}
		self.profile_extra = profile_extra or {}
		self.peer2 = peer2
		self.charon_extra = charon_extra
		self.charon2 = None

	def setup(self):
		c = self.case
		c.setup()
		cfg = c.gw.config
		if self.peer2:
			self.b2 = interop.Peer("peer2", LANC, PEER2_WAN,
					       {"fqdn": "peer2.example.com"}, c.a.psk_local, c.a.psk_local)
			interop.flexgw_ike_config(c.a, self.b2, PEER2_WAN, IKE, ESP,
						  responder_only=self.role == "responder", tunnel="Tunnel1",
						  tunnel_addr="172.16.1.1/30", n=1, base=cfg)
			ns = c.ns("peer2")
			topo.veth(ns, "wan", c.wan, "bp2")
			c.wan.run("ip link set bp2 master br0")
			ns.run(f"ip addr add {PEER2_WAN}/24 dev wan")
			ns.run(f"ip addr add {PEER2_LAN}/24 dev lo")
			self.charon2 = strongswan.Charon(ns, c.workdir / "c")
			self.charon2.conf_text = self.charon_conf(self.b2, PEER2_WAN)
		cfg["ikev2"].update(self.ikev2_extra)
		for p in cfg["ikev2"]["profiles"]:
			p.update(self.profile_extra)
		c.gw.cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")
		c.charon.conf_text = self.charon_conf(c.b, c.b.wan_addr)

	def charon_conf(self, me, addr):
		text = interop.swanctl_config(me, self.case.a, addr, interop.GW_WAN, IKE, ESP)
		return text.replace("    mobike = no\n", "    mobike = no\n" + self.charon_extra)

	def start(self):
		self.case.start()
		if self.charon2:
			self.charon2.start()
			self.charon2.load(self.charon2.conf_text)

	def context(self):
		return self.case.report(self.notes, self.charon2 and {"charon2": self.charon2.log_text()[-6000:]})

	def up(self):
		took = self.case.up()
		assert took is not None, "tunnel did not come up\n" + self.context()
		return up(self.case.gw)

	def up2(self):
		"""The second peer's tunnel: charon2 initiates when flexgw responds."""
		gw = self.case.gw
		if self.role == "responder":
			self.charon2.initiate("net", check=False)
		got = wait(lambda: up(gw, "Tunnel1") and self.charon2.established("gw", "net"), 20)
		assert got, "second tunnel did not come up\n" + self.context()

	def teardown(self):
		if self.charon2:
			self.charon2.stop()
		self.case.teardown()


@pytest.fixture
def life(request, root, build, tmp_path):
	made = []

	def make(role, **kw):
		t = Life(tmp_path, build, role, f"lf{role[0]}{len(made)}", **kw)
		made.append(t)
		t.setup()
		t.start()
		return t

	yield make
	for t in made:
		t.teardown()


# ---- DELETE from the peer -------------------------------------------------------


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_peer_deletes_ike_sa(life, role):
	t = life(role)
	gw, charon = t.case.gw, t.case.charon
	old_in, old_out = t.up()
	before = stats(gw)["events"]
	charon.terminate_ike("gw")
	assert wait(lambda: "with 192.0.2.2 deleted by the peer" in gw.log_text(), 10), \
		t.context()
	ev = wait(lambda: (lambda e: e if e["sa_deleted"] > before["sa_deleted"] else None)(
		stats(gw)["events"]), 5)
	assert ev and ev["child_deleted"] >= before["child_deleted"] + 1, ev
	if role == "responder":
		# nothing of it left on either plane, and nothing comes back
		time.sleep(2)
		assert sas_of(gw) == (set(), set()), t.context()
		assert ike_sas(gw) == [] and ike_sas(gw, "IN-NEG") == []
		assert "gw" not in charon.list_sas()
	else:
		# IOS: a tunnel with a destination is set up again after a short delay
		new = wait(lambda: up(gw), 15)
		assert new and not (new[0] & old_in) and not (new[1] & old_out), t.context()
		assert wait(lambda: charon.established("gw", "net"), 10), t.context()
		assert len(ike_sas(gw)) == 1
		loss, out = t.case.ping(10)
		assert loss == 0, out + t.context()


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_peer_deletes_child_sa(life, role):
	t = life(role)
	gw, charon = t.case.gw, t.case.charon
	old_in, old_out = t.up()
	(ike,) = ike_sas(gw)
	before = stats(gw)["events"]
	charon.swanctl("--terminate", "--child", "net", "--timeout", "5", check=False)
	assert wait(lambda: "deleted CHILD SA in %08x out %08x" % (next(iter(old_in)),
								   next(iter(old_out))) in gw.log_text(), 10), \
		t.context()
	assert stats(gw)["events"]["child_deleted"] >= before["child_deleted"] + 1
	# the old CHILD SA left the data path; the protected tunnel gets a new
	# one over the same IKE SA (CREATE_CHILD_SA), as IOS brings it back
	new = wait(lambda: (lambda s: s if s[0] and s[1] and not s[0] & old_in else None)(
		sas_of(gw)), 15)
	assert new and not new[1] & old_out, t.context()
	assert [s["local_spi"] for s in ike_sas(gw)] == [ike["local_spi"]]
	assert stats(gw)["events"]["child_created"] == before["child_created"] + 1
	assert wait(lambda: charon.established("gw", "net"), 10), t.context()
	loss, out = t.case.ping(10)
	assert loss == 0, out + t.context()


def test_clear_reaches_strongswan(life):
	"""flexgw responding: `clear crypto ikev2 sa remote ADDR` tells charon,
	whose list of SAs is empty then, and nothing comes back by itself."""
	t = life("responder")
	gw, charon = t.case.gw, t.case.charon
	t.up()
	assert gw.flexctl("clear", "crypto", "ikev2", "sa", "remote", interop.PEER_WAN) == \
		{"cleared": 1}
	assert wait(lambda: charon.list_sas() == {}, 5), t.context()
	assert "received DELETE for IKE_SA gw" in charon.log_text()
	time.sleep(2)
	assert sas_of(gw) == (set(), set()) and ike_sas(gw) == []
	assert charon.list_sas() == {}


# ---- dead peer detection --------------------------------------------------------

DPD_INTERVAL, DPD_RETRY, DPD_RETRIES = 10, 2, 5
# polling, scheduling and the check that found the peer dead
DPD_SLACK = 5


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_dpd_declares_killed_peer_dead(life, role):
	t = life(role, peer2=True, profile_extra={
		"dpd": {"interval": DPD_INTERVAL, "retry_interval": DPD_RETRY, "mode": "periodic"}})
	gw, charon = t.case.gw, t.case.charon
	t.up()
	t.up2()
	# periodic: a liveness check every interval, answered (charon is alive)
	sent = wait(lambda: stats(gw)["events"]["dpd_sent"] >= 2, 2 * DPD_INTERVAL + 5)
	assert sent and stats(gw)["events"]["dpd_dead"] == 0, t.context()
	assert len(ike_sas(gw)) == 2

	charon.proc.send_signal(signal.SIGKILL)
	charon.proc.wait(5)
	killed = time.time()
	limit = DPD_INTERVAL + (DPD_RETRIES + 1) * DPD_RETRY + DPD_SLACK
	dead = wait(lambda: stats(gw)["events"]["dpd_dead"] == 1, limit)
	took = time.time() - killed
	t.notes.append(f"DPD declared the peer dead {took:.1f}s after the kill")
	assert dead, t.context()
	assert took <= limit
	assert "with 192.0.2.2 failed: peer is dead: DPD liveness check unanswered after 5 " \
	       "retries 2 s apart" in gw.log_text()
	assert stats(gw)["failures"]["TIMEOUT"] >= 1
	# both planes: the dead peer's SAs are gone (an initiator tries again,
	# which cannot succeed while the peer is dead)
	assert sas_of(gw) == (set(), set())
	assert [s["remote"] for s in ike_sas(gw)] == [PEER2_WAN]
	# the other peer is served as before
	assert up(gw, "Tunnel1") and t.charon2.established("gw", "net")
	tx, rx, out = topo.ping(t.case.lana, PEER2_LAN, count=10, interval=0.05, deadline=30)
	assert tx == rx == 10, out + t.context()
	print(f"DPD: dead {took:.1f}s after the kill (limit {limit}s)")


def test_dpd_on_demand_only_with_unanswered_traffic(life):
	t = life("responder", profile_extra={
		"dpd": {"interval": DPD_INTERVAL, "retry_interval": DPD_RETRY, "mode": "on-demand"}})
	gw, charon = t.case.gw, t.case.charon
	t.up()
	# traffic both ways, then silence: no liveness check is needed
	loss, _ = t.case.ping(5)
	assert loss == 0
	time.sleep(DPD_INTERVAL + 3)
	assert stats(gw)["events"]["dpd_sent"] == 0, t.context()

	charon.proc.send_signal(signal.SIGKILL)
	charon.proc.wait(5)
	killed = time.time()
	# traffic into the tunnel that is never answered
	pinger = t.case.lana.popen(["ping", "-q", "-i", "0.5", "-w", "40", interop.LANB["host"]],
				   stdout=topo.subprocess.DEVNULL, stderr=topo.subprocess.DEVNULL)
	try:
		limit = 2 * DPD_INTERVAL + (DPD_RETRIES + 1) * DPD_RETRY + DPD_SLACK
		dead = wait(lambda: stats(gw)["events"]["dpd_dead"] == 1, limit)
		took = time.time() - killed
	finally:
		pinger.kill()
		pinger.wait()
	assert dead, t.context()
	assert stats(gw)["events"]["dpd_sent"] == 1
	assert sas_of(gw) == (set(), set()) and ike_sas(gw) == []
	print(f"DPD on-demand: dead {took:.1f}s after the kill (limit {limit}s)")


def test_peer_liveness_checks_are_answered(life):
	t = life("initiator", charon_extra="    dpd_delay = 2s\n")
	gw, charon = t.case.gw, t.case.charon
	t.up()
	ike = charon.list_sas()["gw"]
	time.sleep(9)
	# charon checked several times (each answered) and kept the same SA
	after = charon.list_sas().get("gw")
	assert after and after["uniqueid"] == ike["uniqueid"] and after["state"] == "ESTABLISHED", \
		t.context()
	(sa,) = ike_sas(gw)
	assert sa["msg_ids"]["remote_next_msg_id"] >= 3, sa


# ---- INITIAL_CONTACT ------------------------------------------------------------


def restart(charon, conf_text=None):
	"""SIGKILL (no DELETE reaches flexgw), then a fresh charon that initiates."""
	charon.proc.send_signal(signal.SIGKILL)
	charon.proc.wait(5)
	charon.stop()
	(charon.dir / "run").mkdir()
	charon.start()
	charon.load(conf_text or charon.conf_text)
	charon.initiate("net", check=False)


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_initial_contact_from_restarted_peer(life, role):
	t = life(role)
	gw, charon = t.case.gw, t.case.charon
	t.up()
	(old,) = ike_sas(gw)
	restart(charon)
	assert wait(lambda: charon.established("gw", "net"), 15), t.context()
	assert wait(lambda: [s["local_spi"] for s in ike_sas(gw)] not in ([], [old["local_spi"]]),
		    10), t.context()
	time.sleep(1)
	sas = ike_sas(gw)
	assert len(sas) == 1 and sas[0]["local_spi"] != old["local_spi"], sas
	assert f"INITIAL_CONTACT, removing stale SA {old['tunnel_id']}" in gw.log_text()
	inb, outb = sas_of(gw)
	assert len(inb) == 1 and len(outb) == 1
	loss, out = t.case.ping(10)
	assert loss == 0, out + t.context()


def test_initial_contact_from_another_address(life):
	# the peer comes back from another address (as behind a NAT that
	# changed its mapping): INITIAL_CONTACT clears the SAs of its
	# authenticated identity, not of its old address
	t = life("responder")
	gw, charon = t.case.gw, t.case.charon
	t.up()
	(old,) = ike_sas(gw)
	moved = "192.0.2.5"
	t.case.peerns.run(f"ip addr add {moved}/24 dev wan")
	conf = charon.conf_text.replace(f"local_addrs = {interop.PEER_WAN}", f"local_addrs = {moved}")
	assert conf != charon.conf_text
	restart(charon, conf)
	assert wait(lambda: [s for s in ike_sas(gw) if s["remote"] == moved], 15), t.context()
	assert wait(lambda: not [s for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
				 if s["local_spi"] == old["local_spi"]], 5), t.context()
	log = gw.log_text()
	assert f"INITIAL_CONTACT, removing stale SA {old['tunnel_id']}" in log
	st = stats(gw)
	assert st["events"]["dup_identity"] == 0
	# Tunnel0's destination pins the peer's old address (as an IOS SVTI):
	# the new IKE SA gets no CHILD SA, with a log line and a counter
	assert re.search(rf"no tunnel has {re.escape(moved)}\S* \(fqdn peer\.example\.com\) as its "
			 r"destination: no CHILD SA", log), log
	assert st["failures"]["NO_TUNNEL"] == 1, st
	assert sas_of(gw) == (set(), set())


def test_duplicate_identity_replaces_old_sa(life):
	# a restarted charon that sends no INITIAL_CONTACT (unique = never):
	# its new IKE SA replaces the old one, as IOS does, with a log line and
	# a counter, and the tunnel carries traffic on the new SAs
	t = life("responder", charon_extra="    unique = never\n")
	gw, charon = t.case.gw, t.case.charon
	t.up()
	(old,) = ike_sas(gw)
	old_in, _ = sas_of(gw)
	restart(charon)
	assert wait(lambda: charon.established("gw", "net"), 15), t.context()
	assert wait(lambda: [s["local_spi"] for s in ike_sas(gw)] not in ([], [old["local_spi"]]),
		    10), t.context()
	assert wait(lambda: len(gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]) == 1, 5), \
		t.context()
	(new,) = ike_sas(gw)
	assert new["local_spi"] != old["local_spi"]
	log = gw.log_text()
	assert "INITIAL_CONTACT" not in log, log
	assert f"duplicate identity fqdn peer.example.com on profile PEER, replacing SA " \
		f"{old['tunnel_id']}" in log, log
	assert stats(gw)["events"]["dup_identity"] == 1
	inb, outb = sas_of(gw)
	assert len(inb) == 1 and len(outb) == 1 and not inb & old_in
	loss, out = t.case.ping(10)
	assert loss == 0, out + t.context()


# ---- limits ----------------------------------------------------------------------


def test_max_sa_refuses_second_peer(life):
	t = life("responder", peer2=True, ikev2_extra={"limits": {"max_sa": 1}})
	gw = t.case.gw
	t.up()
	p = t.charon2.initiate("net", timeout=6, check=False)
	assert p.returncode != 0
	assert "IKE_SA_INIT from 192.0.2.3 refused: limits.max_sa reached" in gw.log_text()
	assert stats(gw)["failures"]["LIMIT_SA"] >= 1
	# no state for the refused peer; the first one goes on
	assert [s["remote"] for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]] == \
		[interop.PEER_WAN]
	assert sas_of(gw, "Tunnel1") == (set(), set())
	loss, out = t.case.ping(10)
	assert loss == 0, out + t.context()


def test_max_in_negotiation_sa(life):
	"""One half-open IKE SA (a bare IKE_SA_INIT from elsewhere that never
	goes on to IKE_AUTH) fills max_in_negotiation_sa 1: charon is refused
	while it lasts, and comes up once the half-open SA timed out."""
	t = life("responder", ikev2_extra={"limits": {"max_in_negotiation_sa": 1}})
	gw, charon = t.case.gw, t.case.charon
	(answers,) = ikeraw.send(t.case.peerns, interop.GW_WAN, [(500, ikeraw.sa_init_request())])
	assert len(answers) == 1 and answers[0]["spi_r"] != 0, answers
	assert [s["status"] for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]] == ["IN-NEG"]
	p = charon.initiate("net", timeout=5, check=False)
	assert p.returncode != 0
	assert "IKE_SA_INIT from 192.0.2.2 refused: limits.max_in_negotiation_sa reached" in \
		gw.log_text()
	assert stats(gw)["failures"]["LIMIT_NEGOTIATING"] >= 1
	assert len(gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]) == 1
	# the half-open SA goes after 30 s without IKE_AUTH; then charon is served
	assert wait(lambda: gw.flexctl("show", "crypto", "ikev2", "sa")["sas"] == [], 40), \
		t.context()
	assert t.case.up() is not None, t.context()
	loss, out = t.case.ping(10)
	assert loss == 0, out + t.context()


# ---- flexgw <-> flexgw -------------------------------------------------------------


def test_flexgw_pair_delete_and_dpd(root, build, tmp_path):
	"""Two flexgw: `clear crypto ikev2 sa` on the initiator reaches the
	responder (its SAs go, the initiator sets the tunnel up again), then the
	responder is killed and the initiator's DPD declares it dead."""
	notes = []
	case = interop.Case(role="initiator", ike=IKE, esp=ESP, peer="flexgw", build=build,
			    workdir=tmp_path, log=notes.append, tag="lfpair")
	dpd = {"interval": DPD_INTERVAL, "retry_interval": DPD_RETRY, "mode": "periodic"}
	try:
		case.setup()
		for g in (case.gw, case.gwb):
			for p in g.config["ikev2"]["profiles"]:
				p["dpd"] = dpd
			g.cfg_path.write_text(json.dumps(g.config, indent=2) + "\n")
		case.start()
		assert case.up() is not None, case.report(notes)
		a, b = case.gw, case.gwb
		old_in, old_out = sas_of(b)
		before = stats(b)["events"]
		assert a.flexctl("clear", "crypto", "ikev2", "sa") == {"cleared": 1}
		assert wait(lambda: "with 192.0.2.1 deleted by the peer" in b.log_text(), 5), \
			b.log_text()
		assert stats(b)["events"]["sa_deleted"] == before["sa_deleted"] + 1
		new = wait(lambda: (lambda s: s if s[0] and s[0] != old_in else None)(sas_of(b)), 15)
		assert new and not new[1] & old_out, case.report()
		assert wait(lambda: up(a), 5)
		assert len(ike_sas(a)) == 1 and len(ike_sas(b)) == 1
		loss, out = case.ping(10)
		assert loss == 0, out

		b.proc.send_signal(signal.SIGKILL)
		b.proc.wait(10)
		killed = time.time()
		limit = DPD_INTERVAL + (DPD_RETRIES + 1) * DPD_RETRY + DPD_SLACK
		dead = wait(lambda: stats(a)["events"]["dpd_dead"] == 1, limit)
		took = time.time() - killed
		assert dead, a.log_text()[-5000:]
		assert sas_of(a) == (set(), set()) and ike_sas(a) == []
		print(f"DPD flexgw <-> flexgw: dead {took:.1f}s after the kill (limit {limit}s)")
	finally:
		case.teardown()
