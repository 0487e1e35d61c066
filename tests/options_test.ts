/**
 * The option parser and the declarations it reads: typed values and
 * defaults, short flags, negative numbers, and one sentence per mistake.
 *
 * @module
 */

import { deepEqual, equal, throws } from "node:assert/strict";
import { formatHelp } from "../cli/_help.ts";
import type {
  CommandSpec,
  OptionDecls,
  ParsedCommand,
} from "../cli/_options.ts";
import { parseCommand } from "../cli/_parse.ts";
import { UsageError } from "../cli/_usage.ts";

const OPTIONS = {
  port: {
    kind: "integer",
    placeholder: "PORT",
    description: "a port",
    min: 0,
    max: 65535,
    default: 65432,
    short: "p",
  },
  offset: {
    kind: "integer",
    placeholder: "N",
    description: "may be negative",
    min: -10,
    max: 10,
  },
  rate: { kind: "number", placeholder: "N", description: "a rate" },
  grace: {
    kind: "seconds",
    placeholder: "SECONDS",
    description: "a grace",
    default: 5000,
  },
  duration: {
    kind: "seconds",
    placeholder: "SECONDS",
    description: "a length",
    positive: true,
  },
  timeout: {
    kind: "timeout",
    placeholder: "SECONDS",
    description: "a timeout (0: never)",
    short: "t",
  },
  name: {
    kind: "text",
    placeholder: "NAME",
    description: "a name",
    check: (text: string) => text.includes(" ") ? "has a space" : undefined,
  },
  message: { kind: "texts", placeholder: "TEXT", description: "messages" },
  level: {
    kind: "value",
    placeholder: "LEVEL",
    description: "low or high",
    parse: (text: string) =>
      text === "low" || text === "high"
        ? { value: text }
        : { problem: `must be low or high, got "${text}"` },
  },
  keep: { kind: "flag", description: "keep going", short: "k" },
  quiet: { kind: "flag", description: "say less", short: "q" },
} satisfies OptionDecls;

const SPEC: CommandSpec<typeof OPTIONS> = {
  name: "test mode",
  summary: "A mode for the parser's tests.",
  positionals: [{ name: "FIRST", description: "one word" }],
  options: OPTIONS,
  examples: ["netdemo test mode x"],
};

function parse(args: string[]): ParsedCommand<typeof OPTIONS> {
  const parsed = parseCommand(SPEC, args);
  if (parsed === null) throw new Error("help");
  return parsed;
}

function mistake(args: string[]): string {
  let message = "";
  throws(() => parseCommand(SPEC, args), (error: unknown) => {
    equal(error instanceof UsageError, true, String(error));
    message = (error as Error).message;
    return true;
  });
  return message;
}

Deno.test("options: absent options take their declared defaults; given ones are typed", () => {
  const absent = parse(["x"]);
  deepEqual(absent.values, {
    port: 65432,
    offset: undefined,
    rate: undefined,
    grace: 5000,
    duration: undefined,
    timeout: undefined,
    name: undefined,
    message: undefined,
    level: undefined,
    keep: false,
    quiet: false,
  });
  equal(absent.given.size, 0);
  const given = parse([
    "x",
    "--port",
    "80",
    "--rate=2.5",
    "--grace",
    "0.25",
    "--timeout",
    "3",
    "--name",
    "ada",
    "--level",
    "high",
    "--keep",
  ]);
  equal(given.values.port, 80);
  equal(given.values.rate, 2.5);
  equal(given.values.grace, 250);
  equal(given.values.timeout, 3000);
  equal(given.values.name, "ada");
  equal(given.values.level, "high");
  equal(given.values.keep, true);
  deepEqual(
    [...given.given].sort(),
    ["grace", "keep", "level", "name", "port", "rate", "timeout"],
  );
  deepEqual(given.positionals, ["x"]);
});

Deno.test("options: a timeout of 0 is never; the last of a repeated option wins, texts collect", () => {
  equal(parse(["x", "-t", "0"]).values.timeout, undefined);
  equal(parse(["x", "-p", "1", "-p", "2"]).values.port, 2);
  deepEqual(parse(["x", "--message", "a", "--message", "b"]).values.message, [
    "a",
    "b",
  ]);
});

Deno.test("options: short flags, groups of them, and -p=80", () => {
  const parsed = parse(["-kq", "-p80", "x"]);
  equal(parsed.values.keep, true);
  equal(parsed.values.quiet, true);
  equal(parsed.values.port, 80);
  equal(parse(["-p=81", "x"]).values.port, 81);
  equal(mistake(["-k=1", "x"]), "--keep takes no value");
  equal(mistake(["--keep=yes", "x"]), "--keep takes no value");
});

