"""The signing service under load: 1,000 requests from 50 concurrent clients on loopback.

    python benchmarks/bench_serve.py [--requests 1000] [--clients 50] [--rounds 3]

Starts ``s3presign serve`` (uvicorn, one process, audit log on) with a bearer-token policy and
sends each route's requests from 50 keep-alive connections at once (asyncio clients, so the load generator
stays light on a small machine). Reported per route, as the median of the rounds: requests/s,
p50 and p99 latency, and errors (any status but 200 counts). Peers in the same run, on the same
uvicorn: ``/healthz`` (the HTTP floor: no signing, no policy) and a minimal ASGI app that signs
with boto3's ``generate_presigned_url``, the way these services are usually written. With
``redis-server`` at hand, ``/download`` again with the limits shared through Redis (every request
counted there), on one worker and on ``--workers 2``. Each route is compared with the ``/healthz``
it ran beside, round by round, and by the server's CPU time per request (Linux), which a busy
machine disturbs less. Keys are realistic (Hive-style folders, spaces, non-ASCII). Prints; never
fails on a missed figure.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

TOKEN = "bench-token-0123456789abcdef"
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
POLICY = f"""
[s3]
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:9"
addressing_style = "path"
[server]
audit_log = "audit.jsonl"
[[clients]]
name = "bench"
token_sha256 = "{hashlib.sha256(TOKEN.encode()).hexdigest()}"
[[rules]]
clients = ["bench"]
bucket = "uploads"
key = "year=2026/month=11/{{client}}/{{uuid}}-{{filename}}"
methods = ["POST", "PUT", "GET"]
max_size = 104857600
content_types = ["text/*", "application/*"]
max_expires_in = 600
"""
# The usual hand-written signing service: boto3, one route, no policy.
BOTO3_APP = textwrap.dedent('''
    import json
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9",
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        key = scope["query_string"].decode().partition("key=")[2]
        url = client.generate_presigned_url("get_object", Params={"Bucket": "uploads", "Key": key}, ExpiresIn=600)
        body = json.dumps({"url": url}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
''')


def _cpu_ns(pid: int) -> int:
    """Nanoseconds the process has spent on a CPU (Linux /proc/PID/schedstat; 0 elsewhere): unlike
    wall time, not stretched by whatever else the machine runs."""
    try:
        with open(f"/proc/{pid}/schedstat") as file:
            total = int(file.read().split()[0])
        with open(f"/proc/{pid}/task/{pid}/children") as file:  # --workers: the forked workers
            return total + sum(_cpu_ns(int(child)) for child in file.read().split())
    except (OSError, ValueError, IndexError):
        return 0


def _start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """A redis-server on loopback for the shared-limit rows (None, said once, without one)."""
    import shutil
    import socket

    binary = shutil.which("redis-server")
    try:
        import redis  # noqa: F401
    except ImportError:
        binary = None
    if binary is None:
        print("redis-server or the redis client is missing: the shared-limit rows are left out (make redis; "
              "pip install 's3presign[redis]')")
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("redis-server did not start")


def _start(command: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    sink = log.open("wb")
    process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"(?:serving on|running on) http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return process, int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit(f"{command[2:5]} did not start:\n{log.read_text()}")


async def _client(port: int, requests: list[tuple[str, str, bytes]], latencies: list[float],
                  errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for method, target, body in requests:
            head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            start = time.perf_counter()
            writer.write(head + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status_line.split()[1] != b"200":
                errors.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def _round(port: int, make: object, total: int, clients: int) -> tuple[float, list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    batches = [[make(c * 1000 + n) for n in range(share[c])] for c in range(clients)]  # type: ignore[operator]
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, batch, latencies, errors) for batch in batches))
    return time.perf_counter() - start, latencies, errors


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _key(n: int) -> str:
    return f"year=2026/month=11/bench/5f1d3c1e-8f0a-4b5e-9a6b-{n:012d}-part {n:04d} ünï.parquet"


ROUTES = {
    "healthz (HTTP floor)": lambda n: ("GET", "/healthz", b""),
    "GET /download (presign GET)": lambda n: ("GET", "/download?key=" + quote(_key(n)), b""),
    "GET /s3/params (POST policy)": lambda n: ("GET", f"/s3/params?filename={quote(f'part {n:04d} ünï.csv')}&type=text/csv", b""),
    "POST /upload (presign PUT)": lambda n: ("POST", "/upload", json.dumps(
        {"filename": f"part {n:04d} ünï.parquet", "type": "application/octet-stream", "size": 1000}).encode()),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="s3presign-bench-serve-"))
    (folder / "policy.toml").write_text(POLICY)
    (folder / "boto3_app.py").write_text(BOTO3_APP)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "AWS_ACCESS_KEY_ID": KEY_ID,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": os.pathsep.join(
               [str(Path(__file__).resolve().parents[1] / "src"), str(folder)])}
    servers = {"s3presign serve": _start([sys.executable, "-m", "s3presign", "serve", "--config",
                                          str(folder / "policy.toml"), "--port", "0"], env, folder / "serve.log")}
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("boto3 is not installed: the boto3 peer is left out (pip install 's3presign[bench]')")
    else:
        servers["boto3 + uvicorn"] = _start([sys.executable, "-m", "uvicorn", "boto3_app:app", "--port", "0",
                                             "--no-access-log", "--log-level", "info"], env, folder / "boto3.log")
    redis = _start_redis(folder)
    if redis is not None:  # the shared limits: every request counted in Redis, one worker and two
        limited = POLICY.replace('token_sha256 =', 'rate_limit = 1000000.0\nburst = 1000000\ntoken_sha256 =')
        (folder / "redis.toml").write_text(f'[limits]\nredis_url = "redis://127.0.0.1:{redis[1]}/0"\n' + limited)
        for workers in (1, 2):
            (folder / f"w{workers}").mkdir()
            servers[f"Redis, {workers} worker{'s' if workers > 1 else ''}"] = _start(
                [sys.executable, "-m", "s3presign", "serve", "--config", str(folder / "redis.toml"), "--port", "0",
                 "--workers", str(workers)], env, folder / f"w{workers}" / "serve.log")
    plan = [("s3presign serve", name, make) for name, make in ROUTES.items()]
    plan += [(server, f"GET /download ({server.lower()})", ROUTES["GET /download (presign GET)"])
             for server in servers if server.startswith("Redis")]
    if "boto3 + uvicorn" in servers:
        plan.append(("boto3 + uvicorn", "GET presign (boto3)",
                     lambda n: ("GET", "/?key=" + quote(_key(n)), b"")))
    print(f"{args.requests} requests from {args.clients} concurrent keep-alive clients on loopback, "
          f"median of {args.rounds} rounds (each round runs every route once, so all see the same machine); "
          "uvicorn, one process each")
    results: dict[str, list[tuple[float, list[float], list[int]]]] = {name: [] for _, name, _ in plan}
    try:
        for server, name, make in plan:  # warm up
            asyncio.run(_round(servers[server][1], make, min(200, args.requests), args.clients))
        cpu: dict[str, list[float]] = {name: [] for _, name, _ in plan}
        for _ in range(args.rounds):
            for server, name, make in plan:
                before = _cpu_ns(servers[server][0].pid)
                results[name].append(asyncio.run(_round(servers[server][1], make, args.requests, args.clients)))
                cpu[name].append((_cpu_ns(servers[server][0].pid) - before) / args.requests / 1000)
        print(f"{'server':<17} {'route':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU µs/req':>11}")
        floor = "healthz (HTTP floor)"
        rates = {}
        for server, name, _ in plan:
            rounds = results[name]
            rates[name] = rate = statistics.median(args.requests / seconds for seconds, _, _ in rounds)
            p50 = statistics.median(_p(lat, 0.50) for _, lat, _ in rounds) * 1000
            p99 = statistics.median(_p(lat, 0.99) for _, lat, _ in rounds) * 1000
            errors = sum(len(err) for _, _, err in rounds)
            print(f"{server:<17} {name:<34} {rate:>8,.0f} {p50:>8.1f} {p99:>8.1f} {errors:>7} "
                  f"{statistics.median(cpu[name]):>11.0f}")
        # Each route against the floor it ran beside in the same round, then the median: a load spike
        # on the shared machine moves both sides of one ratio, not one side of a median of each.
        for name in ROUTES:
            if name != floor:
                ratios = [args.requests / route[0] / (args.requests / base[0])
                          for route, base in zip(results[name], results[floor])]
                by_cpu = statistics.median(cpu[floor]) / statistics.median(cpu[name])
                print(f"{name} vs {floor}: {statistics.median(ratios):.2f}x the requests/s "
                      f"(median of {len(ratios)} rounds; range {min(ratios):.2f}-{max(ratios):.2f}); "
                      f"{by_cpu:.2f}x by the server's CPU time per request")
        boto3_rate = rates.get("GET presign (boto3)")
        if boto3_rate:
            print(f"GET /download vs boto3 on the same uvicorn: {rates['GET /download (presign GET)'] / boto3_rate:.2f}x "
                  f"the requests/s (s3presign also checks a token, a policy rule and the key, and audits)")
    finally:
        for process, _ in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
