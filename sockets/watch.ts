/**
 * The `--watch` loop of `netdemo sockets`: run a step, wait, run it again,
 * until the abort signal fires (Ctrl-C).
 *
 * @module
 */

import type { Reporter } from "../output/reporter.ts";
import { sleep } from "../system/timers.ts";

/** Options for {@linkcode repeatUntilAborted}. */
export interface RepeatOptions {
  /** Pause between the end of one step and the start of the next, in ms. Default 1000. */
  intervalMs?: number;
  /** Stops the loop: during a pause at once, during a step after it. */
  signal: AbortSignal;
}

/**
 * Runs `step` at once and then after every pause until `signal` aborts;
 * resolves when stopped. A step's error ends the loop and rejects.
 *
 * @example
 * ```ts
 * import { repeatUntilAborted } from "./watch.ts";
 * const controller = new AbortController();
 * let runs = 0;
 * await repeatUntilAborted(() => {
 *   if (++runs === 3) controller.abort();
 * }, { intervalMs: 0, signal: controller.signal });
 * ```
 */
export async function repeatUntilAborted(
  step: (round: number) => void | Promise<void>,
  options: RepeatOptions,
): Promise<void> {
  const { signal } = options;
  const intervalMs = options.intervalMs ?? 1000;
  for (let round = 0; !signal.aborted; round++) {
    await step(round);
    await sleep(intervalMs, signal);
  }
}

/**
 * Builds one `--watch` screen that fits a terminal of `height` lines, each
 * `width` columns wide (a longer line wraps and takes more): the "Every
 * 1 s" line, a blank line, the table's header, as many rows as fit, and
 * `... N more` in place of the rows that do not, so the header and the
 * "Every 1 s" line never scroll off. The last terminal line stays free for
 * the cursor. A terminal too short for the header and one row gets the
 * title and the count alone.
 *
 * @example
 * ```ts
 * import { watchScreen } from "./watch.ts";
 * watchScreen(["Proto ...", "tcp a", "tcp b", "tcp c"], { title: "Every 1 s", height: 6 });
 * // ["Every 1 s", "", "Proto ...", "tcp a", "... 2 more"]
 * ```
 */
export function watchScreen(
  table: readonly string[],
  options: { title: string; height: number; width?: number },
): string[] {
  const [header, ...rows] = table;
  const width = options.width ?? Infinity;
  // The terminal lines a line takes once wrapped.
  const tall = (line: string): number =>
    Math.max(1, Math.ceil([...line].length / width));
  const screen = [options.title, "", header];
  // Room for rows: the screen less its fixed lines and the cursor line.
  let room = options.height - 1 - screen.reduce((sum, l) => sum + tall(l), 0);
  if (room < 1) {
    const more = `... ${rows.length} more`;
    return options.height - 1 >= tall(options.title) + tall(more)
      ? [options.title, more]
      : [options.title];
  }
  const shown: string[] = [];
  for (const [index, row] of rows.entries()) {
    // The last row that fits needs no line for "... N more" after it.
    const after = index === rows.length - 1 ? 0 : 1;
    // Each row shown left a line for the count, which takes the place of
    // this row and those after it.
    if (tall(row) + after > room) {
      return [...screen, ...shown, `... ${rows.length - shown.length} more`];
    }
    shown.push(row);
    room -= tall(row);
  }
  return [...screen, ...shown];
}

/**
 * Shows one round of `--watch`: on a terminal that can be cleared, the
 * screen is redrawn from its top; elsewhere (a pipe, a file, a dumb
 * terminal) the rounds follow each other, parted by a time line. `empty`
 * is the line that says no row matched: on the screen under the header,
 * elsewhere a note on stderr.
 *
 * @example
 * ```ts
 * import { showWatchRound } from "./watch.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const lines: string[] = [];
 * const reporter = new Reporter({ stdout: (line) => lines.push(line) });
 * showWatchRound(reporter, ["Proto Recv-Q Send-Q"], { round: 1 });
 * ```
 */
export function showWatchRound(
  reporter: Reporter,
  lines: string[],
  options: { round: number; empty?: string },
): void {
  const time = new Date().toLocaleTimeString();
  if (reporter.redraws) {
    // On the screen, under the header, where the rows would be.
    const rows = options.empty === undefined
      ? lines
      : [...lines, options.empty];
    const screen = watchScreen(rows, {
      title: `Every 1 s, Ctrl-C to stop. ${time}`,
      ...terminalSize(),
    });
    reporter.redraw(screen);
    return;
  }
  if (options.round > 0) reporter.always(`--- ${time} ---`);
  for (const line of lines) reporter.always(line);
  // On stderr, as a single listing says it: stdout stays tables only.
  if (options.empty !== undefined) reporter.note(options.empty);
}

function terminalSize(): { height: number; width: number } {
  try {
    // A terminal that reports no rows has not said how tall it is.
    const { rows, columns } = Deno.consoleSize();
    return { height: rows || 24, width: columns || 80 };
  } catch {
    return { height: 24, width: 80 };
  }
}
