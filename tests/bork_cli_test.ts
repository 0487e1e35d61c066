import { deepEqual, equal, match } from "node:assert/strict";
import {
  assertOneLineFailure,
  CliProcess,
  runCli,
  runWithGrants,
  spawnServer,
} from "./_helpers.ts";
import { closedPort } from "./_net.ts";
import { limitOpenFiles } from "./_python.ts";

Deno.test("e2e: server bork and client hello, as the lesson shows", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  const hello = await runCli(["client", "hello", "--port", String(port)]);
  const status = await process.finished();
  equal(hello.code, 0, hello.stderr);
  const [connected, sent, received] = hello.stdout.trimEnd().split("\n");
  match(
    connected,
    new RegExp(
      `^Connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:\\d+$`,
    ),
  );
  equal(sent, 'Sent "Hello, World!"');
  equal(received, "Received: Hello, World! bork bork bork");
  const local = connected.split(" from ")[1];
  equal(status.code, 0);
  equal(process.stdoutLines[0], `Listening on 127.0.0.1:${port}`);
  equal(process.stdoutLines[1], `Connected by ${local}`);
  equal(process.stdoutLines[2], 'Received "Hello, World!"');
  equal(process.stdoutLines[3], 'Replied "Hello, World! bork bork bork"');
  equal(process.stdoutLines[4], `Connection closed by ${local}`);
});

Deno.test("e2e: client count against server bork prints every reply", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  const count = await runCli([
    "client",
    "count",
    "7",
    "--times",
    "3",
    "--interval",
    "0.01",
    "--port",
    String(port),
  ]);
  equal((await process.finished()).code, 0);
  equal(count.code, 0, count.stderr);
  equal(
    count.stdout.split("\n").filter((line) => line.startsWith("Received")).join(
      "|",
    ),
    "Received: 7 bork bork bork|Received: 8 bork bork bork|Received: 9 bork bork bork",
  );
});

Deno.test("e2e: the single-connection limit: the second count client is reset, exit 1", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  const first = new CliProcess([
    "client",
    "count",
    "1",
    "--times",
    "2",
    "--interval",
    "30",
    "--port",
    String(port),
  ]);
  await first.waitForLine(/^Received: 1 bork bork bork$/);
  const second = new CliProcess([
    "client",
    "count",
    "5",
    "--port",
    String(port),
  ]);
  // Its number is sent (into the backlog) before the server goes: a reset
  // that came first would fail the send instead of the wait for a reply.
  await second.waitForLine(/^Sent 5$/);
  // Ctrl-C on the first client closes its connection: the server exits.
  equal((await first.stop("SIGINT")).code, 130);
  equal((await process.finished()).code, 0);
  const status = await second.finished();
  equal(status.code, 1);
  equal(second.stdoutLines.some((line) => line.startsWith("Received")), false);
  equal(
    second.stderrLines.join("\n"),
    `error: 127.0.0.1:${port} reset the connection before replying`,
  );
  equal(
    process.stdoutLines.filter((line) => line.startsWith("Connected by"))
      .length,
    1,
  );
});

Deno.test("e2e: --keep-open serves clients one after another until Ctrl-C", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
    "--keep-open",
  ]);
  for (const message of ["first", "second"]) {
    const hello = await runCli([
      "client",
      "hello",
      "--port",
      String(port),
      "--message",
      message,
    ]);
    equal(hello.code, 0);
    match(hello.stdout, new RegExp(`Received: ${message} bork bork bork`));
  }
  const status = await process.stop("SIGINT");
  equal(status.code, 0);
  equal(process.stderrLines.join("\n"), "interrupted, exiting");
  match(
    process.stdoutLines.at(-1) ?? "",
    /^Served 2 connections, sent \d+ bytes, up/,
  );
});

Deno.test("e2e: a refused connection is one line, exit 1", async () => {
  const port = closedPort();
  const result = await runCli(["client", "hello", "--port", String(port)]);
  assertOneLineFailure(
    result,
    new RegExp(`connection to 127\\.0\\.0\\.1:${port} refused`),
  );
});

Deno.test("e2e: a port already in use is one line, exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await runCli([
    "server",
    "bork",
    "--port",
    String(listener.addr.port),
  ]);
  assertOneLineFailure(
    result,
    new RegExp(
      `^error: 127\\.0\\.0\\.1:${listener.addr.port} is already in use: another program is listening there; give another --port, or --port 0 for a free one$`,
    ),
  );
});

Deno.test({
  name:
    "e2e: under deno run without a grant, a client or server names the one Deno says it lacks",
  // The compiled binary carries its grants; only deno run can lack one.
  ignore: Deno.env.get("NETDEMO_BIN") !== undefined,
  async fn(): Promise<void> {
    const ungranted = (
      args: string[],
      grants: string[] = [],
    ): Promise<Deno.CommandOutput> => runWithGrants(args, grants);
    const tcp = await ungranted(["client", "hello", "-p", `${closedPort()}`]);
    equal(tcp.code, 1);
    match(
      new TextDecoder().decode(tcp.stderr),
      /^error: Deno's permissions do not allow 127\.0\.0\.1:\d+: run it with --allow-net\n$/,
    );
    // A Unix socket needs read, write and net, which Deno asks for one at a
    // time: the one named is the one Deno's message says is missing, and
    // the line names all three.
    const unix = ["client", "hello", "--unix", "/tmp/x.sock"];
    const server = ["server", "echo", "--unix", "/tmp/x.sock"];
    for (
      const [args, grants, lacking] of [
        [unix, [], "--allow-read"],
        [unix, ["--allow-read"], "--allow-write"],
        [unix, ["--allow-read", "--allow-write"], "--allow-net"],
        [server, ["--allow-read", "--allow-write"], "--allow-net"],
      ] as const
    ) {
      const output = await ungranted([...args], [...grants]);
      equal(output.code, 1);
      equal(
        new TextDecoder().decode(output.stderr),
        `error: Deno's permissions do not allow unix:/tmp/x.sock: run it with ${lacking} (a Unix socket needs --allow-read, --allow-write and --allow-net)\n`,
        `${args.join(" ")} with ${grants.join(" ")}`,
      );
    }
  },
});

