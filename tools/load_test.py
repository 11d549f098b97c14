#!/usr/bin/env python3
"""Load and shutdown figures for `stylize serve` on 127.0.0.1 (issue 15). Starts the server itself (so it
can read its RSS from /proc and send it SIGTERM), then:

  1. for 2, 8 and 32 concurrent clients posting 256² transformer requests for --seconds each:
     throughput, p50/p99 latency of the 200s, share of 503s (clients back off 0.2 s after one), any
     other status (must be none), peak RSS, mean RSS in the first vs the last 20 s (--window; must not
     grow by over 5 % and 10 MiB), and /v1/health latency sampled every 0.25 s from a separate process
     (must stay under 100 ms);
  2. the cached-style speed-up (a new style every request vs the same one) and the HTTP path's overhead
     over the library call for one 512² image (client latency minus the Server-Timing library time);
  3. SIGTERM during an 8-client run: the server must exit 0 and no response may be cut short.

    python3 tools/load_test.py --binary .build/release/stylize [--weights DIR] [--seconds 60] [--clients 2,8,32]

Without --weights it makes random StyTr² weights of the official architecture. Loops are bounded by
time and count; every connection goes to 127.0.0.1.
"""
import argparse
import http.client
import io
import json
import multiprocessing
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tools" / "samples"
BOUNDARY = "loadtestboundary42"


