/**
 * Option values at the edges, through the real CLI: durations no timer can
 * hold, the connect timeout's 0, padded percentiles, a host that is only a
 * port. Each mistake is one line on stderr and exit 2.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { CliProcess, type CliResult, lines, runCli } from "./_helpers.ts";
import { startPythonServer } from "./_python.ts";

/**
 * Runs `netdemo ARGS...`, killed after 10 s: a value wrongly accepted would
 * start a server, or a run, that never ends.
 */
function runBriefly(args: string[]): Promise<CliResult> {
  return runCli(args, { killAfterMs: 10_000 });
}

/** Asserts a usage error: exit 2, nothing on stdout, one matching stderr line. */
function assertUsage(
  args: string[],
  result: CliResult,
  expected: RegExp,
): void {
  const what = `netdemo ${args.join(" ")}: ${result.stderr}`;
  equal(result.code, 2, what);
  equal(result.stdout, "", what);
  equal(lines(result.stderr).length, 1, what);
  match(result.stderr, /^error: /, what);
  match(result.stderr, expected, what);
}

/** Runs every case's command line, then asserts each usage error. */
async function assertUsageCases(
  t: Deno.TestContext,
  cases: [string[], RegExp][],
): Promise<void> {
  const results = await Promise.all(cases.map(([args]) => runBriefly(args)));
  for (const [i, [args, expected]] of cases.entries()) {
    await t.step(args.join(" "), () => assertUsage(args, results[i], expected));
  }
}

Deno.test("values: no seconds option takes more than a timer can wait (2147483 s), so none fires at once", async (t) => {
  const tooLong = (flag: string, got: string): RegExp =>
    new RegExp(
      `^error: ${flag} must be at most 2147483 seconds \\(about 24\\.8 days, the longest a timer can wait\\), got "${got}"`,
    );
  await assertUsageCases(t, [
    [["client", "hello", "-t", "2147484"], tooLong("--timeout", "2147484")],
    [
      ["client", "count", "1", "--interval", "2147484"],
      tooLong("--interval", "2147484"),
    ],
    [
      ["client", "multi", "--duration", "2500000"],
      tooLong("--duration", "2500000"),
    ],
    [["client", "multi", "--omit", "2500000"], tooLong("--omit", "2500000")],
    [
      ["client", "multi", "--interval", "2500000"],
      tooLong("--interval", "2500000"),
    ],
    [
      ["client", "multi", "--connect-timeout", "2500000"],
      tooLong("--connect-timeout", "2500000"),
    ],
    [
      ["server", "app", "-p", "0", "--request-timeout", "3000000"],
      tooLong("--request-timeout", "3000000"),
    ],
    [
      ["server", "app", "-p", "0", "--idle-timeout", "3000000"],
      tooLong("--idle-timeout", "3000000"),
    ],
    [
      ["server", "echo", "-p", "0", "--grace", "3000000"],
      tooLong("--grace", "3000000"),
    ],
    // The run's one timer holds the warm-up, the duration and the 2 s the
    // last echoes get.
    [
      ["client", "multi", "--duration", "2147483"],
      /^error: --duration must be at most 2147481 seconds \(the longest a timer can wait, less the 2 s the last echoes get\), got "2147483"/,
    ],
    [
      ["client", "multi", "--duration", "2147482.5"],
      /^error: --duration must be at most 2147481 seconds .*, got "2147482\.5"/,
    ],
    [
      ["client", "multi", "--omit", "2000000", "--duration", "200000"],
      /^error: --omit plus --duration must be at most 2147481 seconds together .*, got 2000000 \+ 200000 = 2200000 /,
    ],
  ]);
});

