"""Frames seen on a namespace's interface, read while a test runs.

A small process in the namespace holds an AF_PACKET socket on the device
and writes each frame as a line (packet type, hex); a thread here collects
them, so a test waits for what it expects instead of sleeping for a guess.
Used as a context manager: the process ends (by its pid) with the block."""
import subprocess
import threading
import time

import topo

# sll_pkttype of a frame the device sent (linux/if_packet.h)
OUTGOING = 4

_SCRIPT = r"""
import select, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
while True:
	r, _, _ = select.select([s, sys.stdin], [], [])
	if s in r:
		data, addr = s.recvfrom(65535)
		print(addr[2], data.hex(), flush=True)
	elif sys.stdin.readline() == "":
		break
"""


class Capture:
	def __init__(self, ns, dev):
		self.frames = []	# (pkttype, bytes), in arrival order
		self._lock = threading.Lock()
		self.proc = ns.popen([topo.PYTHON, "-c", _SCRIPT, dev], stdin=subprocess.PIPE,
				     stdout=subprocess.PIPE, text=True)
		if self.proc.stdout.readline().strip() != "ready":
			self.close()
			raise RuntimeError(f"capture on {dev} in {ns.name} did not start")
		self._reader = threading.Thread(target=self._read, daemon=True)
		self._reader.start()

	def _read(self):
		for line in self.proc.stdout:
			kind, frame = line.split()
			with self._lock:
				self.frames.append((int(kind), bytes.fromhex(frame)))

	def received(self):
		"""The frames that came in on the device, so far."""
		with self._lock:
			return [f for kind, f in self.frames if kind != OUTGOING]

	def sent(self):
		"""The frames the device sent, so far."""
		with self._lock:
			return [f for kind, f in self.frames if kind == OUTGOING]

	def wait(self, cond, timeout, sent=False):
		"""Until cond(frames received, or sent) holds or timeout seconds
		passed; returns the frames (the caller's assertions say what is
		missing)."""
		frames = self.sent if sent else self.received
		deadline = time.time() + timeout
		while not cond(frames()) and time.time() < deadline:
			time.sleep(0.1)
		return frames()

	def close(self):
		"""Ends the process, then waits for the reader to take its last
		lines: the frames it printed before it exited are all in
		received()/sent() once close() returns."""
		topo.end_helper(self.proc)
		if hasattr(self, "_reader"):
			self._reader.join(10)

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.close()
