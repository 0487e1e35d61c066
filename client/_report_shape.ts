/**
 * What a load report must hold to be merged: every field of the README's
 * JSON report with its type and range. `report merge` reads files that
 * went through other hands (copied between machines, edited, cut off), and
 * a field of the wrong type would otherwise come out as nonsense figures
 * (`"5"` errors added as text, a percentile of 1000) with exit 0.
 *
 * @module
 */

import { percentileKey } from "./latency.ts";
import type { IntervalReport, LoadConfig, LoadReport } from "./load_report.ts";
import { isJsonObject } from "../protocol/json_object.ts";

/** A field's check: undefined when the value is fine, else what it must be. */
type Check = (value: unknown) => string | undefined;

const TRANSPORTS: ReadonlySet<string> = new Set<LoadConfig["transport"]>([
  "tcp",
  "tls",
  "unix",
]);

/** Error kinds are written in kebab case, as netdemo reports them. */
const KIND = /^[a-z][a-z0-9-]*$/;

function count(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? undefined
    : "a whole number of 0 or more";
}

function positiveCount(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 1
    ? undefined
    : "a whole number of 1 or more";
}

function amount(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? undefined
    : "a number of 0 or more";
}

function positive(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? undefined
    : "a number more than 0";
}

function orNull(check: Check): Check {
  return (value) => {
    if (value === null) return undefined;
    const problem = check(value);
    return problem === undefined ? undefined : `${problem}, or null`;
  };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? undefined : "a string";
}

function flag(value: unknown): string | undefined {
  return typeof value === "boolean" ? undefined : "true or false";
}

function port(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 &&
      (value as number) <= 65535
    ? undefined
    : "a port number from 0 to 65535";
}

function transport(value: unknown): string | undefined {
  return typeof value === "string" && TRANSPORTS.has(value)
    ? undefined
    : '"tcp", "tls" or "unix"';
}

function percentiles(value: unknown): string | undefined {
  return Array.isArray(value) && value.length > 0 &&
      value.every((p) =>
        typeof p === "number" && Number.isFinite(p) && p > 0 && p <= 100
      )
    ? undefined
    : "a list of numbers above 0 and at most 100";
}

function errors(value: unknown): string | undefined {
  if (!isJsonObject(value)) return "an object of error counts by kind";
  for (const [kind, n] of Object.entries(value)) {
    if (!KIND.test(kind)) {
      return `an object of error counts by kind, each kind lower-case words joined by "-" (as "closed-early"), not ${
        JSON.stringify(kind)
      }`;
    }
    if (count(n) !== undefined) {
      return "an object of error counts by kind (a whole number for each)";
    }
  }
  return undefined;
}

/** An interval's figures, as `--interval` writes them. */
const INTERVAL: { [K in keyof IntervalReport]: Check } = {
  startSeconds: amount,
  endSeconds: amount,
  roundTrips: count,
  roundTripsPerSecond: amount,
  bytesPerSecond: count,
  latencyMs: (value) =>
    isJsonObject(value) && orNull(amount)(value.p50) === undefined &&
      orNull(amount)(value.p99) === undefined
      ? undefined
      : "an object of p50 and p99, each a number of 0 or more, or null",
  errors: count,
};

function intervals(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "a list";
  for (const [i, item] of value.entries()) {
    if (!isJsonObject(item)) return `a list of interval objects (item ${i})`;
    for (const [key, check] of Object.entries(INTERVAL)) {
      const problem = check(item[key]);
      if (problem !== undefined) {
        return `a list of intervals whose "${key}" is ${problem} (item ${i})`;
      }
    }
    if ((item.endSeconds as number) < (item.startSeconds as number)) {
      return `a list of intervals that end after they start (item ${i})`;
    }
  }
  return undefined;
}

/** The figures every latency object holds besides its percentiles. */
const LATENCY_KEYS = ["count", "min", "mean", "stddev", "max"];

function latency(value: unknown): string | undefined {
  if (!isJsonObject(value)) return "an object of latency figures";
  if (count(value.count) !== undefined) {
    return "an object of latency figures with a whole-number count";
  }
  const missing = LATENCY_KEYS.find((key) => !(key in value));
  if (missing !== undefined) {
    return `an object of latency figures with a "${missing}"`;
  }
  for (const [key, figure] of Object.entries(value)) {
    if (key !== "count" && orNull(amount)(figure) !== undefined) {
      return "an object of latency figures, each a number of 0 or more, or null";
    }
  }
  return undefined;
}

/** Keys older reports of this schema may lack. */
type OptionalConfigKey = "omitSeconds";

