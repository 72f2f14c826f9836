"""The SQS → Lambda event source mapping poller.

In process (fast, no server): the event record, batch splitting, the partial-batch answer,
and the poller loop against a real engine with a stand-in worker pool.
Through the wire (both backends): functions, mappings and queues made with boto3.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import secrets
import textwrap
import time
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from squall.dispatch import sqs_batch, sqs_poller
from squall.engine import open_engine
from squall.patterns import compile_pattern
from squall.services.base import Runtime
from squall.services.sqs import catalog, consume, deliver
from squall.services.sqs.catalog import Queue

ACCOUNT, REGION = "000000000000", "us-east-1"


# ==== in process ===================================================================================
def run_with_engine(tmp_path: Path, body) -> Any:
    async def main() -> Any:
        engine = open_engine("memory", tmp_path)
        await engine.start()
        runtime = Runtime(settings=SimpleNamespace(data_dir=tmp_path), engine=engine, stopping=asyncio.Event())
        try:
            return await body(runtime)
        finally:
            runtime.stopping.set()
            await engine.close()

    return asyncio.run(main())


async def make_queue(runtime: Runtime, name: str, **attrs: str) -> Queue:
    fifo = name.endswith(".fifo")
    base = {"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
            "MaximumMessageSize": "1048576", "ReceiveMessageWaitTimeSeconds": "0"}
    if fifo:
        base |= {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    q = Queue.from_doc({"account": ACCOUNT, "region": REGION, "name": name, "fifo": fifo,
                        "inc": secrets.token_hex(4), "created": 0, "modified": 0, "attrs": base | attrs})
    await runtime.engine.transact(lambda tx: catalog.save(tx, q))
    return q


async def send(runtime: Runtime, q: Queue, *bodies: str, group: str | None = None, attributes: dict | None = None) -> None:
    def work(tx):
        for body in bodies:
            deliver.send(tx, q.arn, body, sender=ACCOUNT, group_id=group,
                         dedup_id=uuid.uuid4().hex if q.fifo else None, attributes=attributes)

    await runtime.engine.transact(work)


async def stats(runtime: Runtime, q: Queue):
    return await runtime.engine.read(lambda tx: tx.stats(q.engine_queue))


class FakePool:
    """Stands in for the worker pool: records every event and answers with ``answer(event)``."""

    def __init__(self, answer=None, delay: float = 0.0) -> None:
        self.events: list[dict] = []
        self.answer = answer or (lambda event: (b"null", None))
        self.delay = delay
        self.running = 0
        self.peak = 0

    async def invoke(self, spec, payload: bytes, **kw) -> Any:
        event = orjson.loads(payload)
        self.events.append(event)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            body, error = self.answer(event)
        finally:
            self.running -= 1
        return SimpleNamespace(payload=body, function_error=error)


@pytest.fixture
def fake_lambda(monkeypatch):
    """Route the poller's invocations to a FakePool and its function lookups to a stub spec."""
    import squall.runtime.pool as pool_module
    from squall.services.lambda_ import functions

    holder = SimpleNamespace(pool=FakePool(), reserved=None)
    monkeypatch.setattr(pool_module, "get_pool", lambda runtime: holder.pool)

    async def resolve_arn(runtime, arn):
        return SimpleNamespace(arn=arn, state="Active", reserved_concurrency=holder.reserved)

    monkeypatch.setattr(functions, "resolve_arn", resolve_arn)
    return holder


