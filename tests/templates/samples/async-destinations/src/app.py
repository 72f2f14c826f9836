"""{"id", "n"} → {"id", "doubled": 2n}; {"id", "fail": true} raises (→ the OnFailure destination)."""


class AskedToFail(Exception):
    pass


def handler(event, context):
    if event.get("fail"):
        raise AskedToFail(f"asked to fail: {event['id']}")
    return {"id": event["id"], "doubled": event["n"] * 2}
