#!/usr/bin/env python3
"""Edit-to-diagnostics latency of `reflex-django-lsp server` (a benchmark, not a test).

Starts the server on a project, opens one file and makes N edits, one at a
time: each edit is a `didChange` (an incremental insert, then its removal, so
the text alternates between two versions) and is timed until the
`publishDiagnostics` for that version arrives. Prints the workspace load
time, p50 / p90 / p99 / max latency, and the server's peak RSS (VmHWM).

The latency includes the server's 30 ms debounce. Usage:

    cargo build --release
    python3 benches/lsp_latency.py fixtures/shop shop/states/catalog.py
    python3 benches/lsp_latency.py DJANGO_TREE django/contrib/auth/__init__.py --edits 200
"""

import argparse
import json
import os
import pathlib
import queue
import statistics
import subprocess
import threading
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="the project folder (the workspace root)")
    ap.add_argument("file", help="the file to edit, relative to the root")
    ap.add_argument("--edits", type=int, default=300)
    here = pathlib.Path(__file__).resolve().parent.parent
    ap.add_argument("--server", default=str(here / "target/release/reflex-django-lsp"))
    args = ap.parse_args()

    root = pathlib.Path(args.root).resolve()
    path = root / args.file
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()

    proc = subprocess.Popen(
        [args.server, "server"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    inbox: "queue.Queue[dict]" = queue.Queue()

    def read() -> None:
        out = proc.stdout
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            msg["_at"] = time.perf_counter()
            inbox.put(msg)

    threading.Thread(target=read, daemon=True).start()

    def send(msg: dict) -> None:
        body = json.dumps(msg).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    def wait(pred, timeout=60.0) -> dict:
        deadline = time.perf_counter() + timeout
        while True:
            msg = inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
            if "method" in msg and "id" in msg:  # a request from the server
                send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            if pred(msg):
                return msg

    def diagnostics_for(version: int):
        return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version

    started = time.perf_counter()
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}})
    wait(lambda m: m.get("id") == 1)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
    first = wait(diagnostics_for(1))
    load = first["_at"] - started
    count = len(first["params"]["diagnostics"])

    # Insert a comment at the end of the first line, then remove it.
    first_line = text.split("\n", 1)[0].rstrip("\r")
    end = {"line": 0, "character": len(first_line.encode("utf-16-le")) // 2}
    after = {"line": 0, "character": end["character"] + len("  # x")}
    latencies = []
    for version in range(2, args.edits + 2):
        if version % 2 == 0:
            change = {"range": {"start": end, "end": end}, "text": "  # x"}
        else:
            change = {"range": {"start": end, "end": after}, "text": ""}
        sent = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        got = wait(diagnostics_for(version))
        latencies.append((got["_at"] - sent) * 1000)
        if len(got["params"]["diagnostics"]) != count:
            raise SystemExit(f"version {version}: {len(got['params']['diagnostics'])} diagnostics, expected {count}")

    with open(f"/proc/{proc.pid}/status") as status:
        rss = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "?")
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    wait(lambda m: m.get("id") == 2)
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=10)

    q = statistics.quantiles(latencies, n=100)
    print(f"{path.relative_to(root)} in {root.name}: {count} diagnostics; first diagnostics {load * 1000:.0f} ms after start")
    print(f"{len(latencies)} edits, ms: p50 {q[49]:.1f}  p90 {q[89]:.1f}  p99 {q[98]:.1f}  max {max(latencies):.1f}"
          f"  (30 ms of each is the debounce)")
    print(f"server peak RSS: {int(rss) / 1024:.0f} MiB" if rss != "?" else "server peak RSS: unknown")


if __name__ == "__main__":
    main()
