/**
 * Reading one option value by its declared kind: plain decimal integers,
 * numbers more than 0, seconds, timeouts (0 means never), checked texts and
 * values of an option's own. Each mistake is a one-line
 * {@linkcode UsageError} naming the option, what it accepts and the value
 * given.
 *
 * @module
 */

import type { OptionDecl } from "./_options.ts";
import { UsageError } from "./_usage.ts";
import { MAX_TIMER_MS } from "../system/timers.ts";

/**
 * The longest duration accepted anywhere, in whole seconds: what a timer
 * can wait (2^31 - 1 ms, about 24.8 days). A longer one would fire at once
 * with a runtime warning instead of waiting.
 */
export const MAX_SECONDS: number = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Tells whether `text` is an integer in plain decimal digits: `0`, `80`,
 * `-5` (with `negative`), but not `080`, `+80`, ` 80`, `0x50` or `1e3`.
 *
 * @example
 * ```ts
 * import { plainInteger } from "./_values.ts";
 * plainInteger("080"); // false
 * plainInteger("-5", { negative: true }); // true
 * ```
 */
export function plainInteger(
  text: string,
  options: { negative?: boolean } = {},
): boolean {
  // "-0" is 0 written a second way, as "00" would be.
  return (options.negative ? /^(0|-?[1-9]\d*)$/ : /^(0|[1-9]\d*)$/).test(
    text,
  );
}

/**
 * Reads the value `text` of the option `--name` as its declaration says,
 * or throws a UsageError: `--port must be an integer from 0 to 65535, got
 * "70000"`.
 *
 * @example
 * ```ts
 * import { readValue } from "./_values.ts";
 * readValue("2.5", { name: "grace", decl: { kind: "seconds", placeholder: "S", description: "x" } }); // 2500
 * ```
 */
export function readValue(
  text: string,
  option: { name: string; decl: OptionDecl },
): unknown {
  const { decl } = option;
  const flag = `--${option.name}`;
  // A hint says how the value is written wrong, whoever words the rule.
  const refuse = (requirement: string, hint = ""): never => {
    throw new UsageError(
      `${flag} ${decl.mistake ?? requirement}${hint}, got "${text}"`,
    );
  };
  switch (decl.kind) {
    case "flag":
      throw new UsageError(`${flag} takes no value`);
    case "text":
    case "texts": {
      const problem = decl.check?.(text);
      if (problem !== undefined) throw new UsageError(`${flag} ${problem}`);
      return text;
    }
    case "integer": {
      const max = decl.max ?? Number.MAX_SAFE_INTEGER;
      const value = plainInteger(text, { negative: decl.min < 0 })
        ? Number(text)
        : NaN;
      if (!Number.isSafeInteger(value) || value < decl.min || value > max) {
        // "080" and "+80" are in range: what is wrong is how they are written.
        const misWritten = /^[+-]?\d+$/.test(text) &&
          Number(text) >= decl.min && Number(text) <= max;
        const digits = misWritten ? " in plain decimal digits" : "";
        // Past the largest safe integer "of 1 or more" would not say why.
        refuse(
          decl.max !== undefined || value > max
            ? `must be an integer from ${decl.min} to ${max}${digits}`
            : `must be an integer of ${decl.min} or more${digits}`,
          misWritten ? " (no + and no leading zero)" : "",
        );
      }
      return value;
    }
    case "number": {
      const value = decimalNumber(text);
      if (!Number.isFinite(value) || value <= 0) {
        refuse("must be a number more than 0");
      }
      // Its own sentence, as a timer's longest wait has: a number, too big.
      if (decl.max !== undefined && value > decl.max) {
        throw new UsageError(
          `${flag} must be at most ${decl.max}${
            decl.maxMeaning === undefined ? "" : ` (${decl.maxMeaning})`
          }, got "${text}"`,
        );
      }
      return value;
    }
    case "seconds":
    case "timeout": {
      const positive = decl.kind === "seconds" && decl.positive === true;
      // `+ 0` turns a "-0" into 0.
      const value = decimalNumber(text) + 0;
      // Its own sentence, not the option's mistake: the value is a number
      // of seconds, just too many for a timer.
      if (value > MAX_SECONDS) {
        throw new UsageError(
          `${flag} must be at most ${MAX_SECONDS} seconds (about 24.8 days, the longest a timer can wait), got "${text}"`,
        );
      }
      if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
        refuse(
          `must be a number of seconds (${
            positive ? "more than 0" : "0 or more"
          })`,
        );
      }
      const minimum = decl.kind === "seconds" ? decl.minimum ?? 0 : 0;
      if (value < minimum) {
        refuse(`must be a number of seconds (${minimum} or more)`);
      }
      if (decl.kind === "timeout" && value === 0) return undefined;
      return value * 1000;
    }
    case "value": {
      const read = decl.parse(text);
      if ("problem" in read) throw new UsageError(`${flag} ${read.problem}`);
      return read.value;
    }
  }
}

/**
 * A number as people write one on a command line, decimal with perhaps an
 * exponent (`2.5`, `1e5`), else NaN: not `Number`'s hex, binary, octal,
 * `Infinity` or surrounding spaces, which read as mistakes.
 *
 * @example
 * ```ts
 * import { decimalNumber } from "./_values.ts";
 * decimalNumber("1e5"); // 100000
 * decimalNumber("0x10"); // NaN
 * ```
 */
export function decimalNumber(text: string): number {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)
    ? Number(text)
    : NaN;
}

/**
 * Says what is wrong with an empty text, for options such as `--message`
 * where an empty value would send nothing and wait for a reply that never
 * comes.
 *
 * @example
 * ```ts
 * import { nonEmpty } from "./_values.ts";
 * nonEmpty(""); // "must not be empty"
 * ```
 */
export function nonEmpty(text: string): string | undefined {
  return text === "" ? "must not be empty" : undefined;
}

/**
 * Says what is wrong with an empty file name: a mistake on the command
 * line (an unset shell variable, most often), not a file to look for.
 *
 * @example
 * ```ts
 * import { fileName } from "./_values.ts";
 * fileName(""); // "must name a file"
 * ```
 */
export function fileName(text: string): string | undefined {
  return text === "" ? "must name a file" : undefined;
}
