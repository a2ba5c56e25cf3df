#!/usr/bin/python3
"""Issue 6's IKE setup-rate benchmark (not a test): flexgw-ikeload against
a strongSwan charon responder and against flexgw, in namespaces made here
and removed at the end. Prints one JSON object per run with the tool's
report, the wall time, and the responder's RSS (KiB) before, at its peak
while the SAs were up, and after they were deleted.

  sudo controlplane/ikev2/loadgen/bench.py [--build build] [--counts 1000,10000]
      [--responders charon,flexgw,flexgw-tunnels] [--window 128]
"""
import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import ikeload  # noqa: E402

IKE = "aes256gcm16-prfsha512-ecp256"
ESP = "aes256gcm16"
# static tunnels need one source address per peer: 192.0.2.2 .. .251
MAX_TUNNELS = 250


class RssSampler(threading.Thread):
	def __init__(self, pid):
		super().__init__(daemon=True)
		self.pid, self.peak, self.stop_flag = pid, 0, False

	def run(self):
		while not self.stop_flag:
			self.peak = max(self.peak, ikeload.rss_kb(self.pid))
			time.sleep(0.1)


def one_run(build, kind, n, window, workdir):
	tunnels = min(n, MAX_TUNNELS) if kind == "flexgw-tunnels" else 0
	t = ikeload.Topology(workdir, local_count=max(1, tunnels))
	try:
		extra = ["--hold", "2"]
		if kind == "charon":
			pid = t.start_charon(IKE, ESP).proc.pid
		else:
			gw = ikeload.start_flexgw(t, build, IKE, ESP, tunnel_peers=tunnels,
						  max_sa=0)
			pid = ikeload.flexgw_pid(gw)
			if tunnels:
				n = tunnels
				extra += ["--local", ikeload.INI_ADDR, "--local-count", str(tunnels)]
			else:
				extra += ["--ike-only"]
		time.sleep(1)
		before = ikeload.rss_kb(pid)
		sampler = RssSampler(pid)
		sampler.start()
		r, wall, _ = ikeload.run_ikeload(build, t.ini, n, window=window, ike=IKE, esp=ESP,
						 extra=extra, timeout=900)
		sampler.stop_flag = True
		sampler.join()
		after = ikeload.rss_kb(pid)
		return {"responder": kind, "n": n, "window": window, "report": r,
			"wall_s": round(wall, 2), "rss_kb": {"before": before, "peak": sampler.peak,
							     "after": after},
			"rss_per_sa_kb": round((sampler.peak - before) / max(1, r["established"]), 2)}
	finally:
		t.teardown()


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--build", default=str(REPO / "build"))
	ap.add_argument("--counts", default="1000,10000")
	ap.add_argument("--responders", default="charon,flexgw,flexgw-tunnels")
	ap.add_argument("--window", type=int, default=128)
	a = ap.parse_args()
	build = Path(a.build).resolve()
	for kind in a.responders.split(","):
		for n in [int(x) for x in a.counts.split(",")]:
			with tempfile.TemporaryDirectory(prefix="ikeload-") as d:
				print(json.dumps(one_run(build, kind, n, a.window, Path(d))), flush=True)
			if kind == "flexgw-tunnels":
				break


if __name__ == "__main__":
	main()