def form(fields, files):
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/png\r\n\r\n".encode() + data + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Server:
    def __init__(self, binary, weights, workers, queue):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--weights", weights,
                                         "--workers", str(workers), "--queue", str(queue)], stderr=self.log)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/v1/ready")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.25)
        self.log.seek(0)
        sys.exit("load_test: the server did not become ready:\n" + self.log.read().decode(errors="replace"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=300):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def client_loop(port, body, until, results, lock, incomplete):
    connection = None
    while time.time() < until:
        start = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("POST", "/v1/stylize", body=body, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            status = response.status
        except http.client.IncompleteRead:
            with lock:
                incomplete.append(1)
            connection = None
            continue
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, OSError):
            connection = None  # no response began: refused or closed between requests (shutdown)
            if time.time() < until:
                time.sleep(0.05)
            continue
        elapsed = time.perf_counter() - start
        with lock:
            results.append((time.time(), status, elapsed))
        if status == 503:
            time.sleep(0.2)
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None


def health_loop(port, until, samples):
    """Runs in a process of its own, so the load clients' threads do not delay its timing (the GIL)."""
    while time.time() < until:
        start = time.perf_counter()
        try:
            status = request(port, "GET", "/v1/health", timeout=5)[0]
        except OSError:
            status = 0
        samples.put((status, time.perf_counter() - start))
        time.sleep(0.25)


def load_run(server, clients, seconds, body, window):
    results, incomplete, health, rss = [], [], [], []
    lock = threading.Lock()
    start = time.time()
    until = start + seconds
    threads = [threading.Thread(target=client_loop, args=(server.port, body, until, results, lock, incomplete)) for _ in range(clients)]
    samples = multiprocessing.Queue()
    prober = multiprocessing.Process(target=health_loop, args=(server.port, until, samples))
    prober.start()
    for t in threads:
        t.start()
    while time.time() < until:
        rss.append((time.time() - start, rss_kib(server.process.pid)))
        time.sleep(0.5)
    for t in threads:
        t.join()
    prober.join()
    while not samples.empty():
        health.append(samples.get())
    ok = [r for r in results if r[1] == 200]
    busy = [r for r in results if r[1] == 503]
    other = sorted({r[1] for r in results} - {200, 503})
    first = [kib for t, kib in rss if t <= window]
    last = [kib for t, kib in rss if t >= seconds - window]
    health_ms = [d * 1000 for _, d in health]
    return {
        "clients": clients, "seconds": seconds, "requests": len(results), "ok": len(ok),
        "throughput_per_s": round(len(ok) / seconds, 2),
        "p50_ms": round(percentile([r[2] * 1000 for r in ok], 50), 1),
        "p99_ms": round(percentile([r[2] * 1000 for r in ok], 99), 1),
        "share_503": round(len(busy) / max(1, len(results)), 3),
        "other_statuses": other, "incomplete_responses": len(incomplete),
        "peak_rss_mib": round(max(k for _, k in rss) / 1024, 1),
        "rss_first_window_mib": round(statistics.mean(first) / 1024, 1) if first else None,
        "rss_last_window_mib": round(statistics.mean(last) / 1024, 1) if last else None,
        "health_max_ms": round(max(health_ms), 1), "health_over_100ms": sum(1 for d in health_ms if d > 100),
        "health_failures": sum(1 for s, _ in health if s != 200),
    }


def timed(port, body, runs):
    """Client latencies and Server-Timing library times (s) of `runs` requests."""
    latencies, library = [], []
    for i in range(runs):
        data = body(i) if callable(body) else body
        start = time.perf_counter()
        status, _, headers = request(port, "POST", "/v1/stylize", data, HEADERS)
        latencies.append(time.perf_counter() - start)
        assert status == 200, status
        library.append(float(headers["Server-Timing"].split("dur=")[1]) / 1000)
    return latencies, library


def png_with_comment(data, tag):
    """The same PNG with a tEXt chunk added after IHDR: other bytes, same pixels (a cache miss)."""
    import struct
    import zlib
    chunk_data = b"Comment\x00" + tag.encode()
    chunk = struct.pack(">I", len(chunk_data)) + b"tEXt" + chunk_data + struct.pack(">I", zlib.crc32(b"tEXt" + chunk_data))
    return data[:33] + chunk + data[33:]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default=str(ROOT / ".build" / "release" / "stylize"))
    p.add_argument("--weights")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--window", type=float, default=20, help="seconds at the start and end compared for RSS growth")
    p.add_argument("--clients", default="2,8,32")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    p.add_argument("--queue", type=int, default=8)
    p.add_argument("--repeats", type=int, default=5, help="requests per cache and overhead measurement")
    a = p.parse_args()
    if not 1 <= a.seconds <= 600:
        p.error("--seconds must be between 1 and 600")
    clients = [int(c) for c in a.clients.split(",")]
    if not all(1 <= c <= 64 for c in clients):
        p.error("--clients takes counts between 1 and 64")
    with tempfile.TemporaryDirectory() as tmp:
        weights = a.weights
        if weights is None:
            weights = tmp
            subprocess.run([sys.executable, str(ROOT / "tools" / "make_random_stytr2_weights.py"), f"{tmp}/stytr2.safetensors",
                            "--d-model", "512", "--heads", "8", "--ffn", "2048", "--layers", "3", "--cnn-width", "256"], check=True)
        content = (SAMPLES / "astronaut.png").read_bytes()
        style = (SAMPLES / "mosaic.png").read_bytes()
        report = {"cpu": cpu_name(), "workers": a.workers, "queue": a.queue, "runs": []}
        server = Server(a.binary, weights, a.workers, a.queue)
        body256 = form({"size": "256", "style_size": "256"}, [("content", "astronaut.png", content), ("style", "mosaic.png", style)])
        timed(server.port, body256, 3)  # warm-up: the weights' pages and the allocator's arenas, before any RSS window
        for n in clients:
            report["runs"].append(load_run(server, n, a.seconds, body256, min(a.window, a.seconds / 3)))
            print(json.dumps(report["runs"][-1]), flush=True)

        # Cached style: a new style's bytes each time (miss) vs the same bytes (hit), 256² content, 512² style.
        miss = lambda i: form({"size": "256"}, [("content", "a.png", content), ("style", "m.png", png_with_comment(style, f"{time.time()}-{i}"))])
        hit = form({"size": "256"}, [("content", "a.png", content), ("style", "m.png", style)])
        timed(server.port, hit, 1)
        miss_latency, _ = timed(server.port, miss, a.repeats)
        hit_latency, _ = timed(server.port, hit, a.repeats)
        report["cache"] = {"miss_median_ms": round(statistics.median(miss_latency) * 1000, 1),
                           "hit_median_ms": round(statistics.median(hit_latency) * 1000, 1),
                           "speedup": round(statistics.median(miss_latency) / statistics.median(hit_latency), 2)}
        print(json.dumps(report["cache"]), flush=True)

        # HTTP overhead for one 512² image (style cached so both numbers time the same work).
        body512 = form({"size": "512"}, [("content", "a.png", content), ("style", "m.png", style)])
        latency, library = timed(server.port, body512, a.repeats)
        overhead = [l - s for l, s in zip(latency, library)]
        report["overhead_512"] = {"client_median_ms": round(statistics.median(latency) * 1000, 1),
                                  "library_median_ms": round(statistics.median(library) * 1000, 1),
                                  "overhead_median_ms": round(statistics.median(overhead) * 1000, 1),
                                  "overhead_share": round(statistics.median(overhead) / statistics.median(latency), 4)}
        print(json.dumps(report["overhead_512"]), flush=True)
        server.stop()

        # SIGTERM during an 8-client load run.
        server = Server(a.binary, weights, a.workers, a.queue)
        results, incomplete, lock = [], [], threading.Lock()
        until = time.time() + 15
        threads = [threading.Thread(target=client_loop, args=(server.port, body256, until, results, lock, incomplete)) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(4)
        sent = time.time()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=60)
        exit_seconds = time.time() - sent
        for t in threads:
            t.join()
        report["sigterm"] = {"exit_code": code, "seconds_to_exit": round(exit_seconds, 2), "responses": len(results),
                             "statuses": sorted({r[1] for r in results}), "incomplete_responses": len(incomplete)}
        print(json.dumps(report["sigterm"]), flush=True)
    grew = lambda r: r["rss_last_window_mib"] is not None and r["rss_last_window_mib"] > max(1.05 * r["rss_first_window_mib"], r["rss_first_window_mib"] + 10)
    failures = [r for r in report["runs"] if r["other_statuses"] or r["incomplete_responses"] or r["health_over_100ms"] or grew(r)]
    if report["sigterm"]["exit_code"] != 0 or report["sigterm"]["incomplete_responses"] or set(report["sigterm"]["statuses"]) - {200, 503}:
        failures.append(report["sigterm"])
    print(json.dumps(report, indent=1))
    return 1 if failures else 0


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
