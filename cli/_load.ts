/**
 * The load mode of `netdemo client multi` at the CLI edge: its options
 * (size, rate, pipeline, connection churn, payload file, intervals,
 * percentiles), and the run with its report, warning and exit code.
 *
 * @module
 */

import { announceStdin } from "./_stdin.ts";
import {
  connectionsToOpen,
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  DEFAULT_PIPELINE,
  DRAIN_MS,
  formatInterval,
  formatLoadReport,
  type LoadOptions,
  MAX_LOAD_SIZE,
  MAX_PIPELINE,
  MAX_RATE,
  runLoad,
} from "../client/load.ts";
import { DEFAULT_PERCENTILES, percentileKey } from "../client/latency.ts";
import { NetError } from "../protocol/errors.ts";
import type { Reporter } from "../output/reporter.ts";
import type { OptionDecls, Values } from "./_options.ts";
import { fileProblem, readNamed } from "../system/files.ts";
import { UsageError } from "./_usage.ts";
import { loadWarnings } from "../client/load_warnings.ts";
import { decimalNumber, fileName, MAX_SECONDS } from "./_values.ts";
import { stopExitCode, superviseClient } from "./_run.ts";

/** The load mode's options; giving any of them selects load mode. */
export const LOAD_OPTIONS = {
  duration: {
    kind: "seconds",
    placeholder: "SECONDS",
    description: "load mode: run round trips on every connection this long",
    positive: true,
    defaultText: `${
      DEFAULT_LOAD_DURATION_MS / 1000
    } in load mode without --rounds`,
  },
  omit: {
    kind: "seconds",
    placeholder: "SECONDS",
    description:
      "load mode: run SECONDS more first and leave them out of the figures (a warm-up, as iperf3 -O)",
    positive: true,
    mistake: "must be more than 0 seconds",
    defaultText: "count from the first round trip",
  },
  rounds: {
    kind: "integer",
    placeholder: "N",
    description: "load mode: round trips per connection, instead of --duration",
    min: 1,
  },
  size: {
    kind: "integer",
    placeholder: "BYTES",
    description: `load mode: bytes per message, at most ${MAX_LOAD_SIZE}`,
    min: 1,
    max: MAX_LOAD_SIZE,
    default: DEFAULT_LOAD_SIZE,
  },
  rate: {
    kind: "number",
    placeholder: "N",
    description:
      "load mode: N round trips/s in total on a fixed schedule (open loop); latency counts from each scheduled send",
    defaultText: "closed loop: the next message goes when the echo is back",
    max: MAX_RATE,
    maxMeaning: "a message a nanosecond",
  },
  pipeline: {
    kind: "integer",
    placeholder: "N",
    description:
      `load mode: most messages in flight per connection (at most ${MAX_PIPELINE})`,
    min: 1,
    max: MAX_PIPELINE,
    default: DEFAULT_PIPELINE,
  },
  lifetime: {
    kind: "integer",
    placeholder: "ROUNDS",
    description:
      "load mode: close each connection after ROUNDS round trips and open a new one",
    min: 1,
    defaultText: "keep each connection",
  },
  "connect-rate": {
    kind: "number",
    placeholder: "N",
    description: "load mode: open at most N connections per second",
    defaultText: "as fast as 128 connects in flight allow",
    max: MAX_RATE,
    maxMeaning: "a connection a nanosecond",
  },
  "connect-timeout": {
    kind: "timeout",
    placeholder: "SECONDS",
    description:
      "load mode: give up on a connect after SECONDS (0: never, whatever --timeout says)",
    defaultText:
      "--timeout, else in a timed run its length, else the OS's limit",
  },
  "payload-file": {
    kind: "text",
    placeholder: "FILE|-",
    check: fileName,
    description:
      "load mode: send this file's bytes (- reads stdin) as every message, instead of --size",
  },
  interval: {
    kind: "seconds",
    placeholder: "SECONDS",
    description:
      "load mode: print one line of figures every SECONDS, at least 0.1 (with --json: the intervals array)",
    // As iperf3's -i: shorter intervals are a timer's granularity and the
    // event loop's, not the server's.
    minimum: 0.1,
    mistake: "must be at least 0.1 seconds (as iperf3's -i)",
  },
  percentiles: {
    kind: "value",
    placeholder: "LIST",
    description: "load mode: latency percentiles to report",
    defaultText: DEFAULT_PERCENTILES.join(","),
    parse: percentilesValue,
  },
} satisfies OptionDecls;

