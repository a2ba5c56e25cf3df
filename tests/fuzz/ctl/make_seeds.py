"""Writes fuzz_ctl's seeds (one request per file) and dictionary: every
command of controlplane/api/commands.c's table, with its argument where
it takes one (names of tests/fuzz/ike_engine/gateway.json), as text and
--json, and the forms the tests and operators type: abbreviations, "?",
help, bad arguments.

  python3 tests/fuzz/ctl/make_seeds.py
"""
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]

ARGS = {"[NAME]": "USERS", "[N]": "1", "ADDR": "203.0.113.2", "TUNNEL": "Tunnel0"}


def commands():
	"""(words, arg) of each table line."""
	text = (REPO / "controlplane" / "api" / "commands.c").read_text()
	return re.findall(r'^\t\{ "([a-z0-9 -]+)", (NULL|"[^"]+")', text, re.M)


def main():
	seeds = []
	for words, arg in commands():
		arg = arg.strip('"')
		seeds += [words, words + " --json"]
		if arg != "NULL":
			seeds += [f"{words} {ARGS.get(arg, 'x')}", f"--json {words} {ARGS.get(arg, 'x')}"]
	seeds += ["sh ip ro", "SH CRY IKEV2 SA DET", "show crypto ?", "?", "show ip\t route\r\n",
		  "show interfaces Tunnel0", "show interfaces virtual-access 99",
		  "show crypto ikev2 profile NONE", "clear crypto ikev2 sa remote 2001:db8:ff::2",
		  "clear crypto ikev2 sa remote not-an-address", "show ip local pool USERS6 --json",
		  "show crypto session detail --json", "show crypto ikev2 sa detailed --json",
		  "show crypto ikev2 session detailed --json", "sh cr ik st", "show i", ""]
	d = HERE / "seeds"
	d.mkdir(exist_ok=True)
	for f in d.iterdir():
		f.unlink()
	for i, s in enumerate(seeds):
		(d / f"{i:03d}").write_text(s)
	words = sorted({w for c, _ in commands() for w in c.split()} | {"--json", "?"} |
		       set(ARGS.values()))
	(HERE / "ctl.dict").write_text("".join(f'"{w}"\n' for w in words))


if __name__ == "__main__":
	main()
