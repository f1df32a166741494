"""recovery-tui: a terminal wizard for resynchronising an AIStor/MinIO bucket after data loss."""

__version__ = "0.1.0"
