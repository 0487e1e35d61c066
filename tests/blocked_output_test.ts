/**
 * A server whose stdout nobody reads (`| less` left at its prompt, a
 * terminal paused with Ctrl-S) goes on serving: its lines wait in a
 * bounded queue instead of blocking the event loop in a write, and come
 * out, in order, once the reader reads again.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import {
  type CliResult,
  commandResult,
  lines,
  netdemoCommand,
  within,
} from "./_helpers.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";

/** Bytes the client sends: four times what a pipe buffers. */
const SENT = 256 * 1024;

/** How long the test waits for an answer before calling the server stuck. */
const STUCK_MS = 10_000;

/** A bork server whose stdout is read only when the test says so. */
interface UnreadServer {
  child: Deno.ChildProcess;
  port: number;
  /** Reads the rest of stdout to its end; resolves all of it. */
  readRest(): Promise<string>;
}

async function borkWithUnreadLog(more: string[] = []): Promise<UnreadServer> {
  const { program, prefix } = netdemoCommand();
  const child = new Deno.Command(program, {
    args: [...prefix, "server", "bork", "--port", "0", ...more],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before listening");
    text += decoder.decode(value, { stream: true });
  }
  const port = Number(/^Listening on \S+:(\d+)$/m.exec(text)![1]);
  async function readRest(): Promise<string> {
    for (
      let read = await reader.read();
      !read.done;
      read = await reader.read()
    ) {
      text += decoder.decode(read.value, { stream: true });
    }
    return text;
  }
  return { child, port, readRest };
}

/**
 * Sends {@linkcode SENT} bytes to the bork server on `port`, which logs
 * every chunk, far more than a pipe holds; resolves the bytes answered.
 */
async function sendWhileUnread(port: number): Promise<number> {
  const conn = await connectLocal(port);
  const chunk = new Uint8Array(4096).fill(0x61);
  const sending = (async () => {
    for (let sent = 0; sent < SENT; sent += chunk.length) {
      await writeAll(conn, chunk);
    }
    await conn.closeWrite();
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error("the server stopped answering while its stdout was unread"),
        ),
      STUCK_MS,
    );
  });
  try {
    const answered = await Promise.race([readToEnd(conn), stuck]);
    await sending;
    return answered.length;
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

Deno.test("blocked stdout: the bork server answers 256 KiB while nobody reads its log, then the log comes out whole", async () => {
  const server = await borkWithUnreadLog();
  const answered = await sendWhileUnread(server.port);
  ok(answered >= SENT, `${answered} bytes answered`);
  // Now read the log: everything is there, ending with the summary.
  const text = await server.readRest();
  const status = await server.child.status;
  equal(status.code, 0);
  const log = lines(text);
  match(log.at(-1) ?? "", /^Served 1 connection, /);
  ok(!text.includes("dropped"), "nothing was dropped");
});

Deno.test("blocked stdout: a stop signal while the last lines wait to be written lets them out", async () => {
  // The connection is done, so the server is ending and writing its log,
  // which nobody reads yet; SIGTERM now, as a supervisor would send it,
  // must not cut the log short once it is read.
  const server = await borkWithUnreadLog();
  ok(await sendWhileUnread(server.port) >= SENT);
  server.child.kill("SIGTERM");
  const text = await server.readRest();
  const status = await server.child.status;
  equal(status.code, 0);
  match(lines(text).at(-1) ?? "", /^Served 1 connection, /);
});

Deno.test("blocked stdout: a server stopped by a signal while nobody reads its log still exits, after the grace for its last lines", async () => {
  // --keep-open: the signal, not the client, ends the run, and the log's
  // last lines then wait on a pipe nobody reads.
  const server = await borkWithUnreadLog(["--keep-open"]);
  ok(await sendWhileUnread(server.port) >= SENT);
  server.child.kill("SIGTERM");
  try {
    const status = await within(server.child.status, {
      ms: STUCK_MS,
      what: "the server's exit after SIGTERM, its log unread",
    });
    equal(status.code, 0);
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  } finally {
    await server.readRest();
  }
});

Deno.test("blocked stdout: the queue is bounded; what it drops is counted in one line on stderr, and a summary is kept", async () => {
  // 100,000 event lines of 100 bytes, printed faster than any write
  // completes: about 10 MB, against the queue's 4 MiB. Then the summary,
  // which a full queue still keeps.
  const output = await evalWith(`import { Reporter } from "${REPORTER}";
const reporter = new Reporter({ queued: true });
for (let i = 0; i < 100000; i++) reporter.info("x".repeat(99));
reporter.always("Served 1 connection");
await reporter.flush();`);
  equal(output.code, 0);
  const out = lines(output.stdout);
  equal(out.at(-1), "Served 1 connection");
  const printed = out.length - 1;
  const note = output.stderr;
  const dropped =
    /^netdemo: (\d+) lines were dropped while the output was blocked\n$/
      .exec(note);
  ok(dropped !== null, note);
  ok(printed < 50_000, `${printed} lines printed`);
  equal(printed + Number(dropped[1]), 100_000);
});

Deno.test("blocked stdout: each time the output blocks, what it dropped is counted in a line of its own", async () => {
  // Two bursts of 100,000 event lines, the queue emptied between them.
  const output = await evalWith(`import { Reporter } from "${REPORTER}";
const reporter = new Reporter({ queued: true });
for (const burst of [1, 2]) {
  for (let i = 0; i < 100000; i++) reporter.info("x".repeat(99));
  await reporter.flush();
}`);
  equal(output.code, 0);
  const printed = lines(output.stdout).length;
  const notes = lines(output.stderr);
  const counts = notes.map((note) =>
    Number(
      /^netdemo: (\d+) lines were dropped while the output was blocked$/
        .exec(note)?.[1],
    )
  );
  equal(counts.length, 2, notes.join("\n"));
  ok(counts.every((count) => count > 0), notes.join("\n"));
  equal(printed + counts[0] + counts[1], 200_000);
});

/** Runs `script` with `deno eval`, stderr sent where `stderrTo` says. */
async function evalWith(
  script: string,
  stderrTo = "",
): Promise<CliResult> {
  return commandResult(
    await new Deno.Command("bash", {
      args: ["-c", `"$@" ${stderrTo}`, "bash", Deno.execPath(), "eval", script],
      stdout: "piped",
      stderr: "piped",
    }).output(),
  );
}

const REPORTER = new URL("../output/reporter.ts", import.meta.url).href;

Deno.test("blocked stdout: a single line larger than the queue's bound still goes whole when nothing waits", async () => {
  const result = await evalWith(`import { Reporter } from "${REPORTER}";
const reporter = new Reporter({ queued: true });
reporter.info("x".repeat(5 * 1024 * 1024));
await reporter.flush();`);
  equal(result.code, 0);
  equal(result.stdout.length, 5 * 1024 * 1024 + 1);
  equal(result.stderr, "");
});

Deno.test("blocked stdout: a stderr that cannot be written does not take stdout's lines with it", async () => {
  const result = await evalWith(
    `import { Reporter } from "${REPORTER}";
const reporter = new Reporter({ queued: true });
reporter.note("a");
reporter.always("b");
reporter.always("c");
await reporter.flush();`,
    "2>/dev/full",
  );
  equal(result.code, 0);
  equal(result.stdout, "b\nc\n");
});

Deno.test("blocked stdout: a second signal while the last lines move again lets them out; the exit at once is for a reader that stopped", async () => {
  // The first signal ends the run with its log waiting on a pipe nobody
  // reads; the reader then takes half the log, so the lines move, and a
  // second signal comes (as `timeout` sends one a moment after its
  // first): the rest, summary included, must still come out. Python reads
  // the pipe, as Deno's stream would read ahead of what the test asks.
  const { program, prefix } = netdemoCommand();
  const { code, stdout } = await new Deno.Command("python3", {
    args: [
      new URL("./python/second_signal.py", import.meta.url).pathname,
      ...["--bytes", String(SENT), "--read-before", String(SENT)],
      ...["--", program, ...prefix, "server", "bork", "-k", "--port", "0"],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  equal(code, 0);
  const result = JSON.parse(new TextDecoder().decode(stdout));
  equal(result.code, 0);
  match(result.last, /^Served 1 connection, /, JSON.stringify(result));
});

Deno.test("blocked stdout: a second signal while the last lines wait on a reader that stopped ends the server at once, not after the grace", async () => {
  // Nothing read for 0.3 s after the first signal: the write has waited
  // past the 100 ms that tells a stopped reader, and the second signal
  // ends the wait at once (the grace alone would take 1.7 s more).
  const { program, prefix } = netdemoCommand();
  const { code, stdout } = await new Deno.Command("python3", {
    args: [
      new URL("./python/second_signal.py", import.meta.url).pathname,
      ...["--bytes", String(SENT), "--stall", "0.3"],
      ...["--", program, ...prefix, "server", "bork", "-k", "--port", "0"],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  equal(code, 0);
  const result = JSON.parse(new TextDecoder().decode(stdout));
  equal(result.code, 0);
  ok(result.secondsToExit < 1, JSON.stringify(result));
});
