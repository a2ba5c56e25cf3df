"""The benchmark tools refuse what they cannot run: flexgw-bench and
scripts/bench-vs-secgw.sh, given an argument out of range, an empty list or
a missing value, name the option on stderr and exit 2, before any EAL start,
gateway or measurement (so these cases cost nothing and load nothing)."""
import os
import subprocess

import pytest

import topo

SCRIPT = topo.REPO / "scripts" / "bench-vs-secgw.sh"


@pytest.mark.parametrize("args,says", [
	(["--size", ","], "--size"),
	(["--size", "63"], "--size"),
	(["--alg", ","], "--alg"),
	(["--alg", "aes-cbc-128"], "--alg"),
	(["--dir", "sideways"], "--dir"),
	(["--sas", "0"], "--sas"),
	(["--sas", "1000001"], "--sas"),
	(["--workers", "0"], "--workers"),
	(["--workers", "9"], "--workers 9: 1..8"),
	(["--duration", "nan"], "--duration"),
	(["-i", "--json"], "--interactive"),
	(["--sink", "disk"], "--sink disk: ring or null"),
	(["--sink", ""], "--sink"),
	(["--rx", "dma"], "--rx dma: copy, feeder or staged"),
	(["--rx", "feeder", "--sink", "null"], "--rx feeder needs --sink ring"),
	# found at the first inbound measurement, after the outbound ones (check17)
	(["--workers", "2", "--dir", "both"], "inbound with 2 workers needs --sas 2 or more"),
	(["--workers", "3", "--sas", "2", "--dir", "inbound"], "needs --sas 3 or more"),
])
def test_bench_refuses(bench, args, says):
	p = subprocess.run([str(bench), *args], capture_output=True, text=True, timeout=30)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert says in p.stderr, p.stderr
	assert p.stdout == ""


@pytest.mark.parametrize("args,says", [
	(["--sizes"], "--sizes needs a value"),
	(["--sas"], "--sas needs a value"),
	(["--sizes", ","], "--sizes"),
	(["--sizes", "64,,128"], "--sizes"),
	(["--sizes", "20"], "--sizes: '20'"),
	(["--sizes", "1445"], "--sizes: '1445'"),
	(["--alg", "cbc", "--sizes", "1439"], "--sizes: '1439'"),
	(["--sizes", "foo"], "--sizes: 'foo'"),
	(["--alg", "ccm"], "--alg"),
	(["--sas", "1001"], "--sas"),
	(["--duration", "0"], "duration"),
	(["--sizes", "64,"], "ends in a comma"),
	# the option and the value it refused named (check19)
	(["--duration", "0.5"], "--duration 0.5: a whole number expected"),
	(["--warmup", "x"], "--warmup x: a whole number expected"),
	(["--runs", "-1"], "--runs -1: a whole number expected"),
	(["--sas", "1e3"], "--sas 1e3: a whole number expected"),
])
def test_bench_vs_secgw_refuses(args, says):
	# a secgw-bench that is not there: a case that passed the checks would stop
	# at it (exit 1) instead of measuring
	env = {"PATH": "/usr/bin:/bin", "SECGW_BENCH": "/nonexistent/secgw-bench.sh"}
	p = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
			   timeout=30, env=env)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert says in p.stderr, p.stderr
	assert "Traceback" not in p.stderr


def test_bench_options_after_eal_args_named(bench):
	"""Options after `EAL arguments --` are parsed with `--` in argv[0]'s
	place: getopt's messages named the program `--` (check17)."""
	p = subprocess.run([str(bench), "--no-pci", "--", "--size"], capture_output=True,
			   text=True, timeout=30)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert p.stderr.startswith(f"{bench}: option '--size' requires an argument"), p.stderr


def test_bench_in_memory_without_hugepages(bench):
	"""--in-memory, a common DPDK argument, beside the default --no-huge
	failed in the EAL over "--legacy-mem", which nobody gave (check17):
	refused before the EAL, naming what it needs."""
	p = subprocess.run([str(bench), "--in-memory", "--", "--size", "64"], capture_output=True,
			   text=True, timeout=30)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert "--in-memory needs hugepages" in p.stderr, p.stderr


