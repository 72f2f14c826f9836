"""kill -9 around S3 writes: acknowledged objects and their events survive, in-flight uploads
leave nothing behind.

* Objects put (and acknowledged) with a notification configuration in place are all there
  after a SIGKILL and restart, and every one of them produces its event in the queue
  (the event was committed with the object; delivery resumes after the restart).
* An upload cut off mid-body by the kill leaves no object and no file in ``blobs/tmp``.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import boto3
from botocore.config import Config

from tests.support.server import ServerProcess


def _client(srv: ServerProcess, service: str):
    return boto3.client(service, endpoint_url=srv.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=10))


def test_kill_9_loses_no_object_and_no_event(fresh_server: ServerProcess):
    srv = fresh_server
    s3, sqs = _client(srv, "s3"), _client(srv, "sqs")
    s3.create_bucket(Bucket="crash")
    url = sqs.create_queue(QueueName="crash-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket="crash", NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})

    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(k: int) -> None:
        c = _client(srv, "s3")
        i = 0
        while not stop.is_set():
            key = f"w{k}/{i}"
            try:
                c.put_object(Bucket="crash", Key=key, Body=key.encode() * 100)
            except Exception:  # noqa: BLE001 - the kill cuts requests off
                return
            with lock:
                acked.add(key)
            i += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    srv.kill()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 20
    srv.start()
    s3, sqs = _client(srv, "s3"), _client(srv, "sqs")
    for key in acked:
        assert s3.get_object(Bucket="crash", Key=key)["Body"].read() == key.encode() * 100
    seen: set[str] = set()
    deadline = time.monotonic() + 30
    while not acked <= seen and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(m["Body"])
            if "Records" in body:
                seen.add(body["Records"][0]["s3"]["object"]["key"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert acked <= seen, f"{len(acked - seen)} acknowledged objects produced no event"


def test_kill_9_mid_upload_leaves_nothing(fresh_server: ServerProcess):
    srv = fresh_server
    s3 = _client(srv, "s3")
    s3.create_bucket(Bucket="partial")
    host, port = srv.endpoint.split("://")[1].split(":")
    sock = socket.create_connection((host, int(port)))
    size = 50 * 1024 * 1024
    head = (f"PUT /partial/cut HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {size}\r\n"
            "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n").encode()
    sock.sendall(head + b"x" * (8 * 1024 * 1024))
    time.sleep(0.5)
    tmp = srv.data_dir / "blobs" / "tmp"
    assert any(tmp.iterdir()), "the upload should be streaming into blobs/tmp"
    srv.kill()
    sock.close()
    srv.start()
    s3 = _client(srv, "s3")
    assert "Contents" not in s3.list_objects_v2(Bucket="partial")
    assert not any(tmp.iterdir())
