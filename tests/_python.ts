/**
 * Independent peers written in Python (tests/python/), started in the
 * background with their stdout read by line.
 *
 * @module
 */

import { LineLog } from "./_lines.ts";

const PYTHON_DIR = new URL("./python/", import.meta.url).pathname;

/** A Python program started in the background, its stdout read by line. */
export interface PythonProcess {
  /** Lines printed so far. */
  lines: string[];
  /** Resolves the first line matching, or rejects if the program ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves the exit code once the program ended and its output is read. */
  finished: Promise<number>;
  /** Ends the program early (on a failed test), then waits for it. */
  kill(): Promise<number>;
}

/**
 * Starts `python3 tests/python/SCRIPT ARGS...`.
 *
 * @example
 * ```ts
 * import { startPython } from "./_python.ts";
 * const server = startPython("echo_server.py", ["--port", "0"]);
 * await server.waitFor(/^Listening on /);
 * await server.kill();
 * ```
 */
export function startPython(script: string, args: string[]): PythonProcess {
  const child = new Deno.Command("python3", {
    args: [`${PYTHON_DIR}${script}`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const log = new LineLog();
  const finished = Promise.all([log.read(child.stdout, lines), child.status])
    .then(([, status]) => status.code);
  return {
    lines,
    finished,
    waitFor(pattern: RegExp): Promise<string> {
      return Promise.race([
        log.waitFor(pattern),
        finished.then((code) => {
          throw new Error(`python3 ${script} exited with ${code}: ${lines}`);
        }),
      ]);
    },
    async kill(): Promise<number> {
      try {
        child.kill("SIGTERM");
      } catch {
        // It had already exited.
      }
      return await finished;
    },
  };
}

/**
 * Starts a Python server from tests/python/ and waits for its `Listening on
 * HOST:PORT` line; resolves the process and the port it chose.
 *
 * @example
 * ```ts
 * import { startPythonServer } from "./_python.ts";
 * const { server, port } = await startPythonServer("echo_server.py", ["--port", "0"]);
 * await server.kill();
 * ```
 */
export async function startPythonServer(
  script: string,
  args: string[],
): Promise<{ server: PythonProcess; port: string }> {
  const server = startPython(script, args);
  try {
    const line = await server.waitFor(/^Listening on /);
    return { server, port: line.slice(line.lastIndexOf(":") + 1) };
  } catch (error) {
    await server.kill();
    throw error;
  }
}

/**
 * Runs `python3 -c CODE ARGS...` to its end, for a one-line peer or a
 * system call Deno does not offer; rejects with Python's stderr if it
 * fails.
 *
 * @example
 * ```ts
 * import { runPythonSnippet } from "./_python.ts";
 * await runPythonSnippet("import sys; assert sys.argv[1] == 'x'", ["x"]);
 * ```
 */
export async function runPythonSnippet(
  code: string,
  args: string[],
): Promise<void> {
  const { code: status, stderr } = await new Deno.Command("python3", {
    args: ["-c", code, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (status !== 0) {
    throw new Error(
      `python3 -c failed (${status}): ${new TextDecoder().decode(stderr)}`,
    );
  }
}

/**
 * Sets process `pid`'s soft limit of open files to its lowest free
 * descriptor number plus `spare` (at most its hard limit, which stays):
 * with no spare, its next open or accept fails (a new descriptor takes the
 * lowest free number, which the limit bounds). A child's, never the
 * test process's own: the test files running beside each other share it.
 *
 * @example
 * ```ts
 * import { limitOpenFiles } from "./_python.ts";
 * const child = new Deno.Command("sleep", { args: ["1"] }).spawn();
 * await limitOpenFiles(child.pid, 64);
 * await child.status;
 * ```
 */
export async function limitOpenFiles(
  pid: number,
  spare: number,
): Promise<void> {
  await runPythonSnippet(
    `${LIMIT_OPEN_FILES}\nlimit(int(sys.argv[1]), int(sys.argv[2]))`,
    [
      String(pid),
      String(spare),
    ],
  );
}

/** Python that defines `limit(pid, spare)`, returning the old limits. */
const LIMIT_OPEN_FILES = [
  "import os, resource, sys",
  "def limit(pid, spare):\n" +
  "  used = {int(fd) for fd in os.listdir(f'/proc/{pid}/fd')}\n" +
  "  free = min(set(range(len(used) + 1)) - used)\n" +
  "  old = resource.prlimit(pid, resource.RLIMIT_NOFILE)\n" +
  "  soft = free + spare if old[1] == resource.RLIM_INFINITY else min(free + spare, old[1])\n" +
  "  resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, old[1]))\n" +
  "  return old",
].join("\n");
