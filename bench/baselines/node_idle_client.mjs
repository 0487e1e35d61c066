// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// Idle connections for `deno task bench`'s memory test: opens N connections
// to a server and sends nothing on them; then proves the server has accepted
// them all with a one-byte round trip on one more connection, opened after
// the N were established (a server accepts in the order connections were
// established, so its echo means every earlier one was accepted), and closes
// that probe. It prints one JSON line `{"ready":N,...}`, then holds the N
// idle connections until SIGTERM, SIGINT or its stdin closes.
//
// Usage: node bench/baselines/node_idle_client.mjs --host H --port P --conns N

import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";
import {
  failureKind,
  openConnections,
  readClientOptions,
} from "./_node_common.mjs";

const { host, port, conns, failures } = readClientOptions([], {
  conns: 10000,
});

const started = performance.now();
const sockets = await openConnections(net, conns, {
  host,
  port,
  inFlight: 128,
  failures,
});

const probe = Buffer.from("i");

/** Resolves true once `socket`'s one-byte probe came back. */
function roundTrip(socket) {
  return new Promise((resolve) => {
    function settle(ok, kind) {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      if (!ok) failures.add(kind);
      resolve(ok);
    }
    function onData() {
      settle(true);
    }
    function onError(error) {
      settle(false, failureKind(error));
    }
    function onEnd() {
      settle(false, "closed-early");
    }
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.write(probe);
  });
}

// Kernel-established is not server-accepted: connections may still wait in
// the listen backlog, costing the server nothing yet.
const [probeSocket] = await openConnections(net, 1, {
  host,
  port,
  inFlight: 1,
  failures,
});
const accepted = probeSocket !== undefined && await roundTrip(probeSocket);
probeSocket?.destroy();
for (const socket of sockets) {
  // Later failures (the server closing) must not crash the holder.
  socket.on("error", () => {});
}
const served = accepted ? sockets.length : 0;

process.stdout.write(
  `${
    JSON.stringify({
      ready: served,
      asked: conns,
      errors: failures.counts,
      seconds: Math.round(performance.now() - started) / 1000,
    })
  }\n`,
);

function stop() {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
