"""The control socket flexctl talks to, driven by hand: the bounds the
server keeps (request size, connections, idle time) answer with a clear
error or a close, never a hang, and a control lcore kept off its CPU does
not lose a request a client has already sent. No traffic: net_null ports."""
import os
import signal
import socket
import time

import pytest

import topo

IDLE_SECONDS = 5	# ctl_server.c CTL_IDLE_SECONDS
MAX_CONNS = 16		# ctl_server.c CTL_MAX_CONNS


@pytest.fixture
def gw(root, build, tmp_path):
	with topo.gateway("ctl", tmp_path, [dict(name="GigabitEthernet1", iface="x",
						 ipv4="192.0.2.1/26")],
			  build=build, devices=["net_null0"]) as g:
		yield g

def connect(gw, timeout=30):
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(timeout)
	s.connect(gw.socket)
	return s


def reply(s):
	"""The whole reply, to the server's close: (status, body). As flexctl
	does, a reset is the close of a server that left some of the request
	unread (too long, no slot): the byte count says whether all came."""
	data = b""
	while True:
		try:
			chunk = s.recv(65536)
		except ConnectionResetError:
			break
		if not chunk:
			break
		data += chunk
	head, _, body = data.partition(b"\n")
	status, _, length = head.decode().partition(" ")
	assert int(length) == len(body), data[:200]
	return status, body.decode()


def test_request_line(gw):
	with connect(gw) as s:
		s.sendall(b"show version\n")
		status, body = reply(s)
	assert status == "OK" and "flexgw" in body.lower(), body


def test_request_ended_by_shutdown(gw):
	"""A client that shuts its side down instead of sending the newline."""
	with connect(gw) as s:
		s.sendall(b"show version")
		s.shutdown(socket.SHUT_WR)
		status, body = reply(s)
	assert status == "OK", body


def test_request_too_long(gw):
	with connect(gw) as s:
		s.sendall(b"show " + b"x" * 5000)
		status, body = reply(s)
	assert status == "ERR" and "longer than 4096 bytes" in body, body
	assert gw.flexctl_raw("show", "version").returncode == 0


def test_unknown_command(gw):
	with connect(gw) as s:
		s.sendall(b"frobnicate the tunnels\n")
		status, body = reply(s)
	assert status == "ERR" and body.strip(), body


def test_idle_connection_closed(gw):
	"""A client that sends nothing is closed after the idle time, so it
	cannot hold one of the slots for good."""
	with connect(gw) as s:
		t0 = time.monotonic()
		assert s.recv(1) == b""
		waited = time.monotonic() - t0
	assert IDLE_SECONDS - 1 <= waited < IDLE_SECONDS + 15, waited


def test_too_many_connections(gw):
	"""Past the connection limit a client is told so at once; the slots
	come back when the idle ones go."""
	held = [connect(gw) for _ in range(MAX_CONNS)]
	try:
		# the server takes them in at its next poll; until then the
		# extra one might still get a slot
		deadline = time.monotonic() + 10
		while True:
			with connect(gw) as s:
				s.sendall(b"show version\n")
				status, body = reply(s)
			if status == "ERR" or time.monotonic() > deadline:
				break
			time.sleep(0.2)
		assert status == "ERR" and "Too many control connections" in body, body
	finally:
		for s in held:
			s.close()
	topo.wait_for("a control slot", lambda: gw.flexctl_raw(
		"show", "version", check=False).returncode == 0, timeout=IDLE_SECONDS + 15)


def test_request_survives_a_stalled_control_lcore(gw):
	"""The idle time is the client's, not the server's: flexgw stopped for
	longer than it (as a loaded host can keep a process off its CPU) still
	answers the request that arrived meanwhile, where it used to close the
	connection unread and flexctl reported an incomplete reply."""
	with connect(gw) as s:
		s.sendall(b"show version")
		time.sleep(0.5)		# accepted and the first bytes read
		os.kill(gw.proc.pid, signal.SIGSTOP)
		try:
			s.sendall(b"\n")
			time.sleep(IDLE_SECONDS + 2)
		finally:
			os.kill(gw.proc.pid, signal.SIGCONT)
		status, body = reply(s)
	assert status == "OK" and "flexgw" in body.lower(), body