/** The load options' typed values. */
export type LoadValues = Values<typeof LOAD_OPTIONS>;

/** What the multi command has read already: where, how many, how long. */
export type CommonLoadOptions = Pick<
  LoadOptions,
  "endpoint" | "connections" | "timeoutMs"
>;

/** What {@linkcode runLoadCommand} needs besides the common options. */
export interface LoadCommand {
  /** The load options' values. */
  values: LoadValues & { json: boolean };
  /** The options given on the command line. */
  given: ReadonlySet<string>;
  /** Where the report goes, honouring `--quiet` and `--trace`. */
  reporter: Reporter;
}

/**
 * Runs the load and prints its report (text, or one JSON object);
 * resolves the exit code (0; 1 with any error; 130 when interrupted).
 *
 * @example
 * ```ts
 * import { runLoadCommand } from "./_load.ts";
 * import { parseCommand } from "./_parse.ts";
 * import { clientMulti } from "./client_multi.ts";
 * import { serveEcho } from "../server/echo.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const server = serveEcho({ port: 0 });
 * const parsed = parseCommand(clientMulti, ["--rounds", "1", "-J"])!;
 * const reporter = new Reporter({ stdout: () => {} });
 * const endpoint = { transport: "tcp" as const, host: "127.0.0.1", port: server.addr.port };
 * await runLoadCommand({ ...parsed, reporter }, { endpoint }); // 0
 * await server.close();
 * ```
 */
export async function runLoadCommand(
  command: LoadCommand,
  common: CommonLoadOptions,
): Promise<number> {
  const { values, given, reporter } = command;
  if (given.has("duration") && given.has("rounds")) {
    throw new UsageError("give --duration or --rounds, not both");
  }
  if (given.has("omit") && given.has("rounds")) {
    throw new UsageError(
      "--omit needs a timed run: give --duration, not --rounds",
    );
  }
  if (given.has("size") && given.has("payload-file")) {
    throw new UsageError("give --size or --payload-file, not both");
  }
  checkRunLength(values);
  checkConnectRamp(values, common.connections);
  const payloadFile = values["payload-file"];
  const options: LoadOptions = {
    ...common,
    durationMs: values.duration,
    omitMs: values.omit,
    rounds: values.rounds,
    size: values.size,
    payload: payloadFile === undefined
      ? undefined
      : await readPayload(payloadFile, reporter),
    payloadFile,
    rate: values.rate,
    pipeline: values.pipeline,
    lifetime: values.lifetime,
    connectRate: values["connect-rate"],
    // A given 0 reads as undefined, like any timeout of 0; the load takes 0
    // as never, where undefined would fall back to --timeout.
    connectTimeoutMs: given.has("connect-timeout")
      ? values["connect-timeout"] ?? 0
      : undefined,
    intervalMs: values.interval,
    percentiles: values.percentiles,
    reporter,
  };
  const json = values.json;
  return superviseClient(async (signal) => {
    const result = await runLoad({
      ...options,
      signal,
      onInterval: json
        ? undefined
        : (interval) => reporter.always(formatInterval(interval)),
    });
    const { report, failures } = result;
    if (json) reporter.always(JSON.stringify(report));
    else for (const line of formatLoadReport(report)) reporter.always(line);
    for (const line of loadWarnings(result)) reporter.warn(line);
    if (signal.aborted) return stopExitCode(signal);
    if (failures.total > 0) {
      const noun = failures.total === 1 ? "error" : "errors";
      const kind = failures.mainKind();
      // Refused after it had served (a server stopped mid-run): no hint to
      // start the server first.
      throw new NetError(
        kind === "refused" && report.connectionsOpened > 0 ? "other" : kind,
        `${failures.total} ${noun} in the load run: ${failures.describeWithFirst()}`,
      );
    }
    return 0;
  }, reporter);
}

/**
 * Refuses a warm-up and duration too long for the run's timer together, in
 * the options' words (the load refuses it too, as a RangeError); each alone
 * was checked as it was read.
 */
