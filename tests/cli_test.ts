import { equal, match, ok } from "node:assert/strict";
import { runCli } from "./_helpers.ts";

/** Asserts a usage error: exit 2, one stderr line naming the problem, nothing else. */
async function assertUsageError(
  args: string[],
  expected: RegExp,
): Promise<void> {
  const result = await runCli(args);
  equal(result.code, 2, `exit code of netdemo ${args.join(" ")}`);
  equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  equal(
    lines.length,
    1,
    `one line for netdemo ${args.join(" ")}: ${result.stderr}`,
  );
  match(lines[0], /^error: /);
  match(lines[0], expected);
  match(lines[0], /--help/);
}

Deno.test("cli: usage errors are one line on stderr, exit 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["launch"], /unknown command "launch"/],
    [["server"], /missing the server mode/],
    [["server", "nope"], /unknown server mode "nope"/],
    [["client", "hello", "--bogus"], /unknown option '--bogus'/],
    [
      ["server", "bork", "--port", "abc"],
      /--port must be an integer from 0 to 65535, got "abc"/,
    ],
    [["server", "bork", "--port", "70000"], /got "70000"/],
    [["server", "bork", "--port", "-1"], /got "-1"/],
    [["server", "bork", "--port"], /--port/],
    [["server", "bork", "extra"], /unexpected argument "extra"/],
    [["server", "bork", "--keep-open=yes"], /--keep-open/],
    [["client", "count"], /missing START/],
    [["client", "count", "ten"], /START must be an integer, got "ten"/],
    [["client", "count", "--", "1.5"], /START must be an integer, got "1.5"/],
    [
      ["client", "count", "1", "--times", "0"],
      /--times must be an integer of 1 or more, got "0"/,
    ],
    [
      ["client", "count", "1", "--interval", "soon"],
      /--interval must be a number of seconds/,
    ],
    [
      ["client", "hello", "--timeout", "-2"],
      /--timeout must be a number of seconds/,
    ],
    [["client", "hello", "--host", ""], /--host must not be empty/],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), () => assertUsageError(args, expected));
  }
});

Deno.test("cli: --help for the program, a command and a mode; --version", async () => {
  const top = await runCli(["--help"]);
  equal(top.code, 0);
  match(top.stdout, /Usage: netdemo <command>/);
  const group = await runCli(["client", "--help"]);
  equal(group.code, 0);
  match(group.stdout, /hello/);
  match(group.stdout, /count/);
  const mode = await runCli(["client", "count", "--help"]);
  equal(mode.code, 0);
  match(mode.stdout, /Usage: netdemo client count START \[options\]/);
  match(mode.stdout, /--times N +how many numbers to send \(default: 5\)/);
  match(mode.stdout, /--port PORT .*\(default: 65432\)/);
  match(mode.stdout, /Example: netdemo client count/);
  const version = await runCli(["--version"]);
  equal(version.code, 0);
  match(version.stdout, /^netdemo \d+\.\d+\.\d+\n$/);
});

Deno.test("cli: no arguments prints the usage and exits 2", async () => {
  const result = await runCli([]);
  equal(result.code, 2);
  ok(result.stdout.includes("Usage: netdemo"));
});
