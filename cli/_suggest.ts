/**
 * Suggestions for a mistyped word on the command line: the option or mode
 * it was probably meant to be, and the lesson's own pairings where a
 * learner reaches for a name the course does not use (`client echo`).
 *
 * @module
 */

/**
 * Where a course mode's name is guessed from its partner's, the mode that
 * does that job: the echo server's client is `client multi`.
 */
const PARTNERS: Readonly<Record<string, string>> = {
  "client echo": "multi (the echo server's client)",
  "client bork": "hello or count (the bork server's clients)",
  "server multi": "echo (the multi client's server)",
  "server hello": "bork (the hello client's server)",
  "server count": "bork (the count client's server)",
};

/**
 * The number of edits (a character added, dropped or changed, or two
 * neighbours swapped, the commonest typo) that turn `a` into `b`.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (
        i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
      ) {
        row[j] = Math.min(row[j], before[j - 2] + 1);
      }
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/**
 * The name among `names` that `word` most likely misspells: the same
 * letters without hyphens, or one or two edits away (one for short
 * names), or else the one name it begins (of three letters or more);
 * undefined when none is that close.
 *
 * @example
 * ```ts
 * import { closestName } from "./_suggest.ts";
 * closestName("keepopen", ["keep-open", "quiet"]); // "keep-open"
 * closestName("prot", ["port", "host"]); // "port"
 * closestName("keep", ["keep-open", "quiet"]); // "keep-open"
 * closestName("xyz", ["port", "host"]); // undefined
 * ```
 */
export function closestName(
  word: string,
  names: Iterable<string>,
): string | undefined {
  const bare = (name: string): string => name.replaceAll("-", "").toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    if (bare(name) === bare(word)) return name;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    const allowed = name.length <= 4 ? 1 : 2;
    if (distance <= allowed && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  if (best !== undefined || word.length < 3) return best;
  // The start of one name only (`keep` for `keep-open`): that name.
  const lower = word.toLowerCase();
  const started = [...names].filter((name) =>
    name.toLowerCase().startsWith(lower)
  );
  return started.length === 1 ? started[0] : undefined;
}

/**
 * A hint for `word`, an unknown mode of `command`: its course partner's
 * mode, or the closest of `modes`; empty when there is none.
 *
 * @example
 * ```ts
 * import { modeHint } from "./_suggest.ts";
 * modeHint("echo", {
 *   command: "client",
 *   modes: ["hello", "count", "multi", "app"],
 * });
 * // "; did you mean multi (the echo server's client)?"
 * ```
 */
export function modeHint(
  word: string,
  options: { command: string; modes: Iterable<string> },
): string {
  const partner = PARTNERS[`${options.command} ${word}`];
  const guess = partner ?? closestName(word, options.modes);
  return guess === undefined ? "" : `; did you mean ${guess}?`;
}
