"""In-process wake-ups: the ``Engine.wait(channel)`` / ``Tx.notify(channel)`` rendezvous.

Both backends fire channels on the event loop right after a commit (and the
PostgreSQL backend also when a ``NOTIFY`` from another node arrives), so a
long-polling consumer wakes within microseconds instead of polling the
database. A wake-up carries no data: the woken waiter re-reads the state, so
a spurious or duplicated wake-up is harmless and a missed one only costs the
waiter's timeout.

Everything here runs on the event loop thread; other threads hand channels
over with ``loop.call_soon_threadsafe(wakeups.fire, channels)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class Wakeups:
    """Waiters per channel; ``fire`` wakes every current waiter of each channel."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}

    async def wait(self, channel: str, timeout: float) -> bool:
        """True if ``channel`` fired within ``timeout`` seconds, else False."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._waiters.setdefault(channel, set())
        waiters.add(fut)
        try:
            await asyncio.wait_for(fut, timeout=max(timeout, 0.0))
            return True
        except TimeoutError:
            return False
        finally:
            waiters.discard(fut)
            if not waiters and self._waiters.get(channel) is waiters:
                del self._waiters[channel]

    def fire(self, channels: Iterable[str]) -> None:
        """Wake all waiters of ``channels`` (call on the loop thread)."""
        for channel in channels:
            waiters = self._waiters.get(channel)
            if waiters:
                for fut in waiters:
                    if not fut.done():
                        fut.set_result(None)

    def fire_all(self) -> None:
        """Wake every waiter (after notifications may have been missed, e.g. a reconnect)."""
        self.fire(list(self._waiters))

    def waiting(self, channel: str) -> int:
        """How many waiters ``channel`` has (diagnostics, tests)."""
        return len(self._waiters.get(channel, ()))


def run_callbacks(callbacks: Iterable[object]) -> None:
    """Run ``Tx.after_commit`` callbacks on the loop; coroutines they return are scheduled.
    A failing callback is logged and never affects the committed transaction."""
    import logging

    for cb in callbacks:
        try:
            result = cb()  # type: ignore[operator]
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                asyncio.ensure_future(result)
        except Exception:
            logging.getLogger("squall.engine").exception("after_commit callback failed")
