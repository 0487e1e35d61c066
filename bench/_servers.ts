/**
 * The programs the runner starts, as command lines: each echo server (on
 * loopback TCP, TLS or a Unix socket where it speaks them) and each load
 * client, with the address options that reach a started server, and the
 * C baselines compiled for the run. Only 127.0.0.1 is used. The runner
 * pins and measures them; this module only says what to run.
 *
 * @module
 */

import { netdemoCommand } from "../tests/_children.ts";
import { capture } from "./_children.ts";

/** Where every server listens and every client connects. */
export const HOST = "127.0.0.1";

const BENCH = new URL(".", import.meta.url).pathname;

/** The echo servers a comparison can start. */
export type ServerName = "ours" | "deno" | "node" | "python" | "c";

/** The load clients that can drive a round-trip comparison. */
export type GeneratorName = "c" | "netdemo" | "node" | "deno";

/** The streaming clients: the C one, and Node's, which also speaks TLS. */
export type StreamClient = "c" | "node";

/** The C programs in `bench/baselines/`, built by the bench itself. */
export type CProgram = "c_load" | "c_stream" | "c_echo_server";

/** How each server is named in the table. */
export const SERVER_LABELS: Record<ServerName, string> = {
  ours: "netdemo",
  deno: "bare Deno loop",
  node: "Node net",
  python: "Python selectors",
  c: "C epoll echo server",
};

/** How each load generator is named in the table. */
export const GENERATOR_LABELS: Record<GeneratorName, string> = {
  c: "C epoll load generator (bench/baselines/c_load.c)",
  netdemo: "netdemo client multi",
  node: "Node load client (bench/baselines/node_load_client.mjs)",
  deno: "bare Deno load client (bench/baselines/deno_load_client.ts)",
};

/** How each load generator is named in the notes under the table. */
export const CLIENT_LABELS: Record<GeneratorName, string> = {
  c: "C generator",
  netdemo: "netdemo client",
  node: "Node client",
  deno: "bare Deno client",
};

/**
 * How clients reach a server: loopback TCP, TLS over it (with the PEM files
 * of the server's certificate and key and the CA that signed them), or a
 * Unix domain socket at `path`.
 */
export type Transport =
  | { kind: "tcp" }
  | { kind: "tls"; cert: string; key: string; ca: string }
  | { kind: "unix"; path: string };

/** Plain loopback TCP, every comparison's transport unless it says. */
export const TCP: Transport = { kind: "tcp" };

/** What shapes a server's command line besides its name. */
export interface ServerArgvOptions {
  /** How clients reach it. Default: {@linkcode TCP}. */
  transport?: Transport;
  /** netdemo only: per-event output rather than `--quiet`. */
  verbose?: boolean;
  /** netdemo only: `--max-conns`. */
  maxConns?: number;
  /** Resolves the path of a compiled C baseline. */
  cProgram: (name: CProgram) => Promise<string>;
}

/**
 * The command line of an echo server listening on a free port (or the
 * transport's Unix socket); rejects for a server that does not speak the
 * transport.
 *
 * @example
 * ```ts ignore
 * const argv = await serverArgv("node", { cProgram });
 * // ["node", ".../bench/baselines/node_echo_server.mjs", "0", "127.0.0.1"]
 * ```
 */
export async function serverArgv(
  name: ServerName,
  options: ServerArgvOptions,
): Promise<string[]> {
  const transport = options.transport ?? TCP;
  if (name === "ours") {
    return [
      ...netdemoArgv(),
      "server",
      "echo",
      ...(transport.kind === "unix"
        ? ["--unix", transport.path]
        : ["--host", HOST, "--port", "0"]),
      ...(transport.kind === "tls"
        ? ["--tls-cert", transport.cert, "--tls-key", transport.key]
        : []),
      ...(options.verbose ? [] : ["--quiet"]),
      ...(options.maxConns ? ["--max-conns", String(options.maxConns)] : []),
    ];
  }
  if (name === "node" && transport.kind === "tls") {
    return [
      "node",
      `${BENCH}baselines/node_tls_echo_server.mjs`,
      ...["0", HOST, transport.cert, transport.key],
    ];
  }
  onlyTcp(transport, `the ${SERVER_LABELS[name]} echo server`);
  switch (name) {
    case "deno":
      return [
        Deno.execPath(),
        "run",
        "--quiet",
        "--allow-net",
        `${BENCH}baselines/deno_echo_server.ts`,
        "0",
        HOST,
      ];
    case "node":
      return ["node", `${BENCH}baselines/node_echo_server.mjs`, "0", HOST];
    case "python":
      return ["python3", `${BENCH}baselines/python_echo_server.py`, "0", HOST];
    case "c":
      return [await options.cProgram("c_echo_server"), "0"];
  }
}

/**
 * The options that point netdemo's clients and the Node clients at a
 * started server.
 */
function addressArgs(transport: Transport, port: number): string[] {
  switch (transport.kind) {
    case "tcp":
      return ["--host", HOST, "--port", String(port)];
    case "tls":
      return ["--host", HOST, "--port", String(port), "--tls-ca", transport.ca];
    case "unix":
      return ["--unix", transport.path];
  }
}

