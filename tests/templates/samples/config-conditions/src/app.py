"""Reports the configuration the template resolved: environment variables and memory size."""

import os

NAMES = ["STAGE", "LOG_LEVEL", "GREETING", "FIRST_TAG", "ALL_TAGS", "DOMAIN", "WHERE", "ARCHIVE_QUEUE_URL",
         "VERBOSE", "LOG_GROUP"]


def handler(event, context):
    config = {name.lower(): os.environ.get(name) for name in NAMES}  # None: the variable is not set
    config["memory"] = int(context.memory_limit_in_mb)
    return config
