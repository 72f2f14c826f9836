"""Bucket notification configurations through the wire: storage and read-back, S3's
validation (events, filter rules, overlaps, destinations) and the s3:TestEvent a saved
configuration sends its queues."""

from __future__ import annotations

import json
import re
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status, unique

MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"
OVERLAP = "Configurations overlap. Configurations on the same bucket cannot share a common event type."
AMBIGUOUS = ("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes "
             "are overlapping for the same event type.")
TOPIC = "arn:aws:sns:us-east-1:000000000000:some-topic"
FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:some-function"


@pytest.fixture(scope="session")
def loose(aws_client):
    return aws_client("s3", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


@pytest.fixture
def queue(aws_client):
    """``queue() -> (url, arn)``: a fresh SQS queue."""
    sqs = aws_client("sqs")
    made: list[str] = []

    def make() -> tuple[str, str]:
        url = sqs.create_queue(QueueName=unique("notif"))["QueueUrl"]
        made.append(url)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    yield make
    for url in made:
        sqs.delete_queue(QueueUrl=url)


def error(exc: pytest.ExceptionInfo[ClientError]) -> dict:
    return exc.value.response["Error"]


def put(s3, bucket: str, **config) -> dict:
    return s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)


def drain(sqs, url: str, want: int, timeout: float = 10.0) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_configuration_round_trip(s3, make_bucket, queue):
    b = make_bucket()
    assert {k: v for k, v in s3.get_bucket_notification_configuration(Bucket=b).items()
            if k != "ResponseMetadata"} == {}
    _, arn = queue()
    put(s3, b, QueueConfigurations=[
        {"Id": "images", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"},
                                            {"Name": "SUFFIX", "Value": ".jpg"}]}}},
        {"QueueArn": arn, "Events": ["s3:ObjectTagging:*"]},
    ], TopicConfigurations=[{"Id": "t", "TopicArn": TOPIC, "Events": ["s3:ObjectRestore:*"]}],
        LambdaFunctionConfigurations=[{"Id": "f", "LambdaFunctionArn": FUNCTION,
                                       "Events": ["s3:LifecycleExpiration:*", "s3:ObjectAcl:Put"]}],
        EventBridgeConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket=b)
    first, second = got["QueueConfigurations"]
    assert first == {"Id": "images", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                     "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "images/"},
                                                        {"Name": "Suffix", "Value": ".jpg"}]}}}
    assert second["Id"] and second["Events"] == ["s3:ObjectTagging:*"]  # an Id is generated
    assert got["TopicConfigurations"] == [{"Id": "t", "TopicArn": TOPIC, "Events": ["s3:ObjectRestore:*"]}]
    assert got["LambdaFunctionConfigurations"] == [
        {"Id": "f", "LambdaFunctionArn": FUNCTION, "Events": ["s3:LifecycleExpiration:*", "s3:ObjectAcl:Put"]}]
    assert got["EventBridgeConfiguration"] == {}
    # the legacy read names one configuration of each kind
    legacy = s3.get_bucket_notification(Bucket=b)
    assert legacy["QueueConfiguration"]["Queue"] == arn and legacy["QueueConfiguration"]["Id"] == "images"
    assert legacy["TopicConfiguration"]["Topic"] == TOPIC
    assert legacy["CloudFunctionConfiguration"]["CloudFunction"] == FUNCTION
    # an empty configuration turns notifications off
    put(s3, b)
    got = s3.get_bucket_notification_configuration(Bucket=b)
    assert not any(k in got for k in ("QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations",
                                      "EventBridgeConfiguration"))


def test_eventbridge_only(s3, make_bucket):
    b = make_bucket()
    put(s3, b, EventBridgeConfiguration={})
    assert s3.get_bucket_notification_configuration(Bucket=b)["EventBridgeConfiguration"] == {}


