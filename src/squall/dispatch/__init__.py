"""Background delivery: the outbox relay now; event source pollers, async invokes and schedules later."""
