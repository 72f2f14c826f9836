"""ARNs and request ids."""

from __future__ import annotations

import os


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


def random_uuid() -> str:
    """A fresh request id in AWS's UUID (version 4) form; formatted directly from
    random bytes because ``uuid.uuid4()`` costs ~20 µs on the hot path."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


# Request ids are plain random UUIDs.
new_request_id = random_uuid
