/**
 * Which command and mode a command line selects, through the real CLI:
 * nothing at all, an option where the command belongs, and the options that
 * put `client multi` in load mode.
 *
 * @module
 */

import { deepEqual, equal, match } from "node:assert/strict";
import { type CliResult, lines, runCli } from "./_helpers.ts";
import { closedPort } from "./_net.ts";

Deno.test("modes: --json alone starts load mode, as every other load option does", async () => {
  // Nothing listens there, so the run ends at once: in load mode with a
  // JSON report of its refusals, where the lesson mode would print none.
  const port = `${closedPort()}`;
  const result = await runCli(["client", "multi", "-p", port, "--json"]);
  equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  equal(report.schema, 1);
  equal(report.config.durationSeconds, 10);
  deepEqual(report.errors, { refused: 2 });
  match(lines(result.stderr).at(-1) ?? "", /^error: 2 errors in the load run/);
});

/** Asserts a usage error: exit 2, nothing on stdout, one matching stderr line. */
function assertUsage(result: CliResult, expected: RegExp): void {
  equal(result.code, 2, result.stderr);
  equal(result.stdout, "");
  equal(lines(result.stderr).length, 1, result.stderr);
  match(result.stderr, expected);
}

Deno.test("modes: bare netdemo is a one-line usage error on stderr; help asked for is on stdout", async () => {
  assertUsage(
    await runCli([]),
    /^error: missing the command \(one of: server, client, sockets, report, help\) \(see 'netdemo --help'\)\n$/,
  );
  for (const args of [["help"], ["--help"], ["-h"]]) {
    const help = await runCli(args);
    equal(help.code, 0, args.join(" "));
    equal(help.stderr, "");
    match(
      help.stdout,
      /^netdemo: .*\n\nUsage: netdemo <command> \[mode\] \[options\]\n/,
    );
  }
});

Deno.test("modes: an option where the command belongs says the command comes first", async () => {
  for (const option of ["--port", "-p", "--keep-open"]) {
    assertUsage(
      await runCli([option, "0"]),
      new RegExp(
        `^error: expected a command before "${option}" \\(one of: server, client, sockets, report, help\\); options follow the command and its mode \\(see 'netdemo --help'\\)\n$`,
      ),
    );
  }
});

Deno.test("modes: an option where the mode belongs says the mode comes first", async () => {
  for (
    const [command, option, modes] of [
      ["server", "--keep-open", "bork, echo, app"],
      ["client", "-V", "hello, count, multi, app"],
    ]
  ) {
    assertUsage(
      await runCli([command, option, "bork"]),
      new RegExp(
        `^error: expected a ${command} mode before "${option}" \\(one of: ${modes}\\); options follow the mode \\(see 'netdemo ${command} --help'\\)\n$`,
      ),
    );
  }
});

Deno.test("modes: a misspelt --help or --version in the command's place is pointed to it", async () => {
  const typos = [
    ...[["--hlep", "--help"], ["--halp", "--help"], ["-help", "--help"]],
    ...[["--verison", "--version"], ["--versoin", "--version"]],
  ];
  assertUsage(
    await runCli(["version"]),
    /^error: unknown command "version"; did you mean --version\? \(see 'netdemo --help'\)\n$/,
  );
  for (const [option, meant] of typos) {
    assertUsage(
      await runCli([option]),
      new RegExp(
        `^error: unknown option "${option}"; did you mean ${meant}\\? \\(see 'netdemo --help'\\)\n$`,
      ),
    );
  }
});
