"""AWS Signature Version 4 verification (header-signed and presigned requests).

Canonicalization follows ``botocore.auth`` exactly:

* canonical URI: S3 signs the path as sent; every other service signs
  ``quote(remove_dot_segments(path), safe="/~")`` of the path as sent, i.e.
  already-encoded characters are encoded a second time;
* canonical query: every ``k=v`` pair URI-encoded (``-_.~`` unreserved), sorted
  by key then value; presigned requests leave out ``X-Amz-Signature``. If that
  does not match, the literal pairs as sent are tried as well (what botocore
  itself signs for a URL that already carries a query string);
* canonical headers: the ``SignedHeaders`` in order, values trimmed with runs of
  spaces collapsed;
* payload hash: ``x-amz-content-sha256`` taken literally when present
  (``UNSIGNED-PAYLOAD``, ``STREAMING-…``), ``UNSIGNED-PAYLOAD`` for S3
  presigned URLs, else sha256 of the body.

Errors follow AWS per protocol family: S3 has its own (``InvalidAccessKeyId``,
``RequestTimeTooSkewed``, ``AuthorizationHeaderMalformed``…); other services raise
the JSON code (``InvalidSignatureException``, ``UnrecognizedClientException``,
``IncompleteSignatureException``, ``MissingAuthenticationTokenException``) with the
query code as ``query_code`` (``SignatureDoesNotMatch``, ``InvalidClientTokenId``,
``IncompleteSignature``, ``MissingAuthenticationToken``), which the query serializer
and SQS's query-compatible JSON (``x-amzn-query-error``) put on the wire.

Cost (2-core dev box): ~9 µs for a header-signed JSON/query request, ~10 µs for an
S3 PUT of 1 KiB, ~13 µs presigned, ~2 µs unknown key (local mode), 0.3 µs unsigned.

Modes: by default a request signed with a *known* key (``KeyStore``) must verify;
unknown keys and unsigned requests are accepted as ``settings.account_id``.
``settings.strict_auth`` rejects unknown keys and unsigned requests.

The signing key is cached per (secret, date, region, service); a verified
request's :class:`AuthResult` carries what ``aws-chunked`` chunk-signature
verification needs (``signing_key``, ``signature`` (the seed), ``scope``,
``amz_date``, ``content_sha256``).
"""

from __future__ import annotations

import calendar
import hmac
import logging
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from squall.errors import ServiceError
from squall.gateway.canonical import (
    ALGORITHM,
    _literal_query,
    _presigned_query,
    canonical_query,
    canonical_request,
    canonical_uri,
    string_to_sign,
)

__all__ = [
    "ALGORITHM",
    "MAX_SKEW",
    "AuthResult",
    "KeyStore",
    "canonical_request",
    "signing_key",
    "verify",
]

log = logging.getLogger("squall.auth")

MAX_SKEW = 15 * 60  # seconds
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
EMPTY_SHA256 = sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_S3_SERVICES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})
_HEX64_RE = re.compile(r"[0-9a-f]{64}\Z")

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
S3_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


@dataclass(slots=True)
class AuthResult:
    access_key: str | None
    account_id: str
    region: str
    service: str | None  # signing name from the credential scope
    # --- set when the signature was verified (known key); used by aws-chunked decoding
    verified: bool = False
    signing_key: bytes | None = None
    signature: str | None = None  # the request's (seed) signature
    scope: str | None = None  # "20240101/us-east-1/s3/aws4_request"
    amz_date: str | None = None  # "20240101T000000Z"
    content_sha256: str | None = None  # x-amz-content-sha256 as sent (or None)
    presigned: bool = False


def key_store(runtime: Any) -> KeyStore:
    """The server's one key store (``runtime.state["keys"]``), for whoever verifies signatures:
    the dispatcher, S3 POST forms, AWS_IAM routes and function URLs."""
    keys = runtime.state.get("keys")
    if keys is None:
        keys = runtime.state["keys"] = KeyStore(runtime.settings)
    return keys