def test_bench_eal_failure_removes_runtime_dir(bench):
	"""An EAL that refuses its arguments after making its runtime directory
	left /var/run/dpdk/<prefix> behind (check17): removed."""
	prefix = f"check17-eal-fail-{os.getpid()}"
	p = subprocess.run([str(bench), "--file-prefix", prefix, "--no-huge", "--no-pci",
			    "--huge-unlink", "--", "--size", "64"],
			   capture_output=True, text=True, timeout=60)
	assert p.returncode == 1, (p.returncode, p.stderr)
	assert "EAL initialisation failed" in p.stderr, p.stderr
	assert not os.path.exists(f"/var/run/dpdk/{prefix}")


def test_bench_default_workers_lack_sas(bench):
	"""Three worker lcores from the EAL arguments, one SA, inbound: refused
	before any measurement (it stopped after the outbound results)."""
	p = subprocess.run([str(bench), "--lcores", "0@0,1@1,2@0,3@1", "--", "--dir", "both", "--size", "64"],
			   capture_output=True, text=True, timeout=60)
	assert p.returncode == 1, (p.returncode, p.stderr)
	assert "inbound with 3 workers needs --sas 3 or more" in p.stderr, p.stderr
	assert "outbound" not in p.stdout, p.stdout


def test_bench_eal_refusal_leaves_stdout_alone(bench):
	"""EAL arguments the EAL refuses: its usage, ~100 lines it printf()s,
	went to stdout, where --json promises one JSON object, and scrolled its
	error line away (check19). It goes to stderr with the error."""
	p = subprocess.run([str(bench), "--no-such-eal-option", "--", "--json"],
			   capture_output=True, text=True, timeout=60)
	assert p.returncode == 1, (p.returncode, p.stderr)
	assert p.stdout == "", p.stdout[:500]
	assert "Usage:" in p.stderr and "EAL initialisation failed" in p.stderr, p.stderr[-2000:]


@pytest.mark.parametrize("alg", ["gcm", "aes-128-gcm", "aes-gcm-128", "cbc", "aes-128-cbc",
				 "aes-128-cbc-sha256-hmac", "aes-cbc-128-sha256"])
def test_bench_vs_secgw_alg_names(alg):
	"""--alg takes secgw-bench's names (aes-128-gcm, the alg its own output
	prints) and flexgw-bench's: only gcm and cbc were taken (check19). Past
	the checks a missing secgw-bench stops it with exit 1."""
	env = {"PATH": "/usr/bin:/bin", "SECGW_BENCH": "/nonexistent/secgw-bench.sh"}
	p = subprocess.run(["bash", str(SCRIPT), "--alg", alg], capture_output=True, text=True,
			   timeout=30, env=env)
	assert p.returncode == 1, (p.returncode, p.stderr)
	assert "SECGW_BENCH names no file" in p.stderr, p.stderr


@pytest.mark.parametrize("alg", ["aes-cbc-256-sha256-128", "aes-cbc-128-hmac-sha1-96",
				 "aes-cbc-256-sha384-192,aes-cbc-128-hmac-sha512-256"])
def test_bench_alg_by_transform_name(bench, alg):
	"""AES-CBC by the transform show crypto ipsec sa prints (joined by a
	dash, with or without hmac-, the truncated lengths as RFC 4868 names
	them) was refused as unknown (check19). Taken, the run stops at a
	later check that needs no EAL."""
	p = subprocess.run([str(bench), "--alg", alg, "--workers", "2", "--dir", "inbound"],
			   capture_output=True, text=True, timeout=30)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert "inbound with 2 workers needs --sas 2" in p.stderr, p.stderr


def test_bench_alg_by_transform_name_twice(bench):
	p = subprocess.run([str(bench), "--alg", "aes-cbc-256-sha256,aes-cbc-256-hmac-sha256-128"],
			   capture_output=True, text=True, timeout=30)
	assert p.returncode == 2, (p.returncode, p.stderr)
	assert "aes-cbc-256-sha256 given twice" in p.stderr, p.stderr
