"""Amazon SQS. The service definition is :data:`squall.services.sqs.service.SERVICE`
(imported lazily by :mod:`squall.services.registry`, so importing this package stays cheap)."""
