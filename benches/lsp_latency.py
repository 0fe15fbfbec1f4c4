#!/usr/bin/env python3
"""Edit-to-diagnostics latency of `reflex-django-lsp server` (a benchmark, not a test).

Starts the server on a project, opens one file and makes N edits, one at a
time: each edit is a `didChange` (an incremental insert, then its removal, so
the text alternates between two versions) and is timed until the
`publishDiagnostics` for that version arrives. Prints the workspace load
time, p50 / p90 / p99 / max latency, and the server's peak RSS (VmHWM).

The latency includes the server's debounce: 30 ms, unless `--debounce-ms`
sets another (`--debounce-ms 0` times the analysis alone). Usage:

    cargo build --release
    python3 benches/lsp_latency.py fixtures/shop shop/states/catalog.py
    python3 benches/lsp_latency.py DJANGO_TREE django/contrib/auth/__init__.py --edits 200

`--generate DIR --filler TREE` first builds the issue's workspace in DIR (then
ROOT is DIR): a copy of fixtures/shop with a 3,000-line state module
`shop/states/big.py` (the shop's state modules repeated, classes renamed) and
2,000 Python files copied from TREE (any real code, e.g. a Django sdist's
`tests/` folder) under `vendor/`; FILE is then `shop/states/big.py`:

    python3 benches/lsp_latency.py --generate /tmp/ws --filler DJANGO_TREE/tests \
        /tmp/ws shop/states/big.py --debounce-ms 0
"""

import argparse
import json
import os
import pathlib
import queue
import re
import shutil
import statistics
import subprocess
import threading
import time


def generate(dest: pathlib.Path, filler: pathlib.Path, lines: int = 3000, files: int = 2000) -> None:
    """The benchmark workspace: the shop, a big state module, real filler code."""
    shop = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "shop"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(shop, dest)
    states = dest / "shop" / "states"
    templates = [(states / f"{m}.py").read_text(encoding="utf-8")
                 for m in ("catalog", "cart", "checkout", "orders", "admin")]
    # One module as people write them: the templates' imports once at the
    # top (set-up call before the model imports), then their definitions
    # repeated with the classes renamed until the module is long enough.
    header: list[str] = []
    bodies: list[str] = []
    for t in templates:
        src = t.splitlines()
        start = next(i for i, l in enumerate(src) if re.match(r"(class |def |async def |@)", l))
        statement: list[str] = []
        depth = 0
        for line in src[:start]:
            if not statement and not line.startswith(("import ", "from ", "configure_django(")):
                continue  # docstrings, comments, constants stay out of the header
            statement.append(line)
            depth += line.count("(") - line.count(")")
            if depth <= 0:
                text = "\n".join(statement).split("  #")[0].rstrip() if len(statement) == 1 else "\n".join(statement)
                if text not in header:
                    header.append(text)
                statement, depth = [], 0
        constants = [l for l in src[:start] if re.match(r"[A-Z_]+ = ", l)]
        bodies.append("\n".join(constants + src[start:]))
    setup = [h for h in header if h.startswith("configure_django(")]
    before = [h for h in header if h.startswith(("import ", "from ")) and not h.startswith(("from catalog", "from ."))]
    after = [h for h in header if h.startswith(("from catalog", "from ."))]
    future = [h for h in before if h.startswith("from __future__")]
    before = [h for h in before if h not in future]
    out = "\n".join(future + before + setup + after).splitlines()
    copy = 0
    while len(out) < lines:  # whole definitions only: the module stays valid Python
        body = bodies[copy % len(bodies)]
        out.append("")
        out.extend(re.sub(r"^class (\w+)", rf"class \1_{copy}", body, flags=re.M).splitlines())
        copy += 1
    (states / "big.py").write_text("\n".join(out) + "\n", encoding="utf-8")
    vendor = dest / "vendor"
    sources = sorted(p for p in filler.rglob("*.py") if p.is_file())[:files]
    for i, src in enumerate(sources):
        target = vendor / f"pkg{i // 100}" / src.relative_to(filler)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    print(f"generated {dest}: shop/states/big.py ({len(out)} lines), {len(sources)} files under vendor/")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="the project folder (the workspace root)")
    ap.add_argument("file", help="the file to edit, relative to the root")
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--debounce-ms", type=int, help="the server's debounce (default: its own, 30 ms)")
    ap.add_argument("--generate", metavar="DIR", help="build the benchmark workspace in DIR first")
    ap.add_argument("--filler", metavar="TREE", help="with --generate: where the 2,000 filler files come from")
    here = pathlib.Path(__file__).resolve().parent.parent
    ap.add_argument("--server", default=str(here / "target/release/reflex-django-lsp"))
    args = ap.parse_args()

    if args.generate:
        if not args.filler:
            raise SystemExit("--generate needs --filler TREE")
        generate(pathlib.Path(args.generate).resolve(), pathlib.Path(args.filler).resolve())
    env = dict(os.environ)
    if args.debounce_ms is not None:
        env["REFLEX_DJANGO_LSP_DEBOUNCE_MS"] = str(args.debounce_ms)
    root = pathlib.Path(args.root).resolve()
    path = root / args.file
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()

    proc = subprocess.Popen(
        [args.server, "server"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=env,
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
            body = out.read(length)
            at = time.perf_counter()  # arrival, not counting the client's JSON decoding
            msg = json.loads(body)
            msg["_at"] = at
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
          f"  (including the debounce: {args.debounce_ms if args.debounce_ms is not None else 30} ms)")
    print(f"server peak RSS: {int(rss) / 1024:.0f} MiB" if rss != "?" else "server peak RSS: unknown")


if __name__ == "__main__":
    main()
