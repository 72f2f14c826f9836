"""Function event invoke configs (async retries, event age, destinations) through the wire."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
QUEUE = "arn:aws:sqs:us-east-1:000000000000:destination"


def test_event_invoke_config_lifecycle(lam, make_function):
    name = make_function(Publish=True)["FunctionName"]
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    put = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1,
                                               DestinationConfig={"OnFailure": {"Destination": QUEUE}})
    assert put["FunctionArn"] == f"{ARN}{name}:$LATEST" and put["MaximumRetryAttempts"] == 1
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": QUEUE}}
    assert "MaximumEventAgeInSeconds" not in put and put["LastModified"]
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=120)
    assert updated["MaximumRetryAttempts"] == 1 and updated["MaximumEventAgeInSeconds"] == 120
    assert updated["DestinationConfig"]["OnFailure"] == {"Destination": QUEUE}
    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    assert "MaximumRetryAttempts" not in replaced and replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="1", MaximumRetryAttempts=0)
    got = lam.get_function_event_invoke_config(FunctionName=f"{name}:1")
    assert got["FunctionArn"] == f"{ARN}{name}:1" and got["MaximumRetryAttempts"] == 0
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}{name}:$LATEST", f"{ARN}{name}:1"]
    lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as exc:
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="1")
    assert error_of(exc.value) == (404, "ResourceNotFoundException",
                                   f"The function {ARN}{name}:1 doesn't have an EventInvokeConfig")
    with pytest.raises(ClientError) as exc:
        lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    assert error_of(exc.value)[:2] == (404, "ResourceNotFoundException")


def test_event_invoke_config_errors(lam, make_function):
    name = make_function()["FunctionName"]
    other = make_function()["FunctionName"]
    ok = lam.put_function_event_invoke_config(FunctionName=name,
                                              DestinationConfig={"OnSuccess": {"Destination": ARN + other}})
    assert ok["DestinationConfig"]["OnSuccess"] == {"Destination": ARN + other}
    cases = [
        ({"FunctionName": "missing-fn", "MaximumRetryAttempts": 1}, 404, "ResourceNotFoundException",
         "The function doesn't exist."),
        ({"FunctionName": name}, 400, "InvalidParameterValueException",
         "You must specify at least one of error handling or destination setting."),
        ({"FunctionName": name, "MaximumRetryAttempts": 3}, 400, "ValidationException", None),
        ({"FunctionName": name, "MaximumEventAgeInSeconds": 30000}, 400, "ValidationException", None),
        ({"FunctionName": name, "DestinationConfig": {"OnSuccess": {"Destination": ARN + name}}}, 400,
         "InvalidParameterValueException", "You can't specify the function as a destination for itself."),
        ({"FunctionName": name, "DestinationConfig": {"OnSuccess": {"Destination": ARN + "missing-fn"}}}, 400,
         "InvalidParameterValueException", f"The destination ARN {ARN}missing-fn is invalid."),
        ({"FunctionName": name, "DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}}, 400,
         "InvalidParameterValueException", None),
        ({"FunctionName": name, "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:iam::000000000000:role/x"}}},
         400, "InvalidParameterValueException", None),
        ({"FunctionName": f"{name}:1", "Qualifier": "2", "MaximumRetryAttempts": 1}, 400, "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
    ]
    for kw, status, code, message in cases:
        with pytest.raises(ClientError) as exc:
            lam.put_function_event_invoke_config(**kw)
        got = error_of(exc.value)
        assert got[:2] == (status, code) and (message is None or got[2] == message), (kw, got)
    on_failure_s3 = lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})
    assert on_failure_s3["DestinationConfig"]["OnFailure"] == {"Destination": "arn:aws:s3:::bucket"}
    with pytest.raises(ClientError) as exc:
        lam.update_function_event_invoke_config(FunctionName=other, MaximumRetryAttempts=1)
    assert error_of(exc.value)[2] == f"The function {ARN}{other}:$LATEST doesn't have an EventInvokeConfig"
    with pytest.raises(ClientError) as exc:
        lam.list_function_event_invoke_configs(FunctionName="missing-fn")
    assert error_of(exc.value)[2] == "The function doesn't exist."
