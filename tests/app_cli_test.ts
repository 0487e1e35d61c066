/**
 * The app server and client end to end through the CLI: search, tables from
 * files and standard input, usage and runtime errors, limits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { requestApp } from "../client/app.ts";
import { DEFAULT_SEARCH_TABLE } from "../server/app.ts";
import {
  type CliResult,
  makeFifo,
  netdemoCommand,
  runCli,
  spawnServer,
} from "./_helpers.ts";
import { runMain } from "./_main.ts";
import { closedPort, connectLocal, readToEnd, writeAll } from "./_net.ts";
import { RESET_IS_END, resultOf } from "./_app.ts";

const utf8 = new TextEncoder();

/** Runs `netdemo client app --port PORT ARGS...` to completion. */
function runAppClient(port: number, args: string[]): Promise<CliResult> {
  return runCli(["client", "app", "--port", String(port), ...args]);
}

Deno.test("netdemo client app: search against a spawned server prints the result", async () => {
  const { process, port } = await spawnServer(["server", "app", "--port", "0"]);
  try {
    const found = await runAppClient(port, ["search", "🐢"]);
    assert.equal(found.code, 0, found.stderr);
    assert.ok(
      found.stdout.split("\n").includes(
        `Got result: ${DEFAULT_SEARCH_TABLE.get("🐢")}`,
      ),
      found.stdout,
    );
    const binary = await runAppClient(port, ["shout", "hello world"]);
    assert.equal(binary.code, 0, binary.stderr);
    assert.ok(
      binary.stdout.split("\n").includes(
        "Got response: First 10 bytes of request: shouthello",
      ),
      binary.stdout,
    );
    await process.waitForLine(
      /^Request from .*: "binary\/custom-client-binary-type", 16 bytes "shouthello world"$/,
    );
  } finally {
    const status = await process.stop();
    assert.equal(status.code, 0);
    assert.match(
      process.stdoutLines.at(-1) ?? "",
      /^Served 2 connections, sent \d+ bytes/,
    );
  }
});

