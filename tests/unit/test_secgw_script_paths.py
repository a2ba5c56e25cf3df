"""scripts/bench-vs-secgw.sh finds ../shared/bench/secgw-bench.sh from a git
worktree too (beside the main repository, through git's common directory),
and says what to set when there is none. A throw-away repository, worktree,
shared/ and flexgw build (stubs) in tmp_path: the stub secgw-bench records
that it was called and fails, so nothing is measured and nothing starts."""
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bench-vs-secgw.sh"


def sh(*args, cwd):
	subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)


def stub(path, body):
	path.parent.mkdir(parents=True, exist_ok=True)
	path.write_text("#!/bin/sh\n" + body + "\n")
	path.chmod(0o755)


def layout(tmp_path, with_shared):
	"""<tmp>/main (repository), <tmp>/wt/X (its worktree), <tmp>/shared, <tmp>/build."""
	main = tmp_path / "main"
	(main / "scripts").mkdir(parents=True)
	shutil.copy(SCRIPT, main / "scripts")
	sh("git", "init", "-q", "-b", "main", cwd=main)
	sh("git", "add", ".", cwd=main)
	sh("git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x",
	   cwd=main)
	sh("git", "worktree", "add", "-q", str(tmp_path / "wt" / "X"), "-b", "X", cwd=main)
	marker = tmp_path / "called"
	if with_shared:
		stub(tmp_path / "shared" / "bench" / "secgw-bench.sh", f'echo "$@" > {marker}; exit 3')
	stub(tmp_path / "build" / "controlplane" / "flexgw", "exit 0")
	stub(tmp_path / "build" / "controlplane" / "ctl" / "flexctl", "exit 0")
	return tmp_path / "wt" / "X" / "scripts" / "bench-vs-secgw.sh", marker


def run(script, tmp_path):
	env = {k: v for k, v in os.environ.items() if k not in ("SECGW_BENCH", "FGW_BUILD")}
	env.update(FGW_BUILD=str(tmp_path / "build"), SECGW_BENCH_CACHE=str(tmp_path / "cache"))
	return subprocess.run(["bash", str(script), "--sizes", "64", "--runs", "1",
			       "--duration", "1", "--warmup", "0"], capture_output=True, text=True,
			      env=env, timeout=60)


def test_found_from_a_worktree(tmp_path):
	script, marker = layout(tmp_path, with_shared=True)
	p = run(script, tmp_path)
	assert marker.exists(), p.stderr
	assert "--sizes 64" in marker.read_text()
	assert p.returncode != 0 and "secgw-bench failed" in p.stderr, p.stderr


def test_missing_names_places_and_variable(tmp_path):
	script, marker = layout(tmp_path, with_shared=False)
	p = run(script, tmp_path)
	assert p.returncode == 1, p.stderr
	assert not marker.exists()
	assert "set SECGW_BENCH" in p.stderr, p.stderr
	assert str(tmp_path / "wt" / "X" / ".." / "shared") in p.stderr, p.stderr
	assert str(tmp_path / "main" / ".." / "shared") in p.stderr, p.stderr