class KeyStore:
    """Access key id → (secret, account). Seeded from ``settings.known_keys``."""

    def __init__(self, settings) -> None:
        self._keys: dict[str, tuple[str, str]] = dict(getattr(settings, "known_keys", None) or {})
        self._lock = threading.Lock()

    def lookup(self, access_key: str) -> tuple[str, str] | None:
        return self._keys.get(access_key)

    def add(self, key: str, secret: str, account: str) -> None:
        with self._lock:
            self._keys = {**self._keys, key: (secret, account)}

    def remove(self, key: str) -> None:
        with self._lock:
            if key in self._keys:
                keys = dict(self._keys)
                del keys[key]
                self._keys = keys

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


@lru_cache(maxsize=512)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4 signing key (cached: it only changes daily per secret/region/service)."""
    k = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
    k = hmac.digest(k, region.encode(), "sha256")
    k = hmac.digest(k, service.encode(), "sha256")
    return hmac.digest(k, b"aws4_request", "sha256")


# --------------------------------------------------------------------------- errors


def _error(
    code: str, message: str, status: int, *, query_code: str | None = None, **extra: object
) -> ServiceError:
    """An auth error. Non-S3 errors carry two codes because AWS's differ by protocol:
    JSON/rest-json services answer ``InvalidSignatureException`` /
    ``UnrecognizedClientException`` (``code``) where query services (SQS query, STS,
    IAM) answer ``SignatureDoesNotMatch`` / ``InvalidClientTokenId`` (``query_code``,
    also sent in ``x-amzn-query-error`` by query-compatible JSON services like SQS,
    so boto3 shows SQS users the query code either way)."""
    return ServiceError(message, code=code, status=status, query_code=query_code, **extra)


def _mismatch(
    s3: bool, access_key: str | None = None, sts: str = "", creq: str = "", sig: str = ""
) -> ServiceError:
    if s3:
        return _error(
            "SignatureDoesNotMatch",
            S3_SIGNATURE_MISMATCH,
            403,
            AWSAccessKeyId=access_key or "",
            StringToSign=sts,
            SignatureProvided=sig,
            CanonicalRequest=creq,
        )
    return _error("InvalidSignatureException", SIGNATURE_MISMATCH, 403, query_code="SignatureDoesNotMatch")


def _incomplete(s3: bool, message: str) -> ServiceError:
    if s3:
        return _error("AuthorizationHeaderMalformed", message, 400)
    return _error("IncompleteSignatureException", message, 400, query_code="IncompleteSignature")


def _unknown_key(s3: bool, access_key: str) -> ServiceError:
    if s3:
        return _error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
            AWSAccessKeyId=access_key,
        )
    return _error(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
        query_code="InvalidClientTokenId",
    )


def _missing(s3: bool) -> ServiceError:
    if s3:
        return _error("AccessDenied", "Access Denied", 403)
    return _error(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        403,
        query_code="MissingAuthenticationToken",
    )


# --------------------------------------------------------------------------- time


def _fmt(ts: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


_DAY_EPOCH: dict[str, int] = {}  # "YYYYMMDD" -> epoch seconds at 00:00Z (timegm costs ~1 µs)


def _parse_amz_date(value: str) -> float | None:
    """Epoch seconds of ``YYYYMMDDTHHMMSSZ``; None when malformed."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        return None
    day = value[:8]
    base = _DAY_EPOCH.get(day)
    try:
        if base is None:
            y, m, d = int(day[0:4]), int(day[4:6]), int(day[6:8])
            if not (1 <= m <= 12 and 1 <= d <= 31) or not day.isdigit():
                return None
            base = calendar.timegm((y, m, d, 0, 0, 0, 0, 0, 0))
            if len(_DAY_EPOCH) > 64:
                _DAY_EPOCH.clear()
            _DAY_EPOCH[day] = base
        hh, mm, ss = value[9:11], value[11:13], value[13:15]
        if not (hh.isdigit() and mm.isdigit() and ss.isdigit()):
            return None
        h, mi, se = int(hh), int(mm), int(ss)
    except ValueError:
        return None
    if h > 23 or mi > 59 or se > 60:
        return None
    return base + h * 3600 + mi * 60 + se


