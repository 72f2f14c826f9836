"""AWS::S3::Bucket and AWS::S3::BucketPolicy.

A bucket is CreateBucket followed by one Put… per configuration the template gives; an update
puts each configuration that changed and removes each one the template dropped (Delete…, or
the neutral value where S3 has no delete: versioning goes to Suspended, logging off, no
notifications, a private ACL). CloudFormation's property shapes differ from the API's in many
names (``CorsRules``/``CORSRules``, ``ExposedHeaders``/``ExposeHeaders``, ``MaxAge``/
``MaxAgeSeconds``, flat lifecycle rules vs ``Filter``/``Expiration``, ``LambdaConfigurations``
with one ``Event`` vs ``LambdaFunctionConfigurations`` with ``Events``…): the ``_…`` functions
below translate. Deleting a bucket that still holds objects fails as on AWS.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from squall.errors import ServiceError
from squall.templates.api import Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.common import flag, json_text, require_unchanged, tag_map, unless_gone

#: properties squall's S3 has no operation for yet: ignored with a warning
_UNSUPPORTED = ("AccelerateConfiguration", "AnalyticsConfigurations", "IntelligentTieringConfigurations",
                "InventoryConfigurations", "MetricsConfigurations", "ReplicationConfiguration",
                "MetadataConfiguration", "MetadataTableConfiguration", "AbacStatus")

#: regions whose website endpoint is ``s3-website-{region}`` (the others: ``s3-website.{region}``)
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html
_DASH_WEBSITE_REGIONS = frozenset({"us-east-1", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2",
                                   "ap-northeast-1", "eu-west-1", "sa-east-1", "us-gov-west-1"})


def _present(mapping: dict[str, Any], **members: Any) -> dict[str, Any]:
    """``members`` without the ones that are None (``mapping`` updated and returned)."""
    mapping.update((k, v) for k, v in members.items() if v is not None)
    return mapping


def _int(value: Any) -> int | None:
    """A number property (a template parameter gives it as a string)."""
    return None if value is None else int(value)


# ---- CloudFormation shapes → the API's --------------------------------------------------------------
def _cors(config: dict[str, Any]) -> dict[str, Any]:
    return {"CORSRules": [_present({}, ID=rule.get("Id"), AllowedHeaders=rule.get("AllowedHeaders"),
                                   AllowedMethods=rule.get("AllowedMethods"), AllowedOrigins=rule.get("AllowedOrigins"),
                                   ExposeHeaders=rule.get("ExposedHeaders"), MaxAgeSeconds=_int(rule.get("MaxAge")))
                          for rule in config.get("CorsRules") or []]}


def _lifecycle_filter(rule: dict[str, Any]) -> dict[str, Any]:
    """A flat CloudFormation rule's conditions as the API's Filter (one condition, or ``And``)."""
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters") or []]
    conditions = _present({}, Prefix=rule.get("Prefix"), ObjectSizeGreaterThan=_int(rule.get("ObjectSizeGreaterThan")),
                          ObjectSizeLessThan=_int(rule.get("ObjectSizeLessThan")))
    if len(conditions) + len(tags) > 1:
        return {"And": {**conditions, **({"Tags": tags} if tags else {})}}
    if tags:
        return {"Tag": tags[0]}
    return conditions  # one condition, or none: the whole bucket


def _transition(transition: dict[str, Any], noncurrent: bool) -> dict[str, Any]:
    if noncurrent:
        return _present({"StorageClass": transition["StorageClass"]}, NoncurrentDays=_int(transition.get("TransitionInDays")),
                        NewerNoncurrentVersions=_int(transition.get("NewerNoncurrentVersions")))
    return _present({"StorageClass": transition["StorageClass"]}, Days=_int(transition.get("TransitionInDays")),
                    Date=transition.get("TransitionDate"))


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out = _present({"Status": rule["Status"], "Filter": _lifecycle_filter(rule)}, ID=rule.get("Id"))
    if rule.get("ExpirationInDays") is not None:
        out["Expiration"] = {"Days": _int(rule["ExpirationInDays"])}
    elif rule.get("ExpirationDate") is not None:
        out["Expiration"] = {"Date": rule["ExpirationDate"]}
    elif rule.get("ExpiredObjectDeleteMarker") is not None:
        out["Expiration"] = {"ExpiredObjectDeleteMarker": flag(rule["ExpiredObjectDeleteMarker"])}
    transitions = [*([rule["Transition"]] if rule.get("Transition") else []), *(rule.get("Transitions") or [])]
    if transitions:
        out["Transitions"] = [_transition(t, noncurrent=False) for t in transitions]
    noncurrent = [*([rule["NoncurrentVersionTransition"]] if rule.get("NoncurrentVersionTransition") else []),
                  *(rule.get("NoncurrentVersionTransitions") or [])]
    if noncurrent:
        out["NoncurrentVersionTransitions"] = [_transition(t, noncurrent=True) for t in noncurrent]
    expiration = rule.get("NoncurrentVersionExpiration")
    if expiration:
        out["NoncurrentVersionExpiration"] = _present(
            {}, NoncurrentDays=_int(expiration.get("NoncurrentDays")),
            NewerNoncurrentVersions=_int(expiration.get("NewerNoncurrentVersions")))
    elif rule.get("NoncurrentVersionExpirationInDays") is not None:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": _int(rule["NoncurrentVersionExpirationInDays"])}
    if rule.get("AbortIncompleteMultipartUpload"):
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": _int(days)}
    return out


def _put_lifecycle(ctx: StackContext, bucket: str, config: dict[str, Any]) -> Awaitable[Any]:
    return ctx.call("s3", "PutBucketLifecycleConfiguration", Bucket=bucket,
                    LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in config.get("Rules") or []]},
                    TransitionDefaultMinimumObjectSize=config.get("TransitionDefaultMinimumObjectSize"))


#: CloudFormation section → (API section, CloudFormation ARN member, API ARN member)
_DESTINATIONS = (("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
                 ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
                 ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"))


def _notifications(config: dict[str, Any] | None) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration as PutBucketNotificationConfiguration's."""
    config = config or {}
    out: dict[str, Any] = {}
    for section, api_section, member, api_member in _DESTINATIONS:
        targets = []
        for target in config.get(section) or []:
            item: dict[str, Any] = {api_member: target[member], "Events": [target["Event"]]}
            rules = ((target.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                item["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
            targets.append(item)
        if targets:
            out[api_section] = targets
    eventbridge = config.get("EventBridgeConfiguration")
    if eventbridge is not None and flag(eventbridge.get("EventBridgeEnabled", True)):
        out["EventBridgeConfiguration"] = {}
    return out


def _encryption(config: dict[str, Any]) -> dict[str, Any]:
    return {"Rules": [_present({}, ApplyServerSideEncryptionByDefault=rule.get("ServerSideEncryptionByDefault"),
                               BucketKeyEnabled=None if rule.get("BucketKeyEnabled") is None
                               else flag(rule["BucketKeyEnabled"]))
                      for rule in config.get("ServerSideEncryptionConfiguration") or []]}


def _website(config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config.get("IndexDocument"):
        out["IndexDocument"] = {"Suffix": config["IndexDocument"]}
    if config.get("ErrorDocument"):
        out["ErrorDocument"] = {"Key": config["ErrorDocument"]}
    if config.get("RedirectAllRequestsTo"):
        out["RedirectAllRequestsTo"] = dict(config["RedirectAllRequestsTo"])
    if config.get("RoutingRules"):
        out["RoutingRules"] = [_present({"Redirect": dict(rule["RedirectRule"])},
                                        Condition=rule.get("RoutingRuleCondition"))
                               for rule in config["RoutingRules"]]
    return out


def _logging(bucket: str, config: dict[str, Any]) -> dict[str, Any]:
    """LoggingConfiguration: the destination defaults to the bucket itself."""
    enabled = _present({"TargetBucket": config.get("DestinationBucketName") or bucket,
                        "TargetPrefix": config.get("LogFilePrefix") or ""},
                       TargetObjectKeyFormat=config.get("TargetObjectKeyFormat"))
    return {"LoggingEnabled": enabled}


def _object_lock(config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ObjectLockEnabled": config.get("ObjectLockEnabled") or "Enabled"}
    retention = (config.get("Rule") or {}).get("DefaultRetention")
    if retention:
        out["Rule"] = {"DefaultRetention": _present({"Mode": retention.get("Mode")}, Days=_int(retention.get("Days")),
                                                    Years=_int(retention.get("Years")))}
    return out


# ---- the configurations, in the order they are applied --------------------------------------------
Put = Callable[[StackContext, str, Any], Awaitable[Any]]
Remove = Callable[[StackContext, str], Awaitable[Any]]


@dataclass(frozen=True)
class _Part:
    """One bucket configuration: its property, how to set it, how to take it away."""

    prop: str
    put: Put
    remove: Remove | None


def _s3(operation: str, **params: Any) -> Remove:
    return lambda ctx, bucket: ctx.call("s3", operation, Bucket=bucket, **params)


_PARTS = (
    # ownership before the ACL (ACLs are refused while BucketOwnerEnforced)
    _Part("OwnershipControls", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketOwnershipControls", Bucket=b,
        OwnershipControls={"Rules": [{"ObjectOwnership": r["ObjectOwnership"]} for r in v.get("Rules") or []]}),
        _s3("DeleteBucketOwnershipControls")),
    _Part("PublicAccessBlockConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutPublicAccessBlock", Bucket=b,
        PublicAccessBlockConfiguration={k: flag(val) for k, val in v.items()}), _s3("DeletePublicAccessBlock")),
    _Part("AccessControl", lambda ctx, b, v: ctx.call("s3", "PutBucketAcl", Bucket=b, ACL=v),
          _s3("PutBucketAcl", ACL="private")),
    # versioning before object lock and lifecycle rules on noncurrent versions
    _Part("VersioningConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketVersioning", Bucket=b, VersioningConfiguration={"Status": v["Status"]}),
        _s3("PutBucketVersioning", VersioningConfiguration={"Status": "Suspended"})),
    _Part("ObjectLockConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutObjectLockConfiguration", Bucket=b, ObjectLockConfiguration=_object_lock(v)), None),
    _Part("BucketEncryption", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketEncryption", Bucket=b, ServerSideEncryptionConfiguration=_encryption(v)),
        _s3("DeleteBucketEncryption")),
    _Part("CorsConfiguration", lambda ctx, b, v: ctx.call("s3", "PutBucketCors", Bucket=b, CORSConfiguration=_cors(v)),
          _s3("DeleteBucketCors")),
    _Part("LifecycleConfiguration", _put_lifecycle, _s3("DeleteBucketLifecycle")),
    _Part("WebsiteConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketWebsite", Bucket=b, WebsiteConfiguration=_website(v)), _s3("DeleteBucketWebsite")),
    _Part("LoggingConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketLogging", Bucket=b, BucketLoggingStatus=_logging(b, v)),
        _s3("PutBucketLogging", BucketLoggingStatus={})),
    _Part("Tags", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketTagging", Bucket=b,
        Tagging={"TagSet": [{"Key": k, "Value": val} for k, val in tag_map(v).items()]}), _s3("DeleteBucketTagging")),
    # last: S3 checks the destinations (a queue must exist)
    _Part("NotificationConfiguration", lambda ctx, b, v: ctx.call(
        "s3", "PutBucketNotificationConfiguration", Bucket=b, NotificationConfiguration=_notifications(v)),
        _s3("PutBucketNotificationConfiguration", NotificationConfiguration={})),
)


