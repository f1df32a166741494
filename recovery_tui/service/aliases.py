"""Resolves mc aliases the way mc does: `MC_HOST_<alias>` first, then mc's config.json.

`MC_HOST_<alias>` is `http[s]://ACCESS:SECRET[:TOKEN]@host[:port]`; the config file
is `$MC_CONFIG_DIR/config.json` (default `~/.mc/config.json`), format version "10":
`{"version": "10", "aliases": {name: {url, accessKey, secretKey, sessionToken?, api, path}}}`.
Secrets are wrapped in `Secret` as soon as they are read.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import unquote, urlsplit

from .errors import ConfigError, InputError
from .secrets import Secret, redact

_ALIAS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$")
# S3 bucket naming rules as MinIO applies them (3-63 chars, lowercase, digits, dot, hyphen).
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class Alias:
    """One mc alias: where a deployment is and how to sign for it."""

    name: str
    url: str
    """`scheme://host[:port]`, no credentials, no trailing slash."""
    access_key: str
    secret_key: Secret = field(repr=False)
    session_token: Optional[Secret] = field(default=None, repr=False)
    api: str = "S3v4"
    path: str = "auto"
    origin: str = ""
    """Where it was read: `MC_HOST_<alias>` or the config file's path."""
    insecure: bool = False
    """Skip TLS verification (mc's `--insecure`)."""

    @property
    def secure(self) -> bool:
        return self.url.startswith("https://")

    @property
    def endpoint(self) -> str:
        """host:port, as remote targets name it (§2: no scheme)."""
        parts = urlsplit(self.url)
        port = parts.port or (443 if self.secure else 80)
        return f"{parts.hostname}:{port}"

    def matches_endpoint(self, endpoint: str, secure: Optional[bool] = None) -> bool:
        """True when a remote target's `endpoint` (host:port) points at this alias."""
        host, _, port = endpoint.rpartition(":") if ":" in endpoint else (endpoint, "", "")
        if not port:
            port = "443" if (secure if secure is not None else self.secure) else "80"
            host = endpoint
        mine_host, _, mine_port = self.endpoint.rpartition(":")
        same_host = host.lower() == mine_host.lower() or {host, mine_host} <= {"127.0.0.1", "localhost"}
        return same_host and port == mine_port


@dataclass(frozen=True)
class BucketPath:
    """`ALIAS/BUCKET[/PREFIX]` as typed by the operator."""

    alias: str
    bucket: str
    prefix: str = ""

    def __str__(self) -> str:
        return f"{self.alias}/{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")


def parse_bucket_path(text: str, *, require_bucket: bool = True) -> BucketPath:
    """Split `ALIAS/BUCKET[/PREFIX]`; raises InputError with the expected form."""
    raw = (text or "").strip()
    alias, _, rest = raw.partition("/")
    bucket, _, prefix = rest.partition("/")
    if not alias or not _ALIAS_NAME.match(alias):
        raise InputError(
            f"'{raw}' does not start with an alias name",
            hint="Write it as ALIAS/BUCKET, for example source/data.",
        )
    if require_bucket and not bucket:
        raise InputError(f"'{raw}' names no bucket", hint="Write it as ALIAS/BUCKET, for example source/data.")
    if bucket and not _BUCKET_NAME.match(bucket):
        raise InputError(
            f"'{bucket}' is not a valid bucket name",
            hint="Bucket names are 3-63 characters: lowercase letters, digits, dots and hyphens.",
        )
    return BucketPath(alias, bucket, prefix)


def config_path(env: Mapping[str, str]) -> Path:
    """mc's config file: `$MC_CONFIG_DIR/config.json`, default `~/.mc/config.json`."""
    base = env.get("MC_CONFIG_DIR") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".mc")
    return Path(base) / "config.json"


