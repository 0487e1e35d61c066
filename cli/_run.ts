/**
 * How the CLI runs a server or a client until it ends: Ctrl-C and SIGTERM
 * handling, the final summary, and the exit code.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import type { Reporter } from "../output/reporter.ts";
import { formatSummary, type ServerHandle } from "../server/_listener.ts";

/** The exit code of a client stopped by Ctrl-C, as shells expect. */
export const EXIT_INTERRUPTED = 130;

const SIGNALS: Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

function onSignals(handler: () => void): () => void {
  for (const signal of SIGNALS) Deno.addSignalListener(signal, handler);
  return () => {
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, handler);
  };
}

/**
 * Starts a server with Ctrl-C / SIGTERM already handled (a signal that
 * arrives right after the `Listening on` line must still stop it cleanly),
 * waits for it to stop by itself or on a signal, then prints its summary;
 * resolves the exit code (0).
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
  let interrupted = false;
  const removeListeners = onSignals(() => {
    reporter.note("interrupted, exiting");
    interrupted = true;
    server?.close();
  });
  try {
    server = start();
    if (interrupted) server.close();
    reporter.always(formatSummary(await server.closed));
    return 0;
  } finally {
    removeListeners();
  }
}

/**
 * Runs a client's work with an abort signal that Ctrl-C / SIGTERM fires;
 * resolves the work's exit code, or 130 when it was interrupted.
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
  const removeListeners = onSignals(() => {
    reporter.note("interrupted, exiting");
    controller.abort();
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof NetError && error.kind === "interrupted") {
      return EXIT_INTERRUPTED;
    }
    throw error;
  } finally {
    removeListeners();
  }
}
