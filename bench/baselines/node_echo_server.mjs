// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// Baseline for `deno task bench`: the plainest fast echo server Node's `net`
// offers, `socket.pipe(socket)`, so that netdemo's echo server is compared
// with what a Node user would write first.
//
// Usage: node bench/baselines/node_echo_server.mjs [PORT] [HOST]   (PORT 0: any free one)
// Prints `Listening on HOST:PORT` first, like every netdemo server.

import net from "node:net";
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

server.on("error", (error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});

// The backlog matters when the idle-connection test opens connections quickly.
server.listen({ port, host, backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(`Listening on ${address.address}:${address.port}\n`);
});

function stop() {
  server.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