Deno.test("values: the longest timeout a timer holds is accepted and waits", async () => {
  // Nothing listens on port 1, so the refusal comes first: what matters is
  // that 2147483 s is no usage error and no timer warning.
  const result = await runCli(["client", "hello", "-p", "1", "-t", "2147483"]);
  equal(result.code, 1, result.stderr);
  match(result.stderr, /^error: connection to 127\.0\.0\.1:1 refused/);
  equal(lines(result.stderr).length, 1, result.stderr);
  // So is a load run of the longest duration its timer allows.
  const longest = await runCli(
    ["client", "multi", "-p", "1", "--duration", "2147481"],
  );
  equal(longest.code, 1, longest.stderr);
  match(longest.stderr, /^error: \d+ errors? in the load run: /);
});

Deno.test("values: a timeout in its error is the seconds typed, without float noise", async () => {
  // Accepts and never answers: the wait for the reply is what times out.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    const result = await runCli([
      ...["client", "hello", "-p", `${listener.addr.port}`],
      ...["--timeout", "1e-9"],
    ]);
    equal(result.code, 1, result.stderr);
    // The connect, or the wait for the reply, times out first.
    match(result.stderr, / (within|made no progress for) 1e-9 s/);
    equal(lines(result.stderr).length, 1, result.stderr);
    // The load client's connect and progress limits say it alike.
    const load = await runCli([
      ...["client", "multi", "-p", `${listener.addr.port}`],
      ...["--conns", "1", "--rounds", "1", "--timeout", "1e-9"],
    ]);
    equal(load.code, 1, load.stderr);
    match(load.stderr, / (within|for) 1e-9 s/);
  } finally {
    listener.close();
    (await accepted.catch(() => undefined))?.close();
  }
});

Deno.test("values: --connect-timeout 0 is never, though --timeout is set", async () => {
  // Its one-place backlog full, the server's kernel drops further SYNs, so
  // a connect waits until something gives up on it.
  const { server, port } = await startPythonServer("unaccepting_server.py", [
    "--lifetime",
    "20",
  ]);
  const args = ["client", "multi", "-p", port, "--conns", "4", "--rounds", "1"];
  try {
    // Without it, --timeout gives up on each connect.
    const bounded = await runBriefly([...args, "-t", "0.3"]);
    equal(bounded.code, 1, bounded.stderr);
    match(bounded.stderr, /could not connect to .* within 0\.3 s/);
    const never = new CliProcess([
      ...args,
      ...["-t", "0.3", "--connect-timeout", "0", "--json"],
    ]);
    const ended = await Promise.race([
      never.finished().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000)),
    ]);
    const status = await never.stop();
    equal(ended, false, never.stderrLines.join("\n"));
    equal(status.code, 130);
    const report = JSON.parse(never.stdoutLines.join(""));
    equal(report.interrupted, true);
    equal(report.config.connectTimeoutSeconds, 0);
    equal(
      never.stderrLines.some((line) => /could not connect/.test(line)),
      false,
      never.stderrLines.join("\n"),
    );
  } finally {
    await server.kill();
  }
});

Deno.test("values: --percentiles refuses spaces, as every other number does", async (t) => {
  await assertUsageCases(
    t,
    [" 5", "5 ", "50, 90", "50 ,90"].map((
      list,
    ): [string[], RegExp] => [
      ["client", "multi", "--percentiles", list],
      new RegExp(
        `^error: --percentiles must be numbers above 0 and at most 100, separated by commas, got "${list}"`,
      ),
    ]),
  );
});

Deno.test("values: a --host that is only a port is told to give just --port", async (t) => {
  await assertUsageCases(t, [
    [
      ["server", "echo", "-p", "0", "--host", ":65432"],
      /^error: --host must not include a port: use --port 65432 \(see/,
    ],
    [
      ["client", "hello", "--host", "[]:65432"],
      /^error: --host must not include a port: use --port 65432 \(see/,
    ],
    // With a host, both options are named as before.
    [
      ["client", "hello", "--host", "localhost:80"],
      /^error: --host must not include a port: use --host localhost --port 80 \(see/,
    ],
  ]);
});
