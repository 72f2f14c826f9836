"""Where CloudWatch Logs keeps log groups and log streams (records, through the engine).

Layout:

* records ``logs/groups``    key ``{account}:{region}:{group}`` → :class:`LogGroup` (orjson).
  ``:`` separates the parts because group names may hold ``/`` but never ``:``, so a
  prefix scan of ``{account}:{region}:`` walks one region's groups in name order — the
  ASCII order DescribeLogGroups promises.
* records ``logs/streams``   key ``{group key}:{stream}`` → :class:`LogStream` (stream names
  exclude ``:`` and ``*``, so ``{group key}:`` is exactly one group's streams, in name order).
* records ``logs/retention`` key = group key → ``b""`` for every group with a retention
  policy: the index the retention sweep walks instead of every group.
* records ``logs/events``    see :mod:`.eventstore` — keyed by the group's and stream's
  random ids (``gid``/``sid``), not their names, so keys stay short and a group deleted
  and re-created never sees the old incarnation's events.

The stream record carries what DescribeLogStreams reports (first/last event timestamp,
last ingestion time, stored bytes, the upload sequence counter); every write of events
updates it in the same transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import orjson

from squall.arn import build_arn
from squall.engine.api import Tx

NS_GROUPS = "logs/groups"
NS_STREAMS = "logs/streams"
NS_RETENTION = "logs/retention"


def new_id() -> str:
    """A random 16-hex-digit id (a group's ``gid`` or a stream's ``sid``)."""
    return os.urandom(8).hex()


def region_prefix(account: str, region: str) -> str:
    return f"{account}:{region}:"


def group_key(account: str, region: str, name: str) -> str:
    return f"{account}:{region}:{name}"


def now_ms(tx: Tx) -> int:
    return int(tx.now * 1000)


@dataclass(slots=True)
class LogGroup:
    account: str
    region: str
    name: str
    gid: str
    created: int  # ms
    retention: int | None = None  # days
    tags: dict[str, str] = field(default_factory=dict)
    klass: str = "STANDARD"
    kms_key: str | None = None
    protected: bool = False

    @property
    def key(self) -> str:
        return group_key(self.account, self.region, self.name)

    @property
    def arn(self) -> str:
        """The ARN without the trailing ``:*`` (``logGroupArn``; what tagging APIs take)."""
        return build_arn("logs", self.region, self.account, f"log-group:{self.name}")

    def cutoff(self, now: int) -> int:
        """Events with a timestamp before this (ms) are past the retention period."""
        return now - self.retention * 86_400_000 if self.retention else 0

    def to_doc(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "name": self.name, "gid": self.gid,
                "created": self.created, "retention": self.retention, "tags": self.tags, "class": self.klass,
                "kms": self.kms_key, "protected": self.protected}

    @classmethod
    def from_doc(cls, d: dict[str, Any]) -> LogGroup:
        return cls(d["account"], d["region"], d["name"], d["gid"], d["created"], d.get("retention"),
                   d.get("tags") or {}, d.get("class") or "STANDARD", d.get("kms"), bool(d.get("protected")))


@dataclass(slots=True)
class LogStream:
    group_key: str
    name: str
    sid: str
    created: int  # ms
    first: int | None = None  # first (earliest) event timestamp, ms
    last: int | None = None  # latest event timestamp, ms
    ingest: int | None = None  # last ingestion time, ms
    bytes: int = 0
    seq: int = 0  # PutLogEvents calls accepted: the upload sequence token

    @property
    def key(self) -> str:
        return f"{self.group_key}:{self.name}"

    def arn(self, group: LogGroup) -> str:
        return build_arn("logs", group.region, group.account, f"log-group:{group.name}:log-stream:{self.name}")

    def sequence_token(self) -> str:
        """AWS's tokens are long digit strings; the value is ignored on input anyway."""
        return f"{self.seq:056d}"

    def record(self, first: int, last: int, ingest: int, size: int) -> None:
        """Account for events just written (timestamps ``first``..``last``, ``size`` bytes)."""
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        self.ingest = ingest
        self.bytes += size

    def to_doc(self) -> dict[str, Any]:
        return {"group": self.group_key, "name": self.name, "sid": self.sid, "created": self.created,
                "first": self.first, "last": self.last, "ingest": self.ingest, "bytes": self.bytes,
                "seq": self.seq}

    @classmethod
    def from_doc(cls, d: dict[str, Any]) -> LogStream:
        return cls(d["group"], d["name"], d["sid"], d["created"], d.get("first"), d.get("last"),
                   d.get("ingest"), d.get("bytes", 0), d.get("seq", 0))


