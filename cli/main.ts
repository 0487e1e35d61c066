/**
 * The command line: `netdemo <command> [mode] [options]` is looked up in
 * the mode registry, parsed against the mode's declared options and run;
 * every error becomes one line and an exit code (2 usage, 1 runtime).
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { errorMessage } from "../protocol/errors.ts";
import { Reporter } from "../output/reporter.ts";
import { formatHelp } from "./_help.ts";
import type { Mode } from "./_mode.ts";
import { parseCommand } from "./_parse.ts";
import { UsageError } from "./_usage.ts";
import { COMMANDS, MODES, modesOf } from "./modes.ts";

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * Where every line goes; each mode prints through it with its own
   * `--quiet` and `--trace`. Default: the terminal.
   */
  reporter?: Reporter;
}

/** The column the main help's descriptions start in. */
const HELP_COLUMN = 38;

function mainHelp(): string {
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

function commandHelp(command: string): string {
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

/** The mode the words select, with its arguments; or a help text to print. */
function findMode(args: string[]): { mode: Mode; rest: string[] } | string {
  const [command, modeName, ...rest] = args;
  const direct = (MODES as Record<string, Mode>)[command];
  if (direct !== undefined) return { mode: direct, rest: args.slice(1) };
  const modes = modesOf(command);
  if (modes.size === 0) {
    throw new UsageError(`unknown command "${command}"`, "");
  }
  if (modeName === undefined) {
    throw new UsageError(`missing the ${command} mode`, command);
  }
  if (modeName === "--help" || modeName === "-h") return commandHelp(command);
  const mode = modes.get(modeName);
  if (mode === undefined) {
    throw new UsageError(
      `unknown ${command} mode "${modeName}" (one of: ${
        [...modes.keys()].join(", ")
      })`,
      command,
    );
  }
  return { mode, rest };
}

/**
 * Runs the command line and resolves the exit code: 0 success, 1 runtime
 * failure, 2 usage error (printed as one line on stderr naming the mode's
 * `--help`).
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const lines: string[] = [];
 * const reporter = new Reporter({ stdout: (line) => lines.push(line) });
 * await main(["--version"], { reporter }); // 0
 * ```
 */
export async function main(
  args: string[],
  options: MainOptions = {},
): Promise<number> {
  const reporter = options.reporter ?? new Reporter();
  let mode: Mode | undefined;
  try {
    if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
      reporter.always(mainHelp());
      return args.length === 0 ? 2 : 0;
    }
    if (args[0] === "--version" || args[0] === "-V") {
      if (args.length > 1) {
        throw new UsageError(`unexpected argument "${args[1]}"`);
      }
      reporter.always(`netdemo ${config.version}`);
      return 0;
    }
    const asked = args[0] === "help";
    if (asked) {
      // `netdemo help client multi` is `netdemo client multi --help`.
      if (args.length === 1 || args[1] === "--help" || args[1] === "-h") {
        if (args.length > 2) {
          throw new UsageError(`unexpected argument "${args[2]}"`, "help");
        }
        reporter.always(mainHelp());
        return 0;
      }
      if (args.length > 3) {
        throw new UsageError(`unexpected argument "${args[3]}"`, "help");
      }
      args = [...args.slice(1), "--help"];
    }
    const found = findMode(args);
    if (typeof found === "string") {
      reporter.always(found);
      return 0;
    }
    // `help sockets extra`: the mode's own words end before "extra".
    if (asked && found.rest.length > 1) {
      throw new UsageError(`unexpected argument "${found.rest[0]}"`, "help");
    }
    mode = found.mode;
    const parsed = parseCommand(mode, found.rest);
    if (parsed === null) {
      reporter.always(formatHelp(mode));
      return 0;
    }
    const flags = parsed.values as Record<string, unknown>;
    return await mode.run(
      parsed,
      reporter.with({
        quiet: flags.quiet === true,
        trace: flags.trace === true,
      }),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ?? mode?.name ?? "";
      const help = ["netdemo", command, "--help"].filter(Boolean).join(" ");
      reporter.error(`${error.message} (see '${help}')`);
      return 2;
    }
    reporter.error(errorMessage(error));
    return 1;
  }
}
