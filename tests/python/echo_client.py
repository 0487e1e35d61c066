"""A minimal selectors-based multi-connection echo client, standard library only.

It opens --conns connections at once, sends every --message on each, reads
until as many bytes came back as it sent, and exits 0 only when every
connection got back exactly what it sent (1 otherwise, 2 on a --timeout).
"""

import argparse
import selectors
import socket
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--conns", type=int, default=2)
    parser.add_argument("--message", action="append")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    messages = [m.encode() for m in (args.message or [
        "Message 1 from client.", "Message 2 from client."])]
    expected = b"".join(messages)

    selector = selectors.DefaultSelector()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    for number in range(1, args.conns + 1):
        print(f"Starting connection {number} to {args.host}:{args.port}", flush=True)
        conn = socket.socket(family, socket.SOCK_STREAM)
        conn.setblocking(False)
        conn.connect_ex((args.host, args.port))
        state = {"number": number, "outgoing": bytearray(expected), "received": bytearray()}
        selector.register(conn, selectors.EVENT_READ | selectors.EVENT_WRITE, data=state)

    failed = 0
    deadline = time.monotonic() + args.timeout
    while selector.get_map() and time.monotonic() < deadline:
        for key, events in selector.select(timeout=0.5):
            conn, state = key.fileobj, key.data
            done = False
            try:
                if events & selectors.EVENT_WRITE and state["outgoing"]:
                    sent = conn.send(state["outgoing"])
                    del state["outgoing"][:sent]
                    if not state["outgoing"]:
                        selector.modify(conn, selectors.EVENT_READ, data=state)
                if events & selectors.EVENT_READ:
                    chunk = conn.recv(65536)
                    state["received"] += chunk
                    if not chunk or len(state["received"]) >= len(expected):
                        done = True
            except OSError as error:
                print(f"Connection {state['number']} failed: {error}", flush=True)
                state["received"] += b"\0"
                done = True
            if done:
                number = state["number"]
                if bytes(state["received"]) == expected:
                    print(f"Closing connection {number}: echo matched", flush=True)
                else:
                    print(f"Connection {number} got {bytes(state['received'])!r}", flush=True)
                    failed += 1
                selector.unregister(conn)
                conn.close()
    if selector.get_map():
        print(f"Timed out with {len(selector.get_map())} connections open", flush=True)
        return 2
    print(f"{args.conns - failed} of {args.conns} connections matched", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
