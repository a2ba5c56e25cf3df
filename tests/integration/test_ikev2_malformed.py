"""A running gateway with a live tunnel to strongSwan gets what no honest
peer sends, from the peer's namespace: garbage on UDP 500 and 4500 (with
the non-ESP marker for IKE; without it is ESP, dropped by the data path as
NO_SA), bad lengths, an unknown critical payload (answered UNSUPPORTED_CRITICAL_PAYLOAD,
RFC 7296 2.5), requests and responses for IKE SAs it does not have
(INVALID_IKE_SPI in the clear for requests only, 2.21.4), a forged message
on the live SA (integrity check fails) and a replayed old request of
charon's captured on the wire. Each is counted; the tunnel keeps carrying
traffic and charon's IKE SA stays the same."""
import json
import os
import struct

import counters
import interop
import ikeraw
import topo

IKE = "aes256-sha512-modp2048"

SNIFFER = """
import json
from scapy.all import IP, UDP, sniff
def ike(p):
	return (UDP in p and p[IP].src == "{src}" and p[UDP].dport == 4500
		and bytes(p[UDP].payload)[:4] == b"\\0\\0\\0\\0")
pk = sniff(iface="br0", lfilter=ike, count={count}, timeout={timeout})
print(json.dumps([bytes(p[UDP].payload)[4:].hex() for p in pk]))
"""

REPLAYER = """
import json
from scapy.all import IP, UDP, Raw, send
send(IP(src="{src}", dst="{dst}") / UDP(sport=4500, dport=4500) / Raw(b"\\0\\0\\0\\0" + bytes.fromhex("{msg}")), verbose=0)
print(json.dumps(True))
"""


def send(case, msgs, wait=1.0):
	return ikeraw.send(case.peerns, interop.GW_WAN, msgs, wait, src=interop.PEER_WAN)


def stats(gw):
	return gw.flexctl("show", "crypto", "ikev2", "stats")


def delta(before, after):
	d = {k: after["packets"][k] - before["packets"][k] for k in after["packets"]}
	d.update({k: after["failures"][k] - before["failures"][k] for k in after["failures"]})
	return d


def counted(gw, before, want, timeout=20):
	"""The delta since before once every counter of want reached its
	value, or the one at the timeout: an unanswered datagram is counted
	whenever the control plane comes to it, on a loaded host after the
	sender stopped waiting for an answer."""
	def reached():
		d = delta(before, stats(gw))
		return d if all(d[k] >= v for k, v in want.items()) else None
	return topo.wait(reached, timeout, 0.2) or delta(before, stats(gw))


