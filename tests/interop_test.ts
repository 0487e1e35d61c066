/**
 * Interoperability: netdemo's multi-connection client against a plain
 * Python (selectors) echo server, and a plain Python client against
 * netdemo's echo server. Both sides must agree on every byte.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { runCli, spawnQuietEcho } from "./_helpers.ts";
import { startPython } from "./_python.ts";

Deno.test("interop: netdemo client multi against a Python selectors echo server", async () => {
  // 5 lesson connections, then 2 load connections.
  const server = startPython("echo_server.py", [
    "--port",
    "0",
    "--connections",
    "7",
  ]);
  try {
    const listening = await server.waitFor(/^Listening on /);
    const port = listening.slice(listening.lastIndexOf(":") + 1);
    const lesson = await runCli([
      "client",
      "multi",
      "--port",
      port,
      "--conns",
      "5",
      "--message",
      "hello from Deno, ",
      "--message",
      "héllo again 😀",
    ]);
    equal(lesson.code, 0, lesson.stderr);
    const out = lesson.stdout.trim().split("\n");
    equal(
      out.at(-1),
      "All 5 connections completed; every echo matched (34 bytes each)",
    );
    equal(
      out.filter((line) => line.startsWith("Closing connection")).length,
      5,
    );

    const load = await runCli([
      "client",
      "multi",
      "--port",
      port,
      "--rounds",
      "50",
      "--size",
      "5000",
      "--json",
    ]);
    equal(load.code, 0, load.stderr);
    const report = JSON.parse(load.stdout);
    equal(report.roundTrips, 100);
    equal(Object.keys(report.errors).length, 0);

    equal(await server.finished, 0);
    equal(server.lines.at(-1), "Served 7 connections");
  } finally {
    await server.kill();
  }
});

Deno.test("interop: a Python selectors client against netdemo server echo", async () => {
  const server = await spawnQuietEcho();
  try {
    const client = startPython("echo_client.py", [
      "--port",
      `${server.port}`,
      "--conns",
      "10",
      "--message",
      "Message 1 from Python.",
      "--message",
      "Message 2 from Python, ünïcode.",
    ]);
    equal(await client.finished, 0, client.lines.join("\n"));
    equal(client.lines.at(-1), "10 of 10 connections matched");
    equal(
      client.lines.filter((line) =>
        /^Closing connection \d+: echo matched$/.test(line)
      )
        .length,
      10,
    );
  } finally {
    const status = await server.process.stop();
    equal(status.code, 0);
  }
  // The server sent back exactly what the ten connections sent: 10 x 55 bytes.
  const summary = server.process.stdoutLines.at(-1) ?? "";
  match(summary, /^Served 10 connections, echoed 550 bytes, up /);
  ok(server.process.stdoutLines[0].startsWith("Listening on 127.0.0.1:"));
});
