"""Mapping templates: Velocity (VTL) run by ``airspeed`` with API Gateway's variables —
``$input`` (``body``, ``json(path)``, ``path(path)``, ``params()`` / ``params(name)``),
``$util`` (``escapeJavaScript``, ``urlEncode``, ``urlDecode``, ``base64Encode``,
``base64Decode``, ``parseJson``), ``$context`` and ``$stageVariables``.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html

Templates compile once (cached by text). Values handed to templates are wrapped so that the
Java-style calls templates use on maps and lists (``size()``, ``keySet()``, ``isEmpty()``,
``containsKey()``) work as in API Gateway.
"""

from __future__ import annotations

import base64
import functools
from typing import Any
from urllib.parse import quote, unquote_plus

import airspeed
import orjson

from squall.services.apigateway import jsonpath


class TemplateError(Exception):
    """A template that does not parse or fails while running (API Gateway answers 500)."""


class VMap(dict):
    """A dict with the ``java.util.Map`` methods templates call."""

    def size(self) -> int:
        return len(self)

    def keySet(self) -> list[Any]:
        return list(self.keys())

    def entrySet(self) -> list[dict[str, Any]]:
        return [VMap(key=k, value=v) for k, v in self.items()]

    def isEmpty(self) -> bool:
        return not self

    def containsKey(self, key: Any) -> bool:
        return key in self

    def put(self, key: Any, value: Any) -> Any:
        old = self.get(key)
        self[key] = value
        return old


class VList(list):
    def size(self) -> int:
        return len(self)

    def get(self, index: int) -> Any:
        return self[index]

    def isEmpty(self) -> bool:
        return not self

    def contains(self, item: Any) -> bool:
        return item in self


def wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return VMap((k, wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return VList(wrap(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Input:
    """``$input``: the payload being mapped (the request body, or the integration's response)
    and the method request's parameters."""

    def __init__(self, body: bytes | str, params: dict[str, dict[str, str]] | None = None) -> None:
        self.body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        self._params = params or {"path": {}, "querystring": {}, "header": {}}
        self._doc: Any = None
        self._parsed = False

    def _json(self) -> Any:
        if not self._parsed:
            self._parsed = True
            try:
                self._doc = orjson.loads(self.body) if self.body.strip() else None
            except orjson.JSONDecodeError:
                self._doc = None
        return self._doc

    def json(self, path: str = "$") -> str:
        """The JSON text at ``path`` (``null`` when absent; the raw body when it is not JSON and
        the path is ``$``)."""
        doc = self._json()
        if doc is None and path.strip() == "$" and self.body.strip():
            return self.body
        try:
            value = jsonpath.evaluate(doc, path)
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        return orjson.dumps(_plain(value)).decode()

    def path(self, path: str = "$") -> Any:
        """The object at ``path``, for templates to walk (``$input.path('$').size()``)."""
        doc = self._json()
        if doc is None and path.strip() == "$":
            return self.body
        try:
            return wrap(jsonpath.evaluate(doc, path))
        except ValueError as exc:
            raise TemplateError(str(exc)) from None

    def params(self, name: str | None = None) -> Any:
        """All parameters (``path`` / ``querystring`` / ``header`` maps), or one by name, looked
        for in that order (header names case-insensitively)."""
        if name is None:
            return wrap(self._params)
        for where in ("path", "querystring"):
            if name in self._params[where]:
                return self._params[where][name]
        lowered = name.lower()
        for key, value in self._params["header"].items():
            if key.lower() == lowered:
                return value
        return ""


class Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(text: Any) -> str:
        """Java's ``StringEscapeUtils.escapeJavaScript``: quotes, backslashes and control characters."""
        out = []
        for ch in "" if text is None else str(text):
            if ch in "\"'\\/":
                out.append("\\" + ch if ch != "/" else "\\/")
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\b":
                out.append("\\b")
            elif ch == "\f":
                out.append("\\f")
            elif ord(ch) < 32 or ord(ch) > 126:
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(ch)
        return "".join(out)

    @staticmethod
    def urlEncode(text: Any) -> str:
        return quote("" if text is None else str(text), safe="-_.*").replace("%20", "+")

    @staticmethod
    def urlDecode(text: Any) -> str:
        return unquote_plus("" if text is None else str(text))

    @staticmethod
    def base64Encode(text: Any) -> str:
        data = text if isinstance(text, bytes) else ("" if text is None else str(text)).encode()
        return base64.b64encode(data).decode("ascii")

    @staticmethod
    def base64Decode(text: Any) -> str:
        try:
            return base64.b64decode(str(text or "")).decode("utf-8", "replace")
        except ValueError as exc:
            raise TemplateError("invalid base64") from exc

    @staticmethod
    def parseJson(text: Any) -> Any:
        try:
            return wrap(orjson.loads(str(text or "")))
        except orjson.JSONDecodeError as exc:
            raise TemplateError("invalid JSON") from exc


UTIL = Util()


@functools.lru_cache(maxsize=512)
def _compiled(template: str) -> airspeed.Template:
    return airspeed.Template(template)


def render(template: str, *, input: Input, context: dict[str, Any], stage_variables: dict[str, str] | None = None,
           extra: dict[str, Any] | None = None) -> str:
    """Run ``template``; :class:`TemplateError` when it cannot be run."""
    variables: dict[str, Any] = {"input": input, "util": UTIL,
                                 "context": context if isinstance(context, VMap) else wrap(context),
                                 "stageVariables": wrap(stage_variables or {})}
    if extra:
        variables.update(extra)
    try:
        return _compiled(template).merge(variables)
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - airspeed's syntax and execution errors, and anything a template provokes
        raise TemplateError(str(exc)) from None
