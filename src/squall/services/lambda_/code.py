"""Function and layer code: zips kept content-addressed, extracted once, ready to import.

A zip's bytes are a blob (:mod:`squall.storage.blobs`); the ``lambda/code`` record
``{sha256 hex}`` → ``{blob, size, unzipped, refs}`` counts the function versions and layer
versions that use it (a function version also holds a reference on each of its layers'
code, so deleting a layer version never pulls code from under a function, as on Lambda).
The blob is claimed when the first reference is taken and released with the last one.

The zip is extracted once to ``<data dir>/lambda/code/<sha256 hex>/`` — into a temporary
directory first, then renamed into place (atomic; a concurrent extraction of the same zip
simply loses the rename). Entries that would land outside that directory are refused, file
modes are kept. Directories no record refers to are removed by :func:`sweep`, never at
delete time: a concurrent create of the same zip may be about to use it.

squall extension for local development (``docs/compatibility.md``): ``S3Bucket="hot-reload"``
with ``S3Key`` = an absolute local directory uses that directory in place (nothing copied; an
edit replaces the warm workers, see :mod:`.hot_reload`); its CodeSha256 is the hash of the path string.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import os
import shutil
import stat
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from squall.engine.api import Tx
from squall.errors import ServiceError
from squall.services.lambda_ import store
from squall.services.lambda_.errors import InvalidParameterValue, RequestEntityTooLarge
from squall.storage import blobs as blob_store

log = logging.getLogger("squall.lambda")

MAX_ZIPPED = 52_428_800  # 50 MB, CreateFunction / UpdateFunctionCode with ZipFile
MAX_UNZIPPED = 262_144_000  # 250 MB, code and layers together
HOT_RELOAD_BUCKET = "hot-reload"
SWEEP_GRACE = 600.0
_BAD_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


@dataclass
class Package:
    """Code received for a function or layer version, before its transaction."""

    doc: dict[str, Any]  # what the version records: {sha, b64, size, unzipped} or {hot, b64, size}
    blob: str | None = None  # a freshly published blob, claimed by :func:`adopt` or discarded
    runtime: Any = None

    def discard(self) -> None:
        """The transaction that would have kept this code failed: drop the unclaimed blob."""
        if self.blob is not None and self.runtime is not None:
            self.runtime.blobs.unlink(self.blob)
            self.blob = None


def root(runtime: Any) -> Path:
    return Path(runtime.settings.data_dir).resolve() / "lambda"


def code_dir(runtime: Any, doc: dict[str, Any]) -> Path:
    """Where the code described by a version's ``code`` document is, ready to import."""
    if doc.get("hot"):
        return Path(doc["hot"])
    return root(runtime) / "code" / doc["sha"]


def b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---- receiving code ----------------------------------------------------------------
async def from_zip(runtime: Any, data: bytes) -> Package:
    if len(data) > MAX_ZIPPED:
        raise RequestEntityTooLarge(f"Zipped size must be smaller than {MAX_ZIPPED} bytes")
    digest = hashlib.sha256(data)
    writer = runtime.blobs.writer()
    try:
        await writer.write(data)
        blob_id = await writer.finish()
    except BaseException:
        writer.abort()
        raise
    return await _finish(runtime, blob_id, digest, len(data))


async def from_s3(ctx: Any, bucket: str, key: str, version: str | None) -> Package:
    """Code from an object in squall's own S3, read inside the server."""
    from squall.services.s3 import objects
    from squall.services.s3 import store as s3_store

    try:
        _, doc = await ctx.engine.read(lambda tx: objects.lookup(tx, ctx, bucket, key, version))
    except ServiceError as err:
        raise InvalidParameterValue(f"Error occurred while GetObject. S3 Error Code: {err.code}. "
                                    f"S3 Error Message: {err.message}") from None
    if "inline" in doc["data"]:
        data = await ctx.engine.read(lambda tx: s3_store.read_inline(tx, doc))
        return await from_zip(ctx.runtime, data)
    digest = hashlib.sha256()
    writer = ctx.runtime.blobs.writer(on_data=digest.update)
    try:
        body = await objects.read_segments(ctx.runtime.blobs, s3_store.segments(doc), 0, doc["size"])
        async for chunk in body:
            await writer.write(chunk)
        blob_id = await writer.finish()
    except FileNotFoundError:
        writer.abort()
        raise InvalidParameterValue("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
                                    "The specified key does not exist.") from None
    except BaseException:
        writer.abort()
        raise
    return await _finish(ctx.runtime, blob_id, digest, doc["size"])


