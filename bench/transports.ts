/**
 * `deno task bench`'s transport rows: netdemo's echo server over TLS against
 * a Node `tls` echo server written for it (100 connections x 64 B round
 * trips, and 1 connection streaming), and netdemo's echo server over a Unix
 * domain socket next to the same server on loopback TCP, which shows what
 * TCP itself costs. Certificates are made with `openssl` for the run. The
 * server runs on CPU 0 and the load on CPU 1 (`taskset`); the round-trip
 * load is `netdemo client multi` for every server, the stream load
 * `bench/baselines/node_stream_client.mjs`.
 *
 * ```sh
 * deno run --allow-all bench/transports.ts [--seconds 5] [--warmup 1] [--repeat 3]
 * ```
 *
 * Only 127.0.0.1 and a temporary directory are used; every child process is
 * stopped and awaited, also on failure.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Reporter } from "../output/reporter.ts";
import { testCerts } from "../tests/certs.ts";
import { cpuSeconds, machineBusySeconds } from "./_procfs.ts";
import { type Child, spawnChild, stopAll } from "./_children.ts";
import { LOAD_CPU, SERVER_CPU } from "./_machine.ts";
import { HOST, netdemoArgv } from "./_runner.ts";

const BENCH = new URL(".", import.meta.url).pathname;
const CONNS = 100;
const SIZE = 64;

interface Settings {
  seconds: number;
  warmup: number;
  repeat: number;
}

/** One measured run: the figure, and the server's CPU time per unit. */
interface Figure {
  value: number;
  serverMicros: number;
}

/** How a server is started, and how clients reach it. */
interface Variant {
  label: string;
  server: (port: string) => string[];
  /** The load client's address options, given the server's port. */
  clientArgs: (port: string) => string[];
}

const reporter = new Reporter();

async function startServer(variant: Variant): Promise<
  { child: Child; port: string }
