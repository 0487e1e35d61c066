/**
 * How the CLI runs a server or a client until it ends: Ctrl-C and SIGTERM
 * handling, the final summary, and the exit code.
 *
 * @module
 */

import { errorMessage, NetError } from "../protocol/errors.ts";
import { isInputOutputError } from "../system/files.ts";
import type { Reporter } from "../output/reporter.ts";
import { formatSummary, type ServerHandle } from "../server/summary.ts";
import { hangupIgnored } from "../system/signals.ts";

/** The exit code of a runtime failure (refused, reset, timeout, ...). */
export const EXIT_FAILURE = 1;

/** The exit code of a usage error: a mistake on the command line. */
export const EXIT_USAGE = 2;

/**
 * The exit code when the reader of stdout or stderr has gone
 * (`netdemo ... | head -1`): 128 + 13, as for a program that SIGPIPE ends.
 * Deno ignores SIGPIPE and `console.log` drops the error, which left a
 * `--watch` or a server's log writing into nothing for ever while the
 * shell waited on the pipeline.
 */
export const EXIT_OUTPUT_CLOSED = 141;

/** The exit code of a client stopped by Ctrl-C, as shells expect. */
const EXIT_INTERRUPTED = 130;

/** The exit code of a client stopped by SIGTERM (128 + 15), as shells expect. */
const EXIT_TERMINATED = 143;

/** The exit code of a client stopped by a hangup (128 + 1), as shells expect. */
const EXIT_HUNG_UP = 129;

type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

const EXIT_CODES: Record<StopSignal, number> = {
  SIGINT: EXIT_INTERRUPTED,
  SIGTERM: EXIT_TERMINATED,
  SIGHUP: EXIT_HUNG_UP,
};

const SIGNALS: StopSignal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

/**
 * Calls `handler` on each stop signal; resolves the function that removes
 * the listeners. SIGHUP stops a run too, unless this process inherited it
 * ignored (`nohup`): then it stays ignored. Deno's first signal listener
 * of any kind replaces SIGHUP's inherited disposition with a handler of
 * its own, under which a SIGHUP with no listener ends the process, so the
 * disposition is read before any listener is added (and a nohup'd
 * process gets, for good, a listener that does nothing). When it cannot
 * be read (`deno run` without the grant for `cat`), a hangup stops the run
 * as any stop signal does: its summary is printed, where leaving SIGHUP
 * without a listener would end the process with nothing said.
 */
