"""Baseline for `deno task bench`: a single-threaded echo server on Python's
selectors module (epoll on Linux), the course's own pattern for serving many
connections. It prints nothing per message, only the Listening line.

Usage: python3 bench/baselines/python_echo_server.py [PORT] [HOST]   (PORT 0: any free one)
"""

import selectors
import signal
import socket
import sys

BUFFER = 65536


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    selector = selectors.DefaultSelector()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(4096)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, None)
    bound = listener.getsockname()
    print(f"Listening on {bound[0]}:{bound[1]}", flush=True)

    # SIGTERM ends the loop cleanly instead of killing mid-write.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    pending = {}  # socket -> bytes accepted from it but not yet echoed

    def close(conn):
        selector.unregister(conn)
        pending.pop(conn, None)
        conn.close()

    def readable(conn):
        try:
            data = conn.recv(BUFFER)
        except (ConnectionResetError, BlockingIOError) as error:
            if isinstance(error, BlockingIOError):
                return
            close(conn)
            return
        if not data:
            close(conn)
            return
        try:
            sent = conn.send(data)
        except BlockingIOError:
            sent = 0
        except (BrokenPipeError, ConnectionResetError):
            close(conn)
            return
        if sent < len(data):
            # Stop reading until the rest is out: backpressure, as in the
            # other servers.
            pending[conn] = data[sent:]
            selector.modify(conn, selectors.EVENT_WRITE, None)

    def writable(conn):
        data = pending[conn]
        try:
            sent = conn.send(data)
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):
            close(conn)
            return
        if sent < len(data):
            pending[conn] = data[sent:]
        else:
            del pending[conn]
            selector.modify(conn, selectors.EVENT_READ, None)

    try:
        while True:
            for key, events in selector.select():
                sock = key.fileobj
                if sock is listener:
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, ConnectionAbortedError):
                        continue
                    except OSError:
                        # Out of file descriptors: try again on the next event.
                        continue
                    conn.setblocking(False)
                    selector.register(conn, selectors.EVENT_READ, None)
                elif events & selectors.EVENT_WRITE:
                    writable(sock)
                else:
                    readable(sock)
    except KeyboardInterrupt:
        pass
    finally:
        selector.close()
        listener.close()


if __name__ == "__main__":
    main()
