// Baseline for `deno task bench`: the plainest fast echo server Node's `net`
// offers, `socket.pipe(socket)`, so that netdemo's echo server is compared
// with what a Node user would write first.
//
// Usage: node bench/baselines/node_echo_server.mjs [PORT] [HOST]   (PORT 0: any free one)
// Prints `Listening on HOST:PORT` first, like every netdemo server.

import net from "node:net";
import { listenUntilSignal } from "./_node_common.mjs";
import process from "node:process";

const port = Number(process.argv[2] ?? "0");
const host = process.argv[3] ?? "127.0.0.1";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(
    `error: PORT must be 0 to 65535, got "${process.argv[2]}"\n`,
  );
  process.exit(2);
}

const server = net.createServer((socket) => {
  // pipe() stops reading while the echo is not yet written: the same
  // backpressure netdemo's server has.
  socket.pipe(socket);
  // A reset client is normal under load; it must not end the server.
  socket.on("error", () => socket.destroy());
});

listenUntilSignal(server, port, host);
