"""The peer for ``bench/lambda.py``'s job throughput: the same small jobs as Celery tasks on Redis.

Each job does what the squall function does with its batch — nothing but count itself done
(a Redis INCR, so the run can tell when every job has finished). Broker: this machine's Redis,
database 15 (flushed by the bench).

    celery -A celery_jobs worker --concurrency 2 --pool prefork   (run from bench/)
"""

from __future__ import annotations

import os

import redis
from celery import Celery

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
COUNTER = "bench:jobs-done"

app = Celery("celery_jobs", broker=REDIS_URL)
app.conf.update(task_ignore_result=True, worker_prefetch_multiplier=64, task_acks_late=True,
                broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)

_redis = redis.Redis.from_url(REDIS_URL)


@app.task(name="job")
def job(payload: dict) -> None:
    _redis.incr(COUNTER)
