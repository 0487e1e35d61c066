/**
 * Baseline for `deno task bench`: the plainest closed-loop load client Deno
 * allows, doing the C generator's (`c_load.c`) job and nothing more: each
 * connection writes a message, reads its whole echo, checks it, records
 * the round trip's latency in a bucket per microsecond, and writes the
 * next. No options, no report beyond one JSON line, no trace, no
 * histogram library: the runtime's own floor for a load client, which
 * `netdemo client multi` is measured against beside the C generator.
 *
 * Usage: deno run --allow-net bench/baselines/deno_load_client.ts HOST PORT CONNS SIZE SECONDS
 *
 * @module
 */

const encoder = new TextEncoder();

function printLine(
  stream: { writeSync(bytes: Uint8Array): number },
  line: string,
): void {
  stream.writeSync(encoder.encode(`${line}\n`));
}

const [host, ...numbers] = Deno.args;
const [port, conns, size, seconds] = numbers.map(Number);
if (
  Deno.args.length !== 5 ||
  ![port, conns, size, seconds].every((n) => Number.isFinite(n) && n > 0)
) {
  printLine(
    Deno.stderr,
    "usage: deno_load_client.ts HOST PORT CONNS SIZE SECONDS (numbers above 0)",
  );
  Deno.exit(2);
}

/** Latency buckets of 1 µs up to 1 s; slower round trips land in the last. */
const BUCKETS = 1_000_000;
const counts = new Float64Array(BUCKETS);
const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = 0x61 + (i % 26);

const sockets = await Promise.all(
  Array.from({ length: conns }, () => Deno.connect({ hostname: host, port })),
);
for (const socket of sockets) socket.setNoDelay(true);
const start = performance.now();
const deadline = start + seconds * 1000;
let trips = 0;
let last = start;
// Exact: the buckets stop at 1 s.
let maxMs = 0;

async function run(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(size);
  let sentAt = performance.now();
  while (sentAt < deadline) {
    let written = 0;
    while (written < size) {
      written += await conn.write(payload.subarray(written));
    }
    let echoed = 0;
    while (echoed < size) {
      const got = await conn.read(buffer.subarray(echoed));
      if (got === null) throw new Error("the server closed a connection");
      for (let i = 0; i < got; i++) {
        if (buffer[echoed + i] !== payload[echoed + i]) {
          throw new Error("the echo differs from the message");
        }
      }
      echoed += got;
    }
    const now = performance.now();
    const micros = Math.round((now - sentAt) * 1000);
    counts[micros < BUCKETS ? micros : BUCKETS - 1]++;
    if (now - sentAt > maxMs) maxMs = now - sentAt;
    trips++;
    last = now;
    sentAt = now;
  }
}

// Read as HdrHistogram reads its own (and so netdemo's report): the sample
// of rank round(trips * percentile / 100), at least 1, given as the top of
// its bucket (a bucket of micros holds [micros - 0.5, micros + 0.5) us).
function percentileMs(percentile: number): number {
  const wanted = Math.max(1, Math.round((trips * percentile) / 100));
  let seen = 0;
  for (let micros = 0; micros < BUCKETS; micros++) {
    seen += counts[micros];
    if (seen >= wanted) return (micros + 0.5) / 1000;
  }
  return BUCKETS / 1000;
}

try {
  await Promise.all(sockets.map(run));
} catch (error) {
  printLine(
    Deno.stderr,
    `error: ${error instanceof Error ? error.message : error}`,
  );
  Deno.exit(1);
}
const elapsed = (last - start) / 1000;
printLine(
  Deno.stdout,
  JSON.stringify({
    roundTrips: trips,
    roundTripsPerSecond: Math.round((trips / elapsed) * 10) / 10,
    durationSeconds: Math.round(elapsed * 1000) / 1000,
    latencyMs: {
      p50: percentileMs(50),
      p99: percentileMs(99),
      "p99.9": percentileMs(99.9),
      max: Math.round(maxMs * 1000) / 1000,
    },
  }),
);
for (const socket of sockets) socket.close();
