"""Tests of the client service (recovery_tui.service)."""
