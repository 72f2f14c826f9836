"""An HTTP API's ``CorsConfiguration``: validated when set, answered when served.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html: "If you configure
CORS for an API, API Gateway automatically sends a response to preflight OPTIONS requests, even if
there isn't an OPTIONS route configured for your API. For a CORS request, API Gateway adds the
configured CORS headers to the response from an integration. […] API Gateway ignores CORS headers
returned from your backend integration." A response carries CORS headers only for a request with an
``Origin`` the configuration allows; a preflight also needs ``Access-Control-Request-Method``.

What squall does when a preflight could also reach a route: a route of method ``OPTIONS`` that
matches gets it (that is how an API takes preflights over), and so does a ``$default`` route that
requires authorization when nothing else matches — the "$default route and JWT authorizer" case
that page describes, where the preflight meets the authorizer. Everything else is answered here:
``204`` with ``access-control-allow-origin`` (the origin, or ``*`` when every origin is allowed),
``-allow-methods``, ``-allow-headers``, ``-max-age`` and ``-allow-credentials`` as configured.

Header names are kept lower-case and methods upper-case, as API Gateway stores them.
"""

from __future__ import annotations

import re
from typing import Any

from squall.gateway.http import Request, Response
from squall.services.apigatewayv2.errors import BadRequest

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"})
_ORIGIN = re.compile(r"\*|[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s]+|null")


def normalize(config: dict[str, Any] | None) -> dict[str, Any]:
    """A CorsConfiguration as API Gateway keeps it, or BadRequest."""
    config = dict(config or {})
    out: dict[str, Any] = {}
    if config.get("AllowCredentials") is not None:
        out["AllowCredentials"] = bool(config["AllowCredentials"])
    for name in ("AllowHeaders", "ExposeHeaders"):
        if config.get(name) is not None:
            out[name] = [h.strip().lower() for h in config[name] if h.strip()]
    if config.get("AllowMethods") is not None:
        methods = [m.strip().upper() for m in config["AllowMethods"] if m.strip()]
        bad = [m for m in methods if m not in _METHODS]
        if bad:
            raise BadRequest(f"Invalid CORS method(s): {', '.join(bad)}. Allowed: {', '.join(sorted(_METHODS))}")
        out["AllowMethods"] = methods
    if config.get("AllowOrigins") is not None:
        origins = [o.strip() for o in config["AllowOrigins"] if o.strip()]
        bad = [o for o in origins if not _ORIGIN.fullmatch(o)]
        if bad:
            raise BadRequest(f"Invalid CORS origin(s): {', '.join(bad)}. An origin is '*' or scheme://host[:port]")
        out["AllowOrigins"] = origins
    if config.get("MaxAge") is not None:
        if not -1 <= int(config["MaxAge"]) <= 86400:
            raise BadRequest("MaxAge must be between -1 and 86400 seconds")
        out["MaxAge"] = int(config["MaxAge"])
    if out.get("AllowCredentials") and "*" in out.get("AllowOrigins", ()):
        raise BadRequest("allow-credentials is not supported when allow-origin is '*'; list the origins instead")
    return out


def is_preflight(request: Request) -> bool:
    headers = request.headers
    return request.method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


class Cors:
    """One deployment's CORS configuration, ready to answer."""

    def __init__(self, config: dict[str, Any]) -> None:
        origins = config.get("AllowOrigins") or []
        self.any_origin = "*" in origins
        self.origins = {o.lower() for o in origins if "*" not in o}
        self.origin_patterns = [re.compile(".*".join(re.escape(p) for p in o.lower().split("*")))
                                for o in origins if "*" in o and o != "*"]
        methods = config.get("AllowMethods") or []
        self.any_method = "*" in methods
        self.methods = set(methods)
        headers = config.get("AllowHeaders") or []
        self.any_header = "*" in headers
        self.headers = set(headers)
        self.credentials = bool(config.get("AllowCredentials"))
        self.allow_methods = ",".join(methods)
        self.allow_headers = ",".join(headers)
        self.expose = ",".join(config.get("ExposeHeaders") or [])
        self.max_age = str(config["MaxAge"]) if config.get("MaxAge") is not None else None

    def allows_origin(self, origin: str) -> bool:
        if self.any_origin:
            return True
        low = origin.lower()
        return low in self.origins or any(p.fullmatch(low) for p in self.origin_patterns)

    def _origin_value(self, origin: str) -> str:
        return "*" if self.any_origin and not self.credentials else origin

    def preflight(self, request: Request, request_id: str) -> Response:
        """API Gateway's own answer to a preflight."""
        headers: dict[str, Any] = {"apigw-requestid": request_id}
        origin = request.headers.get("origin", "")
        method = request.headers.get("access-control-request-method", "").strip().upper()
        wanted = [h.strip().lower() for h in request.headers.get("access-control-request-headers", "").split(",")
                  if h.strip()]
        if (self.allows_origin(origin) and (self.any_method or method in self.methods)
                and (self.any_header or all(h in self.headers for h in wanted))):
            headers["access-control-allow-origin"] = self._origin_value(origin)
            if self.allow_methods:
                headers["access-control-allow-methods"] = self.allow_methods
            if self.allow_headers:
                headers["access-control-allow-headers"] = self.allow_headers
            if self.max_age is not None:
                headers["access-control-max-age"] = self.max_age
            if self.credentials:
                headers["access-control-allow-credentials"] = "true"
        return Response(204, headers, b"")

    def decorate(self, request: Request, response: Response) -> None:
        """Replace the integration's CORS headers with the configured ones (for an allowed Origin)."""
        out = response.headers
        for name in [n for n in out if n.startswith("access-control-")]:
            del out[name]
        origin = request.headers.get("origin")
        if origin is None or not self.allows_origin(origin):
            return
        out["access-control-allow-origin"] = self._origin_value(origin)
        if self.credentials:
            out["access-control-allow-credentials"] = "true"
        if self.expose:
            out["access-control-expose-headers"] = self.expose
