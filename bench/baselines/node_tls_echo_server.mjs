// Baseline for `deno task bench` (bench/tls_echo.ts): the plainest TLS echo
// server Node's `tls` offers, `socket.pipe(socket)` on each secure socket, so
// that netdemo's TLS echo server is compared with what a Node user writes first.
//
// Usage: node bench/baselines/node_tls_echo_server.mjs PORT HOST CERT_FILE KEY_FILE
// Prints `Listening on HOST:PORT` first, like every netdemo server.

import { readFileSync } from "node:fs";
import process from "node:process";
import tls from "node:tls";
import { listenUntilSignal } from "./_node_common.mjs";

const [portText = "0", host = "127.0.0.1", certFile, keyFile] = process.argv
  .slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !keyFile) {
  process.stderr.write(
    "usage: node_tls_echo_server.mjs PORT HOST CERT_FILE KEY_FILE\n",
  );
  process.exit(2);
}

const server = tls.createServer({
  cert: readFileSync(certFile),
  key: readFileSync(keyFile),
}, (socket) => {
  socket.pipe(socket);
  socket.on("error", () => socket.destroy());
});
// A client that fails its handshake must not end the server.
server.on("tlsClientError", () => {});
listenUntilSignal(server, port, host);
