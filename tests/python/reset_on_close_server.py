"""An echo server that resets each connection some time after its client's end of stream.

It echoes everything a client sends; when the client half-closes, it waits
--delay seconds and then closes with SO_LINGER 0, so the client sees a RST
where it waits for the server's FIN. Standard library only, one thread per
connection. It prints "Listening on 127.0.0.1:PORT" and serves until killed.
"""

import argparse
import socket
import struct
import threading
import time


def serve(conn: socket.socket, delay: float) -> None:
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)
        time.sleep(delay)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"Listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, args.delay), daemon=True).start()


if __name__ == "__main__":
    main()
