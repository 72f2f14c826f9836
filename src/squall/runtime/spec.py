"""What the runtime needs to know to start and invoke one function version.

The Lambda service resolves a name, ARN or alias to a :class:`FunctionSpec`
(``squall.services.lambda_.functions.resolve``) and hands it to the worker pool
(:mod:`squall.runtime.pool`). The spec is immutable: a changed configuration or
new code yields a new ``revision_id``, and warm workers of the old revision are
simply never picked again (they are reaped when idle), as Lambda retires the
execution environments of a function whose code or configuration changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    account: str
    region: str
    name: str
    #: the executed version: "$LATEST" or "1", "2", … (an alias is resolved to its version)
    version: str
    #: the unqualified function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)
    arn: str
    runtime: str  # "python3.12", …
    handler: str  # "module.function" (a dotted module path is allowed: "pkg/mod.fn" or "pkg.mod.fn")
    #: directory holding the function's code: an extracted zip, or a local directory used in place
    code_dir: Path
    #: extracted layers, in the function's layer order (each holds python/ and/or lib/ as on Lambda)
    layer_dirs: tuple[Path, ...] = ()
    #: directories to put on sys.path after the code (requirements.txt installs)
    extra_paths: tuple[Path, ...] = ()
    memory_size: int = 128
    timeout: int = 3
    ephemeral_storage: int = 512
    environment: dict[str, str] = field(default_factory=dict)
    log_group: str = ""
    log_format: str = "Text"  # "Text" | "JSON"
    application_log_level: str | None = None  # JSON format only: TRACE…FATAL
    system_log_level: str | None = None
    #: PutFunctionConcurrency; None = draws on the account's unreserved pool
    reserved_concurrency: int | None = None
    code_sha256: str = ""
    revision_id: str = ""
    dead_letter_arn: str | None = None
    role: str = ""
    architecture: str = "x86_64"
    #: Lambda's function state: Pending (being created/updated), Active, Inactive, Failed
    state: str = "Active"

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.name}"

    @property
    def worker_key(self) -> tuple[str, str, str]:
        """Warm workers are shared only between invocations of the same code and configuration."""
        return (self.arn, self.version, self.revision_id)
