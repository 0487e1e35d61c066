/**
 * The one place where netdemo programs print. Servers and clients describe
 * what happens through a {@linkcode Reporter}; the CLI decides where the lines
 * go (the terminal, or a test's array) and how much is shown.
 *
 * @module
 */

import { styleText } from "node:util";
import { terminalSafe } from "./escape.ts";
import { OutputQueue } from "./_output_queue.ts";

/** A function that receives one finished line of output, without newline. */
export type LineSink = (line: string) => void;

const encoder = new TextEncoder();

/** Options for {@linkcode Reporter}. */
export interface ReporterOptions {
  /** Keep only essential lines (listening, errors, summaries). Default false. */
  quiet?: boolean;
  /** Print socket steps (`--trace`) on the diagnostic stream. Default false. */
  trace?: boolean;
  /** Where program output goes. Default: standard output. */
  stdout?: LineSink;
  /**
   * Called when the reader of standard output or standard error has gone
   * (the default sinks only). The CLI exits then, as a program that
   * SIGPIPE ends; by default the line is dropped, so that a library's
   * caller decides.
   */
  onOutputClosed?: () => void;
  /**
   * With `queued`: called when writing to standard output fails otherwise
   * (a full disk). Default: the line is dropped.
   */
  onOutputFailed?: (error: unknown) => void;
  /**
   * Write standard output and error through the process's one output
   * queue, so that a reader that stops reading never stops the program
   * (the CLI does; await {@linkcode Reporter.flush} before exiting).
   * Default false: each line is written at once, and a blocked reader
   * blocks the writer.
   */
  queued?: boolean;
  /** Where diagnostics go. Default: standard error. */
  stderr?: LineSink;
  /**
   * Colour diagnostics. Default: when stderr is a terminal, `NO_COLOR` is
   * unset and `TERM` is not `dumb`.
   */
  color?: boolean;
  /**
   * Show a live progress line. Default: when stderr is a terminal, and not
   * a dumb one.
   */
  progress?: boolean;
  /**
   * Redraw `--watch` screens in place. Default: when stdout is a terminal,
   * and not a dumb one.
   */
  redraws?: boolean;
  /** Clock for trace timestamps, in milliseconds. Default `performance.now`. */
  now?: () => number;
}

/**
 * Writes a line to stdout or stderr; false when its reader has gone (EPIPE:
 * `netdemo ... | head -1`), which `console.log` would hide. Any other
 * failure of stdout is an error (a full disk); one of stderr cannot be
 * told anywhere, so the line is dropped.
 */
