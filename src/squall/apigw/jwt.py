"""JWT authorizers of HTTP APIs: validating a bearer token as API Gateway does.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html

1. the identity source holds the token, alone or after ``Bearer``;
2. its signature is checked with the issuer's public key: ``{issuer}/.well-known/openid-configuration``
   names the ``jwks_uri``; the key is the JWKS entry whose ``kid`` the token's header names.
   RS256/384/512 (what AWS supports) and, beyond AWS, ES256/384/512;
3. claims: ``iss`` equals the authorizer's issuer, ``aud`` (or ``client_id``) is one of its audiences,
   ``exp`` is in the future, ``nbf`` and ``iat`` are not;
4. scopes: when the route lists ``AuthorizationScopes`` the token's ``scope`` (space-separated) or
   ``scp`` must hold at least one of them.

A failure of steps 1–3 is ``401 {"message":"Unauthorized"}``, of step 4 ``403 {"message":"Forbidden"}``,
each with a ``www-authenticate: Bearer …`` header that says why (as API Gateway's does).

API::

    claims, scopes = await validate(runtime, token, issuer, audiences, required_scopes)  # or JwtRejected
    authorizer = request_context(claims, scopes)  # requestContext.authorizer of the 2.0 event

Keys are fetched once per issuer (single flight), kept for :data:`KEYS_TTL`, and fetched again
when a token names an unknown ``kid`` (key rotation), at most every :data:`REFETCH_INTERVAL`.
Verified signatures are remembered per token, so a client re-sending its token costs a dict
lookup and the claim checks, not an RSA verification.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = ["JwtRejected", "request_context", "token_from", "token_scopes", "validate"]

KEYS_TTL = 3600.0
REFETCH_INTERVAL = 30.0
FETCH_TIMEOUT = 5.0
VERIFIED_LIMIT = 10_000
_STATE_KEY = "apigw.jwks"

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}


class JwtRejected(Exception):
    """The token does not authorize the request: ``status`` 401 (invalid) or 403 (scopes)."""

    def __init__(self, description: str, *, status: int = 401, scopes: list[str] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.scopes = scopes or []

    @property
    def www_authenticate(self) -> str:
        error = "insufficient_scope" if self.status == 403 else "invalid_token"
        return f'Bearer scope="{" ".join(self.scopes)}" error="{error}" error_description="{self.description}"'


@dataclass
class _KeySet:
    keys: dict[str, Any] = field(default_factory=dict)  # kid -> public key
    fetched: float = 0.0
    expires: float = 0.0


class _State:
    """Per-server caches: the issuers' keys and the tokens whose signatures were verified."""

    def __init__(self) -> None:
        self.issuers: dict[str, _KeySet] = {}
        self.fetching: dict[str, asyncio.Future[_KeySet]] = {}
        self.verified: dict[tuple[str, str], dict[str, Any]] = {}  # (issuer, token) -> claims


def _state(runtime: Any) -> _State:
    state = runtime.state.get(_STATE_KEY)
    if state is None:
        state = runtime.state[_STATE_KEY] = _State()
    return state


def token_from(value: str) -> str:
    """The token in an identity source value: the value itself, or what follows ``Bearer``."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64_int(part: str) -> int:
    return int.from_bytes(_b64(part), "big")


# ---- keys ---------------------------------------------------------------------------------------
def _public_key(jwk: dict[str, Any]) -> Any:
    kty = jwk.get("kty")
    if kty == "RSA":
        return rsa.RSAPublicNumbers(_b64_int(jwk["e"]), _b64_int(jwk["n"])).public_key()
    if kty == "EC" and jwk.get("crv") in _CURVES:
        curve = _CURVES[jwk["crv"]]()
        return ec.EllipticCurvePublicNumbers(_b64_int(jwk["x"]), _b64_int(jwk["y"]), curve).public_key()
    return None


def _get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"accept": "application/json", "user-agent": "squall-apigw"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
        return orjson.loads(response.read())


def _fetch_keys(issuer: str) -> _KeySet:
    """The issuer's JWKS (blocking; run in a thread)."""
    config = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    jwks = _get_json(config["jwks_uri"])
    keys: dict[str, Any] = {}
    for jwk in jwks.get("keys", []):
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = _public_key(jwk)
        except (KeyError, ValueError, TypeError, binascii.Error):
            continue
        if key is not None:
            keys[str(jwk.get("kid", ""))] = key
    now = time.monotonic()
    return _KeySet(keys, now, now + KEYS_TTL)


