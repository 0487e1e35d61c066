/**
 * Output conventions: exact counting past 2^53, the count client's word
 * after 5 s of silence, colour only where it belongs, singular nouns, the
 * `--watch` screen, the load's progress line, and the demo's lessons.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  BINARY_PERMISSIONS,
  CliProcess,
  netdemoCommand,
  runCli,
  spawnServer,
} from "./_helpers.ts";
import { answerOnce, readBytes } from "./_net.ts";
import { colorAllowed } from "../output/reporter.ts";
import { counted } from "../output/count.ts";
import { watchScreen } from "../sockets/watch.ts";

Deno.test("count: 'client count 9007199254740991 --times 3' counts exactly past 2^53", async () => {
  const { process, port } = await spawnServer(["server", "bork", "-p", "0"]);
  const result = await runCli([
    "client",
    "count",
    "9007199254740991",
    "--times",
    "3",
    "--interval",
    "0",
    "-p",
    String(port),
  ]);
  await process.finished();
  equal(result.code, 0, result.stderr);
  deepEqual(
    result.stdout.split("\n").filter((line) => /^(Sent|Rec)/.test(line)),
    [
      "Sent 9007199254740991",
      "Received: 9007199254740991 bork bork bork",
      "Sent 9007199254740992",
      "Received: 9007199254740992 bork bork bork",
      "Sent 9007199254740993",
      "Received: 9007199254740993 bork bork bork",
    ],
  );
});

Deno.test("count: with no --timeout, 5 s without the reply prints one stderr line (saying what came) and it keeps waiting", async () => {
  // A server that never replies, and one that echoes (part of a reply).
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const echoing = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = [silent.accept(), echoing.accept()];
  const clients = [silent, echoing].map((listener) =>
    new CliProcess(["client", "count", "7", "-p", String(listener.addr.port)])
  );
  const conns = await Promise.all(accepted);
  try {
    await conns[1].write(await readBytes(conns[1], 1));
    const lines = await Promise.all(
      clients.map((client) => client.waitForLine(/^No (complete )?reply /)),
    );
    deepEqual(lines, [
      `No reply from 127.0.0.1:${silent.addr.port} after 5 s; still waiting for "7 bork bork bork" (is it a bork server, and not busy with another client? Ctrl-C stops)`,
      `No complete reply (1 byte so far) from 127.0.0.1:${echoing.addr.port} after 5 s; still waiting for "7 bork bork bork" (is it a bork server, and not busy with another client? Ctrl-C stops)`,
    ]);
    for (const [i, client] of clients.entries()) {
      ok(client.stderrLines.includes(lines[i]), "the notice is on stderr");
      deepEqual(client.stdoutLines.slice(1), ["Sent 7"]);
    }
  } finally {
    // Still running (they keep waiting): Ctrl-C ends each with 130.
    for (const client of clients) {
      equal((await client.stop("SIGINT")).code, 130);
    }
    for (const conn of conns) conn.close();
    silent.close();
    echoing.close();
  }
});

Deno.test("output: singular nouns: 1 byte, 1 entry, 1 connection", async () => {
  equal(counted(1, "byte"), "1 byte");
  equal(counted(0, "byte"), "0 bytes");
  equal(counted(1, "entry", { plural: "entries" }), "1 entry");
  // A server that sends one byte of a reply and closes.
  const server = answerOnce("1");
  const result = await runCli(["client", "count", "1", "-p", `${server.port}`]);
  await server.done;
  equal(result.code, 1);
  match(
    result.stderr,
    /closed the connection before the reply was complete \(1 byte received\)\n$/,
  );
});

Deno.test("output: no colour with NO_COLOR, with TERM=dumb, or off a terminal", async () => {
  equal(colorAllowed({ noColor: true, term: "xterm" }), false);
  equal(colorAllowed({ noColor: false, term: "dumb" }), false);
  equal(colorAllowed({ noColor: false, term: "xterm" }), true);
  // Off a terminal (piped stderr): plain text.
  const piped = await runCli(["client", "hello", "-p", "1"]);
  ok(!piped.stderr.includes("\x1b"), piped.stderr);
  // On a terminal (a pseudo-terminal from script(1)): colour only when
  // neither NO_COLOR nor TERM=dumb says otherwise.
  const { program, prefix } = netdemoCommand();
  const line = [program, ...prefix, "client", "hello", "-p", "1"]
    .map((word) => `'${word}'`).join(" ");
  async function onTerminal(env: Record<string, string>): Promise<string> {
    const output = await new Deno.Command("script", {
      args: ["-qec", line, "/dev/null"],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(output.stdout);
  }
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  const colour = await onTerminal({ PATH: path, TERM: "xterm" });
  ok(colour.includes("\x1b[31merror: "), JSON.stringify(colour));
  const dumb = await onTerminal({ PATH: path, TERM: "dumb" });
  match(dumb, /error: connection to 127\.0\.0\.1:1 refused/);
  ok(!dumb.includes("\x1b"), JSON.stringify(dumb));
  const noColor = await onTerminal({
    PATH: path,
    TERM: "xterm",
    NO_COLOR: "1",
  });
  match(noColor, /error: /);
  ok(!noColor.includes("\x1b"), JSON.stringify(noColor));
});

Deno.test("sockets --watch: more rows than lines keeps the header and 'Every 1 s', and says '... N more'", () => {
  const table = [
    "Proto Recv-Q",
    ...Array.from({ length: 30 }, (_, i) => `tcp ${i}`),
  ];
  const screen = watchScreen(table, { title: "Every 1 s", height: 10 });
  deepEqual(screen, [
    "Every 1 s",
    "",
    "Proto Recv-Q",
    "tcp 0",
    "tcp 1",
    "tcp 2",
    "tcp 3",
    "tcp 4",
    "... 25 more",
  ]);
  equal(screen.length, 9, "one line stays free for the cursor");
  const fits = watchScreen(table.slice(0, 4), {
    title: "Every 1 s",
    height: 10,
  });
  deepEqual(fits, ["Every 1 s", "", "Proto Recv-Q", "tcp 0", "tcp 1", "tcp 2"]);
  // At the edge: 6 rows fit a 10-line terminal whole; a 7th takes a line
  // for "... 2 more", which replaces two rows.
  const whole = watchScreen(table.slice(0, 7), { title: "T", height: 10 });
  deepEqual(whole.slice(3), table.slice(1, 7));
  const over = watchScreen(table.slice(0, 8), { title: "T", height: 10 });
  deepEqual(over.slice(3), [...table.slice(1, 6), "... 2 more"]);
  // On a narrow terminal a long row wraps and takes two lines: 9 lines
  // of 10 columns hold the three fixed ones and three such rows, or two
  // and the count.
  const wide = [
    "Proto",
    ...Array.from({ length: 5 }, (_, i) => `tcp ${i}`.padEnd(15)),
  ];
  deepEqual(
    watchScreen(wide, { title: "T", height: 10, width: 10 }),
    ["T", "", "Proto", wide[1], wide[2], "... 3 more"],
  );
  // Too short for the header and a row: the title and the count alone.
  deepEqual(watchScreen(table, { title: "T", height: 3 }), [
    "T",
    "... 30 more",
  ]);
  deepEqual(watchScreen(table, { title: "T", height: 2 }), ["T"]);
});

Deno.test("demo: the lessons and the sockets view in the README's order, on stdout; lesson 1 shows the reset; lesson 2 ends with the summary, no grace wait", async () => {
  const demo = new URL("../demo/mod.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, demo],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(output.code, 0);
  // One transcript on stdout, the lessons' errors in their places.
  const text = new TextDecoder().decode(output.stdout);
  equal(new TextDecoder().decode(output.stderr), "");
  const headings = text.split("\n").filter((line) => /^== /.test(line))
    .map((line) => line.slice(3).split(/[:,]| \(/)[0]);
  deepEqual(headings, [
    "Lesson 1",
    "Lesson 1",
    "Lesson 2",
    "Lesson 3",
    "Seeing the sockets",
  ]);
  match(text, /count2 \| Sent 100\n/);
  match(
    text,
    /count2 \| error: 127\.0\.0\.1:\d+ reset the connection before replying/,
  );
  ok(!text.includes("Waiting up to"), text);
  const lesson2 = text.slice(
    text.indexOf("== Lesson 2"),
    text.indexOf("== Lesson 3"),
  );
  match(
    lesson2.trimEnd().split("\n").at(-1) ?? "",
    /^server \| Served 2 connections, echoed 88 bytes, up /,
  );
  // Every lesson's server prints its summary, as in the README.
  const lessons = text.split(/^== /m).slice(1);
  equal(lessons.length, 5);
  for (const lesson of lessons) {
    match(lesson, /^server \| Served \d+ connections?, /m, lesson);
  }
  match(
    lessons[3],
    /^server \| Listening on .*\nserver \| Search table: 5 entries \(built-in\)$/m,
  );
});

/**
 * `client multi -p PORT ARGS...` on a terminal (script's), as xterm: its
 * exit code and everything the terminal showed.
 */
