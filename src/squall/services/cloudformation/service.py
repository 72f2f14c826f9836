"""AWS CloudFormation: the service definition the registry loads.

Operations live in :mod:`.stacks` (stacks, resources, events, templates, exports) and
:mod:`.changesets`; the work of a stack operation in :mod:`.deployer`; storage in :mod:`.store`.
Templates are read, expanded (SAM) and evaluated by :mod:`squall.templates`, and each resource is
provisioned by its handler in :mod:`squall.templates.resources`. Background: :func:`.deployer.recover`
at start-up, and :func:`.app.run`, which deploys the template ``squall up PATH`` was given.
"""

from __future__ import annotations

from types import SimpleNamespace

from squall.protocol.specs import service_model
from squall.services.base import Operation, Service, operations_from, requiring_members
from squall.services.cloudformation import app, changesets, deployer, stacks
from squall.services.cloudformation.errors import invalid
from squall.templates.resources.custom import receive_response

OPERATION_NAMES = [
    "CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "ListStacks", "DescribeStackEvents",
    "DescribeStackResource", "DescribeStackResources", "ListStackResources", "GetTemplate", "ValidateTemplate",
    "GetTemplateSummary", "ListExports", "CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet",
    "DeleteChangeSet", "ListChangeSets",
]

# Everything else in botocore's model (StackSets, drift, type registry, hooks…) answers 501.
NOT_IMPLEMENTED = frozenset(service_model("cloudformation").operation_names) - set(OPERATION_NAMES)

_ALL = SimpleNamespace(**{name: getattr(mod, name) for mod in (stacks, changesets)
                          for name in dir(mod) if not name.startswith("_")})
_ALL.validate_template = stacks.validate_template_op  # type: ignore[attr-defined]


def _require(fn: Operation) -> Operation:
    return requiring_members(fn, lambda member: invalid(f"1 validation error detected: Value null at "
                                                        f"'{member[0].lower() + member[1:]}' failed to satisfy "
                                                        f"constraint: Member must not be null"))


async def _recover(runtime: object) -> None:
    await deployer.recover(runtime)


SERVICE = Service(
    name="cloudformation",
    model="cloudformation",
    operations={name: _require(fn) for name, fn in operations_from(_ALL, OPERATION_NAMES).items()},  # type: ignore[arg-type]
    background=[_recover, app.run],
    internal_routes={"/_squall/cloudformation/responses/": receive_response},
    not_implemented=NOT_IMPLEMENTED,
)

assert len(SERVICE.operations) == len(OPERATION_NAMES), sorted(set(OPERATION_NAMES) - set(SERVICE.operations))
