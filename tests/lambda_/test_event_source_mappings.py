"""Event source mappings (SQS) through the wire: CRUD, states, validation."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def queue_arn(sqs, fifo: bool = False) -> str:
    name = unique("q") + (".fifo" if fifo else "")
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def settled(lam, uid: str, state: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        got = lam.get_event_source_mapping(UUID=uid)
        if got["State"] == state or time.monotonic() > deadline:
            assert got["State"] == state
            return got
        time.sleep(0.05)


@pytest.fixture
def mappings(lam):
    made: list[str] = []
    yield made
    for uid in made:
        try:
            lam.delete_event_source_mapping(UUID=uid)
        except ClientError:
            pass


def test_mapping_lifecycle(lam, sqs, make_function, mappings):
    name = make_function()["FunctionName"]
    source = queue_arn(sqs)
    created = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source, BatchSize=50,
                                              MaximumBatchingWindowInSeconds=2,
                                              FunctionResponseTypes=["ReportBatchItemFailures"],
                                              ScalingConfig={"MaximumConcurrency": 5},
                                              FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]})
    uid = created["UUID"]
    mappings.append(uid)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["State"] == "Creating" and created["StateTransitionReason"] == "USER_INITIATED"
    assert created["FunctionArn"] == ARN + name and created["EventSourceArn"] == source
    assert created["BatchSize"] == 50 and created["MaximumBatchingWindowInSeconds"] == 2
    assert created["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uid}"
    assert created["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]}
    assert created["ScalingConfig"] == {"MaximumConcurrency": 5} and created["LastModified"]
    settled(lam, uid, "Enabled")
    assert [m["UUID"] for m in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]] == [uid]
    assert [m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=source)["EventSourceMappings"]] == [uid]
    disabled = lam.update_event_source_mapping(UUID=uid, Enabled=False)
    assert disabled["State"] == "Disabling"
    settled(lam, uid, "Disabled")
    changed = lam.update_event_source_mapping(UUID=uid, BatchSize=5, FilterCriteria={})
    assert changed["State"] == "Updating" and changed["BatchSize"] == 5 and "FilterCriteria" not in changed
    assert settled(lam, uid, "Disabled")["BatchSize"] == 5
    lam.update_event_source_mapping(UUID=uid, Enabled=True)
    settled(lam, uid, "Enabled")
    deleted = lam.delete_event_source_mapping(UUID=uid)
    assert deleted["State"] == "Deleting" and deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as exc:
        lam.get_event_source_mapping(UUID=uid)
    assert error_of(exc.value) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")


def test_mapping_qualified_function_and_tags(lam, sqs, make_function, mappings):
    name = make_function(Publish=True)["FunctionName"]
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    made = lam.create_event_source_mapping(FunctionName=f"{name}:1", EventSourceArn=queue_arn(sqs),
                                           Enabled=False, Tags={"k": "v"})
    mappings.append(made["UUID"])
    assert made["FunctionArn"] == f"{ARN}{name}:1" and made["BatchSize"] == 10
    settled(lam, made["UUID"], "Disabled")
    assert lam.list_tags(Resource=made["EventSourceMappingArn"])["Tags"] == {"k": "v"}
    assert [m["UUID"] for m in lam.list_event_source_mappings(FunctionName=f"{name}:1")["EventSourceMappings"]] == \
        [made["UUID"]]


def test_mapping_validation(lam, sqs, make_function, mappings):
    name = make_function()["FunctionName"]
    source, fifo = queue_arn(sqs), queue_arn(sqs, fifo=True)
    cases = [
        ({"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:missing"}, "InvalidParameterValueException",
         "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue."),
        ({"EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/s"}, "InvalidParameterValueException",
         "squall does not support Kinesis and DynamoDB stream event sources yet"),
        ({"EventSourceArn": "arn:aws:iam::000000000000:role/x"}, "InvalidParameterValueException",
         "Unrecognized event source."),
        ({"EventSourceArn": source, "FunctionName": "missing-fn"}, "InvalidParameterValueException",
         "Function does not exist"),
        ({"EventSourceArn": source, "BatchSize": 11}, "InvalidParameterValueException",
         "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
        ({"EventSourceArn": source, "BatchSize": 10001, "MaximumBatchingWindowInSeconds": 1}, "ValidationException", None),
        ({"EventSourceArn": source, "MaximumBatchingWindowInSeconds": 301}, "ValidationException", None),
        ({"EventSourceArn": fifo, "BatchSize": 11, "MaximumBatchingWindowInSeconds": 1}, "InvalidParameterValueException",
         None),
        ({"EventSourceArn": source, "ScalingConfig": {"MaximumConcurrency": 1001}}, "ValidationException", None),
        ({"EventSourceArn": source, "FunctionResponseTypes": ["Nope"]}, "ValidationException", None),
        ({"EventSourceArn": source, "FilterCriteria": {"Filters": [{"Pattern": "not json"}]}},
         "InvalidParameterValueException", "Invalid filter pattern definition."),
        ({"EventSourceArn": source, "DestinationConfig": {"OnFailure": {"Destination": source}}},
         "InvalidParameterValueException",
         "Unsupported DestinationConfig parameter for given event source mapping type."),
        ({"EventSourceArn": source, "StartingPosition": "LATEST"}, "InvalidParameterValueException", None),
    ]
    for kw, code, message in cases:
        with pytest.raises(ClientError) as exc:
            lam.create_event_source_mapping(**{"FunctionName": name, **kw})
        got = error_of(exc.value)
        assert got[1] == code and (message is None or got[2].startswith(message)), (kw, got)
    first = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source)
    mappings.append(first["UUID"])
    with pytest.raises(ClientError) as exc:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source)
    assert error_of(exc.value)[:2] == (409, "ResourceConflictException")
    with pytest.raises(ClientError) as exc:
        lam.update_event_source_mapping(UUID=first["UUID"], BatchSize=100)
    assert error_of(exc.value)[1] == "InvalidParameterValueException"
    for call in (lam.get_event_source_mapping, lam.delete_event_source_mapping):
        with pytest.raises(ClientError) as exc:
            call(UUID="00000000-0000-0000-0000-000000000000")
        assert error_of(exc.value)[:2] == (404, "ResourceNotFoundException")
