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

from types import SimpleNamespace

from squall.errors import ServiceError
from squall.protocol import get_handler
from squall.protocol.specs import service_model
from squall.services.base import Service, operations_from
from squall.services.s3 import (
    addressing,
    background,
    bucket_access,
    bucket_config,
    bucket_lifecycle,
    buckets,
    cors,
    listing_ops,
    multipart,
    notification_config,
    object_subresources,
    objects,
    post_object,
)

_ALL = SimpleNamespace(**{name: getattr(mod, name)
                          for mod in (buckets, bucket_config, bucket_access, bucket_lifecycle, notification_config,
                                      objects, object_subresources, listing_ops, multipart)
                          for name in dir(mod) if not name.startswith("_")})


async def _middleware(ctx, call_next):
    """Browser POST uploads (no model operation) first, all inside CORS handling."""

    async def inner():
        if post_object.is_post_upload(ctx.request):
            try:
                return await post_object.handle(ctx)
            except ServiceError as err:
                return get_handler("s3", "rest-xml").serialize_error(err, None, ctx.request_id)
        return await call_next()

    return await cors.middleware(ctx, inner)


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
    operations=operations_from(_ALL, service_model("s3").operation_names),  # type: ignore[arg-type]
    rewrite=addressing.rewrite,
    middleware=_middleware,
    background=background.TASKS,
    not_implemented=NOT_IMPLEMENTED,
)
