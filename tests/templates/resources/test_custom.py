"""Custom resources: a real inline function (with cfnresponse) answers through the response URL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from squall.templates.api import ResourceFailed
from squall.templates.resources.custom import RESPONSE_PREFIX, as_strings, receive_response

PROVIDER = '''import json
import cfnresponse


def handler(event, context):
    props = event["ResourceProperties"]
    kind = event["RequestType"]
    if props.get("Mode") == "silent":
        return
    if props.get("Mode") == "fail" or (kind == "Delete" and props.get("FailDelete") == "true"):
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, event.get("PhysicalResourceId"),
                         reason="asked to fail")
        return
    data = {"Kind": kind, "Type": event["ResourceType"], "Seen": json.dumps(props, sort_keys=True),
            "Old": json.dumps(event.get("OldResourceProperties"), sort_keys=True)}
    physical_id = props.get("NewId") or event.get("PhysicalResourceId") or "res-" + props["Name"]
    cfnresponse.send(event, context, cfnresponse.SUCCESS, data, physical_id)
'''


@pytest.fixture(scope="module", autouse=True)
def response_route() -> Iterator[None]:
    """The response URL is mounted by the server (the cloudformation service); mount it here
    when no service does yet."""
    from squall.services.registry import get_service, service_names

    services = [get_service(name) for name in service_names()]
    if any(RESPONSE_PREFIX in (s.internal_routes if s else {}) for s in services):
        yield
        return
    routes = get_service("lambda").internal_routes
    routes[RESPONSE_PREFIX] = receive_response  # type: ignore[index]
    yield
    routes.pop(RESPONSE_PREFIX, None)  # type: ignore[attr-defined]


@pytest.fixture
def token(provision) -> str:
    made = provision("AWS::Lambda::Function", {"Runtime": "python3.12", "Handler": "index.handler",
                                               "Role": "arn:aws:iam::000000000000:role/r", "Timeout": 10,
                                               "Code": {"ZipFile": PROVIDER}}, logical_id="Provider")
    return made.attributes["Arn"]


def test_properties_are_sent_as_strings():
    assert as_strings({"n": 3, "f": 1.5, "b": True, "l": [1, False, {"x": 0}], "s": "t", "z": None}) == \
        {"n": "3", "f": "1.5", "b": "true", "l": ["1", "false", {"x": "0"}], "s": "t", "z": None}


def test_create_update_delete(provision, token):
    props: dict[str, Any] = {"ServiceToken": token, "Name": "x", "Count": 3, "Flag": True, "Nested": {"L": [1, False]}}
    made = provision("Custom::Thing", props, logical_id="Thing")
    assert made.ref_value == "res-x"
    assert made.attributes["Kind"] == "Create"
    assert json.loads(made.attributes["Seen"]) == {"ServiceToken": token, "Name": "x", "Count": "3", "Flag": "true",
                                                   "Nested": {"L": ["1", "false"]}}
    updated = provision.update("Thing", {**props, "Count": 4})
    assert (updated.ref_value, updated.attributes["Kind"]) == ("res-x", "Update")
    assert json.loads(updated.attributes["Old"])["Count"] == "3"
    assert json.loads(updated.attributes["Seen"])["Count"] == "4"
    replaced = provision.update("Thing", {**props, "NewId": "res-y"})
    assert replaced.ref_value == "res-y"
    provision.delete("Thing")


def test_failures(provision, token):
    with pytest.raises(ResourceFailed, match=r"Received response status \[FAILED\].*asked to fail"):
        provision("AWS::CloudFormation::CustomResource", {"ServiceToken": token, "Mode": "fail"})
    started = time.monotonic()
    with pytest.raises(ResourceFailed, match="did not receive a response"):
        provision("AWS::CloudFormation::CustomResource", {"ServiceToken": token, "Mode": "silent",
                                                          "ServiceTimeout": "1"})
    assert time.monotonic() - started < 5
    with pytest.raises(ResourceFailed, match="Lambda function"):
        provision("AWS::CloudFormation::CustomResource",
                  {"ServiceToken": "arn:aws:sns:us-east-1:000000000000:topic"})


def test_failed_delete_and_service_token_change(provision, token):
    props = {"ServiceToken": token, "Name": "d", "FailDelete": "true"}
    provision("Custom::Sticky", props, logical_id="Sticky")
    with pytest.raises(ResourceFailed, match="Modifying service token is not allowed"):
        provision.update("Sticky", {**props, "ServiceToken": token + ":live"})
    with pytest.raises(ResourceFailed, match="asked to fail"):
        provision.delete("Sticky")


def test_response_route_answers(squall_server):
    url = f"{squall_server.endpoint}{RESPONSE_PREFIX}unknown-token"
    for method, status in (("PUT", 404), ("GET", 405)):
        request = urllib.request.Request(url, data=b"{}" if method == "PUT" else None, method=method)
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=5)
        assert failed.value.code == status
