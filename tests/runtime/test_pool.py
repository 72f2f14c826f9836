"""The worker pool in-process (no HTTP): cold/warm starts, the handler's view, every failure mode.

These drive :class:`squall.runtime.pool.Pool` directly with a hand-made FunctionSpec; the
same paths through the wire are in ``tests/lambda_/test_invoke.py``.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from squall.config import Settings
from squall.runtime.limits import Limits, Throttled
from squall.runtime.pool import Pool
from squall.runtime.spec import FunctionSpec

HANDLER = textwrap.dedent('''
    import ctypes, json, logging, os, sys, tempfile, time

    COUNT = 0
    print("init ran")

    def handler(event, context):
        global COUNT
        COUNT += 1
        print("got", json.dumps(event))
        logging.getLogger().warning("careful")
        logging.getLogger().info("hidden at the default level")
        action = event.get("do")
        if action == "raise":
            raise ValueError("bad thing")
        if action == "exit":
            os._exit(3)
        if action == "sysexit":
            sys.exit(2)
        if action == "segv":
            ctypes.string_at(0)
        if action == "sleep":
            time.sleep(event["seconds"])
        if action == "eat":
            hog = bytearray(event["mb"] * 1024 * 1024)
            hog[::4096] = b"x" * len(hog[::4096])
            time.sleep(1)
        if action == "unserializable":
            return {1, 2}
        if action == "fd":
            os.write(1, b"straight to fd 1\\n")
        return {
            "count": COUNT,
            "remaining": context.get_remaining_time_in_millis(),
            "ctx": [context.function_name, context.function_version, context.invoked_function_arn,
                    context.memory_limit_in_mb, context.aws_request_id, context.log_group_name,
                    context.log_stream_name],
            "env": {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT",
                    "_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "_X_AMZN_TRACE_ID",
                    "AWS_ENDPOINT_URL", "MY_VAR")},
            "cwd": os.getcwd(),
            "tmp": tempfile.gettempdir(),
            "pid": os.getpid(),
        }
''')


@pytest.fixture
def code(tmp_path: Path) -> Path:
    d = tmp_path / "code"
    d.mkdir()
    (d / "app.py").write_text(HANDLER)
    (d / "broken.py").write_text("import not_a_module_anywhere\n")
    (d / "syntax.py").write_text("def handler(:\n")
    (d / "raises.py").write_text("raise RuntimeError('init failed')\n")
    return d


def make_spec(code: Path, **kw) -> FunctionSpec:
    base = {"account": "000000000000", "region": "us-east-1", "name": "fn", "version": "$LATEST",
            "arn": "arn:aws:lambda:us-east-1:000000000000:function:fn", "runtime": "python3.11",
            "handler": "app.handler", "code_dir": code, "memory_size": 128, "timeout": 3, "revision_id": "r1",
            "environment": {"MY_VAR": "mine"}}
    base.update(kw)
    return FunctionSpec(**base)


@pytest.fixture
def run(tmp_path: Path):
    """``run(coro_fn)``: a fresh pool on a fresh loop; logs collected in ``pool.logs``."""
    def runner(body):
        async def main():
            rt = SimpleNamespace(settings=Settings(data_dir=tmp_path / "data"), state={})
            pool = Pool(rt)
            pool.logs = []
            pool.log_writer = lambda spec, result: pool.logs.append(result.log)
            try:
                return await body(pool)
            finally:
                await pool.close()
        return asyncio.run(main())
    return runner


def call(pool: Pool, spec: FunctionSpec, event: dict | None = None, **kw):
    return pool.invoke(spec, json.dumps(event or {}).encode(), request_id=str(uuid.uuid4()), **kw)


def test_cold_then_warm_and_what_the_handler_sees(run, code):
    spec = make_spec(code)

    async def body(pool):
        first = await call(pool, spec, {"a": 1})
        second = await call(pool, spec, {"a": 2})
        return first, second, pool.logs

    first, second, logs = run(body)
    assert first.cold and not second.cold
    a, b = json.loads(first.payload), json.loads(second.payload)
    assert (a["count"], b["count"]) == (1, 2) and a["pid"] == b["pid"]  # module state survives
    assert 2000 < a["remaining"] <= 3000
    name, version, arn, memory, request_id, group, stream = a["ctx"]
    assert request_id == logs[0].request_id
    assert (name, version, memory, group) == ("fn", "$LATEST", "128", "/aws/lambda/fn")
    assert arn == spec.arn and stream.endswith("]" + stream.split("]")[1]) and "[$LATEST]" in stream
    env = a["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11" and env["_HANDLER"] == "app.handler"
    assert env["LAMBDA_TASK_ROOT"] == str(code) and env["MY_VAR"] == "mine" and env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert a["cwd"] == str(code) and "lambda/tmp" in a["tmp"]
    text = [line for _, line in logs[0].lines]
    assert text[0].startswith("INIT_START Runtime Version: python:3.11")
    assert "init ran" in text
    start = text.index(f"START RequestId: {logs[0].request_id} Version: $LATEST")
    assert text[start + 1] == 'got {"a": 1}'
    assert text[start + 2].startswith("[WARNING]\t") and text[start + 2].endswith(f"\t{logs[0].request_id}\tcareful")
    assert not any("hidden" in t for t in text)
    assert text[-2] == f"END RequestId: {logs[0].request_id}"
    assert text[-1].startswith(f"REPORT RequestId: {logs[0].request_id}\tDuration: ")
    assert "Init Duration" in text[-1] and "Init Duration" not in [t for _, t in logs[1].lines][-1]
    assert "Memory Size: 128 MB\tMax Memory Used: " in text[-1]


def test_unhandled_exception_shape_and_log(run, code):
    spec = make_spec(code)

    async def body(pool):
        r = await call(pool, spec, {"do": "raise"})
        again = await call(pool, spec, {})  # the worker survives a handled error
        return r, again, pool.logs[0]

    r, again, log = run(body)
    doc = json.loads(r.payload)
    assert r.function_error == "Unhandled" and doc["errorType"] == "ValueError"
    assert doc["errorMessage"] == "bad thing" and doc["requestId"] == log.request_id
    assert any("app.py" in frame and "in handler" in frame for frame in doc["stackTrace"])
    assert not any("squall_worker" in frame for frame in doc["stackTrace"])
    assert any(line.startswith("[ERROR] ValueError: bad thing\nTraceback") for _, line in log.lines)
    assert json.loads(again.payload)["count"] == 2


@pytest.mark.parametrize("action,expected", [
    ("exit", "Runtime exited with error: exit status 3"),
    ("sysexit", "Runtime exited with error: exit status 2"),
    ("segv", "Runtime exited with error: signal: segmentation fault"),
])
def test_a_dying_handler_fails_only_its_invocation(run, code, action, expected):
    spec = make_spec(code)

    async def body(pool):
        r = await call(pool, spec, {"do": action})
        after = await call(pool, spec, {})
        return r, after

    r, after = run(body)
    doc = json.loads(r.payload)
    assert r.function_error == "Unhandled" and doc["errorType"] == "Runtime.ExitError"
    assert doc["errorMessage"].endswith(expected)
    assert after.function_error is None and after.cold  # a fresh environment took over


def test_timeout_kills_the_worker(run, code):
    spec = make_spec(code, timeout=1)

    async def body(pool):
        r = await call(pool, spec, {"do": "sleep", "seconds": 30})
        return r, pool.logs[0]

    r, log = run(body)
    doc = json.loads(r.payload)
    assert doc == {"errorType": "Sandbox.Timedout",
                   "errorMessage": f"RequestId: {log.request_id} Error: Task timed out after 1.00 seconds"}
    assert 1000 <= r.duration_ms < 1600
    lines = [line for _, line in log.lines]
    assert any(line.endswith(f"{log.request_id} Task timed out after 1.00 seconds") for line in lines)
    assert "Status: timeout" in lines[-1]


def test_memory_limit(run, code):
    spec = make_spec(code, memory_size=128)

    async def body(pool):
        return await call(pool, spec, {"do": "eat", "mb": 400})

    r = run(body)
    assert r.function_error == "Unhandled"
    assert json.loads(r.payload)["errorType"] == "Runtime.OutOfMemory"


@pytest.mark.parametrize("handler,error_type,message", [
    ("broken.handler", "Runtime.ImportModuleError",
     "Unable to import module 'broken': No module named 'not_a_module_anywhere'"),
    ("app.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
    ("nodot", "Runtime.MalformedHandlerName", None),
    ("syntax.handler", "Runtime.UserCodeSyntaxError", None),
    ("raises.handler", "RuntimeError", "init failed"),
])
def test_init_errors(run, code, handler, error_type, message):
    spec = make_spec(code, handler=handler)

    async def body(pool):
        return await call(pool, spec, {})

    r = run(body)
    doc = json.loads(r.payload)
    assert r.function_error == "Unhandled" and doc["errorType"] == error_type
    if message:
        assert doc["errorMessage"] == message


def test_marshal_error_and_fd_output(run, code):
    spec = make_spec(code)

    async def body(pool):
        bad = await call(pool, spec, {"do": "unserializable"})
        fd = await call(pool, spec, {"do": "fd"})
        return bad, fd, pool.logs[1]

    bad, fd, log = run(body)
    assert json.loads(bad.payload)["errorType"] == "Runtime.MarshalError"
    assert fd.function_error is None and "straight to fd 1" in [line for _, line in log.lines]


def test_layers_and_json_logging(run, code, tmp_path):
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "shared_helper.py").write_text("VALUE = 'from the layer'\n")
    (code / "uses_layer.py").write_text(
        "import logging, shared_helper\n"
        "def handler(event, context):\n"
        "    logging.getLogger('app').info('structured')\n"
        "    return shared_helper.VALUE\n")
    spec = make_spec(code, handler="uses_layer.handler", layer_dirs=(layer,), log_format="JSON",
                     application_log_level="INFO")

    async def body(pool):
        return await call(pool, spec, {}), pool.logs[0]

    r, log = run(body)
    assert json.loads(r.payload) == "from the layer"
    records = [json.loads(line) for _, line in log.lines]
    app = [rec for rec in records if rec.get("message") == "structured"]
    assert app and app[0]["level"] == "INFO" and app[0]["logger"] == "app" and app[0]["requestId"] == log.request_id
    assert any(rec.get("type") == "platform.report" for rec in records)


def test_reserved_concurrency_throttles_sync_and_queues_async(run, code):
    spec = make_spec(code, reserved_concurrency=1)

    async def body(pool):
        slow = asyncio.create_task(call(pool, spec, {"do": "sleep", "seconds": 0.5}))
        await asyncio.sleep(0.2)
        with pytest.raises(Throttled) as exc:
            await call(pool, spec, {})
        assert exc.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        waited = await call(pool, spec, {}, sync=False)  # async work waits for the slot
        await slow
        return waited, pool.counters[spec.arn]

    waited, counters = run(body)
    assert waited.function_error is None
    assert counters.throttles == 1 and counters.invocations == 2


def test_account_limit():
    limits = Limits(account_limit=3)
    reserved = SimpleNamespace(arn="a", reserved_concurrency=2)
    other = SimpleNamespace(arn="b", reserved_concurrency=None)
    limits.try_acquire(reserved)
    limits.try_acquire(other)  # unreserved pool = 3 - 2 = 1
    with pytest.raises(Throttled) as exc:
        limits.try_acquire(other)
    assert exc.value.reason == "ConcurrentInvocationLimitExceeded"


def test_idle_workers_are_reaped(run, code):
    spec = make_spec(code)

    async def body(pool):
        await call(pool, spec, {})
        assert pool.reap() == 0
        assert pool.reap(now=10**9) == 1
        return await call(pool, spec, {})

    assert run(body).cold


@pytest.mark.parametrize("runtime", ["python3.12", "python3.10"])
def test_runtime_picks_its_interpreter_with_boto3(run, code, runtime):
    from squall.runtime.interpreters import interpreter_for

    _exe, exact = interpreter_for(runtime)
    if not exact:
        pytest.skip(f"{runtime} is not installed on this machine")
    (code / "which.py").write_text(
        "import sys, boto3\n"
        "def handler(event, context):\n"
        "    return [sys.version_info[0], sys.version_info[1], boto3.__version__]\n")
    spec = make_spec(code, handler="which.handler", runtime=runtime)

    async def body(pool):
        return await call(pool, spec, {})

    r = run(body)
    major, minor, _ = json.loads(r.payload)
    assert f"python{major}.{minor}" == runtime
