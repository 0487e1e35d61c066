/**
 * Parsing a mode's arguments against its declared options: `node:util`
 * `parseArgs` splits the words into tokens (without judging them), and
 * this module judges each token itself, so every mistake is said in
 * netdemo's words and a negative number is a value, never an option.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type {
  CommandSpec,
  OptionDecl,
  OptionDecls,
  ParsedCommand,
  Values,
} from "./_options.ts";
import { takesValue } from "./_options.ts";
import { readValue } from "./_values.ts";
import { UsageError } from "./_usage.ts";
import { closestName } from "./_suggest.ts";
import type { Reporter } from "../output/reporter.ts";

type ParseArgsOptions = Record<
  string,
  { type: "string" | "boolean"; short?: string }
>;

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/** An option token as parseArgs gives it. */
type OptionToken = Extract<Token, { kind: "option" }>;

/**
 * Parses a mode's arguments. Returns null when `--help` (or `-h`) was
 * asked for and the words are otherwise well formed; throws a
 * {@linkcode UsageError} for an unknown option, a missing or unexpected
 * value, a value out of its limits, or a wrong number of positionals.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./_parse.ts";
 * const parsed = parseCommand({
 *   name: "server bork",
 *   summary: "",
 *   options: { port: { kind: "integer", placeholder: "PORT", description: "x", min: 0, max: 65535, default: 65432 } },
 *   examples: [],
 * }, ["--port", "0"]);
 * parsed?.values.port; // 0
 * ```
 */
export function parseCommand<O extends OptionDecls>(
  spec: CommandSpec<O>,
  args: string[],
): ParsedCommand<O> | null {
  const options: ParseArgsOptions = { help: { type: "boolean", short: "h" } };
  for (const [name, decl] of Object.entries(spec.options)) {
    options[name] = { type: takesValue(decl) ? "string" : "boolean" };
    if (decl.short) options[name].short = decl.short;
  }
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // --help shows the help wherever it stands, even beside a mistake: the
  // help is what says how to mend it. An `h` inside a negative number's
  // word (`-5h`) is no flag, as the loop below judges that word.
  const isHelp = (token: (typeof tokens)[number]): boolean =>
    token.kind === "option" && token.name === "help" &&
    !/^-\d/.test(args[token.index]);
  if (tokens.some(isHelp)) return null;
  const texts = new Map<string, string[]>();
  const positionals: string[] = [];
  let judged = -1;
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option" || token.index === judged) continue;
    // A negative number is a positional even where parseArgs read it as
    // a group of short flags (`-55` is two tokens): one word, judged once.
    const word = args[token.index];
    if (/^-\d/.test(word)) {
      judged = token.index;
      positionals.push(word);
      continue;
    }
    const decl = spec.options[token.name] as OptionDecl | undefined;
    if (decl === undefined) {
      const guess = token.rawName.startsWith("--")
        ? closestName(token.name, [...Object.keys(spec.options), "help"])
        : undefined;
      throw new UsageError(
        `unknown option "${token.rawName}"${
          guess === undefined ? "" : `; did you mean --${guess}?`
        }`,
      );
    }
    const text = valueText(token, word, decl);
    const list = texts.get(token.name) ?? [];
    if (text !== undefined) list.push(text);
    texts.set(token.name, list);
  }
  checkPositionals(spec, positionals);
  return {
    values: typedValues(spec.options, texts),
    given: new Set(texts.keys()) as Set<keyof O & string>,
    positionals,
  };
}

/**
 * The text a token gives its option, or undefined for a flag; a value
 * that is missing, or given to a flag, is a UsageError.
 */
function valueText(
  token: OptionToken,
  word: string,
  decl: OptionDecl,
): string | undefined {
  const flag = `--${token.name}`;
  // `-p=80` is how some type a short option's value; parseArgs reads it
  // as the value "=80", and `-k=1` as the flags -k, -= and -1.
  const shortEquals = word.startsWith(`${token.rawName}=`) &&
    token.rawName.length === 2;
  if (!takesValue(decl)) {
    if (token.value !== undefined || shortEquals) {
      throw new UsageError(`${flag} takes no value`);
    }
    return undefined;
  }
  const value = token.value;
  if (value === undefined) throw new UsageError(`${flag} needs a value`);
  if (shortEquals) return value.slice(1);
  // `--message --trace`: the next word is an option, not this one's value;
  // `--port -1` is a value (which the range check then refuses).
  if (!token.inlineValue && /^-(?!\d)./.test(value)) {
    throw new UsageError(`${flag} needs a value`);
  }
  return value;
}

function checkPositionals(
  spec: CommandSpec<OptionDecls>,
  positionals: string[],
): void {
  const expected = spec.positionals ?? [];
  if (positionals.length < expected.length) {
    throw new UsageError(`missing ${expected[positionals.length].name}`);
  }
  if (positionals.length > expected.length && !expected.at(-1)?.repeats) {
    throw new UsageError(
      `unexpected argument "${positionals[expected.length]}"`,
    );
  }
}

/** Every option's typed value: the last one given, else its default. */
function typedValues<O extends OptionDecls>(
  options: O,
  texts: Map<string, string[]>,
): Values<O> {
  const values: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(options)) {
    const given = texts.get(name);
    if (decl.kind === "flag") {
      values[name] = given !== undefined;
    } else if (decl.kind === "texts") {
      values[name] = given?.map((text) => readValue(text, { name, decl }));
    } else if (given !== undefined) {
      // The last one given counts, but each is checked: `--port abc
      // --port 0` is a mistake, not port 0.
      const read = given.map((text) => readValue(text, { name, decl }));
      values[name] = read[read.length - 1];
    } else {
      values[name] = "default" in decl ? decl.default : undefined;
    }
  }
  return values as Values<O>;
}

/**
 * Deno hands over the command line as UTF-8 text, each byte that is not
 * UTF-8 replaced by U+FFFD: a message, a value or a file name typed in
 * another encoding would then be used as other bytes than typed, silently:
 * warns of the first such word.
 *
 * @example
 * ```ts
 * import { warnReplaced } from "./_parse.ts";
 * import { Reporter } from "../output/reporter.ts";
 * warnReplaced(["caf\uFFFD"], new Reporter({ stderr: () => {} }));
 * ```
 */
export function warnReplaced(words: string[], reporter: Reporter): void {
  const replaced = words.find((word) => word.includes("\uFFFD"));
  if (replaced === undefined) return;
  reporter.warn(
    `the argument "${replaced}" holds U+FFFD (\uFFFD), what Deno makes of bytes that are not UTF-8: if it was typed in another encoding, netdemo uses other bytes than were typed`,
  );
}
