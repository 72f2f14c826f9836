"""Where Lambda keeps its state (engine records, never SQL) and the per-process cache.

Records, all orjson documents; ``{fk}`` is ``{account}/{region}/{function name}``:

* ``lambda/functions`` ``{fk}`` → the function as a whole: ``tags``, ``next_version``,
  ``reserved`` (PutFunctionConcurrency), ``published`` (the ``irev`` of $LATEST when the
  newest version was published: PublishVersion publishes nothing new when unchanged);
* ``lambda/versions`` ``{fk}/$LATEST`` and ``{fk}/{n:010d}`` → one function version (the key
  sorts $LATEST first, then versions in numeric order). A version document holds ``cfg``
  (the configuration members), ``code`` (``sha``/``b64``/``size`` of the zip, or ``hot`` — a
  local directory), the lifecycle (``state``…, ``update``), ``rev`` (the RevisionId), ``irev``
  (changes only with code or configuration) and ``live``: what invocations run — the
  configuration as of the last successful activation (:mod:`.activation`), so an update in
  progress keeps serving the previous code as Lambda does;
* ``lambda/aliases`` ``{fk}/{alias}``; ``lambda/policies`` ``{fk}/{qualifier or ''}``;
  ``lambda/invoke-configs`` ``{fk}/{qualifier}``; ``lambda/esm`` ``{uuid}``;
* ``lambda/layers`` ``{account}/{region}/{layer}/{n:010d}`` and ``lambda/layer-names``
  ``{account}/{region}/{layer}`` → the next version number (numbers are never reused);
* ``lambda/code`` ``{sha256 hex}`` → a zip kept as a blob, with a reference count (:mod:`.code`).

Every change drops this process's cached view of the function on commit (:func:`touch`);
another node's changes are seen within :data:`CACHE_TTL`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_.names import LATEST
from squall.services.records import load, save, scan  # noqa: F401 - the store's own API
from squall.services.refreshing import Refreshing, kept

NS_FUNCTIONS = "lambda/functions"
NS_VERSIONS = "lambda/versions"
NS_ALIASES = "lambda/aliases"
NS_POLICIES = "lambda/policies"
NS_INVOKE_CONFIGS = "lambda/invoke-configs"
NS_ESM = "lambda/esm"
NS_LAYERS = "lambda/layers"
NS_LAYER_NAMES = "lambda/layer-names"
NS_CODE = "lambda/code"
NS_META = "lambda/meta"
CACHE_TTL = 1.0


def fkey(account: str, region: str, name: str) -> str:
    return f"{account}/{region}/{name}"


def vkey(fk: str, version: str) -> str:
    """The record key of a version: $LATEST sorts before every number, numbers in order."""
    return f"{fk}/{version}" if version == LATEST else f"{fk}/{int(version):010d}"


def version_of(record_key: str) -> str:
    tail = record_key.rsplit("/", 1)[1]
    return tail if tail == LATEST else str(int(tail))


def new_revision() -> str:
    return str(uuid.uuid4())


def lambda_date(ts: float) -> str:
    """Lambda's LastModified format: ``2024-01-01T00:00:00.000+0000``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"





def touch(tx: Tx, runtime: Any, fk: str) -> None:
    """Drop this process's cached view of function ``fk`` once ``tx`` commits."""
    tx.after_commit(lambda: cache(runtime).drop_where(lambda key: key[0] == fk))


def cache(runtime: Any) -> Refreshing[tuple[str, str], Any]:
    """(``fk``, qualifier) → the resolved specs (see ``resolver``)."""
    return kept(runtime, "lambda", "specs", CACHE_TTL)


def bump_counter(tx: Tx, name: str) -> int:
    """Increment and return a counter in ``lambda/meta`` (e.g. the event-source-mapping revision)."""
    raw = tx.get(NS_META, name)
    value = (int(raw) if raw else 0) + 1
    tx.put(NS_META, name, str(value).encode())
    return value


def read_counter(tx: Tx, name: str) -> int:
    raw = tx.get(NS_META, name)
    return int(raw) if raw else 0


def page(items: list[Any], key: Any, marker: str | None, max_items: int | None,
         default: int = 50) -> tuple[list[Any], str | None]:
    """One page of ``items`` (already in order) after ``marker`` — the key of the last item of
    the previous page — and the marker of the next page (None on the last one)."""
    if max_items is not None and max_items < 1:
        from squall.services.lambda_.errors import constraint, validation

        raise validation(constraint(max_items, "maxItems", "Member must have value greater than or equal to 1"))
    limit = min(max_items or default, default) if default else (max_items or len(items))
    if marker:
        items = [item for item in items if key(item) > marker]
    chunk = items[:limit]
    return chunk, (key(chunk[-1]) if len(items) > limit else None)
