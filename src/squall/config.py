"""One frozen :class:`Settings` built from flags, environment and defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 4566


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = Path(".squall")
    backend: str = "sqlite"  # "sqlite" | "memory" | "postgresql://…"
    strict_auth: bool = False
    account_id: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    # the access keys squall knows from the start: key id -> (secret, account)
    known_keys: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"test": ("test", DEFAULT_ACCOUNT)}
    )
    app_path: Path | None = None  # `squall up PATH`
    log_level: str = "info"

    @property
    def endpoint(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``SQUALL_*`` environment variables, then explicit overrides."""
        env: dict[str, object] = {}
        if "SQUALL_HOST" in os.environ:
            env["host"] = os.environ["SQUALL_HOST"]
        if "SQUALL_PORT" in os.environ:
            env["port"] = int(os.environ["SQUALL_PORT"])
        if "SQUALL_DATA_DIR" in os.environ:
            env["data_dir"] = Path(os.environ["SQUALL_DATA_DIR"])
        if "SQUALL_BACKEND" in os.environ:
            env["backend"] = os.environ["SQUALL_BACKEND"]
        if os.environ.get("SQUALL_STRICT_AUTH", "").lower() in ("1", "true", "yes"):
            env["strict_auth"] = True
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
