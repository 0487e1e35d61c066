/**
 * The help of netdemo itself and of each command, generated from the mode
 * registry, so that a new mode appears in them by being registered.
 *
 * @module
 */

import { COMMANDS, modesOf } from "./modes.ts";

/** The column the main help's descriptions start in. */
const HELP_COLUMN = 38;

/**
 * netdemo's own help (`netdemo --help`): its commands, generated from the
 * registry, and how to start.
 *
 * @example
 * ```ts
 * import { mainHelp } from "./_overview.ts";
 * mainHelp().startsWith("netdemo: "); // true
 * ```
 */
export function mainHelp(): string {
  const commands: [string, string][] = Object.entries(COMMANDS).map((
    [command, purpose],
  ) => [commandUsage(command), purpose]);
  commands.push(["help [command [mode]]", "show help, as --help does"]);
  return [
    "netdemo: the servers and clients of a socket-programming course, and a TCP test tool.",
    "",
    "Usage: netdemo <command> [mode] [options]",
    "",
    "Commands:",
    ...commands.map(([usage, purpose]) =>
      `  ${usage.padEnd(HELP_COLUMN - 2)}${purpose}`
    ),
    "",
    "Options:",
    "  -h, --help       show help (also after any command or mode)",
    "  -V, --version    show the version",
    "",
    "Examples:",
    "  netdemo server bork                 the first lesson's server, on 127.0.0.1:65432",
    "  netdemo client hello                its client, in another terminal",
    "  netdemo help client multi           the options of one mode",
  ].join("\n");
}

/** `server <bork|echo|app>`, `report merge FILE...`, or `sockets`. */
function commandUsage(command: string): string {
  const modes = [...modesOf(command)];
  if (modes.length === 0) return command;
  if (modes.length > 1) {
    return `${command} <${modes.map(([name]) => name).join("|")}>`;
  }
  const [name, mode] = modes[0];
  const positionals = (mode.positionals ?? []).map((p) => ` ${p.name}`);
  return `${command} ${name}${positionals.join("")}`;
}

/**
 * A command's help (`netdemo server --help`): its modes, each with the
 * first line of its summary.
 *
 * @example
 * ```ts
 * import { commandHelp } from "./_overview.ts";
 * commandHelp("server").startsWith("Usage: netdemo server <mode>"); // true
 * ```
 */
export function commandHelp(command: string): string {
  const modes = [...modesOf(command)];
  const width = Math.max(...modes.map(([name]) => name.length)) + 2;
  return [
    `Usage: netdemo ${command} <mode> [options]`,
    "",
    "Modes:",
    ...modes.map(([name, mode]) =>
      `  ${name.padEnd(width)}${mode.summary.split("\n")[0]}`
    ),
    "",
    `Run 'netdemo ${command} <mode> --help' for a mode's options.`,
    "",
    "Examples:",
    ...modes.slice(0, 3).map(([, mode]) => `  ${mode.examples[0]}`),
  ].join("\n");
}