def _bucket(ctx: StackContext, name: str) -> Provisioned:
    """Ref: the name; GetAtt: the ARN and the DNS names AWS documents for the bucket."""
    region = ctx.region
    website = "s3-website-" if region in _DASH_WEBSITE_REGIONS else "s3-website."
    return Provisioned(physical_id=name, attributes={
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.{website}{region}.amazonaws.com",
    })


def _warn_unsupported(ctx: StackContext, logical_id: str, props: dict[str, Any]) -> None:
    for prop in _UNSUPPORTED:
        if props.get(prop) is not None:
            ctx.warnings.append(f"{logical_id}: {prop} is not supported by squall's S3 yet and was ignored")


@handler("AWS::S3::Bucket")
class Bucket:
    """Ref: the bucket name; GetAtt: Arn, DomainName, DualStackDomainName, RegionalDomainName,
    WebsiteURL. BucketName and ObjectLockEnabled changes need a new bucket."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("BucketName") or ctx.name_for(logical_id, 63, lower=True)
        try:
            await ctx.call("s3", "HeadBucket", Bucket=name)
        except ServiceError:
            pass
        else:  # us-east-1 would answer 200 for a bucket the account already owns; CloudFormation refuses
            raise ResourceFailed(f"{name} already exists")
        location = None if ctx.region == "us-east-1" else {"LocationConstraint": ctx.region}
        await ctx.call("s3", "CreateBucket", Bucket=name, CreateBucketConfiguration=location,
                       ObjectLockEnabledForBucket=flag(props["ObjectLockEnabled"])
                       if props.get("ObjectLockEnabled") is not None else None)
        _warn_unsupported(ctx, logical_id, props)
        for part in _PARTS:
            if props.get(part.prop) is not None:
                await part.put(ctx, name, props[part.prop])
        return _bucket(ctx, name)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("BucketName", "ObjectLockEnabled"))
        name = current.physical_id
        _warn_unsupported(ctx, logical_id, new)
        for part in _PARTS:
            before, after = old.get(part.prop), new.get(part.prop)
            if before == after:
                continue
            if after is not None:
                await part.put(ctx, name, after)
            elif part.remove is not None:
                await part.remove(ctx, name)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        # BucketNotEmpty propagates: the stack reports DELETE_FAILED, as AWS does
        await unless_gone(ctx.call("s3", "DeleteBucket", Bucket=current.physical_id))


@handler("AWS::S3::BucketPolicy")
class BucketPolicy:
    """The bucket's policy. Ref: the bucket name; a new ``Bucket`` needs replacement.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html"""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await ctx.call("s3", "PutBucketPolicy", Bucket=props["Bucket"], Policy=json_text(props["PolicyDocument"]))
        return Provisioned(physical_id=props["Bucket"])

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("Bucket",))
        return await self.create(ctx, logical_id, new)

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("s3", "DeleteBucketPolicy", Bucket=current.physical_id))
