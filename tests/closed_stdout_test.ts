/**
 * netdemo at the head of a pipeline whose reader leaves (`| head -n 1`):
 * at its next line it exits 141, silently, as a program that SIGPIPE ends,
 * so that the shell's pipeline ends too. Deno ignores SIGPIPE, and before
 * this a `--watch` or a server's log went on writing into nothing. The
 * exit is the CLI's: the library's Reporter only drops the lines.
 *
 * @module
 */

import { deepEqual, equal, match } from "node:assert/strict";
import { LineLog, lines, netdemoCommand, spawnQuietEcho } from "./_helpers.ts";
import { connectLocal } from "./_net.ts";

/**
 * netdemo's output through `head -n 1`, and netdemo's exit code on stderr.
 * `timeout` only bounds a netdemo that never notices (it then exits 124).
 */
const PIPELINE =
  'timeout 30 "$@" | head -n 1; echo "exit ${PIPESTATUS[0]}" >&2';

/** The same with netdemo's stderr through head, and its stdout dropped. */
const STDERR_PIPELINE =
  'timeout 30 "$@" 2>&1 >/dev/null | head -n 1; echo "exit ${PIPESTATUS[0]}" >&2';

/** `netdemo ARGS... | head -n 1` under bash, read line by line. */
class HeadPipeline {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly lines = new LineLog();
  readonly done: Promise<Deno.CommandStatus>;

  constructor(args: string[], options: { stderr?: boolean } = {}) {
    const { program, prefix } = netdemoCommand();
    const script = options.stderr ? STDERR_PIPELINE : PIPELINE;
    const child = new Deno.Command("bash", {
      args: ["-c", script, "bash", program, ...prefix, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const reading = Promise.all([
      this.lines.read(child.stdout, this.out),
      this.lines.read(child.stderr, this.err),
    ]);
    this.done = reading.then(() => child.status);
  }
}

Deno.test("closed stdout: sockets --watch | head -n 1 ends with exit 141 and no message", async () => {
  const pipeline = new HeadPipeline(["sockets", "--watch"]);
  equal((await pipeline.done).code, 0);
  deepEqual(pipeline.err, ["exit 141"]);
  equal(pipeline.out.length, 1);
  match(pipeline.out[0], /^Proto +Recv-Q +Send-Q/);
});

for (const stderr of [false, true]) {
  const stream = stderr ? "--trace on stderr" : "log";
  Deno.test(`closed stdout: a server whose ${stream} reader left exits 141 at its next line`, async () => {
    const pipeline = new HeadPipeline(
      ["server", "echo", "--port", "0", ...(stderr ? ["--trace"] : [])],
      { stderr },
    );
    const first = await pipeline.lines.waitFor(/listen(ing)? on /i);
    const port = Number(first.slice(first.lastIndexOf(":") + 1));
    let exited = false;
    pipeline.done.then(() => exited = true);
    // Each accepted connection is a line; the first one written after
    // head has gone ends the server. Until then they land in the pipe.
    for (let attempt = 0; attempt < 200 && !exited; attempt++) {
      try {
        (await connectLocal(port)).close();
      } catch {
        break; // refused: the server has exited
      }
    }
    equal((await pipeline.done).code, 0);
    deepEqual(pipeline.err, ["exit 141"]);
    deepEqual(pipeline.out, [first]);
  });
}

Deno.test("closed stdout: a load run's --interval lines through head -n 1 stop the run at the second line", async () => {
  const server = await spawnQuietEcho();
  try {
    const pipeline = new HeadPipeline([
      "client",
      "multi",
      "--port",
      String(server.port),
      "--duration",
      "600",
      "--interval",
      "0.1",
    ]);
    equal((await pipeline.done).code, 0);
    deepEqual(pipeline.err, ["exit 141"]);
    equal(pipeline.out.length, 1);
  } finally {
    await server.process.stop();
  }
});

Deno.test("closed stdout: the library's own Reporter drops the lines and leaves the exit to its caller", async () => {
  const reporter = new URL("../output/reporter.ts", import.meta.url).href;
  const script = `import { Reporter } from "${reporter}";
const reporter = new Reporter();
for (let i = 0; i < 10000; i++) reporter.always("line " + i);
console.error("still running");`;
  const output = await new Deno.Command("bash", {
    args: [
      "-c",
      '"$@" | head -n 1 >/dev/null; echo "exit ${PIPESTATUS[0]}" >&2',
      "bash",
      Deno.execPath(),
      "eval",
      script,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  deepEqual(lines(new TextDecoder().decode(output.stderr)), [
    "still running",
    "exit 0",
  ]);
});

Deno.test("closed stdout: a stdout that cannot be written (a full disk) is one error line and exit 1", async () => {
  const { program, prefix } = netdemoCommand();
  const output = await new Deno.Command("bash", {
    args: ["-c", '"$@" >/dev/full', "bash", program, ...prefix, "--help"],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  equal(output.code, 1);
  deepEqual(lines(new TextDecoder().decode(output.stderr)), [
    "error: cannot write to standard output: No space left on device (os error 28)",
  ]);
});
