"""Large byte payloads (S3 objects and parts, later function code) as files under the data dir.

Metadata lives in the engine; bytes live here, one file per blob, named by a
random id that is never derived from user input (an object key with ``../``
cannot escape the data dir because it never becomes a path).

Publishing is crash-safe in three steps:

1. :meth:`BlobStore.writer` streams into ``tmp/<id>`` (never whole in memory);
2. :meth:`BlobWriter.finish` fsyncs it and renames it to ``<id[:2]>/<id>``;
3. the caller's transaction records the blob with :func:`claim` together with
   the metadata that points at it.

A crash before step 3 leaves a file nobody claimed: ``tmp/`` is emptied at
start-up (the data-dir lock guarantees no other process writes there) and
:meth:`BlobStore.sweep` removes published files older than a grace period
that no ``blobs`` record claims. Deleting is the mirror image: the
transaction drops the claim (:func:`release`) and the file is unlinked after
the commit; a crash in between again leaves only an unclaimed file for the
sweep. So the engine's records are the truth and files can only be extra,
never missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from squall.arn import ordered_uuid

log = logging.getLogger("squall.storage")

NS_BLOBS = "blobs"
#: Bytes gathered before one write (and hash update) in a worker thread.
WRITE_BUFFER = 1 << 20
#: Bytes per read when a blob is sent back.
READ_CHUNK = 1 << 20
#: Published but unclaimed files younger than this are left alone by the sweep
#: (their transaction may still be on its way).
SWEEP_GRACE = 600.0


def claim(tx, blob_id: str, owner: str = "") -> None:
    """Record in ``tx`` that ``blob_id`` is referenced (by ``owner``, for humans)."""
    tx.put(NS_BLOBS, blob_id, owner.encode())


def release(tx, store: BlobStore, blob_id: str) -> None:
    """Drop ``blob_id``'s claim in ``tx`` and unlink the file once ``tx`` commits."""
    tx.delete(NS_BLOBS, blob_id)
    tx.after_commit(lambda: store.unlink(blob_id))