> {
  const child = spawnChild(`${variant.label} server`, variant.server("0"), {
    cpu: SERVER_CPU,
  });
  try {
    const line = await child.waitForLine(/^Listening on /, {
      timeoutMs: 60_000,
    });
    return { child, port: line.slice(line.lastIndexOf(":") + 1) };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function runClient(
  label: string,
  argv: string[],
  seconds: number,
): Promise<Record<string, unknown>> {
  const child = spawnChild(label, argv, { cpu: LOAD_CPU });
  await child.succeed({ timeoutMs: (seconds + 60) * 1000 });
  const result = JSON.parse(child.stdoutLines.at(-1) ?? "") as Record<
    string,
    unknown
  >;
  const errors = JSON.stringify(result.errors ?? {});
  if (errors !== "{}") throw new Error(`${label} failed: ${errors}`);
  return result;
}

/** Round trips per second of 100 connections x 64 B, after a warm-up. */
async function roundTrips(
  variant: Variant,
  settings: Settings,
): Promise<Figure> {
  const server = await startServer(variant);
  try {
    const load = (seconds: number): string[] => [
      ...netdemoArgv(),
      ...["client", "multi", ...variant.clientArgs(server.port)],
      ...["--conns", String(CONNS), "--size", String(SIZE)],
      ...["--duration", String(seconds), "--json"],
    ];
    await runClient(variant.label, load(settings.warmup), settings.warmup);
    const before = cpuSeconds(server.child.pid);
    const report = await runClient(
      variant.label,
      load(settings.seconds),
      settings.seconds,
    );
    const used = cpuSeconds(server.child.pid) - before;
    const count = Number(report.roundTrips);
    return {
      value: Number(report.roundTripsPerSecond),
      serverMicros: (used * 1e6) / count,
    };
  } finally {
    await server.child.stop();
  }
}

/** Echoed MiB/s of one connection streaming 64 KiB writes, 1 MiB in flight. */
async function streaming(
  variant: Variant,
  settings: Settings,
  caFile: string,
): Promise<Figure> {
  const server = await startServer(variant);
  try {
    const before = cpuSeconds(server.child.pid);
    const result = await runClient(variant.label, [
      "node",
      `${BENCH}baselines/node_stream_client.mjs`,
      ...["--host", HOST, "--port", server.port, "--tls-ca", caFile],
      ...["--duration", String(settings.seconds)],
      ...["--warmup", String(settings.warmup)],
    ], settings.seconds + settings.warmup);
    const used = cpuSeconds(server.child.pid) - before;
    const mib = Number(result.bytes) / 1048576;
    return {
      value: Number(result.mibPerSecond),
      serverMicros: (used * 1e6) / mib,
    };
  } finally {
    await server.child.stop();
  }
}

/** Runs each variant `repeat` times, interleaved; keeps the best of each. */
async function bestOf(
  variants: Variant[],
  settings: Settings,
  measure: (variant: Variant) => Promise<Figure>,
): Promise<{ best: Figure; all: number[] }[]> {
  const runs = variants.map(() => [] as Figure[]);
  for (let round = 0; round < settings.repeat; round++) {
    for (const [index, variant] of variants.entries()) {
      runs[index].push(await measure(variant));
    }
  }
  return runs.map((figures) => ({
    best: figures.reduce((a, b) => b.value > a.value ? b : a),
    all: figures.map((figure) => figure.value),
  }));
}

/** Table rows, and the notes printed under the table. */
const notes: string[] = [];

function row(
  name: string,
  unit: string,
  cost: string,
  [ours, other]: { best: Figure; all: number[] }[],
  target: number | undefined,
): string {
  const ratio = ours.best.value / other.best.value;
  const result = target === undefined
    ? "n/a"
    : ratio >= target
    ? "pass"
    : "MISS";
  const show = (value: number): string =>
    value.toLocaleString("en-US", { maximumFractionDigits: 1 });
  notes.push(
    `${name}: server CPU ${cost} ${ours.best.serverMicros.toFixed(1)} vs ${
      other.best.serverMicros.toFixed(1)
    }; all runs ${ours.all.map(show).join(", ")} vs ${
      other.all.map(show).join(", ")
    }`,
  );
  return `| ${name} | ${show(ours.best.value)} ${unit} | ${
    show(other.best.value)
  } ${unit} | ${ratio.toFixed(2)}x | ${
    target === undefined ? "-" : `>= ${target.toFixed(1)}x`
  } | ${result} |`;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      repeat: { type: "string", default: "3" },
    },
    strict: true,
  });
  const settings: Settings = {
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    repeat: Math.max(1, Math.round(Number(values.repeat))),
  };
  if (!(settings.seconds > 0) || !(settings.warmup >= 0)) {
    reporter.error("--seconds must be above 0 and --warmup 0 or more");
    return 2;
  }
  const certs = await testCerts();
  const socketDir = await Deno.makeTempDir({ prefix: "netdemo-bench-" });
  const socketPath = `${socketDir}/echo.sock`;
  const tlsServer = [
    "--tls-cert",
    certs.serverCert,
    "--tls-key",
    certs.serverKey,
  ];
  const ourTls: Variant = {
    label: "netdemo TLS echo",
    server: (port) => [
      ...netdemoArgv(),
      ...["server", "echo", "--quiet", "--host", HOST, "--port", port],
      ...tlsServer,
    ],
    clientArgs: (
      port,
    ) => ["--host", HOST, "--port", port, "--tls-ca", certs.ca],
  };
  const nodeTls: Variant = {
    label: "Node tls echo",
    server: (port) => [
      "node",
      `${BENCH}baselines/node_tls_echo_server.mjs`,
      ...[port, HOST, certs.serverCert, certs.serverKey],
    ],
    clientArgs: ourTls.clientArgs,
  };
  const ourUnix: Variant = {
    label: "netdemo Unix echo",
    server: () => [
      ...netdemoArgv(),
      ...["server", "echo", "--quiet", "--unix", socketPath],
    ],
    clientArgs: () => ["--unix", socketPath],
  };
  const ourTcp: Variant = {
    label: "netdemo TCP echo",
    server: (port) => [
      ...netdemoArgv(),
      ...["server", "echo", "--quiet", "--host", HOST, "--port", port],
    ],
    clientArgs: (port) => ["--host", HOST, "--port", port],
  };
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const lines = [
    "| test | ours | baseline | ratio | target | result |",
    "| ---- | ---- | -------- | ----- | ------ | ------ |",
  ];
  try {
    reporter.note(`tls echo: ${CONNS} connections x ${SIZE} B round trips`);
    lines.push(row(
      `echo over TLS vs Node tls: ${CONNS} conns x ${SIZE} B`,
      "rt/s",
      "us per round trip",
      await bestOf([ourTls, nodeTls], settings, (v) => roundTrips(v, settings)),
      1.0,
    ));
    reporter.note("tls stream: 1 connection, 64 KiB writes, 1 MiB in flight");
    lines.push(row(
      "echo over TLS vs Node tls: 1 conn streaming",
      "MiB/s",
      "us per MiB",
      await bestOf(
        [ourTls, nodeTls],
        settings,
        (v) => streaming(v, settings, certs.ca),
      ),
      1.0,
    ));
    reporter.note(`unix: ${CONNS} connections x ${SIZE} B, Unix vs TCP`);
    lines.push(row(
      `echo over Unix socket vs loopback TCP: ${CONNS} conns x ${SIZE} B`,
      "rt/s",
      "us per round trip",
      await bestOf([ourUnix, ourTcp], settings, (v) => roundTrips(v, settings)),
      undefined,
    ));
  } finally {
    await stopAll();
    await Deno.remove(socketDir, { recursive: true });
  }
  const elapsed = (performance.now() - started) / 1000;
  const others = (machineBusySeconds() - busyBefore) / elapsed;
  for (const line of [...lines, "", ...notes]) reporter.always(line);
  reporter.always(
    `Best of ${settings.repeat} interleaved ${settings.seconds}-second runs after a ${settings.warmup}-second warm-up; server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}; the whole machine was ${
      others.toFixed(2)
    } CPUs busy on average (this bench included), so other work shares it.`,
  );
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
