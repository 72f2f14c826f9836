"""Which runtimes Lambda offers, which squall can run, and the interpreter that runs each.

Runtime support follows https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html:
every Python runtime Lambda offers today is accepted; deprecated ones are refused with
Lambda's own message; runtimes Lambda has but squall cannot run yet (Node.js, Java, .NET,
Ruby, OS-only) are refused with a message that says so.

:func:`interpreter_for` is the worker runtime's own (``squall.runtime.interpreters``), re-exported
here so that ``requirements.txt`` is installed for the interpreter that will import it.
"""

from __future__ import annotations

from squall.runtime.interpreters import interpreter_for
from squall.services.lambda_.errors import InvalidParameterValue

__all__ = ["DEPRECATED", "KNOWN", "NOT_YET", "PYTHON_RUNTIMES", "SNAPSTART", "check", "enum_error", "interpreter_for"]

#: Python runtimes squall runs (a function may be created or updated with these).
PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
#: Lambda refuses these for creating or updating functions.
DEPRECATED = frozenset({
    "python2.7", "python3.6", "python3.7", "python3.8", "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10",
    "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "java8", "dotnetcore1.0", "dotnetcore2.0",
    "dotnetcore2.1", "dotnetcore3.1", "go1.x", "ruby2.5", "ruby2.7", "provided",
})
#: Offered by Lambda, not run by squall yet (they come with a later runtime issue).
NOT_YET = frozenset({
    "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "java8.al2", "java11", "java17",
    "java21", "java25", "dotnet6", "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4", "provided.al2",
    "provided.al2023",
})
#: AWS's list in its "Member must satisfy enum value set" answer, in AWS's order.
ENUM_TEXT = ("[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, "
              "python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, "
              "nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]")
#: What a layer may declare in CompatibleRuntimes (anything Lambda knows, past or present).
KNOWN = frozenset(PYTHON_RUNTIMES) | DEPRECATED | NOT_YET
#: Runtimes with SnapStart support (Python 3.12+, Java 11+, .NET 8+).
SNAPSTART = frozenset({"python3.12", "python3.13", "python3.14", "java11", "java17", "java21", "java25",
                       "dotnet8", "dotnet10"})


def enum_error(runtime: object) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
                                 f"enum value set: {ENUM_TEXT} or be a valid ARN")


def check(runtime: str) -> None:
    """Refuse a runtime a function cannot be created or updated with, as Lambda (or squall) would."""
    if runtime in PYTHON_RUNTIMES:
        return
    if runtime in DEPRECATED:
        raise InvalidParameterValue(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions.")
    if runtime in NOT_YET:
        raise InvalidParameterValue(
            f"squall cannot run the {runtime} runtime yet: only the Python runtimes "
            f"({', '.join(PYTHON_RUNTIMES)}) are supported by this version of squall.")
    raise enum_error(runtime)
