/**
 * Every mode that prints peer text escapes it in the one style of
 * `output/escape.ts`: no escape sequence or bell a peer sends reaches the
 * terminal.
 */

import { equal, ok } from "node:assert/strict";
import { netdemoCommand, runCli, spawnServer } from "./_helpers.ts";
import { answerOnce, readToEnd, writeAll } from "./_net.ts";
import { appRequest, encodeAppMessage } from "../protocol/app_codec.ts";

const HOSTILE = "A\x1b[2J\x07B";
const SHOWN = "A\\x1b[2J\\x07B";

/** Asserts that no control character other than newline reached the output. */
function assertNoControls(text: string, what: string): void {
  // Any C0 control but newline, or DEL.
  const found = [...text].find((c) => c !== "\n" && (c < " " || c === "\x7f"));
  ok(
    found === undefined,
    `${what} holds a raw control character: ${JSON.stringify(text)}`,
  );
}

Deno.test("escape: client hello and server echo print a peer's ESC and BEL as \\x1b and \\x07", async () => {
  const { process, port } = await spawnServer(["server", "echo", "-p", "0"]);
  try {
    const result = await runCli([
      "client",
      "hello",
      "-p",
      String(port),
      "--message",
      HOSTILE,
    ]);
    equal(result.code, 0, result.stderr);
    assertNoControls(result.stdout + result.stderr, "client hello's output");
    ok(result.stdout.includes(`Sent "${SHOWN}"\n`), result.stdout);
    ok(result.stdout.includes(`Received: ${SHOWN}\n`), result.stdout);
    await process.waitForLine(/^Closing connection/);
    ok(
      process.stdoutLines.some((line) =>
        line.startsWith(`Echoed "${SHOWN}" to`)
      ),
      process.stdoutLines.join("\n"),
    );
  } finally {
    await process.stop();
  }
  assertNoControls(process.stdoutLines.join("\n"), "server echo's output");
});

Deno.test("escape: server bork and client hello escape the echoed text", async () => {
  const { process, port } = await spawnServer(["server", "bork", "-p", "0"]);
  const result = await runCli([
    "client",
    "hello",
    "-p",
    String(port),
    "--message",
    HOSTILE,
  ]);
  await process.finished();
  equal(result.code, 0, result.stderr);
  ok(
    result.stdout.includes(`Received: ${SHOWN} bork bork bork\n`),
    result.stdout,
  );
  const server = process.stdoutLines.join("\n");
  ok(server.includes(`Received "${SHOWN}"`), server);
  ok(server.includes(`Replied "${SHOWN} bork bork bork"`), server);
  assertNoControls(server, "server bork's output");
});

Deno.test("escape: client count escapes a reply's control characters", async () => {
  // A server that answers like bork, but with ESC in place of the number.
  const server = answerOnce("\x1b bork bork bork");
  const result = await runCli([
    "client",
    "count",
    "5",
    "--times",
    "1",
    "-p",
    `${server.port}`,
  ]);
  await server.done;
  equal(result.code, 0, result.stderr);
  ok(result.stdout.includes("Received: \\x1b bork bork bork\n"), result.stdout);
  assertNoControls(result.stdout + result.stderr, "client count's output");
});

Deno.test("escape: client multi escapes what it sends and receives", async () => {
  const { process, port } = await spawnServer([
    "server",
    "echo",
    "-p",
    "0",
    "-q",
  ]);
  try {
    const result = await runCli([
      "client",
      "multi",
      "-c",
      "1",
      "-p",
      String(port),
      "--message",
      HOSTILE,
    ]);
    equal(result.code, 0, result.stderr);
    ok(
      result.stdout.includes(`Sending "${SHOWN}" to connection 1`),
      result.stdout,
    );
    ok(
      result.stdout.includes(`Received "${SHOWN}" from connection 1`),
      result.stdout,
    );
    assertNoControls(result.stdout + result.stderr, "client multi's output");
  } finally {
    await process.stop();
  }
});

Deno.test("escape: server app and client app escape request values and results", async () => {
  const table = JSON.stringify({ [HOSTILE]: `v${HOSTILE}` });
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(path, table);
  const { process, port } = await spawnServer([
    "server",
    "app",
    "-p",
    "0",
    "--table",
    path,
  ]);
  try {
    const result = await runCli([
      "client",
      "app",
      "search",
      HOSTILE,
      "-p",
      String(port),
    ]);
    equal(result.code, 0, result.stderr);
    ok(result.stdout.includes(`Got result: v${SHOWN}\n`), result.stdout);
    assertNoControls(result.stdout + result.stderr, "client app's output");
    await process.waitForLine(/^Sent text\/json response/);
    ok(
      process.stdoutLines.some((line) =>
        line.endsWith(`action "search", value "${SHOWN}"`)
      ),
      process.stdoutLines.join("\n"),
    );
  } finally {
    await process.stop();
    await Deno.remove(path);
  }
  assertNoControls(process.stdoutLines.join("\n"), "server app's output");
});

