"""ARNs and request ids."""

from __future__ import annotations

import os
import uuid


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


def new_request_id() -> str:
    """A fresh request id in AWS's UUID form."""
    return str(uuid.UUID(bytes=os.urandom(16), version=4))
