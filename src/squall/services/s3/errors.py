"""S3's errors: code, HTTP status and the extra elements S3 puts in ``<Error>``.

Codes and statuses follow https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
(the "List of error codes" table); messages are S3's own wording.
"""

from __future__ import annotations

from squall.errors import ServiceError


class S3Error(ServiceError):
    code = "InvalidRequest"
    status = 400


def no_such_bucket(bucket: str) -> S3Error:
    return S3Error("The specified bucket does not exist", code="NoSuchBucket", status=404, BucketName=bucket)


def no_such_key(key: str) -> S3Error:
    return S3Error("The specified key does not exist.", code="NoSuchKey", status=404, Key=key)


def no_such_version(key: str, version_id: str) -> S3Error:
    return S3Error("The specified version does not exist.", code="NoSuchVersion", status=404, Key=key,
                   VersionId=version_id)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> S3Error:
    return S3Error(message, code="InvalidArgument", status=400, ArgumentName=name, ArgumentValue=value)


def invalid_request(message: str) -> S3Error:
    return S3Error(message, code="InvalidRequest", status=400)


def malformed_xml() -> S3Error:
    return S3Error("The XML you provided was not well-formed or did not validate against our published schema",
                   code="MalformedXML", status=400)


def precondition_failed(condition: str) -> S3Error:
    return S3Error("At least one of the pre-conditions you specified did not hold", code="PreconditionFailed",
                   status=412, Condition=condition)


def invalid_range(size: int, requested: str) -> S3Error:
    return S3Error("The requested range is not satisfiable", code="InvalidRange", status=416,
                   RangeRequested=requested, ActualObjectSize=str(size))


def method_not_allowed(method: str, resource: str) -> S3Error:
    return S3Error("The specified method is not allowed against this resource.", code="MethodNotAllowed",
                   status=405, Method=method, ResourceType=resource)


def no_such_upload(upload_id: str) -> S3Error:
    return S3Error("The specified upload does not exist. The upload ID may be invalid, or the upload may have "
                   "been aborted or completed.", code="NoSuchUpload", status=404, UploadId=upload_id)


def key_too_long(size: int) -> S3Error:
    return S3Error("Your key is too long", code="KeyTooLongError", status=400, MaxSizeAllowed="1024",
                   Size=str(size))


def entity_too_large(size: int, limit: int) -> S3Error:
    return S3Error("Your proposed upload exceeds the maximum allowed size", code="EntityTooLarge", status=400,
                   ProposedSize=str(size), MaxSizeAllowed=str(limit))


def missing_content_length() -> S3Error:
    return S3Error("You must provide the Content-Length HTTP header.", code="MissingContentLength", status=411)


def incomplete_body(expected: int, got: int) -> S3Error:
    return S3Error("You did not provide the number of bytes specified by the Content-Length HTTP header",
                   code="IncompleteBody", status=400, NumberBytesExpected=str(expected),
                   NumberBytesProvided=str(got))


def not_configured(code: str, message: str, bucket: str) -> S3Error:
    """``NoSuchTagSet``, ``NoSuchCORSConfiguration``… (404 with the bucket name)."""
    return S3Error(message, code=code, status=404, BucketName=bucket)
