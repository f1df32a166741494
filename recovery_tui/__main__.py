"""Allows `python -m recovery_tui`."""

try:
    from recovery_tui.cli import run
except KeyboardInterrupt:  # Ctrl+C while Python loads the program: nothing has started, nothing to save
    raise SystemExit(130) from None

run()
