"""Captures real IKEv2 messages for the codec's tests and fuzz seeds: two
strongSwan charons in two namespaces (192.0.2.1 <-> 192.0.2.2, PSK, FQDN
identities) bring up an IKE SA and a CHILD SA, rekey the CHILD SA and the
IKE SA, send a liveness check and delete; dumpcap on the initiator's side
records the UDP datagrams. charon logs each exchange's payload summary
("generating ... [ ... ]") and, with enc at level 4, each SK payload's
plaintext, so the inner chains are captured too.

Writes messages.txt here: for every message, a line
  msg <dir> <summary as charon printed it>
followed by its hex, and for encrypted ones a line `inner <first> <hex>`
with the decrypted inner chain (without padding). Run as root from the
repository:  /usr/bin/python3 tests/vectors/ike/capture.py

With --flexgw it captures flexgw's side of the interop tests instead
(messages-flexgw.txt): interop.Case with charon initiating from behind the
NAT box (so IKE floats to 4500 and carries NAT detection) and flexgw
responding, ESP with PFS; charon then rekeys the CHILD SA (KE), rekeys the
IKE SA and deletes it; the capture is taken on the WAN bridge, the
plaintexts again come from charon's log, so every message flexgw built
and every one it parsed is there. Needs a built flexgw (build/).
"""
import re
import sys
import time
from pathlib import Path

from charon_pair import charon_pair, dumpcap, dumps, ike_datagrams, log_more
import topo  # noqa: E402 (charon_pair puts tests/integration on the path)

HERE = Path(__file__).resolve().parent


def main():
	if "--flexgw" in sys.argv[1:]:
		return capture_flexgw()
	work = Path(f"/tmp/{topo.PREFIX}ikecap")
	work.mkdir(parents=True, exist_ok=True)
	# a offers ECP-384 first, b takes MODP-2048 only: b answers
	# INVALID_KE_PAYLOAD and a tries again with the group b wants
	with charon_pair(work, "ikecap", {"enc": 4}, "aes256gcm16-prfsha384-ecp384,aes256-sha512-modp2048",
			 "aes256-sha512-modp2048", "aes256gcm16,aes256-sha512", "udp", flexvpn_a=True) as (ca, _):
		ca.initiate("net")
		rekey_then_delete(ca, 1)
	write(work / "ike.pcap", (work / "a" / "charon.log").read_text(), HERE / "messages.txt",
	      "strongSwan 5.9 <-> strongSwan, written by capture.py")


def rekey_then_delete(charon, pause):
	"""The exchanges a capture wants after IKE_AUTH: CHILD SA rekey, IKE SA
	rekey, DELETE, each given pause seconds to finish."""
	for args in (("--rekey", "--child", "net"), ("--rekey", "--ike", "gw")):
		charon.swanctl(*args)
		time.sleep(pause)
	charon.terminate_ike("gw")
	time.sleep(pause)


def capture_flexgw():
	import interop

	work = Path(f"/tmp/{topo.PREFIX}ikecapf")
	work.mkdir(parents=True, exist_ok=True)
	case = interop.Case(role="responder", nat=True, ike="aes256-sha512-modp2048",
			    esp="aes256gcm16-modp2048", tag="ikecapf", workdir=work)
	pcap = work / "ike.pcap"
	try:
		case.setup()
		ch = case.charon
		log_more(ch, {"enc": 4})
		with dumpcap(case.wan, "br0", "udp", pcap):
			case.start()
			if case.up() is None:
				raise SystemExit("the tunnel did not come up")
			rekey_then_delete(ch, 2)
		log = ch.log_text()
	finally:
		case.teardown()
	write(pcap, log, HERE / "messages-flexgw.txt",
	      "strongSwan 5.9 (behind a NAT) <-> flexgw, written by capture.py --flexgw")


def write(pcap, log, out, title):
	summaries = re.findall(r"(?:generating|parsed) (\S+ (?:request|response) \d+ \[[^\]]*\])", log)
	plains = dumps(log, "[ENC] plain")
	msgs = ike_datagrams(pcap)
	encrypted = [m for m in msgs if m[1][16] == 46]
	if len(msgs) != len(summaries) or len(encrypted) != len(plains):
		raise SystemExit(f"{len(msgs)} messages, {len(summaries)} summaries, "
				 f"{len(encrypted)} encrypted, {len(plains)} plaintexts: a retransmission? run again")
	k = 0
	with open(out, "w") as f:
		f.write(f"# {title}: each message as\n"
			"# `msg SUMMARY` (charon's own), `hex` the datagram (without the\n"
			"# non-ESP marker), `inner` the decrypted SK chain for encrypted ones.\n")
		for (src, data), summary in zip(msgs, summaries):
			f.write(f"msg {summary}\nhex {data.hex()}\n")
			if data[16] == 46:
				f.write(f"inner {plains[k].hex()}\n")
				k += 1
	print(len(msgs), "messages,", len(plains), "with their plaintext")


if __name__ == "__main__":
	main()
