"""A short libFuzzer run of every fuzz target in the sanitizer build
(build-san/tests/fuzz/<target>/), each from its seed corpus: the smoke test
that the targets build, run under ASan/UBSan and survive their seeds plus
some mutation. FGW_FUZZ_SECONDS sets the length (default 15 s per target).

Seeds: tests/fuzz/<target>/corpus/ (or seeds/), and for the config loader
also config/examples/; a tests/fuzz/<target>/*.dict is passed as the
dictionary. New inputs go to a temporary directory, never into the
repository."""
import os
import subprocess

import pytest

import topo

SAN_FUZZ = topo.build_dir("build-san") / "tests" / "fuzz"
SECONDS = int(os.environ.get("FGW_FUZZ_SECONDS", "15"))


def targets():
	if not SAN_FUZZ.is_dir():
		return []
	found = []
	for d in sorted(SAN_FUZZ.iterdir()):
		if not d.is_dir():
			continue
		for p in sorted(d.iterdir()):
			if p.is_file() and os.access(p, os.X_OK) and not p.suffix:
				found.append(p)
	return found


def seed_dirs(target):
	name = target.parent.name
	src = topo.REPO / "tests" / "fuzz" / name
	dirs = [src / d for d in ("corpus", "seeds") if (src / d).is_dir()]
	if name == "config":
		dirs.append(topo.REPO / "config" / "examples")
	return dirs


def test_sanitizer_build_has_fuzz_targets():
	assert targets(), f"no fuzz targets in {SAN_FUZZ}: run scripts/setup.sh (builds build-san with -Dfuzz=true)"


@pytest.mark.parametrize("target", [pytest.param(t, id=f"{t.parent.name}/{t.name}") for t in targets()])
def test_fuzz_smoke(target, tmp_path):
	seeds = seed_dirs(target)
	assert seeds, f"{target.name} has no seed corpus"
	work = tmp_path / "corpus"
	work.mkdir()
	env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
	args = [str(target), f"-max_total_time={SECONDS}", "-timeout=10", "-rss_limit_mb=4096",
		"-print_final_stats=1", f"-artifact_prefix={tmp_path}/"]
	args += [f"-dict={d}" for d in sorted((topo.REPO / "tests" / "fuzz" / target.parent.name).glob("*.dict"))]
	args += [str(work)] + [str(s) for s in seeds]
	p = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS + 300,
			   cwd=tmp_path, env=env)
	out = p.stdout + p.stderr
	crashes = [a.name for a in tmp_path.iterdir() if a.name.startswith(("crash-", "leak-", "timeout-", "oom-"))]
	assert p.returncode == 0 and not crashes, f"{' '.join(args)}\nexit {p.returncode}, artifacts {crashes}\n{out[-6000:]}"
	assert "stat::number_of_executed_units" in out, out[-3000:]