def _request_date(headers: dict[str, str]) -> str | None:
    """The signing timestamp: ``X-Amz-Date``, else the ``Date`` header converted."""
    amz = headers.get("x-amz-date")
    if amz:
        return amz.strip()
    date = headers.get("date")
    if date:
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(date).strftime("%Y%m%dT%H%M%SZ")
        except (TypeError, ValueError):
            return None
    return None


# --------------------------------------------------------------------------- verify


def _parse_authorization(value: str, s3: bool) -> tuple[str, str, str]:
    """(credential, signed_headers, signature) from an ``Authorization`` header."""
    rest = value[len(ALGORITHM) :]
    # fast path: what every SDK sends, "Credential=…, SignedHeaders=…, Signature=…"
    parts = rest.split(",")
    if len(parts) == 3:
        c, h, g = parts[0].strip(), parts[1].strip(), parts[2].strip()
        if (
            c[:11] == "Credential="
            and h[:14] == "SignedHeaders="
            and g[:10] == "Signature="
            and len(c) > 11
            and len(h) > 14
            and len(g) > 10
        ):
            return c[11:], h[14:], g[10:]
    fields: dict[str, str] = {}
    for item in parts:
        k, sep, v = item.strip().partition("=")
        if sep:
            fields[k] = v.strip()
    missing = [
        f"Authorization header requires '{n}' parameter."
        for n in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(n)
    ]
    if missing:
        raise _incomplete(s3, " ".join(missing) + f" Authorization={value}")
    return fields["Credential"], fields["SignedHeaders"], fields["Signature"]


def _split_credential(credential: str, s3: bool) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not parts[0]:
        if s3:
            raise _error(
                "AuthorizationHeaderMalformed",
                f'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request". Credential={credential}',
                400,
            )
        raise _incomplete(
            s3,
            f"Credential should be scoped to a valid region, date, service and terminated by 'aws4_request'. Credential={credential}",
        )
    return parts[0], parts[1], parts[2], parts[3]


def verify(
    request, settings, keys: KeyStore, *, service: str | None = None, now: float | None = None
) -> AuthResult:
    """Authenticate ``request``; ServiceError (AWS code/message) when it must be refused.

    ``service`` is the routed service (only used to pick S3-style errors for
    requests without a credential scope); ``now`` overrides the clock (tests).
    """
    headers = request.headers
    authz = headers.get("authorization")
    if authz:
        return _verify_header(request, settings, keys, authz, service, now)
    qs = request.query_string
    if qs:
        if "X-Amz-Credential=" in qs:
            return _verify_presigned(request, settings, keys, service, now)
        if "AWSAccessKeyId=" in qs and "Signature=" in qs:
            from squall.gateway.sigv2 import verify_presigned_v2

            return verify_presigned_v2(request, settings, keys, now)
    if settings.strict_auth and not _is_post_form(request, service):
        raise _missing(service in _S3_SERVICES)
    return AuthResult(None, settings.account_id, settings.region, None)


def _is_post_form(request, service: str | None) -> bool:
    """An S3 browser upload: its signature is in the form (the POST policy), checked by S3."""
    return (service in _S3_SERVICES and request.method == "POST"
            and request.headers.get("content-type", "").startswith("multipart/form-data"))


def check_content_sha256(request, s3: bool) -> None:
    """A hex ``x-amz-content-sha256`` must match the (buffered) body."""
    content_sha = request.headers.get("x-amz-content-sha256")
    if not content_sha or (content_sha == EMPTY_SHA256 and not request.body) or not _HEX64_RE.match(content_sha):
        return
    computed = sha256(request.body).hexdigest()
    if computed != content_sha:
        if s3:
            raise _error(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                400,
                ClientComputedContentSHA256=content_sha,
                S3ComputedContentSHA256=computed,
            )
        raise _mismatch(False)


