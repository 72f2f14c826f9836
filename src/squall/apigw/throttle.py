"""Token buckets: API Gateway's throttling model — a steady ``rateLimit`` (requests per second)
refilling a bucket of ``burstLimit`` tokens; a request takes one token or is answered 429. For
every kind of API (REST stages and usage plans, HTTP API routes): ``admit(runtime, key, rate, burst)``.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html

Buckets are per server process (several squall nodes each allow the configured rate); a bucket
is named by its key *and* its limits, so changed limits start a fresh bucket.
"""

from __future__ import annotations

import time
from typing import Any

_STATE_KEY = "apigw.buckets"
_LIMIT = 100_000


class Bucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = max(rate, 0.0)
        # a burst below one request would never admit anything at a positive rate
        self.burst = max(float(burst), 1.0 if rate > 0 else 0.0)
        self.tokens = self.burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def admit(runtime: Any, key: tuple[Any, ...], rate: float | None, burst: float | None) -> bool:
    """Take a token from the bucket named ``key`` (with these limits); True when admitted.
    No limits configured admits everything."""
    if rate is None and burst is None:
        return True
    buckets: dict[tuple[Any, ...], Bucket] = runtime.state.setdefault(_STATE_KEY, {})
    full = (*key, rate, burst)
    bucket = buckets.get(full)
    if bucket is None:
        if len(buckets) >= _LIMIT:
            buckets.clear()
        bucket = buckets[full] = Bucket(float(rate if rate is not None else burst or 0),
                                        float(burst if burst is not None else rate or 0))
    return bucket.take()
