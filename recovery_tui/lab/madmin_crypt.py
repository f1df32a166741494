"""madmin's `DecryptData` as the server runs it on a set-remote-target body (facts §9.3).

Layout: `salt(32) | id(1) | nonce(8) | DARE stream` (sio-go, 16 KiB fragments). `id` 0x00 = Argon2id +
AES-256-GCM, 0x01 = Argon2id + ChaCha20-Poly1305, 0x02 = PBKDF2-HMAC-SHA256 (8192 rounds) + AES-256-GCM
(FIPS). Argon2id: time 1, memory 64 MiB, 4 lanes, 32-byte key, version 0x13. Fragment i (from 1) is
sealed with nonce `nonce8 || le32(i)` and associated data `flag || tag0`, where tag0 is the AEAD tag of
an empty plaintext under `nonce8 || le32(0)`; flag 0x80 marks the final fragment (0..16 KiB, the only
one that may be short), 0x00 every other.

The lab's own copy (it shares no module with the client, `service/madmin.py`); `encrypt_data` is here so
lab tests can build bodies without the client. Read from madmin-go `encrypt.go` and sio-go
`sio.go`/`reader.go`/`writer.go`.
"""

from __future__ import annotations

import os
import struct

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ARGON2ID_AES_GCM = 0x00
ARGON2ID_CHACHA20_POLY1305 = 0x01
PBKDF2_AES_GCM = 0x02
HEADER = 32 + 1 + 8
FRAGMENT = 1 << 14
"""sio-go `BufSize`: plaintext bytes per fragment."""
TAG = 16


class DecryptError(Exception):
    """The body is not a madmin ciphertext for this password (the server's "unexpected header",
    "invalid encryption algorithm ID" or "sio: data is not authentic")."""


def _key(password: str, salt: bytes, algo: int) -> bytes:
    if algo == PBKDF2_AES_GCM:
        return PBKDF2HMAC(hashes.SHA256(), 32, salt, 8192).derive(password.encode())
    return hash_secret_raw(password.encode(), salt, time_cost=1, memory_cost=64 * 1024, parallelism=4,
                           hash_len=32, type=Type.ID, version=19)


def _aead(key: bytes, algo: int) -> "AESGCM | ChaCha20Poly1305":
    if algo == ARGON2ID_CHACHA20_POLY1305:
        return ChaCha20Poly1305(key)
    return AESGCM(key)


def _nonce(nonce8: bytes, seq: int) -> bytes:
    return nonce8 + struct.pack("<I", seq)


def decrypt_stream(aead: "AESGCM | ChaCha20Poly1305", nonce8: bytes, stream: bytes, *,
                   fragment: int = FRAGMENT, associated: bytes = b"") -> bytes:
    """Open a sio-go DARE stream (`Stream.DecryptReader`); raises DecryptError if any fragment fails."""
    tag0 = aead.encrypt(_nonce(nonce8, 0), b"", associated or None)
    whole = fragment + TAG
    out: list[bytes] = []
    seq, at = 1, 0
    while True:
        rest = len(stream) - at
        final = rest <= whole
        chunk = stream[at:] if final else stream[at:at + whole]
        if final and len(chunk) < TAG:
            raise DecryptError("sio: data is not authentic")
        try:
            out.append(aead.decrypt(_nonce(nonce8, seq), chunk, (b"\x80" if final else b"\x00") + tag0))
        except InvalidTag:
            raise DecryptError("sio: data is not authentic") from None
        if final:
            return b"".join(out)
        at += whole
        seq += 1


def encrypt_stream(aead: "AESGCM | ChaCha20Poly1305", nonce8: bytes, plaintext: bytes, *,
                   fragment: int = FRAGMENT, associated: bytes = b"") -> bytes:
    """Seal `plaintext` as `Stream.EncryptWriter` + `Close` do (a multiple of `fragment` ends full)."""
    tag0 = aead.encrypt(_nonce(nonce8, 0), b"", associated or None)
    out: list[bytes] = []
    seq, at = 1, 0
    while len(plaintext) - at > fragment:
        out.append(aead.encrypt(_nonce(nonce8, seq), plaintext[at:at + fragment], b"\x00" + tag0))
        at += fragment
        seq += 1
    out.append(aead.encrypt(_nonce(nonce8, seq), plaintext[at:], b"\x80" + tag0))
    return b"".join(out)


def decrypt_data(password: str, data: bytes) -> bytes:
    """`madmin.DecryptData(password, data)`."""
    if len(data) < HEADER:
        raise DecryptError("unexpected header")
    salt, algo, nonce8 = data[:32], data[32], data[33:41]
    if algo not in (ARGON2ID_AES_GCM, ARGON2ID_CHACHA20_POLY1305, PBKDF2_AES_GCM):
        raise DecryptError("madmin: invalid encryption algorithm ID")
    return decrypt_stream(_aead(_key(password, salt, algo), algo), nonce8, data[HEADER:])


def encrypt_data(password: str, data: bytes, *, algo: int = ARGON2ID_AES_GCM) -> bytes:
    """`madmin.EncryptData` (for lab tests; the server never encrypts a set-remote-target answer)."""
    salt, nonce8 = os.urandom(32), os.urandom(8)
    sealed = encrypt_stream(_aead(_key(password, salt, algo), algo), nonce8, data)
    return salt + bytes([algo]) + nonce8 + sealed


__all__ = ["DecryptError", "decrypt_data", "decrypt_stream", "encrypt_data", "encrypt_stream"]
