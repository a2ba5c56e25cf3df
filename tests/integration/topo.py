"""Topologies for integration tests, in the manner of FRR's topotests.

A test builds network namespaces joined by veth pairs, starts a flexgw inside
one of them and drives it with flexctl. Everything made here is recorded so
that teardown removes it even when a test fails half way: namespaces carry a
per-run name prefix, processes are killed by the pid we started.
"""
import contextlib
import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
# Every namespace this run creates starts with PREFIX, so a leftover is easy
# to trace back and never collides with another run's.
PREFIX = f"fgw{os.getpid()}-"

# For a flexgw from build-san/: sanitizer reports go to its log. ASan ends
# the process (every later test fails); UBSan reports and goes on, so the
# other tests still say what they see, and the clean-shutdown tests fail on
# the report.
SANITIZER_ENV = {
	"ASAN_OPTIONS": "exitcode=86:detect_leaks=1",
	"UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=0",
}


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
	"""Child side of every process we start: SIGTERM when the test run
	dies, so even a killed pytest leaves no flexgw polling behind."""
	_libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def build_dir(name="build"):
	"""The build tree under test: $FGW_BUILD for the main one, else REPO/name."""
	if name == "build" and os.environ.get("FGW_BUILD"):
		return Path(os.environ["FGW_BUILD"]).resolve()
	return REPO / name


def binaries(build):
	return build / "controlplane" / "flexgw", build / "controlplane" / "ctl" / "flexctl"


