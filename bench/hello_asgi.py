"""The benchmark's hello-world handler in a plain ASGI app (no framework) — the practical ceiling
for serving it from one Python process: ``uvicorn hello_asgi:app --loop uvloop --http httptools``.

The handler is the one ``bench/apigw.py`` deploys to squall and serves with ``chalice local``:
it returns ``{"statusCode": 200, "body": "hello"}``; the app turns that into the HTTP response.
"""

from __future__ import annotations


def handler(event, context):
    return {"statusCode": 200, "body": "hello"}


async def app(scope, receive, send):
    if scope["type"] != "http":  # lifespan: nothing to start
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
        if message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
        return
    event = {"rawPath": scope["path"], "requestContext": {"http": {"method": scope["method"]}}}
    result = handler(event, None)
    body = result["body"].encode()
    await send({"type": "http.response.start", "status": result["statusCode"],
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})
