/**
 * A mode's `--help` text, made from its declaration: the summary, usage,
 * every option with its short flag and default, then its examples.
 *
 * @module
 */

import { type CommandSpec, defaultText } from "./_options.ts";

/**
 * Formats a mode's `--help` text.
 *
 * @example
 * ```ts
 * import { formatHelp } from "./_help.ts";
 * formatHelp({ name: "server bork", summary: "x", options: {}, examples: ["netdemo server bork"] });
 * ```
 */
export function formatHelp(spec: CommandSpec): string {
  const positionals = spec.positionals ?? [];
  const rows: [string, string][] = positionals.map((p) => [
    p.name,
    p.description,
  ]);
  for (const [name, decl] of Object.entries(spec.options)) {
    const value = decl.kind === "flag" ? "" : ` ${decl.placeholder}`;
    const repeat = decl.kind === "texts" ? " (repeatable)" : "";
    const fallback = defaultText(decl);
    const shown = fallback ? ` (default: ${fallback})` : "";
    const flag = decl.short ? `-${decl.short}, ` : "    ";
    rows.push([
      `${flag}--${name}${value}`,
      `${decl.description}${repeat}${shown}`,
    ]);
  }
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    spec.summary,
    "",
    `Usage: netdemo ${spec.name}${
      positionals.map((p) => ` ${p.name}`).join("")
    } [options]`,
    "",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    "",
    "Examples:",
    ...spec.examples.map((line) => `  ${line}`),
  ].join("\n");
}
