/**
 * Child processes for the side-by-side benchmark: each is optionally pinned
 * to one CPU (`taskset`) and given a higher open-file limit, its output is
 * read line by line (keeping only the last lines, so a chatty server cannot
 * grow the runner's memory), and every one started is stopped and awaited by
 * {@linkcode stopAll}, even when a measurement fails.
 *
 * @module
 */

import { openFileLimit } from "../system/open_files.ts";
import { readLines, withOpenFileLimit } from "../tests/_children.ts";

/** Lines kept per stream: enough to show why a process failed. */
const KEPT_LINES = 200;

/** How long a process may take to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3_000;

/** Options for {@linkcode spawnChild}. */
export interface SpawnOptions {
  /** Run on this CPU only (via `taskset -c`). Default: any CPU. */
  cpu?: number;
  /**
   * The open-file soft limit the process needs; when the runner's own limit
   * is lower, the child is started through `sh -c 'ulimit -n ...'`.
   * Default: inherit the runner's limit.
   */
  openFiles?: number;
  /** Keep stdin open (the child may stop when it closes). Default false. */
  stdin?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

const running = new Set<Child>();

/**
 * A started process whose output is being read.
 *
 * @example
 * ```ts
 * import { spawnChild } from "./_children.ts";
 * const child = spawnChild("echo", ["echo", "hi"]);
 * await child.waitForLine(/^hi$/, { timeoutMs: 5_000 });
 * await child.stop();
 * ```
 */
export class Child {
  /** The name used in messages, e.g. `node echo server`. */
  readonly label: string;
  /** The process id (after `taskset`/`sh` exec'd, the program's own). */
  readonly pid: number;
  /** The last lines printed on stdout. */
  readonly stdoutLines: string[] = [];
  /** The last lines printed on stderr. */
  readonly stderrLines: string[] = [];
  #process: Deno.ChildProcess;
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  #done: Promise<Deno.CommandStatus>;
  #exited = false;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;

  /** Starts `argv` (prefer {@linkcode spawnChild}). */
  constructor(label: string, argv: string[], options: SpawnOptions = {}) {
    this.label = label;
    const [program, ...args] = wrap(argv, options);
    this.#process = new Deno.Command(program, {
      args,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    this.pid = this.#process.pid;
    if (options.stdin) this.#stdin = this.#process.stdin.getWriter();
    const out = readLines(
      this.#process.stdout,
      (line) => this.#line(line, this.stdoutLines),
    );
    const err = readLines(
      this.#process.stderr,
      (line) => this.#line(line, this.stderrLines),
    );
    this.#done = Promise.all([out, err]).then(() => this.#process.status)
      .finally(() => {
        this.#exited = true;
        running.delete(this);
      });
    running.add(this);
  }

  /** True once the process has exited and its output is read. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Resolves the exit status once the process ended and output is read. */
  finished(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /**
   * Resolves the first stdout or stderr line matching `pattern`; rejects if
   * the process exits first or `timeoutMs` passes.
   */
  waitForLine(
    pattern: RegExp,
    options: { timeoutMs: number },
  ): Promise<string> {
    const seen = [...this.stdoutLines, ...this.stderrLines].find((line) =>
      pattern.test(line)
    );
    if (seen !== undefined) return Promise.resolve(seen);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const line = new Promise<string>((resolve) =>
      this.#waiters.push({ pattern, resolve })
    );
    const exited = this.#done.then((status): never => {
      throw new Error(
        `${this.label} exited with code ${status.code} before printing ${pattern}${this.#lastWords()}`,
      );
    });
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.label} did not print ${pattern} within ${
                options.timeoutMs / 1000
              } s${this.#lastWords()}`,
            ),
          ),
        options.timeoutMs,
      );
    });
    return Promise.race([line, exited, late]).finally(() =>
      clearTimeout(timer)
    );
  }

  /**
   * Waits for the process to exit by itself within `timeoutMs`; rejects
   * (after stopping it) if it does not, or if it exits with a non-zero code.
   */
  async succeed(options: { timeoutMs: number }): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), options.timeoutMs);
    });
    const outcome = await Promise.race([this.#done, late]);
    clearTimeout(timer);
    if (outcome === "late") {
      await this.stop();
      throw new Error(
        `${this.label} did not finish within ${
          options.timeoutMs / 1000
        } s${this.#lastWords()}`,
      );
    }
    if (!outcome.success) {
      throw new Error(
        `${this.label} exited with code ${outcome.code}${this.#lastWords()}`,
      );
    }
  }

  /**
   * Stops the process: SIGTERM, then SIGKILL if it is still running after a
   * few seconds; resolves once it has exited.
   */
  async stop(): Promise<Deno.CommandStatus> {
    if (!this.#exited) {
      await this.#stdin?.close().catch(() => {});
      this.#signal("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), STOP_GRACE_MS);
      });
      const outcome = await Promise.race([this.#done, late]);
      clearTimeout(timer);
      if (outcome === "late") this.#signal("SIGKILL");
    }
    return await this.#done;
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.#process.kill(signal);
    } catch {
      // It exited between the check and the signal.
    }
  }

  #lastWords(): string {
    const lines = [...this.stderrLines, ...this.stdoutLines].slice(-3);
    return lines.length === 0 ? "" : `: ${lines.join(" | ")}`;
  }

  #line(line: string, into: string[]): void {
    into.push(line);
    if (into.length > KEPT_LINES) into.shift();
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.pattern.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
}

/**
 * Starts `argv` as a tracked child process; {@linkcode stopAll} ends it if
 * nothing else does.
 *
 * @example
 * ```ts
 * import { spawnChild, stopAll } from "./_children.ts";
 * spawnChild("sleeper", ["sleep", "30"], { cpu: 0 });
 * await stopAll();
 * ```
 */
export function spawnChild(
  label: string,
  argv: string[],
  options: SpawnOptions = {},
): Child {
  return new Child(label, argv, options);
}

/**
 * Stops every child process still running and waits for them all.
 *
 * @example
 * ```ts
 * import { stopAll } from "./_children.ts";
 * await stopAll();
 * ```
 */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/**
 * Runs `argv` to completion and returns its stdout; rejects if it fails.
 *
 * @example
 * ```ts
 * import { capture } from "./_children.ts";
 * await capture(["node", "--version"]); // "v20.20.2"
 * ```
 */
export async function capture(argv: string[]): Promise<string> {
  const [program, ...args] = argv;
  const output = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `${argv.join(" ")} exited with code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return new TextDecoder().decode(output.stdout).trim();
}

function wrap(argv: string[], options: SpawnOptions): string[] {
  let command = argv;
  if (
    options.openFiles !== undefined &&
    options.openFiles > (openFileLimit() ?? Infinity)
  ) {
    command = withOpenFileLimit(command, options.openFiles);
  }
  if (options.cpu !== undefined) {
    command = ["taskset", "-c", String(options.cpu), ...command];
  }
  return command;
}
