"""NAT traversal beyond the float to 4500 (RFC 3948, RFC 7296 2.23):

- NAT keepalives: two flexgw, the initiator behind the NAT box (nftables
  masquerade), both profiles with `nat_keepalive` 5. A capture on the WAN
  bridge sees one-octet 0xff datagrams from the NAT's outside address to
  the responder's 4500, about every 5 s while the tunnel is idle, none
  while a ping keeps ESP flowing, and none at all from the responder (no
  NAT in front of it). Both ends count them in `show crypto ikev2 stats`
  (sent on one side, received and silently accepted on the other).
- A peer whose NAT mapping changes: strongSwan initiates from behind the
  NAT box; while the tunnel runs, the NAT's conntrack table is flushed and
  its masquerade moved to ports 40000-40999, so the peer's traffic comes
  from a new port and what flexgw sends to the old one is dropped by the
  NAT. charon's next IKE message (its DPD, with nothing coming in) moves
  flexgw's IKE SA and the ESP-in-UDP port of the tunnel's outbound SA:
  pings from flexgw's LAN reach the peer's LAN again, without loss, on the
  same CHILD SA.
"""
import json
import subprocess
import time

import interop
import topo

# Flushes the namespace's IPv4 conntrack table over netlink (no conntrack
# tool needed): IPCTNL_MSG_CT_DELETE without attributes.
CT_FLUSH = r"""
import json, socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
msg = struct.pack("=LHHLL", 20, (1 << 8) | 2, 0x1 | 0x4, 1, 0) + struct.pack("=BBH", 2, 0, 0)
s.send(msg)
ack = s.recv(4096)
err = struct.unpack("=i", ack[16:20])[0] if len(ack) >= 20 else -1
print(json.dumps({"error": err}))
"""

KEEPALIVE_S = 5


def set_profile(gw, **kw):
	"""Changes every IKEv2 profile of gw's configuration before it starts."""
	for p in gw.config["ikev2"]["profiles"]:
		p.update(kw)
	gw.cfg_path.write_text(json.dumps(gw.config, indent=2) + "\n")


