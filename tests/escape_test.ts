import { deepEqual, equal } from "node:assert/strict";
import {
  describeBytes,
  escapeBytes,
  escapeText,
  quoted,
  terminalSafe,
} from "../output/escape.ts";
import { excerpt, quotedExcerpt } from "../output/excerpt.ts";
import { incompleteTail } from "../protocol/utf8.ts";
import { Reporter } from "../output/reporter.ts";

const utf8 = new TextEncoder();

Deno.test("escape: received bytes print as text where valid UTF-8, \\xNN elsewhere", () => {
  const tail = utf8.encode("pat\u{1F436}\u{1F436}").subarray(0, 10);
  deepEqual(escapeBytes(tail), "pat\u{1F436}\\xf0\\x9f\\x90");
  deepEqual(
    escapeBytes(new Uint8Array([0x41, 0x0a, 0x1b, 0xff, 0xc3, 0xa9])),
    "A\\n\\x1b\\xffé",
  );
});

Deno.test("escape: control, line-separator and bidi characters are shown, never acted on", () => {
  deepEqual(escapeText("ok\r\n\u2028\t"), "ok\\r\\n\\u2028\\t");
  deepEqual(escapeText("A\x1b[2J\x07B"), "A\\x1b[2J\\x07B");
  deepEqual(escapeText("\x7f\x9b\u202e\ufeff"), "\\x7f\\x9b\\u202e\\ufeff");
  // A literal backslash is doubled, so `\x1b` typed by a peer is not ESC.
  deepEqual(escapeText("\\x1b"), "\\\\x1b");
  deepEqual(escapeText("café ☕ 🐢"), "café ☕ 🐢");
  // Invisible characters that would make a line differ from what was sent.
  deepEqual(
    escapeText("a\u00adb\u061cc\u200bd\u2060e\u{e0041}"),
    "a\\u00adb\\u061cc\\u200bd\\u2060e\\u{e0041}",
  );
  // Every other format character, and the letters that draw nothing.
  deepEqual(
    escapeText(
      "a\u206ab\ufff9c\u180ed\u3164e\u115ff\u034fg\u{1d173}h\u1160i\uffa0",
    ),
    "a\\u206ab\\ufff9c\\u180ed\\u3164e\\u115ff\\u034fg\\u{1d173}h\\u1160i\\uffa0",
  );
  // A zero-width joiner is part of an emoji, and stays, as does the
  // non-joiner that Persian and Indic text need.
  deepEqual(escapeText("\u0645\u200c\u06cc"), "\u0645\u200c\u06cc");
  // Format characters that draw: the Arabic number sign over digits, and
  // the tags that make a flag (England's) rather than hide text.
  deepEqual(escapeText("\u0600\u0661\u0662"), "\u0600\u0661\u0662");
  const england =
    "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
  deepEqual(escapeText(england), england);
  deepEqual(escapeText("x\u{E0067}\u{E0062}"), "x\\u{e0067}\\u{e0062}");
  // Only a whole flag: tags after a black flag that spell anything else
  // (capitals, spaces, no cancel tag) would hide text, and are shown.
  deepEqual(
    escapeText("\u{1F3F4}\u{E0053}\u{E0020}\u{E0078} ok"),
    "\u{1F3F4}\\u{e0053}\\u{e0020}\\u{e0078} ok",
  );
  deepEqual(terminalSafe(england), england);
  deepEqual(escapeText("\u17b4"), "\\u17b4");
  deepEqual(escapeText("\u{1F469}\u200d\u{1F4BB}"), "\u{1F469}\u200d\u{1F4BB}");
});

