"""Opens connections and resets them (SO_LINGER 0), standard library only.

Each of --count connections is closed with SO_LINGER set to 0, so the kernel
sends a RST rather than a FIN. By default it resets at once, often while the
server has not accepted the connection yet (the server's accept then fails
with ENOTCONN or ECONNABORTED); with --after-echo it first sends one byte and
waits for it to come back, so the server has surely accepted it and sees
the reset on a live connection. It prints one line with the count, exits 0.
"""

import argparse
import socket
import struct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--after-echo", action="store_true")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    linger_zero = struct.pack("ii", 1, 0)
    for _ in range(args.count):
        conn = socket.create_connection((args.host, args.port), timeout=args.timeout)
        if args.after_echo:
            conn.sendall(b"x")
            if conn.recv(1) != b"x":
                print("the server did not echo the byte", flush=True)
                return 1
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
        conn.close()
    print(f"Reset {args.count} connections", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
