/**
 * The one way netdemo shows text that came from a peer (or a user) on a
 * terminal: every mode that prints received bytes goes through here, so a
 * peer can never move the cursor, clear the screen or ring the bell, and a
 * learner sees one escaping style everywhere.
 *
 * The style: printable UTF-8 as it is; `\n`, `\r`, `\t` and `\\` by name;
 * other control characters and bytes that are not valid UTF-8 as `\xNN`;
 * invisible line and format characters (U+2028, U+2029, U+FEFF, bidi
 * controls, every other Unicode format character but the joiners) and lone
 * surrogates as `\uNNNN`. A long value's excerpt: `excerpt.ts`.
 *
 * @module
 */

import { counted } from "./count.ts";
import { strictUtf8, validSequence } from "../protocol/utf8.ts";

/**
 * Characters that are not controls but that a terminal would act on or
 * hide: every format character (Unicode's Cf: direction marks and
 * overrides, soft hyphen, zero-width space, word joiner and invisible
 * operators, BOM, tags, annotation marks) but those text needs to look as
 * written (the zero-width joiner and non-joiner, the Arabic and Syriac
 * signs drawn above numbers, and the tags of a flag emoji such as
 * England's, matched whole by FLAG); line and paragraph separators; and
 * the letters that draw
 * nothing (the Hangul fillers, the combining grapheme joiner, the Khmer
 * inherent vowels); and a lone surrogate.
 */
const FORMAT = [
  "(?![\\u200c\\u200d\\u0600-\\u0605\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u{110bd}\\u{110cd}])\\p{Cf}",
  "[\\u034f\\u115f\\u1160\\u17b4\\u17b5\\u2028\\u2029\\u3164\\uffa0]",
  // Half of a surrogate pair alone (JSON can carry one): no character,
  // which the terminal's encoder would turn into U+FFFD.
  "\\p{Cs}",
].join("|");

/**
 * A flag emoji of a region (Unicode's emoji tag sequence): the black flag,
 * two to six tag letters or digits, the cancel tag. Matched first and kept
 * whole; any other tag is escaped, so tags cannot carry hidden text.
 */
const FLAG =
  "\\u{1f3f4}[\\u{e0030}-\\u{e0039}\\u{e0061}-\\u{e007a}]{2,6}\\u{e007f}";

/** What {@linkcode escapeText} escapes: controls, the backslash, FORMAT. */
const UNSAFE = new RegExp(`${FLAG}|[\\p{Cc}\\\\]|${FORMAT}`, "gu");

const NAMED: Record<string, string> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\\": "\\\\",
};

function escapeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return NAMED[character] ??
    (code <= 0x9f
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : code <= 0xffff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\u{${code.toString(16)}}`);
}

/**
 * Escapes text for the terminal in netdemo's one style.
 *
 * @example
 * ```ts
 * import { escapeText } from "./escape.ts";
 * escapeText("a\nb\x1b[2J"); // "a\\nb\\x1b[2J"
 * ```
 */
export function escapeText(text: string): string {
  return text.replace(
    UNSAFE,
    (found) => isFlag(found) ? found : escapeCharacter(found),
  );
}

// A match longer than one character is FLAG's.
function isFlag(found: string): boolean {
  return found.length > 2;
}

/**
 * What {@linkcode terminalSafe} escapes: {@linkcode UNSAFE} but the
 * backslash, tab and newline, so a line already escaped, or JSON, shows as
 * itself.
 */
const ACTIVE = new RegExp(`${FLAG}|[^\\P{Cc}\\t\\n]|${FORMAT}`, "gu");

/** {@linkcode ACTIVE} and the newline, for lines that must stay one line. */
const ACTIVE_OR_NEWLINE = new RegExp(`${FLAG}|[^\\P{Cc}\\t]|${FORMAT}`, "gu");

/**
 * Makes a finished line safe for a terminal, as the last step before it is
 * printed: characters a terminal would act on (escape sequences, carriage
 * returns, bells) or hide (bidi controls) are escaped in
 * {@linkcode escapeText}'s style (in a JSON line, DEL and above as JSON's
 * `\uNNNN`, so it stays JSON), and nothing else changes, so text already
 * escaped or JSON keeps its backslashes. Tabs stay, and newlines too unless
 * `options.singleLine` (an error is one line, whatever its parts held).
 *
 * @example
 * ```ts
 * import { terminalSafe } from "./escape.ts";
 * terminalSafe('unknown option "--\x1b[31mx"'); // 'unknown option "--\\x1b[31mx"'
 * terminalSafe("a\nb", { singleLine: true }); // "a\\nb"
 * ```
 */
export function terminalSafe(
  line: string,
  options: { singleLine?: boolean } = {},
): string {
  // Asked only of a line that holds such a character, and once.
  let json: boolean | undefined;
  return line.replace(
    options.singleLine ? ACTIVE_OR_NEWLINE : ACTIVE,
    (character) => {
      if (isFlag(character)) return character;
      if ((character.codePointAt(0) ?? 0) < 0x7f || !(json ??= isJson(line))) {
        return escapeCharacter(character);
      }
      return jsonEscape(character);
    },
  );
}

// A JSON document on one line, as --json prints them.
function isJson(line: string): boolean {
  if (line[0] !== "{" && line[0] !== "[") return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * DEL and above as `\uNNNN`, for a JSON line: the only characters
 * `JSON.stringify` leaves raw, so the line stays JSON of the same value
 * (C0 controls never reach here from JSON, which escapes them itself).
 */
function jsonEscape(character: string): string {
  // Code unit by code unit, so that a tag character is a JSON surrogate pair.
  let shown = "";
  for (let i = 0; i < character.length; i++) {
    shown += `\\u${character.charCodeAt(i).toString(16).padStart(4, "0")}`;
  }
  return shown;
}

/**
 * Escapes received bytes: valid UTF-8 is shown as text (escaped as
 * {@linkcode escapeText} does), every byte that is not part of a valid
 * character (a cut-off character, invalid UTF-8) as `\xNN`.
 *
 * @example
 * ```ts
 * import { escapeBytes } from "./escape.ts";
 * escapeBytes(new Uint8Array([0x68, 0x69, 0x07, 0xff])); // "hi\\x07\\xff"
 * ```
 */
export function escapeBytes(bytes: Uint8Array): string {
  try {
    // The common case: the whole chunk is valid UTF-8.
    return escapeText(strictUtf8.decode(bytes));
  } catch {
    // Some bytes are not UTF-8: each character is found on its own.
  }
  let shown = "";
  let index = 0;
  while (index < bytes.length) {
    const size = validSequence(bytes, index);
    if (size === 0) {
      shown += `\\x${bytes[index].toString(16).padStart(2, "0")}`;
      index += 1;
    } else {
      shown += escapeText(
        strictUtf8.decode(bytes.subarray(index, index + size)),
      );
      index += size;
    }
  }
  return shown;
}

/**
 * Escapes text or bytes and puts them in double quotes (a `"` inside is
 * shown as `\"`), for lines such as `Received "..."`.
 *
 * @example
 * ```ts
 * import { quoted } from "./escape.ts";
 * quoted('say "hi"\x07'); // '"say \\"hi\\"\\x07"'
 * ```
 */
export function quoted(value: string | Uint8Array): string {
  const shown = typeof value === "string"
    ? escapeText(value)
    : escapeBytes(value);
  return `"${shown.replaceAll('"', '\\"')}"`;
}

/**
 * Shows received bytes in a log line: quoted (as {@linkcode quoted} does)
 * when at most `limit` bytes long, else only their size, so that a stream of
 * large chunks costs the log a short line each.
 *
 * @example
 * ```ts
 * import { describeBytes } from "./escape.ts";
 * describeBytes(new TextEncoder().encode("hi\n"), 80); // '"hi\\n"'
 * describeBytes(new Uint8Array(100), 80); // "100 bytes"
 * ```
 */
export function describeBytes(bytes: Uint8Array, limit: number): string {
  return bytes.length <= limit ? quoted(bytes) : counted(bytes.length, "byte");
}
