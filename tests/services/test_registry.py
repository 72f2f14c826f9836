"""Every served service implements its botocore model's operations with matching signatures.

An operation that does not accept a member the model defines would fail with a
TypeError (a 500) the day a client sends it; this catches it at test time.
"""

from __future__ import annotations

import inspect

import pytest

from squall.protocol.specs import service_model
from squall.services.registry import get_service, service_names


@pytest.mark.parametrize("name", service_names())
def test_operations_accept_every_model_member(name):
    service = get_service(name)
    model = service_model(service.model)
    assert set(service.operations) | service.not_implemented == set(model.operation_names), \
        "every operation is implemented or declared not implemented"
    assert not set(service.operations) & service.not_implemented
    for op_name, fn in service.operations.items():
        sig = inspect.signature(inspect.unwrap(fn))
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            continue
        shape = model.operation_model(op_name).input_shape
        members = set(shape.members) if shape is not None else set()
        missing = members - set(sig.parameters)
        assert not missing, f"{name}.{op_name} does not accept {sorted(missing)}"