def mapping(q: Queue, **kw) -> dict:
    return {"UUID": str(uuid.uuid4()), "EventSourceArn": q.arn, "State": "Enabled",
            "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn", "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 0} | kw


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def polling(runtime: Runtime, doc: dict, body) -> Any:
    poller = sqs_poller.Poller(runtime, doc, consume.Deleter(runtime))
    poller.start()
    try:
        return await body(poller)
    finally:
        await poller.close()


def test_record_shape(tmp_path: Path) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "shape")
        attrs = {"color": {"DataType": "String", "StringValue": "red"},
                 "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
        await send(runtime, q, '{"k": 1}', attributes=attrs)
        lots, _ = await consume.receive(runtime, q, None, batches=1, per_batch=10)
        (item, stored), = lots[0]
        record = sqs_batch.to_record(q, item, stored)
        doc = orjson.loads(record.raw)
        assert list(doc) == ["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                             "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"]
        assert doc["messageId"] == item.id and doc["body"] == '{"k": 1}'
        assert doc["md5OfBody"] == hashlib.md5(b'{"k": 1}').hexdigest()
        assert doc["eventSource"] == "aws:sqs" and doc["eventSourceARN"] == q.arn and doc["awsRegion"] == REGION
        assert set(doc["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                          "ApproximateFirstReceiveTimestamp"}
        assert doc["attributes"]["ApproximateReceiveCount"] == "1"
        assert doc["messageAttributes"] == {
            "blob": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                     "binaryListValues": [], "dataType": "Binary"},
            "color": {"stringValue": "red", "stringListValues": [], "binaryListValues": [], "dataType": "String"}}
        assert doc["md5OfMessageAttributes"] == stored["ma"]
        assert record.doc == doc
        # the receipt handle is a real one: the function may delete the message itself
        assert await consume.delete(runtime, [(q, [record.receipt])]) == 1

    run_with_engine(tmp_path, body)


def test_record_shape_fifo_and_no_attributes(tmp_path: Path) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "shape.fifo")
        await send(runtime, q, "plain", group="g1")
        lots, _ = await consume.receive(runtime, q, None, batches=1, per_batch=10)
        (item, stored), = lots[0]
        doc = orjson.loads(sqs_batch.to_record(q, item, stored).raw)
        assert "md5OfMessageAttributes" not in doc and doc["messageAttributes"] == {}
        assert doc["attributes"]["MessageGroupId"] == "g1"
        assert doc["attributes"]["MessageDeduplicationId"] == stored["d"]
        assert int(doc["attributes"]["SequenceNumber"]) > 0

    run_with_engine(tmp_path, body)


def fake_record(i: int, size: int = 10) -> sqs_batch.Record:
    raw = orjson.dumps({"messageId": str(i), "body": "x" * size})
    return sqs_batch.Record(str(i), "t", raw, orjson.loads(raw))


def test_split_by_count_and_size() -> None:
    records = [fake_record(i) for i in range(25)]
    assert [len(b) for b in sqs_batch.split(records, 10)] == [10, 10, 5]
    big = [fake_record(i, 2 * 1024 * 1024) for i in range(5)]  # 2 MiB each: two fit in 6 MB
    batches = sqs_batch.split(big, 10)
    assert [len(b) for b in batches] == [2, 2, 1]
    for b in batches:
        payload = sqs_batch.event_payload(b)
        assert len(payload) == sqs_batch.payload_size(b) <= sqs_batch.MAX_PAYLOAD
        assert [r["messageId"] for r in orjson.loads(payload)["Records"]] == [r.item_id for r in b]
    assert sqs_batch.split([], 10) == []


@pytest.mark.parametrize(("payload", "expected"), [
    (b"", set()), (b"null", set()), (b"{}", set()), (b'{"batchItemFailures": null}', set()),
    (b'{"batchItemFailures": []}', set()),
    (b'{"batchItemFailures": [{"itemIdentifier": "a"}]}', {"a"}),
    (b'{"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}', {"a", "b"}),
    (b'{"batchItemFailures": [{"itemIdentifier": ""}]}', None),
    (b'{"batchItemFailures": [{"itemIdentifier": null}]}', None),
    (b'{"batchItemFailures": [{"itemId": "a"}]}', None),
    (b'{"batchItemFailures": [{"itemIdentifier": "zzz"}]}', None),
    (b'{"batchItemFailures": "a"}', None),
    (b'{"batchItemFailures": ["a"]}', None),
    (b"not json", None),
    (b'"ok"', None),
])
def test_partial_batch_answers(payload: bytes, expected: set | None) -> None:
    assert sqs_batch.failed_ids(payload, {"a", "b", "c"}) == expected


def test_filter_view_parses_json_bodies() -> None:
    plain = sqs_batch.Record("1", None, b"", {"body": "hello"})
    js = sqs_batch.Record("2", None, b"", {"body": '{"a": 1}'})
    assert sqs_batch.filter_view(plain) == {"body": "hello"}
    assert sqs_batch.filter_view(js) == {"body": {"a": 1}}
    assert sqs_batch.passes(js, [compile_pattern({"body": {"a": [1]}})])
    assert not sqs_batch.passes(plain, [compile_pattern({"body": {"a": [1]}})])
    assert sqs_batch.passes(plain, [compile_pattern({"body": {"a": [1]}}), compile_pattern({"body": ["hello"]})])
    assert sqs_batch.passes(plain, [])


def test_poller_success_deletes_and_failure_keeps(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "work", VisibilityTimeout="1")
        fake_lambda.pool.answer = lambda event: ((b'{"errorType": "E"}', "Unhandled")
                                                 if any(r["body"] == "bad" for r in event["Records"])
                                                 else (b"null", None))

        async def check(poller) -> None:
            await send(runtime, q, *[f"m{i}" for i in range(25)])
            await until(lambda: _empty(runtime, q))
            assert sorted(r["body"] for e in fake_lambda.pool.events for r in e["Records"]) == \
                sorted(f"m{i}" for i in range(25))
            assert all(len(e["Records"]) <= 10 for e in fake_lambda.pool.events)
            fake_lambda.pool.events.clear()
            await send(runtime, q, "bad")
            await until(lambda: _count(fake_lambda.pool.events, 2), timeout=5)  # redelivered after 1 s
            s = await stats(runtime, q)
            assert s.visible + s.in_flight == 1  # never deleted
            assert [e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in fake_lambda.pool.events[:2]] \
                == ["1", "2"]

        await polling(runtime, mapping(q), check)

    run_with_engine(tmp_path, body)


async def _empty(runtime: Runtime, q: Queue) -> bool:
    s = await stats(runtime, q)
    return s.visible + s.in_flight + s.delayed == 0


async def _count(events: list, n: int) -> bool:
    return len(events) >= n


def test_poller_partial_batch_failures(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "partial", VisibilityTimeout="30")

        def answer(event):
            failed = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"].startswith("f")]
            return orjson.dumps({"batchItemFailures": failed}), None

        fake_lambda.pool.answer = answer

        async def check(poller) -> None:
            await send(runtime, q, "ok1", "f1", "ok2", "f2")
            await until(lambda: _count(fake_lambda.pool.events, 1))
            await until(lambda: _in_flight(runtime, q, 2))

        await polling(runtime, mapping(q, FunctionResponseTypes=["ReportBatchItemFailures"]), check)

    run_with_engine(tmp_path, body)


async def _in_flight(runtime: Runtime, q: Queue, n: int) -> bool:
    s = await stats(runtime, q)
    return s.in_flight == n and s.visible == 0


def test_poller_filters_delete_unmatched(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "filtered")
        doc = mapping(q, FilterCriteria={"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'},
                                                     {"Pattern": '{"body": [{"prefix": "urgent"}]}'}]})

        async def check(poller) -> None:
            await send(runtime, q, '{"kind": "order", "n": 1}', '{"kind": "refund"}', "urgent: x", "plain",
                       '"urgent quoted"')
            await until(lambda: _empty(runtime, q))
            bodies = sorted(r["body"] for e in fake_lambda.pool.events for r in e["Records"])
            # a JSON string body is matched as the string it encodes
            assert bodies == sorted(['"urgent quoted"', '{"kind": "order", "n": 1}', "urgent: x"])

        await polling(runtime, doc, check)

    run_with_engine(tmp_path, body)


def test_poller_fifo_keeps_group_order(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "ordered.fifo")
        fake_lambda.pool.delay = 0.01
        doc = mapping(q, BatchSize=3)

        async def check(poller) -> None:
            for g in ("a", "b", "c"):
                await send(runtime, q, *[f"{g}{i}" for i in range(10)], group=g)
            await until(lambda: _empty(runtime, q))
            seen: dict[str, list[int]] = {}
            for event in fake_lambda.pool.events:
                assert len(event["Records"]) <= 3
                for r in event["Records"]:
                    seen.setdefault(r["attributes"]["MessageGroupId"], []).append(int(r["body"][1:]))
            assert seen == {g: list(range(10)) for g in "abc"}
            assert fake_lambda.pool.peak >= 2  # different groups ran concurrently

        await polling(runtime, doc, check)

    run_with_engine(tmp_path, body)


def test_poller_batching_window(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "windowed")
        doc = mapping(q, BatchSize=50, MaximumBatchingWindowInSeconds=1)

        async def check(poller) -> None:
            t0 = time.monotonic()
            for i in range(5):  # trickles in over ~0.4 s: one batch at the end of the window
                await send(runtime, q, *[f"m{i}-{j}" for j in range(4)])
                await asyncio.sleep(0.1)
            await until(lambda: _count(fake_lambda.pool.events, 1), timeout=5)
            assert time.monotonic() - t0 >= 0.9
            assert len(fake_lambda.pool.events[0]["Records"]) == 20
            # a full batch goes at once
            await send(runtime, q, *[f"n{j}" for j in range(10)] * 5)
            await until(lambda: _count(fake_lambda.pool.events, 2), timeout=0.9)
            assert len(fake_lambda.pool.events[1]["Records"]) == 50

        await polling(runtime, doc, check)

    run_with_engine(tmp_path, body)


def test_poller_concurrency_cap_and_reserved(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "capped")
        fake_lambda.pool.delay = 0.05
        doc = mapping(q, BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})

        async def check(poller) -> None:
            await send(runtime, q, *[f"m{i}" for i in range(12)])
            await until(lambda: _empty(runtime, q))
            assert fake_lambda.pool.peak == 2

        await polling(runtime, doc, check)
        fake_lambda.pool.peak = 0
        fake_lambda.reserved = 1

        async def check_reserved(poller) -> None:
            await send(runtime, q, *[f"m{i}" for i in range(6)])
            await until(lambda: _empty(runtime, q))
            assert fake_lambda.pool.peak == 1

        await polling(runtime, mapping(q, BatchSize=1), check_reserved)

    run_with_engine(tmp_path, body)


