#!/usr/bin/python3
"""Issue 6's scale benchmark (not a test): flexgw-ikeload against a
strongSwan charon responder and against flexgw, in namespaces made here
and removed at the end. Prints one JSON object per run with the tool's
report, the wall time, and the responder's RSS (KiB) before, at its peak
while the SAs were up, and after they were deleted.

Responders: charon; flexgw (IKE SAs only: no CHILD SA without a tunnel);
flexgw-tunnels (static tunnels, one per source address, at most 250);
flexgw-va (a FlexVPN hub: every peer gets a pool address and its own
Virtual-AccessN cloned from a virtual template). flexgw-va leaves the SAs
up when the tool exits, counts the virtual-access interfaces, takes the
RSS with everything up (rss_per_peer_kb), then clears the SAs and times
the teardown until the last interface is gone.

--dataplane P: the data path with 10,000 tunnels against 1 (flexgw-bench,
every SA through its own tunnel interface and /32 route, as a hub's
virtual-access interfaces): P pairs of runs, 1 SA then --dp-sas, each
pair's ratio, so that a noisy host's slow minute hits both of a pair.

  sudo controlplane/ikev2/loadgen/bench.py [--build build] [--counts 1000,10000]
      [--responders charon,flexgw,flexgw-tunnels,flexgw-va] [--window 128]
      [--dataplane 3 [--dp-sas 10000] [--dp-size 64,1420]] [--timeout S]
"""
import argparse
import json
import statistics
import subprocess
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


def va_count(gw):
	return len(gw.flexctl("show", "interfaces", "virtual-access")["virtual_access"])


def va_run(build, t, n, window, timeout):
	"""flexgw-va: the SAs stay up after the tool; RSS and interfaces are
	read then, and the teardown is timed."""
	gw = ikeload.start_flexgw(t, build, IKE, ESP, max_sa=0, va_pool=n + 64)
	pid = ikeload.flexgw_pid(gw)
	time.sleep(1)
	before = ikeload.rss_kb(pid)
	r, wall, _ = ikeload.run_ikeload(build, t.ini, n, window=window, ike=IKE, esp=ESP,
					 extra=["--delete", "none"], timeout=timeout, vip=True)
	up = ikeload.rss_kb(pid)
	vas = va_count(gw)
	t0 = time.time()
	gw.flexctl_raw("clear", "crypto", "ikev2", "sa", timeout=300)
	left = va_count(gw)
	while left and time.time() - t0 < 300:
		time.sleep(0.5)
		left = va_count(gw)
	teardown = time.time() - t0
	return {"responder": "flexgw-va", "n": n, "window": window, "report": r,
		"wall_s": round(wall, 2), "virtual_access_up": vas,
		"rss_kb": {"before": before, "up": up, "after": ikeload.rss_kb(pid)},
		"rss_per_peer_kb": round((up - before) / max(1, r["established"]), 2),
		"teardown_s": round(teardown, 2), "virtual_access_left": left}


def one_run(build, kind, n, window, workdir, timeout=900):
	if kind == "flexgw-va":
		t = ikeload.Topology(workdir)
		try:
			return va_run(build, t, n, window, timeout)
		finally:
			t.teardown()
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
						 extra=extra, timeout=timeout)
		sampler.stop_flag = True
		sampler.join()
		after = ikeload.rss_kb(pid)
		return {"responder": kind, "n": n, "window": window, "report": r,
			"wall_s": round(wall, 2), "rss_kb": {"before": before, "peak": sampler.peak,
							     "after": after},
			"rss_per_sa_kb": round((sampler.peak - before) / max(1, r["established"]), 2)}
	finally:
		t.teardown()


def dp_run(build, sas, sizes):
	"""One flexgw-bench run, AES-GCM-256 (the ESP proposal above) both ways."""
	tool = build / "dataplane" / "bench" / "flexgw-bench"
	p = subprocess.run([str(tool), "--alg", "aes-gcm-256", "--dir", "both", "--size", sizes,
			    "--sas", str(sas), "--no-crypto-only", "--json"],
			   capture_output=True, text=True, timeout=900)
	if p.returncode != 0:
		raise RuntimeError(f"flexgw-bench --sas {sas}: exit {p.returncode}\n{p.stderr}")
	return {(r["dir"], r["size"]): r for r in json.loads(p.stdout)["results"]}


def dataplane(build, pairs, sas, sizes):
	"""Pairs of runs, 1 SA then `sas`: Mpps of each and each pair's ratio."""
	rows = {}
	for _ in range(pairs):
		one, many = dp_run(build, 1, sizes), dp_run(build, sas, sizes)
		for key, r in one.items():
			m = many[key]
			row = rows.setdefault(key, {"one": [], "many": [], "ratio": [], "path": m["path"]})
			row["one"].append(r["mpps"])
			row["many"].append(m["mpps"])
			row["ratio"].append(round(m["mpps"] / r["mpps"], 3) if r["mpps"] else None)
			for bad in ("dropped", "worker_losses"):
				if m.get(bad) or r.get(bad):
					row.setdefault(bad, []).append(m.get(bad) or r.get(bad))
	for (d, size), row in rows.items():
		print(json.dumps({"dataplane": True, "alg": "aes-gcm-256", "dir": d, "size": size,
				  "sas": sas, **row,
				  "median_mpps_1": statistics.median(row["one"]),
				  "median_mpps_n": statistics.median(row["many"]),
				  "median_ratio": statistics.median(row["ratio"])}), flush=True)


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--build", default=str(REPO / "build"))
	ap.add_argument("--counts", default="1000,10000")
	ap.add_argument("--responders", default="charon,flexgw,flexgw-tunnels")
	ap.add_argument("--window", type=int, default=128)
	ap.add_argument("--dataplane", type=int, default=0, metavar="PAIRS")
	ap.add_argument("--dp-sas", type=int, default=10000)
	ap.add_argument("--dp-size", default="64,1420")
	ap.add_argument("--timeout", type=int, default=900,
			help="seconds one flexgw-ikeload run may take (charon at 10,000 "
			"took about 10 minutes in session 2)")
	a = ap.parse_args()
	build = Path(a.build).resolve()
	if a.dataplane:
		dataplane(build, a.dataplane, a.dp_sas, a.dp_size)
	for kind in filter(None, a.responders.split(",")):
		for n in [int(x) for x in a.counts.split(",")]:
			with tempfile.TemporaryDirectory(prefix="ikeload-") as d:
				print(json.dumps(one_run(build, kind, n, a.window, Path(d), a.timeout)),
				      flush=True)
			if kind == "flexgw-tunnels":
				break


if __name__ == "__main__":
	main()
