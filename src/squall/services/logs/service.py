"""Amazon CloudWatch Logs: the service definition the registry loads.

Operations live in :mod:`.groups` (log groups, retention, deletion protection),
:mod:`.tags`, :mod:`.streams`, :mod:`.events` (PutLogEvents, GetLogEvents) and
:mod:`.search` (FilterLogEvents); storage in :mod:`.store` and :mod:`.eventstore`.
Background: :mod:`.retention`'s sweep, and :func:`.sink.flush_on_shutdown`, which
commits the function-log sink's buffer when the server stops.
"""

from __future__ import annotations

from types import SimpleNamespace

from squall.services.base import Operation, Service, operations_from, requiring_members
from squall.services.logs import events, groups, retention, search, sink, streams, tags
from squall.services.logs.errors import InvalidParameterException

OPERATION_NAMES = [
    "CreateLogGroup", "CreateLogStream", "DeleteLogGroup", "DeleteLogStream", "DeleteRetentionPolicy",
    "DescribeLogGroups", "DescribeLogStreams", "FilterLogEvents", "GetLogEvents", "ListLogGroups",
    "ListTagsForResource", "ListTagsLogGroup", "PutLogEvents", "PutLogGroupDeletionProtection",
    "PutRetentionPolicy", "TagLogGroup", "TagResource", "UntagLogGroup", "UntagResource",
]

# Everything else in botocore's model answers NotImplemented (501) for now.
NOT_IMPLEMENTED = frozenset({
    "AssociateKmsKey", "AssociateSourceToS3TableIntegration", "CancelExportTask", "CancelImportTask",
    "CreateDelivery", "CreateExportTask", "CreateImportTask", "CreateLogAnomalyDetector", "CreateLookupTable",
    "CreateScheduledQuery", "DeleteAccountPolicy", "DeleteDataProtectionPolicy", "DeleteDelivery",
    "DeleteDeliveryDestination", "DeleteDeliveryDestinationPolicy", "DeleteDeliverySource", "DeleteDestination",
    "DeleteIndexPolicy", "DeleteIntegration", "DeleteLogAnomalyDetector", "DeleteLookupTable",
    "DeleteMetricFilter", "DeleteQueryDefinition", "DeleteResourcePolicy", "DeleteScheduledQuery",
    "DeleteSubscriptionFilter", "DeleteSyslogConfiguration", "DeleteTransformer", "DescribeAccountPolicies",
    "DescribeConfigurationTemplates", "DescribeDeliveries", "DescribeDeliveryDestinations",
    "DescribeDeliverySources", "DescribeDestinations", "DescribeExportTasks", "DescribeFieldIndexes",
    "DescribeImportTaskBatches", "DescribeImportTasks", "DescribeIndexPolicies", "DescribeLookupTables",
    "DescribeMetricFilters", "DescribeQueries", "DescribeQueryDefinitions", "DescribeResourcePolicies",
    "DescribeSubscriptionFilters", "DisassociateKmsKey", "DisassociateSourceFromS3TableIntegration",
    "GetDataProtectionPolicy", "GetDelivery", "GetDeliveryDestination", "GetDeliveryDestinationPolicy",
    "GetDeliverySource", "GetIntegration", "GetLogAnomalyDetector", "GetLogFields", "GetLogGroupFields",
    "GetLogObject", "GetLogRecord", "GetLookupTable", "GetQueryResults", "GetScheduledQuery",
    "GetScheduledQueryHistory", "GetStorageTierPolicy", "GetTransformer", "ListAggregateLogGroupSummaries",
    "ListAnomalies", "ListIntegrations", "ListLogAnomalyDetectors", "ListLogGroupsForQuery",
    "ListScheduledQueries", "ListSourcesForS3TableIntegration", "ListSyslogConfigurations", "PutAccountPolicy",
    "PutBearerTokenAuthentication", "PutDataProtectionPolicy", "PutDeliveryDestination",
    "PutDeliveryDestinationPolicy", "PutDeliverySource", "PutDestination", "PutDestinationPolicy",
    "PutIndexPolicy", "PutIntegration", "PutMetricFilter", "PutQueryDefinition", "PutResourcePolicy",
    "PutStorageTierPolicy", "PutSubscriptionFilter", "PutSyslogConfiguration", "PutTransformer", "StartLiveTail",
    "StartQuery", "StopQuery", "TestMetricFilter", "TestTransformer", "UpdateAnomaly",
    "UpdateDeliveryConfiguration", "UpdateLogAnomalyDetector", "UpdateLookupTable", "UpdateScheduledQuery",
})

_ALL = SimpleNamespace(**{name: getattr(mod, name) for mod in (groups, tags, streams, events, search)
                          for name in dir(mod) if not name.startswith("_")})


def _missing(name: str) -> Exception:
    return InvalidParameterException(f"1 validation error detected: Value null at '{name}' failed to "
                                     "satisfy constraint: Member must not be null")


def _require(fn: Operation) -> Operation:
    """AWS's "Member must not be null" for an absent required member."""
    return requiring_members(fn, _missing)


SERVICE = Service(
    name="logs",
    model="logs",
    operations={name: _require(fn) for name, fn in operations_from(_ALL, OPERATION_NAMES).items()},  # type: ignore[arg-type]
    background=[retention.retention_loop, sink.flush_on_shutdown],
    not_implemented=NOT_IMPLEMENTED,
)

assert len(SERVICE.operations) == len(OPERATION_NAMES), sorted(set(OPERATION_NAMES) - set(SERVICE.operations))
