"""Lambda's errors: code, HTTP status and body members as Lambda sends them.

Lambda answers ``{"Type": "User", "message": "…"}`` (``x-amzn-errortype`` = the code); a few
shapes spell the member ``Message`` (ResourceNotFoundException, ServiceException…), and
botocore reads the one the model names, so both are sent for those. Messages are Lambda's
own wording (checked against recorded AWS responses); ``ValidationException`` carries the
``N validation error(s) detected: …`` form of AWS's request validation.
"""

from __future__ import annotations

from squall.errors import ServiceError


class LambdaError(ServiceError):
    code = "ServiceException"
    status = 500
    #: whether the model spells the body member "Message" (else "message")
    capital_message = False

    def __init__(self, message: str = "", **kw: object) -> None:
        extra: dict[str, object] = {"Type": "User"}
        if self.capital_message:
            extra["Message"] = message
        extra.update(kw)
        super().__init__(message, **extra)  # type: ignore[arg-type]


def _error(name: str, status: int, *, capital: bool = False, typed: bool = True) -> type[LambdaError]:
    attrs: dict[str, object] = {"code": name, "status": status, "capital_message": capital}
    if not typed:  # AWS's own validation layer answers without the "Type" member
        def __init__(self: LambdaError, message: str = "", **kw: object) -> None:
            ServiceError.__init__(self, message, **kw)  # type: ignore[arg-type]

        attrs["__init__"] = __init__
    return type(name, (LambdaError,), attrs)


ResourceNotFound = _error("ResourceNotFoundException", 404, capital=True)
ResourceConflict = _error("ResourceConflictException", 409)
InvalidParameterValue = _error("InvalidParameterValueException", 400)
PreconditionFailed = _error("PreconditionFailedException", 412)
Validation = _error("ValidationException", 400, typed=False)
AccessDenied = _error("AccessDeniedException", 403, typed=False)
RequestEntityTooLarge = _error("RequestEntityTooLargeException", 413, typed=False)
PolicyLengthExceeded = _error("PolicyLengthExceededException", 400)
CodeStorageExceeded = _error("CodeStorageExceededException", 400)
ServiceFailure = _error("ServiceException", 500, capital=True)

def validation(*problems: str) -> LambdaError:
    """AWS's request validation: ``1 validation error detected: Value 'x' at 'y' failed…``."""
    n = len(problems)
    return Validation(f"{n} validation error{'s' if n > 1 else ''} detected: {'; '.join(problems)}")


def constraint(value: object, where: str, rule: str) -> str:
    """One validation problem in AWS's words (``value`` None prints as ``null``)."""
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{where}' failed to satisfy constraint: {rule}"


def check_range(value: int | None, where: str, low: int, high: int) -> None:
    if value is None:
        return
    if value < low:
        raise validation(constraint(value, where, f"Member must have value greater than or equal to {low}"))
    if value > high:
        raise validation(constraint(value, where, f"Member must have value less than or equal to {high}"))


def function_not_found(arn: str) -> LambdaError:
    return ResourceNotFound(f"Function not found: {arn}")


def not_exist() -> LambdaError:
    return ResourceNotFound("The resource you requested does not exist.")


def revision_mismatch(what: str = "GetFunction/GetAlias") -> LambdaError:
    return PreconditionFailed("The Revision Id provided does not match the latest Revision Id. "
                              f"Call the {what} API to retrieve the latest Revision Id")


def update_in_progress(arn: str) -> LambdaError:
    return ResourceConflict(f"The operation cannot be performed at this time. An update is in progress for "
                            f"resource: {arn}")


def in_state(state: str, reason: str | None = None) -> LambdaError:
    """Invoking (or publishing) a function that is not Active."""
    message = ("The operation cannot be performed at this time. The function is currently in the following "
               f"state: {state}")
    if reason:
        message += f" ({reason})"
    return ResourceConflict(message)
