/**
 * The README's console examples as data, for readme_test.ts: each block's
 * commands and the lines it shows, read from README.md, and the comparison
 * of what a command printed with those lines (ports, times and, where a
 * block says so, other numbers aside).
 *
 * @module
 */

import { deepEqual, ok } from "node:assert/strict";

/** One `$ ` command of a block and the lines shown under it. */
export interface Command {
  /** The words after `$ `. */
  words: string[];
  /** The lines the README shows for it. */
  expected: string[];
}

/** One console example, with the attributes of its comment. */
export interface Block {
  /** Where it starts in README.md (1-based), for messages. */
  line: number;
  /** The attributes of its `console-test` comment (`server="..."`). */
  attrs: Record<string, string>;
  /** Its commands, each with the lines the README shows for it. */
  commands: Command[];
}

/** What one command printed. */
export interface Printed {
  /** Its lines on standard output. */
  stdout: string[];
  /** Its lines on standard error. */
  stderr: string[];
}

/** The README the examples are read from. */
export const README = new URL("../README.md", import.meta.url);

/** Splits a command line into words, honouring '...' and "..." quoting. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const found of text.matchAll(pattern)) {
    words.push(found[1] ?? found[2]?.replace(/\\(.)/g, "$1") ?? found[3]);
  }
  return words;
}

/** The console examples of the README text, each with its attributes. */
export function parseBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  let attrs: Record<string, string> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const comment = /^<!-- console-test(.*)-->$/.exec(lines[i]);
    if (comment) {
      attrs = Object.fromEntries(
        [...comment[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      continue;
    }
    if (lines[i] !== "```console") continue;
    ok(
      attrs,
      `README.md:${i + 1}: a console block without <!-- console-test -->`,
    );
    const block: Block = { line: i + 1, attrs, commands: [] };
    for (i++; lines[i] !== "```"; i++) {
      const line = lines[i].replace(/ +#.*$/, "");
      if (line.startsWith("$ ")) {
        block.commands.push({ words: shellWords(line.slice(2)), expected: [] });
      } else {
        block.commands.at(-1)?.expected.push(lines[i]);
      }
    }
    blocks.push(block);
    attrs = undefined;
  }
  return blocks;
}

/** The line with what legitimately varies from run to run replaced. */
export function normalise(line: string, attrs: Record<string, string>): string {
  let text = line.replace(/^\^C/, "")
    .replace(/(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d+/g, "$1:PORT")
    .replace(/local port \d+/g, "local port PORT")
    .replace(/\[trace \+\d+\.\d+s\]/g, "[trace +Ts]")
    .replace(/\bup \d+(\.\d+)? s\b/g, "up T s")
    .replace(/\s+/g, " ").trim();
  if (attrs.numbers === "vary") {
    // A measurement's unit scales with it (kB/s on a busy machine).
    text = text.replace(/\d+(\.\d+)?/g, "N").replace(/\b[kMG]?B\/s/g, "B/s");
  }
  return text;
}

/** Joins the chunks of each connection's `Echoed`/`Received` lines. */
function joinChunks(lines: string[]): string[] {
  const joined: string[] = [];
  const at = new Map<string, number>();
  for (const line of lines) {
    const found = /^(Echoed|Received) "(.*)" (to|from) (.+)$/.exec(line);
    if (!found) {
      joined.push(line);
      continue;
    }
    const key = `${found[1]} ${found[3]} ${found[4]}`;
    const index = at.get(key);
    if (index === undefined) {
      at.set(key, joined.length);
      joined.push(line);
    } else {
      joined[index] = joined[index].replace(
        /" (to|from) /,
        `${found[2]}" $1 `,
      );
    }
  }
  return joined;
}

function prepare(
  lines: string[],
  attrs: Record<string, string>,
): string[] {
  // Chunks are joined per connection before ports are normalised away.
  const kept = lines.filter((line) => line.trim() !== "");
  const joined = attrs.chunks === "vary" ? joinChunks(kept) : kept;
  return joined.map((line) => normalise(line, attrs));
}

/** Compares what the README shows with what the command printed. */
export function compare(
  command: Command,
  printed: Printed,
  { where, attrs }: { where: string; attrs: Record<string, string> },
): void {
  const expected = prepare(command.expected, attrs);
  const stdout = prepare(printed.stdout, attrs);
  const stderr = prepare(printed.stderr, attrs);
  const actual = [...stdout, ...stderr];
  const context = `${where}: $ ${command.words.join(" ")}\nREADME:\n${
    expected.join("\n")
  }\nrun:\n${actual.join("\n")}`;
  if (expected.includes("...")) {
    // "..." stands for lines left out: the rest must be there, in order.
    const shown = expected.filter((line) => line !== "...");
    let from = 0;
    for (const line of shown) {
      const found = actual.indexOf(line, from);
      ok(found >= 0, `missing "${line}"\n${context}`);
      from = found + 1;
    }
    return;
  }
  deepEqual([...actual].sort(), [...expected].sort(), context);
  if (attrs.order === "any") return;
  // Each stream's lines come in the README's order.
  const errors = [...stderr];
  const outOnly = expected.filter((line) => {
    const index = errors.indexOf(line);
    if (index < 0) return true;
    errors.splice(index, 1);
    return false;
  });
  deepEqual(stdout, outOnly, `stdout order\n${context}`);
}

/** The ports other than `serverPort` in `IP:PORT` ends a client printed. */
export function clientPorts(
  printed: string[],
  serverPort: number,
): Set<number> {
  const ports = new Set<number>();
  for (const line of printed) {
    for (const end of line.matchAll(/(?:\d{1,3}(?:\.\d{1,3}){3}|\]):(\d+)/g)) {
      const port = Number(end[1]);
      if (port !== serverPort) ports.add(port);
    }
  }
  return ports;
}

/**
 * A `netdemo sockets` table without the rows of strangers: `--port` also
 * matches a remote port, so any earlier connection to this port number (one
 * in TIME_WAIT from another test, say) is listed too, and no README can show
 * it. A row is a stranger's only when it is on `serverPort` yet neither the
 * server's LISTEN socket nor an end of a connection between the server and
 * one of `own`, the ports the block's clients printed. Every other row stays,
 * so a row the README does not show, or one it shows going missing, still
 * fails the comparison.
 */
export function withoutStrangers(
  table: string[],
  { serverPort, own }: { serverPort: number; own: Set<number> },
): string[] {
  const portOf = (end: string): number => {
    const port = end.slice(end.lastIndexOf(":") + 1);
    return port === "*" ? 0 : Number(port);
  };
  return table.filter((line) => {
    const row = /^tcp6? +\d+ +\d+ +(\S+) +(\S+) +(\S+)$/.exec(line);
    if (row === null) return true;
    const [local, remote] = [portOf(row[1]), portOf(row[2])];
    if (local !== serverPort && remote !== serverPort) return true;
    // A server end in TIME_WAIT is an earlier listener's on this port
    // number, one that closed first: Linux hands the clients of a port the
    // same sequence of local ports again, so its far ends can be our own
    // clients' ports. No README server closes first.
    if (local === serverPort && row[3] === "TIME_WAIT") return false;
    return (local === serverPort && row[3] === "LISTEN") ||
      (local === serverPort && own.has(remote)) ||
      (remote === serverPort && own.has(local));
  });
}
