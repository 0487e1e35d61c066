"""A listener that never accepts, with the smallest backlog.

Once its one-place accept queue is full, the kernel drops further SYNs, so
a client's connect hangs until its own timeout: the way to test a connect
timeout without leaving loopback. It prints `Listening on HOST:PORT` and
exits after --lifetime seconds.
"""

import argparse
import socket
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetime", type=float, default=20.0)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    print(f"Listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    time.sleep(args.lifetime)
    listener.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
