/**
 * What the tests and the benchmark both need to run netdemo and other
 * programs as child processes: the command line that starts netdemo (the
 * compiled binary in `NETDEMO_BIN`, else `deno run mod.ts` with the
 * binary's permissions), a higher open-file limit for one child, a child's
 * output as lines, and its resident memory (`bench/` imports it too).
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * The permissions the compiled binary is granted, read from deno.json's
 * `compile` task, so that tests and bench run `mod.ts` exactly as the
 * binary would and nobody keeps a second list.
 *
 * @example
 * ```ts
 * import { binaryPermissions } from "./_children.ts";
 * binaryPermissions(); // ["--allow-net", "--allow-read", ...]
 * ```
 */
export function binaryPermissions(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)) as {
    tasks: Record<string, string>;
  };
  return config.tasks.compile.split(/\s+/).filter((word) =>
    word.startsWith("--allow-")
  );
}

/** Options for {@linkcode netdemoCommand}. */
export interface NetdemoCommandOptions {
  /**
   * V8 flags for the runtime (`--v8-flags=...`). Only `deno run` takes them:
   * a compiled binary keeps the flags it was compiled with, so when
   * {@linkcode takesV8Flags} is false these are refused rather than dropped.
   */
  v8Flags?: string[];
  /**
   * The Deno grants instead of the binary's, for tests of a run that lacks
   * one (only under `deno run`, as V8 flags). Default: the binary's.
   */
  grants?: string[];
}

/**
 * True when netdemo runs under `deno run` (no `NETDEMO_BIN`), which is the
 * only way it can be given V8 flags.
 */
export function takesV8Flags(): boolean {
  return !Deno.env.get("NETDEMO_BIN");
}

/**
 * The program and leading arguments that start netdemo: the binary named by
 * `NETDEMO_BIN`, else this Deno running `mod.ts` with the binary's
 * permissions.
 *
 * @example
 * ```ts
 * import { netdemoCommand } from "./_children.ts";
 * const { program, prefix } = netdemoCommand();
 * const argv = [program, ...prefix, "server", "echo", "--port", "0"];
 * ```
 */
export function netdemoCommand(
  options: NetdemoCommandOptions = {},
): { program: string; prefix: string[] } {
  const flags = options.v8Flags ?? [];
  const bin = Deno.env.get("NETDEMO_BIN");
  if (bin && flags.length > 0) {
    throw new Error(
      `The binary in NETDEMO_BIN cannot be given V8 flags (${
        flags.join(" ")
      }).`,
    );
  }
  if (bin && options.grants !== undefined) {
    throw new Error("The binary in NETDEMO_BIN carries its own grants.");
  }
  if (bin) return { program: bin, prefix: [] };
  const v8 = flags.length > 0 ? [`--v8-flags=${flags.join(",")}`] : [];
  return {
    program: Deno.execPath(),
    prefix: [
      "run",
      "--quiet",
      "--no-prompt",
      ...v8,
      ...(options.grants ?? binaryPermissions()),
      `${ROOT}mod.ts`,
    ],
  };
}

/**
 * `argv` started under `ulimit -n limit`, through `sh`, which then `exec`s
 * it: the program keeps the pid `sh` had, so signals and `/proc/PID` reach
 * the program itself.
 *
 * @example
 * ```ts
 * import { withOpenFileLimit } from "./_children.ts";
 * withOpenFileLimit(["node", "server.mjs"], 20_000);
 * // ["sh", "-c", 'ulimit -n 20000 && exec "$@"', "sh", "node", "server.mjs"]
 * ```
 */
export function withOpenFileLimit(argv: string[], limit: number): string[] {
  return ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh", ...argv];
}

/**
 * Runs the Deno script at `path` (with `args`, network and read grants)
 * under `ulimit -n limit`, and resolves its output: a test that takes every
 * descriptor does it there, as the test files running beside it share the
 * test process's.
 *
 * @example
 * ```ts ignore
 * import { runScriptUnderLimit } from "./_children.ts";
 * const output = await runScriptUnderLimit("./_listen_under_limit.ts", {
 *   limit: 64,
 * });
 * ```
 */
export async function runScriptUnderLimit(
  path: string,
  options: { limit: number; args?: string[] },
): Promise<Deno.CommandOutput> {
  const argv = withOpenFileLimit([
    ...[Deno.execPath(), "run", "--allow-net", "--allow-read", path],
    ...(options.args ?? []),
  ], options.limit);
  return await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

/**
 * Reads `stream` (a child's stdout or stderr) to its end, handing each line
 * to `onLine` without its newline, and a last line that has none.
 *
 * @example
 * ```ts
 * import { readLines } from "./_children.ts";
 * const child = new Deno.Command("echo", { args: ["hi"], stdout: "piped" })
 *   .spawn();
 * const lines: string[] = [];
 * await readLines(child.stdout, (line) => lines.push(line));
 * await child.status;
 * ```
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  }
  if (rest) onLine(rest);
}

/**
 * One column of `ps` for process `pid` (`rss`, `stat`): Deno asks for
 * `--allow-all` to read another process's `/proc` entry, which the tests
 * do not have, while `ps` needs only `--allow-run`.
 */
async function psColumn(pid: number, column: string): Promise<string> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", `${column}=`, "-p", String(pid)],
    stdin: "null",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).trim();
}

/**
 * The resident memory of process `pid`, in KiB, from `ps`. Throws when
 * `ps` reports no size, so a caller never compares against a missing
 * figure.
 *
 * @example
 * ```ts
 * import { residentKiB } from "./_children.ts";
 * await residentKiB(Deno.pid); // e.g. 48212
 * ```
 */
export async function residentKiB(pid: number): Promise<number> {
  const kib = Number(await psColumn(pid, "rss"));
  if (!(kib > 0)) throw new Error(`no resident size for process ${pid}`);
  return kib;
}

/**
 * Settles once process `pid` is stopped (SIGSTOP): its `ps` state is `T`.
 * Throws when there is no such process, rather than wait for ever.
 *
 * @example
 * ```ts ignore
 * import { stopped } from "./_children.ts";
 * child.kill("SIGSTOP");
 * await stopped(child.pid);
 * ```
 */
export async function stopped(pid: number): Promise<void> {
  while (true) {
    const state = await psColumn(pid, "stat");
    if (state === "") throw new Error(`no process ${pid} to wait for`);
    if (state.startsWith("T")) return;
  }
}