# ---- groups -------------------------------------------------------------------------------
def load_group(tx: Tx, key: str) -> LogGroup | None:
    raw = tx.get(NS_GROUPS, key)
    return LogGroup.from_doc(orjson.loads(raw)) if raw is not None else None


def save_group(tx: Tx, group: LogGroup) -> None:
    tx.put(NS_GROUPS, group.key, orjson.dumps(group.to_doc()))
    if group.retention:
        tx.put(NS_RETENTION, group.key, b"")
    else:
        tx.delete(NS_RETENTION, group.key)


def insert_group(tx: Tx, group: LogGroup) -> bool:
    """Create ``group``; False (nothing changed) if the name is taken."""
    if not tx.insert(NS_GROUPS, group.key, orjson.dumps(group.to_doc())):
        return False
    if group.retention:
        tx.put(NS_RETENTION, group.key, b"")
    return True


def ensure_group(tx: Tx, account: str, region: str, name: str) -> LogGroup:
    """The group, created with defaults when missing (what Lambda's log writer does)."""
    key = group_key(account, region, name)
    group = load_group(tx, key)
    if group is None:
        group = LogGroup(account, region, name, new_id(), now_ms(tx))
        insert_group(tx, group)
    return group


def scan_groups(tx: Tx, account: str, region: str, *, prefix: str = "", after: str | None = None,
                limit: int | None = None) -> list[LogGroup]:
    base = region_prefix(account, region)
    rows = tx.scan(NS_GROUPS, prefix=base + prefix, after=base + after if after is not None else None, limit=limit)
    return [LogGroup.from_doc(orjson.loads(raw)) for _, raw in rows]


# ---- streams ------------------------------------------------------------------------------
def stream_prefix(group: LogGroup) -> str:
    return group.key + ":"


def load_stream(tx: Tx, group: LogGroup, name: str) -> LogStream | None:
    raw = tx.get(NS_STREAMS, stream_prefix(group) + name)
    if raw is None:
        return None
    return LogStream.from_doc(orjson.loads(raw))


def save_stream(tx: Tx, stream: LogStream) -> None:
    tx.put(NS_STREAMS, stream.key, orjson.dumps(stream.to_doc()))


def ensure_stream(tx: Tx, group: LogGroup, name: str) -> LogStream:
    stream = load_stream(tx, group, name)
    if stream is None:
        stream = LogStream(group.key, name, new_id(), now_ms(tx))
    return stream


def scan_streams(tx: Tx, group: LogGroup, *, prefix: str = "", after: str | None = None,
                 limit: int | None = None, reverse: bool = False) -> list[LogStream]:
    """Streams in name order; ``after`` is exclusive in the walking direction."""
    base = stream_prefix(group)
    bound = base + after if after is not None else None
    rows = tx.scan(NS_STREAMS, prefix=base + prefix, limit=limit, reverse=reverse,
                   after=None if reverse else bound, end=bound if reverse else None)
    return [LogStream.from_doc(orjson.loads(raw)) for _, raw in rows]


def stored_bytes(tx: Tx, group: LogGroup) -> int:
    """A group's stored bytes: the sum over its streams (read when a group is described)."""
    total = 0
    after = None
    while True:
        rows = tx.scan(NS_STREAMS, prefix=stream_prefix(group), after=after, limit=1000)
        for _, raw in rows:
            total += orjson.loads(raw).get("bytes", 0)
        if len(rows) < 1000:
            return total
        after = rows[-1][0]