def test_malformed_input(root, build, tmp_path):
	notes = []
	case = interop.Case(role="initiator", ike=IKE, esp="aes256gcm16", build=build,
			    workdir=tmp_path, log=notes.append, tag="mal")
	try:
		case.setup()
		# charon checks liveness every 2 s: requests of its to capture
		case.charon.conf_text = case.charon.conf_text.replace(
			"    mobike = no\n", "    mobike = no\n    dpd_delay = 2s\n")
		case.start()
		assert case.up() is not None, case.report(notes)
		gw, charon = case.gw, case.charon
		charon_sa = charon.list_sas()["gw"]["uniqueid"]
		(sa,) = [s for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
			 if s["status"] == "READY"]

		def check(msgs, want, answers=None, wait=1.0):
			before = stats(gw)
			got = send(case, msgs, wait)
			d = counted(gw, before, want)
			for k, v in want.items():
				assert d[k] == v, (k, d, got)
			if answers is not None:
				assert [len(a) for a in got] == answers, got
			return got

		n = len(ikeraw.sa_init_request())
		# garbage, too short for a header, a header whose length runs past
		# the datagram or stops short of it: dropped, counted, no answer
		check([(500, os.urandom(80)), (500, os.urandom(20)),
		       (500, ikeraw.sa_init_request(length_delta=8)),
		       (500, ikeraw.sa_init_request(length_delta=-n))],
		      {"INVALID_SYNTAX": 4, "rx_dropped": 4}, answers=[0, 0, 0, 0])
		# the same on 4500 behind the non-ESP marker
		check([(4500, os.urandom(64)), (4500, ikeraw.sa_init_request(length_delta=4))],
		      {"INVALID_SYNTAX": 2, "rx_dropped": 2}, answers=[0, 0])

		# on 4500 without the marker it is ESP: the data path drops it (no
		# SA has that SPI), IKE never sees it
		dp = counters.Stats.read(gw).drop("NO_SA")
		before = stats(gw)
		ikeraw.send(case.peerns, interop.GW_WAN, [(4500, b"\xde\xad\xbe\xef" + os.urandom(60))],
			    wait=0.5, src=interop.PEER_WAN, marker=False)
		topo.wait(lambda: counters.Stats.read(gw).drop("NO_SA") > dp, 20, 0.2)
		assert counters.Stats.read(gw).drop("NO_SA") == dp + 1
		d = delta(before, stats(gw))
		assert d["INVALID_SYNTAX"] == 0 and d["rx_dropped"] == 0, d

		# an unknown payload: critical -> UNSUPPORTED_CRITICAL_PAYLOAD naming
		# its type, no state; not critical -> ignored, the request answered
		(crit,), (plain,) = check(
			[(500, ikeraw.sa_init_request(extra=[(200, ikeraw.CRITICAL, b"boom")])),
			 (500, ikeraw.sa_init_request(extra=[(201, 0, b"fine")]))],
			{"INVALID_SYNTAX": 1}, answers=[1, 1], wait=3.0)
		assert crit["exchange"] == ikeraw.SA_INIT and crit["flags"] & ikeraw.F_RESPONSE
		assert crit["notifies"] == [(ikeraw.N_UNSUPPORTED_CRITICAL_PAYLOAD, bytes([200]))]
		assert crit["spi_r"] == 0
		assert plain["types"][:3] == [ikeraw.PL_SA, ikeraw.PL_KE, ikeraw.PL_NONCE], plain
		assert plain["spi_r"] != 0

		# an SA we do not have: a request gets INVALID_IKE_SPI in the clear
		# with its SPIs and message ID; a response gets nothing
		sk = [(ikeraw.PL_SK, 0, os.urandom(80))]
		spi_i, spi_r = 0x1122334455667788, 0x99AABBCCDDEEFF00
		(inv,), none = check(
			[(4500, ikeraw.message(spi_i, spi_r, ikeraw.INFORMATIONAL, ikeraw.F_INITIATOR, 7, sk)),
			 (4500, ikeraw.message(spi_i, spi_r, ikeraw.INFORMATIONAL,
					       ikeraw.F_INITIATOR | ikeraw.F_RESPONSE, 7, sk))],
			{"rx_invalid_spi": 2}, answers=[1, 0], wait=3.0)
		assert (inv["spi_i"], inv["spi_r"], inv["msg_id"]) == (spi_i, spi_r, 7)
		assert inv["exchange"] == ikeraw.INFORMATIONAL and inv["flags"] & ikeraw.F_RESPONSE
		assert inv["notifies"] == [(ikeraw.N_INVALID_IKE_SPI, b"")]

		# a forgery on the live SA (its SPIs, the next message ID): the
		# integrity check fails, counted; the SA is untouched. charon's own
		# liveness check (every 2 s) may take that ID between our reading it
		# and the forgery arriving: then the forgery is an old ID, dropped
		# before the ICV, and we try again with the new one.
		ours, theirs = int(sa["local_spi"], 16), int(sa["remote_spi"], 16)

		def next_id():
			live = gw.flexctl("show", "crypto", "ikev2", "sa")["sas"][0]
			return live["msg_ids"]["remote_next_msg_id"]

		for attempt in range(3):
			n = next_id()
			before = stats(gw)
			got = send(case, [(4500, ikeraw.message(ours, theirs, ikeraw.INFORMATIONAL,
							     0, n, sk))], 1.0)
			# until the forgery is counted, or charon took the ID
			topo.wait(lambda: delta(before, stats(gw))["DECRYPT"] or next_id() > n, 20, 0.2)
			d = delta(before, stats(gw))
			assert got == [[]] and d["DECRYPT"] in (0, 1), (d, got)
			if d["DECRYPT"] == 1:
				break
			assert next_id() > n, ("forgery not counted, ID not taken", d)
		else:
			raise AssertionError("charon took every message ID we tried")

		# a replayed old request of charon's, captured on the WAN bridge
		got = case.wan.python(SNIFFER.format(src=interop.PEER_WAN, count=3, timeout=12),
				      timeout=30)
		reqs = [bytes.fromhex(m) for m in got]
		reqs = [m for m in reqs if not ikeraw.parse(m)["flags"] & ikeraw.F_RESPONSE]
		assert len(reqs) >= 2, got
		old = reqs[0]
		assert struct.unpack("!I", old[20:24])[0] + 1 < \
			gw.flexctl("show", "crypto", "ikev2", "sa")["sas"][0]["msg_ids"]["remote_next_msg_id"]
		before = stats(gw)
		case.peerns.python(REPLAYER.format(src=interop.PEER_WAN, dst=interop.GW_WAN,
						   msg=old.hex()))
		d = counted(gw, before, {"rx_dropped": 1})
		assert d["rx_dropped"] == 1 and d["dup_requests"] == 0 and d["DECRYPT"] == 0, d

		# still serving: the same SAs on both sides, traffic flows
		now = [s for s in gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
		       if s["status"] == "READY"]
		assert [s["local_spi"] for s in now] == [sa["local_spi"]]
		assert charon.list_sas()["gw"]["uniqueid"] == charon_sa
		loss, out = case.ping(10)
		assert loss == 0, out + case.report(notes)
		assert gw.alive()
		print(json.dumps(stats(gw)["failures"]))
	finally:
		case.teardown()
