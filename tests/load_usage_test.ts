/**
 * `netdemo client multi`'s load mode, its usage mistakes: each option's
 * bad values exit 2 with one line, a payload file that cannot be read
 * exits 1, and `runLoad` called directly refuses what the command line
 * refuses before it would hang or end at once.
 *
 * @module
 */

import { equal, match, rejects } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { lines, runCli } from "./_helpers.ts";
import { runMain } from "./_main.ts";
import { MIB } from "./_load.ts";

Deno.test("load: usage mistakes exit 2 with one line; an unreadable payload file exits 1", async () => {
  const cases: [string[], RegExp][] = [
    [["--rate", "0"], /--rate must be a number more than 0, got "0"/],
    [["--rate", "fast"], /--rate must be a number more than 0/],
    [["--pipeline", "0"], /--pipeline must be an integer from 1 to/],
    [["--lifetime", "0"], /--lifetime must be an integer of 1 or more/],
    [["--connect-rate", "-1"], /--connect-rate must be a number more than 0/],
    // The run's clock waits for its first connections: never, at this rate.
    [
      ["--connect-rate", "1e-9", "--duration", "1"],
      /^error: --connect-rate 1e-9 would take 1000000000 s to open 2 connections, longer than a timer can wait \(2147483 s, about 24\.8 days\); give a higher rate/,
    ],
    [
      ["--connect-rate", "1e-6", "--conns", "4", "--rounds", "1"],
      /would take 3000000 s to open 4 connections/,
    ],
    // A counted run must open every replacement too: 2 x ceil(5 / 2).
    [
      ["--connect-rate", "1e-6", "--lifetime", "2", "--rounds", "5"],
      /would take 5000000 s to open 6 connections/,
    ],
    [
      ["--connect-timeout", "-1"],
      /--connect-timeout must be a number of seconds \(0 or more\)/,
    ],
    [["--interval", "0"], /--interval must be at least 0\.1 seconds/],
    [["--interval", "0.05"], /--interval must be at least 0\.1 seconds/],
    [["--omit", "0"], /--omit must be more than 0 seconds/],
    [["--omit", "1", "--rounds", "2"], /--omit needs a timed run/],
    [["--percentiles", "50,,99"], /--percentiles must be numbers above 0/],
    [["--percentiles", "100.5"], /--percentiles must be numbers above 0/],
    [
      ["--percentiles", "50,99.9999999999999999999"],
      /--percentiles must be numbers a double can tell from 100 \(at most 15 significant digits\), got 99\.9999999999999999999 in/,
    ],
    [["--size", `${64 * MIB + 1}`], /--size must be an integer from 1 to/],
    [
      ["--size", "10", "--payload-file", "x"],
      /give --size or --payload-file, not both/,
    ],
  ];
  const results = [];
  for (const [args] of cases) {
    results.push(await runMain(["client", "multi", "--port", "1", ...args]));
  }
  results.forEach((result, i) => {
    const [args, pattern] = cases[i];
    equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    equal(result.stdout, "");
    equal(lines(result.stderr).length, 1, result.stderr);
    match(result.stderr, pattern);
  });
  // A device never ends and a FIFO blocks whoever opens it: neither is read.
  const files: [string, string][] = [
    [
      "/nonexistent/payload.bin",
      'cannot read --payload-file "/nonexistent/payload.bin": no such file',
    ],
    [
      "/dev/zero",
      'cannot read --payload-file "/dev/zero": it is not a regular file (a FIFO, a device or a socket)',
    ],
    ["-", "--payload-file stdin is empty; a message needs at least 1 byte"],
  ];
  for (const [file, message] of files) {
    const result = await runCli(
      ["client", "multi", "--port", "1", "--payload-file", file],
      { stdin: file === "-" ? "" : undefined },
    );
    equal(result.code, 1, file);
    equal(result.stderr, `error: ${message}\n`);
  }
});

Deno.test("load: runLoad refuses a connect rate that could not open its connections within a timer's wait, and a run longer than one, before connecting", async () => {
  // Port 1: nothing listens there, so a run that started would fail at
  // its connects, not with these errors.
  await rejects(
    runLoad({ port: 1, connections: 2, connectRate: 1e-7, durationMs: 100 }),
    (error: Error) =>
      error instanceof RangeError &&
      /^connectRate 1e-7 would take 10000000000 ms to open the run's connections, more than a timer can wait \(2147483647 ms\)$/
        .test(error.message),
  );
  await rejects(
    runLoad({
      port: 1,
      connections: 2,
      connectRate: 1e-7,
      rounds: 5,
      lifetime: 2,
    }),
    /would take 50000000000 ms/,
  );
  await rejects(
    runLoad({ port: 1, connections: 1, omitMs: 2e9, durationMs: 2e9 }),
    (error: Error) =>
      error instanceof RangeError &&
      /^omitMs plus durationMs must be at most 2147481647 .*, got 4000000000$/
        .test(error.message),
  );
  // Past one a nanosecond, what is due would no longer be an exact count.
  await rejects(
    runLoad({ port: 1, connections: 1, rate: 1e17, durationMs: 1000 }),
    /^RangeError: rate must be at most 1000000000, got 100000000000000000$/,
  );
});
