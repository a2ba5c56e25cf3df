"""Reader of the known-answer files in tests/vectors/ for the Python
cross-checks: records of "name = value" lines separated by blank lines,
'#' comments (the C tests read them with tests/unit/ipsec/vectors.h)."""
from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def records(name):
	"""The file's records: dicts of name -> value (hex fields stay text)."""
	out, cur = [], {}
	for line in (VECTORS / name).read_text().splitlines() + [""]:
		line = line.split("#", 1)[0].strip()
		if not line:
			if cur:
				out.append(cur)
			cur = {}
			continue
		key, _, value = line.partition("=")
		cur[key.strip()] = value.strip()
	return out


def params(name):
	"""One pytest parameter a record, named by its source."""
	return [pytest.param(r, id=r["source"]) for r in records(name)]
