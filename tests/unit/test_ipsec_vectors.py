"""The known-answer vector files (tests/vectors/) checked against Python's
own implementations (hashlib/hmac, the cryptography package): a typo in a
transcribed vector fails here, not as a mystery in the C tests."""
import hashlib
import hmac

import pytest

from vector_files import params

aead = pytest.importorskip("cryptography.hazmat.primitives.ciphers.aead")
ciphers = pytest.importorskip("cryptography.hazmat.primitives.ciphers")


def b(r, field):
	return bytes.fromhex(r[field])


@pytest.mark.parametrize("r", params("gcm-spec.txt"))
def test_gcm_spec(r):
	out = aead.AESGCM(b(r, "key")).encrypt(b(r, "iv"), b(r, "pt"), b(r, "aad") or None)
	assert out == b(r, "ct") + b(r, "tag")


@pytest.mark.parametrize("r", params("gcm-esp.txt"))
def test_gcm_esp(r):
	packet, nonce, seq = b(r, "packet"), b(r, "nonce"), b(r, "seq")
	assert packet[:4] == b(r, "spi") and packet[4:8] == seq[-4:]
	assert packet[8:16] == nonce[4:]
	aad = b(r, "spi") + seq
	assert aad == b(r, "aad")
	assert aead.AESGCM(b(r, "key")).encrypt(nonce, b(r, "pt"), aad) == packet[16:]


@pytest.mark.parametrize("r", params("aes-cbc.txt"))
def test_aes_cbc(r):
	c = ciphers.Cipher(ciphers.algorithms.AES(b(r, "key")), ciphers.modes.CBC(b(r, "iv")))
	e = c.encryptor()
	assert e.update(b(r, "pt")) + e.finalize() == b(r, "ct")


@pytest.mark.parametrize("r", params("hmac.txt"))
def test_hmac(r):
	h = getattr(hashlib, r["alg"].removeprefix("hmac-"))
	mac = b(r, "mac")
	assert hmac.new(b(r, "key"), b(r, "data"), h).digest()[:len(mac)] == mac
