"""strongSwan proposal strings <-> flexgw configuration objects.

The interop runner takes its algorithms as strongSwan writes them
(`aes256-sha512-modp2048`, `aes256gcm16-prfsha384-ecp384`, ESP `aes256gcm16`,
`aes256-sha512-modp2048` with a PFS group) so the same string configures both
peers. This file turns such a string into flexgw's `ikev2.proposals` entry or
`ipsec.transform_sets` entries (+ PFS group), and turns what `swanctl
--list-sas` and `flexctl show crypto ipsec sa` report back into one canonical
form so the two sides can be compared.

Canonical form: a dict with encr ("aes-cbc-256", "aes-gcm-128", ...), integ
("sha512" or None for AEAD), prf ("sha384"; IKE only) and group (14, 20, 31
...; None for an ESP SA without PFS).
"""

ENCR = {
	"aes128": "aes-cbc-128", "aes192": "aes-cbc-192", "aes256": "aes-cbc-256",
	"aes128gcm16": "aes-gcm-128", "aes128gcm128": "aes-gcm-128",
	"aes256gcm16": "aes-gcm-256", "aes256gcm128": "aes-gcm-256",
}
HASH = {"sha1": "sha1", "sha256": "sha256", "sha2_256": "sha256", "sha384": "sha384",
	"sha2_384": "sha384", "sha512": "sha512", "sha2_512": "sha512"}
PRF = {"prf" + k: v for k, v in HASH.items()}
GROUP = {"modp2048": 14, "modp3072": 15, "modp4096": 16, "modp2048s256": 24,
	 "ecp256": 19, "ecp384": 20, "ecp521": 21, "curve25519": 31, "x25519": 31}
# flexgw's ESP transform names (ipsec.transform_sets)
ESP_ENCR = {"aes-cbc-128": "esp-aes 128", "aes-cbc-192": "esp-aes 192",
	    "aes-cbc-256": "esp-aes 256", "aes-gcm-128": "esp-gcm 128",
	    "aes-gcm-256": "esp-gcm 256"}
ESP_INTEG = {"sha1": "esp-sha-hmac", "sha256": "esp-sha256-hmac",
	     "sha384": "esp-sha384-hmac", "sha512": "esp-sha512-hmac"}
# strongSwan's ESN keywords: flexgw negotiates whatever the data path has,
# so they only pass through to strongSwan's side.
ESN = {"esn", "noesn"}


class ProposalError(ValueError):
	pass


def _split(text, esp):
	"""{encr: [...], integ: [...], prf: [...], group: [...]} in the order
	written; unknown words are an error."""
	out = {"encr": [], "integ": [], "prf": [], "group": []}
	if not text or not isinstance(text, str):
		raise ProposalError("empty proposal")
	for word in text.lower().split("-"):
		if word in ENCR:
			out["encr"].append(ENCR[word])
		elif word in HASH:
			out["integ"].append(HASH[word])
		elif word in PRF and not esp:
			out["prf"].append(PRF[word])
		elif word in GROUP:
			out["group"].append(GROUP[word])
		elif word in ESN and esp:
			continue
		else:
			raise ProposalError(f"{text}: unknown or unsupported algorithm '{word}'")
	for k, v in out.items():
		if len(set(v)) != len(v):
			raise ProposalError(f"{text}: {k} listed twice")
	if not out["encr"]:
		raise ProposalError(f"{text}: no encryption algorithm")
	return out


def is_aead(encr):
	return encr.startswith("aes-gcm")


def parse_ike(text):
	"""An IKE proposal string, checked as strongSwan and flexgw both need it:
	a DH group; integrity with CBC and none with only GCM; for GCM a PRF.
	Without a prf word the PRFs follow the integrity algorithms (strongSwan's
	rule and flexgw's default)."""
	p = _split(text, esp=False)
	aead = [e for e in p["encr"] if is_aead(e)]
	if not p["group"]:
		raise ProposalError(f"{text}: IKE needs a DH group")
	if len(aead) < len(p["encr"]) and not p["integ"]:
		raise ProposalError(f"{text}: AES-CBC needs an integrity algorithm")
	if len(aead) == len(p["encr"]) and p["integ"]:
		raise ProposalError(f"{text}: AES-GCM takes no integrity algorithm")
	if not p["prf"]:
		if not p["integ"]:
			raise ProposalError(f"{text}: AES-GCM needs a prf (e.g. prfsha384)")
		p["prf"] = list(p["integ"])
	return p


def parse_esp(text):
	"""An ESP proposal string: encryption, integrity for CBC, an optional
	PFS group."""
	p = _split(text, esp=True)
	if p["prf"]:
		raise ProposalError(f"{text}: ESP has no prf")
	aead = [e for e in p["encr"] if is_aead(e)]
	if len(aead) < len(p["encr"]) and not p["integ"]:
		raise ProposalError(f"{text}: AES-CBC needs an integrity algorithm")
	if len(aead) == len(p["encr"]) and p["integ"]:
		raise ProposalError(f"{text}: AES-GCM takes no integrity algorithm")
	return p