def _verify_header(request, settings, keys, authz: str, hint: str | None, now: float | None) -> AuthResult:
    headers = request.headers
    s3_hint = hint in _S3_SERVICES
    if not authz.startswith(ALGORITHM + " "):
        # SigV2 ("AWS AK:sig") and other schemes: never verified
        algorithm = authz.split(" ", 1)[0]
        access_key = authz[4:].partition(":")[0].strip() if authz.startswith("AWS ") else None
        if settings.strict_auth or (access_key and keys.lookup(access_key)):
            if s3_hint:
                raise _error("InvalidArgument", "Unsupported Authorization Type", 400)
            raise _error(
                "IncompleteSignatureException",
                f"Unsupported signing algorithm {algorithm!r}; use {ALGORITHM}.",
                400,
                query_code="IncompleteSignature",
            )
        return AuthResult(access_key, settings.account_id, settings.region, None)

    credential, signed_headers, signature = _parse_authorization(authz, s3_hint)
    access_key, date, region, svc = _split_credential(credential, s3_hint)
    s3 = svc in _S3_SERVICES
    found = keys.lookup(access_key)
    if found is None:
        if settings.strict_auth:
            raise _unknown_key(s3, access_key)
        return AuthResult(
            access_key, settings.account_id, region, svc, content_sha256=headers.get("x-amz-content-sha256")
        )
    secret, account = found

    amz_date = _request_date(headers)
    if not amz_date:
        raise _incomplete(
            s3,
            f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authz}",
        )
    ts = _parse_amz_date(amz_date)
    if ts is None:
        raise _incomplete(s3, f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
    if amz_date[:8] != date:
        raise _mismatch_scope_date(s3, date, amz_date)
    current = time.time() if now is None else now
    if abs(current - ts) > MAX_SKEW:
        raise _skew(s3, amz_date, ts, current)

    body = request.body
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha:
        payload_hash = content_sha
        if request.stream is None:  # a streamed body is checked as it is read (gateway/body.py)
            check_content_sha256(request, s3)
    else:  # (the dispatcher buffers a streamed body that carries no x-amz-content-sha256)
        payload_hash = sha256(body).hexdigest() if body else EMPTY_SHA256

    scope = f"{date}/{region}/{svc}/aws4_request"
    key = signing_key(secret, date, region, svc)
    uri = canonical_uri(request.path, s3)
    query = canonical_query(request.query_string)
    method = request.method.upper()
    creq = canonical_request(method, uri, query, headers, signed_headers, payload_hash)
    sts = string_to_sign(amz_date, scope, creq)
    expected = hmac.digest(key, sts.encode(), "sha256").hex()
    if not hmac.compare_digest(expected, signature) and not _alternatives_match(
        request, s3, False, uri, query, headers, signed_headers, payload_hash, amz_date, scope, key, signature
    ):
        log.debug("signature mismatch for %s; canonical request:\n%s", access_key, creq)
        raise _mismatch(s3, access_key, sts, creq, signature)
    return AuthResult(
        access_key, account, region, svc, True, key, signature, scope, amz_date, content_sha, False
    )


def _alternatives_match(
    request, s3, presigned, uri, query, headers, signed_headers, payload_hash, amz_date, scope, key, signature
) -> bool:
    """Other canonical forms some clients sign (tried only after a mismatch)."""
    qs = request.query_string
    candidates = set()
    if qs:
        candidates.add((uri, _literal_query(qs, presigned)))
    if s3 and request.path:
        alt_uri = quote(unquote_to_bytes(request.path), safe="/~")
        candidates.add((alt_uri, query))
        if qs:
            candidates.add((alt_uri, _literal_query(qs, presigned)))
    candidates.discard((uri, query))
    method = request.method.upper()
    for u, q in candidates:
        creq = canonical_request(method, u, q, headers, signed_headers, payload_hash)
        expected = hmac.digest(key, string_to_sign(amz_date, scope, creq).encode(), "sha256").hex()
        if hmac.compare_digest(expected, signature):
            return True
    return False


def _mismatch_scope_date(s3: bool, date: str, amz_date: str) -> ServiceError:
    if s3:
        return _error(
            "AuthorizationHeaderMalformed",
            f'The authorization header is malformed; Invalid credential date "{date}". This date is not the same as X-Amz-Date: "{amz_date[:8]}".',
            400,
        )
    return _error(
        "InvalidSignatureException",
        f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{amz_date[:8]}', from '{amz_date}'.",
        403,
        query_code="SignatureDoesNotMatch",
    )


def _skew(s3: bool, amz_date: str, ts: float, now: float) -> ServiceError:
    if s3:
        return _error(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            403,
            RequestTime=amz_date,
            ServerTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            MaxAllowedSkewMilliseconds="900000",
        )
    if ts < now:
        msg = f"Signature expired: {amz_date} is now earlier than {_fmt(now - MAX_SKEW)} ({_fmt(now)} - 15 min.)"
    else:
        msg = f"Signature not yet current: {amz_date} is still later than {_fmt(now + MAX_SKEW)} ({_fmt(now)} + 15 min.)"
    return _error("InvalidSignatureException", msg, 403, query_code="SignatureDoesNotMatch")


def _verify_presigned(request, settings, keys, hint: str | None, now: float | None) -> AuthResult:
    q, query = _presigned_query(request.query_string)
    one = q.get

    credential = one("X-Amz-Credential") or ""
    s3 = hint in _S3_SERVICES or credential.split("/")[3:4] in (
        ["s3"],
        ["s3-object-lambda"],
        ["s3-outposts"],
        ["s3express"],
    )

    def malformed(message: str) -> ServiceError:
        if s3:
            return _error("AuthorizationQueryParametersError", message, 400)
        return _error("IncompleteSignatureException", message, 400, query_code="IncompleteSignature")

    algorithm = one("X-Amz-Algorithm")
    if algorithm != ALGORITHM:
        raise malformed(
            'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
            if algorithm
            else "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    access_key, date, region, svc = _split_credential(credential, s3)
    s3 = svc in _S3_SERVICES
    found = keys.lookup(access_key)
    if found is None:
        if settings.strict_auth:
            raise _unknown_key(s3, access_key)
        return AuthResult(access_key, settings.account_id, region, svc, presigned=True)
    secret, account = found

    amz_date = one("X-Amz-Date")
    signature = one("X-Amz-Signature")
    signed_headers = one("X-Amz-SignedHeaders")
    expires_s = one("X-Amz-Expires")
    if not (amz_date and signature and signed_headers and expires_s):
        raise malformed(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    ts = _parse_amz_date(amz_date)
    if ts is None:
        raise malformed(
            f"X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"; got {amz_date!r}"
        )
    try:
        expires = int(expires_s)
    except ValueError:
        raise malformed("X-Amz-Expires should be a number") from None
    if expires < 0:
        raise malformed("X-Amz-Expires must be non-negative")
    if expires > MAX_PRESIGN_EXPIRES:
        raise malformed("X-Amz-Expires must be less than a week (in seconds) that is 604800")
    if amz_date[:8] != date:
        raise _mismatch_scope_date(s3, date, amz_date)
    current = time.time() if now is None else now
    if current > ts + expires:
        raise _error(
            "AccessDenied",
            "Request has expired",
            403,
            **(
                {"X-Amz-Expires": expires_s, "Expires": _iso(ts + expires), "ServerTime": _iso(current)}
                if s3
                else {}
            ),
        )
    if ts - current > MAX_SKEW:
        raise _error("AccessDenied", "Request is not valid yet", 403)

    headers = request.headers
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha:
        payload_hash = content_sha
    elif s3:
        payload_hash = one("X-Amz-Content-Sha256") or UNSIGNED_PAYLOAD
    else:
        payload_hash = sha256(request.body).hexdigest()

    scope = f"{date}/{region}/{svc}/aws4_request"
    key = signing_key(secret, date, region, svc)
    uri = canonical_uri(request.path, s3)
    creq = canonical_request(request.method.upper(), uri, query, headers, signed_headers, payload_hash)
    sts = string_to_sign(amz_date, scope, creq)
    expected = hmac.digest(key, sts.encode(), "sha256").hex()
    if not hmac.compare_digest(expected, signature) and not _alternatives_match(
        request, s3, True, uri, query, headers, signed_headers, payload_hash, amz_date, scope, key, signature
    ):
        log.debug("presigned signature mismatch for %s; canonical request:\n%s", access_key, creq)
        raise _mismatch(s3, access_key, sts, creq, signature)
    return AuthResult(
        access_key, account, region, svc, True, key, signature, scope, amz_date, content_sha, True
    )


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

