/**
 * Every ```console example in README.md is run and its lines compared with
 * what the commands print, ports, times and (where a block says so) other
 * varying numbers aside.
 *
 * Each block is preceded by an HTML comment saying what it needs, e.g.
 * `<!-- console-test server="server bork" -->`:
 * - `server="ARGS"`: start `netdemo ARGS --port 0` first; every `netdemo`
 *   command of the block then gets that port.
 * - `drive="ARGS; ARGS"`: the block's first command is a server; run these
 *   clients against it; a `^C` line in the block means Ctrl-C once the
 *   server has printed every line before it.
 * - `held="first"`: before the block's command, the test opens a connection
 *   of its own that the server serves first (one bork round trip), and
 *   closes it once the command has printed all but its last line.
 * - `first="ARGS; ARGS"`: clients run to completion before the commands.
 * - `order="any"`: lines may come in any order (concurrent connections).
 * - `chunks="vary"`: TCP may split or join chunks, so `Echoed "..."` and
 *   `Received "..."` lines are compared per connection, joined.
 * - `numbers="vary"`: every number is a measurement (load reports).
 * - `alone="yes"`: timing matters (a `--rate` schedule), so the block runs
 *   after the others, by itself, with no other block's processes competing.
 * - `files="certs"`: the words `ca.pem`, `server.pem` and `server.key` name
 *   certificates made for the run (tests/_certs.ts).
 * - `unix="PATH"`: the socket path PATH becomes one in a fresh directory
 *   (shown as PATH again in what was printed); `--unix` commands get no
 *   `--port`.
 */

import { deepEqual, ok } from "node:assert/strict";
import { testCerts } from "./_certs.ts";
import { CliProcess, runCli, spawnServer, within } from "./_helpers.ts";
import {
  Block,
  clientPorts,
  Command,
  compare,
  normalise,
  parseBlocks,
  Printed,
  README,
  shellWords,
  withoutStrangers,
} from "./_readme_blocks.ts";

/** The words with the server's port: replaced if given, else added. */
function withPort(words: string[], port: number): string[] {
  if (words.includes("--unix")) return words;
  const index = words.findIndex((word) => word === "--port" || word === "-p");
  if (index < 0) return [...words, "--port", String(port)];
  const copy = [...words];
  copy[index + 1] = String(port);
  return copy;
}

function netdemoArgs(words: string[]): string[] {
  ok(words[0] === "netdemo", `not a netdemo command: ${words.join(" ")}`);
  return words.slice(1);
}

function split(list: string | undefined): string[][] {
  return (list ?? "").split(";").map((part) => part.trim()).filter(Boolean)
    .map(shellWords);
}

/** Where a block's files really are, from its `files` and `unix` attrs. */
interface Places {
  /** The words with every named file replaced by its real path. */
  words(words: string[]): string[];
  /** A printed line with every real path shown as the README names it. */
  line(line: string): string;
  /** Removes what was made for the block. */
  remove(): void;
}

