/**
 * What a comparison of the bench is, and what it may ask of the runner:
 * the run's settings, and the shapes of the servers, loads and streams it
 * starts. The runner itself is in `_runner.ts`.
 *
 * @module
 */

import type { GeneratorName, StreamClient, Transport } from "./_servers.ts";
import type { Child } from "./_children.ts";
import type { Row } from "./_table.ts";
import type { Runner } from "./_runner.ts";

/** What every comparison may read of the run's options. */
export interface Settings {
  /** Measured seconds per run. */
  seconds: number;
  /** Unmeasured seconds of load before each run. */
  warmup: number;
  /** Connection counts of the round-trip comparisons. */
  conns: number[];
  /** Bytes per round trip. */
  size: number;
  /** Idle connections of the memory comparison. */
  idleConns: number;
  /** Interleaved runs per figure; the median counts. */
  repeat: number;
  /** The load generator of the server comparisons. */
  generator: GeneratorName;
  /** Messages a second the `--rate` accuracy comparison asks for. */
  rates: number[];
  /** Messages in flight per connection it asks for at each rate. */
  pipelines: number[];
}

/** One comparison of the bench: an id for `--only` and what it runs. */
export interface BenchComparison {
  /** The `--only` id, e.g. `echo`. */
  id: string;
  /** A phrase for the progress line, e.g. `echo round trips`. */
  title: string;
  /** Measures and returns the comparison's rows. */
  run(runner: Runner): Promise<Row[]>;
}

/** What a load run does besides the settings' size. */
export interface LoadOptions {
  /** Connections the load client opens. */
  conns: number;
  /** The load client. Default: the settings' generator. */
  generator?: GeneratorName;
  /** More arguments for netdemo's or Node's client, e.g. `--rate 30000`. */
  extraArgs?: string[];
}

/** A server started for a comparison. */
export interface StartedServer {
  /** The running process. */
  child: Child;
  /** The port from its `Listening on` line; 0 on a Unix socket. */
  port: number;
  /** How clients reach it. */
  transport: Transport;
}

/** Options for {@linkcode Runner.startServer}. */
export interface ServerOptions {
  /** How clients reach it. Default: loopback TCP. */
  transport?: Transport;
  /** netdemo only: run with per-event output rather than `--quiet`. */
  verbose?: boolean;
  /** The open-file limit the server needs. */
  openFiles?: number;
  /** netdemo only: `--max-conns`. */
  maxConns?: number;
}

/** The shape of a streaming run. */
export interface StreamOptions {
  /** Connections streaming at once. */
  conns: number;
  /** Bytes per write. */
  chunk: number;
  /** Bytes written but not yet echoed, at most, per connection. */
  window: number;
  /** The server's transport. Default: loopback TCP. */
  transport?: Transport;
  /** The streaming client. Default: the C one. */
  client?: StreamClient;
}
