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
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "integration"))

import strongswan  # noqa: E402
import topo  # noqa: E402

CONN = """connections {{
  gw {{
    version = 2
    local_addrs = {me}
    remote_addrs = {peer}
    proposals = {ike}
    mobike = no
    dpd_delay = 0
    local {{
      auth = psk
      id = {me_id}
    }}
    remote {{
      auth = psk
      id = {peer_id}
    }}
    children {{
      net {{
        local_ts = {me_ts}
        remote_ts = {peer_ts}
        esp_proposals = aes256gcm16,aes256-sha512
      }}
    }}
  }}
}}
secrets {{
  ike-a {{
    id = a.example
    secret = "capture-only-psk"
  }}
  ike-b {{
    id = b.example
    secret = "capture-only-psk"
  }}
}}
"""


def main():
	if "--flexgw" in sys.argv[1:]:
		return capture_flexgw()
	work = Path(f"/tmp/{topo.PREFIX}ikecap")
	work.mkdir(parents=True, exist_ok=True)
	a = topo.Namespace("ikecapA")
	b = topo.Namespace("ikecapB")
	charons, dump = [], None
	try:
		topo.veth(a, "wa", b, "wb")
		a.run("ip addr add 192.0.2.1/24 dev wa")
		b.run("ip addr add 192.0.2.2/24 dev wb")
		a.run("ip addr add 10.1.0.1/32 dev lo")
		b.run("ip addr add 10.2.0.1/32 dev lo")
		pcap = work / "ike.pcap"
		dump = a.popen(["dumpcap", "-q", "-i", "wa", "-f", "udp", "-w", str(pcap)],
			       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		time.sleep(1)
		for ns, name in ((a, "a"), (b, "b")):
			ch = strongswan.Charon(ns, work / name, flexvpn=name == "a")
			conf = ch.conf.read_text().replace("cfg = 2", "cfg = 2\n      enc = 4")
			ch.conf.write_text(conf)
			charons.append(ch.start())
		ca, cb = charons
		# a offers ECP-384 first, b takes MODP-2048 only: b answers
		# INVALID_KE_PAYLOAD and a tries again with the group b wants
		ca.load(CONN.format(me="192.0.2.1", peer="192.0.2.2", me_id="a.example",
				    peer_id="b.example", me_ts="10.1.0.1/32", peer_ts="10.2.0.1/32",
				    ike="aes256gcm16-prfsha384-ecp384,aes256-sha512-modp2048"))
		cb.load(CONN.format(me="192.0.2.2", peer="192.0.2.1", me_id="b.example",
				    peer_id="a.example", me_ts="10.2.0.1/32", peer_ts="10.1.0.1/32",
				    ike="aes256-sha512-modp2048"))
		ca.initiate("net")
		ca.swanctl("--rekey", "--child", "net")
		time.sleep(1)
		ca.swanctl("--rekey", "--ike", "gw")
		time.sleep(1)
		ca.terminate_ike("gw")
		time.sleep(1)
	finally:
		for ch in charons:
			ch.stop()
		if dump:
			dump.terminate()
			dump.wait(5)
		a.delete()
		b.delete()
	write(pcap, (work / "a" / "charon.log").read_text(), HERE / "messages.txt",
	      "strongSwan 5.9 <-> strongSwan, written by capture.py")


def capture_flexgw():
	import interop

	work = Path(f"/tmp/{topo.PREFIX}ikecapf")
	work.mkdir(parents=True, exist_ok=True)
	case = interop.Case(role="responder", nat=True, ike="aes256-sha512-modp2048",
			    esp="aes256gcm16-modp2048", tag="ikecapf", workdir=work)
	pcap, dump = work / "ike.pcap", None
	try:
		case.setup()
		ch = case.charon
		ch.conf.write_text(ch.conf.read_text().replace("cfg = 2", "cfg = 2\n      enc = 4"))
		dump = case.wan.popen(["dumpcap", "-q", "-i", "br0", "-f", "udp", "-w", str(pcap)],
				      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		time.sleep(1)
		case.start()
		if case.up() is None:
			raise SystemExit("the tunnel did not come up")
		ch.swanctl("--rekey", "--child", "net")
		time.sleep(2)
		ch.swanctl("--rekey", "--ike", "gw")
		time.sleep(2)
		ch.terminate_ike("gw")
		time.sleep(2)
		log = ch.log_text()
	finally:
		if dump:
			dump.terminate()
			dump.wait(5)
		case.teardown()
	write(pcap, log, HERE / "messages-flexgw.txt",
	      "strongSwan 5.9 (behind a NAT) <-> flexgw, written by capture.py --flexgw")


def plaintexts(log):
	"""The SK plaintexts charon dumped (enc level 4), in log order: each
	`plain => N bytes` line is followed by lines of up to 16 hex octets."""
	lines = log.splitlines()
	found = []
	for i, line in enumerate(lines):
		m = re.search(r"\[ENC\] plain => (\d+) bytes", line)
		if not m:
			continue
		want, data = int(m.group(1)), b""
		for row in lines[i + 1:]:
			m = re.search(r"\[ENC\]\s+\d+: (.*)$", row)
			if not m or len(data) >= want:
				break
			data += bytes.fromhex(" ".join(m.group(1).split()[:min(16, want - len(data))]))
		found.append(data)
	return found


def write(pcap, log, out, title):
	from scapy.all import IP, UDP, rdpcap

	summaries = re.findall(r"(?:generating|parsed) (\S+ (?:request|response) \d+ \[[^\]]*\])", log)
	plains = plaintexts(log)
	msgs = []
	for p in rdpcap(str(pcap)):
		if UDP not in p:
			continue
		data = bytes(p[UDP].payload)
		if 4500 in (p[UDP].sport, p[UDP].dport):
			if len(data) < 32 or data[:4] != bytes(4):
				continue		# ESP or a NAT keepalive
			data = data[4:]
		msgs.append((p[IP].src, data))
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