def test_poller_releases_window_messages_on_stop(tmp_path: Path, fake_lambda) -> None:
    async def body(runtime: Runtime) -> None:
        q = await make_queue(runtime, "released")
        doc = mapping(q, BatchSize=100, MaximumBatchingWindowInSeconds=30)

        async def check(poller) -> None:
            await send(runtime, q, "a", "b")
            await until(lambda: _in_flight(runtime, q, 2))

        await polling(runtime, doc, check)
        s = await stats(runtime, q)
        assert s.visible == 2 and s.in_flight == 0  # given back, not left to time out
        assert fake_lambda.pool.events == []

    run_with_engine(tmp_path, body)


def test_scaler() -> None:
    s = sqs_poller.Scaler(None)
    assert s.limit == 5 and s.cap == sqs_poller.DEFAULT_MAX_CONCURRENCY
    s._changed -= 2
    s.observe(full=True, empty=False)
    assert s.limit == 10
    s.observe(full=True, empty=False)
    assert s.limit == 10  # at most one step a second
    s._changed -= 2
    s.observe(full=False, empty=True)
    assert s.limit == 5
    capped = sqs_poller.Scaler(3)
    assert capped.limit == 3 and capped.cap == 3


# ==== through the wire =============================================================================
ROLE = "arn:aws:iam::000000000000:role/lambda-role"

