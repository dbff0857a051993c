#!/usr/bin/python3
"""A steady writer for `bench/run --ha`: PUTs to one playmark-server at a fixed rate, each on a
connection of its own, whether or not the earlier ones have been answered, and one line per
answer on standard output:

    SENT_MS ANSWERED_MS STATUS CONTENT_ID OBSERVED_AT_MS

(wall-clock milliseconds, as `date +%s%3N`; STATUS 0 when no HTTP answer came: refused, reset or
timed out). bench/run-ha.sh reads it to time a failover: from the kill to the first 200 answer to
a PUT sent after it. Each PUT writes a new content id, so the ids answered 200 can be looked for
in the database afterwards (nothing acknowledged may be lost).

    failover-writer.py --url http://127.0.0.1:PORT --token TOKEN [--rate 100] [--device ha-writer]

Runs until SIGTERM or SIGINT. Up to 64 requests in flight, each given 30 s for its answer; a
request due while 64 are still waiting is not sent. The last line, written on exit, counts those:
"# skipped N of at most 64 in flight".
"""
import argparse
import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse

IN_FLIGHT = 64
TIMEOUT_SECONDS = 30.0  # for one answer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=100.0, help="PUTs a second")
    parser.add_argument("--device", default="ha-writer")
    args = parser.parse_args()

    target = urllib.parse.urlsplit(args.url)
    lock = threading.Lock()
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    stop = threading.Event()
    skipped = 0
    # A day ago and a millisecond apart: far from the server's clock check, and all distinct.
    base_ms = int(time.time() * 1000) - 24 * 3600 * 1000
    prefix = "ha-%d-" % int(time.time())

    def put(n):
        content_id = prefix + str(n)
        observed_at_ms = base_ms + n
        body = json.dumps({
            "position_ms": n * 1000 % 3600000, "duration_ms": 3600000,
            "device_id": args.device, "device_name": "HA writer",
            "observed_at_ms": observed_at_ms, "state": "paused"}).encode()
        sent_ms = int(time.time() * 1000)
        status = 0
        try:
            connection = http.client.HTTPConnection(target.hostname, target.port,
                                                    timeout=TIMEOUT_SECONDS)
            connection.request("PUT", "/v1/progress/" + content_id, body, {
                "Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            status = response.status
            connection.close()
        except (OSError, http.client.HTTPException):
            status = 0
        answered_ms = int(time.time() * 1000)
        with lock:
            sys.stdout.write("%d %d %d %s %d\n" % (sent_ms, answered_ms, status, content_id,
                                                  observed_at_ms))
            sys.stdout.flush()
        slots.release()

    def finish(*_):
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    interval = 1.0 / args.rate
    due = time.monotonic()
    n = 0
    while not stop.is_set():
        n += 1
        if slots.acquire(blocking=False):
            threading.Thread(target=put, args=(n,), daemon=True).start()
        else:
            skipped += 1
        due += interval
        stop.wait(max(0.0, due - time.monotonic()))
    with lock:
        sys.stdout.write("# skipped %d of at most %d in flight\n" % (skipped, IN_FLIGHT))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
