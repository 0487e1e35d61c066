/**
 * The CLI run in-process: `main(args)` with a reporter whose lines are
 * collected, so that usage and help tests need no process of their own.
 *
 * @module
 */

import { main } from "../cli/main.ts";
import { Reporter } from "../output/reporter.ts";
import type { CliResult } from "./_helpers.ts";

/**
 * Runs `netdemo ARGS...` in this process; resolves what it printed, as
 * {@linkcode CliResult} (each line ended by a newline, as on a terminal).
 */
export async function runMain(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const reporter = new Reporter({
    stdout: (line) => out.push(`${line}\n`),
    stderr: (line) => err.push(`${line}\n`),
  });
  const code = await main(args, { reporter });
  return { code, stdout: out.join(""), stderr: err.join("") };
}
