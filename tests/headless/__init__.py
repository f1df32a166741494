"""Tests of the headless commands, in-process through `recovery_tui.cli.main` and as a real subprocess."""
