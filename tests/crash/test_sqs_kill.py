"""kill -9 the server while clients send and delete; restart on the same data: nothing acknowledged is lost.

Senders record every message squall acknowledged; the server is killed with
SIGKILL mid-stream (requests in flight). After a restart on the same data dir
every acknowledged send is in the queue, and every acknowledged delete stays
deleted. Messages whose send was in flight at the kill may or may not exist
(the client never got an answer) — that is at-least-once, not loss.
"""

from __future__ import annotations

import threading
import time

import boto3
from botocore.config import Config

from tests.support.server import ServerProcess


def _client(srv: ServerProcess):
    return boto3.client("sqs", endpoint_url=srv.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=5))


def _drain(client, url: str) -> list[dict]:
    got: list[dict] = []
    empty = 0
    while empty < 2:
        msgs = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300,
                                      WaitTimeSeconds=1).get("Messages", [])
        if not msgs:
            empty += 1
            continue
        got += msgs
    return got


def test_kill_9_loses_no_acknowledged_send_or_delete(fresh_server: ServerProcess):
    srv = fresh_server
    client = _client(srv)
    url = client.create_queue(QueueName="crash")["QueueUrl"]
    # Phase 1: some messages are sent, received and deleted (acknowledged deletes).
    client.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"deleted-{i}"}
                                                     for i in range(10)])
    got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    deleted = {m["Body"] for m in got}
    out = client.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    assert len(out["Successful"]) == len(got)

    # Phase 2: senders hammer the queue; the server is killed mid-stream.
    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(k: int) -> None:
        c = _client(srv)
        i = 0
        while not stop.is_set():
            bodies = [f"s{k}-{i}-{j}" for j in range(5)]
            i += 1
            try:
                res = c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": b}
                                                                   for j, b in enumerate(bodies)])
            except Exception:  # noqa: BLE001 - the server died under us: unacknowledged
                return
            ok = {bodies[int(e["Id"])] for e in res.get("Successful", [])}
            with lock:
                acked.update(ok)

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked) > 50, "the senders should have been acknowledged many times before the kill"

    srv.start()
    client = _client(srv)
    bodies = [m["Body"] for m in _drain(client, url)]
    present = set(bodies)
    missing = acked - present
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"
    assert not (deleted & present), "acknowledged deletes came back"
