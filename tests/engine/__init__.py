"""Tests of the validation and backlog engines against the embedded lab."""
