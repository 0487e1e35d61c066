/**
 * Reading option values: plain decimal integers, seconds, timeouts (0 means
 * never), the address options, messages, and the reporter `--quiet` and
 * `--trace` ask for. Each mistake is a one-line {@linkcode UsageError}
 * naming the option, what it accepts and the value given.
 *
 * @module
 */

import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  hostProblem,
} from "../protocol/address.ts";
import { Reporter } from "../output/reporter.ts";
import type { OptionValues } from "./_args.ts";
import { UsageError } from "./_usage.ts";

/** Which option a value belongs to, for error messages. */
export interface ValueContext {
  /** The option as typed, e.g. `--port`. */
  name: string;
  /** The mode, e.g. `server bork`, whose `--help` errors point to. */
  command: string;
}

/** Limits for {@linkcode integerValue}. */
export interface IntegerLimits extends ValueContext {
  /** The smallest accepted value. */
  min: number;
  /** The largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/**
 * Reads a whole-number argument written in plain decimal digits (a leading
 * `-` only where negative values are allowed; no spaces, `+`, leading
 * zeros, hex or exponents), or throws a UsageError that names the option,
 * the accepted range and the value given.
 *
 * @example
 * ```ts
 * import { integerValue } from "./_args.ts";
 * integerValue("80", { name: "--port", min: 0, max: 65535, command: "server bork" }); // 80
 * ```
 */
export function integerValue(text: string, limits: IntegerLimits): number {
  const { name, command } = limits;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const value = plainInteger(text, limits.min < 0) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > max) {
    const range = limits.max !== undefined
      ? ` from ${limits.min} to ${max}`
      : limits.min > Number.MIN_SAFE_INTEGER
      ? ` of ${limits.min} or more`
      : "";
    throw new UsageError(
      `${name} must be an integer${range}, got "${text}"`,
      command,
    );
  }
  return value;
}

/**
 * Tells whether `text` is an integer in plain decimal digits: `0`, `80`,
 * `-5` (when `negative`), but not `080`, `+80`, ` 80`, `0x50` or `1e3`.
 *
 * @example
 * ```ts
 * import { plainInteger } from "./_args.ts";
 * plainInteger("080", false); // false
 * ```
 */
export function plainInteger(text: string, negative: boolean): boolean {
  return (negative ? /^-?(0|[1-9]\d*)$/ : /^(0|[1-9]\d*)$/).test(text);
}

/** Options for {@linkcode secondsValue}. */
export interface SecondsContext extends ValueContext {
  /** Refuse 0 (for a run's length, where 0 would do nothing). */
  positive?: boolean;
}

/**
 * Reads a duration in seconds (fractions allowed) and returns milliseconds,
 * or throws a UsageError naming the value.
 *
 * @example
 * ```ts
 * import { secondsValue } from "./_args.ts";
 * secondsValue("0.5", { name: "--interval", command: "client count" }); // 500
 * ```
 */
export function secondsValue(text: string, context: SecondsContext): number {
  const { name, command } = context;
  const value = /^\d+(\.\d*)?$|^\.\d+$/.test(text) ? Number(text) : NaN;
  if (
    !Number.isFinite(value) || value > 86_400 * 365 ||
    (context.positive && value === 0)
  ) {
    const range = context.positive ? "more than 0" : "0 or more";
    throw new UsageError(
      `${name} must be a number of seconds (${range}), got "${text}"`,
      command,
    );
  }
  return value * 1000;
}

/** The address options after checking. */
export interface Address {
  /** The host as given, or the default. */
  host: string;
  /** The port, checked to be 0..65535. */
  port: number;
}

/**
 * Reads `--host` and `--port` with their defaults and checks both: a host
 * must be a name or an address without a port or spaces, and a client needs
 * the server's port (0 only makes sense for a server).
 *
 * @example
 * ```ts
 * import { addressValues } from "./_args.ts";
 * addressValues({ port: "0" }, "server bork"); // { host: "127.0.0.1", port: 0 }
 * ```
 */
