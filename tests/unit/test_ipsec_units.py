"""Runs the IPsec C unit tests (build/tests/unit/ipsec/test_*), one pytest
test each, so the team's single pytest summary covers them. Each prints a
line per case and "N passed, M failed", and exits non-zero on failure."""
import re
import subprocess

import pytest

import topo

UNIT_DIR = topo.build_dir() / "tests" / "unit" / "ipsec"
PROGRAMS = ["test_replay", "test_crypto", "test_esp"]


@pytest.mark.parametrize("name", PROGRAMS)
def test_ipsec_unit(name):
	program = UNIT_DIR / name
	if not program.exists():
		pytest.fail(f"{program} not built")
	p = subprocess.run([str(program)], cwd=topo.REPO, capture_output=True, text=True,
			   timeout=300)
	out = p.stdout + p.stderr
	m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
	assert m, f"{name} printed no 'N passed, M failed' line:\n{out[-3000:]}"
	failures = "\n".join(line for line in p.stdout.splitlines() if line.startswith("FAIL"))
	assert int(m.group(2)) == 0 and p.returncode == 0, failures or out[-3000:]
	assert int(m.group(1)) > 0, out[-3000:]
