"""Captures strongSwan's own IKEv2 key material, for the crypto's tests:
two charons in two namespaces (192.0.2.1 <-> 192.0.2.2, PSK, FQDN
identities) bring up an IKE SA with a CHILD SA, rekey the IKE SA and
delete it, once per IKE proposal below. dumpcap records the datagrams;
the initiator's charon logs (ike/chd/enc at level 4) the shared DH secret,
SK_d..SK_pr, the CHILD SA keys and each SK plaintext.

Writes strongswan-keys.txt here, in tests/vectors/'s record format, two
records per proposal:
  ike-sa:    g^ir, Ni, Nr, SPIi|SPIr, the seven keys as prf+ produced them,
             both IKE_SA_INIT messages, both IKE_AUTH messages, the PSK,
             the first CHILD SA's KEYMAT (encr_i|integ_i|encr_r|integ_r);
  ike-rekey: SK_d of the old SA, the rekey's g^ir, Ni, Nr, new SPIs, the
             new SA's keys, and an encrypted message under the new SA.
Run as root from the repository:
  /usr/bin/python3 tests/vectors/ike/capture_keys.py
"""
import struct
import time
from pathlib import Path

from charon_pair import PSK, charon_pair, dumps, ike_datagrams
import topo  # noqa: E402 (charon_pair puts tests/integration on the path)

HERE = Path(__file__).resolve().parent

# (strongSwan IKE proposal, ESP proposal, crypto.h suite "encr,bits,integ,prf,dh")
CASES = [
	("aes256-sha512-modp2048", "aes256-sha512", "12,256,14,7,14"),
	("aes256gcm16-prfsha384-ecp384", "aes256gcm16", "20,256,0,6,20"),
	("aes128-sha256-x25519", "aes128gcm16", "12,128,12,5,31"),
]


def payloads(chain, first):
	"""[(type, body)] of a payload chain."""
	out, off, t = [], 0, first
	while t:
		nxt, length = chain[off], struct.unpack("!H", chain[off + 2:off + 4])[0]
		if length < 4 or off + length > len(chain):
			raise ValueError("not a payload chain")
		out.append((t, chain[off + 4:off + length]))
		off += length
		t = nxt
	return out


def body(chain, first, ptype):
	return next(b for t, b in payloads(chain, first) if t == ptype)


def capture(case, work):
	ike, esp, _ = case
	with charon_pair(work, "ikekey", {"ike": 4, "chd": 4, "enc": 4}, ike, ike, esp,
			 "udp port 500 or udp port 4500") as (ca, _):
		ca.initiate("net")
		time.sleep(1)
		ca.swanctl("--rekey", "--ike", "gw")
		time.sleep(2)
		ca.terminate_ike("gw")
		time.sleep(1)
	return work / "ike.pcap", (work / "a" / "charon.log").read_text()


def records(case, pcap, log):
	_, _, suite = case
	msgs = [data for _, data in ike_datagrams(pcap)]
	gir = dumps(log, "shared Diffie Hellman secret")
	# charon dumps SK_ai / SK_ar only when there is an integrity transform
	names = ("d", "ai", "ar", "ei", "er", "pi", "pr") if suite.split(",")[2] != "0" \
		else ("d", "ei", "er", "pi", "pr")
	keys = [b"".join(parts) for parts in zip(*(dumps(log, f"Sk_{k} secret") for k in names))]
	plains = dumps(log, "plain")
	child = [dumps(log, f"{what} key")[0] for what in (
		"encryption initiator", "integrity initiator", "encryption responder",
		"integrity responder") if dumps(log, f"{what} key")]
	if len(gir) < 2 or len(keys) < 2 or not child:
		raise SystemExit(f"log lacks key dumps: {len(gir)} DH secrets, {len(keys)} key sets")

	init = [m for m in msgs if m[18] == 34]
	init_req = [m for m in init if not m[19] & 0x20][-1]
	init_resp = [m for m in init if m[19] & 0x20][-1]
	auth = [m for m in msgs if m[18] == 35]
	auth_req = next(m for m in auth if not m[19] & 0x20)
	auth_resp = next(m for m in auth if m[19] & 0x20)
	ni = body(init_req[28:], init_req[16], 40)
	nr = body(init_resp[28:], init_resp[16], 40)
	spis = init_resp[:16]
	first = f"""source = strongSwan 5.9 charon <-> charon, IKE SA {case[0]}, ESP {case[1]} (capture_keys.py)
alg = {suite}
gir = {gir[0].hex()}
ni = {ni.hex()}
nr = {nr.hex()}
spis = {spis.hex()}
keys = {keys[0].hex()}
init_req = {init_req.hex()}
init_resp = {init_resp.hex()}
auth_req = {auth_req.hex()}
auth_resp = {auth_resp.hex()}
psk = {PSK.encode().hex()}
keymat = {b"".join(child).hex()}
"""
	# The IKE SA rekey: CREATE_CHILD_SA with an SA of protocol IKE. Its
	# plaintexts (in message order on the initiator: request sent, then
	# response parsed) give the nonces and the new SPIs.
	rekey_plain = []
	for p in plains:
		try:
			chain = payloads(p, 33)
		except (IndexError, ValueError, struct.error):
			continue
		sa = dict(chain).get(33)
		if sa and len(sa) >= 16 and sa[5] == 1 and sa[6] == 8:	# IKE, 8-octet SPI
			rekey_plain.append(p)
	if len(rekey_plain) < 2:
		raise SystemExit("no IKE rekey found in the plaintexts")
	req, resp = rekey_plain[0], rekey_plain[1]
	spi_i, spi_r = dict(payloads(req, 33))[33][8:16], dict(payloads(resp, 33))[33][8:16]
	new = [m for m in msgs if m[:16] == spi_i + spi_r and m[16] == 46]
	if not new:
		raise SystemExit("no message under the new IKE SA")
	prf_len = {"7": 64, "6": 48, "5": 32, "2": 20}[suite.split(",")[3]]
	second = f"""source = strongSwan 5.9 charon <-> charon, IKE SA {case[0]} rekeyed (capture_keys.py)
alg = {suite}
sk_d = {keys[0][:prf_len].hex()}
gir = {gir[1].hex()}
ni = {dict(payloads(req, 33))[40].hex()}
nr = {dict(payloads(resp, 33))[40].hex()}
spis = {(spi_i + spi_r).hex()}
keys = {keys[1].hex()}
msg = {new[0].hex()}
"""
	return first, second


def main():
	out = ["""# strongSwan's own IKEv2 key material (written by capture_keys.py, which
# says what each field is): real charon <-> charon sessions, not published
# vectors. Read by tests/unit/ike/test_ike_crypto.c.
"""]
	for i, case in enumerate(CASES):
		work = Path(f"/tmp/{topo.PREFIX}ikekeys{i}")
		work.mkdir(parents=True, exist_ok=True)
		pcap, log = capture(case, work)
		out += records(case, pcap, log)
	(HERE / "strongswan-keys.txt").write_text("\n".join(out))
	print(len(out) - 1, "records")


if __name__ == "__main__":
	main()
