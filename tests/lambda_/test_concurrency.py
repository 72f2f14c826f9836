"""Reserved concurrency and account settings through the wire."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def test_reserved_concurrency_lifecycle(lam, make_function):
    name = make_function()["FunctionName"]
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    before = lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
    put = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    assert put["ReservedConcurrentExecutions"] == 5
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == before - 5
    assert lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)[
        "ReservedConcurrentExecutions"] == 0
    lam.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == before


def test_reserved_concurrency_limits(lam, make_function):
    name = make_function()["FunctionName"]
    limit = lam.get_account_settings()["AccountLimit"]
    too_many = limit["UnreservedConcurrentExecutions"] - 99
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=too_many)
    assert error_of(exc.value) == (400, "InvalidParameterValueException",
                                   ("Specified ReservedConcurrentExecutions for function decreases account's "
                                    "UnreservedConcurrentExecution below its minimum value of [100]."))
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName=f"{name}:1", ReservedConcurrentExecutions=1)
    assert error_of(exc.value)[2].startswith("This operation is permitted on Lambda functions only.")
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName="missing-fn", ReservedConcurrentExecutions=1)
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}missing-fn:$LATEST")
    with pytest.raises(ClientError) as exc:
        lam.get_function_concurrency(FunctionName="missing-fn")
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}missing-fn")


def test_account_settings(lam, make_function):
    settings = lam.get_account_settings()
    limit, usage = settings["AccountLimit"], settings["AccountUsage"]
    assert limit["ConcurrentExecutions"] == 1000 and limit["CodeSizeZipped"] == 52428800
    assert limit["CodeSizeUnzipped"] == 262144000 and limit["TotalCodeSize"] == 80530636800
    made = make_function()
    after = lam.get_account_settings()["AccountUsage"]
    assert after["FunctionCount"] == usage["FunctionCount"] + 1
    assert after["TotalCodeSize"] == usage["TotalCodeSize"] + made["CodeSize"]
