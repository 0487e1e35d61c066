"""A Unix domain socket peer on Python's AF_UNIX, independent of netdemo.

Usage:
  unix_peer.py server PATH CONNECTIONS   echo server; prints "Listening on
                                         unix:PATH", exits 0 after
                                         CONNECTIONS connections ended
  unix_peer.py client PATH MESSAGE       sends MESSAGE, half-closes, prints
                                         "Received: REPLY" once it reads EOF
"""

import os
import socket
import sys
import threading


def serve(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)


def server(path, count):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen()
        print(f"Listening on unix:{path}", flush=True)
        threads = []
        for _ in range(count):
            conn, _ = listener.accept()
            thread = threading.Thread(target=serve, args=(conn,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
    os.unlink(path)


def client(path, message):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall(message.encode())
        conn.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            reply += data
    print(f"Received: {reply.decode()}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], sys.argv[3])