def run(args, check=True, timeout=60, input=None):
	"""Runs a command (list, or a string split like a shell would) and
	returns the CompletedProcess with text stdout/stderr."""
	if isinstance(args, str):
		args = shlex.split(args)
	p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input)
	if check and p.returncode != 0:
		raise RuntimeError(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
	return p


class Namespace:
	"""A network namespace with lo up. delete() kills whatever still runs
	inside (only processes this run started can be in it) and removes it."""

	def __init__(self, name):
		self.name = PREFIX + name
		run(["ip", "netns", "add", self.name])
		self.run("ip link set lo up")

	@classmethod
	def attach(cls, name):
		"""An existing namespace by its full name (for cleanup)."""
		ns = cls.__new__(cls)
		ns.name = name
		return ns

	def cmd(self, args):
		if isinstance(args, str):
			args = shlex.split(args)
		return ["ip", "netns", "exec", self.name] + list(args)

	def run(self, args, check=True, timeout=60, input=None):
		return run(self.cmd(args), check=check, timeout=timeout, input=input)

	def popen(self, args, **kw):
		return subprocess.Popen(self.cmd(args), preexec_fn=_die_with_parent, **kw)

	def python(self, script, timeout=120, check=True):
		"""Runs a Python script in the namespace; returns its stdout parsed
		as JSON (the script prints one JSON document last)."""
		p = self.run([PYTHON, "-c", script], timeout=timeout, check=check)
		return json.loads(p.stdout.strip().splitlines()[-1])

	def mac(self, dev):
		out = self.run(f"ip -j link show dev {dev}").stdout
		return json.loads(out)[0]["address"]

	def pids(self):
		out = run(["ip", "netns", "pids", self.name], check=False).stdout
		return [int(x) for x in out.split()]

	def delete(self):
		for sig in (signal.SIGTERM, signal.SIGKILL):
			pids = self.pids()
			for pid in pids:
				try:
					os.kill(pid, sig)
				except ProcessLookupError:
					pass
			deadline = time.time() + 5
			while self.pids() and time.time() < deadline:
				time.sleep(0.1)
		run(["ip", "netns", "del", self.name], check=False)


def end_helper(proc, timeout=5):
	"""Ends a helper process that reads its work on stdin: its stdin
	closed is its signal to finish; killed (by its pid) if it does not."""
	if proc.poll() is not None:
		return
	proc.stdin.close()
	try:
		proc.wait(timeout)
	except subprocess.TimeoutExpired:
		proc.kill()
		proc.wait()


def dead_runs_namespaces():
	"""Namespaces an earlier run of these tests left when it was killed
	outright (its pid is gone) and in which nothing runs any more."""
	out = run("ip netns list", check=False).stdout
	found = []
	for line in out.splitlines():
		name = line.split()[0] if line.split() else ""
		head = name.split("-", 1)[0]
		if not (head.startswith("fgw") and head[3:].isdigit()):
			continue
		if os.path.exists(f"/proc/{head[3:]}") or Namespace.attach(name).pids():
			continue
		found.append(name)
	return found


def leftover_namespaces():
	out = run("ip netns list", check=False).stdout
	return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def quiet_port(ns, dev):
	"""A veth end flexgw owns through af_packet: no kernel addresses, no IPv6
	(so the kernel sends no RS/MLD/DAD on it)."""
	ns.run(f"sysctl -qw net.ipv6.conf.{dev}.disable_ipv6=1")


def offloads_off(ns, dev):
	"""af_packet would otherwise see 64 KB GSO frames and packets whose
	checksums the kernel left for hardware that isn't there."""
	ns.run(f"ethtool -K {dev} tso off gso off gro off tx off rx off")


def veth(a, adev, b, bdev, quiet_a=False, quiet_b=False):
	"""Joins namespace a (device adev) to b (bdev) and brings both ends up."""
	a.run(f"ip link add {adev} type veth peer name {bdev} netns {b.name}")
	for ns, dev, quiet in ((a, adev, quiet_a), (b, bdev, quiet_b)):
		if quiet:
			quiet_port(ns, dev)
		offloads_off(ns, dev)
		ns.run(f"ip link set {dev} up")


def host(ns, dev, ipv4=None, ipv6=None, gw4=None, gw6=None):
	"""A plain end host: addresses on dev and default routes via the gateway."""
	if ipv4:
		ns.run(f"ip addr add {ipv4} dev {dev}")
	if ipv6:
		ns.run(f"ip -6 addr add {ipv6} dev {dev} nodad")
	if gw4:
		ns.run(f"ip route add default via {gw4}")
	if gw6:
		ns.run(f"ip -6 route add default via {gw6}")


class FlexGW:
	"""A flexgw process under test, started inside namespace ns.

	ports: list of dicts {name, iface, ipv4, ipv6[, mtu]} where iface is a
	veth end in ns that flexgw drives through net_af_packet."""

	def __init__(self, ns, workdir, ports, routes=(), build=None, workers=(1,),
		     idle_sleep_us=20, extra_config=None, devices=None, env=None):
		self.ns = ns
		self.env = dict(os.environ, **(env or {}))
		self.dir = Path(workdir)
		self.dir.mkdir(parents=True, exist_ok=True)
		self.build = Path(build) if build else build_dir()
		self.flexgw_bin, self.flexctl_bin = binaries(self.build)
		self.socket = str(self.dir / "flexgw.sock")
		self.file_prefix = f"{ns.name}-dpdk"
		self.cfg_path = self.dir / "flexgw.json"
		self.log_path = self.dir / "flexgw.log"
		self.proc = None
		self.returncode = None
		self.ports = ports
		cfg = {
			"system": {"hostname": ns.name, "control_socket": self.socket},
			"dataplane": {
				"control_lcore": 0,
				"worker_lcores": list(workers),
				"idle_sleep_us": idle_sleep_us,
				"memory_mb": 1024,
				"eal_args": ["--file-prefix", self.file_prefix],
			},
			"ports": [],
			"routes": list(routes),
		}
		for i, p in enumerate(ports):
			dev = devices[i] if devices else f"net_af_packet{i},iface={p['iface']}"
			port = {"name": p["name"], "device": dev}
			for k in ("ipv4", "ipv6", "mtu", "gateway4", "gateway6"):
				if k in p:
					port[k] = p[k]
			cfg["ports"].append(port)
		if extra_config:
			cfg.update(extra_config)
		self.config = cfg
		self.cfg_path.write_text(json.dumps(cfg, indent=2) + "\n")

	# ---- lifecycle -------------------------------------------------------

	def start(self, wait=True, timeout=60):
		self.log = open(self.log_path, "w")
		self.proc = self.ns.popen([str(self.flexgw_bin), "-c", str(self.cfg_path)],
					  stdout=self.log, stderr=subprocess.STDOUT,
					  stdin=subprocess.DEVNULL, env=self.env)
		if wait:
			self.wait_ready(timeout)
		return self

	def alive(self):
		return self.proc is not None and self.proc.poll() is None

	def wait_ready(self, timeout=60):
		"""Until flexctl answers; raises with the log if flexgw died."""
		deadline = time.time() + timeout
		while time.time() < deadline:
			if not self.alive():
				raise RuntimeError(f"flexgw exited {self.proc.returncode} during startup:\n"
						   + self.log_text())
			try:
				p = self.flexctl_raw("show", "interfaces", "--json", check=False,
						     timeout=5)
			except subprocess.TimeoutExpired:
				continue	# a loaded host: ask again until the deadline
			if p.returncode == 0:
				try:
					json.loads(p.stdout)
					return
				except ValueError:
					pass
			time.sleep(0.2)
		raise RuntimeError(f"flexctl did not answer within {timeout}s:\n" + self.log_text())

	def wait_exit(self, timeout=30):
		"""For runs expected to fail: the exit code, and the log."""
		try:
			self.proc.wait(timeout)
		finally:
			self.stop()
		return self.returncode, self.log_text()

	def stop(self, timeout=15):
		"""SIGTERM, then SIGKILL after timeout. Returns the exit code."""
		if self.proc is None:
			return None
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
			try:
				self.proc.wait(timeout)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				# killed, it goes: on a loaded host its exit (the
				# af_packet sockets, the memory) outlasted 10 s
				self.proc.wait(60)
		self.returncode = self.proc.returncode
		if not self.log.closed:
			self.log.close()
		# EAL leaves its runtime directory (telemetry socket) behind
		shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)
		return self.returncode

	def log_text(self):
		try:
			return self.log_path.read_text(errors="replace")
		except OSError:
			return ""

	# ---- flexctl -----------------------------------------------------------

	def flexctl_raw(self, *words, check=True, timeout=15):
		return run([str(self.flexctl_bin), "-s", self.socket] + list(words),
			   check=check, timeout=timeout)

	def flexctl(self, *words):
		"""`flexctl -s SOCK words... --json`, parsed."""
		words = list(words)
		if "--json" not in words:
			words.append("--json")
		return json.loads(self.flexctl_raw(*words).stdout)

	# ---- DPDK telemetry ----------------------------------------------------

	def telemetry_path(self):
		return f"/var/run/dpdk/{self.file_prefix}/dpdk_telemetry.v2"

	def telemetry(self, *commands):
		"""Asks the telemetry socket; returns {command: reply}. "/" lists
		every registered command."""
		s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		try:
			s.settimeout(5)
			s.connect(self.telemetry_path())
			hello = json.loads(s.recv(16384).decode())
			size = hello["max_output_len"]
			out = {}
			for c in commands:
				s.send(c.encode())
				out[c] = json.loads(s.recv(size).decode())
			return out
		finally:
			s.close()


