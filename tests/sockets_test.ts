import assert from "node:assert/strict";
import { listSockets } from "../sockets/list.ts";
import type { SocketRecord } from "../sockets/proc_net.ts";
import { CliProcess, netdemoCommand, runCli, spawnServer } from "./_helpers.ts";
import { runMain } from "./_main.ts";

function describe(records: SocketRecord[]): string[] {
  return records.map((r) =>
    `${r.protocol} ${r.localAddress}:${r.localPort} ${r.remoteAddress}:${r.remotePort} ${r.state}`
  );
}

function ipv6Available(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The records of a listener on `port` of `protocol`. `--port` also matches a
 * remote port, so an earlier connection from any local port to this port
 * number is listed too. Other test files run beside this one, and their
 * closed connections can hold the same port number in TIME_WAIT: on another
 * family (a port free on ::1 may be in use on 127.0.0.1), or on ours, since
 * port 0 may hand out a port whose only sockets are in TIME_WAIT. A TIME_WAIT
 * row is a closed connection, never a listener, so only the other rows on our
 * local port and family say anything about ours. Every record must still
 * involve the port, or the filter itself would go untested.
 */
function ownRows(
  records: SocketRecord[],
  port: number,
  protocol: string,
): SocketRecord[] {
  const strays = records.filter((r) =>
    r.localPort !== port && r.remotePort !== port
  );
  assert.deepEqual(describe(strays), [], `rows off port ${port}`);
  return records.filter((r) =>
    r.localPort === port && r.protocol === protocol && r.state !== "TIME_WAIT"
  );
}

Deno.test("sockets: a listener on port 0 is listed as LISTEN on its port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  try {
    const records = await listSockets({ port });
    assert.deepEqual(describe(ownRows(records, port, "tcp")), [
      `tcp 127.0.0.1:${port} 0.0.0.0:0 LISTEN`,
    ]);
  } finally {
    listener.close();
  }
  // Closed, the listener is gone from the table.
  assert.deepEqual(ownRows(await listSockets({ port }), port, "tcp"), []);
});

Deno.test({
  name: "sockets: an IPv6 listener on ::1 is listed as tcp6",
  ignore: !ipv6Available(),
  fn: async () => {
    const listener = Deno.listen({ hostname: "::1", port: 0 });
    try {
      const port = listener.addr.port;
      const records = await listSockets({ port });
      assert.deepEqual(describe(ownRows(records, port, "tcp6")), [
        `tcp6 ::1:${port} :::0 LISTEN`,
      ]);
    } finally {
      listener.close();
    }
  },
});

Deno.test("sockets: a connected pair shows both ends ESTABLISHED", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  const server = await listener.accept();
  try {
    const clientPort = (client.localAddr as Deno.NetAddr).port;
    // Another file's connections on ::1 may share the port number.
    const records = (await listSockets({ port, state: "ESTABLISHED" }))
      .filter((r) => r.protocol === "tcp");
    assert.deepEqual(
      describe(records),
      [
        `tcp 127.0.0.1:${port} 127.0.0.1:${clientPort} ESTABLISHED`,
        `tcp 127.0.0.1:${clientPort} 127.0.0.1:${port} ESTABLISHED`,
      ].sort((a, b) => portOf(a) - portOf(b)),
    );
  } finally {
    client.close();
    server.close();
    listener.close();
  }
});

function portOf(line: string): number {
  return Number(line.split(" ")[1].split(":")[1]);
}

Deno.test("sockets: the end that closes first is left in TIME_WAIT", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  const server = await listener.accept();
  const clientPort = (client.localAddr as Deno.NetAddr).port;
  const buffer = new Uint8Array(16);
  try {
    // The client closes first: its FIN goes out, the server reads EOF and
    // closes too, and the client reading EOF proves the server's FIN has
    // arrived, so the client's socket has moved on to TIME_WAIT.
    await client.closeWrite();
    assert.equal(await server.read(buffer), null);
    server.close();
    assert.equal(await client.read(buffer), null);
  } finally {
    client.close();
    listener.close();
  }
  const clientEnd = (await listSockets({ port: clientPort })).filter((r) =>
    r.remotePort === port
  );
  assert.ok(
    clientEnd.length === 0 ||
      (clientEnd.length === 1 && clientEnd[0].state === "TIME_WAIT"),
    `expected TIME_WAIT or nothing, got ${describe(clientEnd).join("; ")}`,
  );
});

Deno.test("sockets CLI: --port and --json show a spawned server's LISTEN socket", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  try {
    const result = await runCli(["sockets", "--port", String(port), "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1, "--json prints one line");
    const records = JSON.parse(lines[0]) as SocketRecord[];
    assert.deepEqual(
      ownRows(records, port, "tcp").map((
        r,
      ) => [r.protocol, r.localAddress, r.localPort, r.state]),
      [["tcp", "127.0.0.1", port, "LISTEN"]],
    );
  } finally {
    assert.equal((await process.stop()).code, 0);
  }
});

Deno.test("sockets CLI: the table has netstat's header and the LISTEN row", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = listener.addr.port;
    const result = await runCli([
      "sockets",
      "--port",
      String(port),
      "--state",
      "Listen",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(
      lines[0],
      /^Proto Recv-Q Send-Q Local Address +Foreign Address +State$/,
    );
    assert.equal(lines.length, 2);
    assert.match(
      lines[1],
      new RegExp(
        `^tcp +0 +0 127\\.0\\.0\\.1:${port} +0\\.0\\.0\\.0:\\* +LISTEN$`,
      ),
    );
    assert.equal(result.stderr, "");
  } finally {
    listener.close();
  }
});

Deno.test("sockets CLI: an LD_LIBRARY_PATH in the environment does not stop the binary's cat", async () => {
  // Deno refuses a path-limited --allow-run a child with LD_LIBRARY_PATH
  // or LD_PRELOAD in its environment; cat is started with none.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = listener.addr.port;
    const result = await runCli(["sockets", "--port", String(port)], {
      env: { LD_LIBRARY_PATH: "/nonexistent" },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`127\\.0\\.0\\.1:${port} .* LISTEN\n`),
    );
  } finally {
    listener.close();
  }
});

