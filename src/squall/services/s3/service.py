"""Amazon S3: the service definition the registry loads.

Where an operation lives (each function is the operation's name in snake_case):

* :mod:`.buckets` — Create/Delete/Head/ListBuckets, GetBucketLocation; the bucket record;
* :mod:`.bucket_config` — bucket sub-resources: tagging, CORS, versioning, encryption,
  logging, website, object lock, …; :mod:`.bucket_access` — policy, ownership controls,
  Block Public Access, ACLs; :mod:`.bucket_lifecycle` — lifecycle configuration;
* :mod:`.notification_config` — Put/GetBucketNotificationConfiguration;
* :mod:`.objects` — Put/Get/Head/Delete/DeleteObjects/CopyObject; :mod:`.object_subresources` —
  object tagging, ACLs and GetObjectAttributes;
* :mod:`.listing_ops` — ListObjects, ListObjectsV2, ListObjectVersions (paging in :mod:`.listing`);
* :mod:`.multipart` — multipart uploads.

Shared pieces: :mod:`.addressing` (virtual-host → path style), :mod:`.cors`
(preflights and CORS response headers), :mod:`.events` (event notifications
through the outbox), :mod:`.errors`.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from squall.protocol.specs import service_model
from squall.services.base import Service, operations_from
from squall.services.s3 import addressing

_MODULES = ["buckets", "bucket_config", "bucket_access", "bucket_lifecycle", "notification_config", "objects",
            "object_subresources", "listing_ops", "multipart"]


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


async def _middleware(ctx, call_next):
    """Browser POST uploads (no model operation) first, all inside CORS handling."""
    from squall.errors import ServiceError
    from squall.services.s3 import cors, post_object

    async def inner():
        if post_object.is_post_upload(ctx.request):
            try:
                return await post_object.handle(ctx)
            except ServiceError as err:
                from squall.protocol import get_handler

                return get_handler("s3", "rest-xml").serialize_error(err, None, ctx.request_id)
        return await call_next()

    return await cors.middleware(ctx, inner)


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
    operations=operations_from(_collect(), service_model("s3").operation_names),  # type: ignore[arg-type]
    rewrite=addressing.rewrite,
    middleware=_middleware,
    background=_background(),
    not_implemented=NOT_IMPLEMENTED,
)