@contextlib.contextmanager
def gateway(name, workdir, ports, **kw):
	"""A started FlexGW alone in a namespace of its own (FlexGW's
	arguments), stopped and the namespace deleted however the block ends."""
	ns = Namespace(name)
	g = None
	try:
		g = FlexGW(ns, workdir, ports, **kw)
		g.start()
		yield g
	finally:
		if g is not None:
			g.stop()
		ns.delete()


# ---- traffic ---------------------------------------------------------------

def wait(cond, timeout, step=0.5):
	"""cond()'s first true value within timeout seconds (polled every
	step), else its value at the deadline."""
	deadline = time.time() + timeout
	while time.time() < deadline:
		v = cond()
		if v:
			return v
		time.sleep(step)
	return cond()


def wait_for(what, cond, timeout, step=0.2):
	"""wait(), where a timeout is a failure that names what was awaited."""
	v = wait(cond, timeout, step)
	if not v:
		raise AssertionError(f"timed out waiting for {what}")
	return v


def ping(ns, dst, count=50, interval=0.01, size=56, timeout=60, ttl=None, quiet=True,
	 deadline=None, wait=2, pmtudisc=None):
	"""Returns (transmitted, received, output). quiet=False keeps the
	per-packet lines (ICMP errors show there). wait: seconds ping waits
	for a reply when it has none yet (ping -W). pmtudisc: ping -M's
	"do" (DF set, no fragmenting at the source), "dont", "want".

	deadline: wait up to that many seconds for the replies (ping -w);
	without it ping gives up on a reply two round trips after its last
	request, which a gateway stalled on a loaded host outlasts, so a loss
	test that must hold at load wants it. ping -w keeps sending until it
	has count replies, so then (count, how many of requests 1..count were
	answered) is returned, read from the reply lines."""
	args = ["ping", "-n", "-c", str(count), "-i", str(interval), "-W", str(wait), "-s", str(size)]
	if deadline:
		args += ["-w", str(deadline)]
	elif quiet:
		args.append("-q")
	if ttl:
		args += ["-t", str(ttl)]
	if pmtudisc:
		args += ["-M", pmtudisc]
	p = ns.run(args + [dst], check=False, timeout=max(timeout, (deadline or 0) + 10))
	tx = rx = 0
	for line in p.stdout.splitlines():
		if "packets transmitted" in line:
			parts = line.split(",")
			tx = int(parts[0].split()[0])
			rx = int(parts[1].split()[0])
	if deadline:
		seqs = {int(m.group(1)) for m in re.finditer(r"bytes from .*icmp_seq=(\d+)", p.stdout)}
		tx, rx = count, len(seqs & set(range(1, count + 1)))
	return tx, rx, p.stdout + p.stderr


