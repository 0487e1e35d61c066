/**
 * Every mode's help: the same option in the same words everywhere, short
 * flags, `netdemo help [command [mode]]`, two or three examples, and 0
 * meaning "never" for every timeout.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli, spawnServer } from "./_helpers.ts";
import { runMain } from "./_main.ts";

const MODES = [
  ["server", "bork"],
  ["server", "echo"],
  ["server", "app"],
  ["client", "hello"],
  ["client", "count"],
  ["client", "multi"],
  ["client", "app"],
  ["sockets"],
];

/** Each option line of a help text: flag -> description without default. */
function optionLines(help: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of help.split("\n")) {
    const found = /^ {2}(?:-\w, | {4})?(--[\w-]+)(?: [A-Z.]+)? {2,}(.*)$/
      .exec(line);
    if (found) {
      lines.set(found[1], found[2].replace(/ \(default: [^)]*\)$/, ""));
    }
  }
  return lines;
}

const helps = new Map<string, Promise<string>>();

/** A mode's `--help` text, asked for once. */
function helpOf(words: string[]): Promise<string> {
  const key = words.join(" ");
  let help = helps.get(key);
  if (help === undefined) {
    help = runMain([...words, "--help"]).then((result) => {
      equal(result.code, 0, result.stderr);
      return result.stdout;
    });
    helps.set(key, help);
  }
  return help;
}

Deno.test("help: 'netdemo help [command [mode]]' prints what --help prints", async () => {
  for (const words of [["client", "count"], ["sockets"], ["server"]]) {
    const viaWord = await runMain(["help", ...words]);
    equal(viaWord.code, 0, viaWord.stderr);
    equal(viaWord.stdout, await helpOf(words), words.join(" "));
  }
  const top = await runMain(["help"]);
  equal(top.code, 0);
  equal(top.stdout, (await runMain(["--help"])).stdout);
  // What a usage error of `help` points to works.
  for (const flag of ["--help", "-h", "help"]) {
    const own = await runMain(["help", flag]);
    equal(own.code, 0, own.stderr);
    equal(own.stdout, top.stdout);
  }
});

Deno.test("help: every mode and command shows two or three examples", async () => {
  for (const words of [...MODES, ["client"], ["server"], []]) {
    const help = await helpOf(words);
    const tail = help.slice(help.indexOf("\nExamples:\n") + 11).trimEnd();
    const examples = tail.split("\n");
    ok(
      examples.length >= 2 && examples.length <= 3,
      `${words.join(" ")}: ${tail}`,
    );
    for (const line of examples) match(line, /^ {2}netdemo /);
  }
});

Deno.test("help: the same option has the same words in every mode", async () => {
  const seen = new Map<string, { mode: string; text: string }>();
  const shared = [
    "--host",
    "--port",
    "--trace",
    "--quiet",
    "--timeout",
    "--grace",
    "--max-conns",
    "--idle-timeout",
  ];
  for (const words of MODES.filter((words) => words[0] !== "sockets")) {
    const options = optionLines(await helpOf(words));
    for (const flag of shared) {
      const text = options.get(flag);
      if (text === undefined) continue;
      // A server's --host and --port are its own, a client's the server's.
      const key = `${words[0]} ${flag}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, { mode: words.join(" "), text });
      } else {
        equal(
          text,
          first.text,
          `${flag} in ${words.join(" ")} vs ${first.mode}`,
        );
      }
    }
    // Every server and client prints per-event lines, so takes --quiet.
    ok(options.has("--quiet"), `${words.join(" ")} has --quiet`);
  }
  deepEqual(
    [...new Set([...seen.keys()].map((key) => key.split(" ")[1]))].sort(),
    [...shared].sort(),
  );
  match(seen.get("client --port")!.text, /^the server's TCP port/);
  match(seen.get("server --port")!.text, /^TCP port; 0 picks a free one/);
});

Deno.test("help: every timeout says 0 means never", async () => {
  const timeouts: [string[], string][] = [
    [["client", "hello"], "--timeout"],
    [["client", "count"], "--timeout"],
    [["client", "multi"], "--timeout"],
    [["client", "app"], "--timeout"],
    [["server", "echo"], "--idle-timeout"],
    [["server", "app"], "--idle-timeout"],
    [["server", "app"], "--request-timeout"],
  ];
  for (const [words, flag] of timeouts) {
    const text = optionLines(await helpOf(words)).get(flag) ?? "";
    match(text, /\(0: never\)/, `${words.join(" ")} ${flag}: ${text}`);
  }
});

Deno.test("help: short flags are listed, and the bork and count summaries say what they do", async () => {
  const bork = await helpOf(["server", "bork"]);
  match(
    bork,
    /^Serve one connection, .* then exit \(--keep-open: serve one after another\)/,
  );
  match(bork, /^ {2}-k, --keep-open /m);
  match(bork, /^ {2}-p, --port PORT /m);
  match(bork, /^ {2}-q, --quiet /m);
  match(bork, /^ {2}-v, --trace /m);
  const count = await helpOf(["client", "count"]);
  match(count, /waiting for each reply \("N bork bork bork"\)/);
  match(count, /saying so on stderr after 5 s of silence/);
  match(count, /^ {2}-t, --timeout SECONDS /m);
  match(count, /an integer of up to 1000 digits/);
  const hello = await helpOf(["client", "hello"]);
  match(
    hello,
    /--host HOST +the server's host name or IP address, without a port/,
  );
  const multi = await helpOf(["client", "multi"]);
  match(multi, /^ {2}-c, --conns N /m);
  match(multi, /^ {2}-J, --json /m);
});

Deno.test("help: short flags work: -k -p -q on a server, -c -p -q -t on a client", async () => {
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
      "3",
      "-p",
      String(port),
      "-t",
      "10",
      "-q",
    ]);
    equal(result.code, 0, result.stderr);
    equal(
      result.stdout,
      "All 3 connections completed; every echo matched (44 bytes each)\n",
    );
  } finally {
    await process.stop();
  }
  const bork = await spawnServer(["server", "bork", "-k", "-p", "0"]);
  for (let i = 0; i < 2; i++) {
    const hello = await runCli(["client", "hello", "-p", String(bork.port)]);
    equal(hello.code, 0, hello.stderr);
  }
  const status = await bork.process.stop();
  equal(status.code, 0);
  match(bork.process.stdoutLines.at(-1) ?? "", /^Served 2 connections/);
});

Deno.test("help: --timeout 0 means never, so a client with it works as without", async () => {
  const { process, port } = await spawnServer(["server", "bork", "-p", "0"]);
  const result = await runCli([
    "client",
    "hello",
    "-p",
    String(port),
    "-t",
    "0",
  ]);
  await process.finished();
  equal(result.code, 0, result.stderr);
  match(result.stdout, /Received: Hello, World! bork bork bork/);
});
