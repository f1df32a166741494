"""What `recovery-tui serve` decides before it listens: where, with which token, and what a session may see.

Pure functions (no server here): loopback checks, the per-launch token, the environment a browser
session's process gets (never the operator's mc credentials unless allowed), the `ssh -L` hint and
a free port to suggest when the asked one is taken.
"""

from __future__ import annotations

import errno
import getpass
import ipaddress
import secrets
import socket
from typing import Mapping, Optional

from recovery_tui.service.errors import InputError

CREDENTIAL_PREFIXES = ("MC_HOST_", "AWS_", "MINIO_")
"""Environment variables that carry server credentials; a browser session never inherits them."""
CREDENTIAL_NAMES = ("MC_CONFIG_DIR",)
"""...nor the location of the operator's mc configuration (aliases with their keys)."""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost" are loopback; anything else (0.0.0.0, a LAN address, a name) is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: bool) -> None:
    """Refuse a non-loopback address without `--token` (exit 2): the wizard has no login of its own."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"--host {host} lets other machines open the wizard, which has no login of its own",
            hint="add --token (a random access token is then required in the URL), or keep the default "
                 "127.0.0.1 and reach it through an SSH tunnel (the ssh -L line printed at start).")


def new_token() -> str:
    """A fresh random token for this launch (URL-safe, 128 bits)."""
    return secrets.token_urlsafe(16)


def session_env(base: Mapping[str, str], *, allow_real_aliases: bool, mc_config_dir: Optional[str],
                state_dir: str) -> dict[str, str]:
    """The environment of one browser session's process.

    Without `allow_real_aliases` every credential-bearing variable is dropped and MC_CONFIG_DIR points
    to an empty private directory, so the operator's ~/.mc aliases are not readable either."""
    env = dict(base)
    if not allow_real_aliases:
        for name in list(env):
            if name.startswith(CREDENTIAL_PREFIXES) or name in CREDENTIAL_NAMES:
                del env[name]
        if mc_config_dir is not None:
            env["MC_CONFIG_DIR"] = mc_config_dir
    env["RECOVERY_TUI_STATE_DIR"] = state_dir
    return env


def free_port_near(host: str, port: int, tries: int = 50) -> Optional[int]:
    """The first port after `port` that `host` can listen on, to suggest; None if none in range."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def port_in_use_error(host: str, port: int, exc: OSError) -> InputError:
    """One line that says which port is taken (or not allowed) and suggests another."""
    other = free_port_near(host, port)
    hint = f"try --port {other}" if other else "choose another --port"
    if exc.errno == errno.EADDRINUSE:
        return InputError(f"port {port} on {host} is already in use by another program", hint=hint)
    if exc.errno == errno.EACCES:
        return InputError(f"port {port} on {host} needs privileges this user does not have", hint=hint)
    if exc.errno == errno.EADDRNOTAVAIL:
        return InputError(f"--host {host} is not an address of this machine",
                          hint="use 127.0.0.1, or an address shown by `ip addr`")
    return InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})", hint=hint)


def ssh_tunnel_line(port: int) -> str:
    """`ssh -L PORT:127.0.0.1:PORT USER@HOST`: how to reach a loopback-only server from a laptop."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "USER"
    return f"ssh -L {port}:127.0.0.1:{port} {user}@{socket.gethostname()}"
