"""SQS's legacy query/XML serialized names, as a protocol name-override table.

SQS's current botocore model is JSON-only (``awsQueryCompatible``), but older
SDKs and tools still speak the query protocol with the names of the old query
model (botocore ``botocore/data/sqs/2012-11-05/service-2.json`` before
boto/botocore#3165), e.g. ``Attribute.1.Name``, ``MessageAttribute.1.Value.StringValue``,
``SendMessageBatchRequestEntry.1.Id`` and XML like ``<Message>`` or
``<Attribute><Name/><Value/></Attribute>``. The list/map ``flattened`` traits
survived in the JSON model, so only names need overriding.

Key format (see :mod:`squall.protocol.specs`): ``"Shape.Member"`` for a
structure member, ``"ListShape$member"`` for list elements, ``"MapShape$key"`` /
``"MapShape$value"`` for map entries. The table was derived by walking both
models side by side; ``tests/protocol/test_sqs_query.py`` checks it against the
old model with botocore's own query serializer and parser.
"""

from __future__ import annotations

QUERY_NAME_OVERRIDES: dict[str, str] = {
    # structure members
    "CreateQueueRequest.Attributes": "Attribute",
    "CreateQueueRequest.tags": "Tag",
    "SetQueueAttributesRequest.Attributes": "Attribute",
    "GetQueueAttributesResult.Attributes": "Attribute",
    "TagQueueRequest.Tags": "Tag",
    "ListQueueTagsResult.Tags": "Tag",
    "SendMessageRequest.MessageAttributes": "MessageAttribute",
    "SendMessageRequest.MessageSystemAttributes": "MessageSystemAttribute",
    "SendMessageBatchRequestEntry.MessageAttributes": "MessageAttribute",
    "SendMessageBatchRequestEntry.MessageSystemAttributes": "MessageSystemAttribute",
    "Message.Attributes": "Attribute",
    "Message.MessageAttributes": "MessageAttribute",
    "MessageAttributeValue.StringListValues": "StringListValue",
    "MessageAttributeValue.BinaryListValues": "BinaryListValue",
    "MessageSystemAttributeValue.StringListValues": "StringListValue",
    "MessageSystemAttributeValue.BinaryListValues": "BinaryListValue",
    # list elements (flattened lists: the element name is the wire name)
    "AWSAccountIdList$member": "AWSAccountId",
    "ActionNameList$member": "ActionName",
    "AttributeNameList$member": "AttributeName",
    "MessageAttributeNameList$member": "MessageAttributeName",
    "MessageSystemAttributeList$member": "MessageSystemAttributeName",
    "TagKeyList$member": "TagKey",
    "QueueUrlList$member": "QueueUrl",
    "MessageList$member": "Message",
    "StringList$member": "StringListValue",
    "BinaryList$member": "BinaryListValue",
    "SendMessageBatchRequestEntryList$member": "SendMessageBatchRequestEntry",
    "SendMessageBatchResultEntryList$member": "SendMessageBatchResultEntry",
    "DeleteMessageBatchRequestEntryList$member": "DeleteMessageBatchRequestEntry",
    "DeleteMessageBatchResultEntryList$member": "DeleteMessageBatchResultEntry",
    "ChangeMessageVisibilityBatchRequestEntryList$member": "ChangeMessageVisibilityBatchRequestEntry",
    "ChangeMessageVisibilityBatchResultEntryList$member": "ChangeMessageVisibilityBatchResultEntry",
    "BatchResultErrorEntryList$member": "BatchResultErrorEntry",
    "ListMessageMoveTasksResultEntryList$member": "ListMessageMoveTasksResultEntry",
    # map entries
    "QueueAttributeMap$key": "Name",
    "QueueAttributeMap$value": "Value",
    "MessageBodyAttributeMap$key": "Name",
    "MessageBodyAttributeMap$value": "Value",
    "MessageBodySystemAttributeMap$key": "Name",
    "MessageBodySystemAttributeMap$value": "Value",
    "MessageSystemAttributeMap$key": "Name",
    "MessageSystemAttributeMap$value": "Value",
    "TagMap$key": "Key",
    "TagMap$value": "Value",
    # SQS's query answers use the queue.amazonaws.com namespace, not sqs.amazonaws.com.
    "$xmlns": "http://queue.amazonaws.com/doc/2012-11-05/",
}
