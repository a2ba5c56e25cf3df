"""The lan1 -- flexgw -- lan2 topology, built once per module and build tree.

    lan1 (eth0)              gw (p1, p2: af_packet)              lan2 (eth0)
    192.0.2.10/25  -------  192.0.2.1/25 | 198.51.100.1/24  -------  198.51.100.10/24
    2001:db8:1::10/64       2001:db8:1::1/64 | 2001:db8:2::1/64       2001:db8:2::10/64
                                                                     203.0.113.10/32 on lo

flexgw also has a static route 203.0.113.0/25 via lan2's host and a Null0
route 203.0.113.128/26; 203.0.113.192/26 and 2001:db8:ff::/48 are unrouted.
"""
import subprocess

import topo

LAN1 = dict(host4="192.0.2.10", gw4="192.0.2.1", net4="192.0.2.0/25",
	    host6="2001:db8:1::10", gw6="2001:db8:1::1", net6="2001:db8:1::/64")
LAN2 = dict(host4="198.51.100.10", gw4="198.51.100.1", net4="198.51.100.0/24",
	    host6="2001:db8:2::10", gw6="2001:db8:2::1", net6="2001:db8:2::/64")
STATIC_NET = "203.0.113.0/25"
STATIC_HOST = "203.0.113.10"
NULL_NET = "203.0.113.128/26"
NULL_HOST = "203.0.113.130"
UNROUTED4 = "203.0.113.200"
UNROUTED6 = "2001:db8:ff::1"

PORTS = [
	dict(name="GigabitEthernet1", iface="p1", ipv4=LAN1["gw4"] + "/25", ipv6=LAN1["gw6"] + "/64"),
	dict(name="GigabitEthernet2", iface="p2", ipv4=LAN2["gw4"] + "/24", ipv6=LAN2["gw6"] + "/64"),
]
ROUTES = [
	{"prefix": STATIC_NET, "next_hop": LAN2["host4"]},
	{"prefix": NULL_NET, "interface": "Null0"},
]


class Lan:
	"""The running topology: namespaces, the gateway, and the build used."""

	def __init__(self, build, workdir, env=None):
		self.build = build
		self.env = env
		self.workdir = workdir
		self.namespaces = []
		self.gw = None

	def ns(self, name):
		n = topo.Namespace(name)
		self.namespaces.append(n)
		return n

	def setup(self, idle_sleep_us=20):
		self.gwns = self.ns("gw")
		self.lan1 = self.ns("lan1")
		self.lan2 = self.ns("lan2")
		topo.veth(self.gwns, "p1", self.lan1, "eth0", quiet_a=True)
		topo.veth(self.gwns, "p2", self.lan2, "eth0", quiet_a=True)
		topo.host(self.lan1, "eth0", LAN1["host4"] + "/25", LAN1["host6"] + "/64",
			  LAN1["gw4"], LAN1["gw6"])
		topo.host(self.lan2, "eth0", LAN2["host4"] + "/24", LAN2["host6"] + "/64",
			  LAN2["gw4"], LAN2["gw6"])
		self.lan2.run(f"ip addr add {STATIC_HOST}/32 dev lo")
		self.gw = topo.FlexGW(self.gwns, self.workdir, PORTS, ROUTES, build=self.build,
				      idle_sleep_us=idle_sleep_us, env=self.env)
		self.gw.start()

	def teardown(self):
		try:
			if self.gw:
				self.gw.stop()
		finally:
			for n in reversed(self.namespaces):
				n.delete()


class FrameSender:
	"""Sends raw Ethernet frames out of a namespace's interface: a small
	process that reads hex frames on stdin and answers one line per frame,
	so a test can send hand-made frames without starting scapy each time."""

	SCRIPT = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for line in sys.stdin:
	try:
		s.send(bytes.fromhex(line.strip()))
		print("ok", flush=True)
	except OSError as e:
		print("error", e, flush=True)
"""

	def __init__(self, ns, dev):
		self.proc = ns.popen([topo.PYTHON, "-c", self.SCRIPT, dev], stdin=subprocess.PIPE,
				     stdout=subprocess.PIPE, text=True)

	def send(self, frame):
		self.proc.stdin.write(bytes(frame).hex() + "\n")
		self.proc.stdin.flush()
		answer = self.proc.stdout.readline().strip()
		if answer != "ok":
			raise RuntimeError(f"sending {bytes(frame).hex()}: {answer}")

	def close(self):
		topo.end_helper(self.proc)
