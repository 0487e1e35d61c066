/**
 * How the CLI runs a server or a client until it ends: Ctrl-C and SIGTERM
 * handling, the final summary, and the exit code.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import type { Reporter } from "../output/reporter.ts";
import { formatSummary, type ServerHandle } from "../server/summary.ts";

/** The exit code of a runtime failure (refused, reset, timeout, ...). */
export const EXIT_FAILURE = 1;

/** The exit code of a usage error: a mistake on the command line. */
export const EXIT_USAGE = 2;

/**
 * The exit code when stdout's reader has gone (`netdemo ... | head -1`):
 * 128 + 13, as for a program that SIGPIPE ends. Deno ignores SIGPIPE and
 * `console.log` drops the error, which left a `--watch` or a server's log
 * writing into nothing for ever while the shell waited on the pipeline.
 */
export const EXIT_STDOUT_CLOSED = 141;

/** The exit code of a client stopped by Ctrl-C, as shells expect. */
export const EXIT_INTERRUPTED = 130;

/** The exit code of a client stopped by SIGTERM (128 + 15), as shells expect. */
export const EXIT_TERMINATED = 143;

type StopSignal = "SIGINT" | "SIGTERM";

const SIGNALS: StopSignal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

function onSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => handler(signal);
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  };
}

/** How the stop line names a signal: Ctrl-C is an interrupt, TERM is not. */
function signalName(signal: StopSignal): string {
  return signal === "SIGINT" ? "interrupted" : `${signal} received`;
}

/**
 * Starts a server with Ctrl-C / SIGTERM already handled (a signal that
 * arrives right after the `Listening on` line must still stop it cleanly),
 * waits for it to stop by itself or on a signal, then prints its summary;
 * resolves the exit code (0). A second signal ends the server's grace at
 * once: what is still open is closed, and the summary follows.
 *
 * @example
 * ```ts
 * import { superviseServer } from "./_run.ts";
 * import { serveBork } from "../server/bork.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const exitCode = await superviseServer(() => {
 *   const server = serveBork({ port: 0 });
 *   queueMicrotask(() => server.close());
 *   return server;
 * }, new Reporter());
 * ```
 */
export async function superviseServer(
  start: () => ServerHandle,
  reporter: Reporter,
): Promise<number> {
  let server: ServerHandle | undefined;
  let signals = 0;
  const removeListeners = onSignals((signal) => {
    signals++;
    if (signals === 1) {
      reporter.note(`${signalName(signal)}, exiting`);
      server?.close();
    } else if (signals === 2) {
      reporter.note(
        `${signalName(signal)} again, closing open connections now`,
      );
      server?.close({ now: true });
    }
  });
  try {
    server = start();
    if (signals > 0) server.close({ now: signals > 1 });
    reporter.always(formatSummary(await server.closed));
    return 0;
  } finally {
    removeListeners();
  }
}

/**
 * Runs a client's work with an abort signal that Ctrl-C / SIGTERM fires;
 * resolves the work's exit code, or 130 when it was interrupted (143 when
 * it was terminated).
 *
 * @example
 * ```ts
 * import { superviseClient } from "./_run.ts";
 * import { Reporter } from "../output/reporter.ts";
 * await superviseClient(() => Promise.resolve(0), new Reporter());
 * ```
 */
export async function superviseClient(
  work: (signal: AbortSignal) => Promise<number>,
  reporter: Reporter,
): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const removeListeners = onSignals((signal) => {
    if (stoppedBy !== undefined) return;
    stoppedBy = signal;
    reporter.note(`${signalName(signal)}, exiting`);
    controller.abort();
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof NetError && error.kind === "interrupted") {
      return stoppedBy === "SIGTERM" ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    }
    throw error;
  } finally {
    removeListeners();
  }
}
