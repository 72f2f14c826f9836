"""A smoke check that the SQS JSON hot path stays in the tens of microseconds.

The bound is loose (CI machines vary); run this file with ``-s`` to see numbers.
"""

from __future__ import annotations

import timeit

import orjson

from squall.gateway.http import Request
from squall.protocol import get_handler

ENTRIES = [
    {
        "Id": str(i),
        "MessageBody": "hello world " * 8,
        "DelaySeconds": 0,
        "MessageAttributes": {"attr": {"DataType": "String", "StringValue": "value"}},
    }
    for i in range(10)
]
BODY = orjson.dumps({"QueueUrl": "http://localhost:4566/000000000000/q", "Entries": ENTRIES})
RESULT = {
    "Successful": [
        {
            "Id": str(i),
            "MessageId": "6f1c2c8e-8b1c-4b59-8a59-3c5e1f7d1d6a",
            "MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e",
            "MD5OfMessageAttributes": "d41d8cd98f00b204e9800998ecf8427e",
        }
        for i in range(10)
    ],
    "Failed": [],
}


def measure(n: int = 2000) -> tuple[float, float]:
    h = get_handler("sqs", "json")
    req = Request(
        "POST",
        "/",
        "",
        {"x-amz-target": "AmazonSQS.SendMessageBatch", "content-type": "application/x-amz-json-1.0"},
        BODY,
    )
    op = h.operation_for(req)
    h.parse(req, op)
    h.serialize(op, RESULT, "rid")
    parse = min(timeit.repeat(lambda: h.parse(req, h.operation_for(req)), number=n, repeat=3)) / n
    ser = min(timeit.repeat(lambda: h.serialize(op, RESULT, "rid"), number=n, repeat=3)) / n
    return parse * 1e6, ser * 1e6


def test_sqs_send_message_batch_is_fast():
    parse_us, ser_us = measure()
    print(f"\nSQS SendMessageBatch(10): route+parse {parse_us:.1f} µs, serialize {ser_us:.1f} µs")
    assert parse_us < 300 and ser_us < 300


if __name__ == "__main__":
    print("route+parse {:.1f} µs, serialize {:.1f} µs".format(*measure(20000)))
