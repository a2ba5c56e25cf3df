"""Shared pytest setup: where the builds are, and a last-resort sweep of
namespaces (they carry the run's prefix, fgw<pid>-): this run's at the end,
and at the start the empty ones of earlier runs that were killed outright."""
import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "integration"))

import topo  # noqa: E402


def pytest_report_header(config):
	return [f"flexgw build: {topo.build_dir()}", f"namespace prefix: {topo.PREFIX}"]


@pytest.fixture(scope="session")
def repo():
	return topo.REPO


@pytest.fixture(scope="session")
def build():
	"""The main build tree; its binaries must exist (a missing binary is a
	failure, not a skip: CI must never pass on nothing)."""
	b = topo.build_dir()
	for path in topo.binaries(b):
		if not path.exists():
			pytest.fail(f"{path} not built: run scripts/setup.sh (or ninja -C {b})")
	return b


@pytest.fixture(scope="session")
def root():
	if os.geteuid() != 0:
		pytest.skip("needs root (network namespaces)")


@pytest.fixture(scope="session", autouse=True)
def sweep_namespaces():
	for name in topo.dead_runs_namespaces():
		topo.run(["ip", "netns", "del", name], check=False)
	yield
	for name in topo.leftover_namespaces():
		topo.Namespace.attach(name).delete()
