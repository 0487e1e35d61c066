/**
 * Test helpers: run the real CLI (a compiled binary in `NETDEMO_BIN`, else
 * `deno run mod.ts` with the binary's permissions), wait for a spawned
 * server's `Listening on HOST:PORT` line, and capture a reporter's lines.
 *
 * @module
 */

import { Reporter } from "../output/reporter.ts";

/** The permissions the compiled binary is granted (see deno.json "compile"). */
export const BINARY_PERMISSIONS = ["--allow-net", "--allow-run=/bin/cat"];

const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** The program and leading arguments that start netdemo. */
export function netdemoCommand(): { program: string; prefix: string[] } {
  const bin = Deno.env.get("NETDEMO_BIN");
  if (bin) return { program: bin, prefix: [] };
  return {
    program: Deno.execPath(),
    prefix: ["run", "--quiet", ...BINARY_PERMISSIONS, MOD],
  };
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

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Bytes to feed on stdin (then closed). Default: no stdin. */
  stdin?: string | Uint8Array;
}

/** Runs `netdemo ARGS...` to completion. */
export async function runCli(
  args: string[],
  options: RunCliOptions = {},
): Promise<CliResult> {
  const { program, prefix } = netdemoCommand();
  const child = new Deno.Command(program, {
    args: [...prefix, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin,
    );
    await writer.close();
  }
  const output = await child.output();
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
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  #done: Promise<Deno.CommandStatus>;

  /** Starts `netdemo ARGS...` with piped output. */
  constructor(args: string[]) {
    const { program, prefix } = netdemoCommand();
    this.child = new Deno.Command(program, {
      args: [...prefix, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const out = this.#collect(this.child.stdout, this.stdoutLines);
    const err = this.#collect(this.child.stderr, this.stderrLines);
    this.#done = Promise.all([out, err]).then(() => this.child.status);
  }

  /** Resolves the first line (stdout or stderr, past or future) matching. */
  waitForLine(pattern: RegExp): Promise<string> {
    const seen = [...this.stdoutLines, ...this.stderrLines].find((line) =>
      pattern.test(line)
    );
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
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

  async #collect(
    stream: ReadableStream<Uint8Array>,
    into: string[],
  ): Promise<void> {
    let rest = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) this.#line(line, into);
    }
    if (rest) this.#line(rest, into);
  }

  #line(line: string, into: string[]): void {
    into.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.pattern.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
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
export async function spawnServer(args: string[]): Promise<SpawnedServer> {
  const process = new CliProcess(args);
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
}

/** A reporter whose lines land in arrays, for in-process tests. */
export function captureReporter(
  options: { quiet?: boolean; trace?: boolean } = {},
): CapturedReporter {
  const out: string[] = [];
  const err: string[] = [];
  let waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  function record(into: string[], line: string): void {
    into.push(line);
    waiters = waiters.filter((waiter) => {
      if (!waiter.pattern.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
  const reporter = new Reporter({
    ...options,
    stdout: (line) => record(out, line),
    stderr: (line) => record(err, line),
    color: false,
    progress: false,
  });
  function waitFor(pattern: RegExp): Promise<string> {
    const seen = [...out, ...err].find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ pattern, resolve }));
  }
  return { reporter, out, err, waitFor };
}
