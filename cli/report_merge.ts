/**
 * `netdemo report merge`: reads the `--json` reports of load runs made side
 * by side (files, or `-` for stdin) and prints the combined report, with
 * exact percentiles from the summed histograms.
 *
 * @module
 */

import { formatLoadReport } from "../client/load.ts";
import {
  mergeReports,
  parseReport,
  ReportError,
} from "../client/report_merge.ts";
import type { LoadReport } from "../client/load_report.ts";
import {
  type CommandSpec,
  type ParsedCommand,
  reporterFor,
  UsageError,
} from "./_args.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "report merge",
  summary:
    "Combine the --json reports of load runs made at the same time into one.",
  positionals: [{
    name: "FILE...",
    description: "reports to merge; - reads one from stdin",
    repeats: true,
  }],
  options: {
    json: {
      type: "boolean",
      description: "print the merged report as one JSON object",
    },
  },
  example:
    "netdemo report merge a.json b.json --json   # or: cat a.json | netdemo report merge - b.json",
};

/**
 * Merges the reports named on the command line; resolves 0, or throws a
 * {@linkcode ReportError} (exit 1) for a file that cannot be read or merged.
 *
 * @example
 * ```ts
 * import { run } from "./report_merge.ts";
 * // await run({ values: {}, positionals: ["a.json", "b.json"] });
 * ```
 */
export async function run(parsed: ParsedCommand): Promise<number> {
  const names = parsed.positionals;
  if (names.filter((name) => name === "-").length > 1) {
    throw new UsageError("stdin (-) can be read only once", spec.name);
  }
  const reporter = reporterFor(parsed.values);
  const reports: LoadReport[] = [];
  for (const name of names) {
    const label = name === "-" ? "stdin" : `"${name}"`;
    reports.push(parseReport(await readText(name, label), label));
  }
  const merged = mergeReports(reports, names);
  if (parsed.values.json === true) {
    reporter.always(JSON.stringify(merged));
  } else {
    reporter.always(`Merged:        ${merged.sources} runs`);
    for (const line of formatLoadReport(merged)) reporter.always(line);
  }
  return 0;
}

async function readText(name: string, label: string): Promise<string> {
  try {
    if (name !== "-") return await Deno.readTextFile(name);
    return await new Response(Deno.stdin.readable).text();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Deno.errors.PermissionDenied ||
          error instanceof Deno.errors.NotCapable
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ReportError(`cannot read ${label}: ${reason}`, { cause: error });
  }
}