/** What a load client's command line needs besides its name. */
export interface LoadArgvOptions {
  /** The server's transport. */
  transport: Transport;
  /** The server's port (unused on a Unix socket). */
  port: number;
  /** Connections to open. */
  conns: number;
  /** Bytes per round trip. */
  size: number;
  /** Seconds to run. */
  seconds: number;
  /** More options for netdemo's or Node's client, e.g. `--rate 30000`. */
  extraArgs?: string[];
  /** Resolves the path of a compiled C baseline. */
  cProgram: (name: CProgram) => Promise<string>;
}

/**
 * The command line of a closed-loop (or, with `--rate`, open-loop) load
 * client that prints one JSON report; rejects for a client that does not
 * speak the transport.
 *
 * @example
 * ```ts ignore
 * await loadArgv("netdemo", { transport: TCP, port, conns: 100, size: 64, seconds: 3, cProgram });
 * ```
 */
export async function loadArgv(
  generator: GeneratorName,
  options: LoadArgvOptions,
): Promise<string[]> {
  const { transport, port, conns, size, seconds } = options;
  if (generator === "c") {
    onlyTcp(transport, GENERATOR_LABELS.c);
    return [
      await options.cProgram("c_load"),
      ...[HOST, String(port), String(conns), String(size), String(seconds)],
    ];
  }
  if (generator === "deno") {
    onlyTcp(transport, GENERATOR_LABELS.deno);
    return [
      ...[Deno.execPath(), "run", "--quiet", "--allow-net"],
      `${BENCH}baselines/deno_load_client.ts`,
      ...[HOST, String(port), String(conns), String(size), String(seconds)],
    ];
  }
  if (generator === "node") onlyTcp(transport, GENERATOR_LABELS.node);
  const args = [
    ...addressArgs(transport, port),
    ...["--conns", String(conns), "--size", String(size)],
    ...["--duration", String(seconds), "--json"],
    ...(options.extraArgs ?? []),
  ];
  return generator === "node"
    ? ["node", `${BENCH}baselines/node_load_client.mjs`, ...args]
    : [...netdemoArgv(), "client", "multi", ...args];
}

/** What a streaming client's command line needs besides its name. */
export interface StreamArgvOptions {
  /** The server's transport. */
  transport: Transport;
  /** The server's port. */
  port: number;
  /** Connections to stream on. */
  conns: number;
  /** Bytes per write. */
  chunk: number;
  /** Bytes written but not yet echoed, at most, per connection. */
  window: number;
  /** Measured seconds. */
  seconds: number;
  /** Unmeasured seconds first. */
  warmup: number;
  /** Resolves the path of a compiled C baseline. */
  cProgram: (name: CProgram) => Promise<string>;
}

/**
 * The command line of a streaming client that prints one JSON line with
 * `mibPerSecond`; rejects for a client that does not speak the transport.
 *
 * @example
 * ```ts ignore
 * await streamArgv("c", { transport: TCP, port, conns: 1, chunk: 65536, window: 1048576, seconds: 3, warmup: 1, cProgram });
 * ```
 */
export async function streamArgv(
  client: StreamClient,
  options: StreamArgvOptions,
): Promise<string[]> {
  const { transport, port } = options;
  const numbers = [options.conns, options.chunk, options.window].map(String);
  const times = [options.seconds, options.warmup].map(String);
  if (client === "c") {
    onlyTcp(transport, "the C stream client");
    return [
      await options.cProgram("c_stream"),
      ...[HOST, String(port), ...numbers, ...times],
    ];
  }
  if (transport.kind === "unix") {
    throw new Error("the Node stream client does not speak Unix sockets");
  }
  const [conns, chunk, window] = numbers;
  const [duration, warmup] = times;
  return [
    "node",
    `${BENCH}baselines/node_stream_client.mjs`,
    ...addressArgs(transport, port),
    ...["--conns", conns, "--chunk", chunk, "--window", window],
    ...["--duration", duration, "--warmup", warmup],
  ];
}

/**
 * Compiles every C baseline with the machine's `gcc` into a new temporary
 * folder (removed when the process exits); resolves each program's path.
 *
 * @example
 * ```ts ignore
 * const { c_load } = await compileBaselines();
 * ```
 */
export async function compileBaselines(): Promise<Record<CProgram, string>> {
  const dir = await Deno.makeTempDir({ prefix: "netdemo-bench-" });
  addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone: nothing to clean.
    }
  });
  const names: CProgram[] = ["c_load", "c_stream", "c_echo_server"];
  const paths = {} as Record<CProgram, string>;
  for (const name of names) {
    paths[name] = `${dir}/${name}`;
    await capture([
      "gcc",
      "-O2",
      "-o",
      paths[name],
      `${BENCH}baselines/${name}.c`,
    ]);
  }
  return paths;
}

function netdemoArgv(): string[] {
  const { program, prefix } = netdemoCommand();
  return [program, ...prefix];
}

function onlyTcp(transport: Transport, who: string): void {
  if (transport.kind !== "tcp") {
    throw new Error(`${who} speaks plain TCP only, not ${transport.kind}`);
  }
}
