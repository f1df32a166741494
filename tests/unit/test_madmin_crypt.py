"""madmin EncryptData/DecryptData (facts §9.3): the client's (`service/madmin.py`) and the lab's
(`lab/madmin_crypt.py`) implementations, each against known answers and against each other.

Known answers, not derived by us:
* `MADMIN_VECTORS`: madmin-go's `decryptDataTests` (encrypt_test.go), ciphertexts made by Go's EncryptData
  (ID 0x00, Argon2id + AES-256-GCM); their plaintexts are the zero-filled buffers of `encryptDataTests`.
* `SIO_VECTORS`: sio-go's test_vectors.json, every AES-GCM entry (small BufSize, so multi-fragment
  streams, the final-fragment flag and tag0 over associated data are all exercised).
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from recovery_tui.lab import madmin_crypt as lab
from recovery_tui.service import madmin as client

MADMIN_VECTORS: list[tuple[str, int, str]] = [
    ('', 0, (
        "828aa81599df0651c0461adb82283e8b89956baee9f6e719947ef9cddc849028001dc9d3ac0938f66b07bacc9751437e"
        "1985f8a9763c240e81")),
    ('', 256, (
        "1793c71df6647860437134073c15688cbb15961dc0758c7ee1225e66e79c724c00d790dba9c671eae89da2c736d85828"
        "6ac9bd027abacc64430375cd41b63b67c070c7fba475a8dd66ae65ba905176c48cbe6f734fc74df87343d8ccff54bada"
        "4aeb0a04bd021633ebe6c4768e23f5dea142561d4fe3f90ed59d13dc5fb3a585dadec1742325291b9c81692bdd3420b2"
        "428127f8195e0ecd9a1c9237712ed67af7339fbbf7ff3ee1c516e1f81e69d933e057b30997e7274a2c9698e07c39f0e8"
        "d6818858f34c8191871b5a52bea9061806bd029024bfc1d9c1f230904968d6c9e10fddcbc006ba97356ff243570fd96d"
        "f07dd6894e215a6b24c4ed730369519289ebd877aff6ccbd2265985e4ab1a2b7930bab9cfb767b97348a639ddf8db81b"
        "f5151da7e8f3d9638a1b86eb1dd78cc6a526f10a414c78638f")),
    ('xPl.8/rhR"Q_1xLt', 32, (
        "b5c016e93b84b473fc8a37af94936563630c36d6df1841d23a86ee51ca161f9e00ac19116b32f643ff6a56a212b265d8"
        "c56195bb0d12ce199e13dfdc5272f80c1564da2c6fc2fa18da91d8062de02af5cdafea491c6f3cae1f")),
    ('7h5oU4$te{;K}fgqlI^]', 256, (
        "c58edf7cfd557b6b655de6f48b1a3049d8d049dadb3a7bfa9ac9ccbb5baf37ec00f83086a26f43b7d6bc9075ad038bf5"
        "741f118d502ebe94165e4072ba7f98535d6b1e3b6ae67a98115d146d9b4d90e4df4ae82df9cfa17ed7cd42465181559f"
        "7ddf09c98beec521bb4478e0cb73c4e0827af8688ff4e7a07327a10d5a180035e6ddb16d974a85257981cd9e0360a20f"
        "7b4d653190267dfb241148f018ae180568042e864b9e1b5bc05425a3abc2b0324f50c72d56798f924405dfc0f8523f4b"
        "b564ed65af8e1b1c82a7a0640552ecf81985d95d0993d99172592ddc1393dfa63e8f0b3d744b2cc4b73384ca4693f0c1"
        "aec0e9b00e85f2937e891105d67da8f59c14ca96608e0425c42f9c1e7c2a8b3413e1381784f9cfe01de7c47cea1f8d7a"
        "7d88f5d4aca783cf55332b47f957a6b9a65269d7eb606b877b")),
]


SIO_VECTORS: list[tuple[int, str, str, str, str, str]] = [  # BufSize, Key, Nonce, AssociatedData, Plaintext, Ciphertext
    (16, '00000000000000000000000000000000', '0000000000000000', '',
     '',
     'e0247a864e783cecb1f7996c13cd3f64'),
    (16, '10000000000000000000000000000000', '0000000000000000', '',
     '',
     '0ea5336db7013554c07aa43b369e5655'),
    (16, '10000000000000000000000000000000', '1000000000000000', '',
     '',
     'a52763497d2e64ee49bf4c72dc6881e7'),
    (16, '10000000000000000000000000000000', '1000000000000000', '00',
     '',
     '2d9ede532b1f5f034e22375d816f76c2'),
    (16, '10000000000000000000000000000000', '1000000000000000', '00',
     '00',
     '61ed193d12a2adf6f1c41f31de4ead6c5c'),
    (16, '20000000000000000000000000000000', '1000000000000000', '00',
     '00',
     '4b6e93acd3e4602b9c1ad49da985d1f872'),
    (16, '00000000000000000000000000000000', '0000000000000000', '0000000000000000',
     '0000000000000000',
     '4661d681f92680d7a307c7a036700edde4697a1f3ba7e01b'),
    (16, '00000000000000000000000000000001', '2000000000000000', '1000000000000000',
     '00000000000000000000000000000000',
     '8501dcfa461a0860ef9933655b1e59a9e7db1ed363b6ff80f219ca986dca9ce2'),
    (16, '0a7a6d49e4ad042f1e1ffa168849d651', '4a9ba500be169ab3', 'd40703848d887a01664c30734fa370581c5f8f6d0ea7bfdd',
     '424d6d60d7e08b3b41e968fc4557b93c',
     'aa4b4ca42d587b98d0d5f009c0efbc4fcaaefdc1c79a3cfe07801ed8c708d259'),
    (16, '10000000000000000000000000000000', '0000000000000002', '',
     '0000000000000000000000000000000000',
     '691deb7b9ccbee91f48d12c7ad5fe3cd4e1e5e7d394f06b91228ec9a5dd2456ac7de9502a0b4010fb1ee1db94e940458fb'),
    (16, '20000000000000000000000000000000', '2000000000000000', '00',
     '0000000000000000000000000000000000000000000000000000000000000000',
     'f58d8fef7ac7782a4361a79c07f5e6c4672d8a45e6cb9ef67cb7177897358deb8d338d313d44f78e0b68a3723d7ca0fe5f62aa8af0a72e508f5d5f8491ecedb2'),
    (16, '000102030405060708090a0b0c0d0e0f', '0001020304050607', '0102030405060708090a0b0c0d0e0f10',
     '0000000000000000000000000000000000000000000000000000000000000000',
     'beffe57efbdadb693b5545d58454ba746c5362c6f37b65da457d85bfe6af8972cfea267b03f14aedf25e7501e88c0d79f5440d0ac49e5c4fdaab4dfac9aec4d3'),
    (17, '67fc3ffd5353a432a6cbc982007606c8', '6958a70a975e32c6', '',
     '',
     '076243570112d32362c1d9e4ab4096ca'),
    (17, '31dd758d120fd5d30063921a21f723be', 'd3794fe387018e32', '1d838b6e861ea7576de110e08818de82a27337a99db7b95aa95c3347971ad4cfa0ef0960d6645f5a64f88c7d',
     'd0ae0d85e93ed6be853ded2031643116a03215b4fda224d2986d7233039aa47e91b686f4',
     'a6fe911b94e0b25a25bf6da71f28ad6a6b6920be01589e9194226f77c164606545d5cbdb76c99415b468c54517f5a8bc8dc8ac13b1b4285fe36f37f7884d5e4bfb32ecef56b4026bf02bfb1d4fce222e01ef9db9'),
]


SIZES = (0, 16384, 40000)  # empty; exactly one full fragment (ends full); three fragments, the last short


@pytest.mark.parametrize("password,size,hexdata", MADMIN_VECTORS)
@pytest.mark.parametrize("impl", [client.decrypt_data, lab.decrypt_data], ids=["client", "lab"])
def test_go_made_ciphertexts_open(impl, password: str, size: int, hexdata: str) -> None:
    assert impl(password, bytes.fromhex(hexdata)) == bytes(size)


@pytest.mark.parametrize("impl", [client.decrypt_data, lab.decrypt_data], ids=["client", "lab"])
def test_wrong_password_or_tampering_is_refused(impl) -> None:
    password, _, hexdata = MADMIN_VECTORS[2]
    data = bytes.fromhex(hexdata)
    errors = (client.NotAuthentic, lab.DecryptError)
    with pytest.raises(errors):
        impl(password + "x", data)
    with pytest.raises(errors):
        impl(password, data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(errors):
        impl(password, data[:40])  # shorter than salt | id | nonce
    with pytest.raises(errors):
        impl(password, data[:32] + b"\x07" + data[33:])  # unknown algorithm ID


@pytest.mark.parametrize("buf,key,nonce,ad,plain,cipher", SIO_VECTORS)
def test_dare_stream_matches_sio_vectors(buf, key, nonce, ad, plain, cipher) -> None:
    k, n, a, p, c = (bytes.fromhex(x) for x in (key, nonce, ad, plain, cipher))
    stream = client.DareStream(AESGCM(k), n, buf, a)
    assert stream.seal(p) == c
    assert stream.open(c) == p
    assert lab.encrypt_stream(AESGCM(k), n, p, fragment=buf, associated=a) == c
    assert lab.decrypt_stream(AESGCM(k), n, c, fragment=buf, associated=a) == p


@pytest.mark.parametrize("fips,chacha,algo", [(False, False, 0), (False, True, 1), (True, False, 2)])
def test_client_encrypts_what_the_lab_decrypts_and_back(fips: bool, chacha: bool, algo: int) -> None:
    for size in SIZES:
        plain = bytes(range(256)) * (size // 256) + bytes(size % 256)
        sealed = client.encrypt_data("s3cr3t/Key+", plain, fips=fips, chacha=chacha)
        assert sealed[32] == algo
        assert len(sealed) == 41 + size + 16 * max(1, -(-size // 16384))  # sio's Overhead
        assert lab.decrypt_data("s3cr3t/Key+", sealed) == plain
        back = lab.encrypt_data("s3cr3t/Key+", plain, algo=algo)
        assert client.decrypt_data("s3cr3t/Key+", back) == plain


def test_each_encryption_is_fresh() -> None:
    body = json.dumps({"endpoint": "h:1"}).encode()
    a, b = client.encrypt_data("k", body), client.encrypt_data("k", body)
    assert a[:32] != b[:32] and a[33:41] != b[33:41] and a != b