async function placesFor(attrs: Record<string, string>): Promise<Places> {
  const real = new Map<string, string>();
  if (attrs.files === "certs") {
    const certs = await testCerts();
    real.set("ca.pem", certs.ca);
    real.set("server.pem", certs.serverCert);
    real.set("server.key", certs.serverKey);
  }
  const dir = attrs.unix === undefined
    ? undefined
    : await Deno.makeTempDir({ prefix: "netdemo-readme-" });
  if (dir !== undefined) real.set(attrs.unix, `${dir}/echo.sock`);
  return {
    words: (words) => words.map((word) => real.get(word) ?? word),
    line: (line) =>
      [...real].reduce(
        (text, [shown, path]) => text.replaceAll(path, shown),
        line,
      ),
    remove: () => {
      if (dir !== undefined) Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** The server's arguments: `--port 0` added unless it listens on --unix. */
function serverArgs(words: string[]): string[] {
  return words.includes("--unix") ? words : [...words, "--port", "0"];
}

async function runDriven(block: Block, where: string): Promise<void> {
  const [serverCommand] = block.commands;
  const places = await placesFor(block.attrs);
  const { process, port } = await spawnServer(
    serverArgs(places.words(netdemoArgs(serverCommand.words))),
  );
  try {
    for (const words of split(block.attrs.drive)) {
      const result = await runCli(places.words(withPort(words, port)));
      ok(result.code === 0, `${where}: ${words.join(" ")}: ${result.stderr}`);
    }
    const interrupt = serverCommand.expected.findIndex((line) =>
      line.startsWith("^C")
    );
    if (interrupt >= 0) {
      // Ctrl-C once the server has printed every line shown before it.
      const before = serverCommand.expected.slice(0, interrupt).map((line) =>
        normalise(line, block.attrs)
      );
      const last = before.at(-1) ?? "";
      const count = before.filter((line) => line === last).length;
      await within(
        process.waitForLines(
          {
            test: (line: string) =>
              normalise(places.line(line), block.attrs) === last,
          } as RegExp,
          count,
        ),
        { ms: 10_000, what: `${where}: the server's line "${last}"` },
      ).catch(() => {});
    } else {
      // No Ctrl-C shown: the server ends by itself once its client is done
      // (bork), and a signal sent as it ends would race its last lines.
      await within(process.finished(), {
        ms: 10_000,
        what: `${where}: the server's own exit`,
      }).catch(() => {});
    }
  } finally {
    await process.stop("SIGINT");
    places.remove();
  }
  compare(serverCommand, {
    stdout: process.stdoutLines.map(places.line),
    stderr: process.stderrLines.map(places.line),
  }, { where, attrs: block.attrs });
}

/**
 * Runs a command while the test's own connection is being served; closes
 * that connection once the command has printed all but its last line.
 */
async function whileHeld(
  args: string[],
  command: Command,
  held: Deno.TcpConn,
  attrs: Record<string, string>,
): Promise<Printed & { code: number }> {
  const child = new CliProcess(args);
  const before = normalise(command.expected.at(-2) ?? "", attrs);
  await within(
    child.waitForLine({
      test: (line: string) => normalise(line, attrs) === before,
    } as RegExp),
    { ms: 10_000, what: `the line "${before}"` },
  ).catch(() => {});
  held.close();
  const status = await child.finished();
  return {
    stdout: child.stdoutLines,
    stderr: child.stderrLines,
    code: status.code,
  };
}

async function runAgainstServer(block: Block, where: string): Promise<void> {
  const places = await placesFor(block.attrs);
  const { process, port } = await spawnServer(
    serverArgs(places.words(shellWords(block.attrs.server))),
  );
  let held: Deno.TcpConn | undefined;
  // What the block's own clients printed, for the ports they connected from.
  const firstLines: string[] = [];
  try {
    for (const words of split(block.attrs.first)) {
      const result = await runCli(places.words(withPort(words, port)));
      firstLines.push(
        ...result.stdout.split("\n"),
        ...result.stderr.split("\n"),
      );
    }
    if (block.attrs.held) {
      held = await Deno.connect({ hostname: "127.0.0.1", port });
      await held.write(new TextEncoder().encode("1"));
      await held.read(new Uint8Array(64));
    }
    let lastCode = 0;
    for (const command of block.commands) {
      if (command.words.join(" ") === "echo $?") {
        deepEqual(command.expected, [String(lastCode)], where);
        continue;
      }
      const args = places.words(withPort(netdemoArgs(command.words), port));
      let printed: Printed;
      if (held !== undefined) {
        const result = await whileHeld(args, command, held, block.attrs);
        held = undefined;
        lastCode = result.code;
        printed = result;
      } else {
        const result = await runCli(args);
        lastCode = result.code;
        const stdout = result.stdout.split("\n").map(places.line);
        printed = {
          stdout: args[0] === "sockets"
            ? withoutStrangers(stdout, {
              serverPort: port,
              own: clientPorts(firstLines, port),
            })
            : stdout,
          stderr: result.stderr.split("\n").map(places.line),
        };
      }
      compare(command, printed, { where, attrs: block.attrs });
    }
  } finally {
    held?.close();
    await process.stop("SIGINT");
    places.remove();
  }
}

Deno.test("README: every console example prints what the README shows", async (t) => {
  const blocks = parseBlocks(await Deno.readTextFile(README));
  ok(blocks.length >= 10, `found ${blocks.length} console blocks`);
  // The blocks are independent (each has its own server on a free port)
  // and mostly wait on their servers' pauses, so they run at once.
  function run(block: Block): Promise<unknown> {
    const where = `README.md:${block.line}`;
    const running = block.attrs.drive !== undefined
      ? runDriven(block, where)
      : runAgainstServer(block, where);
    return running.then(() => undefined, (error: unknown) => error);
  }
  const outcomes = await Promise.all(
    blocks.map((block) => block.attrs.alone ? undefined : run(block)),
  );
  // Timing-sensitive blocks run afterwards, one at a time.
  for (const [i, block] of blocks.entries()) {
    if (block.attrs.alone) outcomes[i] = await run(block);
  }
  for (const [i, block] of blocks.entries()) {
    const first = block.commands[0]?.words.slice(0, 3).join(" ");
    await t.step(`README.md:${block.line} $ ${first}`, () => {
      if (outcomes[i] !== undefined) throw outcomes[i];
    });
  }
});

Deno.test("README: the console-example checker fails on a wrong line", () => {
  const attrs = {};
  const command = { words: ["netdemo"], expected: ["Sent 5", "Received: 5"] };
  let failed = false;
  try {
    compare(command, {
      stdout: ["Sent 5", "Received: 6"],
      stderr: [],
    }, { where: "self-test", attrs });
  } catch {
    failed = true;
  }
  ok(failed, "a changed number is a difference");
  // Ports and times are not.
  compare({
    words: ["netdemo"],
    expected: ["Connected by 127.0.0.1:41854", "Served 1 connection, up 0.7 s"],
  }, {
    stdout: ["Connected by 127.0.0.1:5", "Served 1 connection, up 12.0 s"],
    stderr: [],
  }, { where: "self-test", attrs });
});

Deno.test("README: a sockets table loses only the rows of other programs' connections to its port", () => {
  const own = clientPorts([
    "Connected to 127.0.0.1:65432 from 127.0.0.1:53910",
    "Connected to 127.0.0.1:65432 from 127.0.0.1:53924",
  ], 65432);
  deepEqual([...own], [53910, 53924]);
  const row = (local: string, remote: string, state: string): string =>
    `tcp        0      0 ${local.padEnd(23)} ${remote.padEnd(23)} ${state}`;
  const header =
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State";
  const ours = [
    row("127.0.0.1:53910", "127.0.0.1:65432", "TIME_WAIT"),
    row("127.0.0.1:65432", "127.0.0.1:53924", "ESTABLISHED"),
    row("127.0.0.1:65432", "0.0.0.0:*", "LISTEN"),
  ];
  // On the port, but from a client of an earlier server that had it.
  const strangers = [
    row("127.0.0.1:40000", "127.0.0.1:65432", "TIME_WAIT"),
    row("127.0.0.1:65432", "127.0.0.1:40001", "TIME_WAIT"),
    // An earlier server's end, whose client had the port one of ours has
    // now (as a loaded CI machine showed).
    row("127.0.0.1:65432", "127.0.0.1:53910", "TIME_WAIT"),
  ];
  // Not on the port at all: a broken --port filter must still show.
  const offPort = row("127.0.0.1:40002", "127.0.0.1:40003", "ESTABLISHED");
  deepEqual(
    withoutStrangers([header, ...strangers, ...ours, offPort], {
      serverPort: 65432,
      own,
    }),
    [header, ...ours, offPort],
  );
});
