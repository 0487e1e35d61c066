/**
 * `netdemo report merge`: reads the `--json` reports of load runs made side
 * by side (files, or `-` for stdin) and prints the combined report, with
 * exact percentiles from the summed histograms.
 *
 * @module
 */

import { announceStdin } from "./_stdin.ts";
import { formatLoadReport } from "../client/load.ts";
import {
  mergeReports,
  parseReport,
  ReportError,
} from "../client/report_merge.ts";
import {
  mixedLoops,
  mixedSettings,
  repeatedRun,
  unevenDurations,
} from "../client/merge_warnings.ts";
import type { LoadReport } from "../client/load_report.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { fileProblem, readNamed } from "../system/files.ts";
import { jsonOption } from "./_shared_options.ts";
import { UsageError } from "./_usage.ts";

const OPTIONS = {
  ...jsonOption("print the merged report as one JSON object"),
} satisfies OptionDecls;

/**
 * The report merge mode: it merges the reports named on the command line
 * and resolves 0, or throws a {@linkcode ReportError} (exit 1) for a file
 * that cannot be read or merged.
 *
 * @example
 * ```ts
 * import { reportMerge } from "./report_merge.ts";
 * reportMerge.positionals[0].repeats; // true
 * ```
 */
export const reportMerge = {
  name: "report merge",
  summary:
    "Combine the --json reports of load runs made at the same time into one.",
  positionals: [{
    name: "FILE...",
    description: "reports to merge; - reads one from stdin",
    repeats: true,
  }],
  options: OPTIONS,
  examples: [
    "netdemo report merge a.json b.json",
    "netdemo report merge a.json b.json --json",
    "netdemo report merge - b.json < a.json",
  ],
  async run(command, reporter): Promise<number> {
    const names = command.positionals;
    if (names.includes("")) {
      throw new UsageError('FILE must name a file, got ""');
    }
    if (names.filter((name) => name === "-").length > 1) {
      throw new UsageError("stdin (-) can be read only once");
    }
    const reports: LoadReport[] = [];
    const labels = names.map((name) => name === "-" ? "stdin" : `"${name}"`);
    for (const [i, name] of names.entries()) {
      if (name === "-") announceStdin(reporter, "a report (JSON)");
      reports.push(parseReport(await readText(name, labels[i]), labels[i]));
    }
    const merged = mergeReports(reports, labels);
    const caveats = [
      repeatedRun(reports, labels),
      mixedLoops(reports, labels),
      mixedSettings(reports, labels),
      unevenDurations(reports),
    ];
    for (const caveat of caveats) {
      if (caveat !== undefined) reporter.warn(caveat);
    }
    if (command.values.json) {
      reporter.always(JSON.stringify(merged));
    } else {
      const runs = merged.sources === 1 ? "run" : "runs";
      reporter.always(`Merged:        ${merged.sources} ${runs}`);
      for (const line of formatLoadReport(merged)) reporter.always(line);
    }
    return 0;
  },
} satisfies Mode<typeof OPTIONS>;

/**
 * The largest report read. A report is mostly its compressed histogram, a
 * few KiB; a long run with `--interval` adds a line of figures per interval.
 */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

async function readText(name: string, label: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readNamed(name, MAX_REPORT_BYTES);
  } catch (error) {
    throw new ReportError(`cannot read ${label}: ${fileProblem(error)}`, {
      cause: error,
    });
  }
  if (bytes.length > MAX_REPORT_BYTES) {
    throw new ReportError(
      `${label} is larger than ${MAX_REPORT_BYTES} bytes, too large for a netdemo report`,
    );
  }
  return new TextDecoder().decode(bytes);
}
