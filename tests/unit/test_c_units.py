"""Runs every C unit-test program the builds made (tests/unit/* and
tests/unit/ike/* in build/, and again in build-san/ under ASan and UBSan
when that exists), one pytest test each, so a single pytest summary covers
the C tests too. Each program prints "N passed, M failed" and exits non-zero
on failure."""
import os
import re
import subprocess

import pytest

import topo

TREES = [topo.build_dir(), topo.build_dir("build-san")]
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


def programs():
	found = []
	for tree in TREES:
		# tests/unit/ and the IKE and FlexVPN tests' own directories
		# (tests/unit/ike/ and flexvpn/, where only test_* are test
		# programs: ike_crypto_tool serves test_ike_crypto_py.py);
		# tests/unit/ipsec/ has its own runner (test_ipsec_units.py).
		for d in (tree / "tests" / "unit", tree / "tests" / "unit" / "ike",
			  tree / "tests" / "unit" / "flexvpn"):
			if d.is_dir():
				found += sorted(p for p in d.iterdir()
						if p.is_file() and os.access(p, os.X_OK) and not p.suffix
						and (d.name not in ("ike", "flexvpn") or p.name.startswith("test_")))
	return found


def test_c_unit_programs_built():
	assert programs(), f"no C unit-test programs in {[str(t / 'tests' / 'unit') for t in TREES]}"


def program_id(p):
	tree = p.parents[2] if p.parent.name == "unit" else p.parents[3]
	return f"{tree.name}/{p.name}"


@pytest.mark.parametrize("program", [pytest.param(p, id=program_id(p)) for p in programs()])
def test_c_unit(program):
	p = subprocess.run([str(program)], cwd=topo.REPO, capture_output=True, text=True,
			   timeout=300, env=dict(os.environ, **SANITIZER_ENV))
	out = p.stdout + p.stderr
	m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
	assert m, f"{program} printed no 'N passed, M failed' line:\n{out[-3000:]}"
	failures = "\n".join(line for line in p.stdout.splitlines() if line.startswith("FAIL"))
	assert int(m.group(2)) == 0 and p.returncode == 0, (failures + "\n" + out[-3000:]).strip()
	assert int(m.group(1)) > 0, out[-3000:]