# Records what it got on an "observe" queue; fails on demand.
HANDLER = textwrap.dedent('''
    import json, os, boto3

    sqs = boto3.client("sqs")

    def handler(event, context):
        sqs.send_message(QueueUrl=os.environ["OBSERVE"], MessageBody=json.dumps(
            {"event": event, "request_id": context.aws_request_id, "arn": context.invoked_function_arn}))
        bodies = [r["body"] for r in event["Records"]]
        if any(b.startswith("fail") for b in bodies):
            raise RuntimeError("asked to fail")
        if os.environ.get("PARTIAL"):
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                          for r in event["Records"] if r["body"].startswith("partial")]}
        return None
''')


def make_function(lam, observe_url: str, timeout: int, code: str = HANDLER, **env: str) -> str:
    name = f"esm-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zip_of({"app.py": code})}, Timeout=timeout,
                        Environment={"Variables": {"OBSERVE": observe_url, **env}})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    return name


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture
def wire(aws_client):
    """Clients plus helpers that clean up what they made."""
    lam, sqs = aws_client("lambda"), aws_client("sqs")
    made: dict[str, list] = {"functions": [], "mappings": [], "queues": []}
    ns = SimpleNamespace(lam=lam, sqs=sqs)

    def queue(prefix: str = "q", fifo: bool = False, **attrs: str) -> tuple[str, str]:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}" + (".fifo" if fifo else "")
        if fifo:
            attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true", **attrs}
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        made["queues"].append(url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def function(observe_url: str, timeout: int = 10, **env: str) -> str:
        """A function running HANDLER. AWS wants a queue's visibility timeout to be at least the
        function timeout, so tests with short visibility timeouts pass a short ``timeout``."""
        name = make_function(lam, observe_url, timeout, **env)
        made["functions"].append(name)
        return name

    def mapping(queue_arn: str, function_name: str, **kw) -> str:
        kw.setdefault("BatchSize", 10)
        m = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function_name, **kw)
        made["mappings"].append(m["UUID"])
        wait_state(m["UUID"], "Enabled")
        return m["UUID"]

    def wait_state(uuid_: str, state: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while lam.get_event_source_mapping(UUID=uuid_)["State"] != state:
            assert time.monotonic() < deadline, f"mapping never became {state}"
            time.sleep(0.05)

    def observed(url: str, n: int, timeout: float = 15.0) -> list[dict]:
        """The next ``n`` (or more) invocations the function reported (fails if they do not come)."""
        out: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            assert time.monotonic() < deadline, f"saw {len(out)} of {n} invocations"
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in got.get("Messages", []):
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return out

    def nothing_observed(url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
            assert not got.get("Messages"), [json.loads(m["Body"]) for m in got["Messages"]]

    def counts(url: str) -> tuple[int, int]:
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    ns.queue, ns.function, ns.mapping, ns.wait_state = queue, function, mapping, wait_state
    ns.observed, ns.nothing_observed, ns.counts = observed, nothing_observed, counts
    yield ns
    for u in made["mappings"]:
        try:
            lam.delete_event_source_mapping(UUID=u)
        except ClientError:
            pass
    for name in made["functions"]:
        try:
            lam.delete_function(FunctionName=name)
        except ClientError:
            pass
    for url in made["queues"]:
        try:
            sqs.delete_queue(QueueUrl=url)
        except ClientError:
            pass


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_wire_records_batching_and_deletion(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("src")
    fn = wire.function(observe_url)
    uuid_ = wire.mapping(arn, fn, BatchSize=5)
    wire.sqs.send_message(QueueUrl=url, MessageBody='{"hello": "world"}',
                          MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    (first,) = wire.observed(observe_url, 1)
    record = first["event"]["Records"][0]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                           "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}
    assert record["body"] == '{"hello": "world"}' and record["eventSourceARN"] == arn
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == hashlib.md5(b'{"hello": "world"}').hexdigest()
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {"color": {"stringValue": "red", "stringListValues": [],
                                                     "binaryListValues": [], "dataType": "String"}}
    assert first["arn"].endswith(f":function:{fn}")
    wire.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    wire.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"n{i}"} for i in range(2)])
    seen: list[str] = []
    while len(seen) < 12:
        for got in wire.observed(observe_url, 1):
            assert 1 <= len(got["event"]["Records"]) <= 5
            seen += [r["body"] for r in got["event"]["Records"]]
    assert sorted(seen) == sorted([f"m{i}" for i in range(10)] + ["n0", "n1"])
    wait_until(lambda: wire.counts(url) == (0, 0))  # all deleted
    assert wire.lam.get_event_source_mapping(UUID=uuid_)["State"] == "Enabled"


def test_wire_batching_window(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("win")
    fn = wire.function(observe_url)
    wire.mapping(arn, fn, BatchSize=100, MaximumBatchingWindowInSeconds=2)
    t0 = time.monotonic()
    for i in range(3):
        wire.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f"{i}-{j}"}
                                                           for j in range(10)])
        time.sleep(0.2)
    (got,) = wire.observed(observe_url, 1)
    assert len(got["event"]["Records"]) == 30  # one batch: the window gathered them all
    assert time.monotonic() - t0 >= 1.5


