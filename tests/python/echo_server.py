"""A minimal selectors-based echo server, standard library only.

It lets the tests check that netdemo's client talks plain TCP with a program
written elsewhere. It prints `Listening on HOST:PORT` first (port 0 picks a
free port), echoes every byte back on every connection at once, and exits by
itself once it has served --connections connections, or after --lifetime
seconds whatever happens.
"""

import argparse
import selectors
import socket
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--connections", type=int, default=1,
                        help="exit after serving this many connections")
    parser.add_argument("--lifetime", type=float, default=60.0,
                        help="exit after this many seconds in any case")
    args = parser.parse_args()

    selector = selectors.DefaultSelector()
    listener = socket.socket(
        socket.AF_INET6 if ":" in args.host else socket.AF_INET,
        socket.SOCK_STREAM,
    )
    listener.bind((args.host, args.port))
    listener.listen(1024)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, data=None)
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Listening on {shown}:{port}", flush=True)

    served = 0
    deadline = time.monotonic() + args.lifetime
    while served < args.connections and time.monotonic() < deadline:
        for key, events in selector.select(timeout=0.5):
            if key.data is None:
                conn, _ = listener.accept()
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ, data=bytearray())
                continue
            conn, pending = key.fileobj, key.data
            try:
                if events & selectors.EVENT_READ:
                    chunk = conn.recv(65536)
                    if not chunk:
                        raise ConnectionResetError("closed by the client")
                    pending += chunk
                if pending:
                    del pending[:conn.send(pending)]
            except BlockingIOError:
                pass
            except OSError:
                selector.unregister(conn)
                conn.close()
                served += 1
                continue
            # Ask to hear about writability only while there is an echo to
            # finish, so an idle connection does not spin the loop.
            wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0)
            if key.events != wanted:
                selector.modify(conn, wanted, data=pending)
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    selector.close()
    print(f"Served {served} connections", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
