// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// Streaming load for `deno task bench`: each of CONNS connections writes
// CHUNK-byte blocks while keeping at most WINDOW bytes written but not yet
// echoed, and reads the echo concurrently; it reports the echoed bytes per
// second over all of them. The same client streams to every server, so only
// the server differs.
//
// Usage: node bench/baselines/node_stream_client.mjs --host H --port P
//          [--conns 1] [--chunk 65536] [--window 1048576] [--duration 5]
//          [--warmup 1] [--tls-ca FILE]   (TLS, trusting FILE's CA, verifying
//          "localhost")

import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import process from "node:process";
import {
  failureKind,
  numberOption,
  openConnections,
  readClientOptions,
} from "./_node_common.mjs";

const { values, host, port, conns, failures } = readClientOptions(
  ["chunk", "window", "duration", "warmup", "tls-ca"],
  { conns: 1 },
);
const chunkSize = numberOption(values, "chunk", 64 * 1024, { min: 1 });
const windowSize = numberOption(values, "window", 1024 * 1024, { min: 1 });
const duration = numberOption(values, "duration", 5, { min: 0.001 });
const warmup = numberOption(values, "warmup", 1, { min: 0 });

const caFile = values["tls-ca"];
// tls.connect's socket also emits "connect" (TCP up); writes made before the
// handshake ends are queued, so openConnections works unchanged.
const transport = caFile === undefined ? net : {
  connect: (options) =>
    tls.connect({
      ...options,
      ca: readFileSync(caFile),
      servername: "localhost",
    }),
};
const sockets = await openConnections(transport, conns, {
  host,
  port,
  inFlight: 16,
  failures,
});

const chunk = Buffer.alloc(chunkSize);
for (let i = 0; i < chunkSize; i++) chunk[i] = i & 0xff;

let echoed = 0;
let measuredFrom = 0;
let echoedAtStart = 0;
let stopping = false;

function report(stoppedAt) {
  const seconds = measuredFrom === 0 ? 0 : (stoppedAt - measuredFrom) / 1000;
  stopping = true;
  const bytes = echoed - echoedAtStart;
  const result = {
    connections: sockets.length,
    bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    bytesPerSecond: seconds > 0 ? Math.round(bytes / seconds) : 0,
    mibPerSecond: seconds > 0
      ? Math.round((bytes / seconds / 1048576) * 10) / 10
      : 0,
    errors: failures.counts,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

if (sockets.length < conns) report(performance.now());

for (const socket of sockets) {
  let written = 0;
  let received = 0;
  const fill = () => {
    // Top up to the window; Node queues what the kernel has not taken yet,
    // and that queue counts as in flight, so the bound holds end to end.
    while (!stopping && written - received + chunkSize <= windowSize) {
      socket.write(chunk);
      written += chunkSize;
    }
  };
  socket.on("data", (data) => {
    received += data.length;
    echoed += data.length;
    fill();
  });
  socket.on("error", (error) => {
    if (stopping) return;
    failures.add(failureKind(error));
    report(performance.now());
  });
  socket.on("end", () => {
    if (stopping) return;
    failures.add("closed-early");
    report(performance.now());
  });
  fill();
}

setTimeout(() => {
  measuredFrom = performance.now();
  echoedAtStart = echoed;
  setTimeout(() => report(performance.now()), duration * 1000);
}, warmup * 1000);
