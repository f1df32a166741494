"""Shared pieces of the headless commands: the service, input checks, the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from recovery_tui.service.aliases import AliasBook, BucketPath, parse_bucket_path
from recovery_tui.service.errors import InputError, NotFound, RecoveryError
from recovery_tui.settings import Settings

if TYPE_CHECKING:
    from recovery_tui.mcduration import OlderThan



def make_service(settings: Settings) -> Any:
    """The RecoveryService over the operator's aliases (MC_HOST_*, mc's config.json, from the settings'
    environment snapshot), honouring --insecure and --region."""
    from recovery_tui.service.client import RecoveryService
    from recovery_tui.service.http import ca_bundle_for

    return RecoveryService(AliasBook(settings.env, insecure=settings.insecure), ca_bundle=ca_bundle_for(settings.env),
                           region=settings.region)


def bucket_path(service: Any, text: str, *, allow_prefix: bool = False) -> BucketPath:
    """Parse ALIAS/BUCKET[/PREFIX] and resolve the alias now (unknown alias → exit 2)."""
    path = parse_bucket_path(text)
    if path.prefix and not allow_prefix:
        raise InputError(f"'{text}' has a path after the bucket", hint="Give ALIAS/BUCKET only, e.g. source/data.")
    service.aliases.get(path.alias)
    return path


def check_arn(arn: Optional[str]) -> Optional[str]:
    """A replication target ARN (the service's own check), None when not given; malformed → InputError."""
    if arn is None:
        return None
    from recovery_tui.service.parsers import validate_arn

    return validate_arn(arn)


def parse_older_than(text: Optional[str]) -> Optional["OlderThan"]:
    """`--older-than` as mc reads it (every unit and combination mc's ParseDuration takes, §19); None or ""
    stays None (not sent). What mc refuses (`30x`, `30`, `d`) → InputError with mc's reason."""
    from recovery_tui.mcduration import older_than

    if text is None or text == "":
        return None
    try:
        return older_than(text)
    except ValueError as exc:
        raise InputError(f"--older-than '{text}' is not a duration mc accepts ({exc})",
                         hint="Write it as mc does, e.g. --older-than 30d, 2w, 1y or 7d12h "
                              "(units ns us ms s m h d w y), or leave it out.") from None


PRECONDITION_CODES = frozenset({
    "ReplicationConfigurationNotFoundError", "XMinioReplicationNoExistingObjects", "RemoteTargetNotVersionedError",
    "ReplicationSourceNotVersionedError", "RemoteDestinationNotFoundError",
})
"""Server answers that mean the bucket's set-up is wrong (the operator's to fix): exit 2, not 1."""


def missing_bucket_is_input(exc: RecoveryError, path: BucketPath) -> RecoveryError:
    """A missing bucket or replication target is the operator's input: exit 2 with the fix."""
    if isinstance(exc, NotFound) and exc.code == "NoSuchBucket":
        return InputError(f"bucket '{path.bucket}' does not exist on {path.alias}",
                          hint=f"Check the name with: mc ls {path.alias}", code=exc.code, status=exc.status)
    if isinstance(exc, NotFound) and exc.code == "XMinioAdminRemoteTargetNotFoundError":
        return InputError(f"{path.alias}/{path.bucket} has no remote replication target",
                          hint=f"Add one first: mc replicate add {path.alias}/{path.bucket} "
                               "--remote-bucket TARGET_ALIAS/BUCKET --priority 1",
                          code=exc.code, status=exc.status)
    if exc.code in PRECONDITION_CODES:
        return InputError(exc.message, title=exc.title, hint=exc.hint, code=exc.code, status=exc.status)
    return exc


_RUN: Any = None
"""The journal of the headless run in progress (opened by `headless.dispatch`), else None."""


def start_run(mode: str, settings: Settings) -> Any:
    """Open the journal for one headless run (None when the journal module is unavailable)."""
    global _RUN
    try:
        from recovery_tui.journal import Journal
    except ImportError:
        return None
    _RUN = Journal(mode=mode, directory=settings.state_dir / "journal")
    return _RUN


def end_run() -> None:
    global _RUN
    _RUN = None


def journal(mode: str) -> Any:
    """The audit journal of this run (the one `dispatch` opened), or None when the journal module is unavailable."""
    if _RUN is not None:
        return _RUN
    try:
        from recovery_tui.journal import Journal
    except ImportError:
        return None
    return Journal(mode=mode)
