"""Amazon CloudWatch Logs (see :mod:`.service`), and the function-log sink Lambda writes through (:mod:`.sink`)."""
