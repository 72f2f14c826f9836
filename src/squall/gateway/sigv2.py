"""S3's SigV2 presigned URLs (``AWSAccessKeyId`` / ``Signature`` / ``Expires``).

boto3's S3 ``generate_presigned_url`` still defaults to SigV2 query auth
unless ``signature_version="s3v4"`` is set, so squall must verify them too.
"""

from __future__ import annotations

import hmac
import time

from squall.gateway.auth import AuthResult, _error, _iso, _mismatch, _unknown_key


def _v2_resources() -> frozenset[str]:
    from botocore.auth import HmacV1Auth

    return frozenset(HmacV1Auth.QSAOfInterest)


_V2_RESOURCES: frozenset[str] | None = None


def _v2_canonical_resource(path: str, qs: str) -> str:
    global _V2_RESOURCES
    if _V2_RESOURCES is None:
        _V2_RESOURCES = _v2_resources()
    from urllib.parse import unquote

    sub = []
    for part in qs.split("&"):
        k, sep, v = part.partition("=")
        if k in _V2_RESOURCES:
            sub.append((k, f"{k}={unquote(v)}" if sep else k))
    if sub:
        sub.sort(key=lambda kv: kv[0])
        return path + "?" + "&".join(x for _, x in sub)
    return path


def verify_presigned_v2(request, settings, keys, now: float | None) -> AuthResult:
    import base64

    q = request.query
    access_key = (q.get("AWSAccessKeyId") or [""])[0]
    signature = (q.get("Signature") or [""])[0]
    expires_s = (q.get("Expires") or [""])[0]
    found = keys.lookup(access_key)
    if found is None:
        if settings.strict_auth:
            raise _unknown_key(True, access_key)
        return AuthResult(access_key or None, settings.account_id, settings.region, "s3", presigned=True)
    secret, account = found
    try:
        expires = int(expires_s)
    except ValueError:
        raise _error(
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
            403,
        ) from None
    current = time.time() if now is None else now
    if current > expires:
        raise _error(
            "AccessDenied", "Request has expired", 403, Expires=_iso(expires), ServerTime=_iso(current)
        )
    h = request.headers
    amz = sorted(
        (k, ",".join(x.strip() for x in v.split(","))) for k, v in h.items() if k.startswith("x-amz-")
    )
    custom = "".join(f"{k}:{v}\n" for k, v in amz)
    head = f"{request.method.upper()}\n{h.get('content-md5', '')}\n{h.get('content-type', '')}\n{expires_s}\n{custom}"
    paths = [request.path or "/"]
    host = request.host.partition(":")[0]
    i = host.find(".s3.")
    if i < 0 and host.endswith(".localhost"):
        i = len(host) - len(".localhost")
    if i > 0:  # virtual-hosted bucket: the resource still starts with /bucket
        paths.append("/" + host[:i] + (request.path or "/"))
    for path in paths:
        sts = head + _v2_canonical_resource(path, request.query_string)
        expected = base64.b64encode(hmac.digest(secret.encode(), sts.encode(), "sha1")).decode()
        if hmac.compare_digest(expected, signature):
            return AuthResult(
                access_key, account, settings.region, "s3", True, None, signature, None, None, None, True
            )
    raise _mismatch(True, access_key, sts, "", signature)
