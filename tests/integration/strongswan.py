"""strongSwan's charon as an IKEv2 peer inside a test namespace.

The kernel here has no XFRM ESP, so charon moves ESP itself through the
kernel-libipsec plugin (a TUN device ipsec0, always ESP in UDP 4500). Each
charon gets its own strongswan.conf, its own vici socket in its work
directory and, because charon writes /run/charon.pid whatever it is told,
a private mount namespace with the work directory's run/ bound over /run.
It is driven with swanctl over that socket and stopped by its own pid.
"""
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import topo

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"

# kernel-libipsec before kernel-netlink: the first does ESP, the second
# addresses and routes (charon refuses to start without a kernel-net).
PLUGINS = ("random nonce aes sha1 sha2 hmac gcm kdf openssl pem pkcs1 x509 pubkey "
	   "curve25519 socket-default kernel-libipsec kernel-netlink vici updown")

CONF = """charon {{
  install_virtual_ip = no
  cisco_flexvpn = {flexvpn}
  retransmit_tries = {tries}
  retransmit_timeout = 1
  retransmit_base = 1.4
  plugins {{
    vici {{
      socket = unix://{socket}
    }}
  }}
  load = {plugins}
  filelog {{
    stderr {{
      time_format = %H:%M:%S
      default = 1
      ike = 2
      cfg = 2
    }}
  }}
}}
"""


def parse_raw(text):
	"""Parses swanctl's --raw output (vici messages printed as
	`name {key=value key=[a b] section {...}}`, one per line) into a list of
	dicts, one per line."""
	docs = []
	for line in text.splitlines():
		line = line.strip()
		if not line:
			continue
		tokens = re.findall(r"\[[^\]]*\]|[{}]|[^\s{}=\[\]]+=(?:\[[^\]]*\]|[^\s{}]*)|[^\s{}]+",
				    line)
		stack = [{}]
		for tok in tokens:
			if tok == "{":
				continue
			if tok == "}":
				if len(stack) > 1:
					stack.pop()
				continue
			if "=" in tok:
				k, v = tok.split("=", 1)
				if v.startswith("["):
					v = v[1:-1].split()
				stack[-1][k] = v
			else:
				new = {}
				stack[-1][tok] = new
				stack.append(new)
		docs.append(stack[0])
	return docs


class Charon:
	"""One charon in namespace ns, configured from swanctl_conf (text)."""

	def __init__(self, ns, workdir, flexvpn=False, tries=5):
		self.ns = ns
		self.dir = Path(workdir)
		(self.dir / "run").mkdir(parents=True, exist_ok=True)
		self.socket = str(self.dir / "charon.vici")
		self.uri = "unix://" + self.socket
		self.conf = self.dir / "strongswan.conf"
		self.conf.write_text(CONF.format(socket=self.socket, plugins=PLUGINS, tries=tries,
						 flexvpn="yes" if flexvpn else "no"))
		self.swanctl_conf = self.dir / "swanctl.conf"
		self.log_path = self.dir / "charon.log"
		self.proc = None
		self.log = None

	def start(self, timeout=15):
		self.log = open(self.log_path, "w")
		script = (f"mount --bind {self.dir}/run /run && "
			  f"STRONGSWAN_CONF={self.conf} exec {CHARON}")
		self.proc = self.ns.popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
					  stdout=self.log, stderr=subprocess.STDOUT,
					  stdin=subprocess.DEVNULL)
		deadline = time.time() + timeout
		while time.time() < deadline:
			if self.proc.poll() is not None:
				raise RuntimeError(f"charon exited {self.proc.returncode}:\n" + self.log_text())
			if Path(self.socket).exists() and self.swanctl("--stats", check=False).returncode == 0:
				return self
			time.sleep(0.1)
		raise RuntimeError(f"charon's vici socket did not answer in {timeout}s:\n"
				   + self.log_text())

	def alive(self):
		return self.proc is not None and self.proc.poll() is None

	def stop(self, timeout=10):
		if self.proc is not None and self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
			try:
				self.proc.wait(timeout)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait(5)
		if self.log and not self.log.closed:
			self.log.close()
		# charon leaves its socket file behind
		Path(self.socket).unlink(missing_ok=True)
		shutil.rmtree(self.dir / "run", ignore_errors=True)

	def log_text(self):
		try:
			return self.log_path.read_text(errors="replace")
		except OSError:
			return ""

	# ---- swanctl -----------------------------------------------------------

	def swanctl(self, *args, check=True, timeout=30):
		return topo.run([SWANCTL] + list(args) + ["--uri", self.uri], check=check, timeout=timeout)

	def load(self, conf_text):
		"""Writes swanctl.conf and loads its connections and secrets."""
		self.swanctl_conf.write_text(conf_text)
		self.swanctl("--load-all", "--noprompt", "--file", str(self.swanctl_conf))

	def initiate(self, child, timeout=10, check=True):
		return self.swanctl("--initiate", "--child", child, "--timeout", str(timeout),
				    check=check, timeout=timeout + 10)

	def terminate_ike(self, name, check=False):
		return self.swanctl("--terminate", "--ike", name, "--timeout", "5", check=check)

	def list_sas(self):
		"""{ike_name: ike_sa dict} from `swanctl --list-sas --raw`; each
		IKE SA has 'child-sas': {child_uniquename: child dict}."""
		out = self.swanctl("--list-sas", "--raw").stdout
		sas = {}
		for doc in parse_raw(out):
			# `list-sa event {NAME {...}}`: the event name is two words
			for name, ike in doc.get("list-sa", {}).get("event", {}).items():
				sas[name] = ike
		return sas

	def established(self, ike_name, child_name):
		"""(ike, child) dicts once the IKE SA is ESTABLISHED and a CHILD SA of
		that name is INSTALLED; else None."""
		ike = self.list_sas().get(ike_name)
		if not ike or ike.get("state") != "ESTABLISHED":
			return None
		for child in ike.get("child-sas", {}).values():
			if child.get("name") == child_name and child.get("state") == "INSTALLED":
				return ike, child
		return None

	def routes_to(self, prefix):
		"""Whether kernel-libipsec's route to prefix (table 220, via its TUN
		device) is in place: charon lists a CHILD SA as INSTALLED a moment
		before, and until then replies into the tunnel go nowhere."""
		fam = "-6" if ":" in prefix else "-4"
		out = self.ns.run(f"ip {fam} route show table 220", check=False).stdout
		return any(line.split()[:1] == [prefix] for line in out.splitlines())

	def wait_established(self, ike_name, child_name, timeout=15):
		deadline = time.time() + timeout
		while True:
			got = self.established(ike_name, child_name)
			if got or time.time() >= deadline:
				return got
			if not self.alive():
				raise RuntimeError("charon died:\n" + self.log_text())
			time.sleep(0.1)
