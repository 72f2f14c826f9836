"""Hot reload: an edit under a hot-reload code directory replaces the function's warm workers."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from squall.services.lambda_.hot_reload import watched
from tests.lambda_.test_functions import wheel

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLER = "import os\nimport time\n\n\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n" \
          "    return {{'v': {v}, 'pid': os.getpid()}}\n"


def invoke(lam, name: str, payload: dict[str, Any] | None = None) -> Any:
    out = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    body = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, body
    return body


def until(check: Callable[[], Any], timeout: float, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


@pytest.fixture
def hot_function(client, squall_server, tmp_path: Path) -> Callable[..., tuple[str, Path]]:
    lam = client("lambda")
    made: list[str] = []

    def make(files: dict[str, str | bytes], handler: str = "app.handler") -> tuple[str, Path]:
        code = tmp_path / uuid.uuid4().hex[:8]
        code.mkdir()
        for name, data in files.items():
            (code / name).write_bytes(data if isinstance(data, bytes) else data.encode())
        name = f"hot-{uuid.uuid4().hex[:10]}"
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler=handler, Timeout=30,
                            Code={"S3Bucket": "hot-reload", "S3Key": str(code)})
        made.append(name)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
        # watched once the watcher has re-read the function list (every 2 s); then give inotify a moment
        assert until(lambda: str(code) in watched(squall_server.runtime), 10)
        time.sleep(0.3)
        return name, code

    yield make
    for name in made:
        lam.delete_function(FunctionName=name)


def test_an_edit_replaces_warm_workers_within_a_second(hot_function, client, caplog):
    lam = client("lambda")
    name, code = hot_function({"app.py": HANDLER.format(v=1)})
    first = invoke(lam, name)
    assert invoke(lam, name)["pid"] == first["pid"]  # warm
    with caplog.at_level(logging.INFO, logger="squall.lambda"):
        (code / "app.py").write_text(HANDLER.format(v=2))
        edited = time.monotonic()
        assert until(lambda: invoke(lam, name)["v"] == 2, 5)
        assert time.monotonic() - edited < 1.5
        assert until(lambda: any(f"code changed in {code}: replacing warm workers of {name}" in r.getMessage()
                                 for r in caplog.records), 2)
    assert invoke(lam, name)["pid"] != first["pid"]


def test_a_busy_worker_finishes_with_the_old_code(hot_function, client):
    lam = client("lambda")
    name, code = hot_function({"app.py": HANDLER.format(v=1)})
    invoke(lam, name)
    slow: dict[str, Any] = {}
    running = threading.Thread(target=lambda: slow.update(invoke(lam, name, {"sleep": 1.5})))
    running.start()
    time.sleep(0.3)
    (code / "app.py").write_text(HANDLER.format(v=2))
    assert until(lambda: invoke(lam, name)["v"] == 2, 5)  # a new worker, while the busy one still runs
    running.join(10)
    assert slow["v"] == 1
    after = invoke(lam, name)
    assert after["v"] == 2 and after["pid"] != slow["pid"]  # the old worker was not kept warm


def test_a_changed_requirements_txt_is_installed_again(hot_function, client):
    lam = client("lambda")
    app = ("import importlib\n\n\ndef handler(event, context):\n    found = []\n"
           "    for name in ('hotpkga', 'hotpkgb'):\n        try:\n            importlib.import_module(name)\n"
           "            found.append(name)\n        except ImportError:\n            pass\n    return found\n")
    name, code = hot_function({"app.py": app, "requirements.txt": "./hotpkga-1.0-py3-none-any.whl\n",
                               "hotpkga-1.0-py3-none-any.whl": wheel("hotpkga", "A = 1\n"),
                               "hotpkgb-1.0-py3-none-any.whl": wheel("hotpkgb", "B = 1\n")})
    assert invoke(lam, name) == ["hotpkga"]
    (code / "requirements.txt").write_text("./hotpkgb-1.0-py3-none-any.whl\n")
    assert until(lambda: invoke(lam, name) == ["hotpkgb"], 60, every=0.2)
