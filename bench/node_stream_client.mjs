// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// Streaming load for `deno task bench`: one connection writes CHUNK-byte
// blocks while keeping at most WINDOW bytes written but not yet echoed, and
// reads the echo concurrently; it reports the echoed bytes per second. The
// same client streams to every server, so only the server differs.
//
// Usage: node bench/node_stream_client.mjs --host H --port P
//          [--chunk 65536] [--window 1048576] [--duration 5] [--warmup 1]
//          [--tls-ca FILE]   (TLS, trusting FILE's CA, verifying "localhost")

import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import process from "node:process";
import {
  addressOptions,
  failureKind,
  FailureTally,
  numberOption,
  openConnections,
  parseOptions,
} from "./_node_common.mjs";

const values = parseOptions([
  "host",
  "port",
  "chunk",
  "window",
  "duration",
  "warmup",
  "tls-ca",
]);
const { host, port } = addressOptions(values);
const chunkSize = numberOption(values, "chunk", 64 * 1024, { min: 1 });
const windowSize = numberOption(values, "window", 1024 * 1024, { min: 1 });
const duration = numberOption(values, "duration", 5, { min: 0.001 });
const warmup = numberOption(values, "warmup", 1, { min: 0 });

const failures = new FailureTally();
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
const [socket] = await openConnections(transport, 1, {
  host,
  port,
  inFlight: 1,
  failures,
});

const chunk = Buffer.alloc(chunkSize);
for (let i = 0; i < chunkSize; i++) chunk[i] = i & 0xff;

let written = 0;
let echoed = 0;
let measuredFrom = 0;
let echoedAtStart = 0;
let stopping = false;

function report(stoppedAt) {
  const seconds = measuredFrom === 0 ? 0 : (stoppedAt - measuredFrom) / 1000;
  const bytes = echoed - echoedAtStart;
  const result = {
    bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    bytesPerSecond: seconds > 0 ? Math.round(bytes / seconds) : 0,
    mibPerSecond: seconds > 0
      ? Math.round((bytes / seconds / 1048576) * 10) / 10
      : 0,
    errors: failures.counts,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  socket?.destroy();
  process.exit(0);
}

if (socket === undefined) report(performance.now());

function fill() {
  // Top up to the window; Node queues what the kernel has not taken yet,
  // and that queue counts as in flight, so the bound holds end to end.
  while (!stopping && written - echoed + chunkSize <= windowSize) {
    socket.write(chunk);
    written += chunkSize;
  }
}

socket.on("data", (data) => {
  echoed += data.length;
  fill();
});
socket.on("error", (error) => {
  failures.add(failureKind(error));
  stopping = true;
  report(performance.now());
});
socket.on("end", () => {
  if (!stopping) failures.add("closed-early");
  stopping = true;
  report(performance.now());
});

setTimeout(() => {
  measuredFrom = performance.now();
  echoedAtStart = echoed;
  setTimeout(() => {
    stopping = true;
    report(performance.now());
  }, duration * 1000);
}, warmup * 1000);
fill();
