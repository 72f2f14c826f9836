"""Amazon S3 (see service.py for where each operation lives)."""
