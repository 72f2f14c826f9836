"""An OpenID issuer on loopback for JWT authorizer tests: RSA and EC keys made with ``cryptography``,
``/.well-known/openid-configuration`` and ``/jwks`` served by a tiny threading HTTP server, and
tokens signed with those keys."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Issuer:
    """Keys, the JWKS document and token minting; ``start()`` serves them on loopback."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not published
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.url = ""
        self.fetches = 0
        self._server: ThreadingHTTPServer | None = None

    def jwks(self) -> dict[str, Any]:
        n = self.rsa.public_key().public_numbers()
        e = self.ec.public_key().public_numbers()
        return {"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": _int(n.n), "e": _int(n.e)},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
             "x": b64url(e.x.to_bytes(32, "big")), "y": b64url(e.y.to_bytes(32, "big"))},
        ]}

    def token(self, *, alg: str = "RS256", kid: str = "rsa-1", key: Any = None, lifetime: float = 300,
              **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": "my-app", "sub": "user-1", "iat": now, "exp": now + lifetime, **claims}
        body = {k: v for k, v in body.items() if v is not None}
        head = b64url(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        payload = b64url(json.dumps(body).encode())
        signed = f"{head}.{payload}".encode()
        if alg == "RS256":
            sig = (key or self.rsa).sign(signed, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature((key or self.ec).sign(signed, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = b"x"
        return f"{head}.{payload}.{b64url(sig)}"

    def start(self) -> Issuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    doc = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}
                elif self.path == "/jwks":
                    issuer.fetches += 1
                    doc = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                out = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