def test_wire_failure_redelivers_then_dead_letters(wire) -> None:
    observe_url, _ = wire.queue("observe")
    dlq_url, dlq_arn = wire.queue("dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, arn = wire.queue("src", VisibilityTimeout="1", RedrivePolicy=policy)
    fn = wire.function(observe_url, timeout=1)
    wire.mapping(arn, fn)
    wire.sqs.send_message(QueueUrl=url, MessageBody="fail-me")
    attempts = wire.observed(observe_url, 2)
    assert [a["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"] for a in attempts] == ["1", "2"]
    assert attempts[0]["request_id"] != attempts[1]["request_id"]
    got = wire.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5, AttributeNames=["All"])
    assert [m["Body"] for m in got["Messages"]] == ["fail-me"]
    wire.nothing_observed(observe_url, 1.5)  # not invoked a third time


def test_wire_report_batch_item_failures(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("partial", VisibilityTimeout="2")
    fn = wire.function(observe_url, timeout=2, PARTIAL="1")
    wire.mapping(arn, fn, FunctionResponseTypes=["ReportBatchItemFailures"])
    wire.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "ok-1"}, {"Id": "2", "MessageBody": "partial-2"}, {"Id": "3", "MessageBody": "ok-3"}])
    first = wire.observed(observe_url, 1)[0]
    assert sorted(r["body"] for r in first["event"]["Records"]) == ["ok-1", "ok-3", "partial-2"]
    again = wire.observed(observe_url, 1)[0]  # only the reported one comes back
    assert [r["body"] for r in again["event"]["Records"]] == ["partial-2"]
    assert again["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_wire_fifo_order_per_group(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("ordered", fifo=True)
    fn = wire.function(observe_url)
    wire.mapping(arn, fn, BatchSize=3)
    for g in ("a", "b"):
        wire.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"{g}{i}",
                                                            "MessageGroupId": g} for i in range(7)])
    per_group: dict[str, list[int]] = {"a": [], "b": []}
    while sum(map(len, per_group.values())) < 14:
        for got in wire.observed(observe_url, 1):
            assert len(got["event"]["Records"]) <= 3
            for r in got["event"]["Records"]:
                assert r["attributes"]["MessageGroupId"] in per_group
                assert {"SequenceNumber", "MessageDeduplicationId"} <= set(r["attributes"])
                per_group[r["attributes"]["MessageGroupId"]].append(int(r["body"][1:]))
    assert per_group == {"a": list(range(7)), "b": list(range(7))}


