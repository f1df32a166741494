"""Operator-facing errors: every failure the service raises has a title and a fix hint.

The hierarchy is small on purpose. The UI and the headless commands only need to
know whether a failure is the operator's input (exit code 2), the connection or
the credentials (exit code 3), or something the server refused (exit code 1),
and whether retrying may help.
"""

from __future__ import annotations

from typing import Optional


class RecoveryError(Exception):
    """Base of every error the service raises. Messages never hold a secret."""

    exit_code = 1
    retryable = False
    default_title = "Operation failed"

    def __init__(
        self,
        message: str,
        *,
        title: Optional[str] = None,
        hint: str = "",
        code: str = "",
        status: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        """One line: what happened."""
        self.title = title or self.default_title
        """A short heading for a modal or toast."""
        self.hint = hint
        """What the operator can do about it."""
        self.code = code
        """The server's error code (`NoSuchBucket`, ...), when there was one."""
        self.status = status
        """The HTTP status, 0 when no response arrived."""

    def one_line(self) -> str:
        """`cause — fix`, for a headless command's stderr."""
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status}, message={self.message!r})"


class InputError(RecoveryError):
    """Bad input from the operator: an alias, a path, a flag value. Exit code 2."""

    exit_code = 2
    default_title = "Invalid input"


class ConfigError(InputError):
    """An mc alias cannot be resolved: unknown, malformed URL, unreadable config.json."""

    default_title = "mc alias problem"


class ConnectionFailure(RecoveryError):
    """No usable answer from the server: refused, timed out, TLS failure. Exit code 3."""

    exit_code = 3
    retryable = True
    default_title = "Cannot reach the server"


class AuthError(RecoveryError):
    """The server rejected the credentials (InvalidAccessKeyId, SignatureDoesNotMatch...). Exit code 3."""

    exit_code = 3
    default_title = "Authentication failed"


class AccessDenied(RecoveryError):
    """Authenticated, but the policy does not allow the action. Names the IAM action."""

    exit_code = 3
    default_title = "Access denied"

    def __init__(self, message: str, *, action: str = "", **kw: object) -> None:
        self.action = action
        """The IAM action the call needs, e.g. `s3:ResetBucketReplicationState`."""
        hint = kw.pop("hint", "") or (
            f"Grant the `{action}` action to this user's policy, or use an alias with that permission."
            if action
            else "Use an alias whose policy allows this call."
        )
        super().__init__(message, hint=str(hint), **kw)  # type: ignore[arg-type]


class NotFound(RecoveryError):
    """A bucket, configuration, remote target or version does not exist."""

    default_title = "Not found"


class Conflict(RecoveryError):
    """The server refuses because of current state (e.g. a resync already in progress)."""

    default_title = "Refused by the server"


class NotSupported(RecoveryError):
    """The server does not implement this call (e.g. bucket resync cancel on community MinIO)."""

    default_title = "Not supported by this server"


class ServerError(RecoveryError):
    """Any other error answer, with the server's code and message kept."""

    retryable = True
    default_title = "Server error"