def capture_keepalives(ns):
	"""tshark on the WAN bridge for UDP datagrams of one octet; returns the
	process once it captures."""
	cap = ns.popen(["tshark", "-i", "br0", "-n", "-l", "-f", "udp and udp[4:2] = 9",
			"-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "udp.srcport",
			"-e", "ip.dst", "-e", "udp.dstport", "-e", "udp.payload"],
		       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
	for line in cap.stderr:
		if "Capturing on" in line:
			break
	return cap


def keepalives(cap):
	cap.terminate()
	out, _ = cap.communicate(timeout=30)
	seen = []
	for line in out.splitlines():
		f = line.split("\t")
		if len(f) >= 6:
			seen.append((float(f[0]), f[1], f[2], f[3], f[4], f[5]))
	return seen, out


def events(gw):
	return gw.flexctl("show", "crypto", "ikev2", "stats")["events"]


def test_nat_keepalives_from_the_natted_side(root, build, tmp_path):
	notes = []
	case = interop.Case(build=build, workdir=tmp_path, log=notes.append, peer="flexgw",
			    role="initiator", nat=True, tag="nka", ike="aes128-sha256-curve25519",
			    esp="aes256gcm16")
	cap = None
	try:
		case.setup()
		for g in case.gws:
			set_profile(g, nat_keepalive=KEEPALIVE_S)
		case.start()
		assert case.up() is not None, case.report(notes)
		case.resolve_lan_neighbours()
		loss, out = case.ping()
		assert loss == 0, out + case.report(notes)
		a, b = case.gw, case.gwb	# a: the initiator, behind the NAT

		cap = capture_keepalives(case.wan)
		t_idle = time.time()
		# idle: keepalives at the interval
		assert topo.wait(lambda: events(a)["nat_keepalives_sent"] >= 3, 6 * KEEPALIVE_S), \
			(events(a), case.report(notes))
		t_busy = time.time()
		# busy: ESP every 0.2 s holds the mapping, no keepalive needed
		p = case.lana.popen(["ping", "-n", "-q", "-i", "0.2", "-c", str(int(2 * KEEPALIVE_S / 0.2)),
				     interop.LANB["host"]], stdout=subprocess.PIPE, text=True)
		p.communicate(timeout=5 * KEEPALIVE_S)
		t_end = time.time()
		seen, raw = keepalives(cap)
		cap = None
		ea, eb = events(a), events(b)
		detailed = a.flexctl_raw("show", "crypto", "ikev2", "sa", "detailed").stdout
	finally:
		if cap is not None:
			cap.kill()
		case.teardown()

	why = f"captured:\n{raw}\nA {ea}\nB {eb}"
	# every one from the NAT's outside address, 4500 -> 4500 (the NAT kept
	# the inside port here), 0xff
	assert seen, why
	assert all(s[1] == interop.NAT_OUT and s[3] == interop.PEER_WAN and s[4] == "4500"
		   and s[5] == "ff" for s in seen), why
	idle = [s[0] for s in seen if s[0] < t_busy]
	busy = [s[0] for s in seen if t_busy + 1 < s[0] <= t_end]
	assert len(idle) >= 2 and idle[0] >= t_idle - 1, why
	gaps = [b - a for a, b in zip(idle, idle[1:])]
	assert all(KEEPALIVE_S - 1 <= g <= 2 * KEEPALIVE_S - 1 for g in gaps), (gaps, why)
	assert not busy, why
	# counted on both ends; the responder, with no NAT in front, sends none
	assert ea["nat_keepalives_sent"] >= len(seen) and ea["nat_keepalives_rx"] == 0, why
	assert eb["nat_keepalives_sent"] == 0 and eb["nat_keepalives_rx"] >= len(seen), why
	assert "NAT-T is detected inside" in detailed and "NAT keepalives sent:" in detailed, detailed


def test_peer_nat_mapping_change_followed(root, build, tmp_path):
	notes = []
	case = interop.Case(build=build, workdir=tmp_path, log=notes.append, role="responder",
			    nat=True, tag="nmv", ike="aes256-sha512-modp2048", esp="aes256gcm16")
	try:
		case.setup()
		ch = case.charon
		ch.conf_text = ch.conf_text.replace("    mobike = no\n", "    mobike = no\n    dpd_delay = 2s\n")
		case.start()
		assert case.up() is not None, case.report(notes)
		case.resolve_lan_neighbours()
		loss, out = case.ping()
		assert loss == 0, out + case.report(notes)
		gw = case.gw
		(before,) = gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
		inb, outb = interop.flexgw_sas(gw)
		assert before["remote"] == interop.NAT_OUT and before["remote_port"] == 4500, before

		nat = next(n for n in case.namespaces if n.name.endswith("-nat"))
		nat.run("nft flush chain ip nat post")
		nat.run("nft add rule ip nat post oifname out meta l4proto udp masquerade to :40000-40999")
		nat.run("nft add rule ip nat post oifname out masquerade")
		assert nat.python(CT_FLUSH)["error"] == 0
		# traffic both ways: charon's ESP now comes from the new port, what
		# flexgw sends to 4500 dies at the NAT, so charon hears nothing and
		# sends its DPD from the new mapping
		p = case.lana.popen(["ping", "-n", "-q", "-i", "0.2", "-c", "100", interop.LANB["host"]],
				    stdout=subprocess.PIPE, text=True)

		def moved():
			sas = gw.flexctl("show", "crypto", "ikev2", "sa")["sas"]
			return sas if len(sas) == 1 and 40000 <= sas[0]["remote_port"] <= 40999 else None
		after = topo.wait(moved, 30)
		p.kill()
		p.communicate()
		assert after, case.report(notes)
		(after,) = after
		loss, out = case.ping()
		log = gw.log_text()
		inb2, outb2 = interop.flexgw_sas(gw)
	finally:
		case.teardown()
	assert loss == 0, out + "\n" + log[-6000:]
	# the same IKE SA and CHILD SA, now to the new port
	assert after["local_spi"] == before["local_spi"], (before, after)
	assert [s["spi"] for s in inb2] == [s["spi"] for s in inb] and \
		[s["spi"] for s in outb2] == [s["spi"] for s in outb], (inb, inb2, outb, outb2)
	assert f"peer moved behind its NAT from {interop.NAT_OUT}[4500] to " \
		f"{interop.NAT_OUT}[{after['remote_port']}]" in log, log[-6000:]
