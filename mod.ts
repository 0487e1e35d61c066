/**
 * netdemo: every server and client of a socket-programming course behind one
 * command, `netdemo <server|client> <mode> [options]`. This module only
 * parses the command words and dispatches to the mode's runner.
 *
 * @example
 * ```sh
 * netdemo server bork --port 0
 * netdemo client hello --port 65432
 * ```
 *
 * @module
 */

import config from "./deno.json" with { type: "json" };
import {
  type CommandSpec,
  formatHelp,
  parseCommand,
  type ParsedCommand,
  UsageError,
} from "./cli/_args.ts";
import { NetError } from "./protocol/errors.ts";
import { Reporter } from "./output/reporter.ts";
import * as serverBork from "./cli/server_bork.ts";
import * as serverEcho from "./cli/server_echo.ts";
import * as serverApp from "./cli/server_app.ts";
import * as clientHello from "./cli/client_hello.ts";
import * as clientCount from "./cli/client_count.ts";
import * as clientMulti from "./cli/client_multi.ts";
import * as clientApp from "./cli/client_app.ts";
import * as sockets from "./cli/sockets.ts";
import * as reportMerge from "./cli/report_merge.ts";

/** One runnable mode: its spec (options, help) and its runner. */
interface Mode {
  spec: CommandSpec;
  run(parsed: ParsedCommand): Promise<number>;
}

const GROUPS: Record<string, Record<string, Mode>> = {
  server: { bork: serverBork, echo: serverEcho, app: serverApp },
  client: {
    hello: clientHello,
    count: clientCount,
    multi: clientMulti,
    app: clientApp,
  },
  report: { merge: reportMerge },
};

const TOP_LEVEL: Record<string, Mode> = { sockets };

function groupHelp(group: string): string {
  const modes = Object.entries(GROUPS[group]);
  const width = Math.max(...modes.map(([name]) => name.length)) + 2;
  return [
    `Usage: netdemo ${group} <mode> [options]`,
    "",
    "Modes:",
    ...modes.map(([name, mode]) =>
      `  ${name.padEnd(width)}${mode.spec.summary.split("\n")[0]}`
    ),
    "",
    `Run 'netdemo ${group} <mode> --help' for a mode's options.`,
    "",
    "Examples:",
    ...modes.slice(0, 3).map(([, mode]) =>
      `  ${mode.spec.examples?.[0] ?? mode.spec.example ?? ""}`
    ),
  ].join("\n");
}

function mainHelp(): string {
  return [
    "netdemo: the servers and clients of a socket-programming course, and a TCP test tool.",
    "",
    "Usage: netdemo <command> [mode] [options]",
    "",
    "Commands:",
    "  server <bork|echo|app>              run a server",
    "  client <hello|count|multi|app>      run a client",
    "  sockets                             list this machine's TCP sockets",
    "  report merge FILE...                combine load reports from several machines",
    "  help [command [mode]]               show help, as --help does",
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

function findMode(args: string[]): { mode: Mode; rest: string[] } | string {
  const [command, modeName, ...rest] = args;
  if (command in TOP_LEVEL) {
    return { mode: TOP_LEVEL[command], rest: args.slice(1) };
  }
  if (!(command in GROUPS)) {
    throw new UsageError(`unknown command "${command}"`, "");
  }
  if (modeName === undefined || modeName === "--help" || modeName === "-h") {
    if (modeName === undefined) {
      throw new UsageError(`missing the ${command} mode`, command);
    }
    return groupHelp(command);
  }
  const mode = GROUPS[command][modeName];
  if (mode === undefined) {
    const known = Object.keys(GROUPS[command]).join(", ");
    throw new UsageError(
      `unknown ${command} mode "${modeName}" (one of: ${known})`,
      command,
    );
  }
  return { mode, rest };
}

/**
 * Runs the command line and resolves the exit code: 0 success, 1 runtime
 * failure, 2 usage error. Errors are printed as one line on stderr.
 *
 * @example
 * ```ts
 * import { main } from "./mod.ts";
 * await main(["--version"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const reporter = new Reporter();
  try {
    if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
      reporter.always(mainHelp());
      return args.length === 0 ? 2 : 0;
    }
    if (args[0] === "--version" || args[0] === "-V") {
      reporter.always(`netdemo ${config.version}`);
      return 0;
    }
    if (args[0] === "help") {
      // `netdemo help client multi` is `netdemo client multi --help`.
      if (args.length === 1) {
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
    const parsed = parseCommand(found.mode.spec, found.rest);
    if (parsed === null) {
      reporter.always(formatHelp(found.mode.spec));
      return 0;
    }
    return await found.mode.run(parsed);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = ["netdemo", error.command, "--help"].filter(Boolean).join(
        " ",
      );
      reporter.error(`${error.message} (see '${help}')`);
      return 2;
    }
    if (error instanceof NetError) {
      reporter.error(error.message);
      return 1;
    }
    reporter.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