def ikev2_proposal(name, text):
	"""flexgw's `ikev2.proposals` entry for an IKE proposal string."""
	p = parse_ike(text)
	obj = {"name": name, "encryption": p["encr"]}
	if p["integ"]:
		obj["integrity"] = p["integ"]
	if p["prf"] != p["integ"]:
		obj["prf"] = p["prf"]
	obj["group"] = p["group"]
	return obj


def transform_sets(prefix, text):
	"""(transform sets, pfs group or None) for an ESP proposal string: one
	transform set per encryption x integrity pair, in the string's order."""
	p = parse_esp(text)
	sets = []
	for e in p["encr"]:
		for i in ([None] if is_aead(e) else p["integ"]):
			ts = {"name": f"{prefix}{len(sets) + 1}", "esp_encryption": ESP_ENCR[e],
			      "mode": "tunnel"}
			if i:
				ts["esp_integrity"] = ESP_INTEG[i]
			sets.append(ts)
	return sets, (p["group"][0] if p["group"] else None)


# ---- what the peers report, in canonical form --------------------------------

_SW_INTEG = {"HMAC_SHA1_96": "sha1", "HMAC_SHA2_256_128": "sha256",
	     "HMAC_SHA2_384_192": "sha384", "HMAC_SHA2_512_256": "sha512"}
_SW_PRF = {"PRF_HMAC_SHA1": "sha1", "PRF_HMAC_SHA2_256": "sha256",
	   "PRF_HMAC_SHA2_384": "sha384", "PRF_HMAC_SHA2_512": "sha512"}
_SW_GROUP = {"MODP_2048": 14, "MODP_3072": 15, "MODP_4096": 16, "MODP_2048_256": 24,
	     "ECP_256": 19, "ECP_384": 20, "ECP_521": 21, "CURVE_25519": 31}
_SW_ENCR = {"AES_CBC": "aes-cbc", "AES_GCM_16": "aes-gcm"}
# flexctl show crypto ipsec sa: "aes-gcm-256" or "aes-cbc-256 hmac-sha512-256"
_FGW_INTEG = {"hmac-sha1-96": "sha1", "hmac-sha256-128": "sha256",
	      "hmac-sha384-192": "sha384", "hmac-sha512-256": "sha512"}


def from_swanctl(sa):
	"""Canonical algorithms of an IKE or CHILD SA dict of swanctl --raw."""
	encr = _SW_ENCR.get(sa.get("encr-alg"), sa.get("encr-alg"))
	return {
		"encr": f"{encr}-{sa.get('encr-keysize')}",
		"integ": _SW_INTEG.get(sa.get("integ-alg"), sa.get("integ-alg")),
		"prf": _SW_PRF.get(sa.get("prf-alg"), sa.get("prf-alg")),
		"group": _SW_GROUP.get(sa.get("dh-group"), sa.get("dh-group")),
	}


def from_flexgw_transform(transform):
	"""Canonical ESP algorithms of a flexctl `transform` string."""
	words = transform.split()
	integ = _FGW_INTEG.get(words[1], words[1]) if len(words) > 1 else None
	return {"encr": words[0], "integ": integ, "prf": None, "group": None}


# flexctl show crypto ikev2 sa --json: IOS's words
_FGW_IKE_ENCR = {"AES-CBC": "aes-cbc", "AES-GCM": "aes-gcm"}
_FGW_IKE_HASH = {"SHA96": "sha1", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384",
		 "SHA512": "sha512", "None": None}


def from_flexgw_ike(sa):
	"""Canonical IKE algorithms of one IKE SA of `show crypto ikev2 sa`."""
	encr = _FGW_IKE_ENCR.get(sa.get("encryption"), sa.get("encryption"))
	return {"encr": f"{encr}-{sa.get('keysize')}",
		"integ": _FGW_IKE_HASH.get(sa.get("integrity"), sa.get("integrity")),
		"prf": _FGW_IKE_HASH.get(sa.get("prf"), sa.get("prf")),
		"group": sa.get("dh_group")}


def to_string(alg):
	"""A canonical dict back as a strongSwan-style string, for reports:
	aes256gcm16-prfsha384-ecp384, aes256-sha512."""
	if not alg:
		return None
	kind, _, bits = alg["encr"].rpartition("-")
	words = ["aes" + bits + ("gcm16" if kind == "aes-gcm" else "")]
	if alg.get("integ"):
		words.append(alg["integ"])
	if alg.get("prf") and alg.get("prf") != alg.get("integ"):
		words.append("prf" + alg["prf"])
	if alg.get("group"):
		words.append(next(k for k, v in GROUP.items() if v == alg["group"]))
	return "-".join(words)


def allowed(alg, parsed, esp):
	"""Whether a negotiated canonical algorithm set is one the proposal
	string allowed."""
	if alg["encr"] not in parsed["encr"]:
		return False
	if is_aead(alg["encr"]):
		if alg.get("integ"):
			return False
	elif alg.get("integ") not in parsed["integ"]:
		return False
	if not esp:
		return alg.get("prf") in parsed["prf"] and alg.get("group") in parsed["group"]
	return True
