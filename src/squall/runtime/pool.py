"""The worker pool: warm workers per function revision, limits, and one call to run an invocation.

:meth:`Pool.invoke` is what every path into a function uses — the Invoke API, the async
queue, event source pollers. It takes a concurrency slot (or throttles), picks a warm
worker of the same function revision or forks a new one from the zygote (a cold start),
sends the event, and enforces the limits while it waits:

* **Timeout** — the worker is killed at the function's Timeout: ``Sandbox.Timedout``,
  "Task timed out after N.NN seconds".
* **Memory** — the worker's RSS is sampled every 50 ms while it runs; above MemorySize it is
  killed: ``Runtime.OutOfMemory``. (``RLIMIT_AS`` in the worker stops runaway allocations
  between samples; a ``MemoryError`` in the handler is reported the same way.)
* **Crashes** — ``os._exit``, ``sys.exit``, a segfault: ``Runtime.ExitError`` with the exit
  status or signal, exactly as Lambda words it. The worker is discarded, nothing else is.

The platform log lines (START/END/REPORT…) and the handler's output go to CloudWatch Logs
(log group ``/aws/lambda/NAME``, one stream per worker) through the logs service's sink.
Idle workers are reaped after ``SQUALL_LAMBDA_IDLE_SECONDS`` (default 300). :meth:`Pool.retire`
replaces the warm workers of code that changed in place (hot reload, ``services/lambda_/hot_reload.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from squall.runtime.interpreters import interpreter_for
from squall.runtime.invocation_log import InvocationLog
from squall.runtime.limits import Limits, Throttled
from squall.runtime.spec import FunctionSpec
from squall.runtime.workers import WorkerDied, WorkerHandle, exit_error
from squall.runtime.zygotes import ZygoteGone, Zygotes

log = logging.getLogger("squall.runtime")

IDLE_SECONDS = float(os.environ.get("SQUALL_LAMBDA_IDLE_SECONDS", "300"))
MEMORY_SAMPLE = 0.05

__all__ = ["InvokeResult", "Pool", "Throttled", "get_pool"]


@dataclass
class InvokeResult:
    payload: bytes
    #: "Unhandled" when the function failed (the X-Amz-Function-Error header), else None
    function_error: str | None
    executed_version: str
    log: InvocationLog
    duration_ms: float
    error_type: str | None = None
    cold: bool = False


@dataclass
class Counters:
    """Per-function figures kept for the observability work (metrics come later)."""

    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    duration_ms: float = 0.0
    concurrent_peak: int = 0


@dataclass
class Pool:
    runtime: Any  # squall.services.base.Runtime
    zygotes: Zygotes = field(init=False)
    limits: Limits = field(default_factory=Limits)
    idle: dict[tuple, list[WorkerHandle]] = field(default_factory=lambda: defaultdict(list))
    busy: set[WorkerHandle] = field(default_factory=set)
    #: busy workers to discard when their invocation ends instead of keeping them warm
    retiring: set[WorkerHandle] = field(default_factory=set)
    counters: dict[str, Counters] = field(default_factory=lambda: defaultdict(Counters))
    #: where invocation logs go: ``(spec, InvokeResult)``; default: CloudWatch Logs' sink
    log_writer: Any = None
    _watcher: asyncio.Task | None = None

    def __post_init__(self) -> None:
        self.zygotes = Zygotes(self.data_dir)

    @property
    def data_dir(self) -> Path:
        return Path(self.runtime.settings.data_dir)

    async def start(self) -> None:
        """Start the server interpreter's zygote now, so the first cold start does not pay for it."""
        import sys

        await self.zygotes.get(sys.executable)

    # ---- invoking -------------------------------------------------------------------------
    async def invoke(self, spec: FunctionSpec, payload: bytes, *, request_id: str, sync: bool = True,
                     invoked_arn: str | None = None, client_context: dict | None = None,
                     identity: dict | None = None, trace_id: str | None = None) -> InvokeResult:
        """Run one invocation. Raises :class:`Throttled` when ``sync`` and no slot is free;
        otherwise waits for one."""
        counters = self.counters[spec.arn]
        if sync:
            try:
                self.limits.try_acquire(spec)
            except Throttled:
                counters.throttles += 1
                raise
        else:
            await self.limits.acquire(spec)
        counters.concurrent_peak = max(counters.concurrent_peak, self.limits.running.get(spec.arn, 0))
        try:
            result = await self._run(spec, payload, request_id=request_id, invoked_arn=invoked_arn,
                                     client_context=client_context, identity=identity, trace_id=trace_id)
        finally:
            self.limits.release(spec)
        counters.invocations += 1
        counters.duration_ms += result.duration_ms
        if result.function_error:
            counters.errors += 1
        self._write_log(spec, result)
        return result

    async def _run(self, spec: FunctionSpec, payload: bytes, *, request_id: str, invoked_arn: str | None,
                   client_context: dict | None, identity: dict | None, trace_id: str | None) -> InvokeResult:
        ilog = InvocationLog(spec, request_id)
        worker, cold_init_ms = await self._worker(spec, ilog)
        if isinstance(worker, InvokeResult):  # init failed
            return worker
        start_ms = int(time.time() * 1000)
        ilog.start(start_ms)
        header = {"op": "invoke", "request_id": request_id, "deadline_ms": start_ms + spec.timeout * 1000,
                  "invoked_arn": invoked_arn, "client_context": client_context, "identity": identity,
                  "trace_id": trace_id or ""}
        loop = asyncio.get_running_loop()
        # the deadline is a timer that kills the worker (its socket then ends the call below);
        # memory is watched by one pool-wide sampler, not per invocation
        timer = loop.call_later(spec.timeout, worker.kill, "timeout")
        worker.busy_since = time.monotonic()
        self.busy.add(worker)
        if self._watcher is None or self._watcher.done():
            self._watcher = loop.create_task(self._watch_memory())
        t0 = time.perf_counter()
        try:
            out, body = await worker.call(header, payload)
        except WorkerDied:
            duration = (time.perf_counter() - t0) * 1000
            return await self._died(spec, worker, ilog, request_id, duration, cold_init_ms)
        finally:
            timer.cancel()
            self.busy.discard(worker)
            retired = worker in self.retiring
            self.retiring.discard(worker)
        duration = out.get("duration_ms", (time.perf_counter() - t0) * 1000)
        ilog.output(out.get("logs") or [])
        error_type = None
        if out.get("error"):
            try:
                error_type = orjson.loads(body).get("errorType")
            except (orjson.JSONDecodeError, AttributeError):
                error_type = None
        fatal = out.get("fatal")
        ilog.end(int(time.time() * 1000), duration_ms=duration, max_memory_mb=_mb(out.get("max_rss_kb", 0)),
                 init_ms=cold_init_ms, status="error" if fatal else None, error_type=fatal)
        if fatal or worker.dead or retired:
            worker.kill()
        else:
            worker.idle_since = time.monotonic()
            self.idle[spec.worker_key].append(worker)
        return InvokeResult(body, out.get("error"), spec.version, ilog, duration, error_type,
                            cold=cold_init_ms is not None)

    async def _watch_memory(self) -> None:
        """While any worker is busy: every :data:`MEMORY_SAMPLE` seconds, kill those above their
        MemorySize (only workers busy for a while are sampled: a fast invocation costs nothing)."""
        while self.busy:
            await asyncio.sleep(MEMORY_SAMPLE)
            now = time.monotonic()
            for worker in list(self.busy):
                if now - worker.busy_since >= MEMORY_SAMPLE and worker.rss_mb() > worker.spec.memory_size:
                    worker.kill("memory")

    async def _died(self, spec: FunctionSpec, worker: WorkerHandle, ilog: InvocationLog, request_id: str,
                    duration_ms: float, init_ms: float | None) -> InvokeResult:
        end = int(time.time() * 1000)
        peak = _mb(int(worker.rss_mb() * 1024)) if worker.pid else 0
        if worker.killed_for == "timeout":
            ilog.timed_out(end, float(spec.timeout))
            doc = {"errorType": "Sandbox.Timedout",
                   "errorMessage": f"RequestId: {request_id} Error: Task timed out after {spec.timeout:.2f} seconds"}
            ilog.end(end, duration_ms=spec.timeout * 1000.0, max_memory_mb=peak or 0, init_ms=init_ms,
                     status="timeout")
        elif worker.killed_for == "memory":
            doc = {"errorType": "Runtime.OutOfMemory",
                   "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}
            ilog.end(end, duration_ms=duration_ms, max_memory_mb=spec.memory_size, init_ms=init_ms,
                     status="error", error_type="Runtime.OutOfMemory")
        else:
            doc = exit_error(request_id, await worker.exit_status())
            ilog.end(end, duration_ms=duration_ms, max_memory_mb=peak, init_ms=init_ms, status="error",
                     error_type="Runtime.ExitError")
        worker.kill()
        return InvokeResult(orjson.dumps(doc), "Unhandled", spec.version, ilog, duration_ms, doc["errorType"],
                            cold=init_ms is not None)

    async def _worker(self, spec: FunctionSpec, ilog: InvocationLog) -> tuple[WorkerHandle | InvokeResult, float | None]:
        """A warm worker of this revision, or a new one (its init duration is returned too)."""
        idle = self.idle.get(spec.worker_key)
        while idle:
            worker = idle.pop()
            if not worker.dead:
                ilog.stream = worker.log_stream
                return worker, None
        executable, _exact = interpreter_for(spec.runtime)
        for attempt in range(2):
            zygote = await self.zygotes.get(executable)
            worker = WorkerHandle(spec, zygote)
            try:
                ready = await worker.spawn(self.runtime.settings, self.data_dir)
                break
            except ZygoteGone:
                if attempt:
                    raise
        ilog.stream = worker.log_stream
        ilog.init_start(int(time.time() * 1000), zygote.python)
        ilog.output(ready.logs)
        if ready.init_error is not None:
            worker.kill()
            now = int(time.time() * 1000)
            error_type = ready.init_error.get("errorType")
            ilog.start(now)
            ilog.end(now, duration_ms=ready.init_ms, max_memory_mb=_mb(ready.max_rss_kb), init_ms=ready.init_ms,
                     status="error", error_type=error_type)
            return InvokeResult(orjson.dumps(ready.init_error), "Unhandled", spec.version, ilog, ready.init_ms,
                                error_type, cold=True), ready.init_ms
        return worker, ready.init_ms

    # ---- logs, housekeeping -----------------------------------------------------------------
    def _write_log(self, spec: FunctionSpec, result: InvokeResult) -> None:
        if self.log_writer is not None:
            self.log_writer(spec, result)
            return
        try:
            from squall.services.logs.sink import get_sink
        except ImportError:  # the logs service is not part of this build
            return
        get_sink(self.runtime).put(spec.account, spec.region, spec.log_group_name, result.log.stream,
                                   [(ms, text) for ms, text in result.log.lines if text])

    def reap(self, now: float | None = None) -> int:
        """Retire workers idle longer than :data:`IDLE_SECONDS`; returns how many."""
        now = time.monotonic() if now is None else now
        return self._close_idle(lambda w: w.dead or now - w.idle_since > IDLE_SECONDS)

    def retire(self, match: Callable[[FunctionSpec], bool]) -> int:
        """Replace the warm workers of the specs ``match`` accepts (their code changed in place):
        idle ones are closed now, busy ones when their invocation ends, so the next invocation
        cold-starts with the new code. Returns how many."""
        n = self._close_idle(lambda w: match(w.spec))
        for w in self.busy - self.retiring:
            if match(w.spec):
                self.retiring.add(w)
                n += 1
        return n

    def _close_idle(self, drop: Callable[[WorkerHandle], bool]) -> int:
        n = 0
        for key in list(self.idle):
            keep = []
            for w in self.idle[key]:
                if drop(w):
                    w.close()
                    n += 1
                else:
                    keep.append(w)
            if keep:
                self.idle[key] = keep
            else:
                del self.idle[key]
        return n

    async def close(self) -> None:
        for workers in self.idle.values():
            for w in workers:
                w.close()
        self.idle.clear()
        for w in list(self.busy):
            w.kill()
        await self.zygotes.close()


def _mb(kb: int) -> int:
    return max(1, round(kb / 1024))


def get_pool(runtime: Any) -> Pool:
    """The server's one pool (created on first use)."""
    pool = runtime.state.get("lambda.pool")
    if pool is None:
        pool = Pool(runtime)
        runtime.state["lambda.pool"] = pool
    return pool


async def background(runtime: Any) -> None:
    """The pool's background task: start the zygote early, reap idle workers, close at shutdown."""
    from squall.services.base import every

    pool = get_pool(runtime)
    try:
        try:
            await pool.start()
        except Exception:
            log.exception("could not start the function zygote")
        await every(runtime, 15.0, _reap_async(pool), "lambda worker reaper", first_delay=15.0)
    finally:
        await pool.close()


def _reap_async(pool: Pool):
    async def run() -> None:
        pool.reap()
    return run