export function addressValues(values: OptionValues, command: string): Address {
  const host = typeof values.host === "string" ? values.host : DEFAULT_HOST;
  const problem = hostProblem(host);
  if (problem !== undefined) {
    throw new UsageError(`--host ${problem}`, command);
  }
  const port = typeof values.port === "string"
    ? integerValue(values.port, {
      name: "--port",
      min: 0,
      max: 65535,
      command,
    })
    : DEFAULT_PORT;
  if (port === 0 && command.startsWith("client")) {
    throw new UsageError(
      `--port 0 only picks a free port for a server; a client needs the server's port, e.g. --port ${DEFAULT_PORT}`,
      command,
    );
  }
  return { host, port };
}

/**
 * Reads an optional seconds option, returning milliseconds or undefined.
 *
 * @example
 * ```ts
 * import { optionalSeconds } from "./_args.ts";
 * optionalSeconds({ timeout: "2" }, { name: "--timeout", command: "client hello" }); // 2000
 * ```
 */
export function optionalSeconds(
  values: OptionValues,
  context: SecondsContext,
): number | undefined {
  const text = givenText(values, context);
  return text === undefined ? undefined : secondsValue(text, context);
}

/** Options for {@linkcode timeoutValue}. */
export interface TimeoutContext extends ValueContext {
  /** The timeout when the option is not given, in ms. Default: never. */
  fallbackMs?: number;
}

/**
 * Reads a timeout option in seconds, where 0 means never (as for every
 * netdemo timeout): returns milliseconds, `undefined` for never, or
 * `fallbackMs` when the option was not given.
 *
 * @example
 * ```ts
 * import { timeoutValue } from "./_args.ts";
 * timeoutValue({ timeout: "0" }, { name: "--timeout", command: "client hello" }); // undefined
 * ```
 */
export function timeoutValue(
  values: OptionValues,
  context: TimeoutContext,
): number | undefined {
  const ms = optionalSeconds(values, context);
  if (ms === undefined) return context.fallbackMs;
  return ms === 0 ? undefined : ms;
}

/**
 * Reads an optional whole-number option, returning it checked against
 * `limits` or undefined when it was not given.
 *
 * @example
 * ```ts
 * import { optionalInteger } from "./_args.ts";
 * optionalInteger({ times: "3" }, { name: "--times", min: 1, command: "client count" }); // 3
 * ```
 */
export function optionalInteger(
  values: OptionValues,
  limits: IntegerLimits,
): number | undefined {
  const text = givenText(values, limits);
  return text === undefined ? undefined : integerValue(text, limits);
}

/** The text of the option `context` names, or undefined when not given. */
function givenText(
  values: OptionValues,
  context: ValueContext,
): string | undefined {
  const text = values[context.name.replace(/^--/, "")];
  return typeof text === "string" ? text : undefined;
}

/**
 * Builds the reporter a mode asked for with `--quiet` and `--trace`.
 *
 * @example
 * ```ts
 * import { reporterFor } from "./_args.ts";
 * const reporter = reporterFor({ quiet: true });
 * ```
 */
export function reporterFor(values: OptionValues): Reporter {
  return new Reporter({
    quiet: values.quiet === true,
    trace: values.trace === true,
  });
}

/**
 * Reads a single `--message`, which must not be empty (an empty message
 * would send nothing and wait for a reply that never comes).
 *
 * @example
 * ```ts
 * import { messageValue } from "./_args.ts";
 * messageValue({ message: "hi" }, "client hello"); // "hi"
 * ```
 */
export function messageValue(
  values: OptionValues,
  command: string,
): string | undefined {
  const message = values.message;
  const texts = typeof message === "string" ? [message] : message;
  if (Array.isArray(texts) && texts.some((text) => text === "")) {
    throw new UsageError("--message must not be empty", command);
  }
  return typeof message === "string" ? message : undefined;
}
