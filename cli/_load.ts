/**
 * The load mode of `netdemo client multi` at the CLI edge: its options
 * (rate, pipeline, connection churn, payload file, intervals, percentiles),
 * their checks, and the run with its report, warning and exit code.
 *
 * @module
 */

import {
  formatInterval,
  formatLoadReport,
  type LoadOptions,
  MAX_LOAD_SIZE,
  runLoad,
} from "../client/load.ts";
import { DEFAULT_PERCENTILES } from "../client/latency.ts";
import { readBytes } from "../protocol/bytes.ts";
import { NetError } from "../protocol/errors.ts";
import {
  optionalInteger,
  optionalSeconds,
  type OptionSpec,
  type OptionValues,
  UsageError,
} from "./_args.ts";
import { EXIT_INTERRUPTED, superviseClient } from "./_run.ts";

const COMMAND = "client multi";

/** Most messages in flight on one connection. */
const MAX_PIPELINE = 65_536;

/** The load mode's own options; giving any of them selects load mode. */
export const LOAD_OPTIONS: Record<string, OptionSpec> = {
  rate: {
    type: "string",
    placeholder: "N",
    description:
      "load mode: N round trips/s in total on a fixed schedule (open loop); latency counts from each scheduled send",
    defaultText: "closed loop: the next message goes when the echo is back",
  },
  pipeline: {
    type: "string",
    placeholder: "N",
    description: "load mode: most messages in flight per connection",
    defaultText: "1",
  },
  lifetime: {
    type: "string",
    placeholder: "ROUNDS",
    description:
      "load mode: close each connection after ROUNDS round trips and open a new one",
    defaultText: "keep each connection",
  },
  "connect-rate": {
    type: "string",
    placeholder: "N",
    description: "load mode: open at most N connections per second",
    defaultText: "as fast as 128 connects in flight allow",
  },
  "connect-timeout": {
    type: "string",
    placeholder: "SECONDS",
    description: "load mode: give up on a connect after SECONDS",
    defaultText: "--timeout, else the OS's limit",
  },
  "payload-file": {
    type: "string",
    placeholder: "FILE|-",
    description:
      "load mode: send this file's bytes (- reads stdin) as every message, instead of --size",
  },
  interval: {
    type: "string",
    placeholder: "SECONDS",
    description: "load mode: print one line of figures every SECONDS",
  },
  percentiles: {
    type: "string",
    placeholder: "LIST",
    description: "load mode: latency percentiles to report",
    defaultText: DEFAULT_PERCENTILES.join(","),
  },
};

/** What the multi command has parsed already. */
export type CommonLoadOptions = Pick<
  LoadOptions,
  | "host"
  | "port"
  | "endpoint"
  | "connections"
  | "timeoutMs"
  | "reporter"
  | "durationMs"
  | "rounds"
>;

/**
 * Parses the load options, runs the load and prints its report; resolves
 * the exit code (0; 1 with any error; 130 when interrupted).
 *
 * @example
 * ```ts
 * import { runLoadCommand } from "./_load.ts";
 * // await runLoadCommand({ rounds: "10" }, { port: 65432, rounds: 10 });
 * ```
 */
export async function runLoadCommand(
  values: OptionValues,
  common: CommonLoadOptions,
): Promise<number> {
  const reporter = common.reporter!;
  const options = parseLoadOptions(values);
  const payloadFile = values["payload-file"] as string | undefined;
  if (payloadFile !== undefined) {
    options.payload = await readPayload(payloadFile);
    options.payloadFile = payloadFile;
  }
  const json = values.json === true;
  return superviseClient(async (signal) => {
    const result = await runLoad({
      ...common,
      ...options,
      signal,
      onInterval: json
        ? undefined
        : (interval) => reporter.always(formatInterval(interval)),
    });
    const { report, failures } = result;
    if (json) reporter.always(JSON.stringify(report));
    else for (const line of formatLoadReport(report)) reporter.always(line);
    if (result.behind) {
      reporter.warn(
        `the client fell behind its schedule: it sent ${
          Math.round(report.achievedRate ?? 0)
        } of ${report.config.rate} round trips/s requested; its latencies include its own delay`,
      );
    }
    if (signal.aborted) return EXIT_INTERRUPTED;
    if (failures.total > 0) {
      const noun = failures.total === 1 ? "error" : "errors";
      throw new NetError(
        failures.mainKind(),
        `${failures.total} ${noun} in the load run: ${failures.describeWithFirst()}`,
      );
    }
    return 0;
  }, reporter);
}

function parseLoadOptions(values: OptionValues): LoadOptions {
  if (values.size !== undefined && values["payload-file"] !== undefined) {
    throw new UsageError("give --size or --payload-file, not both", COMMAND);
  }
  const size = optionalInteger(values, {
    name: "--size",
    min: 1,
    max: MAX_LOAD_SIZE,
    command: COMMAND,
  });
  return {
    size,
    rate: positiveNumber(values, "--rate"),
    pipeline: optionalInteger(values, {
      name: "--pipeline",
      min: 1,
      max: MAX_PIPELINE,
      command: COMMAND,
    }),
    lifetime: optionalInteger(values, {
      name: "--lifetime",
      min: 1,
      command: COMMAND,
    }),
    connectRate: positiveNumber(values, "--connect-rate"),
    connectTimeoutMs: positiveSeconds(values, "--connect-timeout"),
    intervalMs: positiveSeconds(values, "--interval"),
    percentiles: parsePercentiles(values.percentiles as string | undefined),
  };
}

function positiveNumber(
  values: OptionValues,
  name: string,
): number | undefined {
  const text = values[name.slice(2)];
  if (typeof text !== "string") return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(
      `${name} must be a number more than 0, got "${text}"`,
      COMMAND,
    );
  }
  return value;
}

function positiveSeconds(
  values: OptionValues,
  name: string,
): number | undefined {
  const ms = optionalSeconds(values, { name, command: COMMAND });
  if (ms === 0) {
    throw new UsageError(
      `${name} must be more than 0 seconds, got "${values[name.slice(2)]}"`,
      COMMAND,
    );
  }
  return ms;
}

function parsePercentiles(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(",").map((part) => part.trim());
  const values = list.map(Number);
  if (
    list.some((part) => part === "") ||
    values.some((value) => !Number.isFinite(value) || value <= 0 || value > 100)
  ) {
    throw new UsageError(
      `--percentiles must be numbers above 0 and at most 100, separated by commas, got "${text}"`,
      COMMAND,
    );
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

async function readPayload(path: string): Promise<Uint8Array> {
  const name = path === "-" ? "stdin" : `"${path}"`;
  let bytes: Uint8Array;
  try {
    bytes = path === "-"
      ? await readBytes(Deno.stdin.readable, MAX_LOAD_SIZE)
      : await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied ||
          error instanceof Deno.errors.NotCapable
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new Error(`cannot read --payload-file ${name}: ${reason}`);
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