_TCP_SERVER = r"""
import hashlib, json, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
s.settimeout(float(sys.argv[3]))
c, _ = s.accept()
c.settimeout(float(sys.argv[3]))
h = hashlib.sha256()
n = 0
while True:
	b = c.recv(1 << 16)
	if not b:
		break
	h.update(b)
	n += len(b)
print(json.dumps({"bytes": n, "sha256": h.hexdigest()}), flush=True)
"""

_TCP_CLIENT = r"""
import hashlib, json, os, socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
n = int(sys.argv[3])
data = os.urandom(n)
c = socket.socket(fam, socket.SOCK_STREAM)
c.settimeout(float(sys.argv[4]))
t = time.time()
c.connect((sys.argv[1], int(sys.argv[2])))
c.sendall(data)
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
print(json.dumps({"bytes": n, "sha256": hashlib.sha256(data).hexdigest(),
		  "seconds": time.time() - t}), flush=True)
"""


def tcp_transfer(client_ns, server_ns, server_addr, nbytes, port=5001, timeout=120):
	"""Sends nbytes of random data from client_ns to server_addr in
	server_ns; returns (sent, received) summaries {bytes, sha256}."""
	srv = server_ns.popen([PYTHON, "-c", _TCP_SERVER, server_addr, str(port), str(timeout)],
			      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
	try:
		line = srv.stdout.readline()
		if "listening" not in line:
			raise RuntimeError("TCP server did not start: " + line + srv.stderr.read())
		cli = client_ns.run([PYTHON, "-c", _TCP_CLIENT, server_addr, str(port), str(nbytes),
				     str(timeout)], timeout=timeout + 10, check=False)
		out, err = srv.communicate(timeout=timeout)
		if cli.returncode != 0:
			raise RuntimeError(f"TCP client failed: {cli.stderr}")
		received = json.loads(out.strip().splitlines()[-1])
		return json.loads(cli.stdout.strip().splitlines()[-1]), received
	finally:
		if srv.poll() is None:
			srv.kill()
			srv.wait()
