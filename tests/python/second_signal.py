"""Stops a logging server twice, the second time while its last lines move.

Starts the command given after "--" (a bork server on port 0 that logs
every chunk), reads its "Listening on HOST:PORT" line, sends it --bytes
bytes on one connection and reads the answer to its end, all while leaving
the server's stdout unread, so that its log waits on a full pipe. Then it
sends SIGTERM, reads --read-before bytes of the log with plain reads (no
read-ahead, so the server is still writing), sends SIGTERM again, and
reads the rest. With --stall SECONDS it reads nothing between the
signals and waits that long instead: a reader that stopped. It prints one
JSON line: the exit code, the log's last line, the bytes read between the
signals and the seconds from the second signal to the server's exit.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=256 * 1024)
    parser.add_argument("--read-before", type=int, default=256 * 1024)
    parser.add_argument("--stall", type=float, default=0.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    out = child.stdout.fileno()
    first = b""
    while not first.endswith(b"\n"):
        got = os.read(out, 1)
        if not got:
            raise SystemExit("the server exited before listening")
        first += got
    port = int(first.decode().rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        chunk = b"a" * 4096
        for _ in range(args.bytes // len(chunk)):
            conn.sendall(chunk)
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(65536):
            pass
    child.send_signal(signal.SIGTERM)
    log = b""
    if args.stall > 0:
        time.sleep(args.stall)
    while args.stall == 0 and len(log) < args.read_before:
        got = os.read(out, 65536)
        if not got:
            break
        log += got
    between = len(log)
    try:
        child.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    second = time.monotonic()
    if args.stall > 0:
        # Still not reading: only the signal can end the wait at once.
        exited = child.wait()
        seconds = time.monotonic() - second
    while True:
        got = os.read(out, 65536)
        if not got:
            break
        log += got
    if args.stall == 0:
        # The end of the log is the server's exit, or its last write.
        seconds = time.monotonic() - second
        exited = child.wait()
    last = log.decode(errors="replace").rstrip("\n").rsplit("\n", 1)[-1]
    print(json.dumps({
        "code": exited, "last": last, "readBetween": between,
        "secondsToExit": round(seconds, 3),
    }))


if __name__ == "__main__":
    main()
