"""Which Python runs a function: the interpreter matching its ``Runtime`` when this machine
has one, else the server's own (the function's log then says so, once per worker).

Lambda's Python runtimes are ``python3.X``; a function declaring ``python3.12`` on a
server running 3.11 runs on ``python3.12`` if it is on ``PATH`` (or
``SQUALL_PYTHON_3_12`` names it), so version-specific syntax and stdlib behave as on Lambda.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_RUNTIME = re.compile(r"^python(3)\.(\d+)$")


@functools.cache
def interpreter_for(runtime: str) -> tuple[str, bool]:
    """``(executable, exact)`` for a ``python3.X`` runtime; ``exact`` is False when the server's
    interpreter stands in for a version this machine lacks."""
    m = _RUNTIME.match(runtime)
    if m is None:
        return sys.executable, False
    major, minor = int(m.group(1)), int(m.group(2))
    if sys.version_info[:2] == (major, minor):
        return sys.executable, True
    for candidate in _candidates(major, minor):
        if _version_of(candidate) == (major, minor):
            return candidate, True
    return sys.executable, False


def _candidates(major: int, minor: int) -> list[str]:
    """Where a ``pythonX.Y`` may live: ``SQUALL_PYTHON_X_Y``, ``PATH``, then pyenv's versions
    (whose shims on ``PATH`` refuse to run a version that is installed but not selected)."""
    name = f"python{major}.{minor}"
    found = [os.environ.get(f"SQUALL_PYTHON_{major}_{minor}") or "", shutil.which(name) or ""]
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if root.is_dir():
        versions = sorted(root.glob(f"{major}.{minor}.*"),
                          key=lambda p: [int(x) if x.isdigit() else 0 for x in p.name.split(".")], reverse=True)
        found.extend(str(v / "bin" / name) for v in versions)
    return [c for c in found if c]


def _version_of(executable: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([executable, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                             capture_output=True, text=True, timeout=10, check=True).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def fallback_note(runtime: str) -> str | None:
    """The warning a worker logs when it runs on a stand-in interpreter."""
    exe, exact = interpreter_for(runtime)
    if exact:
        return None
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return (f"squall: {runtime} is not installed on this machine; running this function with "
            f"Python {here} ({exe}). Install {runtime} for exact behaviour.")
