"""A TLS echo server on Python's ssl module, independent of netdemo.

Usage: tls_echo_server.py CERT KEY CONNECTIONS

Listens on 127.0.0.1 on a free port, prints "Listening on 127.0.0.1:PORT",
echoes every byte on each connection (one thread each) until the client
closes, and exits 0 after CONNECTIONS connections have ended.
"""

import socket
import ssl
import sys
import threading


def serve(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def main():
    cert, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        print(f"Listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
        threads = []
        while len(threads) < count:
            raw, _ = listener.accept()
            try:
                conn = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                continue
            thread = threading.Thread(target=serve, args=(conn,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()


if __name__ == "__main__":
    main()