def test_wire_filters(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("filtered")
    fn = wire.function(observe_url)
    wire.mapping(arn, fn, FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
                 MaximumBatchingWindowInSeconds=1)
    wire.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": json.dumps({"kind": "order", "id": 1})},
        {"Id": "2", "MessageBody": json.dumps({"kind": "refund"})},
        {"Id": "3", "MessageBody": "kind=order"}])
    (got,) = wire.observed(observe_url, 1)
    assert [json.loads(r["body"]) for r in got["event"]["Records"]] == [{"kind": "order", "id": 1}]
    wait_until(lambda: wire.counts(url) == (0, 0))  # the filtered-out ones are deleted too
    wire.nothing_observed(observe_url, 1)


def test_wire_disable_enable_delete(wire) -> None:
    observe_url, _ = wire.queue("observe")
    url, arn = wire.queue("toggle")
    fn = wire.function(observe_url)
    uuid_ = wire.mapping(arn, fn)
    wire.sqs.send_message(QueueUrl=url, MessageBody="one")
    assert [r["body"] for r in wire.observed(observe_url, 1)[0]["event"]["Records"]] == ["one"]
    wire.lam.update_event_source_mapping(UUID=uuid_, Enabled=False)
    wire.wait_state(uuid_, "Disabled")
    time.sleep(0.8)  # the poller notices within half a second
    wire.sqs.send_message(QueueUrl=url, MessageBody="two")
    wire.nothing_observed(observe_url, 1)
    assert wire.counts(url) == (1, 0)
    wire.lam.update_event_source_mapping(UUID=uuid_, Enabled=True)
    wire.wait_state(uuid_, "Enabled")
    assert [r["body"] for r in wire.observed(observe_url, 1)[0]["event"]["Records"]] == ["two"]
    wire.lam.delete_event_source_mapping(UUID=uuid_)
    wait_until(lambda: _gone(wire.lam, uuid_))
    time.sleep(0.8)
    wire.sqs.send_message(QueueUrl=url, MessageBody="three")
    wire.nothing_observed(observe_url, 1)
    assert wire.counts(url) == (1, 0)


