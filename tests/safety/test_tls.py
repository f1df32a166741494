"""TLS: an https lab with a generated self-signed certificate.

Verified by default (a clear one-line TLS error, exit 3, naming the alias and both fixes); `--insecure`
(before or after the command, as in mc); the CA from `~/.mc/certs/CAs/`; `SSL_CERT_FILE`. For the
headless commands (in-process and as a process) and for the service the wizard uses.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.labkit import arn_of, assert_one_line_error, run_main, run_process, use_lab_env
from recovery_tui.lab.server import Lab
from recovery_tui.service.aliases import AliasBook
from recovery_tui.service.client import RecoveryService
from recovery_tui.service.errors import ConnectionFailure


@pytest.fixture
def tls_lab(lab_factory) -> Lab:
    lab = lab_factory("healthy", tls=True, objects=20)
    assert lab.source.url.startswith("https://") and lab.ca_pem_path
    return lab


def test_verified_by_default_exit_3_names_alias_and_fix(tls_lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(tls_lab, monkeypatch)
    for argv in (["targets", "source/data"], ["resync", "status", "source/data"],
                 ["validate", "source/data", "target/data"], ["resync-backlog", "source/data", "--dry-run"]):
        r = run_main(argv, capsys)
        assert_one_line_error(r, 3)
        assert "source" in r.err and "--insecure" in r.err and "~/.mc/certs/CAs/" in r.err, r.err
        assert "certificate" in r.err.lower() or "tls" in r.err.lower()


def test_insecure_before_or_after_the_command(tls_lab: Lab, capsys, monkeypatch) -> None:
    use_lab_env(tls_lab, monkeypatch)
    for argv in (["--insecure", "targets", "source/data", "--json"], ["targets", "source/data", "--insecure", "--json"],
                 ["resync", "status", "--insecure", "source/data", "--json"],
                 ["validate", "--insecure", "source/data", "target/data", "--json"]):
        r = run_main(argv, capsys)
        assert r.code == 0, (argv, r.err)
        assert json.loads(r.out) is not None


def test_ca_from_mc_certs_dir(tls_lab: Lab, capsys, monkeypatch, tmp_path: Path) -> None:
    use_lab_env(tls_lab, monkeypatch)
    cas = Path.home() / ".mc" / "certs" / "CAs"
    cas.mkdir(parents=True)
    shutil.copy(tls_lab.ca_pem_path, cas / "lab.crt")
    r = run_main(["targets", "source/data", "--json"], capsys)
    assert r.code == 0, r.err
    assert json.loads(r.out)["rule"]["Destination"]["Bucket"] == arn_of(tls_lab)  # mc replicate ls --json


@pytest.mark.slow
def test_ssl_cert_file_as_a_process(tls_lab: Lab, tmp_path: Path) -> None:
    env = {**tls_lab.env(), "SSL_CERT_FILE": str(tls_lab.ca_pem_path), "TMPDIR": str(tmp_path)}
    r = run_process(["validate", "source/data", "target/data", "--json"], env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out)["in_sync"] is True
    assert list(tmp_path.iterdir()) == []  # the combined CA bundle it wrote is gone at exit
    r = run_process(["targets", "source/data"], env=tls_lab.env())
    assert_one_line_error(r, 3)


def test_service_verifies_and_honours_insecure_and_cas(tls_lab: Lab, tmp_path: Path) -> None:
    env = {**tls_lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc")}
    with pytest.raises(ConnectionFailure) as info:
        RecoveryService(AliasBook(env=env)).list_buckets("source")
    assert info.value.exit_code == 3 and "--insecure" in (info.value.hint or "")
    assert RecoveryService(AliasBook(env=env, insecure=True)).list_buckets("source") == ["data"]
    with_ca = {**env, "SSL_CERT_FILE": str(tls_lab.ca_pem_path)}
    assert RecoveryService(AliasBook(env=with_ca)).list_buckets("target") == ["data"]
    # one bundle file per distinct bundle, however many services a process builds
    assert RecoveryService(AliasBook(env=with_ca)).ca_bundle == RecoveryService(AliasBook(env=with_ca)).ca_bundle


def test_wizard_insecure_flag_reaches_the_alias_book(monkeypatch) -> None:
    """`recovery-tui --insecure` builds the wizard's AliasBook with insecure=True."""
    import recovery_tui.app
    from recovery_tui import cli

    seen = {}

    def capture(service, **kw):
        seen["insecure"] = service.aliases.insecure
        raise SystemExit(0)

    monkeypatch.setattr(recovery_tui.app, "make_app", capture)
    monkeypatch.setattr("recovery_tui.exits.require_terminal", lambda: None)  # pytest's stdin is no terminal
    with pytest.raises(SystemExit):
        cli.main(["--insecure", "--fresh"])
    assert seen == {"insecure": True}


def test_listing_pages_are_read_on_the_lean_path_over_tls(tls_lab: Lab, tmp_path: Path, monkeypatch) -> None:
    """The lean GET (`leanget`) reads TLS answers too (an `SSLSocket` refuses recv flags: asking it to peek
    turned the path off for the site at its second page, which was then asked again through urllib3, as was
    every later page)."""
    from recovery_tui.service import leanget
    from recovery_tui.service.listing import VersionLister

    read: list[int] = []
    answer = leanget.read_answer

    def counted(sock):  # noqa: ANN001, ANN202
        got = answer(sock)
        read.append(len(got[2]))
        return got

    monkeypatch.setattr(leanget, "read_answer", counted)
    env = {**tls_lab.env(), "MC_CONFIG_DIR": str(tmp_path / "mc"), "SSL_CERT_FILE": str(tls_lab.ca_pem_path)}
    service = RecoveryService(AliasBook(env=env))
    entries = list(VersionLister(service, "source", "data", page_size=3, parse_processes=False).entries())
    pages = -(-len(entries) // 3)
    assert pages > 3 and len(read) == pages - 1  # every page after the first (its connection is opened by urllib3)
    assert service.site("source").http._lean  # still on
