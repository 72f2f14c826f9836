"""AWS wire protocols, generic over botocore's service models.

Contract used by the gateway (see ``squall.gateway.dispatch``)::

    handler = get_handler(model_name, protocol, name_overrides)   # cached per (model, protocol)
    op      = handler.operation_for(request)        # botocore OperationModel, or ServiceError
    params  = handler.parse(request, op)            # dict of the op's input members
    resp    = handler.serialize(op, result, request_id)           # squall.gateway.http.Response
    resp    = handler.serialize_error(error, op_or_None, request_id)

Protocols: ``json``, ``rest-json``, ``rest-xml``, ``query``, ``smithy-rpc-v2-cbor``.
"""
