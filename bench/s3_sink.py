"""The practical ceiling for a large S3 PUT on this machine: a minimal ASGI app under uvicorn
that does only the work S3 semantics require of every upload — MD5 the body (the ETag),
write it to a file and fsync it — with hashing and writing in two threads as squall does.

``bench/s3.py`` sends its large PUT here too, so squall's figure can be read against
the same physical work done with no S3 machinery at all.

    uvicorn s3_sink:app --app-dir bench --port N
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile

MIB = 1 << 20


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "GET":  # readiness probe
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    md5 = hashlib.md5(usedforsecurity=False)
    fd, path = tempfile.mkstemp(dir=os.environ.get("SINK_DIR"))

    def write(data: bytearray) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    async def flush(data: bytearray) -> None:
        await asyncio.gather(asyncio.to_thread(md5.update, data), asyncio.to_thread(write, data))

    buf, pending = bytearray(), None
    try:
        while True:
            message = await receive()
            buf += message.get("body", b"")
            if len(buf) >= MIB or not message.get("more_body"):
                if pending is not None:
                    await pending
                chunk, buf = buf, bytearray()
                pending = asyncio.ensure_future(flush(chunk))
            if not message.get("more_body"):
                break
        await pending
        await asyncio.to_thread(os.fsync, fd)
    finally:
        os.close(fd)
        os.unlink(path)
    etag = f'"{md5.hexdigest()}"'.encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"etag", etag), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