async def _keys(state: _State, issuer: str, kid: str) -> _KeySet | None:
    """The issuer's keys, fetched when missing, expired, or lacking ``kid`` (at most every
    :data:`REFETCH_INTERVAL`); one fetch per issuer at a time."""
    current = state.issuers.get(issuer)
    now = time.monotonic()
    if current is not None and current.expires > now and (
            kid in current.keys or now - current.fetched < REFETCH_INTERVAL):
        return current
    pending = state.fetching.get(issuer)
    if pending is None:
        pending = asyncio.ensure_future(asyncio.to_thread(_fetch_keys, issuer))
        state.fetching[issuer] = pending
        pending.add_done_callback(lambda _: state.fetching.pop(issuer, None))
    try:
        fetched = await asyncio.shield(pending)
    except Exception:  # noqa: BLE001 - unreachable issuer or bad documents: keep what we had
        return current
    state.issuers[issuer] = fetched
    return fetched


# ---- validating -------------------------------------------------------------------------------------
def _verify(key: Any, alg: str, signed: bytes, signature: bytes) -> bool:
    family, bits = alg[:2], alg[2:]
    digest = _HASHES.get(bits)
    if digest is None:
        return False
    try:
        if family == "RS" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), digest())
            return True
        if family == "ES" and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(signature) // 2
            der = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                       int.from_bytes(signature[half:], "big"))
            key.verify(der, signed, ec.ECDSA(digest()))
            return True
    except InvalidSignature:
        return False
    return False


async def _verified_claims(runtime: Any, token: str, issuer: str) -> dict[str, Any]:
    state = _state(runtime)
    claims = state.verified.get((issuer, token))
    if claims is not None:
        return claims
    try:
        head, body, sig = token.split(".")
        header = orjson.loads(_b64(head))
        claims = orjson.loads(_b64(body))
        signature = _b64(sig)
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise JwtRejected("the token is not a valid JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtRejected("the token is not a valid JWT")
    if claims.get("iss") != issuer:
        raise JwtRejected("the token does not have a valid issuer")
    alg, kid = str(header.get("alg", "")), str(header.get("kid", ""))
    if alg[:2] not in ("RS", "ES"):
        raise JwtRejected(f"the token uses an unsupported signing algorithm {alg}")
    keyset = await _keys(state, issuer, kid)
    if keyset is None:
        raise JwtRejected("the signing keys of the issuer could not be retrieved")
    key = keyset.keys.get(kid)
    if key is None and not kid and len(keyset.keys) == 1:  # a token without kid, an issuer with one key
        key = next(iter(keyset.keys.values()))
    if key is None:
        raise JwtRejected("the token's key id was not found in the issuer's keys")
    if not _verify(key, alg, f"{head}.{body}".encode(), signature):
        raise JwtRejected("the token signature is invalid")
    if len(state.verified) >= VERIFIED_LIMIT:
        state.verified.clear()
    state.verified[(issuer, token)] = claims
    return claims


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def token_scopes(claims: dict[str, Any]) -> list[str]:
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(v) for v in value]
    return []


async def validate(runtime: Any, value: str | None, issuer: str, audiences: list[str],
                   required_scopes: list[str] | None = None, *, now: float | None = None
                   ) -> tuple[dict[str, Any], list[str] | None]:
    """``(claims, scopes)`` of a valid token in identity-source value ``value`` (``scopes`` is None
    when the route requires none), else :class:`JwtRejected`."""
    token = token_from(value or "")
    if not token:
        raise JwtRejected("the token is missing")
    claims = await _verified_claims(runtime, token, issuer)
    now = time.time() if now is None else now
    aud = claims.get("aud")
    offered = [*(aud if isinstance(aud, list) else [aud]), claims.get("client_id")]
    if not any(isinstance(a, str) and a in audiences for a in offered):
        raise JwtRejected("the token does not have a valid audience")
    exp = _number(claims.get("exp"))
    if exp is None or exp <= now:
        raise JwtRejected("the token has expired")
    nbf = _number(claims.get("nbf"))
    if nbf is not None and nbf > now:
        raise JwtRejected("the token is not valid yet")
    iat = _number(claims.get("iat"))
    if iat is not None and iat > now:
        raise JwtRejected("the token was issued in the future")
    if not required_scopes:
        return claims, None
    scopes = token_scopes(claims)
    if not set(scopes) & set(required_scopes):
        raise JwtRejected(f"expected scopes: [{' '.join(required_scopes)}]", status=403, scopes=required_scopes)
    return claims, scopes


def _claim_text(value: Any) -> str:
    """Claims reach integrations as strings: numbers and booleans in JSON spelling, arrays as
    ``[a b]``, objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, (int, float)):
        return str(value)
    return orjson.dumps(value).decode()


def request_context(claims: dict[str, Any], scopes: list[str] | None) -> dict[str, Any]:
    """``requestContext.authorizer`` of a 2.0 event: ``{"jwt": {"claims": {…}, "scopes": […] | null}}``."""
    return {"jwt": {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": scopes}}
