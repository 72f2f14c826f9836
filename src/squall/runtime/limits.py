"""Concurrency: per-function reserved concurrency and the account-wide limit.

Lambda counts concurrent executions per region and account (default limit 1,000). A
function with reserved concurrency R may run at most R at once and those R are taken
out of the pool every other function shares; a function without a reservation draws on
that unreserved pool. A synchronous invoke beyond its limit is throttled (429
``TooManyRequestsException``); asynchronous and polled work waits for a free slot.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict

from squall.runtime.spec import FunctionSpec

#: The account's concurrent-execution limit (per region), as GetAccountSettings reports it.
ACCOUNT_CONCURRENCY = int(os.environ.get("SQUALL_LAMBDA_CONCURRENCY", "1000"))


class Throttled(Exception):
    """No slot free for a synchronous invoke. ``reason`` is Lambda's ``Reason`` member."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Limits:
    def __init__(self, account_limit: int = ACCOUNT_CONCURRENCY) -> None:
        self.account_limit = account_limit
        self.running: dict[str, int] = defaultdict(int)  # function ARN -> executions in flight
        self.unreserved_running = 0
        self.reserved: dict[str, int] = {}  # function ARN -> its reservation (as last seen)
        self._freed = asyncio.Condition()
        self.waiting = 0

    @property
    def unreserved_limit(self) -> int:
        return max(0, self.account_limit - sum(self.reserved.values()))

    def note_reservation(self, arn: str, reserved: int | None) -> None:
        """Record a function's reservation (PutFunctionConcurrency calls this, and every invoke
        refreshes it from the spec it runs)."""
        if reserved is None:
            self.reserved.pop(arn, None)
        else:
            self.reserved[arn] = reserved

    def _free(self, spec: FunctionSpec) -> str | None:
        """None when a slot is free, else the throttle reason."""
        if spec.reserved_concurrency is not None:
            if self.running[spec.arn] >= spec.reserved_concurrency:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
            return None
        if self.unreserved_running >= self.unreserved_limit:
            return "ConcurrentInvocationLimitExceeded"
        return None

    def try_acquire(self, spec: FunctionSpec) -> None:
        self.note_reservation(spec.arn, spec.reserved_concurrency)
        reason = self._free(spec)
        if reason is not None:
            raise Throttled(reason)
        self._take(spec)

    async def acquire(self, spec: FunctionSpec) -> None:
        """Wait for a slot (async invokes, event source pollers)."""
        self.note_reservation(spec.arn, spec.reserved_concurrency)
        if self._free(spec) is None:
            self._take(spec)
            return
        self.waiting += 1
        try:
            async with self._freed:
                await self._freed.wait_for(lambda: self._free(spec) is None)
                self._take(spec)
        finally:
            self.waiting -= 1

    def _take(self, spec: FunctionSpec) -> None:
        self.running[spec.arn] += 1
        if spec.reserved_concurrency is None:
            self.unreserved_running += 1

    def release(self, spec: FunctionSpec) -> None:
        self.running[spec.arn] -= 1
        if self.running[spec.arn] <= 0:
            del self.running[spec.arn]
        if spec.reserved_concurrency is None:
            self.unreserved_running -= 1
        if self.waiting:
            asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._freed:
            self._freed.notify_all()