Deno.test("e2e: an unknown host is one line, exit 1", async () => {
  const result = await runCli([
    "client",
    "hello",
    "--host",
    "no-such-host.invalid",
  ]);
  assertOneLineFailure(result, /host "no-such-host\.invalid" was not found/);
});

Deno.test("e2e: --timeout expires on a silent server: one line, exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const result = await runCli([
    "client",
    "hello",
    "--port",
    String(listener.addr.port),
    "--timeout",
    "0.2",
  ]);
  (await accepted).close();
  assertOneLineFailure(
    result,
    /127\.0\.0\.1:\d+ made no progress for 0\.2 s \(--timeout\) before replying/,
  );
});

Deno.test("e2e: the server resetting mid-reply is one line, exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serve = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(64);
    await conn.read(buffer);
    // Closing with unread input pending makes the kernel send a reset.
    await conn.write(new TextEncoder().encode("5 bork"));
    conn.close();
  })();
  const result = await runCli([
    "client",
    "count",
    "5",
    "--port",
    String(listener.addr.port),
    "--times",
    "1",
  ]);
  await serve;
  assertOneLineFailure(
    result,
    /closed the connection before the reply was complete|reset the connection/,
  );
});

Deno.test("e2e: binding every interface prints a warning on stderr", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--host",
    "0.0.0.0",
    "--port",
    "0",
  ]);
  const warning = await process.waitForLine(/^warning: /);
  match(
    warning,
    new RegExp(`listening on every interface \\(0\\.0\\.0\\.0:${port}\\)`),
  );
  equal((await process.stop("SIGTERM")).code, 0);
});

Deno.test("e2e: every spelling of the unspecified IPv6 address gets the warning; ::1 does not", async () => {
  // The last wildcard is IPv4's, mapped: every IPv4 interface.
  const hosts = ["::0", "0:0:0:0:0:0:0:0", "[0::0]", "::ffff:0.0.0.0", "::1"];
  const servers = await Promise.all(
    hosts.map((host) =>
      spawnServer(["server", "echo", "--host", host, "--port", "0"])
    ),
  );
  const warnings = await Promise.all(servers.map(async ({ process }) => {
    equal((await process.stop("SIGTERM")).code, 0);
    return process.stderrLines.filter((line) => line.startsWith("warning: "));
  }));
  servers.slice(0, 4).forEach(({ port }, index) => {
    const address = index === 3 ? `0.0.0.0:${port}` : `[::]:${port}`;
    deepEqual(warnings[index], [
      `warning: listening on every interface (${address}): other machines can connect`,
    ], hosts[index]);
  });
  deepEqual(warnings[4], [], "::1");
});

Deno.test("e2e: a server that closes without replying is one line, exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serve = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(64);
    while (await conn.read(buffer) !== null) {
      // Take the whole message, then hang up without a reply.
    }
    conn.close();
  })();
  const result = await runCli([
    "client",
    "hello",
    "--port",
    String(listener.addr.port),
  ]);
  await serve;
  assertOneLineFailure(result, /closed the connection before replying/);
});

Deno.test("e2e: --keep-open out of file descriptors says so once, retries without a line per failure, and serves the waiting client once it can", async () => {
  const { process, port } = await spawnServer([
    ...["server", "bork", "--port", "0", "--keep-open"],
  ]);
  const pid = process.child.pid;
  let code: number;
  try {
    // Not one descriptor left for the next accept.
    await limitOpenFiles(pid, 0);
    const ranOut = process.waitForLine(/too many open files/i);
    const hello = runCli([
      ...["client", "hello", "--port", String(port), "--message", "waiting"],
    ]);
    // Served at once would mean the limit never bit: fail, not wait.
    await Promise.race([
      ranOut,
      hello.then((result) => {
        throw new Error(`served before running out: ${result.stdout}`);
      }),
    ]);
    await limitOpenFiles(pid, 64);
    const served = await hello;
    equal(served.code, 0, served.stderr);
    match(served.stdout, /Received: waiting bork bork bork/);
  } finally {
    code = (await process.stop("SIGINT")).code;
  }
  equal(code, 0);
  const { stderrLines, stdoutLines } = process;
  deepEqual(
    stderrLines.filter((line) => /open files|accept/i.test(line)),
    [
      "error: too many open files (0 connections open): not accepting until some close; raise the limit with 'ulimit -n'",
    ],
  );
  deepEqual(
    stdoutLines.filter((line) => /accept|not shown/i.test(line)),
    ["Accepting connections again (0 open)"],
  );
});
