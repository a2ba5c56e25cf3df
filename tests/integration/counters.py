"""Reading `flexctl show dataplane stats --json` and `show interfaces --json`.

Kept in one place so the tests speak in counters (rx, forwarded, drops by
reason, per-port packets) rather than in JSON paths."""
import json
import time


class Stats:
	def __init__(self, doc):
		self.doc = doc

	@classmethod
	def read(cls, gw):
		return cls(gw.flexctl("show", "dataplane", "stats"))

	@classmethod
	def settled(cls, gw, timeout=10):
		"""Stats once the gateway is quiet: two reads a moment apart agree
		(workers, ports and the control lcore, which drains the punt ring
		after the workers) and every worker's books balance. Fails with
		the last two readings when that does not happen within timeout:
		a test comparing unsettled counters would pass or fail by luck."""
		deadline = time.time() + timeout
		prev = cls.read(gw)
		while True:
			time.sleep(0.3)
			cur = cls.read(gw)
			if cur.traffic() == prev.traffic() and all(cur.balance(w) == 0 for w in cur.workers()):
				return cur
			if time.time() > deadline:
				raise AssertionError(
					f"counters did not settle within {timeout}s; last two readings:\n"
					+ json.dumps(prev.traffic(), sort_keys=True) + "\n"
					+ json.dumps(cur.traffic(), sort_keys=True) + "\nbalances: "
					+ str([cur.balance(w) for w in cur.workers()]))
			prev = cur

	@classmethod
	def delta_when(cls, gw, before, done, timeout=20):
		"""The settled delta since `before` once done(delta) holds, or the
		last one at the timeout (the caller's assertions then say what is
		missing). Settled is not enough after frames sent without an
		answer to wait for: on a loaded host they may not have reached
		the gateway by the first two readings."""
		deadline = time.time() + timeout
		while True:
			d = cls.settled(gw).delta(before)
			if done(d) or time.time() > deadline:
				return d
			time.sleep(0.2)

	def traffic(self):
		"""Everything that moves with packets, not with polling or with
		flexctl's own requests."""
		skip = {"polls", "idle_polls", "ctl_requests", "ctl_errors"}

		def strip(o):
			if isinstance(o, dict):
				return {k: strip(v) for k, v in o.items() if k not in skip}
			if isinstance(o, list):
				return [strip(v) for v in o]
			return o
		return strip({k: self.doc[k] for k in ("workers", "ports", "control")})

	def workers(self):
		return self.doc["workers"]

	def drops(self, w):
		return w["drops"]

	def balance(self, w):
		"""rx + handoff_in - (forwarded + punted + sum(drops) - TX_FULL +
		handoff_out + frag_held): 0 when every received packet is
		accounted for (an outer fragment held for reassembly ends in the
		packet its last fragment completes)."""
		d = self.drops(w)
		return w["rx"] + w["handoff_in"] - (w["forwarded"] + w["punted"] + sum(d.values())
						    - d.get("TX_FULL", 0) + w["handoff_out"] + w["frag_held"])

	def total(self, key):
		return sum(w[key] for w in self.workers())

	def drop(self, reason):
		return sum(self.drops(w).get(reason, 0) for w in self.workers())

	def port(self, name):
		"""{rx_packets, rx_bytes, tx_packets, tx_bytes} of one port, summed
		over workers."""
		for p in self.doc["ports"]:
			if p["interface"] == name:
				return p
		raise KeyError(name)

	def control(self, key):
		return self.doc["control"][key]

	def delta(self, before):
		return Delta(before, self)


class Delta:
	def __init__(self, a, b):
		self.a, self.b = a, b

	def drop(self, reason):
		return self.b.drop(reason) - self.a.drop(reason)

	def total(self, key):
		return self.b.total(key) - self.a.total(key)

	def port(self, name, key):
		return self.b.port(name)[key] - self.a.port(name)[key]

	def control(self, key):
		return self.b.control(key) - self.a.control(key)

	def counter(self, name):
		"""A drop reason ("RUNT") or a control counter ("control.malformed")."""
		if name.startswith("control."):
			return self.control(name[len("control."):])
		return self.drop(name)