// Typed by the report's own keys: a field added there must be checked here.
const CONFIG: { [K in Exclude<keyof LoadConfig, OptionalConfigKey>]: Check } = {
  transport,
  host: text,
  port,
  connections: positiveCount,
  size: positiveCount,
  payloadFile: orNull(text),
  rate: orNull(positive),
  pipeline: positiveCount,
  durationSeconds: orNull(positive),
  rounds: orNull(positiveCount),
  lifetime: orNull(positiveCount),
  connectRate: orNull(positive),
  // 0: a connect was never to time out, though the run had a --timeout.
  connectTimeoutSeconds: orNull(amount),
  intervalSeconds: orNull(positive),
  percentiles,
};

/** Keys older reports of this schema may lack, each with its default. */
const OPTIONAL_CONFIG: { [K in OptionalConfigKey]: Check } = {
  omitSeconds: amount,
};

/** Fields older reports of this schema may lack (read as null). */
type OptionalReportKey = "unsentRoundTrips";

const OPTIONAL_REPORT: { [K in OptionalReportKey]: Check } = {
  unsentRoundTrips: orNull(count),
};

const REPORT: {
  [K in Exclude<keyof LoadReport, "schema" | "config" | OptionalReportKey>]:
    Check;
} = {
  sources: positiveCount,
  interrupted: flag,
  durationSeconds: amount,
  connectionsOpened: count,
  connectionsPerSecond: amount,
  roundTrips: count,
  roundTripsPerSecond: amount,
  // Whole bytes: the report rounds them.
  bytesPerSecond: count,
  achievedRate: orNull(amount),
  latencyMs: latency,
  uncorrectedLatencyMs: orNull(latency),
  connectLatencyMs: latency,
  errors,
  intervals,
  histogram: text,
  uncorrectedHistogram: orNull(text),
  connectHistogram: text,
};

/**
 * What is wrong with a parsed report of the current schema, as the end of a
 * sentence (`"roundTrips" must be a whole number of 0 or more`), or
 * undefined when every field is present and of its documented type.
 *
 * @example
 * ```ts
 * import { reportProblem } from "./_report_shape.ts";
 * reportProblem({ config: {} }); // '"config.transport" must be "tcp", "tls" or "unix"'
 * ```
 */
export function reportProblem(
  report: Record<string, unknown>,
): string | undefined {
  if (!isJsonObject(report.config)) return '"config" must be an object';
  const config = report.config;
  for (const [key, check] of Object.entries(CONFIG)) {
    const problem = check(config[key]);
    if (problem !== undefined) return `"config.${key}" must be ${problem}`;
  }
  for (const [key, check] of Object.entries(OPTIONAL_CONFIG)) {
    if (!(key in config)) continue;
    const problem = check(config[key]);
    if (problem !== undefined) return `"config.${key}" must be ${problem}`;
  }
  for (const [key, check] of Object.entries(REPORT)) {
    const problem = check(report[key]);
    if (problem !== undefined) return `"${key}" must be ${problem}`;
  }
  for (const [key, check] of Object.entries(OPTIONAL_REPORT)) {
    if (!(key in report)) continue;
    const problem = check(report[key]);
    if (problem !== undefined) return `"${key}" must be ${problem}`;
  }
  // A --rate run has all three, a closed loop none: a report with some
  // would merge as a closed loop, its rate dropped without a word.
  const rated = config.rate !== null;
  for (const key of RATE_FIELDS) {
    if ((report[key] !== null) !== rated) {
      return rated
        ? `"${key}" must not be null, as "config.rate" is set`
        : `"${key}" must be null, as "config.rate" is null`;
    }
  }
  // The schedule's rate is the most a run can have sent at, give or take
  // the report's rounding (at most 0.0005 a run, as roundRate keeps three
  // decimals or digits); a merge's sums its runs' and rounds once more.
  const achieved = report.achievedRate as number | null;
  const rate = config.rate as number | null;
  const slack = 0.0005 * ((report.sources as number) + 1) + 1e-9;
  if (achieved !== null && rate !== null && achieved > rate + slack) {
    return `"achievedRate" must be at most "config.rate" (${rate}), got ${achieved}`;
  }
  // Each latency object gives every percentile the report was asked for.
  for (const key of LATENCIES) {
    const figures = report[key] as Record<string, unknown> | null;
    if (figures === null) continue;
    for (const percentile of config.percentiles as number[]) {
      const name = percentileKey(percentile);
      if (!(name in figures)) {
        return `"${key}" must hold "${name}", as "config.percentiles" asks`;
      }
    }
  }
  return undefined;
}

const LATENCIES = ["latencyMs", "uncorrectedLatencyMs", "connectLatencyMs"];

const RATE_FIELDS = [
  "achievedRate",
  "uncorrectedLatencyMs",
  "uncorrectedHistogram",
];
