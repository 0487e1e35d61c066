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
import { parseCommand, warnReplaced } from "./_parse.ts";
import { UsageError } from "./_usage.ts";
import { COMMANDS, MODES, modesOf } from "./modes.ts";
import { commandHelp, mainHelp } from "./_overview.ts";
import { closestName, modeHint } from "./_suggest.ts";
import { runtimeHint } from "./_hints.ts";
import {
  EXIT_FAILURE,
  EXIT_OUTPUT_CLOSED,
  EXIT_USAGE,
  ExitGuard,
  stdoutFailed,
} from "./_run.ts";

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * Where every line goes; each mode prints through it with its own
   * `--quiet` and `--trace`. Default: the terminal.
   */
  reporter?: Reporter;
  /**
   * End the process with the exit code once everything is written, with
   * the stop signals still heard to the end (as `mod.ts` does). Default
   * false: resolve the code.
   */
  exit?: boolean;
}

/** The mode the words select, with its arguments; or a help text to print. */
function findMode(args: string[]): { mode: Mode; rest: string[] } | string {
  const [command, modeName, ...rest] = args;
  // No command is spelled like an option, so a near command would
  // mislead; --help and --version are the options that may come first.
  if (command.startsWith("-")) {
    const option = closestName(command, ["--help", "--version"]);
    throw new UsageError(
      option === undefined
        ? `expected a command before "${command}" (one of: ${commandNames()}); options follow the command and its mode`
        : `unknown option "${command}"; did you mean ${option}?`,
      "",
    );
  }
  // A one-word mode (`sockets`); own keys only, or `constructor` would
  // find Object, and "server bork" typed as one word would find a mode.
  const direct = Object.hasOwn(MODES, command) && !command.includes(" ")
    ? (MODES as Record<string, Mode>)[command]
    : undefined;
  if (direct !== undefined) return { mode: direct, rest: args.slice(1) };
  const modes = modesOf(command);
  if (modes.size === 0) {
    // `version` is asked for as an option, as in most programs.
    const guess = closestName(command, [...Object.keys(COMMANDS), "help"]) ??
      (closestName(command, ["version"]) && "--version");
    throw new UsageError(
      `unknown command "${command}"${
        guess === undefined ? "" : `; did you mean ${guess}?`
      }`,
      "",
    );
  }
  if (modeName === undefined) {
    throw new UsageError(`missing the ${command} mode`, command);
  }
  if (modeName === "--help" || modeName === "-h") return commandHelp(command);
  const mode = modes.get(modeName);
  // An option where the mode belongs, as at the top: say where it goes.
  if (mode === undefined && modeName.startsWith("-")) {
    throw new UsageError(
      `expected a ${command} mode before "${modeName}" (one of: ${
        [...modes.keys()].join(", ")
      }); options follow the mode`,
      command,
    );
  }
  if (mode === undefined) {
    throw new UsageError(
      `unknown ${command} mode "${modeName}" (one of: ${
        [...modes.keys()].join(", ")
      })${modeHint(modeName, { command, modes: modes.keys() })}`,
      command,
    );
  }
  return { mode, rest };
}

// `help server bork --port 1` is most likely a command line with `help` put
// in front of it: say that help wants the command alone.
function helpExtra(word: string): UsageError {
  return new UsageError(
    word.startsWith("-")
      ? `help takes a command and nothing more, not the option "${word}"`
      : `unexpected argument "${word}"`,
    "help",
  );
}

/** The commands, as a usage error lists them. */
function commandNames(): string {
  return [...Object.keys(COMMANDS), "help"].join(", ");
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
  const reporter = options.reporter ?? new Reporter({
    queued: true,
    onOutputClosed: () => Deno.exit(EXIT_OUTPUT_CLOSED),
    onOutputFailed: stdoutFailed,
  });
  const guard = await ExitGuard.listen();
  let code: number;
  try {
    code = await dispatch(args, reporter);
  } catch (error) {
    // A failure of netdemo's own: it still writes what it had.
    await guard.flush(reporter, EXIT_FAILURE);
    throw error;
  }
  await guard.flush(reporter, code, { exit: options.exit });
  return code;
}

async function dispatch(args: string[], reporter: Reporter): Promise<number> {
  let mode: Mode | undefined;
  try {
    // Nothing typed is a usage error like any other: one line on stderr,
    // where the help asked for goes to stdout.
    if (args.length === 0) {
      throw new UsageError(
        `missing the command (one of: ${commandNames()})`,
        "",
      );
    }
    if (args[0] === "--help" || args[0] === "-h") {
      reporter.always(mainHelp());
      return 0;
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
      if (
        args.length === 1 || args[1] === "--help" || args[1] === "-h" ||
        args[1] === "help"
      ) {
        if (args.length > 2) {
          throw new UsageError(`unexpected argument "${args[2]}"`, "help");
        }
        reporter.always(mainHelp());
        return 0;
      }
      if (args.length > 3) throw helpExtra(args[3]);
      if (args[1].startsWith("-")) {
        throw new UsageError(
          `help takes a command (one of: ${commandNames()}), not the option "${
            args[1]
          }"`,
          "help",
        );
      }
      args = [...args.slice(1), "--help"];
    }
    const found = findMode(args);
    if (typeof found === "string") {
      reporter.always(found);
      return 0;
    }
    // `help sockets extra`: the mode's own words end before "extra".
    if (asked && found.rest.length > 1) throw helpExtra(found.rest[0]);
    mode = found.mode;
    const parsed = parseCommand(mode, found.rest);
    if (parsed === null) {
      reporter.always(formatHelp(mode));
      return 0;
    }
    warnReplaced(found.rest, reporter);
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
      return EXIT_USAGE;
    }
    reporter.error(errorMessage(error) + runtimeHint(error));
    return EXIT_FAILURE;
  }
}
