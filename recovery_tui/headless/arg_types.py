"""Argument types and shared options of the command line (`cli.build_parser`): each bad value becomes
argparse's one-line error (exit 2), named after its option."""

from __future__ import annotations

import argparse
import re
from typing import Callable

from recovery_tui.settings import DEFAULT_REGION


def positive_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got '{text}'") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        return value

    return parse


def non_negative_number(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number (objects per second), got '{text}'") from None
        if value < 0 or value != value:
            raise argparse.ArgumentTypeError(f"{name} must be 0 (unlimited) or more, got {text}")
        return value

    return parse


def seconds(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number of seconds, got '{text}'") from None
        if value < 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be 0 or more seconds, got {text}")
        return value

    return parse


def insecure_here(parser: argparse.ArgumentParser) -> None:
    """Accept `--insecure` after the command too, as mc does (it never resets a global `--insecure`)."""
    parser.add_argument("--insecure", action="store_true", default=argparse.SUPPRESS,
                        help="do not verify TLS certificates (as mc --insecure)")


REGION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def region(text: str) -> str:
    if not REGION_NAME.match(text or ""):
        raise argparse.ArgumentTypeError(f"--region must be a region name like us-east-1, got '{text}'")
    return text


def region_here(parser: argparse.ArgumentParser) -> None:
    """Accept `--region` after the command too (it never resets a global `--region`)."""
    parser.add_argument("--region", type=region, default=argparse.SUPPRESS, metavar="REGION",
                        help=f"SigV4 signing region of the servers (default {DEFAULT_REGION})")
