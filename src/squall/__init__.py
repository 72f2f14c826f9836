"""Squall: a self-hosted, AWS-compatible, event-driven serverless platform."""

__version__ = "0.1.0"