def hot_reload(path: str) -> Package:
    if not path or not os.path.isabs(path) or not os.path.isdir(path):
        raise InvalidParameterValue(
            f"squall hot-reload code: S3Key must be the absolute path of an existing local directory, got {path!r}.")
    return Package({"hot": path, "b64": b64_sha256(path.encode()), "size": 0, "unzipped": 0})


async def _finish(runtime: Any, blob_id: str, digest: Any, size: int) -> Package:
    """Check and extract a published blob; on failure drop it and raise Lambda's error."""
    sha = digest.hexdigest()
    path = runtime.blobs.path(blob_id)
    try:
        unzipped = await asyncio.to_thread(extract, path, root(runtime) / "code" / sha)
    except BaseException:
        runtime.blobs.unlink(blob_id)
        raise
    b64 = base64.b64encode(digest.digest()).decode()
    return Package({"sha": sha, "b64": b64, "size": size, "unzipped": unzipped}, blob_id, runtime)


# ---- extraction --------------------------------------------------------------------
def extract(source: Path | bytes, dest: Path) -> int:
    """Check ``source`` is a usable zip and extract it to ``dest`` unless already there.
    Returns the unzipped size. Runs in a worker thread."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            entries = zf.infolist()
            if not entries:
                raise InvalidParameterValue("Uploaded file must be a non-empty zip")
            unzipped = sum(info.file_size for info in entries)
            if unzipped > MAX_UNZIPPED:
                raise InvalidParameterValue(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
            if not dest.is_dir():
                _extract_all(zf, entries, dest)
            return unzipped
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError):
        raise InvalidParameterValue(_BAD_ZIP) from None


def _extract_all(zf: zipfile.ZipFile, entries: list[zipfile.ZipInfo], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    base = str(tmp) + os.sep
    try:
        for info in entries:
            target = os.path.normpath(os.path.join(tmp, info.filename))
            if not (target + os.sep).startswith(base) or os.path.isabs(info.filename):
                raise InvalidParameterValue(f"{_BAD_ZIP} (entry {info.filename!r} points outside the package)")
            mode = info.external_attr >> 16
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if stat.S_ISLNK(mode):
                link = zf.read(info).decode()
                resolved = os.path.normpath(os.path.join(os.path.dirname(target), link))
                if os.path.isabs(link) or not (resolved + os.sep).startswith(base):
                    raise InvalidParameterValue(f"{_BAD_ZIP} (link {info.filename!r} points outside the package)")
                os.symlink(link, target)
                continue
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            os.chmod(target, (mode & 0o777) or 0o644)
        try:
            os.rename(tmp, dest)
        except OSError:  # extracted meanwhile by someone else: theirs is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


async def ensure_dir(runtime: Any, doc: dict[str, Any]) -> Path:
    """The code directory, extracted again from its blob if it went missing."""
    path = code_dir(runtime, doc)
    if doc.get("hot") or path.is_dir():
        return path
    rec = await runtime.engine.read(lambda tx: store.load(tx, store.NS_CODE, doc["sha"]))
    if rec is None:
        raise FileNotFoundError(f"code {doc['sha']} is not stored")
    await asyncio.to_thread(extract, runtime.blobs.path(rec["blob"]), path)
    return path


# ---- references (inside transactions) -------------------------------------------------
def adopt(tx: Tx, runtime: Any, pkg: Package) -> None:
    """Take one reference on freshly received code; its blob is claimed if it is the first."""
    sha = pkg.doc.get("sha")
    if sha is None:  # hot-reload: nothing stored
        return
    rec = store.load(tx, store.NS_CODE, sha)
    if rec is None:
        store.save(tx, store.NS_CODE, sha, {"blob": pkg.blob, "size": pkg.doc["size"],
                                            "unzipped": pkg.doc["unzipped"], "refs": 1})
        blob_store.claim(tx, pkg.blob, "lambda")
        return
    rec["refs"] += 1
    store.save(tx, store.NS_CODE, sha, rec)
    blob = pkg.blob
    if blob is not None:
        tx.after_commit(lambda: runtime.blobs.unlink(blob))  # the same bytes are stored already


def retain(tx: Tx, shas: list[str]) -> None:
    """One more reference on code already stored (a published version, a layer in use)."""
    for sha in shas:
        rec = store.load(tx, store.NS_CODE, sha)
        if rec is not None:
            rec["refs"] += 1
            store.save(tx, store.NS_CODE, sha, rec)


def release(tx: Tx, runtime: Any, shas: list[str]) -> None:
    for sha in shas:
        rec = store.load(tx, store.NS_CODE, sha)
        if rec is None:
            continue
        rec["refs"] -= 1
        if rec["refs"] > 0:
            store.save(tx, store.NS_CODE, sha, rec)
        else:
            tx.delete(store.NS_CODE, sha)
            blob_store.release(tx, runtime.blobs, rec["blob"])


def shas_of(version_doc: dict[str, Any]) -> list[str]:
    """The stored code a function version holds references on: its zip and its layers'."""
    out = [version_doc["code"]["sha"]] if version_doc["code"].get("sha") else []
    out += [layer["sha"] for layer in version_doc["cfg"].get("Layers") or () if layer.get("sha")]
    return out