function writeLine(stream: typeof Deno.stdout, line: string): boolean {
  let bytes = encoder.encode(`${line}\n`);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) return false;
    if (stream === Deno.stderr) return true;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot write to standard output: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * A sink as the reporter calls it: `essential` marks a line the user ran
 * the program for, which a full output queue keeps (a {@linkcode LineSink}
 * of the caller's own ignores it).
 */
type Sink = (line: string, essential?: boolean) => void;

/** The sinks that write to the process's own stdout and stderr. */
const STANDARD_SINKS = new WeakSet<Sink>();

/** The process's one queue of output, for reporters that are `queued`. */
const QUEUE = new OutputQueue();

/**
 * A sink writing to `stream` (through the queue when `queued`), calling
 * `closed` when its reader has gone.
 */
function standardSink(
  stream: "stdout" | "stderr",
  options: { queued: boolean; closed?: () => void },
): Sink {
  const target = stream === "stdout" ? Deno.stdout : Deno.stderr;
  const sink = options.queued
    ? (line: string, essential?: boolean): void =>
      QUEUE.push(stream, encoder.encode(`${line}\n`), { essential })
    : (line: string): void => {
      if (!writeLine(target, line)) options.closed?.();
    };
  STANDARD_SINKS.add(sink);
  return sink;
}

/**
 * Tells whether colour suits a terminal: not when `NO_COLOR` is set (the
 * no-color.org convention) or `TERM` is `dumb`.
 *
 * @example
 * ```ts
 * import { colorAllowed } from "./reporter.ts";
 * colorAllowed({ noColor: false, term: "dumb" }); // false
 * ```
 */
export function colorAllowed(
  env: { noColor: boolean; term: string | undefined } = {
    noColor: Deno.noColor,
    term: termName(),
  },
): boolean {
  return !env.noColor && env.term !== "dumb";
}

function termName(): string | undefined {
  try {
    return Deno.env.get("TERM");
  } catch {
    // Without --allow-env=TERM, assume the worst: no colour.
    return "dumb";
  }
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

function stdoutIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}

/** Moves the cursor home and clears the screen. */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/**
 * Routes a program's lines to stdout (what the user asked for) and stderr
 * (diagnostics, trace, progress), honouring `--quiet` and `--trace`.
 *
 * Callers check {@linkcode Reporter.verbose} before formatting a per-message
 * line, so that quiet mode costs nothing per message. Every line passes
 * {@linkcode terminalSafe} on its way out, so that nothing a peer or a user
 * typed (an option's value, a file name) can act on the terminal, even where
 * a message forgot to quote it; diagnostics are also kept to one line.
 *
 * @example Capture the lines of an in-process server in a test
 * ```ts
 * import { Reporter } from "./reporter.ts";
 * const lines: string[] = [];
 * const reporter = new Reporter({ stdout: (line) => lines.push(line) });
 * reporter.info("Listening on 127.0.0.1:65432");
 * ```
 */
export class Reporter {
  /** True when ordinary per-event lines are printed (not `--quiet`). */
  readonly verbose: boolean;
  /** True when socket steps are traced (`--trace`). */
  readonly tracing: boolean;
  /**
   * True when {@linkcode Reporter.redraw} can clear the screen: stdout is a
   * terminal, and not a dumb one.
   */
  readonly redraws: boolean;
  #stdout: Sink;
  #stderr: Sink;
  #color: boolean;
  #progress: boolean;
  #progressShown = false;
  #now: () => number;
  #start: number;
  #queued: boolean;

  /** Creates a reporter; with no options it prints to the terminal. */
  constructor(options: ReporterOptions = {}) {
    this.verbose = !options.quiet;
    this.tracing = options.trace ?? false;
    const closed = options.onOutputClosed;
    const queued = this.#queued = options.queued ?? false;
    // The reporter that makes the standard sinks sets what the queue calls
    // (those made by `with` share its sinks, and its handlers).
    if (queued && options.stdout === undefined) {
      QUEUE.handlers = { onClosed: closed, onFailed: options.onOutputFailed };
    }
    this.#stdout = options.stdout ?? standardSink("stdout", { queued, closed });
    this.#stderr = options.stderr ?? standardSink("stderr", { queued, closed });
    const terminal = options.stderr === undefined && stderrIsTerminal();
    this.#color = options.color ?? (terminal && colorAllowed());
    // The progress line is written to the terminal itself, so a reporter
    // whose diagnostics go to a sink of its own never shows one; nor does
    // a dumb terminal, which cannot erase it.
    const ownSink = options.stderr !== undefined &&
      !STANDARD_SINKS.has(options.stderr);
    // --quiet asks for the results alone: no live status either.
    this.#progress = !ownSink && !options.quiet &&
      (options.progress ?? (terminal && termName() !== "dumb"));
    this.redraws = options.redraws ??
      (options.stdout === undefined && stdoutIsTerminal() &&
        termName() !== "dumb");
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /**
   * A reporter printing to the same places in the same style, with its own
   * `quiet` and `trace` (what a mode's `--quiet` and `--trace` ask for).
   */
  with(options: { quiet?: boolean; trace?: boolean }): Reporter {
    return new Reporter({
      quiet: options.quiet,
      trace: options.trace,
      stdout: this.#stdout,
      stderr: this.#stderr,
      color: this.#color,
      progress: this.#progress,
      redraws: this.redraws,
      now: this.#now,
      queued: this.#queued,
    });
  }

  /**
   * How long the output's write in flight has waited, in ms: 0 when none
   * is, or the reporter writes directly (not `queued`).
   */
  get outputStalledMs(): number {
    return this.#queued ? QUEUE.stalledMs : 0;
  }

  /** Resolves once every line printed so far is written (when `queued`). */
  async flush(): Promise<void> {
    if (this.#queued) await QUEUE.flush();
  }

  /** Prints an ordinary event line on stdout, unless quiet. */
  info(line: string): void {
    if (this.verbose) this.#out(line, false);
  }

  /** Prints a line on stdout even when quiet (listening line, summaries). */
  always(line: string): void {
    this.#out(line, true);
  }

  /**
   * Prints a per-event problem (one connection of many failed) on stderr,
   * unless quiet: it is a diagnostic, not a result.
   */
  problem(line: string): void {
    if (this.verbose) this.#err(oneLine(line), false);
  }

  /** Prints a plain diagnostic line on stderr, even when quiet. */
  note(line: string): void {
    this.#err(oneLine(line), true);
  }

  /** Prints a warning on stderr, even when quiet. */
  warn(line: string): void {
    this.#err(this.#paint("yellow", `warning: ${oneLine(line)}`), true);
  }

  /** Prints an error on stderr, even when quiet. */
  error(line: string): void {
    this.#err(this.#paint("red", `error: ${oneLine(line)}`), true);
  }

  /** Prints one socket step on stderr with the time since start, if tracing. */
  trace(step: string): void {
    if (!this.tracing) return;
    const seconds = ((this.#now() - this.#start) / 1000).toFixed(6);
    this.#err(
      this.#paint("dim", `[trace +${seconds}s] ${oneLine(step)}`),
      false,
    );
  }

  /**
   * Clears the terminal and prints `lines` from its top (a `--watch`
   * screen): the clearing is the one control sequence netdemo itself puts
   * on stdout; the lines are made terminal-safe as every line is.
   */
  redraw(lines: readonly string[]): void {
    this.#clearProgress();
    if (lines.length === 0) this.#stdout(CLEAR_SCREEN, true);
    lines.forEach((line, index) =>
      this.#stdout(
        `${index === 0 ? CLEAR_SCREEN : ""}${terminalSafe(line)}`,
        true,
      )
    );
  }

  /** Shows a live progress line on stderr, only when stderr is a terminal. */
  progress(line: string): void {
    if (!this.#progress) return;
    this.#raw(`\r\x1b[2K${oneLine(line)}`);
    this.#progressShown = true;
  }

  #out(line: string, essential: boolean): void {
    this.#clearProgress();
    this.#stdout(terminalSafe(line), essential);
  }

  #err(line: string, essential: boolean): void {
    this.#clearProgress();
    this.#stderr(line, essential);
  }

  #clearProgress(): void {
    if (!this.#progressShown) return;
    this.#progressShown = false;
    this.#raw("\r\x1b[2K");
  }

  // Bytes for the terminal itself, with no newline (the progress line).
  #raw(text: string): void {
    const bytes = encoder.encode(text);
    if (this.#queued) QUEUE.push("stderr", bytes);
    else Deno.stderr.writeSync(bytes);
  }

  #paint(format: "red" | "yellow" | "dim", text: string): string {
    return this.#color
      ? styleText(format, text, { validateStream: false })
      : text;
  }
}

/** A diagnostic as one terminal-safe line (its colour is added after). */
function oneLine(line: string): string {
  return terminalSafe(line, { singleLine: true });
}

/** A reporter that prints nothing: the default for in-process use. */
export const SILENT: Reporter = new Reporter({
  quiet: true,
  stdout: () => {},
  stderr: () => {},
});
