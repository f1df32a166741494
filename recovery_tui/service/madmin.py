"""madmin `EncryptData` / `DecryptData`: the encrypted body of admin set-remote-target (facts §9.2, §9.3).

`encrypt_data(secret_key, plaintext)` produces what madmin-go's `EncryptData` produces: a random 32-byte
salt, the algorithm ID (0x00: Argon2id → AES-256-GCM, the non-FIPS default with native AES), a random
8-byte nonce, then the sio-go DARE stream of the plaintext: 16 KiB fragments, each sealed with nonce
`nonce || uint32_le(seq)` (seq from 1) and associated data `flag || tag0` (flag 0x80 on the last fragment,
else 0x00; tag0 = the AEAD tag of nothing under `nonce || 0`). `fips=True` derives the key with
PBKDF2-HMAC-SHA256 (8192 rounds) and writes ID 0x02, as madmin does in FIPS mode.

The password is the requesting credential's secret key (the server decrypts with `cred.SecretKey`). It is
used here and nowhere else: never logged, never part of an error text.

The client's own implementation (the lab has its own, `lab/madmin_crypt.py`; they share no module).
"""

from __future__ import annotations

import os
from typing import Union

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

Aead = Union[AESGCM, ChaCha20Poly1305]

ARGON2ID_AES_GCM, ARGON2ID_CHACHA20, PBKDF2_AES_GCM = 0x00, 0x01, 0x02
SALT, NONCE, OVERHEAD = 32, 8, 16
BUF_SIZE = 16 * 1024
"""sio-go `BufSize`."""
ARGON2 = {"time_cost": 1, "memory_cost": 64 * 1024, "parallelism": 4, "hash_len": 32}
PBKDF2_ROUNDS = 8192


class NotAuthentic(ValueError):
    """A ciphertext that does not open with this password (or is not a madmin ciphertext)."""


def derive_key(password: str, salt: bytes, algorithm: int) -> bytes:
    """The 32-byte key madmin derives for `algorithm`."""
    if algorithm == PBKDF2_AES_GCM:
        kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=PBKDF2_ROUNDS)
        return kdf.derive(password.encode("utf-8"))
    return hash_secret_raw(password.encode("utf-8"), salt, type=Type.ID, version=0x13, **ARGON2)


def cipher_for(key: bytes, algorithm: int) -> Aead:
    return ChaCha20Poly1305(key) if algorithm == ARGON2ID_CHACHA20 else AESGCM(key)


class DareStream:
    """sio-go's `Stream` for one AEAD and an 8-byte nonce prefix."""

    def __init__(self, aead: Aead, nonce: bytes, buf_size: int = BUF_SIZE, associated_data: bytes = b"") -> None:
        self.aead, self.nonce, self.buf_size = aead, nonce, buf_size
        self.tag0 = aead.encrypt(self._nonce(0), b"", associated_data or None)

    def _nonce(self, seq: int) -> bytes:
        return self.nonce + seq.to_bytes(4, "little")

    def _aad(self, final: bool) -> bytes:
        return (b"\x80" if final else b"\x00") + self.tag0

    def seal(self, plaintext: bytes) -> bytes:
        pieces = [plaintext[i:i + self.buf_size] for i in range(0, len(plaintext), self.buf_size)] or [b""]
        return b"".join(self.aead.encrypt(self._nonce(seq), piece, self._aad(seq == len(pieces)))
                        for seq, piece in enumerate(pieces, start=1))

    def open(self, ciphertext: bytes) -> bytes:
        size = self.buf_size + OVERHEAD
        out = bytearray()
        seq, offset = 1, 0
        while True:
            final = len(ciphertext) - offset <= size
            piece = ciphertext[offset:] if final else ciphertext[offset:offset + size]
            try:
                out += self.aead.decrypt(self._nonce(seq), piece, self._aad(final))
            except (InvalidTag, ValueError):
                raise NotAuthentic("sio: data is not authentic") from None
            if final:
                return bytes(out)
            offset += size
            seq += 1


def encrypt_data(password: str, data: bytes, *, fips: bool = False, chacha: bool = False) -> bytes:
    """madmin `EncryptData(password, data)`."""
    salt = os.urandom(SALT)
    algorithm = PBKDF2_AES_GCM if fips else (ARGON2ID_CHACHA20 if chacha else ARGON2ID_AES_GCM)
    nonce = os.urandom(NONCE)
    stream = DareStream(cipher_for(derive_key(password, salt, algorithm), algorithm), nonce)
    return salt + bytes([algorithm]) + nonce + stream.seal(data)


def decrypt_data(password: str, data: bytes) -> bytes:
    """madmin `DecryptData(password, data)`: raises NotAuthentic on any mismatch."""
    if len(data) < SALT + 1 + NONCE:
        raise NotAuthentic("unexpected header")
    salt, algorithm, nonce = data[:SALT], data[SALT], data[SALT + 1:SALT + 1 + NONCE]
    if algorithm not in (ARGON2ID_AES_GCM, ARGON2ID_CHACHA20, PBKDF2_AES_GCM):
        raise NotAuthentic("madmin: invalid encryption algorithm ID")
    stream = DareStream(cipher_for(derive_key(password, salt, algorithm), algorithm), nonce)
    return stream.open(data[SALT + 1 + NONCE:])


__all__ = ["DareStream", "NotAuthentic", "decrypt_data", "encrypt_data"]