Deno.test("sockets CLI: no match prints the header and says so on stderr", async () => {
  // A port that was just released has no socket left on it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const result = await runCli([
    "sockets",
    "--port",
    String(port),
    "--state",
    "LISTEN",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trimEnd().split("\n").length, 1);
  assert.equal(
    result.stderr.trim(),
    `no TCP sockets match --port ${port} --state LISTEN`,
  );
});

Deno.test("sockets CLI: an unknown --state is a usage error naming the valid ones", async () => {
  const result = await runMain(["sockets", "--state", "sleeping"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(
    result.stderr,
    /--state must be one of ESTABLISHED, .*TIME_WAIT, .*LISTEN, .*NEW_SYN_RECV, got "sleeping"/,
  );
});

Deno.test("sockets CLI: a bad --port is a usage error", async () => {
  // 0 too: every listening socket's far end is port 0 ("*").
  for (const bad of ["70000", "-1", "http", "0"]) {
    const result = await runMain(["sockets", "--port", bad]);
    assert.equal(result.code, 2, bad);
    assert.match(
      result.stderr,
      new RegExp(`--port must be an integer from 1 to 65535, got "${bad}"`),
    );
  }
});

Deno.test("sockets CLI: --watch redraws with a separator and Ctrl-C exits 0", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(listener.addr.port);
  const watcher = new CliProcess(["sockets", "--watch", "--port", port]);
  try {
    await watcher.waitForLine(/ LISTEN$/);
    // Not a terminal: the second table follows a separator line.
    await watcher.waitForLine(/^--- .* ---$/);
    await waitForCount(watcher, / LISTEN$/, 2);
  } finally {
    const status = await watcher.stop("SIGINT");
    listener.close();
    assert.equal(status.code, 0, watcher.stderrLines.join("\n"));
  }
  assert.equal(
    watcher.stdoutLines.filter((line) => line.startsWith("Proto")).length >= 2,
    true,
  );
  assert.equal(watcher.stdoutLines.some((l) => l.includes("\x1b")), false);
});

Deno.test("sockets CLI: --watch with no match says so on stderr every round", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const watcher = new CliProcess([
    "sockets",
    "--watch",
    "--port",
    String(port),
  ]);
  const none = `no TCP sockets match --port ${port}`;
  try {
    // The second separator starts round 2: rounds 0 and 1 are done.
    await watcher.waitForLines(/^--- .* ---$/, 2);
  } finally {
    assert.equal((await watcher.stop("SIGINT")).code, 0);
  }
  // stdout holds the tables alone: headers and the separator between them.
  assert.deepEqual(
    watcher.stdoutLines.filter((l) => !/^Proto|^--- .* ---$/.test(l)),
    [],
  );
  assert.ok(watcher.stderrLines.filter((l) => l === none).length >= 2);
});

Deno.test("sockets CLI: a terminal's Ctrl-C that reaches the whole process group while cat reads /proc still exits 0", async () => {
  // The helper that reads /proc/net runs in a session of its own: the
  // terminal's SIGINT is the program's alone, and ends it cleanly.
  const { program, prefix } = netdemoCommand();
  const { code, stdout } = await new Deno.Command("python3", {
    args: [
      new URL("./python/group_interrupt.py", import.meta.url).pathname,
      ...["--child", "cat", "--", program, ...prefix, "sockets", "--watch"],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(code, 0);
  const [seen, exit, ...stderr] = new TextDecoder().decode(stdout).split("\n");
  assert.equal(seen, "child seen");
  assert.equal(exit, "0", stderr.join("\n"));
  assert.deepEqual(stderr.filter((line) => line !== ""), [
    "interrupted, exiting",
  ]);
});

Deno.test("sockets CLI: --watch --json prints one JSON array per line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const watcher = new CliProcess([
    "sockets",
    "--watch",
    "--json",
    "--port",
    String(port),
  ]);
  try {
    await waitForCount(watcher, /^\[/, 2);
  } finally {
    assert.equal((await watcher.stop("SIGINT")).code, 0);
    listener.close();
  }
  const arrays = watcher.stdoutLines.map((line) =>
    JSON.parse(line) as SocketRecord[]
  );
  assert.ok(arrays.length >= 2);
  for (const records of arrays) {
    assert.deepEqual(
      ownRows(records, port, "tcp").map((r) => r.state),
      ["LISTEN"],
    );
  }
});

/**
 * A pattern that matches only the `count`-th line it is tested on, so that
 * `waitForLine` (which tests each line once) waits for that many matches.
 */
class NthMatch extends RegExp {
  #left: number;

  constructor(pattern: RegExp, count: number) {
    super(pattern.source, pattern.flags);
    this.#left = count;
  }

  override test(line: string): boolean {
    return super.test(line) && --this.#left === 0;
  }
}

async function waitForCount(
  process: CliProcess,
  pattern: RegExp,
  count: number,
): Promise<void> {
  await process.waitForLine(new NthMatch(pattern, count));
}