function checkRunLength(values: LoadValues): void {
  const tail = DRAIN_MS / 1000;
  const longest = MAX_SECONDS - tail;
  const omitMs = values.omit ?? 0;
  const durationMs = values.duration ?? DEFAULT_LOAD_DURATION_MS;
  // As typed, not as ms: 2147482.5, not 2147482.4999999998.
  const asGiven = (ms: number): number => Number((ms / 1000).toPrecision(15));
  const omit = asGiven(omitMs);
  const duration = asGiven(durationMs);
  const seconds = asGiven(omitMs + durationMs);
  if (values.rounds !== undefined || seconds <= longest) return;
  const why =
    `(the longest a timer can wait, less the ${tail} s the last echoes get)`;
  throw new UsageError(
    values.omit === undefined
      ? `--duration must be at most ${longest} seconds ${why}, got "${duration}"`
      : `--omit plus --duration must be at most ${longest} seconds together ${why}, got ${omit} + ${duration} = ${seconds}`,
  );
}

/**
 * Refuses a `--connect-rate` so low that the connections a run must open
 * could not all be opened within the longest wait a timer has, in the
 * options' words (the load refuses it too, as a RangeError): the run would
 * hang silently.
 */
function checkConnectRamp(
  values: LoadValues,
  slots: number | undefined,
): void {
  const rate = values["connect-rate"];
  if (rate === undefined) return;
  const { rounds, lifetime } = values;
  const connections = connectionsToOpen({
    connections: slots,
    rounds,
    lifetime,
  });
  const seconds = (connections - 1) / rate;
  if (seconds <= MAX_SECONDS) return;
  throw new UsageError(
    `--connect-rate ${rate} would take ${
      Number(seconds.toPrecision(3))
    } s to open ${connections} connections, longer than a timer can wait (${MAX_SECONDS} s, about 24.8 days); give a higher rate`,
  );
}

/** `--percentiles 50,90,99.9`: numbers in (0, 100], sorted, once each. */
function percentilesValue(
  text: string,
): { value: number[] } | { problem: string } {
  // No trimming: a space is a mistake here as in every other number.
  const list = text.split(",");
  const values = list.map(decimalNumber);
  if (
    list.some((part) => part === "") ||
    values.some((value) => !Number.isFinite(value) || value <= 0 || value > 100)
  ) {
    return {
      problem:
        `must be numbers above 0 and at most 100, separated by commas, got "${text}"`,
    };
  }
  // A JSON key holds a percentile in plain decimals, at most 100 of them:
  // one smaller than that would read as p0, and collide with its likes.
  const tiny = values.find((value) =>
    Number(percentileKey(value).slice(1)) !== value
  );
  if (tiny !== undefined) {
    return {
      problem:
        `must be numbers of at most 100 decimal places, got ${tiny} in "${text}"`,
    };
  }
  // A percentile just under 100 with more digits than a double holds
  // reads as 100: the maximum, which it did not ask for.
  const rounded = list.find((part, i) => values[i] === 100 && !isHundred(part));
  if (rounded !== undefined) {
    return {
      problem:
        `must be numbers a double can tell from 100 (at most 15 significant digits), got ${rounded} in "${text}"`,
    };
  }
  return { value: [...new Set(values)].sort((a, b) => a - b) };
}

/** True when a decimal text (`100`, `1e2`, `100.00`) is exactly 100. */
function isHundred(text: string): boolean {
  const match = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return false;
  const [, whole, fraction = "", exponent = "0"] = match;
  const digits = `${whole}${fraction}`;
  // The value is 0.DIGITS x 10^(point), with the point after the whole part.
  const point = whole.length + Number(exponent);
  const first = digits.search(/[1-9]/);
  return first >= 0 && digits.slice(first).replace(/0+$/, "") === "1" &&
    point - first === 3;
}

async function readPayload(
  path: string,
  reporter: Reporter,
): Promise<Uint8Array> {
  const name = path === "-" ? "stdin" : `"${path}"`;
  if (path === "-") announceStdin(reporter, "the payload");
  let bytes: Uint8Array;
  try {
    bytes = await readNamed(path, MAX_LOAD_SIZE);
  } catch (error) {
    throw new Error(
      `cannot read --payload-file ${name}: ${fileProblem(error)}`,
    );
  }
  if (bytes.length === 0) {
    throw new Error(
      `--payload-file ${name} is empty; a message needs at least 1 byte`,
    );
  }
  if (bytes.length > MAX_LOAD_SIZE) {
    throw new Error(
      `--payload-file ${name} holds more than ${MAX_LOAD_SIZE} bytes, the largest message`,
    );
  }
  return bytes;
}
