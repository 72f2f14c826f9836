"""The zygote: a process that has already imported what handlers use, and forks workers.

Started by the server (:mod:`squall.runtime.zygotes`) as ``INTERPRETER squall_zygote.py``
with a Unix socket's fd number as its argument (the control channel). Standard library only at module level,
so any Python 3.9+ can run it; at start it imports the standard library modules handlers
commonly use and, when importable, boto3 and botocore — loading the service models and
endpoint data a handler's first client needs, so a fork inherits them (copy-on-write)
and a handler that imports boto3 pays nothing for it.

Control protocol (frames as in :mod:`squall_worker`):

* server → zygote: ``{"op": "spawn", "token": T, "cfg": {...}}`` with one file
  descriptor attached (SCM_RIGHTS): the worker's end of a fresh socket pair.
* zygote → server: ``{"op": "spawned", "token": T, "pid": P}`` once forked, and
  ``{"op": "exited", "pid": P, "status": S}`` when a worker ends (``S`` as in
  ``os.waitpid``; the server turns it into Lambda's "exit status 1" / "signal: killed").

The zygote never runs user code itself. When the control channel closes (the server is
gone) it kills its workers and exits; workers also die with it (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import array
import os
import select
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

import squall_worker

#: botocore service models loaded before forking: the services a handler most often talks to
PRELOAD_MODELS = ("s3", "sqs", "sns", "dynamodb", "lambda", "events", "stepfunctions", "kinesis",
                  "logs", "secretsmanager", "ssm", "sts", "cloudwatch", "apigateway", "scheduler")


def preload() -> list[str]:
    """Import what handlers import, so forked workers start warm. Returns notes for the log."""
    import base64  # noqa: F401
    import concurrent.futures  # noqa: F401
    import re  # noqa: F401
    notes: list[str] = []
    try:
        import boto3

        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION._session  # type: ignore[union-attr]
        loader = session.get_component("data_loader")
        loader.load_data("endpoints")
        loader.load_data("partitions")
        loader.load_data("sdk-default-configuration")
        for name in PRELOAD_MODELS:
            try:
                session.get_service_model(name)
                session.get_service_data(name)
                loader.load_service_model(name, "paginators-1")
                loader.load_service_model(name, "endpoint-rule-set-1")
            except Exception:  # noqa: BLE001,S110 - a model this botocore lacks: skip it
                pass
        # Build (and drop) one client so the code paths of client creation are imported too.
        boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                     aws_access_key_id="x", aws_secret_access_key="x")
    except Exception as exc:  # noqa: BLE001 - missing, or too new for this interpreter
        notes.append(f"squall: boto3 is not usable with Python {sys.version.split()[0]} here "
                     f"({type(exc).__name__}: {exc}); handlers cannot import it")
    import gc

    gc.collect()
    gc.freeze()  # keep the pre-imported objects out of the children's GC passes (fewer COW copies)
    return notes


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001,S110 - not Linux: the zygote's own cleanup still applies
        pass


def main() -> None:
    ctl = socket.socket(fileno=int(sys.argv[1]))
    ctl.setblocking(True)
    notes = preload()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    squall_worker.send_frame(ctl, {"op": "hello", "pid": os.getpid(), "python": sys.version.split()[0],
                                   "notes": notes})
    try:
        while True:
            ready, _, _ = select.select([ctl, wake_r], [], [])
            if wake_r in ready:
                os.read(wake_r, 4096)
                _reap(ctl, children)
            if ctl in ready:
                try:
                    header, fds = _recv_spawn(ctl)
                except (EOFError, OSError):
                    break
                if header.get("op") != "spawn" or not fds:
                    continue
                pid = os.fork()
                if pid == 0:  # the worker
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(wake_r)
                    os.close(wake_w)
                    ctl.close()
                    _die_with_parent()
                    os.setpgid(0, 0)
                    cfg = header["cfg"]
                    cfg.setdefault("drop_paths", [HERE])
                    squall_worker.run(socket.socket(fileno=fds[0]), cfg)
                os.close(fds[0])
                children.add(pid)
                squall_worker.send_frame(ctl, {"op": "spawned", "token": header["token"], "pid": pid})
                _reap(ctl, children)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + 2
        while children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, 0)
                children.discard(pid)
            except ChildProcessError:
                break


def _recv_spawn(ctl: socket.socket) -> tuple[dict, list[int]]:
    """One control frame whose first bytes may carry a file descriptor."""
    fds = array.array("i")
    msg, anc, _flags, _addr = ctl.recvmsg(squall_worker._HEAD.size, socket.CMSG_SPACE(fds.itemsize * 4))
    if not msg:
        raise EOFError
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if len(msg) < squall_worker._HEAD.size:
        msg += squall_worker._recv_exact(ctl, squall_worker._HEAD.size - len(msg))
    hlen, blen = squall_worker._HEAD.unpack(msg)
    import json

    header = json.loads(squall_worker._recv_exact(ctl, hlen))
    if blen:
        squall_worker._recv_exact(ctl, blen)
    return header, list(fds)


def _reap(ctl: socket.socket, children: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        try:
            squall_worker.send_frame(ctl, {"op": "exited", "pid": pid, "status": status})
        except OSError:
            return


if __name__ == "__main__":
    main()
