"""squall.apigw.jwt in process, against an issuer on loopback: signatures (RS256, ES256), claims,
scopes, the JWKS cache and the claims handed to integrations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from squall.apigw import jwt
from tests.apigw.jwks import Issuer


class Runtime:
    def __init__(self) -> None:
        self.state: dict[str, Any] = {}


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


def validate(rt: Runtime, issuer: Issuer, token: str, audiences: list[str] | None = None,
             scopes: list[str] | None = None) -> tuple[dict, list[str] | None]:
    return asyncio.run(jwt.validate(rt, token, issuer.url, audiences or ["my-app"], scopes))


def rejected(rt: Runtime, issuer: Issuer, token: str, **kw: Any) -> jwt.JwtRejected:
    with pytest.raises(jwt.JwtRejected) as exc:
        validate(rt, issuer, token, **kw)
    return exc.value


def test_valid_tokens(issuer):
    rt = Runtime()
    claims, scopes = validate(rt, issuer, "Bearer " + issuer.token(custom="x"))
    assert claims["custom"] == "x" and claims["iss"] == issuer.url and scopes is None
    claims, _ = validate(rt, issuer, issuer.token(alg="ES256", kid="ec-1"))
    assert claims["sub"] == "user-1"
    claims, _ = validate(rt, issuer, issuer.token(aud=["x", "my-app"]))
    assert claims["aud"] == ["x", "my-app"]


def test_invalid_tokens_are_401_with_a_reason(issuer):
    rt = Runtime()
    cases = {
        "expired": issuer.token(lifetime=-1),
        "audience": issuer.token(aud="nope"),
        "issuer": issuer.token(iss="https://other.example"),
        "signature": issuer.token(key=issuer.other_rsa),
        "key id": issuer.token(kid="unknown"),
        "not valid yet": issuer.token(nbf=int(time.time()) + 100),
        "issued in the future": issuer.token(iat=int(time.time()) + 100),
        "algorithm": issuer.token(alg="HS256"),
        "not a valid JWT": "abc.def",
        "missing": "",
    }
    for reason, token in cases.items():
        err = rejected(rt, issuer, token)
        assert err.status == 401 and reason in err.description, reason
        assert err.www_authenticate.startswith('Bearer scope="" error="invalid_token" error_description="')


def test_scopes(issuer):
    rt = Runtime()
    _, scopes = validate(rt, issuer, issuer.token(scope="a b"), scopes=["b", "c"])
    assert scopes == ["a", "b"]
    _, scopes = validate(rt, issuer, issuer.token(scp=["c"]), scopes=["b", "c"])
    assert scopes == ["c"]
    err = rejected(rt, issuer, issuer.token(scope="a"), scopes=["b", "c"])
    assert err.status == 403
    assert err.www_authenticate == ('Bearer scope="b c" error="insufficient_scope" '
                                    'error_description="expected scopes: [b c]"')


def test_keys_are_fetched_once_and_again_for_an_unknown_kid(issuer, monkeypatch):
    rt = Runtime()
    before = issuer.fetches

    async def many() -> None:
        await asyncio.gather(*(jwt.validate(rt, issuer.token(n=i), issuer.url, ["my-app"]) for i in range(20)))

    asyncio.run(many())
    assert issuer.fetches == before + 1  # one fetch for twenty concurrent first tokens
    rejected(rt, issuer, issuer.token(kid="rotated"))
    assert issuer.fetches == before + 1  # refetched at most every REFETCH_INTERVAL
    monkeypatch.setattr(jwt, "REFETCH_INTERVAL", 0.0)
    rejected(rt, issuer, issuer.token(kid="rotated"))
    assert issuer.fetches == before + 2


def test_an_unreachable_issuer_rejects():
    offline = Issuer()  # never started: nothing listens at its URL
    offline.url = "http://127.0.0.1:9"
    err = rejected(Runtime(), offline, offline.token())
    assert err.status == 401 and "could not be retrieved" in err.description


def test_claims_as_integrations_see_them():
    context = jwt.request_context({"sub": "u", "n": 3, "ok": True, "groups": ["a", "b"], "obj": {"k": 1}}, ["s"])
    assert context == {"jwt": {"claims": {"sub": "u", "n": "3", "ok": "true", "groups": "[a b]", "obj": '{"k":1}'},
                               "scopes": ["s"]}}
    assert jwt.token_from("bearer abc ") == "abc" and jwt.token_from("abc") == "abc"