def test_unknown_event(s3, loose, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        put(loose, b, TopicConfigurations=[{"TopicArn": TOPIC, "Events": ["s3:ObjectCreated:Nope"]}])
    assert error(exc)["Code"] == "InvalidArgument"
    assert error(exc)["Message"] == "The event is not supported for notifications" and status(exc) == 400
    with pytest.raises(ClientError) as exc:
        put(loose, b, TopicConfigurations=[{"TopicArn": TOPIC, "Events": []}])
    assert error(exc) == {"Code": "MalformedXML", "Message": MALFORMED}


@pytest.mark.parametrize("rules, expected", [
    ([{"Name": "INVALID", "Value": "x"}],
     {"Code": "InvalidArgument", "Message": "filter rule name must be either prefix or suffix",
      "ArgumentName": "FilterRule.Name", "ArgumentValue": "INVALID"}),
    ([{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}],
     {"Code": "InvalidArgument", "Message": "Cannot specify more than one prefix rule in a filter.",
      "ArgumentName": "FilterRule.Name", "ArgumentValue": "Prefix"}),
    ([{"Name": "suffix", "Value": "a"}, {"Name": "suffix", "Value": "b"}],
     {"Code": "InvalidArgument", "Message": "Cannot specify more than one suffix rule in a filter.",
      "ArgumentName": "FilterRule.Name", "ArgumentValue": "suffix"}),
    ([{}], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"Name": "prefix"}], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"Value": "x"}], {"Code": "MalformedXML", "Message": MALFORMED}),
])
def test_filter_rule_validation(loose, make_bucket, rules, expected):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        put(loose, b, TopicConfigurations=[{"TopicArn": TOPIC, "Events": ["s3:ObjectCreated:*"],
                                            "Filter": {"Key": {"FilterRules": rules}}}])
    assert error(exc) == expected


