/**
 * Unix domain sockets on every server and client: every lesson, the CLI's
 * `--unix`, a stale socket file replaced, a live one refused, the file gone
 * after SIGTERM, and interop with a Python AF_UNIX peer.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import {
  assertOneLineFailure,
  CliProcess,
  netdemoCommand,
  runCli,
  spawnServer,
} from "./_helpers.ts";
import { everyLesson } from "./_lessons.ts";
import { runPythonSnippet, startPython } from "./_python.ts";

/** A fresh directory for socket files, removed by `remove()`. */
async function socketDir(): Promise<{ path: string; remove(): void }> {
  const path = await Deno.makeTempDir({ prefix: "netdemo-unix-" });
  return { path, remove: () => Deno.removeSync(path, { recursive: true }) };
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("unix: every lesson's client against every server", async () => {
  const dir = await socketDir();
  try {
    const endpoint = { transport: "unix" as const, path: `${dir.path}/s` };
    const lines = await everyLesson(endpoint, () => endpoint);
    equal(lines.echo[0], `Listening on unix:${dir.path}/s`);
    equal(lines.echo[1], "Accepted connection from unix client 1");
    ok(lines.bork.includes("Connection closed by unix client 1"));
    ok(!exists(endpoint.path), "the server removed its socket file");
  } finally {
    dir.remove();
  }
});

Deno.test("unix: --unix on the command line; SIGTERM removes the socket file", async () => {
  const dir = await socketDir();
  const path = `${dir.path}/echo.sock`;
  try {
    const { process } = await spawnServer(["server", "echo", "--unix", path]);
    equal(process.stdoutLines[0], `Listening on unix:${path}`);
    ok(Deno.lstatSync(path).isSocket);
    const [hello, multi] = await Promise.all([
      runCli(["client", "hello", "--unix", path, "--message", "hi"]),
      runCli(["client", "multi", "--unix", path, "--conns", "2"]),
    ]);
    equal(hello.code, 0, hello.stderr);
    equal(
      hello.stdout,
      `Connected to unix:${path} from unix:(unnamed)\nSent "hi"\nReceived: hi\n`,
    );
    equal(multi.code, 0, multi.stderr);
    match(
      multi.stdout,
      new RegExp(`^Starting connection 1 to unix:${path}$`, "m"),
    );
    equal((await process.stop("SIGTERM")).code, 0);
    ok(!exists(path), "socket file left behind after SIGTERM");
  } finally {
    dir.remove();
  }
});

Deno.test("unix: the bork and app lessons from the command line", async () => {
  const dir = await socketDir();
  try {
    const bork = await spawnServer([
      "server",
      "bork",
      "--unix",
      `${dir.path}/b`,
    ]);
    const app = await spawnServer(["server", "app", "--unix", `${dir.path}/a`]);
    const [count, search] = await Promise.all([
      runCli([
        ...["client", "count", "1", "--times", "2", "--interval", "0"],
        ...["--unix", `${dir.path}/b`],
      ]),
      runCli(["client", "app", "search", "port", "--unix", `${dir.path}/a`]),
    ]);
    equal(count.code, 0, count.stderr);
    match(
      count.stdout,
      /Received: 1 bork bork bork\nSent 2\nReceived: 2 bork bork bork/,
    );
    equal(search.code, 0, search.stderr);
    match(search.stdout, /Got result: A 16-bit number/);
    equal((await bork.process.finished()).code, 0);
    match(
      bork.process.stdoutLines.join("\n"),
      /Connection closed by unix client 1/,
    );
    equal((await app.process.stop("SIGTERM")).code, 0);
  } finally {
    dir.remove();
  }
});

Deno.test("unix: a stale socket file is replaced; a live one is 'already in use'; a plain file is left alone", async () => {
  const dir = await socketDir();
  const stale = `${dir.path}/stale.sock`;
  const live = `${dir.path}/live.sock`;
  const plain = `${dir.path}/plain`;
  await staleSocketFile(stale);
  Deno.writeTextFileSync(plain, "keep me\n");
  const server = serveEcho({ endpoint: { transport: "unix", path: live } });
  try {
    const [replaced, inUse, notSocket] = await Promise.all([
      spawnServer(["server", "echo", "--unix", stale]),
      runCli(["server", "echo", "--unix", live]),
      runCli(["server", "echo", "--unix", plain]),
    ]);
    equal(replaced.process.stdoutLines[0], `Listening on unix:${stale}`);
    equal(
      replaced.process.stderrLines[0],
      `Removing stale socket file ${stale} (nothing listens on it)`,
    );
    const hello = await runCli(["client", "hello", "--unix", stale]);
    equal(hello.code, 0, hello.stderr);
    equal((await replaced.process.stop("SIGTERM")).code, 0);
    assertOneLineFailure(
      inUse,
      new RegExp(
        `^error: unix:${live} is already in use: another program is listening there; give another path, or stop the server that holds it$`,
      ),
    );
    assertOneLineFailure(
      notSocket,
      /the file exists and is not a socket \(not removing it\)$/,
    );
    equal(Deno.readTextFileSync(plain), "keep me\n");
    ok(Deno.lstatSync(live).isSocket, "the live server's file was kept");
  } finally {
    await server.close();
    dir.remove();
  }
});

Deno.test("unix: a second server on a live bork's path is refused without spending bork's one connection", async () => {
  const dir = await socketDir();
  const path = `${dir.path}/bork.sock`;
  const bork = await spawnServer(["server", "bork", "--unix", path]);
  try {
    // However the path is spelled: a miss would remove a live socket.
    for (
      const spelling of [
        path,
        `${dir.path}//bork.sock`,
        `${dir.path}/../${dir.path.split("/").at(-1)}/bork.sock`,
      ]
    ) {
      // A broken check would start a server that runs on: 10 s ends it.
      const second = await runCli(["server", "echo", "--unix", spelling], {
        killAfterMs: 10_000,
      });
      assertOneLineFailure(second, /is already in use: another program/);
    }
    // The bork lesson serves one connection, then exits: a probe connect
    // would have been it. Its one client is still to come.
    const hello = await runCli(["client", "hello", "--unix", path]);
    equal(hello.code, 0, hello.stderr);
    equal((await bork.process.finished()).code, 0);
    equal(
      bork.process.stdoutLines.filter((line) => line.startsWith("Connected by"))
        .length,
      1,
    );
  } finally {
    await bork.process.stop();
    dir.remove();
  }
});

Deno.test("unix: a stopping server removes its own socket file, not one that has taken its path", async () => {
  const dir = await socketDir();
  const path = `${dir.path}/taken.sock`;
  try {
    const server = await spawnServer(["server", "echo", "--unix", path]);
    // Someone removes the socket file and puts a file of their own there;
    // Deno would remove whatever is at the path when the listener closes.
    Deno.removeSync(path);
    Deno.writeTextFileSync(path, "not the server's\n");
    equal((await server.process.stop("SIGTERM")).code, 0);
    equal(Deno.readTextFileSync(path), "not the server's\n");
    equal([...Deno.readDirSync(dir.path)].length, 1, "nothing left aside");
  } finally {
    dir.remove();
  }
});

Deno.test("unix: a server whose socket's directory does not exist says so, not 'refused'", async () => {
  const dir = await socketDir();
  try {
    const result = await runCli([
      "server",
      "echo",
      "--unix",
      `${dir.path}/missing/x.sock`,
    ]);
    assertOneLineFailure(
      result,
      /^error: cannot listen on unix:\S+\/missing\/x\.sock: the directory "\S+\/missing" does not exist$/,
    );
  } finally {
    dir.remove();
  }
});

Deno.test("unix: a client finds no server, and --unix excludes --port and TLS", async () => {
  const dir = await socketDir();
  try {
    const [missing, withPort, withTls] = await Promise.all([
      runCli(["client", "hello", "--unix", `${dir.path}/none`]),
      runCli(["client", "hello", "--unix", `${dir.path}/x`, "--port", "1"]),
      runCli(["client", "multi", "--unix", `${dir.path}/x`, "--tls"]),
    ]);
    assertOneLineFailure(
      missing,
      /^error: connection to unix:\S+ refused: there is no socket file at that path; start the server first, and give --unix the path that its "Listening on unix:PATH" line shows$/,
    );
    // A plain file where the socket should be: most likely a wrong path.
    const plain = `${dir.path}/plain`;
    await Deno.writeTextFile(plain, "not a socket\n");
    assertOneLineFailure(
      await runCli(["client", "hello", "--unix", plain]),
      /^error: connection to unix:\S+ refused: the file there is not a socket; start the server first/,
    );
    const stale = `${dir.path}/stale`;
    await staleSocketFile(stale);
    assertOneLineFailure(
      await runCli(["client", "hello", "--unix", stale]),
      /^error: connection to unix:\S+ refused: no server is listening there; start the server first/,
    );
    equal(withPort.code, 2);
    match(withPort.stderr, /^error: --unix replaces --host and --port/);
    equal(withTls.code, 2);
    match(withTls.stderr, /^error: --tls works over TCP only, not with --unix/);
  } finally {
    dir.remove();
  }
});

Deno.test("unix: interop with a Python AF_UNIX peer, both directions", async () => {
  const dir = await socketDir();
  const pythonPath = `${dir.path}/py.sock`;
  const ourPath = `${dir.path}/ours.sock`;
  const python = startPython("stream_peers.py", [
    "unix-server",
    pythonPath,
    "3",
  ]);
  const ours = new CliProcess(["server", "echo", "--unix", ourPath]);
  try {
    await python.waitFor(/^Listening on /);
    const [hello, multi] = await Promise.all([
      runCli(["client", "hello", "--unix", pythonPath, "--message", "héllo"]),
      runCli(["client", "multi", "--unix", pythonPath, "--conns", "2"]),
    ]);
    equal(hello.code, 0, hello.stderr);
    match(hello.stdout, /Received: héllo\n$/);
    equal(multi.code, 0, multi.stderr);
    equal(await python.finished, 0);

    await ours.waitForLine(/^Listening on /);
    const client = startPython("stream_peers.py", [
      "unix-client",
      ourPath,
      "from python",
    ]);
    equal(await client.finished, 0);
    equal(client.lines.at(-1), "Received: from python");
  } finally {
    await python.kill();
    equal((await ours.stop("SIGTERM")).code, 0);
    dir.remove();
  }
});

Deno.test("unix: a client bound to a path of its own is named by it, escaped, so a newline in it cannot forge a line", async () => {
  const dir = await socketDir();
  const path = `${dir.path}/echo.sock`;
  const forged = "Closing connection to 10.0.0.9:4444";
  const server = new CliProcess(["server", "echo", "--unix", path]);
  try {
    await server.waitForLine(/^Listening on /);
    const client = startPython("stream_peers.py", [
      "unix-client",
      path,
      "hi",
      `${dir.path}/x\n${forged}`,
    ]);
    equal(await client.finished, 0);
    equal(client.lines.at(-1), "Received: hi");
    await server.waitForLine(/^Closing connection to /);
    // The next client has no path: the first the server numbers.
    const unnamed = await runCli(["client", "hello", "--unix", path]);
    equal(unnamed.code, 0, unnamed.stderr);
    await server.waitForLine(/^Closing connection to unix client /);
  } finally {
    await server.stop("SIGTERM");
    dir.remove();
  }
  const lines = server.stdoutLines;
  const name = `unix:${dir.path}/x\\n${forged}`;
  ok(lines.includes(`Accepted connection from ${name}`), lines.join("\n"));
  ok(!lines.includes(forged), lines.join("\n"));
  ok(
    lines.includes("Accepted connection from unix client 1"),
    lines.join("\n"),
  );
});

Deno.test("unix: a client bound to a path that is not UTF-8 costs one line in netdemo's words, not the path in Deno's escapes", async () => {
  const dir = await socketDir();
  const path = `${dir.path}/echo.sock`;
  const server = new CliProcess(["server", "echo", "--unix", path]);
  try {
    await server.waitForLine(/^Listening on /);
    // An abstract address (a leading NUL) holding a byte that is no UTF-8,
    // an escape sequence and a bell.
    await runPythonSnippet(
      "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(b'\\0\\xff\\x1b[2J\\x07'); s.connect(sys.argv[1]); s.close()",
      [path],
    );
    equal(
      await server.waitForLine(/^Could not accept /),
      "Could not accept a connection: the client's socket path is not valid UTF-8, which Deno cannot name; still listening",
    );
    // Still serving.
    const next = await runCli(["client", "hello", "--unix", path]);
    equal(next.code, 0, next.stderr);
  } finally {
    await server.stop("SIGTERM");
    dir.remove();
  }
});

/**
 * Leaves a socket file at `path` as a server that died would: bound,
 * never unlinked, nothing listening behind it.
 */
async function staleSocketFile(path: string): Promise<void> {
  await runPythonSnippet(
    "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()",
    [path],
  );
}

Deno.test("unix: a server whose stdout is full exits 1 and leaves no socket file behind", async () => {
  const dir = await socketDir();
  try {
    const path = `${dir.path}/full.sock`;
    const { program, prefix } = netdemoCommand();
    const output = await new Deno.Command("bash", {
      args: [
        "-c",
        '"$@" >/dev/full',
        "bash",
        ...[program, ...prefix, "server", "echo", "--unix", path],
      ],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    equal(output.code, 1, new TextDecoder().decode(output.stderr));
    ok(!exists(path), "socket file left behind");
  } finally {
    dir.remove();
  }
});

Deno.test("unix: a socket path under /dev is refused in words that say which directory to use, not which grant to add", async () => {
  // Deno allows paths under /dev, /proc and /sys only under --allow-all,
  // which the binary's grants are not; the path need not exist to be refused.
  const path = `/dev/shm/netdemo-test-${Deno.pid}.sock`;
  for (const mode of [["server", "echo"], ["client", "hello"]]) {
    const result = await runCli([...mode, "--unix", path]);
    assertOneLineFailure(
      result,
      new RegExp(
        `^error: cannot use unix:${path}: Deno allows a Unix socket under /dev, /proc or /sys only with --allow-all, which netdemo does not ask for; use a path in another directory, such as /tmp$`,
      ),
    );
  }
});
