"""kill -9 durability (SQLite): every transaction acknowledged before the kill is on disk.

A child process commits transactions as fast as group commit allows and
prints each acknowledged id (flushing stdout after the ack); the parent
SIGKILLs it mid-stream, reopens the database and looks for every printed id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from squall.engine import open_engine

    async def main():
        e = open_engine("sqlite", Path(sys.argv[1]))
        await e.start()
        n = 0

        async def worker(w):
            nonlocal n
            while True:
                n += 1
                key = f"{w}-{n}"
                def fn(tx, key=key):
                    tx.put("acked", key, b"v" * 100)
                    for _ in range(5):
                        tx.enqueue("q", b"x" * 200)
                await e.transact(fn)
                sys.stdout.write(key + "\\n")
                sys.stdout.flush()

        await asyncio.gather(*(worker(w) for w in range(32)))

    asyncio.run(main())
""")


def test_acked_transactions_survive_sigkill(tmp_path: Path):
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data)], stdout=subprocess.PIPE, env=env)
    acked: list[str] = []
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while len(acked) < 3000 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked.append(line.decode().strip())
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read().decode().split()  # acks printed before the kill landed
    proc.wait()
    acked += [k for k in rest if k]
    assert len(acked) >= 1000, "the child did not get going"

    from squall.engine import open_engine

    async def check() -> set[str]:
        e = open_engine("sqlite", data)
        await e.start()
        try:
            rows = await e.read(lambda tx: tx.scan("acked"))
            return {k for k, _ in rows}
        finally:
            await e.close()

    present = asyncio.run(check())
    missing = [k for k in acked if k not in present]
    assert not missing, f"{len(missing)} acknowledged transactions lost, e.g. {missing[:5]}"