async function loadOnTerminal(
  port: number,
  args: string[],
): Promise<{ code: number; text: string }> {
  const { program, prefix } = netdemoCommand();
  const line = [
    ...[program, ...prefix, "client", "multi", "-p", `${port}`, ...args],
  ].map((word) => `'${word}'`).join(" ");
  const output = await new Deno.Command("script", {
    args: ["-qec", line, "/dev/null"],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", TERM: "xterm" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
  }).output();
  return { code: output.code, text: new TextDecoder().decode(output.stdout) };
}

Deno.test("output: on a terminal, --quiet leaves out the load's progress line and keeps the report", async () => {
  const server = await spawnServer(["server", "echo", "--quiet", "-p", "0"]);
  try {
    // Past a second: one tick would draw the line.
    const { code, text } = await loadOnTerminal(server.port, [
      ...["--conns", "1", "--duration", "1.3", "--quiet"],
    ]);
    equal(code, 0);
    ok(!text.includes("\x1b[2K"), JSON.stringify(text));
    ok(!text.includes("elapsed"), JSON.stringify(text));
    match(text, /^Round trips: /m);
  } finally {
    await server.process.stop();
  }
});

Deno.test("output: on a terminal, the load's progress line says it is warming up, then counts from the warm-up's end", async () => {
  const server = await spawnServer(["server", "echo", "--quiet", "-p", "0"]);
  try {
    const { code, text: shown } = await loadOnTerminal(server.port, [
      ...["--conns", "2", "--omit", "1.6", "--duration", "2"],
    ]);
    equal(code, 0);
    // Each progress line is drawn after a carriage return and a clear,
    // with no newline: the next clear follows it.
    const progress = shown
      .split("\r\x1b[2K").slice(1)
      .filter((text) => text !== "" && !text.includes("\n"));
    // A tick a second: the first falls in the 1.6 s warm-up, the ones
    // after it in the counted time, each with a rate of 0 or more.
    match(
      progress[0] ?? "",
      /^warming up, 1(\.\d)? of 1\.6 s: \d+ round trips\/s, 0 errors$/,
    );
    // Over the second since the run began: what two connections to a
    // local echo server can do, not a rate over a sliver of time.
    const first = Number(/: (\d+) round trips/.exec(progress[0])?.[1]);
    ok(first < 1_000_000, progress[0]);
    // The tick at 2 s is 0.4 s into the counted time: its rate is mostly
    // the warm-up's, and it says so.
    match(progress[1] ?? "", /^warm-up over: \d+ round trips\/s, 0 errors$/);
    const counted = progress.slice(2);
    ok(counted.length > 0, JSON.stringify(progress));
    for (const text of counted) {
      match(
        text,
        /^\d+(\.\d)? s elapsed: \d+ round trips\/s, p99 so far \d+\.\d{3} ms, 0 errors$/,
      );
    }
  } finally {
    await server.process.stop();
  }
});
