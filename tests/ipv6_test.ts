/**
 * IPv6 alongside IPv4: every lesson on `::1`, and a dual-stack `::`
 * listener that shows an IPv4 client as its IPv4 address, not `::ffff:`.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import { runHello } from "../client/hello.ts";
import { captureReporter, runCli, spawnServer } from "./_helpers.ts";
import { everyLesson } from "./_lessons.ts";

Deno.test("ipv6: every lesson's client against every server on ::1", async () => {
  const lines = await everyLesson(
    { transport: "tcp", host: "::1", port: 0 },
    (addr) => ({ transport: "tcp", host: "::1", port: addr.port }),
  );
  match(lines.echo[0], /^Listening on \[::1\]:\d+$/);
  match(lines.echo[1], /^Accepted connection from \[::1\]:\d+$/);
});

Deno.test("ipv6: every lesson through a dual-stack :: listener from 127.0.0.1", async () => {
  const lines = await everyLesson(
    { transport: "tcp", host: "::", port: 0 },
    (addr) => ({ transport: "tcp", host: "127.0.0.1", port: addr.port }),
  );
  match(lines.echo[0], /^Listening on \[::\]:\d+$/);
  match(lines.echo[1], /^Accepted connection from 127\.0\.0\.1:\d+$/);
  ok(lines.bork.some((line) => /^Connected by 127\.0\.0\.1:\d+$/.test(line)));
  ok(
    ![...lines.bork, ...lines.echo, ...lines.app].some((line) =>
      line.includes("::ffff:")
    ),
  );
});

Deno.test("ipv6: a dual-stack server shows each client in its own family", async () => {
  const log = captureReporter();
  const server = serveEcho({ host: "::", port: 0, reporter: log.reporter });
  try {
    const v4 = await runHello({ host: "127.0.0.1", port: server.addr.port });
    const v6 = await runHello({ host: "::1", port: server.addr.port });
    ok(
      log.out.includes(`Accepted connection from ${v4.local}`),
      log.out.join("\n"),
    );
    ok(
      log.out.includes(`Accepted connection from ${v6.local}`),
      log.out.join("\n"),
    );
    match(v4.local, /^127\.0\.0\.1:\d+$/);
    match(v6.local, /^\[::1\]:\d+$/);
  } finally {
    await server.close();
  }
});

Deno.test("ipv6: the command line on ::1 and [::1]", async () => {
  const { process, port } = await spawnServer([
    ...["server", "echo", "--host", "::1", "--port", "0"],
  ]);
  try {
    equal(process.stdoutLines[0], `Listening on [::1]:${port}`);
    const [bare, bracketed] = await Promise.all([
      runCli(["client", "hello", "--host", "::1", "--port", String(port)]),
      runCli(["client", "multi", "--host", "[::1]", "--port", String(port)]),
    ]);
    equal(bare.code, 0, bare.stderr);
    match(
      bare.stdout,
      new RegExp(`^Connected to \\[::1\\]:${port} from \\[::1\\]:\\d+\n`),
    );
    equal(bracketed.code, 0, bracketed.stderr);
  } finally {
    equal((await process.stop("SIGTERM")).code, 0);
  }
});
