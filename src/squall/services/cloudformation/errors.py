"""CloudFormation's errors, worded as the service words them (``ValidationError`` for most)."""

from __future__ import annotations

from squall.errors import ServiceError, ValidationError


def invalid(message: str) -> ValidationError:
    return ValidationError(message)


def stack_missing(name: str) -> ValidationError:
    return ValidationError(f"Stack with id {name} does not exist")


def already_exists(name: str) -> ServiceError:
    return ServiceError(f"Stack [{name}] already exists", code="AlreadyExistsException")


def capabilities(needed: list[str]) -> ServiceError:
    return ServiceError(f"Requires capabilities : [{', '.join(needed)}]", code="InsufficientCapabilitiesException")


def change_set_missing(name: str) -> ServiceError:
    return ServiceError(f"ChangeSet [{name}] does not exist", code="ChangeSetNotFound", status=404)


def change_set_status(message: str) -> ServiceError:
    return ServiceError(message, code="InvalidChangeSetStatus")


def in_progress(name: str, status: str) -> ValidationError:
    return ValidationError(f"Stack:{name} is in {status} state and can not be updated.")


NO_UPDATES = "No updates are to be performed."
