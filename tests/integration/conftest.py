"""Fixtures for the integration tests: the lan topology (lan.py), once per
module and build tree, always torn down."""
import pytest

import topo
from lan import FrameSender, Lan


def build_trees():
	"""The main build always; the sanitizer build when it has been made
	(scripts/setup.sh always makes it, so CI runs both)."""
	trees = ["build"]
	if topo.binaries(topo.build_dir("build-san"))[0].exists():
		trees.append("build-san")
	return trees


@pytest.fixture(scope="module", params=build_trees())
def lan(request, root, build, tmp_path_factory):
	san = request.param != "build"
	tree = topo.build_dir(request.param) if san else build
	t = Lan(tree, tmp_path_factory.mktemp(f"lan-{request.param}"), topo.SANITIZER_ENV if san else None)
	try:
		t.setup()
		yield t
	finally:
		t.teardown()


@pytest.fixture(scope="module")
def lan1_frames(lan):
	s = FrameSender(lan.lan1, "eth0")
	try:
		yield s
	finally:
		s.close()


@pytest.fixture(scope="module")
def bench():
	"""The flexgw-bench binary of the main build."""
	path = topo.build_dir() / "dataplane" / "bench" / "flexgw-bench"
	if not path.exists():
		pytest.fail(f"{path} not built (ninja -C {topo.build_dir()})")
	return path