# ---- serving and housekeeping ------------------------------------------------------------
def location(ctx: Any, doc: dict[str, Any]) -> str:
    """GetFunction's ``Code.Location``: where the package can be downloaded from squall."""
    if doc.get("hot"):
        return Path(doc["hot"]).as_uri()
    req = ctx.request
    scheme = req.headers.get("x-forwarded-proto") or req.scheme
    return f"{scheme}://{req.host}{CODE_URL_PREFIX}{doc['sha']}.zip"


#: where GetFunction's ``Code.Location`` points: ``/_squall/lambda/code/<sha256 hex>.zip``
CODE_URL_PREFIX = "/_squall/lambda/code/"


async def serve_zip(runtime: Any, request: Any) -> Any:
    """The front door's answer to a ``Code.Location`` URL: the stored zip, streamed."""
    from squall.gateway.http import Response

    name = request.path[len(CODE_URL_PREFIX):]
    sha = name[:-4] if name.endswith(".zip") else ""
    rec = None
    if len(sha) == 64 and all(c in "0123456789abcdef" for c in sha) and request.method in ("GET", "HEAD"):
        rec = await runtime.engine.read(lambda tx: store.load(tx, store.NS_CODE, sha))
    if rec is None:
        return Response(404, {"content-type": "application/xml"},
                        b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
    headers = {"content-type": "application/zip", "content-length": str(rec["size"])}
    if request.method == "HEAD":
        return Response(200, headers, b"")
    return Response(200, headers, stream=await runtime.blobs.read(rec["blob"]))


async def sweep(runtime: Any, *, grace: float = SWEEP_GRACE) -> int:
    """Remove extracted directories (and abandoned temporary ones) no code record refers to."""
    base = root(runtime) / "code"
    if not base.is_dir():
        return 0
    cutoff = time.time() - grace
    names = []
    for entry in base.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                names.append(entry.name)
        except FileNotFoundError:
            continue
    known = await runtime.engine.read(
        lambda tx: {n for n in names if not n.startswith(".") and tx.get(store.NS_CODE, n) is not None})
    removed = 0
    for name in names:
        if name not in known:
            await asyncio.to_thread(shutil.rmtree, base / name, True)
            removed += 1
    if removed:
        log.info("removed %d unused code directories", removed)
    return removed
