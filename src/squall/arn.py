"""ARNs and request ids."""

from __future__ import annotations

import os
import time


def build_arn(service: str, region: str, account: str, resource: str, partition: str = "aws") -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def parse_arn(arn: str) -> dict[str, str]:
    """Split an ARN into its parts; raises ValueError if it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return {
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }


_UUID_POOL: list[str] = []
_POOL_SIZE = 256
# A forked child (the function runtime forks workers) must never reuse the parent's ids.
os.register_at_fork(after_in_child=_UUID_POOL.clear)


def _refill_uuids() -> None:
    # One getrandom() syscall for a whole pool of ids instead of one per id.
    raw = os.urandom(16 * _POOL_SIZE).hex()
    out = []
    for i in range(0, 32 * _POOL_SIZE, 32):
        h = raw[i:i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}")
    _UUID_POOL.extend(out)


def random_uuid() -> str:
    """A fresh request id in AWS's UUID (version 4) form; formatted directly from
    random bytes because ``uuid.uuid4()`` costs ~20 µs on the hot path. Ids are
    made a pool at a time from one ``os.urandom`` read; ``list.pop`` is atomic,
    so threads never share an id."""
    while True:
        try:
            return _UUID_POOL.pop()
        except IndexError:
            _refill_uuids()


def ordered_uuid() -> str:
    """A time-ordered UUID (version 7, RFC 9562: 48-bit Unix milliseconds, then
    74 random bits) for ids that are also index keys, such as queue message ids.

    Random (version 4) keys land on random pages of a B-tree index, so a commit
    of a few thousand new rows dirties (and writes to the WAL) thousands of
    pages; time-ordered keys append to the right edge and dirty a handful.
    The result is still a UUID in the 8-4-4-4-12 form clients expect."""
    ms = f"{time.time_ns() // 1_000_000:012x}"
    return f"{ms[:8]}-{ms[8:]}-7{random_uuid()[15:]}"


# Request ids are plain random UUIDs.
new_request_id = random_uuid
