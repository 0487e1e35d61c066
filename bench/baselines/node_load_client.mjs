// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// Baseline for `deno task bench`: a load client on Node's `net` doing the
// same work as `netdemo client multi`'s load mode: N connections, each
// writing SIZE bytes, reading the whole echo back (and checking it), and
// repeating, for a duration or a number of rounds. It prints one JSON object
// with the same keys as netdemo's `--json` report.
//
// Usage: node bench/baselines/node_load_client.mjs --host H --port P --conns N
//          --size BYTES (--duration SECONDS | --rounds N) [--json]

import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";
import {
  failureKind,
  numberOption,
  openConnections,
  readClientOptions,
} from "./_node_common.mjs";

/** Latencies are counted in buckets 0.5% wide: fixed memory, any duration. */
class Histogram {
  static GROWTH = Math.log(1.005);
  static BUCKETS = 5000; // covers 1 µs up to about 70 s

  counts = new Float64Array(Histogram.BUCKETS);
  total = 0;
  max = 0;

  recordMicros(micros) {
    const value = micros < 1 ? 1 : micros;
    const index = Math.min(
      Histogram.BUCKETS - 1,
      Math.floor(Math.log(value) / Histogram.GROWTH),
    );
    this.counts[index]++;
    this.total++;
    if (value > this.max) this.max = value;
  }

  /** The value `percentile` % of samples stay within (bucket's upper edge). */
  percentileMicros(percentile) {
    if (this.total === 0) return 0;
    const wanted = Math.ceil((percentile / 100) * this.total);
    let seen = 0;
    for (let index = 0; index < this.counts.length; index++) {
      seen += this.counts[index];
      if (seen >= wanted) {
        return Math.min(this.max, Math.exp((index + 1) * Histogram.GROWTH));
      }
    }
    return this.max;
  }
}

const { values, host, port, conns, failures } = readClientOptions(
  ["size", "duration", "rounds"],
  { booleans: ["json"], conns: 10 },
);
const size = numberOption(values, "size", 64, { min: 1 });
const rounds = values.rounds === undefined
  ? undefined
  : numberOption(values, "rounds", 1, { min: 1 });
const duration = numberOption(values, "duration", rounds ? Infinity : 5, {
  min: 0.001,
});

const histogram = new Histogram();
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = 32 + (i % 95);

const sockets = await openConnections(net, conns, {
  host,
  port,
  inFlight: 128,
  failures,
});

let roundTrips = 0;
let running = sockets.length;
let finished = false;
const started = performance.now();
const deadline = started + duration * 1000;
let stopTimer;
let resolveDone;
const done = new Promise((resolve) => (resolveDone = resolve));

function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(stopTimer);
  resolveDone(performance.now());
}

function drive(socket) {
  const echo = Buffer.alloc(size);
  let received = 0;
  let sentAt = 0;
  let left = rounds ?? Infinity;
  let over = false;

  function end(kind) {
    if (over) return;
    over = true;
    if (kind && !finished) failures.add(kind);
    socket.destroy();
    if (--running === 0) finish();
  }

  function send() {
    received = 0;
    sentAt = performance.now();
    socket.write(payload);
  }

  socket.on("data", (chunk) => {
    if (received === 0 && chunk.length === size) {
      // The usual case: the whole echo in one chunk, compared in place.
      complete(chunk);
      return;
    }
    if (received + chunk.length > size) {
      end("mismatch");
      return;
    }
    chunk.copy(echo, received);
    received += chunk.length;
    if (received === size) complete(echo);
  });

  function complete(reply) {
    const now = performance.now();
    if (!reply.equals(payload)) {
      end("mismatch");
      return;
    }
    if (finished) return;
    histogram.recordMicros((now - sentAt) * 1000);
    roundTrips++;
    left--;
    if (left > 0 && now < deadline) send();
    else end();
  }

  socket.on("error", (error) => end(failureKind(error)));
  socket.on("end", () => end(finished ? undefined : "closed-early"));
  send();
}

if (running === 0) finish();
else {
  if (Number.isFinite(duration)) {
    // In-flight round trips at the deadline are not counted: the figure is
    // what completed within the stated seconds.
    stopTimer = setTimeout(finish, duration * 1000);
  }
  for (const socket of sockets) drive(socket);
}

const stopped = await done;
for (const socket of sockets) socket.destroy();
const seconds = (stopped - started) / 1000;
const round3 = (value) => Math.round(value * 1000) / 1000;
const report = {
  connections: sockets.length,
  roundTrips,
  roundTripsPerSecond: Math.round(roundTrips / seconds),
  bytesPerSecond: Math.round((roundTrips * size) / seconds),
  latencyMs: {
    p50: round3(histogram.percentileMicros(50) / 1000),
    p90: round3(histogram.percentileMicros(90) / 1000),
    p99: round3(histogram.percentileMicros(99) / 1000),
    max: round3(histogram.max / 1000),
  },
  errors: failures.counts,
  durationSeconds: round3(seconds),
};
process.stdout.write(
  values.json
    ? `${JSON.stringify(report)}\n`
    : `${JSON.stringify(report, null, 2)}\n`,
);
process.exit(0);
