/**
 * `netdemo client multi`'s load mode end to end, its connections:
 * `--connect-timeout`, a server that closes early, failed connections
 * replaced, the open-file limit, Ctrl-C while connecting, and a server
 * that stops after serving (churn: `load_churn_test.ts`, usage mistakes:
 * `load_usage_test.ts`).
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import {
  type AddressInfo,
  createServer,
  type Socket as NodeSocket,
} from "node:net";
import { CliProcess, lines, runCli } from "./_helpers.ts";
import { readBytes, writeAll } from "./_net.ts";
import { startPythonServer } from "./_python.ts";

Deno.test("load: --connect-timeout gives up on a connect the server's full backlog never answers", async () => {
  const { server, port } = await startPythonServer("unaccepting_server.py", [
    "--lifetime",
    "20",
  ]);
  try {
    const result = await runCli([
      "client",
      "multi",
      "--port",
      port,
      "--conns",
      "4",
      "--rounds",
      "1",
      "--connect-timeout",
      "0.3",
      "--timeout",
      "1",
      "--json",
    ]);
    equal(result.code, 1);
    const report = JSON.parse(result.stdout);
    equal(report.config.connectTimeoutSeconds, 0.3);
    ok(report.connectionsOpened < 4, `${report.connectionsOpened} opened`);
    equal(report.errors.timeout, 4, JSON.stringify(report.errors));
    match(
      result.stderr,
      /^error: 4 errors in the load run: 4 timed out \(first: could not connect to 127\.0\.0\.1:\d+ within 0\.3 s\)\n$/,
    );
  } finally {
    await server.kill();
  }
});

Deno.test("load: a timed run's connect is given up after the run's length (warm-up included) when nothing else limits it, so a TLS handshake never answered cannot hold the run", async () => {
  // The one connection this listener's queue takes is made by the kernel,
  // and then nothing answers the ClientHello: no OS timeout covers that.
  const { server, port } = await startPythonServer("unaccepting_server.py", [
    "--lifetime",
    "20",
  ]);
  const run = new CliProcess([
    "client",
    "multi",
    ...["--port", port, "--tls", "--conns", "1"],
    ...["--omit", "0.25", "--duration", "0.25"],
    "--json",
  ]);
  // A bound for the broken case only: the run must end far sooner.
  const guard = setTimeout(() => run.child.kill("SIGKILL"), 15_000);
  try {
    const status = await run.finished();
    equal(status.code, 1, run.stderrLines.join("\n"));
    const report = JSON.parse(run.stdoutLines.join("\n"));
    equal(report.connectionsOpened, 0);
    equal(report.errors.timeout, 1, JSON.stringify(report.errors));
    ok(
      run.stderrLines.some((line) =>
        /could not connect to 127\.0\.0\.1:\d+ within 0\.5 s/.test(line)
      ),
      run.stderrLines.join("\n"),
    );
    // Nothing ran, so there is no shortened run to warn about.
    ok(
      !run.stderrLines.some((line) => line.startsWith("warning:")),
      run.stderrLines.join("\n"),
    );
  } finally {
    clearTimeout(guard);
    await server.kill();
  }
});

Deno.test("load: a server that closes before echoing is 'closed early by server', as in the lesson mode", async () => {
  // Reads the first message of each connection, then ends the stream (FIN).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await listener.accept();
      await readBytes(conn, 64);
      conn.close();
    }
    listener.close();
  })();
  const result = await runCli([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--rounds",
    "5",
  ]);
  await served;
  equal(result.code, 1);
  ok(lines(result.stdout).includes("Errors:        2 closed early by server"));
  match(
    result.stderr,
    /^error: 2 errors in the load run: 2 closed early by server \(first: 127\.0\.0\.1:\d+ closed the connection after echoing 0 of 64 bytes sent\)\n$/,
  );
});

Deno.test("load: in a timed run a failed connection is replaced, so the load goes on (as wrk reconnects)", async () => {
  // Echoes ten 64-byte messages on each connection, then resets it.
  const server = createServer((socket: NodeSocket) => {
    let echoed = 0;
    socket.on("data", (chunk: Uint8Array) => {
      socket.write(chunk);
      echoed += chunk.length;
      if (echoed >= 640) socket.resetAndDestroy();
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  try {
    const port = (server.address() as AddressInfo).port;
    const result = await runCli([
      ...["client", "multi", "--port", `${port}`, "--conns", "2"],
      ...["--rate", "400", "--duration", "1", "--json"],
    ]);
    equal(result.code, 1);
    const report = JSON.parse(result.stdout);
    // Before, each slot stopped at its reset: 2 x 10 round trips in all,
    // on 2 connections. About 400 and 40 on a quiet machine; a loaded one,
    // slow to reconnect, may give fewer.
    ok(report.roundTrips > 100, `${report.roundTrips} round trips`);
    ok(report.connectionsOpened >= 10, `${report.connectionsOpened} opened`);
    // One reset per connection that was replaced, none left unexplained.
    ok(report.errors.reset >= report.connectionsOpened - 2, result.stdout);
    match(
      result.stderr,
      /^error: \d+ errors in the load run: \d+ reset by server \(first: /,
    );
    const text = await runCli([
      ...["client", "multi", "--port", `${port}`, "--conns", "2"],
      ...["--rate", "400", "--duration", "0.5"],
    ]);
    match(text.stdout, /^Connections: {3}\d+ opened \(\d+(\.\d+)?\/s\)$/m);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("load: a message still unechoed 2 s after the duration is one timeout error, and one error is exit 1", async () => {
  // Reads the first message and never echoes it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    listener.close();
    await readBytes(conn, 64);
    return conn;
  })();
  const result = await runCli([
    ...["client", "multi", "--port", `${listener.addr.port}`],
    ...["--conns", "1", "--duration", "0.2"],
  ]);
  (await served).close();
  equal(result.code, 1, result.stdout);
  ok(lines(result.stdout).includes("Errors:        1 timed out"));
  // The time counted is the run's, not the 2 s waited after it.
  ok(
    lines(result.stdout).includes("Round trips:   0 of 64 bytes in 0.20 s"),
    result.stdout,
  );
  match(
    result.stderr,
    /^error: 1 error in the load run: 1 timed out \(first: 127\.0\.0\.1:\d+ did not echo 1 message\(s\) by the run's end\)\n$/,
  );
});

Deno.test("load: more connections than the open-file limit allows is one line before any connect, with the binary's permissions", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    // /proc/self/limits is read through cat: Deno opens /proc only under
    // --allow-all. The count of files in use needs a directory listing,
    // which cat cannot give, so the line does without it.
    const results = await Promise.all(
      [[], ["--duration", "1"]].map((args) =>
        runCli([
          ...["client", "multi", "--port", `${listener.addr.port}`],
          ...["--conns", "100", ...args],
        ], { openFileLimit: 64 })
      ),
    );
    for (const result of results) {
      equal(result.code, 1, result.stderr);
      equal(result.stdout, "");
      equal(
        result.stderr,
        "error: cannot open 100 connections: this process may have at most 64 open files (ulimit -n), fewer than that; ask for fewer or raise the limit\n",
      );
    }
  } finally {
    listener.close();
  }
});

Deno.test("load: a timed run whose every connection fails says it stopped early, and before what", async () => {
  // Echoes one message on each connection, then ends the stream (FIN).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await listener.accept();
      await writeAll(conn, await readBytes(conn, 64));
      conn.close();
    }
    listener.close();
  })();
  const result = await runCli([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--duration",
    "30",
    // Each connection then waits for its next send when the server quits.
    "--rate",
    "4",
  ]);
  await served;
  equal(result.code, 1);
  // Its rates cover the second or so it ran, not the 30 s of its schedule.
  match(result.stdout, /^Round trips: +\d+ of 64 bytes in [0-4]\.\d\d s$/m);
  // Each slot's new connection then finds no server: refused, or reset
  // when it was still in the backlog as the listener closed.
  match(
    result.stdout,
    /^Errors: {8}(\d+ (refused|reset by server), )*2 closed early by server/m,
  );
  match(
    result.stderr,
    /^warning: the run stopped \d+(\.\d+)? s after its start, not after the 30 s asked: every connection had stopped on an error, so its rates cover only the time it ran\nerror: \d+ errors in the load run: .*\(first: 127\.0\.0\.1:\d+ closed the connection before the run was over, after echoing all 64 bytes sent\)\n$/,
  );
  // The seconds it ran, as its report's time is: a second or so.
  const stopped = Number(/stopped (\S+) s after/.exec(result.stderr)?.[1]);
  ok(stopped > 0.05 && stopped < 5, `stopped after ${stopped} s`);
});

Deno.test("load: Ctrl-C while connections are still being opened ends the run there", async () => {
  // Five connects at 2/s: the interrupt comes after the first, long before the rest.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const firstAccepted = listener.accept().then((conn) => {
    held.push(conn);
  });
  const client = new CliProcess([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--conns",
    "5",
    "--connect-rate",
    "2",
    "--duration",
    "30",
    "--json",
  ]);
  try {
    await firstAccepted;
    const status = await client.stop("SIGINT");
    equal(status.code, 130);
    const report = JSON.parse(client.stdoutLines[0]);
    equal(report.interrupted, true);
    ok(report.connectionsOpened < 5, `${report.connectionsOpened} opened`);
    // Not the 30 s asked for: the run stopped at the interrupt.
    ok(report.durationSeconds < 10, `${report.durationSeconds} s`);
  } finally {
    await client.stop();
    for (const conn of held) conn.close();
    listener.close();
  }
});

Deno.test("load: a server that stops after serving gets no 'start the server first' hint for the refused connects that follow", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    // Closed before the echo: the client's next connection (its
    // --lifetime is one round trip) is refused.
    listener.close();
    await writeAll(conn, await readBytes(conn, 64));
    await readBytes(conn, 1).catch(() => {});
    conn.close();
  })();
  const result = await runCli([
    ...["client", "multi", "--port", `${listener.addr.port}`, "--conns", "1"],
    ...["--rounds", "3", "--lifetime", "1"],
  ]);
  await served;
  equal(result.code, 1);
  match(result.stdout, /^Errors: {8}1 refused$/m);
  match(
    result.stderr,
    /^error: 1 error in the load run: 1 refused \(first: connection to 127\.0\.0\.1:\d+ refused: no server is listening there\)\n$/,
  );
});
