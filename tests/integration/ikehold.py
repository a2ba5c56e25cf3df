"""Holds IKE messages on the WAN bridge (an nftables bridge table in the
WAN namespace), per sender, so that tests can make exchanges cross in a
chosen order instead of hoping two timers fire together. ESP always passes;
IKE is UDP 500, or 4500 with the non-ESP marker (four zero octets)."""

# The R (response) flag: bit 0x20 of the IKE header's flags octet (offset
# 19), after the UDP header (8 octets) and, on 4500, the marker (4).
_IKE = {500: ("udp dport 500", 8 + 19), 4500: ("udp dport 4500 @th,64,32 0", 8 + 4 + 19)}


class IkeHold:
	"""hold(src, what): what is "all" (drop every IKE message src sends),
	"responses" (drop its responses, pass its requests), "requests" (the
	other way round) or None (pass)."""

	TABLE = "hold_ike"

	def __init__(self, wan):
		self.wan = wan
		self.policy = {}
		self.wan.run(["nft", "-f", "-"], input=(
			f"table bridge {self.TABLE} {{\n"
			"  chain hold { type filter hook forward priority 0; }\n"
			"}\n"))

	def hold(self, src, what):
		self.policy[src] = what
		rules = [f"flush chain bridge {self.TABLE} hold"]
		for addr, w in self.policy.items():
			for match, flags in _IKE.values():
				r_bit = {"responses": f" @th,{flags * 8 + 2},1 1",
					 "requests": f" @th,{flags * 8 + 2},1 0"}.get(w, "")
				if w is not None:
					rules.append(f"add rule bridge {self.TABLE} hold ip saddr {addr} "
						     f"{match}{r_bit} counter drop")
		self.wan.run(["nft", "-f", "-"], input="\n".join(rules) + "\n")

	def close(self):
		self.wan.run(["nft", "delete", "table", "bridge", self.TABLE], check=False)
