"""The client service: everything that talks to AIStor/MinIO servers. Never imports Textual."""
