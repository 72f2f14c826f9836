"""API Gateway's ``patchOperations`` (every ``Update*`` operation): ``op`` / ``path`` /
``value`` / ``from``, in the JSON-Patch-like dialect the REST API reference describes
(https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html).

What is generic here and what is not: each resource declares which paths it accepts and what
they hold (a :data:`Spec`); this module applies operations to a document accordingly:

* a scalar (``"str"``, ``"bool"``, ``"int"``, ``"float"``): ``replace``/``add`` set it from the
  string ``value`` (converted), ``remove`` clears it;
* ``"map"`` (``"boolmap"``: values are booleans): ``/variables/{name}`` (and ``/requestTemplates/application~1json``) adds, replaces
  or removes one entry — ``~1`` is ``/`` and ``~0`` is ``~`` in a path segment;
* ``"set"``: a list whose *element is named by the path* (``add /binaryMediaTypes/image~1png``;
  ``replace`` with the new element as ``value``; ``remove``);
* ``"list"``: a list whose element is the value (``add /apiStages`` value ``api:stage``).

Nested members use ``/`` in the spec key (``throttle/rateLimit``). Anything a resource must
handle itself (stage ``methodSettings``) goes to its ``special`` hook first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from squall.services.apigateway.errors import bad

Spec = dict[str, str]
#: ``special(op, segments, value, doc) -> handled?``
Special = Callable[[str, list[str], Any, dict[str, Any]], bool]

_OPS = ("add", "remove", "replace", "move", "copy", "test")


def segments(path: str) -> list[str]:
    """``/binaryMediaTypes/image~1png`` → ``["binaryMediaTypes", "image/png"]``."""
    if not path.startswith("/"):
        raise bad(f"Invalid patch path {path}")
    return [s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/")]


def convert(kind: str, value: Any, path: str) -> Any:
    if value is None:
        return None
    text = str(value)
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise bad(f"Invalid boolean value '{text}' for {path}")
        return text.lower() == "true"
    if kind in ("int", "float"):
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            raise bad(f"Invalid {'integer' if kind == 'int' else 'number'} value '{text}' for {path}") from None
    return text


def apply(doc: dict[str, Any], operations: list[dict[str, Any]] | None, spec: Spec,
          special: Special | None = None) -> dict[str, Any]:
    """Apply ``operations`` to ``doc`` in place (and return it); BadRequestException for an
    operation or path the resource does not accept."""
    for operation in operations or ():
        op = operation.get("op")
        path = operation.get("path") or ""
        value = operation.get("value")
        if op not in _OPS:
            raise bad(f"Invalid patch operation specified. Must be one of: {list(_OPS)}")
        segs = segments(path)
        if special is not None and special(op, segs, value, doc):
            continue
        if op in ("move", "copy"):
            source = segments(operation.get("from") or "")
            moved = _get(doc, source, spec)
            if op == "move":
                _set(doc, source, "remove", None, spec, operation.get("from") or "")
            _set(doc, segs, "add", moved, spec, path)
            continue
        if op == "test":
            if _get(doc, segs, spec) != value:
                raise bad(f"The value at {path} is not {value}")
            continue
        _set(doc, segs, op, value, spec, path)
    return doc


def _split(segs: list[str], spec: Spec) -> tuple[str, str, list[str]]:
    """(spec key, kind, the segments after it) for the longest spec key ``segs`` starts with."""
    for n in range(len(segs), 0, -1):
        key = "/".join(segs[:n])
        kind = spec.get(key)
        if kind is not None:
            return key, kind, segs[n:]
    raise KeyError


def _container(doc: dict[str, Any], key: str, create: bool) -> tuple[dict[str, Any] | None, str]:
    parts = key.split("/")
    node: Any = doc
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            if not create:
                return None, parts[-1]
            nxt = node[part] = {}
        node = nxt
    return node, parts[-1]


def _get(doc: dict[str, Any], segs: list[str], spec: Spec) -> Any:
    try:
        key, kind, rest = _split(segs, spec)
    except KeyError:
        raise bad(f"Invalid patch path /{'/'.join(segs)}") from None
    node, last = _container(doc, key, False)
    value = node.get(last) if node is not None else None
    if kind in ("map", "boolmap") and rest:
        return (value or {}).get("/".join(rest))
    return value


def _set(doc: dict[str, Any], segs: list[str], op: str, value: Any, spec: Spec, path: str) -> None:
    try:
        key, kind, rest = _split(segs, spec)
    except KeyError:
        raise bad(f"Invalid patch path '{path}' specified for op '{op}'. "
                  f"Must be one of: [{', '.join('/' + k for k in spec)}]") from None
    node, last = _container(doc, key, op != "remove")
    if node is None:
        return
    if kind in ("map", "boolmap"):
        if not rest:  # the whole map: replace with a JSON object value, or clear it
            node[last] = {} if op == "remove" else dict(_json_object(value, path))
            return
        entries = node.get(last)
        if entries is None:
            entries = node[last] = {}
        name = "/".join(rest)
        if op == "remove":
            if name not in entries:
                raise bad(f"Cannot remove {path}: no such entry")
            del entries[name]
        elif kind == "boolmap":
            entries[name] = False if value is None else convert("bool", value, path)
        else:
            entries[name] = "" if value is None else str(value)
        return
    if kind == "set":
        items = node.get(last) or []
        element = "/".join(rest)
        if op == "add":
            if element and element not in items:
                items.append(element)
        elif op == "remove":
            if element in items:
                items.remove(element)
            elif not element:
                items = []
        else:  # replace: the element named by the path becomes ``value``
            items = [str(value) if item == element else item for item in items]
        node[last] = items
        return
    if kind == "list":
        items = node.get(last) or []
        if op == "add":
            items.append(str(value))
        elif op == "remove":
            if rest:
                items = [item for item in items if item != "/".join(rest)]
            elif value is not None:
                items = [item for item in items if item != str(value)]
            else:
                items = []
        else:
            items = [str(value)]
        node[last] = items
        return
    if rest:
        raise bad(f"Invalid patch path '{path}' specified for op '{op}'")
    if op == "remove":
        node.pop(last, None)
    else:
        node[last] = convert(kind, value, path)


def _json_object(value: Any, path: str) -> dict[str, Any]:
    import orjson

    try:
        doc = orjson.loads(value) if isinstance(value, str) else value
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        raise bad(f"Invalid value for {path}: a JSON object is expected")
    return doc
