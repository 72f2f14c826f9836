"""The one error the template core raises.

CloudFormation answers every template problem (syntax, parameters, references, transforms) as a
``ValidationError`` whose message is the sentence users search for; squall keeps those sentences
word for word so the CLI, boto3 and the stack events read as they would on AWS. The stack engine
turns a :class:`TemplateError` into that ``ValidationError`` (or a stack's failure reason).
"""

from __future__ import annotations


class TemplateError(Exception):
    """A template (or its parameters) that CloudFormation would reject; ``str(exc)`` is the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unresolved(TemplateError):
    """A ``Ref``/``Fn::GetAtt`` to a resource that is not provisioned yet.

    The stack engine resolves a resource's properties only after everything it depends on exists,
    so meeting this means an ordering bug (or a reference the dependency graph could not see),
    not a user error — hence its own class."""

    def __init__(self, logical_id: str) -> None:
        super().__init__(f"Template format error: Unresolved resource dependencies [{logical_id}] "
                         "in the Resources block of the template")
        self.logical_id = logical_id
