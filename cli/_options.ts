/**
 * How a mode declares its options: each option once, with its kind
 * (flag, text, integer, number, seconds, timeout, or a value of its own),
 * its limits, short flag and default. The parser, the help text and the
 * mode's typed values all come from that one declaration, and defaults are
 * the library's own `DEFAULT_*` constants, so the three cannot disagree.
 *
 * @module
 */

/** What every option declaration has. */
export interface BaseDecl {
  /** What it does, one line. */
  description: string;
  /** A one-letter alias, e.g. `p` for `-p`. */
  short?: string;
  /**
   * The default as help shows it, when it is not simply the default value
   * (a sentence such as "as fast as 128 connects in flight allow").
   */
  defaultText?: string;
  /**
   * What a wrong value is told, after the option's name, instead of the
   * kind's own sentence: `must be more than 0 seconds`.
   */
  mistake?: string;
}

/** An option without a value: true when given. */
export interface FlagDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "flag";
}

/** A text value, checked by `check` when given. */
export interface TextDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "text";
  /** The value's name in help, e.g. `HOST`. */
  placeholder: string;
  /** The value when the option is not given. */
  default?: string;
  /** Says what is wrong with a value (after the option's name), or undefined. */
  check?: (text: string) => string | undefined;
}

/** A text value that may be given more than once; values collect in order. */
export interface TextsDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "texts";
  /** The value's name in help, e.g. `TEXT`. */
  placeholder: string;
  /** Says what is wrong with one value (after the option's name), or undefined. */
  check?: (text: string) => string | undefined;
}

/** A whole number in plain decimal digits, within limits. */
export interface IntegerDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "integer";
  /** The value's name in help, e.g. `N`. */
  placeholder: string;
  /** The smallest accepted value. */
  min: number;
  /** The largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
  /** The value when the option is not given. */
  default?: number;
}

/** A number more than 0, fractions allowed (a rate). */
export interface NumberDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "number";
  /** The value's name in help, e.g. `N`. */
  placeholder: string;
  /** The largest value accepted. Default: any finite number. */
  max?: number;
  /** What `max` is, for the error past it, e.g. `a message a nanosecond`. */
  maxMeaning?: string;
}

/** A duration typed in seconds (fractions allowed); the value is in ms. */
export interface SecondsDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "seconds";
  /** The value's name in help. */
  placeholder: string;
  /** Refuse 0 (for a length of time where 0 would do nothing). */
  positive?: boolean;
  /** The least number of seconds accepted. Default: 0. */
  minimum?: number;
  /** The value in ms when the option is not given. */
  default?: number;
}

/**
 * A timeout typed in seconds where 0 means never; the value is in ms, or
 * undefined for never.
 */
export interface TimeoutDecl extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "timeout";
  /** The value's name in help. */
  placeholder: string;
  /** The timeout in ms when the option is not given. Default: never. */
  default?: number;
}

/** A value read by the option's own `parse` (a list, a state name). */
export interface ValueDecl<T> extends BaseDecl {
  /** Selects this declaration in the union: how the value is read. */
  kind: "value";
  /** The value's name in help, e.g. `LIST`. */
  placeholder: string;
  /**
   * Reads the text, or returns what is wrong with it (after the option's
   * name) as `{ problem }`.
   */
  parse: (text: string) => { value: T } | { problem: string };
}

/** Any option declaration. */
export type OptionDecl =
  | FlagDecl
  | TextDecl
  | TextsDecl
  | IntegerDecl
  | NumberDecl
  | SecondsDecl
  | TimeoutDecl
  // deno-lint-ignore no-explicit-any
  | ValueDecl<any>;

/** A mode's options by name, without the leading dashes. */
export type OptionDecls = Record<string, OptionDecl>;

/** The value an option's declaration gives a mode. */
export type ValueOf<D> = D extends FlagDecl ? boolean
  : D extends TextsDecl ? string[] | undefined
  : D extends { kind: "text"; default: string } ? string
  : D extends TextDecl ? string | undefined
  : D extends { kind: "integer" | "seconds"; default: number } ? number
  : D extends IntegerDecl | NumberDecl | SecondsDecl | TimeoutDecl
    ? number | undefined
  : D extends ValueDecl<infer T> ? T | undefined
  : never;

/** A mode's typed option values, by option name. */
export type Values<O extends OptionDecls> = { [K in keyof O]: ValueOf<O[K]> };

/** One positional argument of a mode. */
export interface PositionalSpec {
  /** Its name in help, e.g. `START`. */
  name: string;
  /** What it is. */
  description: string;
  /** The last positional only: it may be given more than once. */
  repeats?: boolean;
}

/** What the parser and the help text know of a mode. */
export interface CommandSpec<O extends OptionDecls = OptionDecls> {
  /** The words that select it, e.g. `client count`. */
  name: string;
  /** What it does: the first line is its summary in lists. */
  summary: string;
  /** Required positional arguments, in order. */
  positionals?: PositionalSpec[];
  /** Its options, without the leading dashes. */
  options: O;
  /** Two or three example command lines, shown at the end of `--help`. */
  examples: string[];
}

/** A parsed command line, typed by the mode's declarations. */
export interface ParsedCommand<O extends OptionDecls = OptionDecls> {
  /** Every option's value: as given, else its default. */
  values: Values<O>;
  /** The options given on the command line (defaults are not given). */
  given: ReadonlySet<keyof O & string>;
  /** Positional arguments in order. */
  positionals: string[];
}

/**
 * Whether an option takes a value.
 *
 * @example
 * ```ts
 * import { takesValue } from "./_options.ts";
 * takesValue({ kind: "flag", description: "x" }); // false
 * ```
 */
export function takesValue(decl: OptionDecl): boolean {
  return decl.kind !== "flag";
}

/**
 * The default as help shows it: the declared text, else the default value
 * in the unit the option is typed in (seconds for durations).
 *
 * @example
 * ```ts
 * import { defaultText } from "./_options.ts";
 * defaultText({ kind: "seconds", placeholder: "S", description: "x", default: 5000 }); // "5"
 * ```
 */
export function defaultText(decl: OptionDecl): string | undefined {
  if (decl.defaultText !== undefined) return decl.defaultText;
  switch (decl.kind) {
    case "text":
      return decl.default;
    case "integer":
      return decl.default === undefined ? undefined : String(decl.default);
    case "seconds":
      return decl.default === undefined
        ? undefined
        : String(decl.default / 1000);
    case "timeout":
      return String((decl.default ?? 0) / 1000);
    default:
      return undefined;
  }
}