Deno.test("escape: a byte order mark a peer sent is shown, at the start or amid invalid bytes", () => {
  deepEqual(escapeBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\\ufeffA");
  deepEqual(
    escapeBytes(new Uint8Array([0x41, 0xef, 0xbb, 0xbf, 0x42, 0xff])),
    "A\\ufeffB\\xff",
  );
});

Deno.test('escape: quoted text shows an inner quote as \\"', () => {
  deepEqual(quoted('say "hi"\x07'), '"say \\"hi\\"\\x07"');
  deepEqual(quoted(utf8.encode("Hello, World!")), '"Hello, World!"');
});

Deno.test("escape: a short chunk is shown quoted, a long one by its size", () => {
  deepEqual(describeBytes(utf8.encode('say "hi"\n'), 80), '"say \\"hi\\"\\n"');
  deepEqual(describeBytes(new Uint8Array(81), 80), "81 bytes");
  deepEqual(describeBytes(new Uint8Array(80), 80).length, 2 + 80 * 4);
});

Deno.test("escape: an excerpt is escaped and marked with ... only when cut", () => {
  deepEqual(excerpt("a\x1bbc", 60), "a\\x1bbc");
  deepEqual(excerpt("abcdef", 3), "abc...");
  deepEqual(excerpt(utf8.encode("ab\xff"), 2), "ab...");
  deepEqual(excerpt(new Uint8Array([0x68, 0xff]), 2), "h\\xff");
});

Deno.test("escape: an excerpt of bytes ends between characters, so valid UTF-8 is never shown as \\xNN", () => {
  const x = (count: number) => "x".repeat(count);
  // Cut inside a 3- and a 4-byte character, and between a flag's halves.
  equal(excerpt(utf8.encode(`${x(59)}東京`), 60), `${x(59)}...`);
  equal(excerpt(utf8.encode(`${x(58)}🐢🐢`), 60), `${x(58)}...`);
  equal(excerpt(utf8.encode(`${x(54)}🇫🇷🇫🇷`), 60), `${x(54)}...`);
  equal(excerpt(utf8.encode(`${x(52)}🇫🇷🇫🇷`), 60), `${x(52)}🇫🇷...`);
  // Bytes that are not UTF-8 stay \xNN; only a cut-off sequence goes.
  const bad = new Uint8Array([...utf8.encode(x(58)), 0xff, 0xe6, 0x9d, 0xb1]);
  equal(excerpt(bad, 60), `${x(58)}\\xff...`);
  // A byte that is not UTF-8 before the cut leaves the characters after it
  // whole: the flag is not halved.
  const flagged = new Uint8Array([
    ...utf8.encode(x(56)),
    0xff,
    ...utf8.encode("🇫🇷"),
    ...utf8.encode(x(10)),
  ]);
  equal(excerpt(flagged, 60), `${x(56)}\\xff...`);
  const family = new Uint8Array([
    ...utf8.encode(`${x(50)}👨‍👩‍👧`),
    0xff,
  ]);
  equal(excerpt(family, 60), `${x(50)}...`);
  // Not cut, a lone lead byte at the very end is the peer's: shown.
  const lone = new Uint8Array([...utf8.encode(x(59)), 0xe6]);
  equal(excerpt(lone, 60), `${x(59)}\\xe6`);
  equal(
    excerpt(utf8.encode(`${x(58)}${"\u0800".repeat(3)}`), 60),
    `${x(58)}...`,
  );
  equal(excerpt(utf8.encode(`${x(54)}${"🇫🇷".repeat(20)}`), 60), `${x(54)}...`);
  // One character longer than the excerpt is cut between code points.
  const accents = `e${"\u0301".repeat(40)}`;
  equal(excerpt(utf8.encode(accents), 60), `e${"\u0301".repeat(29)}...`);
  equal(excerpt(accents, 20), `e${"\u0301".repeat(19)}...`);
  // In quotes, a quote the peer sent cannot close the value.
  equal(quotedExcerpt('say "hi" now', 8), '"say \\"hi\\"..."');
  equal(quotedExcerpt(`${"a".repeat(39)}🐢tail`, 40), `"${"a".repeat(39)}..."`);
});

Deno.test("escape: a finished line keeps its backslashes and tabs, and loses only what a terminal acts on", () => {
  equal(terminalSafe('"a\\x1b" \\n\tok'), '"a\\x1b" \\n\tok');
  equal(
    terminalSafe("a\x1b[31mb\rc\x07\x9b\x7f\u202e"),
    "a\\x1b[31mb\\rc\\x07\\x9b\\x7f\\u202e",
  );
  // In the style of text a peer sent, DEL and C1 controls included.
  equal(
    terminalSafe('got "a\x7fb\x9bc"'),
    `got "${escapeText("a\x7fb\x9bc")}"`,
  );
  equal(terminalSafe("one\ntwo"), "one\ntwo");
  equal(terminalSafe("one\ntwo", { singleLine: true }), "one\\ntwo");
  // A one-line diagnostic loses format characters as any line does.
  equal(
    terminalSafe("a\u202eb\u2066c\nd", { singleLine: true }),
    "a\\u202eb\\u2066c\\nd",
  );
  // JSON stays JSON of the same value: \u2028 is a JSON escape too.
  // DEL and C1 controls are all JSON.stringify leaves raw, with these.
  const hostile = "x\u2028y\u202e\x7f\x9b\x1b\u00ad\u{e0041}";
  const json = JSON.stringify({ payloadFile: hostile });
  deepEqual(JSON.parse(terminalSafe(json)), { payloadFile: hostile });
});

Deno.test("escape: the reporter prints no terminal control a message carries, and keeps diagnostics to one line", () => {
  const out: string[] = [];
  const err: string[] = [];
  const reporter = new Reporter({
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    color: false,
    progress: false,
  });
  reporter.error('unknown option "--\x1b[31mx"');
  reporter.warn("file\nname");
  reporter.always("Listening on unix:/tmp/a\x1b]8;;x\x07.sock");
  reporter.always("usage:\n  netdemo");
  deepEqual(err, [
    'error: unknown option "--\\x1b[31mx"',
    "warning: file\\nname",
  ]);
  deepEqual(out, [
    "Listening on unix:/tmp/a\\x1b]8;;x\\x07.sock",
    "usage:\n  netdemo",
  ]);
  // A --watch screen: its own clearing goes out, what the lines carry not.
  out.length = 0;
  reporter.redraw(["Proto \x1b[31m", "tcp"]);
  deepEqual(out, ["\x1b[H\x1b[2JProto \\x1b[31m", "tcp"]);
});

Deno.test("escape: a character cut off at a chunk's end is found, and only then", () => {
  const euro = [0xe2, 0x82, 0xac];
  equal(incompleteTail(new Uint8Array([0x61, ...euro])), 4);
  equal(incompleteTail(new Uint8Array([0x61, ...euro.slice(0, 2)])), 1);
  equal(incompleteTail(new Uint8Array([0x61, 0xf0, 0x9f, 0x90])), 1);
  // Bytes that start no character are shown at once, as \xNN.
  equal(incompleteTail(new Uint8Array([0x61, 0xff])), 2);
  equal(incompleteTail(new Uint8Array([0x80, 0x80, 0x80, 0x80])), 4);
  equal(incompleteTail(new Uint8Array([])), 0);
});
