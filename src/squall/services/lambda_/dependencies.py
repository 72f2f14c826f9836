"""``requirements.txt``: installed once per distinct file, never into the server's environment.

A function whose code directory holds ``requirements.txt`` gets its requirements installed by
``<interpreter> -m pip install -r requirements.txt --target <data dir>/lambda/deps/<key>/``
while it is being created or updated (:mod:`.activation`), and that directory goes on the
function's ``sys.path`` after its code (``FunctionSpec.extra_paths``). ``<key>`` is the
SHA-256 of the file and the runtime — plus the code's own hash when the file names local
paths (``./pkg.whl``), since those resolve inside the package (pip runs with the code
directory as its working directory). Installs go to a temporary directory renamed into place
when pip succeeds, so a directory under ``deps/`` is always complete; concurrent activations
of the same key in this process share one pip run. The interpreter is
``runtimes.interpreter_for(runtime)``, the one the worker runtime will import the code with.
Installed directories are kept as a cache (remove ``<data dir>/lambda/deps`` to reclaim them).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from squall.services.lambda_.runtimes import interpreter_for

REQUIREMENTS = "requirements.txt"
INSTALL_TIMEOUT = 900.0
_LOCAL_PREFIXES = (".", "/", "file:", "-e", "--editable")


class DependencyError(Exception):
    """pip could not install the requirements; the message is what the function's StateReason says."""


def deps_dir(runtime: Any, key: str) -> Path:
    return Path(runtime.settings.data_dir).resolve() / "lambda" / "deps" / key


def requirements_key(content: bytes, runtime_name: str, code_identity: str) -> str:
    digest = hashlib.sha256(content + b"\0" + runtime_name.encode())
    lines = [line.strip() for line in content.decode("utf-8", "replace").splitlines()]
    if any(line.startswith(_LOCAL_PREFIXES) for line in lines):
        digest.update(b"\0" + code_identity.encode())
    return digest.hexdigest()


async def ensure(runtime: Any, code_path: Path, runtime_name: str, code_identity: str) -> str | None:
    """Install the code's requirements if it has any; returns the deps key (None: nothing to install).
    Raises :class:`DependencyError` when pip fails."""
    req = code_path / REQUIREMENTS
    if not req.is_file():
        return None
    content = await asyncio.to_thread(req.read_bytes)
    if not any(line.strip() and not line.strip().startswith("#")
               for line in content.decode("utf-8", "replace").splitlines()):
        return None
    key = requirements_key(content, runtime_name, code_identity)
    dest = deps_dir(runtime, key)
    if dest.is_dir():
        return key
    inflight: dict[str, asyncio.Task[None]] = runtime.state.setdefault("lambda", {}).setdefault("pip", {})
    task = inflight.get(key)
    if task is None:
        task = inflight[key] = asyncio.ensure_future(_install(req, code_path, runtime_name, dest))
        task.add_done_callback(lambda _t: inflight.pop(key, None))
    await asyncio.shield(task)
    return key


async def _install(req: Path, cwd: Path, runtime_name: str, dest: Path) -> None:
    interpreter, _exact = await asyncio.to_thread(interpreter_for, runtime_name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{uuid.uuid4().hex}"
    args = ["install", "--disable-pip-version-check", "--no-input", "--quiet", "--target", str(tmp), "-r", str(req)]
    try:
        code, err = await _pip([interpreter, "-m", "pip", *args], cwd)
        if code != 0 and "No module named pip" in err and interpreter != sys.executable:
            # an interpreter without pip of its own: the server's pip installs for it
            code, err = await _pip([sys.executable, "-m", "pip", "--python", interpreter, *args], cwd)
        if code != 0:
            raise DependencyError(_summary(err, code))
        try:
            os.rename(tmp, dest)
        except OSError:  # installed meanwhile (another node): keep theirs
            pass
    finally:
        if tmp.exists():
            await asyncio.to_thread(shutil.rmtree, tmp, True)


async def _pip(cmd: list[str], cwd: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PIP_TARGET", "PIP_PREFIX", "PIP_USER", "PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    try:
        proc = await asyncio.create_subprocess_exec(*cmd, cwd=str(cwd), env=env, stdin=asyncio.subprocess.DEVNULL,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        return 127, str(exc)
    try:
        _out, err = await asyncio.wait_for(proc.communicate(), INSTALL_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, f"pip did not finish within {int(INSTALL_TIMEOUT)} seconds"
    return proc.returncode or 0, err.decode("utf-8", "replace")


def _summary(stderr: str, code: int) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")] or lines[-3:]
    detail = " ".join(errors)[:900] or f"pip exited with status {code}"
    return f"Installing requirements.txt failed: {detail}"
