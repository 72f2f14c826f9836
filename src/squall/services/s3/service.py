"""Amazon S3: the service definition the registry loads.

Where an operation lives (each function is the operation's name in snake_case):

* :mod:`.buckets` — Create/Delete/Head/ListBuckets, GetBucketLocation; the bucket record;
* :mod:`.bucket_config` — bucket sub-resources: tagging, CORS, policy, lifecycle,
  versioning, encryption, ownership, public access block, ACL, …;
* :mod:`.notification_config` — Put/GetBucketNotificationConfiguration;
* :mod:`.objects` — Put/Get/Head/Delete/DeleteObjects/CopyObject, object tagging and attributes;
* :mod:`.listing_ops` — ListObjects, ListObjectsV2, ListObjectVersions (paging in :mod:`.listing`);
* :mod:`.multipart` — multipart uploads.

Shared pieces: :mod:`.addressing` (virtual-host → path style), :mod:`.cors`
(preflights and CORS response headers), :mod:`.events` (event notifications
through the outbox), :mod:`.errors`.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from botocore.session import get_session

from squall.services.base import Service, operations_from
from squall.services.s3 import addressing

_MODULES = ["buckets", "bucket_config", "notification_config", "objects", "listing_ops", "multipart"]


def _collect() -> SimpleNamespace:
    found: dict[str, object] = {}
    for name in _MODULES:
        try:
            mod = importlib.import_module(f"squall.services.s3.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"squall.services.s3.{name}":
                raise
            continue  # a part not written yet: its operations answer NotImplemented
        found.update({k: getattr(mod, k) for k in dir(mod) if not k.startswith("_")})
    return SimpleNamespace(**found)


def _middleware():
    try:
        cors = importlib.import_module("squall.services.s3.cors")
    except ModuleNotFoundError as exc:
        if exc.name != "squall.services.s3.cors":
            raise
        return None
    return cors.middleware


def _background() -> list:
    from squall.services.s3 import background

    return background.TASKS


# Analytics, inventory, metrics, replication, metadata tables, S3 Express sessions, Object
# Lambda, Select and Glacier restore have no effect on a local store yet; they answer NotImplemented.
NOT_IMPLEMENTED = frozenset({
    "CreateBucketMetadataConfiguration", "CreateBucketMetadataTableConfiguration", "CreateSession",
    "DeleteBucketAnalyticsConfiguration", "DeleteBucketIntelligentTieringConfiguration",
    "DeleteBucketInventoryConfiguration", "DeleteBucketMetadataConfiguration",
    "DeleteBucketMetadataTableConfiguration", "DeleteBucketMetricsConfiguration", "DeleteBucketReplication",
    "DeleteObjectAnnotation", "GetBucketAbac", "GetBucketAnalyticsConfiguration",
    "GetBucketIntelligentTieringConfiguration", "GetBucketInventoryConfiguration",
    "GetBucketMetadataConfiguration", "GetBucketMetadataTableConfiguration", "GetBucketMetricsConfiguration",
    "GetBucketReplication", "GetObjectAnnotation", "GetObjectLegalHold", "GetObjectRetention",
    "GetObjectTorrent", "ListBucketAnalyticsConfigurations", "ListBucketIntelligentTieringConfigurations",
    "ListBucketInventoryConfigurations", "ListBucketMetricsConfigurations", "ListDirectoryBuckets",
    "ListObjectAnnotations", "PutBucketAbac", "PutBucketAccelerateConfiguration",
    "PutBucketAnalyticsConfiguration", "PutBucketIntelligentTieringConfiguration",
    "PutBucketInventoryConfiguration", "PutBucketMetricsConfiguration", "PutBucketNotification",
    "PutBucketReplication", "PutBucketRequestPayment", "PutObjectAnnotation", "PutObjectLegalHold",
    "PutObjectRetention", "RenameObject", "RestoreObject", "SelectObjectContent",
    "UpdateBucketMetadataAnnotationTableConfiguration", "UpdateBucketMetadataInventoryTableConfiguration",
    "UpdateBucketMetadataJournalTableConfiguration", "UpdateObjectEncryption", "WriteGetObjectResponse",
})

SERVICE = Service(
    name="s3",
    model="s3",
    operations=operations_from(_collect(), get_session().get_service_model("s3").operation_names),  # type: ignore[arg-type]
    rewrite=addressing.rewrite,
    middleware=_middleware(),
    background=_background(),
    not_implemented=NOT_IMPLEMENTED,
)