class BlobWriter:
    """One blob being written: ``await write(chunk)`` …, then ``await finish()``.

    ``on_data`` (e.g. checksum updates) runs in a worker thread on buffers of about
    :data:`WRITE_BUFFER` bytes, alongside the file write of the same buffer in another
    thread: hashing and writing both release the GIL, so a large upload is limited by the
    slower of the two (not their sum) while the event loop reads the next bytes."""

    def __init__(self, store: BlobStore, on_data: Callable[[bytes], None] | None = None) -> None:
        self.store = store
        self.id = ordered_uuid().replace("-", "")
        self.tmp = store.root / "tmp" / self.id
        self._fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._buf = bytearray()
        self._on_data = on_data
        self.size = 0
        self._closed = False
        self._pending: asyncio.Future | None = None

    def _write_now(self, data: bytes | bytearray) -> None:
        if self._on_data is not None:
            self._on_data(data)
        self._write_file(data)

    def _write_file(self, data: bytes | bytearray) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        self._buf += data
        if len(self._buf) >= WRITE_BUFFER:
            buf, self._buf = self._buf, bytearray()
            # One buffer in flight: the thread hashes and writes it while the next one is
            # being received, instead of the upload waiting for each write in turn.
            if self._pending is not None:
                await self._pending
            self._pending = asyncio.ensure_future(self._write_buffer(buf))

    async def _write_buffer(self, buf: bytearray) -> None:
        """Hash and write one (no longer mutated) buffer in two threads at once."""
        if self._on_data is None:
            await asyncio.to_thread(self._write_file, buf)
            return
        await asyncio.gather(asyncio.to_thread(self._on_data, buf), asyncio.to_thread(self._write_file, buf))

    async def finish(self) -> str:
        """Flush, fsync and publish; returns the blob id (not yet claimed)."""
        if self._pending is not None:
            await self._pending
            self._pending = None
        buf, self._buf = self._buf, bytearray()
        await asyncio.to_thread(self._finish_now, buf)
        return self.id

    def _finish_now(self, buf: bytearray) -> None:
        if buf or (self._on_data is not None and self.size == 0):
            self._write_now(buf)
        os.fsync(self._fd)
        os.close(self._fd)
        self._closed = True
        final = self.store.path(self.id)
        final.parent.mkdir(exist_ok=True)
        os.rename(self.tmp, final)
        self.store.fsync_dir(final.parent)

    def abort(self) -> None:
        """Forget the blob (an upload that failed or was refused)."""
        if self._pending is not None and not self._pending.done():
            # a write still running in its thread: close and unlink once it is over
            self._pending.add_done_callback(lambda _f: self.abort())
            self._pending = None
            return
        if not self._closed:
            self._closed = True
            try:
                os.close(self._fd)
            except OSError:
                pass
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        """Empty ``tmp/``: whatever is there was being written by a process that is gone."""
        for leftover in (self.root / "tmp").iterdir():
            try:
                leftover.unlink()
            except OSError:
                log.warning("could not remove abandoned upload %s", leftover)

    def path(self, blob_id: str) -> Path:
        if not blob_id.isalnum():  # ids are ours; refuse anything that could be a path
            raise ValueError(f"bad blob id {blob_id!r}")
        return self.root / blob_id[-2:] / blob_id

    def writer(self, on_data: Callable[[bytes], None] | None = None) -> BlobWriter:
        return BlobWriter(self, on_data)

    def size(self, blob_id: str) -> int:
        return self.path(blob_id).stat().st_size

    async def read(self, blob_id: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``[start, end)`` of a blob, a chunk at a time. The file is opened
        before the first chunk is asked for, so a blob deleted meanwhile still reads whole."""
        f = open(self.path(blob_id), "rb")  # noqa: SIM115, ASYNC230 - closed by the generator; open is cheap
        return self._chunks(f, start, end)

    async def _chunks(self, f, start: int, end: int | None) -> AsyncIterator[bytes]:
        try:
            if start:
                f.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                n = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                data = await asyncio.to_thread(f.read, n) if n >= 65536 else f.read(n)
                if not data:
                    break
                if remaining is not None:
                    remaining -= len(data)
                yield data
        finally:
            f.close()

    async def copy(self, blob_id: str) -> str:
        """A new blob with the same bytes (CopyObject); published, not yet claimed."""
        w = self.writer()
        try:
            await asyncio.to_thread(self._copy_now, blob_id, w)
        except BaseException:
            w.abort()
            raise
        return w.id

    def _copy_now(self, blob_id: str, w: BlobWriter) -> None:
        with open(self.path(blob_id), "rb") as src:
            while chunk := src.read(1 << 22):
                w.size += len(chunk)
                w._write_now(chunk)
        w._finish_now(bytearray())

    def unlink(self, blob_id: str) -> None:
        try:
            self.path(blob_id).unlink()
        except FileNotFoundError:
            pass

    @staticmethod
    def fsync_dir(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    async def sweep(self, engine, *, grace: float = SWEEP_GRACE) -> int:
        """Remove published files older than ``grace`` seconds that no record claims."""
        cutoff = time.time() - grace
        candidates: list[str] = []
        for sub in self.root.iterdir():
            if sub.name == "tmp" or not sub.is_dir():
                continue
            for f in sub.iterdir():
                try:
                    if f.stat().st_mtime < cutoff:
                        candidates.append(f.name)
                except FileNotFoundError:
                    continue
        removed = 0
        for i in range(0, len(candidates), 500):
            batch = candidates[i:i + 500]
            claimed = await engine.read(lambda tx, b=batch: {k for k in b if tx.get(NS_BLOBS, k) is not None})
            for blob_id in batch:
                if blob_id not in claimed:
                    self.unlink(blob_id)
                    removed += 1
        if removed:
            log.info("removed %d unclaimed blob file(s)", removed)
        return removed