Deno.test("escape: a user's control characters in options, file names and positionals come back escaped", async () => {
  const cases = [
    [`\x1b[31mx`],
    ["server", "echo", "--port", "\x1b[31m1"],
    ["server", "echo", "--\x1b[31mx"],
    ["client", "multi", "--rounds", "1", "--payload-file", "a\x1b[31m\n"],
    ["report", "merge", "\x1b]8;;x\x07.json"],
  ];
  for (const args of cases) {
    const result = await runCli(args);
    ok(result.code === 1 || result.code === 2, `${args}: ${result.code}`);
    assertNoControls(
      result.stdout + result.stderr,
      `netdemo ${args.join(" ")}`,
    );
    equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    ok(result.stderr.includes("\\x1b"), result.stderr);
  }
});

Deno.test("escape: server app shows a binary request's content type escaped, on its one line", async () => {
  const { process, port } = await spawnServer(["server", "app", "-p", "0"]);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(encodeAppMessage({
        contentType: `binary/x${HOSTILE}\r\nConnection from 10.0.0.1:1 closed`,
        contentEncoding: "binary",
        content: new TextEncoder().encode("hi"),
      }));
      // The response, then the server's close: the request was logged.
      while (await conn.read(new Uint8Array(4096)) !== null) {
        // Drained to EOF.
      }
    } finally {
      conn.close();
    }
    await process.waitForLine(/^Sent binary\//);
  } finally {
    await process.stop();
  }
  const request = process.stdoutLines.find((line) =>
    line.startsWith("Request from ")
  );
  ok(
    request?.endsWith(
      `: "binary/x${SHOWN}\\r\\nConnection from 10.0.0.1:1 closed", 2 bytes "hi"`,
    ),
    process.stdoutLines.join("\n"),
  );
  ok(
    !process.stdoutLines.some((line) => line.startsWith("Connection from 10.")),
    process.stdoutLines.join("\n"),
  );
  assertNoControls(process.stdoutLines.join("\n"), "server app's output");
});

Deno.test("escape: server app's log never cuts an emoji (of one code point or several) at its excerpt's end, and shows a lone surrogate as \\udXXX", async () => {
  const { process, port } = await spawnServer(["server", "app", "-p", "0"]);
  try {
    // The 60-character excerpt would end between the emoji's two halves.
    const long = `${"a".repeat(59)}\u{1F600}b`;
    const result = await runCli(
      ["client", "app", "search", long, "-p", `${port}`],
    );
    equal(result.code, 0, result.stderr);
    await process.waitForLine(/^Sent text\/json response/);
    // A lone half, as JSON's \ud83d carries it from another client.
    using conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, encodeAppMessage(appRequest("search", "x\ud83dy")));
    await readToEnd(conn);
    await process.waitForLines(/^Sent text\/json response/, 2);
    const requests = process.stdoutLines.filter((line) =>
      line.startsWith("Request from ")
    );
    ok(
      requests[0].endsWith(`action "search", value "${"a".repeat(59)}..."`),
      requests[0],
    );
    ok(requests[1].endsWith(`value "x\\ud83dy"`), requests[1]);
    ok(!process.stdoutLines.join("\n").includes("\ufffd"));
    // Nor inside an emoji of several code points: a flag, a family joined
    // by zero-width joiners, a skin tone.
    const clusters: [string, number][] = [
      ["\u{1F1EB}\u{1F1F7}", 58],
      ["\u{1F468}\u200d\u{1F469}\u200d\u{1F467}", 56],
      ["\u{1F44D}\u{1F3FD}", 58],
    ];
    for (const [emoji, before] of clusters) {
      const value = `${"a".repeat(before)}${emoji}b`;
      const sent = await runCli([
        "client",
        "app",
        "search",
        value,
        "-p",
        `${port}`,
      ]);
      equal(sent.code, 0, sent.stderr);
    }
    await process.waitForLines(/^Sent text\/json response/, 5);
    const cut = process.stdoutLines.filter((line) =>
      line.startsWith("Request from ")
    ).slice(2);
    clusters.forEach(([emoji, before], i) => {
      ok(
        cut[i].endsWith(`value "${"a".repeat(before)}..."`),
        `${JSON.stringify(emoji)}: ${cut[i]}`,
      );
    });
  } finally {
    await process.stop();
  }
});

Deno.test("escape: an argument whose bytes are not UTF-8 gets a warning, as Deno has replaced them", async () => {
  const { program, prefix } = netdemoCommand();
  // Deno.Command takes strings: a shell puts the Latin-1 é (0xe9) in,
  // where `$@` ends.
  async function helloWith(words: string): Promise<Deno.CommandOutput> {
    return await new Deno.Command("sh", {
      args: [
        "-c",
        `exec "$@" ${words}`,
        "sh",
        ...[program, ...prefix, "client", "hello"],
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  }
  const output = await helloWith(`-p 1 --message "$(printf 'caf\\351')"`);
  equal(output.code, 1);
  const lines = new TextDecoder().decode(output.stderr).split("\n");
  equal(
    lines[0],
    'warning: the argument "caf\uFFFD" holds U+FFFD (\uFFFD), what Deno makes of bytes that are not UTF-8: if it was typed in another encoding, netdemo uses other bytes than were typed',
  );
  ok(lines[1].startsWith("error: connection to 127.0.0.1:1 refused"), lines[1]);
  // The same for the first word after the mode, as --message=VALUE.
  const joined = new TextDecoder().decode(
    (await helloWith(`--message="$(printf 'caf\\351')" -p 1`)).stderr,
  );
  ok(
    joined.startsWith(
      'warning: the argument "--message=caf\uFFFD" holds U+FFFD',
    ),
    joined,
  );
});