def _from_mc_host(name: str, value: str) -> Alias:
    origin = f"MC_HOST_{name}"
    shown = redact(value)
    try:
        parts = urlsplit(value.strip())
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(
            f"{origin} is not a valid URL ({redact(str(exc))}): {shown}",
            hint="Use the form http[s]://ACCESS:SECRET[:TOKEN]@host[:port].",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{origin} must be an http or https URL with a host: {shown}",
            hint="Use the form http[s]://ACCESS:SECRET[:TOKEN]@host[:port].",
        )
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    fields = userinfo.split(":")
    if len(fields) not in (2, 3) or not fields[0] or not fields[1]:
        raise ConfigError(
            f"{origin} carries no ACCESS:SECRET credentials: {shown}",
            hint="Use the form http[s]://ACCESS:SECRET[:TOKEN]@host[:port].",
        )
    access, secret = unquote(fields[0]), unquote(fields[1])
    token = unquote(fields[2]) if len(fields) == 3 and fields[2] else None
    host = parts.hostname if ":" not in (parts.hostname or "") else f"[{parts.hostname}]"
    url = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return Alias(
        name=name,
        url=url,
        access_key=access,
        secret_key=Secret(secret),
        session_token=Secret(token) if token else None,
        origin=origin,
    )


def _read_config(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            f"cannot read mc's config file {path}: {exc.strerror}",
            hint="Check the file's permissions, or set MC_CONFIG_DIR to another folder.",
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"mc's config file {path} is not valid JSON (line {exc.lineno}, column {exc.colno})",
            hint="Fix the file, or define the alias with MC_HOST_<alias> instead.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("aliases", {}), dict):
        raise ConfigError(
            f"mc's config file {path} has no 'aliases' object",
            hint='Expected {"version": "10", "aliases": {...}} as written by mc alias set ALIAS URL ACCESS SECRET.',
        )
    return data


def _from_config(name: str, entry: object, path: Path) -> Alias:
    if not isinstance(entry, dict):
        raise ConfigError(f"alias '{name}' in {path} is not an object", hint=f"Re-create it with `mc alias set {name} URL ACCESS SECRET`.")
    url = str(entry.get("url", "")).rstrip("/")
    parts = urlsplit(url)
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        url = ""
    if parts.scheme not in ("http", "https") or not parts.hostname or not url:
        raise ConfigError(
            f"alias '{name}' in {path} has no valid http(s) url",
            hint=f"Re-create it: mc alias set {name} https://host:port ACCESS SECRET",
        )
    access = entry.get("accessKey") or ""
    secret = entry.get("secretKey") or ""
    if not access or not secret:
        raise ConfigError(
            f"alias '{name}' in {path} has no accessKey/secretKey",
            hint=f"Re-create it: mc alias set {name} {url} ACCESS SECRET",
        )
    token = entry.get("sessionToken") or ""
    return Alias(
        name=name,
        url=url,
        access_key=str(access),
        secret_key=Secret(str(secret)),
        session_token=Secret(str(token)) if token else None,
        api=str(entry.get("api") or "S3v4"),
        path=str(entry.get("path") or "auto"),
        origin=str(path),
    )


class AliasBook:
    """The aliases an operator has, read once from an environment snapshot (`Settings.env`: MC_HOST_*,
    MC_CONFIG_DIR, HOME) and mc's config. The service never reads the process environment itself."""

    def __init__(self, env: Mapping[str, str], *, insecure: bool = False) -> None:
        self.env = dict(env)
        self.path = config_path(self.env)
        self.insecure = insecure

    def names(self) -> list[str]:
        """Every alias name known, MC_HOST_ ones first; a broken config file raises ConfigError."""
        names = [k[len("MC_HOST_"):] for k in self.env if k.startswith("MC_HOST_") and k != "MC_HOST_"]
        for n in _read_config(self.path).get("aliases", {}):
            if n not in names:
                names.append(n)
        return names

    def get(self, name: str) -> Alias:
        """Resolve one alias; raises ConfigError naming the alias and the file."""
        value = self.env.get(f"MC_HOST_{name}")
        if value is not None:
            alias = _from_mc_host(name, value)
        else:
            entry = _read_config(self.path).get("aliases", {}).get(name)
            if entry is None:
                raise ConfigError(
                    f"unknown alias '{name}': not in MC_HOST_{name} nor in {self.path}",
                    hint=f"Define it with `mc alias set {name} URL ACCESS SECRET` or export MC_HOST_{name}.",
                )
            alias = _from_config(name, entry, self.path)
        if self.insecure:
            alias = Alias(**{**alias.__dict__, "insecure": True})
        return alias

    def all(self) -> list[Alias]:
        """Every alias that resolves; broken ones are skipped (use `get` to see why)."""
        out = []
        for n in self.names():
            try:
                out.append(self.get(n))
            except ConfigError:
                continue
        return out
