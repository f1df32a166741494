"""The embedded lab: two MinIO-compatible sites on loopback. Never imports Textual."""
