"""test_tunnel's two gateways with their WAN through a bridge in a third
namespace, twan, where a test acts as a router on the way would: nft there
rewrites or holds the ESP that gwA sends gwB, frames are captured on the
bridge's ports, and frames can be sent from there to gwB.

    lan1 -- gwA (w1) -- (wan1) br0 in twan (wan2) -- (w2) gwB -- lan2
"""
import contextlib

import test_tunnel as tt
import topo

# nft's match of ESP, both families, as the statement's prefix (the field
# a statement names follows it: "ip ecn set ce")
_ESP = ("ip protocol esp", "ip6 nexthdr esp")


class WanPair(tt.Pair):
	def wan(self):
		self.mid = self.ns("twan")
		topo.veth(self.gwa_ns, "w1", self.mid, "wan1", quiet_a=True, quiet_b=True)
		topo.veth(self.gwb_ns, "w2", self.mid, "wan2", quiet_a=True, quiet_b=True)
		self.mid.run("ip link add br0 type bridge stp_state 0 mcast_snooping 0")
		topo.quiet_port(self.mid, "br0")
		for dev in ("wan1", "wan2"):
			self.mid.run(f"ip link set {dev} master br0")
		self.mid.run("ip link set br0 up")
		self.mid.run("nft add table bridge wan")
		self.mid.run("nft add chain bridge wan through { type filter hook forward priority 0 ; }")

	def _esp_rule(self, v4, v6):
		"""The bridge's only rules: v4 for ESP over IPv4 from gwA, v6 for
		over IPv6 (None: the bridge forwards as it is)."""
		self.mid.run("nft flush chain bridge wan through")
		if v4 is not None:
			for match, stmt in zip(_ESP, (v4, v6)):
				self.mid.run(f"nft add rule bridge wan through iifname wan1 {match} {stmt}")

	def mark(self, ecn):
		"""From now on the outer ECN field of ESP from gwA to gwB is set
		to ecn (nft's name: "ce", "ect1"), or left as gwA sent it (None)."""
		if ecn is None:
			self._esp_rule(None, None)
		else:
			self._esp_rule(f"ip ecn set {ecn}", f"ip6 ecn set {ecn}")

	@contextlib.contextmanager
	def held(self):
		"""ESP from gwA to gwB stops at the bridge while the block runs."""
		self._esp_rule("drop", "drop")
		try:
			yield
		finally:
			self._esp_rule(None, None)


@contextlib.contextmanager
def started(build, workdir, mode, spec=None):
	"""A WanPair of tt.MODES[mode] (or of spec, named mode), running,
	with every neighbour on the way resolved (both families) before a test
	counts a datagram, which nothing resends; torn down when the block
	ends, however it ends."""
	p = WanPair(build, workdir, mode, spec=spec)
	try:
		p.setup()
		for dst in (tt.LAN2["host4"], tt.LAN2["host6"]):
			tx, rx, out = topo.ping(p.lan1, dst, count=3, interval=0.2, deadline=30)
			assert rx == 3, out
		yield p
	finally:
		p.teardown()
