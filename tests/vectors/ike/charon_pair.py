"""What the capture scripts share: two strongSwan charons in two namespaces
(192.0.2.1 <-> 192.0.2.2, PSK, FQDN identities a.example and b.example,
one /32 on each side's loopback), dumpcap recording their datagrams, and
readers for what charon dumps into its log at level 4.
"""
import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))

import strongswan  # noqa: E402
import topo  # noqa: E402

PSK = "capture-only-psk"

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
        esp_proposals = {esp}
      }}
    }}
  }}
}}
secrets {{
  ike-a {{
    id = a.example
    secret = "{psk}"
  }}
  ike-b {{
    id = b.example
    secret = "{psk}"
  }}
}}
"""


def log_more(charon, levels):
	"""Raises charon's log levels, e.g. {"enc": 4}, before it starts."""
	extra = "".join(f"\n      {k} = {v}" for k, v in levels.items())
	charon.conf.write_text(charon.conf.read_text().replace("cfg = 2", "cfg = 2" + extra))


@contextlib.contextmanager
def dumpcap(ns, iface, capture_filter, pcap):
	"""Records iface's datagrams into pcap for the duration of the block."""
	dump = ns.popen(["dumpcap", "-q", "-i", iface, "-f", capture_filter, "-w", str(pcap)],
			stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	try:
		time.sleep(1)		# dumpcap is not recording before this
		yield
	finally:
		dump.terminate()
		dump.wait(5)


@contextlib.contextmanager
def charon_pair(work, tag, levels, ike_a, ike_b, esp, capture_filter, flexvpn_a=False):
	"""Yields charons (a, b) configured with connection "gw" / child "net",
	each offering its own IKE proposal, while dumpcap records a's side into
	work/ike.pcap; a's log is work/a/charon.log. Always tears down."""
	a = topo.Namespace(tag + "A")
	b = topo.Namespace(tag + "B")
	charons = []
	try:
		topo.veth(a, "wa", b, "wb")
		a.run("ip addr add 192.0.2.1/24 dev wa")
		b.run("ip addr add 192.0.2.2/24 dev wb")
		a.run("ip addr add 10.1.0.1/32 dev lo")
		b.run("ip addr add 10.2.0.1/32 dev lo")
		with dumpcap(a, "wa", capture_filter, work / "ike.pcap"):
			for ns, name in ((a, "a"), (b, "b")):
				ch = strongswan.Charon(ns, work / name, flexvpn=flexvpn_a and name == "a")
				log_more(ch, levels)
				charons.append(ch.start())
			ca, cb = charons
			ca.load(CONN.format(me="192.0.2.1", peer="192.0.2.2", me_id="a.example",
					    peer_id="b.example", me_ts="10.1.0.1/32", peer_ts="10.2.0.1/32",
					    ike=ike_a, esp=esp, psk=PSK))
			cb.load(CONN.format(me="192.0.2.2", peer="192.0.2.1", me_id="b.example",
					    peer_id="a.example", me_ts="10.2.0.1/32", peer_ts="10.1.0.1/32",
					    ike=ike_b, esp=esp, psk=PSK))
			yield ca, cb
	finally:
		for ch in charons:
			ch.stop()
		a.delete()
		b.delete()


def dumps(log, label):
	"""Every chunk charon dumped after `label => N bytes` (%B at level 4),
	in log order: the hex rows that follow, up to N octets."""
	lines = log.splitlines()
	found = []
	for i, line in enumerate(lines):
		m = re.search(re.escape(label) + r" => (\d+) bytes", line)
		if not m:
			continue
		want, data = int(m.group(1)), b""
		for row in lines[i + 1:]:
			m = re.search(r"\[\w+\]\s+\d+: (.*)$", row)
			if not m or len(data) >= want:
				break
			data += bytes.fromhex(" ".join(m.group(1).split()[:min(16, want - len(data))]))
		found.append(data)
	return found


def ike_datagrams(pcap):
	"""[(source address, IKE message)] in capture order: ESP and NAT
	keepalives on 4500 are skipped, the non-ESP marker is taken off."""
	from scapy.all import IP, UDP, rdpcap

	out = []
	for p in rdpcap(str(pcap)):
		if UDP not in p:
			continue
		data = bytes(p[UDP].payload)
		if 4500 in (p[UDP].sport, p[UDP].dport):
			if len(data) < 32 or data[:4] != bytes(4):
				continue		# ESP or a NAT keepalive
			data = data[4:]
		out.append((p[IP].src, data))
	return out
