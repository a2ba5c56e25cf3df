#!/usr/bin/env bash
# The test command: installs and builds whatever is missing (scripts/setup.sh),
# then runs the whole suite under one pytest run, as root:
#   tests/unit/         config loader tests, and every C unit-test program in build/tests/unit/
#   tests/fuzz/         a libFuzzer smoke run of each target in build-san/ (ASan + UBSan)
#   tests/integration/  lan1 -- flexgw -- lan2 in network namespaces, against build/ and build-san/
#
#   scripts/test.sh                      everything
#   scripts/test.sh -k forwarding        extra arguments go to pytest
#   FGW_FUZZ_SECONDS=5 scripts/test.sh   shorter fuzz smoke runs (default 15 s per target)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "test.sh: run as root (network namespaces, DPDK)" >&2
	exit 1
fi
scripts/setup.sh

rc=0
/usr/bin/python3 -m pytest -v -p no:cacheprovider -rfEs --durations=10 tests/ "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
	echo "test.sh: pytest collected no tests: that is a failure" >&2
	rc=1
fi
exit "$rc"
