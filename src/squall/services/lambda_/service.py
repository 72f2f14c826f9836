"""AWS Lambda: the service definition the registry loads.

Where an operation lives (each function is the operation's name in snake_case):

* :mod:`.functions` — Create/Get/Delete/ListFunctions, GetFunctionConfiguration,
  UpdateFunctionCode/Configuration (and ``resolve`` for the runtime); :mod:`.versions`,
  :mod:`.aliases`, :mod:`.layers`, :mod:`.policy` (AddPermission…), :mod:`.tags`,
  :mod:`.concurrency` (+ GetAccountSettings), :mod:`.invoke_config`,
  :mod:`.event_source_mappings`; :mod:`.invoke` — Invoke and InvokeAsync.

Shared pieces: :mod:`.names` (names and ARNs), :mod:`.store` / :mod:`.catalog` (records),
:mod:`.configuration` (validation, FunctionConfiguration), :mod:`.code` (zips, extraction),
:mod:`.dependencies` (requirements.txt), :mod:`.activation` (Pending → Active),
:mod:`.hot_reload` (local code directories watched for edits), :mod:`.runtimes`, :mod:`.errors`.
"""

from __future__ import annotations

from types import ModuleType

from squall.dispatch import async_invoke, sqs_poller
from squall.protocol.specs import service_model
from squall.runtime import pool as worker_pool
from squall.services.base import Runtime, Service, every, operations_in
from squall.services.lambda_ import (
    activation,
    aliases,
    code,
    concurrency,
    event_source_mappings,
    functions,
    hot_reload,
    invoke,
    invoke_config,
    layers,
    policy,
    tags,
    urls,
    versions,
)

_MODULES: tuple[ModuleType, ...] = (functions, versions, aliases, layers, policy, tags, concurrency, invoke_config,
                                    event_source_mappings, invoke, urls)
_MODEL_OPERATIONS = service_model("lambda").operation_names




async def resume(runtime: Runtime) -> None:
    """Finish what a stopped server left half-done: pending activations, mapping transitions."""
    await activation.recover(runtime)
    await event_source_mappings.recover(runtime)


async def code_sweep(runtime: Runtime) -> None:
    """Remove extracted code directories no function or layer version uses any more."""
    await every(runtime, code.SWEEP_GRACE, lambda: code.sweep(runtime), "lambda code sweep",
                first_delay=code.SWEEP_GRACE)


OPERATIONS = operations_in(_MODULES, _MODEL_OPERATIONS)
#: Model operations deliberately not served yet (they answer NotImplemented). Listed, not
#: computed, so that an operation missing by mistake fails tests/services/test_registry.py.
NOT_IMPLEMENTED = frozenset({
    # response streaming
    "InvokeWithResponseStream",
    # code signing
    "CreateCodeSigningConfig", "DeleteCodeSigningConfig", "GetCodeSigningConfig", "ListCodeSigningConfigs",
    "UpdateCodeSigningConfig", "DeleteFunctionCodeSigningConfig", "GetFunctionCodeSigningConfig",
    "PutFunctionCodeSigningConfig", "ListFunctionsByCodeSigningConfig",
    # provisioned concurrency, scaling, recursion and runtime-management controls
    "DeleteProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs",
    "PutProvisionedConcurrencyConfig", "GetFunctionScalingConfig", "PutFunctionScalingConfig",
    "GetFunctionRecursionConfig", "PutFunctionRecursionConfig", "GetRuntimeManagementConfig",
    "PutRuntimeManagementConfig",
    # account-level resource policies
    "DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy",
    # managed instances (capacity providers) and durable executions
    "CreateCapacityProvider", "DeleteCapacityProvider", "GetCapacityProvider", "ListCapacityProviders",
    "UpdateCapacityProvider", "ListFunctionVersionsByCapacityProvider",
    "CheckpointDurableExecution", "DeleteDurableExecution", "GetDurableExecution", "GetDurableExecutionHistory",
    "GetDurableExecutionState", "ListDurableExecutionsByFunction", "PauseDurableExecution",
    "ResumeDurableExecution", "SendDurableExecutionCallbackFailure", "SendDurableExecutionCallbackHeartbeat",
    "SendDurableExecutionCallbackSuccess", "StopDurableExecution",
})

SERVICE = Service(
    name="lambda",
    model="lambda",
    operations=OPERATIONS,
    not_implemented=NOT_IMPLEMENTED,
    background=[resume, code_sweep, worker_pool.background, async_invoke.run, sqs_poller.run,
                hot_reload.watch],
    internal_routes={code.CODE_URL_PREFIX: code.serve_zip},
)