def _gone(lam, uuid_: str) -> bool:
    try:
        lam.get_event_source_mapping(UUID=uuid_)
    except ClientError as err:
        return err.response["Error"]["Code"] == "ResourceNotFoundException"
    return False


# Reports each delivery, then takes its time on the first one.
SLOW_HANDLER = textwrap.dedent('''
    import os, time, boto3

    sqs = boto3.client("sqs")

    def handler(event, context):
        for r in event["Records"]:
            count = r["attributes"]["ApproximateReceiveCount"]
            sqs.send_message(QueueUrl=os.environ["OBSERVE"], MessageBody=f"{r['body']}:{count}")
            if count == "1":
                time.sleep(1.5)
''')


def test_wire_kill_9_mid_batch_redelivers(fresh_server) -> None:
    """Nothing is deleted before the function succeeded: killed mid-batch, the server delivers
    the batch again after a restart, once its visibility timeout has run out."""
    import boto3
    from botocore.config import Config

    def client(service: str):
        return boto3.client(service, endpoint_url=fresh_server.endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 0}, read_timeout=10))

    lam, sqs = client("lambda"), client("sqs")
    observe_url = sqs.create_queue(QueueName="observe")["QueueUrl"]
    url = sqs.create_queue(QueueName="src", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = make_function(lam, observe_url, 2, code=SLOW_HANDLER)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    sqs.send_message(QueueUrl=url, MessageBody="precious")

    def bodies(timeout: float) -> list[str]:
        got = sqs.receive_message(QueueUrl=observe_url, MaxNumberOfMessages=10, WaitTimeSeconds=int(timeout))
        return [m["Body"] for m in got.get("Messages", [])]

    deadline = time.monotonic() + 15
    while "precious:1" not in bodies(1):
        assert time.monotonic() < deadline, "the function was never invoked"
    fresh_server.kill()  # mid-batch: the function is sleeping
    fresh_server.start()
    sqs = client("sqs")
    deadline = time.monotonic() + 20
    seen: list[str] = []
    while "precious:2" not in seen:
        assert time.monotonic() < deadline, f"not delivered again after the crash: {seen}"
        seen += bodies(1)
    wait_until(lambda: all(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][k] == "0"
        for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")), timeout=10)
