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
 * Builds one `--watch` screen that fits a terminal of `height` lines: the
 * "Every 1 s" line, a blank line, the table's header, as many rows as fit,
 * and `... N more` in place of the rows that do not, so the header and the
 * "Every 1 s" line never scroll off. The last terminal line stays free for
 * the cursor.
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
  options: { title: string; height: number },
): string[] {
  const [header, ...rows] = table;
  const screen = [options.title, "", header];
  // Room for rows: the screen less its three fixed lines and the cursor line.
  const room = Math.max(1, options.height - screen.length - 1);
  if (rows.length <= room) return [...screen, ...rows];
  const shown = room - 1;
  return [
    ...screen,
    ...rows.slice(0, shown),
    `... ${rows.length - shown} more`,
  ];
}

/**
 * Shows one round of `--watch`: on a terminal that can be cleared, the
 * screen is redrawn from its top; elsewhere (a pipe, a file, a dumb
 * terminal) the rounds follow each other, parted by a time line.
 *
 * @example
 * ```ts
 * import { showWatchRound } from "./watch.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const lines: string[] = [];
 * const reporter = new Reporter({ stdout: (line) => lines.push(line) });
 * showWatchRound(reporter, ["Proto Recv-Q Send-Q"], 1);
 * ```
 */
export function showWatchRound(
  reporter: Reporter,
  lines: string[],
  round: number,
): void {
  const time = new Date().toLocaleTimeString();
  if (reporter.redraws) {
    const screen = watchScreen(lines, {
      title: `Every 1 s, Ctrl-C to stop. ${time}`,
      height: terminalHeight(),
    });
    reporter.redraw(screen);
    return;
  }
  if (round > 0) reporter.always(`--- ${time} ---`);
  for (const line of lines) reporter.always(line);
}

function terminalHeight(): number {
  try {
    // A terminal that reports no rows has not said how tall it is.
    return Deno.consoleSize().rows || 24;
  } catch {
    return 24;
  }
}