async function onSignals(
  handler: (signal: StopSignal) => void,
): Promise<() => void> {
  const ignored = Deno.build.os === "windows"
    ? undefined
    : await hangupIgnored();
  const listeners: { signal: StopSignal; listener: () => void }[] = [];
  function listen(signal: StopSignal, listener: () => void): void {
    Deno.addSignalListener(signal, listener);
    listeners.push({ signal, listener });
  }
  for (const signal of SIGNALS) listen(signal, () => handler(signal));
  if (
    ignored === false ||
    (ignored === undefined && Deno.build.os !== "windows")
  ) {
    listen("SIGHUP", () => handler("SIGHUP"));
  }
  if (ignored === true) keepIgnoringHangups();
  return () => {
    for (const { signal, listener } of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  };
}

/**
 * The runs (a server's, a client's) whose own listeners hear the stop
 * signals now, and whether one has ended since the command began: what
 * {@linkcode ExitGuard} does with a signal depends on both.
 */
const runs = { listening: 0, ended: false };

/** {@linkcode onSignals} for a run, counted in {@linkcode runs}. */
async function onRunSignals(
  handler: (signal: StopSignal) => void,
): Promise<() => void> {
  const removeListeners = await onSignals(handler);
  runs.listening++;
  return () => {
    removeListeners();
    runs.listening--;
    runs.ended = true;
  };
}

let hangupsIgnored = false;

/**
 * For the rest of the process, a listener that does nothing with SIGHUP:
 * one removed with the others would leave a hangup that is still on its
 * way to JavaScript (it may be behind a SIGTERM) with no listener, and
 * Deno then ends the process.
 */
function keepIgnoringHangups(): void {
  if (hangupsIgnored) return;
  hangupsIgnored = true;
  Deno.addSignalListener("SIGHUP", () => {});
}

/**
 * The exit code of a client whose run `signal` stopped: 130 after Ctrl-C,
 * 143 after SIGTERM, 129 after a hangup (the signal's reason names it).
 *
 * @example
 * ```ts
 * import { stopExitCode } from "./_run.ts";
 * stopExitCode(AbortSignal.abort("SIGTERM")); // 143
 * ```
 */
export function stopExitCode(signal: AbortSignal): number {
  return EXIT_CODES[signal.reason as StopSignal] ?? EXIT_INTERRUPTED;
}

/** How the stop line names a signal: Ctrl-C is an interrupt, TERM is not. */
function signalName(signal: StopSignal): string {
  return signal === "SIGINT" ? "interrupted" : `${signal} received`;
}

/**
 * How long a stop signal that arrives while the last lines are being
 * written lets them go on: long enough for a reader that is reading, and
 * no longer for one that has stopped (`| less` at its prompt).
 */
const LAST_OUTPUT_GRACE_MS = 2000;

/**
 * How long a write must have waited for a further stop signal to end the
 * program at once: a reader that reads takes the last lines far sooner,
 * and `timeout` sends its signal twice within a millisecond or so.
 */
const OUTPUT_STALLED_MS = 100;

/**
 * The stop signals, heard from the start of a command to its exit. A
 * signal with no listener ends a Deno process at once, and a run removes
 * its own listeners as it ends, so without these a SIGTERM sent as a
 * server ends by itself (a supervisor's) would end the process before its
 * last lines and summary were written. Before any run (reading stdin for
 * `report merge -` or `--payload-file -`) a signal ends the program at
 * once, with the signal's exit code (130, 143 or 129). A signal while a
 * run listens is the run's to handle, and one once a run has ended finds
 * the program ending anyway: either way the lines still queued at the end
 * get {@linkcode LAST_OUTPUT_GRACE_MS} from the start of
 * {@linkcode ExitGuard.flush} (or from the signal, if that came later),
 * so that a reader that stopped reading cannot hold a stopped program;
 * then, or at one more signal during it, the program ends with its code.
 * Under `nohup` a hangup stays ignored.
 *
 * @example
 * ```ts
 * import { ExitGuard } from "./_run.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const guard = await ExitGuard.listen();
 * const reporter = new Reporter({ queued: true });
 * await guard.flush(reporter, 0);
 * ```
 */
export class ExitGuard {
  #code: number | undefined;
  // A stop signal has come: the last lines get the grace, not for ever.
  #graceDue = false;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #removeListeners: () => void = () => {};
  #reporter: Reporter | undefined;

  /** Starts listening; call {@linkcode ExitGuard.flush} at the end. */
  static async listen(): Promise<ExitGuard> {
    const guard = new ExitGuard();
    runs.ended = false;
    guard.#removeListeners = await onSignals((signal) => guard.#stop(signal));
    return guard;
  }

  #stop(signal: StopSignal): void {
    const code = this.#code;
    if (code === undefined) {
      // Before any run there is nothing to finish.
      if (runs.listening === 0 && !runs.ended) Deno.exit(EXIT_CODES[signal]);
      // The run's to handle; its last lines, blocked or not, get the grace.
      this.#graceDue = true;
      return;
    }
    if (this.#grace === undefined) this.#startGrace(code);
    // One more signal ends a wait on a reader that stopped reading; while
    // the lines still move, the grace alone bounds it.
    else if ((this.#reporter?.outputStalledMs ?? 0) >= OUTPUT_STALLED_MS) {
      Deno.exit(code);
    }
  }

  #startGrace(code: number): void {
    this.#grace = setTimeout(() => Deno.exit(code), LAST_OUTPUT_GRACE_MS);
  }

  /**
   * Waits until `reporter` has written everything, as a C program's exit
   * does; a stop signal, before or meanwhile, ends the program with `code`
   * after the grace, and one more at once if the output has stopped moving
   * (its write has waited 100 ms or more). With `options.exit`, the
   * program then ends with `code`, its listeners still on: removed, they
   * would leave a signal that comes as it ends to end it by the signal.
   */
  async flush(
    reporter: Reporter,
    code: number,
    options: { exit?: boolean } = {},
  ): Promise<void> {
    this.#code = code;
    this.#reporter = reporter;
    if (this.#graceDue) this.#startGrace(code);
    try {
      await reporter.flush();
    } finally {
      clearTimeout(this.#grace);
      if (options.exit) Deno.exit(code);
      this.#removeListeners();
    }
  }
}

/**
 * Starts a server with Ctrl-C / SIGTERM already handled (a signal that
 * arrives right after the `Listening on` line must still stop it cleanly),
 * waits for it to stop by itself or on a signal, then prints its summary;
 * resolves the exit code (0). A `start` that waits (for a table on stdin)
 * and is stopped meanwhile ends the run at once, with nothing to sum up.
 * A second signal ends the server's grace at once: what is still open is
 * closed, and the summary follows.
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
  start: () => ServerHandle | Promise<ServerHandle>,
  reporter: Reporter,
): Promise<number> {
  let server: ServerHandle | undefined;
  let signals = 0;
  const stoppedBeforeStart = Promise.withResolvers<undefined>();
  const removeListeners = await onRunSignals((signal) => {
    signals++;
    if (signals === 1) {
      reporter.note(`${signalName(signal)}, exiting`);
      if (server === undefined) stoppedBeforeStart.resolve(undefined);
      else server.close();
    } else if (signals === 2) {
      reporter.note(
        `${signalName(signal)} again, closing open connections now`,
      );
      server?.close({ now: true });
    }
  });
  try {
    // A start may wait (for a table on stdin); a stop signal meanwhile
    // ends the run there, with nothing served and so no summary.
    const starting = Promise.resolve().then(start);
    starting.catch(() => {}); // Given up on, its failure is no news.
    const started = await Promise.race([
      starting,
      stoppedBeforeStart.promise,
    ]);
    if (started === undefined) return 0;
    server = started;
    if (signals > 0) server.close({ now: signals > 1 });
    reporter.always(formatSummary(await server.closed));
    return 0;
  } finally {
    removeListeners();
  }
}

/**
 * Runs a client's work with an abort signal that Ctrl-C, SIGTERM or a
 * hangup fires; resolves the work's exit code, or the signal's (130, 143
 * or 129: see {@linkcode stopExitCode}) when it was stopped.
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
  const removeListeners = await onRunSignals((signal) => {
    if (stoppedBy !== undefined) return;
    stoppedBy = signal;
    reporter.note(`${signalName(signal)}, exiting`);
    controller.abort(signal);
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof NetError && error.kind === "interrupted") {
      return stopExitCode(controller.signal);
    }
    throw error;
  } finally {
    removeListeners();
  }
}

// Asked at the start: a terminal that has hung up no longer says it is.
const STDOUT_IS_TERMINAL = Deno.stdout.isTerminal();

/**
 * Stdout cannot be written (a full disk): said on stderr at once, since
 * the queue holds what comes after, and the program ends as a runtime
 * failure does. A terminal that fails with EIO has hung up (it was
 * closed): the SIGHUP it sends as well stops the run, which then ends as
 * a hangup does, its lines dropped with the terminal.
 *
 * @example
 * ```ts ignore
 * new Reporter({ queued: true, onOutputFailed: stdoutFailed });
 * ```
 */
export function stdoutFailed(error: unknown): void {
  if (isInputOutputError(error) && STDOUT_IS_TERMINAL) return;
  const reason = errorMessage(error);
  try {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `error: cannot write to standard output: ${reason}\n`,
      ),
    );
  } finally {
    Deno.exit(EXIT_FAILURE);
  }
}