Deno.test("netdemo server app: the search table can come from standard input", async () => {
  const { program, prefix } = netdemoCommand();
  const child = new Deno.Command(program, {
    args: [...prefix, "server", "app", "--port", "0", "--table", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(utf8.encode('{"ключ": "значение ✓", "🐶": "🐾"}'));
  await writer.close();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    while (!seen.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      seen += value;
    }
    const listening = /^Listening on 127\.0\.0\.1:(\d+)\n/.exec(seen);
    assert.ok(listening, seen);
    const port = Number(listening[1]);
    const response = await requestApp("search", "ключ", { port });
    assert.equal(resultOf(response), "значение ✓");
  } finally {
    child.kill("SIGINT");
    await lines.cancel();
    await child.stderr.cancel();
    await child.status;
  }
});

Deno.test("netdemo server app: a bad table is one clear line and exit 1, as any file that cannot be used", async () => {
  const notJson = await runCli(
    ["server", "app", "--port", "0", "--table", "-"],
    {
      stdin: "{nope",
    },
  );
  assert.equal(notJson.code, 1);
  assert.equal(
    notJson.stderr,
    "error: the table read from standard input is not valid JSON\n",
  );
  assert.equal(notJson.stdout, "");
  const notStrings = await runCli([
    "server",
    "app",
    "--port",
    "0",
    "--table",
    "-",
  ], {
    stdin: '{"a": 1}',
  });
  assert.equal(notStrings.code, 1);
  assert.match(
    notStrings.stderr,
    /^error: the table read from standard input: the value of "a" is not a string/,
  );
  // A long key is quoted to its first 40 characters, a quote escaped.
  const key = `q"${"k".repeat(43)}`;
  const longKey = await runCli(
    ["server", "app", "--port", "0", "--table", "-"],
    { stdin: JSON.stringify({ [key]: 1 }) },
  );
  assert.equal(longKey.code, 1);
  assert.equal(
    longKey.stderr,
    `error: the table read from standard input: the value of "q\\"${
      "k".repeat(38)
    }..." is not a string\n`,
  );
});

Deno.test("netdemo server app: --table FILE works in the binary; each file error says what happened", async (t) => {
  const dir = await Deno.makeTempDir();
  const file = (name: string): string => `${dir}/${name}`;
  try {
    await Deno.writeTextFile(file("one.json"), '{"ключ": "значение"}');
    await Deno.writeTextFile(file("broken.json"), '{"a": ');
    await Deno.writeTextFile(file("list.json"), '["a"]');
    await Deno.writeTextFile(file("numbers.json"), '{"a": 1}');
    await makeFifo(file("fifo.json"));
    await t.step("a readable table loads: Search table: 1 entry", async () => {
      const { process, port } = await spawnServer([
        "server",
        "app",
        "--port",
        "0",
        "--table",
        file("one.json"),
      ]);
      try {
        await process.waitForLine(
          new RegExp(`^Search table: 1 entry \\(from ${file("one.json")}\\)$`),
        );
        const response = await requestApp("search", "ключ", { port });
        assert.equal(resultOf(response), "значение");
      } finally {
        await process.stop();
      }
    });
    const cases: [string, RegExp][] = [
      [
        "missing.json",
        /^error: cannot read the table file ".*missing\.json": no such file\n$/,
      ],
      [".", /^error: cannot read the table file ".*": it is a directory\n$/],
      [
        "broken.json",
        /^error: the table file ".*broken\.json" is not valid JSON\n$/,
      ],
      ["list.json", /must be a JSON object mapping strings to strings\n$/],
      ["numbers.json", /: the value of "a" is not a string\n$/],
      [
        "fifo.json",
        /^error: cannot read the table file ".*fifo\.json": it is not a regular file \(a FIFO, a device or a socket\)\n$/,
      ],
    ];
    for (const [name, expected] of cases) {
      await t.step(`--table ${name}`, async () => {
        const result = await runMain([
          "server",
          "app",
          "--port",
          "0",
          "--table",
          name === "." ? dir : file(name),
        ]);
        // A file that cannot be used is a runtime failure, as for
        // --payload-file, --tls-cert and report merge.
        assert.equal(result.code, 1, result.stderr);
        assert.equal(result.stdout, "");
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, expected);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netdemo app: usage errors exit 2 with one line", async () => {
  const cases = [
    ["client", "app", "search"],
    ["client", "app", "search", "a", "b"],
    ["client", "app", "", "x"],
    ["client", "app", "--max-content", "lots", "search", "a"],
    ["server", "app", "--max-content", "-1"],
    ["server", "app", "--request-timeout", "soon"],
    ["server", "app", "--max-conns", "0"],
  ];
  for (const args of cases) {
    const result = await runMain(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(
      result.stderr,
      /^error: .*\(see 'netdemo (client|server) app --help'\)\n$/,
    );
  }
});

Deno.test("netdemo client app: no server listening is exit 1 with one line", async () => {
  const port = closedPort();
  const result = await runAppClient(port, ["search", "x"]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: connection to 127.0.0.1:${port} refused: no server is listening there; start the server first, and give the host and port its "Listening on" line shows\n`,
  );
});

Deno.test("netdemo server app: --request-timeout cuts off a trickling client with a log line", async () => {
  const { process, port } = await spawnServer([
    "server",
    "app",
    "--port",
    "0",
    "--request-timeout",
    "0.3",
  ]);
  const conn = await connectLocal(port);
  try {
    await writeAll(conn, new Uint8Array([0]));
    // The server cuts the connection off: EOF (or a reset) ends this read.
    assert.equal((await readToEnd(conn, RESET_IS_END)).length, 0);
    await process.waitForLine(
      /^Cut off 127\.0\.0\.1:\d+: no complete request within 0\.3 s \(--request-timeout\), 1 byte received$/,
    );
  } finally {
    conn.close();
    await process.stop();
  }
});

Deno.test("netdemo server app: --max-content refuses a larger request, and the client says so", async () => {
  const { process, port } = await spawnServer([
    "server",
    "app",
    "--port",
    "0",
    "--max-content",
    "10",
  ]);
  try {
    const result = await runAppClient(port, ["search", "port"]);
    assert.equal(result.code, 1);
    // Closed at once, or reset if request bytes were still unread then.
    assert.match(
      result.stderr,
      new RegExp(
        `^error: 127\\.0\\.0\\.1:${port} (closed the connection without responding|reset the connection[^\n]*)\n$`,
      ),
    );
    await process.waitForLine(
      /^Rejected request from .*: the content-length 37 is above the limit of 10 bytes$/,
    );
  } finally {
    await process.stop();
  }
});

Deno.test("netdemo client app: a response over its own --max-content names that option, not the server", async () => {
  const { process, port } = await spawnServer(["server", "app", "--port", "0"]);
  try {
    const result = await runAppClient(port, [
      ...["search", "café", "--max-content", "10"],
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^error: 127\\.0\\.0\\.1:${port} sent a response larger than this client takes: the content-length \\d+ is above the limit of 10 bytes \\(--max-content\\); raise --max-content to take it\n$`,
      ),
    );
  } finally {
    await process.stop();
  }
});
