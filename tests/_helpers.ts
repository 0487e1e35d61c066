/**
 * Test helpers: run the real CLI (a compiled binary in `NETDEMO_BIN`, else
 * `deno run mod.ts` with the binary's permissions), wait for a spawned
 * server's `Listening on HOST:PORT` line, capture a reporter's lines, and
 * read a process's resident memory. The command line, the line reader and
 * the memory reader live in `_children.ts`, which the bench shares.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { Reporter } from "../output/reporter.ts";
import {
  binaryPermissions,
  netdemoCommand,
  withOpenFileLimit,
} from "./_children.ts";
import { LineLog } from "./_lines.ts";

// The tests import every helper from here.
export { netdemoCommand, residentKiB, takesV8Flags } from "./_children.ts";
export { LineLog } from "./_lines.ts";

/** The permissions the compiled binary is granted (deno.json's "compile"). */
export const BINARY_PERMISSIONS: string[] = binaryPermissions();

/**
 * Runs `deno run mod.ts ARGS...` with only `grants` and no prompt, for the
 * tests of what a missing Deno grant says: only `deno run` can lack one
 * (a compiled binary carries its grants), so such tests skip under
 * `NETDEMO_BIN`.
 */
export function runWithGrants(
  args: string[],
  grants: string[],
): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "--quiet", "--no-prompt", ...grants],
      new URL("../mod.ts", import.meta.url).pathname,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
}

/** What a finished CLI run printed and returned. */
export interface CliResult {
  /** The exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/**
 * Asserts a runtime failure as the CLI reports one: exit 1 and exactly one
 * stderr line, `error: ...`, matching `expected`.
 */
export function assertOneLineFailure(
  result: CliResult,
  expected: RegExp,
): void {
  equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  equal(lines.length, 1, result.stderr);
  match(lines[0], /^error: /);
  match(lines[0], expected);
}

/** Options for {@linkcode CliProcess} and {@linkcode spawnServer}. */
export interface CliProcessOptions {
  /**
   * Start netdemo under `ulimit -n` of this many file descriptors (through
   * `sh`, which then `exec`s it, so signals reach netdemo itself).
   * Default: the inherited limit.
   */
  openFileLimit?: number;
  /**
   * V8 flags for the runtime, for tests that read what V8 reports (only
   * under `deno run`: see {@linkcode takesV8Flags}). Default: none.
   */
  v8Flags?: string[];
  /** A command that runs netdemo, e.g. `["nohup"]`. Default: none. */
  under?: string[];
  /** Deno grants instead of the binary's (see `netdemoCommand`). */
  grants?: string[];
  /** More environment variables, beside `NO_COLOR=1`. Default: none. */
  env?: Record<string, string>;
}

/** Options for {@linkcode runCli}. */
export interface RunCliOptions extends CliProcessOptions {
  /** Bytes to feed on stdin (then closed). Default: no stdin. */
  stdin?: string | Uint8Array;
  /**
   * Kill it after this many ms: for a run that should end by itself but,
   * broken, would serve for ever. Default: never.
   */
  killAfterMs?: number;
}

/** Spawns `netdemo ARGS...` with piped stdout and stderr. */
function spawnNetdemo(
  args: string[],
  options: RunCliOptions,
): Deno.ChildProcess {
  const { program, prefix } = netdemoCommand({
    v8Flags: options.v8Flags,
    grants: options.grants,
  });
  const argv = [...(options.under ?? []), program, ...prefix, ...args];
  const limited = options.openFileLimit === undefined
    ? argv
    : withOpenFileLimit(argv, options.openFileLimit);
  return new Deno.Command(limited[0], {
    args: limited.slice(1),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    signal: options.killAfterMs === undefined
      ? undefined
      : AbortSignal.timeout(options.killAfterMs),
  }).spawn();
}

/** Runs `netdemo ARGS...` to completion. */
export async function runCli(
  args: string[],
  options: RunCliOptions = {},
): Promise<CliResult> {
  const child = spawnNetdemo(args, options);
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin,
    );
    await writer.close();
  }
  return commandResult(await child.output());
}