Deno.test("options: a negative number is a value or a positional, never an option", () => {
  equal(parse(["x", "--offset", "-5"]).values.offset, -5);
  deepEqual(parse(["-5"]).positionals, ["-5"]);
  deepEqual(parse(["--", "-k"]).positionals, ["-k"]);
  equal(
    mistake(["x", "--port", "-1"]),
    '--port must be an integer from 0 to 65535, got "-1"',
  );
});

Deno.test("options: each mistake is one sentence naming the option", () => {
  const cases: [string[], string][] = [
    [["x", "--bogus"], 'unknown option "--bogus"'],
    [["x", "-z"], 'unknown option "-z"'],
    [["x", "--port"], "--port needs a value"],
    [["x", "-p"], "--port needs a value"],
    [["x", "--name", "--keep"], "--name needs a value"],
    [
      ["x", "--port", "080"],
      '--port must be an integer from 0 to 65535 in plain decimal digits (no + and no leading zero), got "080"',
    ],
    [
      ["x", "--port", "+80"],
      '--port must be an integer from 0 to 65535 in plain decimal digits (no + and no leading zero), got "+80"',
    ],
    [
      ["x", "--offset", "11"],
      '--offset must be an integer from -10 to 10, got "11"',
    ],
    [["x", "--rate", "0"], '--rate must be a number more than 0, got "0"'],
    [["x", "--rate", " "], '--rate must be a number more than 0, got " "'],
    [
      ["x", "--grace", "-1"],
      '--grace must be a number of seconds (0 or more), got "-1"',
    ],
    [
      ["x", "--duration", "0"],
      '--duration must be a number of seconds (more than 0), got "0"',
    ],
    [["x", "--name", "a b"], "--name has a space"],
    [["x", "--level", "mid"], '--level must be low or high, got "mid"'],
    [[], "missing FIRST"],
    [["x", "y"], 'unexpected argument "y"'],
  ];
  for (const [args, expected] of cases) {
    equal(mistake(args), expected, args.join(" "));
  }
});

Deno.test("options: seconds are decimal with perhaps an exponent, as the README says, and never negative", () => {
  equal(parse(["x", "--grace", "1e1"]).values.grace, 10_000);
  equal(parse(["x", "--grace", "2.5e-1"]).values.grace, 250);
  equal(parse(["x", "--duration", "1E0"]).values.duration, 1000);
  equal(parse(["x", "--grace", "-0"]).values.grace, 0);
  equal(
    mistake(["x", "--grace", "-1e1"]),
    '--grace must be a number of seconds (0 or more), got "-1e1"',
  );
  equal(
    mistake(["x", "--grace", "0x10"]),
    '--grace must be a number of seconds (0 or more), got "0x10"',
  );
  equal(
    mistake(["x", "--duration", "0e5"]),
    '--duration must be a number of seconds (more than 0), got "0e5"',
  );
});

Deno.test("options: --help wins over missing positionals, bad values and unknown options, wherever it stands", () => {
  equal(parseCommand(SPEC, ["--help"]), null);
  equal(parseCommand(SPEC, ["-h", "--port", "nope"]), null);
  equal(parseCommand(SPEC, ["-h", "--bogus"]), null);
  // The h of a negative number's word is no flag: the word is FIRST.
  deepEqual(parseCommand(SPEC, ["-5h"])?.positionals, ["-5h"]);
  equal(parseCommand(SPEC, ["x", "--bogus", "--help"]), null);
  // After "--" it is a word like any other.
  equal(mistake(["--bogus", "--", "--help"]), 'unknown option "--bogus"');
});

Deno.test("options: help shows every option with its short flag, value and default", () => {
  const help = formatHelp(SPEC);
  const lines = help.split("\n");
  equal(lines[0], "A mode for the parser's tests.");
  equal(lines[2], "Usage: netdemo test mode FIRST [options]");
  // The columns are aligned; compare each row with its spacing folded.
  const row = (flag: string): string | undefined =>
    lines.find((line) => line.includes(flag))?.trim().replace(/ {2,}/g, " | ");
  equal(row("--port"), "-p, --port PORT | a port (default: 65432)");
  equal(row("--grace"), "--grace SECONDS | a grace (default: 5)");
  equal(
    row("--timeout"),
    "-t, --timeout SECONDS | a timeout (0: never) (default: 0)",
  );
  equal(row("--message"), "--message TEXT | messages (repeatable)");
  equal(row("--keep"), "-k, --keep | keep going");
  equal(lines.at(-1), "  netdemo test mode x");
});
