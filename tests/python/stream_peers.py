"""TLS and Unix-socket peers on Python's standard library, independent of
netdemo, for the interop tests.

Usage:
  stream_peers.py tls-server CERT KEY CONNECTIONS
      TLS echo server (ssl module) on 127.0.0.1, a free port; prints
      "Listening on 127.0.0.1:PORT", exits 0 after CONNECTIONS connections
      have ended (one thread each).
  stream_peers.py unix-server PATH CONNECTIONS
      AF_UNIX echo server; prints "Listening on unix:PATH", removes PATH and
      exits 0 after CONNECTIONS connections have ended.
  stream_peers.py unix-client PATH MESSAGE [OWN_PATH]
      sends MESSAGE, half-closes, prints "Received: REPLY" at EOF; with
      OWN_PATH, binds its own end to that path first (removed at the end).
"""

import os
import socket
import ssl
import sys
import threading


def echo(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def serve(listener, count, wrap=lambda conn: conn):
    threads = []
    while len(threads) < count:
        raw, _ = listener.accept()
        try:
            conn = wrap(raw)
        except (ssl.SSLError, OSError):
            raw.close()
            continue
        thread = threading.Thread(target=echo, args=(conn,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def tls_server(cert, key, count):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        print(f"Listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
        serve(listener, count,
              lambda raw: context.wrap_socket(raw, server_side=True))


def unix_server(path, count):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen()
        print(f"Listening on unix:{path}", flush=True)
        serve(listener, count)
    os.unlink(path)


def unix_client(path, message, own_path=None):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        if own_path is not None:
            conn.bind(own_path)
        conn.connect(path)
        conn.sendall(message.encode())
        conn.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            reply += data
    if own_path is not None:
        os.unlink(own_path)
    print(f"Received: {reply.decode()}", flush=True)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "tls-server":
        tls_server(args[0], args[1], int(args[2]))
    elif mode == "unix-server":
        unix_server(args[0], int(args[1]))
    elif mode == "unix-client":
        unix_client(*args)
    else:
        sys.exit(f"unknown mode {mode!r}")
