"""Allows `python -m recovery_tui`."""

from recovery_tui.cli import run

run()
