"""SQS's errors, each with the JSON code (the botocore shape name) and its legacy query code.

SQS is ``awsQueryCompatible``: the JSON protocol answers ``__type`` = shape name and
``x-amzn-query-error: <legacy code>;Sender``; botocore maps that back to the modeled
exception (``client.exceptions.QueueDoesNotExist``) while ``Error.Code`` carries the
legacy code. The legacy codes and statuses come from the ``"error"`` entries of the
old query model (``tests/protocol/data/sqs-query-2012-11-05.json``); shapes without
one there use their own name in both protocols.
"""

from __future__ import annotations

from squall.errors import ServiceError


class SqsError(ServiceError):
    code = "InvalidParameterValue"


def _error(name: str, query_code: str | None = None, status: int = 400, default: str = "") -> type[SqsError]:
    attrs = {"code": name, "query_code": query_code or name, "status": status, "__doc__": default or name}

    def __init__(self: SqsError, message: str = default, **kw: object) -> None:
        SqsError.__init__(self, message, **kw)  # type: ignore[arg-type]

    attrs["__init__"] = __init__
    return type(name, (SqsError,), attrs)


_Q = "AWS.SimpleQueueService."

QueueDoesNotExist = _error("QueueDoesNotExist", _Q + "NonExistentQueue",
                           default="The specified queue does not exist.")
QueueNameExists = _error("QueueNameExists", "QueueAlreadyExists")
QueueDeletedRecently = _error(
    "QueueDeletedRecently", _Q + "QueueDeletedRecently",
    default="You must wait 60 seconds after deleting a queue before you can create another with the same name.")
PurgeQueueInProgress = _error("PurgeQueueInProgress", _Q + "PurgeQueueInProgress", 403)
BatchEntryIdsNotDistinct = _error("BatchEntryIdsNotDistinct", _Q + "BatchEntryIdsNotDistinct",
                                  default="Two or more batch entries in the request have the same Id.")
BatchRequestTooLong = _error("BatchRequestTooLong", _Q + "BatchRequestTooLong")
EmptyBatchRequest = _error("EmptyBatchRequest", _Q + "EmptyBatchRequest",
                           default="There should be at least one SendMessageBatchRequestEntry in the request.")
InvalidBatchEntryId = _error(
    "InvalidBatchEntryId", _Q + "InvalidBatchEntryId",
    default="A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
            "It can be at most 80 letters long.")
TooManyEntriesInBatchRequest = _error("TooManyEntriesInBatchRequest", _Q + "TooManyEntriesInBatchRequest")
MessageNotInflight = _error("MessageNotInflight", _Q + "MessageNotInflight",
                            default="The message referred to isn't in flight.")
UnsupportedOperation = _error("UnsupportedOperation", _Q + "UnsupportedOperation")
OverLimit = _error("OverLimit", "OverLimit", 403)
ResourceNotFoundException = _error("ResourceNotFoundException", "ResourceNotFoundException", 404)
InvalidAttributeName = _error("InvalidAttributeName")
InvalidAttributeValue = _error("InvalidAttributeValue")
InvalidMessageContents = _error(
    "InvalidMessageContents",
    default="Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
            "#xE000 to #xFFFD | #x10000 to #x10FFFF")
ReceiptHandleIsInvalid = _error("ReceiptHandleIsInvalid")
InvalidAddress = _error("InvalidAddress")
InvalidSecurity = _error("InvalidSecurity", status=403)
RequestThrottled = _error("RequestThrottled", status=403)
InvalidIdFormat = _error("InvalidIdFormat")
# KMS failures (modeled; squall does not call KMS, so only a bad key id can produce one).
KmsAccessDenied = _error("KmsAccessDenied")
KmsDisabled = _error("KmsDisabled")
KmsInvalidKeyUsage = _error("KmsInvalidKeyUsage")
KmsInvalidState = _error("KmsInvalidState")
KmsNotFound = _error("KmsNotFound")
KmsOptInRequired = _error("KmsOptInRequired", status=403)
KmsThrottled = _error("KmsThrottled")
# Not modeled shapes, but what SQS answers for generic validation failures.
InvalidParameterValue = _error("InvalidParameterValue")
MissingParameter = _error("MissingParameter")


def invalid_value(name: str, value: object, reason: str) -> SqsError:
    """AWS's usual wording: ``Value X for parameter Y is invalid. Reason: Z.``"""
    return InvalidParameterValue(f"Value {value} for parameter {name} is invalid. Reason: {reason}")


def missing(name: str) -> SqsError:
    return MissingParameter(f"The request must contain the parameter {name}.")
