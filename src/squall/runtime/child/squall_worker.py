"""The child side of a function worker: what runs in the forked process, never in the server.

This module is **standard library only** and runs under any Python 3.9+: the zygote
(:mod:`squall_zygote`) that forks workers may be a different interpreter from the
server's (a function declaring ``python3.12`` runs on ``python3.12`` when it is
installed). Its name is unique so that it cannot shadow a user module.

Life of a worker (one execution environment, in Lambda's words):

1. :func:`run` — set the environment Lambda sets, ``sys.path`` (code, layers,
   requirements), cwd, a private temp dir, the memory backstop (``RLIMIT_AS``), and
   capture stdout/stderr; import the handler (the *init* phase, timed).
2. :func:`serve` — loop: read an ``invoke`` frame, call the handler with the event and a
   :class:`LambdaContext`, answer with a ``result`` frame carrying the payload, the
   captured log lines and the peak memory. Module-level state survives between
   invocations, as on Lambda.

The server enforces the timeout (it kills the process) and the memory limit (it samples
RSS; ``RLIMIT_AS`` only stops a runaway allocation between samples). Anything a handler
does to this process — ``os._exit``, a segfault, a leak — ends this process only.

Wire format (both directions, :func:`send_frame` / :func:`recv_frame`): an 8-byte header
``!II`` (JSON header length, body length), the JSON header, then the raw body bytes.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import resource
import socket
import struct
import sys
import time
import traceback

try:  # in a worker, this directory is on sys.path (the zygote runs from it)
    from squall_context import LambdaContext
except ImportError:  # the server imports this module for its framing constants
    from squall.runtime.child.squall_context import LambdaContext

_HEAD = struct.Struct("!II")


# ---- framing -------------------------------------------------------------------------------
def send_frame(sock: socket.socket, header: dict, body: bytes = b"") -> None:
    head = json.dumps(header, separators=(",", ":")).encode()
    sock.sendall(_HEAD.pack(len(head), len(body)) + head + body)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError
        got += k
    return bytes(buf)


def recv_frame(sock: socket.socket) -> tuple[dict, bytes]:
    """One frame from a socket read unbuffered (the zygote's control channel)."""
    hlen, blen = _HEAD.unpack(_recv_exact(sock, _HEAD.size))
    header = json.loads(_recv_exact(sock, hlen))
    body = _recv_exact(sock, blen) if blen else b""
    return header, body


class FrameReader:
    """Frames from a socket through one buffer: a whole invocation usually arrives in a single
    ``recv`` (one system call instead of three)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(1 << 16, n - len(self.buf)))
            if not chunk:
                raise EOFError
            self.buf += chunk

    def read(self) -> tuple[dict, bytes]:
        self._fill(_HEAD.size)
        hlen, blen = _HEAD.unpack_from(self.buf)
        end = _HEAD.size + hlen + blen
        self._fill(end)
        header = json.loads(self.buf[_HEAD.size:_HEAD.size + hlen])
        body = bytes(self.buf[_HEAD.size + hlen:end])
        del self.buf[:end]
        return header, body


# ---- log capture ---------------------------------------------------------------------------
class _Capture:
    """Collects what the handler writes, line by line, with the time each line was written.

    Python-level ``print``/``sys.stdout``/``sys.stderr`` writes land here directly (so every
    line keeps its own timestamp); fd-level writes (C extensions, subprocesses) go to a file
    behind fds 1 and 2 that :meth:`drain` appends at the end of the invocation."""

    def __init__(self, fd_file: str) -> None:
        self.lines: list[tuple[int, str]] = []
        self._partial = ""
        self._fd_path = fd_file
        fd = os.open(fd_file, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)

    def write(self, text: str) -> None:
        if not text:
            return
        text = self._partial + text
        *complete, self._partial = text.split("\n")
        now = int(time.time() * 1000)
        for line in complete:
            self.lines.append((now, line))

    def add(self, text: str) -> None:
        """One log event that may span lines (a traceback, a logging record)."""
        self.lines.append((int(time.time() * 1000), text))

    def drain(self) -> list[tuple[int, str]]:
        if self._partial:
            self.lines.append((int(time.time() * 1000), self._partial))
            self._partial = ""
        size = os.fstat(1).st_size
        if size:
            with open(self._fd_path, "rb") as f:
                raw = f.read(size)
            os.ftruncate(1, 0)
            os.lseek(1, 0, os.SEEK_SET)
            now = int(time.time() * 1000)
            for line in raw.decode("utf-8", "replace").splitlines():
                self.lines.append((now, line))
        out, self.lines = self.lines, []
        return out


class _Stream:
    """``sys.stdout`` / ``sys.stderr`` replacement feeding :class:`_Capture`."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, capture: _Capture, fileno: int) -> None:
        self._capture = capture
        self._fileno = fileno

    def write(self, text: str) -> int:
        self._capture.write(str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fileno

    @property
    def buffer(self):  # some code writes bytes to sys.stdout.buffer
        return os.fdopen(os.dup(self._fileno), "wb", buffering=0)


# ---- logging as Lambda's Python runtime formats it ------------------------------------------
_LEVELS = {"TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
           "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


class _LambdaLogHandler(logging.Handler):
    """The root handler Lambda installs: text lines ``[LEVEL]\\tTIME\\tREQUEST_ID\\tMESSAGE``,
    or one JSON object per record with LoggingConfig LogFormat JSON.
    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html"""

    def __init__(self, worker: Worker, json_format: bool) -> None:
        super().__init__()
        self.worker = worker
        self.json_format = json_format

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + \
                f".{int(record.msecs):03d}Z"
            if self.json_format:
                doc = {"timestamp": stamp, "level": record.levelname, "message": message,
                       "logger": record.name, "requestId": self.worker.request_id}
                if record.exc_info:
                    doc["errorType"] = record.exc_info[0].__name__ if record.exc_info[0] else None
                    doc["errorMessage"] = str(record.exc_info[1])
                    doc["stackTrace"] = traceback.format_tb(record.exc_info[2])
                text = json.dumps(doc, default=str)
            else:
                text = f"[{record.levelname}]\t{stamp}\t{self.worker.request_id}\t{message}"
                if record.exc_info:
                    text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            self.worker.capture.add(text)
        except Exception:  # noqa: BLE001,S110 - a logging failure must never fail the invocation
            pass


# ---- errors ------------------------------------------------------------------------------------
def _error_doc(exc: BaseException, request_id: str, error_type: str | None = None,
               message: str | None = None) -> dict:
    """Lambda's error payload: ``{errorMessage, errorType, requestId, stackTrace}``."""
    tb = traceback.extract_tb(exc.__traceback__)
    # drop this module's own frames: the trace starts in the user's code, as on Lambda
    frames = [f for f in tb if not f.filename.endswith("squall_worker.py")]
    return {"errorMessage": message if message is not None else str(exc),
            "errorType": error_type or type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_list(frames)}


def _json_default(obj):
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


# ---- the worker ----------------------------------------------------------------------------------
class Worker:
    def __init__(self, sock: socket.socket, cfg: dict) -> None:
        self.sock = sock
        self.cfg = cfg
        self.request_id = ""
        self.capture: _Capture
        self.handler = None
        self.init_error: dict | None = None
        self.init_ms = 0.0

    # -- init --
    def setup(self) -> None:
        cfg = self.cfg
        os.environ.clear()
        os.environ.update(cfg["env"])
        os.makedirs(cfg["tmp_dir"], exist_ok=True)
        import tempfile

        tempfile.tempdir = cfg["tmp_dir"]
        os.chdir(cfg["code_dir"])
        keep = [p for p in sys.path if p and p not in cfg.get("drop_paths", ())]
        sys.path[:] = [*cfg["paths"], *keep]
        importlib.invalidate_caches()
        limit = cfg.get("address_space_bytes")
        if limit:
            try:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ValueError, OSError):
                pass
        self.capture = _Capture(os.path.join(cfg["tmp_dir"], ".squall-fd-output"))
        sys.stdout = _Stream(self.capture, 1)  # type: ignore[assignment]
        sys.stderr = _Stream(self.capture, 2)  # type: ignore[assignment]
        root = logging.getLogger()
        for h in list(root.handlers):
            root.removeHandler(h)
        json_format = cfg.get("log_format") == "JSON"
        root.addHandler(_LambdaLogHandler(self, json_format))
        if json_format:
            root.setLevel(_LEVELS.get((cfg.get("application_log_level") or "INFO").upper(), logging.INFO))
        else:
            root.setLevel(logging.WARNING)
        for note in cfg.get("notes", ()):
            self.capture.add(note)

    def load_handler(self) -> None:
        """The init phase: import the handler's module (timed: REPORT's Init Duration)."""
        start = time.perf_counter()
        handler = self.cfg["handler"]
        try:
            modname, fname = handler.rsplit(".", 1)
        except ValueError as exc:
            self.init_error = {"errorMessage": f"Bad handler '{handler}': {exc}",
                               "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}
            return
        modname = modname.replace("/", ".")
        try:
            module = importlib.import_module(modname)
        except ImportError as exc:
            self.init_error = {"errorMessage": f"Unable to import module '{modname}': {exc}",
                               "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
        except SyntaxError as exc:
            self.init_error = {"errorMessage": f"Syntax error in module '{modname}': {exc}",
                               "errorType": "Runtime.UserCodeSyntaxError", "requestId": "",
                               "stackTrace": [f"  File \"{exc.filename}\" Line {exc.lineno}\n    {exc.text}"]}
        except MemoryError as exc:
            self.init_error = _error_doc(exc, "", "Runtime.OutOfMemory", "Runtime exited with error: out of memory")
        except BaseException as exc:  # noqa: BLE001 - anything the module's top level raises
            self.init_error = _error_doc(exc, "")
        else:
            fn = getattr(module, fname, None)
            if fn is None:
                self.init_error = {"errorMessage": f"Handler '{fname}' missing on module '{modname}'",
                                   "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
            else:
                self.handler = fn
        self.init_ms = (time.perf_counter() - start) * 1000
        if self.init_error is not None:
            self.capture.add(f"[ERROR] {self.init_error['errorType']}: {self.init_error['errorMessage']}\n"
                             f"Traceback (most recent call last):\n" + "".join(self.init_error["stackTrace"]))

    # -- invocations --
    def invoke(self, header: dict, body: bytes) -> tuple[dict, bytes]:
        self.request_id = header["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = header.get("trace_id") or ""
        start = time.perf_counter()
        out: dict = {"request_id": self.request_id}
        try:
            event = json.loads(body) if body.strip() else {}
            result = self.handler(event, LambdaContext(self.cfg, header))  # type: ignore[misc]
            try:
                payload = json.dumps(result, default=_json_default).encode()
            except (TypeError, ValueError) as exc:
                out["error"] = "Unhandled"
                payload = json.dumps({"errorMessage": f"Unable to marshal response: {exc}",
                                      "errorType": "Runtime.MarshalError", "requestId": self.request_id,
                                      "stackTrace": []}).encode()
        except MemoryError as exc:
            out["error"] = "Unhandled"
            out["fatal"] = "Runtime.OutOfMemory"
            payload = json.dumps(_error_doc(exc, self.request_id, "Runtime.OutOfMemory",
                                            "Runtime exited with error: out of memory")).encode()
        except SystemExit as exc:
            # sys.exit() in a handler ends the environment on Lambda: Runtime.ExitError
            out["error"] = "Unhandled"
            out["fatal"] = "Runtime.ExitError"
            payload = json.dumps({"errorMessage": f"RequestId: {self.request_id} Error: Runtime exited with "
                                                  f"error: exit status {exc.code if isinstance(exc.code, int) else 1}",
                                  "errorType": "Runtime.ExitError"}).encode()
        except BaseException as exc:  # noqa: BLE001 - the user's exception becomes the error payload
            out["error"] = "Unhandled"
            doc = _error_doc(exc, self.request_id)
            payload = json.dumps(doc, default=str).encode()
            trace = "".join(doc["stackTrace"])
            # Lambda logs an unhandled error as one event
            self.capture.add(f"[ERROR] {doc['errorType']}: {doc['errorMessage']}\n"
                             f"Traceback (most recent call last):\n{trace}".rstrip("\n"))
        out["duration_ms"] = (time.perf_counter() - start) * 1000
        out["logs"] = self.capture.drain()
        out["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return out, payload

    def serve(self) -> None:
        send_frame(self.sock, {"op": "ready", "pid": os.getpid(), "init_ms": self.init_ms,
                               "init_error": self.init_error, "logs": self.capture.drain(),
                               "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
        if self.init_error is not None:
            return
        frames = FrameReader(self.sock)
        while True:
            try:
                header, body = frames.read()
            except (EOFError, OSError):
                return
            if header.get("op") != "invoke":
                return
            out, payload = self.invoke(header, body)
            send_frame(self.sock, out, payload)
            if out.get("fatal"):
                return


def run(sock: socket.socket, cfg: dict) -> None:
    """Entry point in the forked child; never returns (the process ends here)."""
    code = 0
    try:
        worker = Worker(sock, cfg)
        worker.setup()
        worker.load_handler()
        worker.serve()
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001,S110 - the process ends either way
            pass
        os._exit(code)