/** A finished command's exit code and output, decoded. */
export function commandResult(output: Deno.CommandOutput): CliResult {
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A CLI process started in the background, read line by line. */
export class CliProcess {
  /** The child process. */
  readonly child: Deno.ChildProcess;
  /** Lines read so far from stdout. */
  readonly stdoutLines: string[] = [];
  /** Lines read so far from stderr. */
  readonly stderrLines: string[] = [];
  #lines = new LineLog();
  #done: Promise<Deno.CommandStatus>;

  /** Starts `netdemo ARGS...` with piped output. */
  constructor(args: string[], options: CliProcessOptions = {}) {
    this.child = spawnNetdemo(args, options);
    const out = this.#lines.read(this.child.stdout, this.stdoutLines);
    const err = this.#lines.read(this.child.stderr, this.stderrLines);
    this.#done = Promise.all([out, err]).then(() => {
      this.#lines.end();
      return this.child.status;
    });
  }

  /** Resolves the first line (stdout or stderr, past or future) matching. */
  waitForLine(pattern: RegExp): Promise<string> {
    return this.#lines.waitFor(pattern);
  }

  /** Resolves once `count` lines (stdout or stderr) have matched `pattern`. */
  waitForLines(pattern: RegExp, count: number): Promise<string> {
    return this.#lines.waitForCount(pattern, count);
  }

  /** Resolves the exit status once the process ended and output is read. */
  finished(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /** Sends a signal (default SIGINT) and waits for the process to end. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // It had already exited.
    }
    return await this.#done;
  }
}

/** A spawned server with the port it reported. */
export interface SpawnedServer {
  /** The process. */
  process: CliProcess;
  /** The port from its `Listening on HOST:PORT` line. */
  port: number;
}

/**
 * Starts `netdemo server ...` (add `--port 0` yourself) and waits for its
 * `Listening on HOST:PORT` line; throws if it exits first.
 */
export async function spawnServer(
  args: string[],
  options: CliProcessOptions = {},
): Promise<SpawnedServer> {
  const process = new CliProcess(args, options);
  const line = await Promise.race([
    process.waitForLine(/^Listening on /),
    process.finished().then((status) => {
      throw new Error(
        `server exited with ${status.code} before listening: ${
          process.stderrLines.join(" | ")
        }`,
      );
    }),
  ]);
  const port = Number(line.slice(line.lastIndexOf(":") + 1));
  return { process, port };
}

/**
 * Starts `netdemo server echo --port 0 --quiet`, the server most client
 * tests run against, and waits for its `Listening on` line.
 */
export function spawnQuietEcho(
  options: CliProcessOptions = {},
): Promise<SpawnedServer> {
  return spawnServer(["server", "echo", "--port", "0", "--quiet"], options);
}

/** A reporter that records its lines, from {@linkcode captureReporter}. */
export interface CapturedReporter {
  /** The reporter to hand to a server or client. */
  reporter: Reporter;
  /** Lines printed on stdout. */
  out: string[];
  /** Lines printed on stderr. */
  err: string[];
  /** Resolves the first line (stdout or stderr, past or future) matching. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves once `count` lines (past or future) have matched `pattern`. */
  waitForCount(pattern: RegExp, count: number): Promise<string>;
}

/** A reporter whose lines land in arrays, for in-process tests. */
export function captureReporter(
  options: { quiet?: boolean; trace?: boolean } = {},
): CapturedReporter {
  const out: string[] = [];
  const err: string[] = [];
  const lines = new LineLog();
  const reporter = new Reporter({
    ...options,
    stdout: (line) => lines.add(line, out),
    stderr: (line) => lines.add(line, err),
    color: false,
    progress: false,
  });
  return {
    reporter,
    out,
    err,
    waitFor: (pattern) => lines.waitFor(pattern),
    waitForCount: (pattern, count) => lines.waitForCount(pattern, count),
  };
}

/**
 * Creates a FIFO at `path` (with `mkfifo`, which Deno has no call for), for
 * tests that name one where a file is expected: opening it would wait for a
 * writer, so a reader that does not check first hangs.
 */
export async function makeFifo(path: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("mkfifo", {
    args: [path],
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `mkfifo ${path} failed: ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
}

/** The non-empty lines of a text, as a test compares output. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** How long {@linkcode within} waits, and what for (its error names it). */
export interface WithinOptions {
  /** The bound, in ms. */
  ms: number;
  /** What is waited for, as the error says it. */
  what: string;
}

/**
 * Resolves `promise`, or rejects after `options.ms` (clearing its timer):
 * a bound that makes a test fail, rather than hang, when what it waits for
 * never comes.
 */
export async function within<T>(
  promise: Promise<T>,
  { ms, what }: WithinOptions,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
