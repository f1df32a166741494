"""Widgets shared by the wizard's screens."""
