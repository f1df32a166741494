"""mc alias resolution: MC_HOST_<alias> first, then $MC_CONFIG_DIR/config.json; clear errors, no secret leaks."""

from __future__ import annotations

import json

import pytest

from recovery_tui.service.aliases import AliasBook, parse_bucket_path
from recovery_tui.service.errors import ConfigError, InputError

SECRET = "s3cr3t-VALUE-xyz"


def write_config(tmp_path, aliases) -> str:
    d = tmp_path / "mc"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"version": "10", "aliases": aliases}))
    return str(d)


def test_mc_host_with_token_and_port():
    book = AliasBook(env={"MC_HOST_prod": f"https://AKID:{SECRET}:TOKEN123@minio.example.com:9000"})
    a = book.get("prod")
    assert (a.url, a.access_key, a.endpoint, a.secure) == (
        "https://minio.example.com:9000", "AKID", "minio.example.com:9000", True)
    assert a.secret_key.reveal() == SECRET and a.session_token.reveal() == "TOKEN123"
    assert SECRET not in repr(a) and SECRET not in str(a) and "TOKEN123" not in repr(a)
    assert a.origin == "MC_HOST_prod"


def test_mc_host_percent_encoded_secret_and_default_port():
    a = AliasBook(env={"MC_HOST_x": "http://AK:a%2Fb%40c@host"}).get("x")
    assert a.secret_key.reveal() == "a/b@c"
    assert a.endpoint == "host:80"


def test_mc_host_wins_over_config(tmp_path):
    cfg = write_config(tmp_path, {"prod": {"url": "http://other:1", "accessKey": "A", "secretKey": "BBBBBB"}})
    book = AliasBook(env={"MC_CONFIG_DIR": cfg, "MC_HOST_prod": "http://AK:SKSKSK@first:9000"})
    assert book.get("prod").url == "http://first:9000"
    assert book.names() == ["prod"]


def test_config_json_alias(tmp_path):
    cfg = write_config(
        tmp_path,
        {"site": {"url": "https://s3.local:9443/", "accessKey": "AK", "secretKey": SECRET, "api": "s3v4",
                  "path": "auto"}},
    )
    a = AliasBook(env={"MC_CONFIG_DIR": cfg}).get("site")
    assert a.url == "https://s3.local:9443" and a.api == "s3v4" and a.origin.endswith("config.json")


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("ftp://AK:SK@host", "must be an http or https URL"),
        ("http://host:9000", "carries no ACCESS:SECRET"),
        (f"http://AK:{SECRET}@host:notaport", "not a valid URL"),
        ("http://:onlysecret@host", "carries no ACCESS:SECRET"),
    ],
)
def test_malformed_mc_host_names_alias_and_hides_secret(value, fragment):
    with pytest.raises(ConfigError) as err:
        AliasBook(env={"MC_HOST_bad": value}).get("bad")
    msg = err.value.one_line()
    assert "MC_HOST_bad" in msg and fragment in msg
    assert SECRET not in msg and "onlysecret" not in msg
    assert err.value.exit_code == 2


def test_unknown_alias_names_alias_and_file(tmp_path):
    cfg = write_config(tmp_path, {})
    with pytest.raises(ConfigError) as err:
        AliasBook(env={"MC_CONFIG_DIR": cfg}).get("nope")
    assert "'nope'" in err.value.message and "config.json" in err.value.message
    assert "mc alias set nope" in err.value.hint


def test_malformed_json_names_file_and_line(tmp_path):
    d = tmp_path / "mc"
    d.mkdir()
    (d / "config.json").write_text(
        '{"version": "10", "aliases": {\n  "a": {"url": "http://x", "secretKey": "' + SECRET + '",}\n')
    with pytest.raises(ConfigError) as err:
        AliasBook(env={"MC_CONFIG_DIR": str(d)}).get("a")
    assert "not valid JSON" in err.value.message and str(d / "config.json") in err.value.message
    assert SECRET not in err.value.one_line()


def test_unreadable_config_is_a_clear_error(tmp_path):
    d = tmp_path / "mc"
    (d / "config.json").mkdir(parents=True)  # a directory where the file should be
    with pytest.raises(ConfigError) as err:
        AliasBook(env={"MC_CONFIG_DIR": str(d)}).get("a")
    assert "cannot read mc's config file" in err.value.message


def test_config_alias_without_keys(tmp_path):
    cfg = write_config(tmp_path, {"a": {"url": "http://x:9000"}})
    with pytest.raises(ConfigError, match="no accessKey/secretKey"):
        AliasBook(env={"MC_CONFIG_DIR": cfg}).get("a")


def test_default_config_path_is_home_mc(tmp_path):
    book = AliasBook(env={"HOME": str(tmp_path)})
    assert str(book.path).endswith(".mc/config.json")


def test_all_skips_broken_aliases(tmp_path):
    cfg = write_config(tmp_path, {"good": {"url": "http://g:1", "accessKey": "A", "secretKey": "SSSS"},
                                  "bad": {"url": "nope"}})
    book = AliasBook(env={"MC_CONFIG_DIR": cfg})
    assert [a.name for a in book.all()] == ["good"]


def test_matches_endpoint():
    a = AliasBook(env={"MC_HOST_t": "http://AK:SKSK@127.0.0.1:9002"}).get("t")
    assert a.matches_endpoint("127.0.0.1:9002") and a.matches_endpoint("localhost:9002")
    assert not a.matches_endpoint("127.0.0.1:9003")


@pytest.mark.parametrize(
    "text, expected",
    [("source/data", ("source", "data", "")), ("src/data/a/b/", ("src", "data", "a/b/")),
     (" t/my.bucket-1 ", ("t", "my.bucket-1", ""))],
)
def test_parse_bucket_path(text, expected):
    p = parse_bucket_path(text)
    assert (p.alias, p.bucket, p.prefix) == expected


@pytest.mark.parametrize("text", ["", "/data", "source", "source/", "source/UPPER", "source/a", "source/bad_name"])
def test_parse_bucket_path_rejects(text):
    with pytest.raises(InputError) as err:
        parse_bucket_path(text)
    assert err.value.hint