def test_empty_filter_value_is_kept(s3, make_bucket):
    b = make_bucket()
    put(s3, b, TopicConfigurations=[{"TopicArn": TOPIC, "Events": ["s3:ObjectCreated:*"],
                                     "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ""}]}}}])
    [config] = s3.get_bucket_notification_configuration(Bucket=b)["TopicConfigurations"]
    assert config["Filter"] == {"Key": {"FilterRules": [{"Name": "Suffix", "Value": ""}]}}


def _topic(events: list[str], prefix: str | None = None, suffix: str | None = None) -> dict:
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v is not None]
    out: dict = {"TopicArn": TOPIC, "Events": events}
    if rules:
        out["Filter"] = {"Key": {"FilterRules": rules}}
    return out


@pytest.mark.parametrize("a, b, message", [
    (_topic(["s3:ObjectCreated:*"]), _topic(["s3:ObjectCreated:Put"]), OVERLAP),
    (_topic(["s3:ObjectRemoved:Delete"]), _topic(["s3:ObjectRemoved:Delete"]), OVERLAP),
    (_topic(["s3:ObjectCreated:Put"], prefix="images/"), _topic(["s3:ObjectCreated:Put"], prefix="images/2024/"),
     AMBIGUOUS),
    (_topic(["s3:ObjectCreated:Put"], suffix="jpg"), _topic(["s3:ObjectCreated:*"], suffix=".jpg"), AMBIGUOUS),
    (_topic(["s3:ObjectCreated:Put"], prefix="images/"), _topic(["s3:ObjectCreated:Put"], suffix=".jpg"), AMBIGUOUS),
    (_topic(["s3:ObjectCreated:Put"], prefix="a/", suffix=".jpg"), _topic(["s3:ObjectCreated:Put"]), AMBIGUOUS),
])
def test_overlapping_configurations(s3, make_bucket, a, b, message):
    bucket = make_bucket()
    with pytest.raises(ClientError) as exc:
        put(s3, bucket, TopicConfigurations=[a, b])
    assert error_code(exc) == "InvalidArgument" and error(exc)["Message"] == message and status(exc) == 400


@pytest.mark.parametrize("a, b", [
    (_topic(["s3:ObjectCreated:*"]), _topic(["s3:ObjectRemoved:*"])),  # different event types
    (_topic(["s3:ObjectCreated:Put"]), _topic(["s3:ObjectCreated:Copy"])),
    (_topic(["s3:ObjectCreated:*"], prefix="images/"), _topic(["s3:ObjectCreated:*"], prefix="videos/")),
    (_topic(["s3:ObjectCreated:*"], suffix=".jpg"), _topic(["s3:ObjectCreated:*"], suffix=".png")),
    (_topic(["s3:ObjectCreated:*"], prefix="a/", suffix=".jpg"), _topic(["s3:ObjectCreated:*"], prefix="a/",
                                                                        suffix=".png")),
])
def test_non_overlapping_configurations(s3, make_bucket, a, b):
    bucket = make_bucket()
    put(s3, bucket, TopicConfigurations=[a, b])
    assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["TopicConfigurations"]) == 2


def test_overlap_across_destination_kinds(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        put(s3, b, TopicConfigurations=[_topic(["s3:ObjectCreated:*"])],
            LambdaFunctionConfigurations=[{"LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectCreated:Post"]}])
    assert error(exc)["Message"] == OVERLAP


def test_destination_arns(s3, make_bucket, queue, aws_client):
    b = make_bucket()
    for config, name, value in (
        ({"QueueConfigurations": [{"QueueArn": "invalid-queue", "Events": ["s3:ObjectCreated:*"]}]},
         "Queue", "invalid-queue"),
        ({"QueueConfigurations": [{"QueueArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}]}, "Queue", TOPIC),
        ({"TopicConfigurations": [{"TopicArn": "nope", "Events": ["s3:ObjectCreated:*"]}]}, "Topic", "nope"),
        ({"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "fn", "Events": ["s3:ObjectCreated:*"]}]},
         "CloudFunction", "fn"),
    ):
        for skip in (False, True):  # an unparsable ARN is refused even when destinations are not checked
            with pytest.raises(ClientError) as exc:
                s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=config,
                                                         SkipDestinationValidation=skip)
            assert error(exc) == {"Code": "InvalidArgument", "Message": "The ARN could not be parsed",
                                  "ArgumentName": name, "ArgumentValue": value}
    gone1 = "arn:aws:sqs:us-east-1:000000000000:" + unique("gone")
    gone2 = "arn:aws:sqs:us-east-1:000000000000:" + unique("gone")
    _, real = queue()
    config = {"QueueConfigurations": [{"QueueArn": gone1, "Events": ["s3:ObjectCreated:*"]},
                                      {"QueueArn": real, "Events": ["s3:ObjectRemoved:*"]},
                                      {"QueueArn": gone2, "Events": ["s3:ObjectTagging:*"]}]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=config)
    assert error(exc) == {"Code": "InvalidArgument", "Message": "Unable to validate the following destination "
                                                                "configurations",
                          "ArgumentName1": gone1, "ArgumentValue1": "The destination queue does not exist",
                          "ArgumentName2": gone2, "ArgumentValue2": "The destination queue does not exist"}
    # nothing was stored
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=b)
    s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=config,
                                             SkipDestinationValidation=True)
    stored = s3.get_bucket_notification_configuration(Bucket=b)["QueueConfigurations"]
    assert [c["QueueArn"] for c in stored] == [gone1, real, gone2]


def test_missing_bucket(s3):
    b = unique("nonotif")
    for call in (lambda: s3.get_bucket_notification_configuration(Bucket=b),
                 lambda: put(s3, b, TopicConfigurations=[_topic(["s3:ObjectCreated:*"])])):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == {"Code": "NoSuchBucket", "Message": "The specified bucket does not exist",
                              "BucketName": b}


def test_saving_sends_the_test_event(s3, make_bucket, queue, aws_client):
    sqs = aws_client("sqs")
    b = make_bucket()
    url, arn = queue()
    other_url, other_arn = queue()
    put(s3, b, QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]},
                                    {"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]},
                                    {"QueueArn": other_arn, "Events": ["s3:ObjectTagging:*"]}])
    [event] = drain(sqs, url, 1)
    assert set(event) == {"Service", "Event", "Time", "Bucket", "RequestId", "HostId"}
    assert event["Service"] == "Amazon S3" and event["Event"] == "s3:TestEvent" and event["Bucket"] == b
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["Time"])
    assert event["RequestId"] and event["HostId"]
    assert drain(sqs, url, 1, timeout=1.5) == []  # one per destination, not per configuration
    [other] = drain(sqs, other_url, 1)
    assert other["Event"] == "s3:TestEvent" and other["RequestId"] == event["RequestId"]
    # a refused configuration sends nothing
    with pytest.raises(ClientError):
        put(s3, b, QueueConfigurations=[{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]},
                                        {"QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]}])
    assert drain(sqs, url, 1, timeout=1.5) == []
