import { deepEqual } from "node:assert/strict";
import { decode, encode } from "./_net.ts";
import {
  BorkReplier,
  borkReply,
  isCompleteBorkReply,
} from "../protocol/bork.ts";

Deno.test("bork reply: the suffix goes at the end of a chunk without newline", () => {
  deepEqual(decode(borkReply(encode("Hello"))), "Hello bork bork bork");
});

Deno.test("bork reply: the suffix goes before a trailing \\n or \\r\\n", () => {
  deepEqual(decode(borkReply(encode("hi\n"))), "hi bork bork bork\n");
  deepEqual(decode(borkReply(encode("hi\r\n"))), "hi bork bork bork\r\n");
  deepEqual(decode(borkReply(encode("\n"))), " bork bork bork\n");
  deepEqual(decode(borkReply(encode("a\nb"))), "a\nb bork bork bork");
});

Deno.test("bork replier: only bytes that can still become a character wait", () => {
  // What waits after a push is what the end of the stream flushes.
  const heldFor = (bytes: number[]): number[] => {
    const replier = new BorkReplier();
    replier.push(new Uint8Array(bytes));
    return [...(replier.flush()?.text ?? [])];
  };
  const emoji = [...encode("😀")]; // 4 bytes
  for (let cut = 1; cut < 4; cut++) {
    deepEqual(heldFor(emoji.slice(0, cut)), emoji.slice(0, cut));
  }
  deepEqual(heldFor(emoji), []);
  deepEqual(heldFor([0x61, 0xe4, 0xbd]), [0xe4, 0xbd]);
  // No byte that follows can make these a character, so they are answered
  // at once: leads that are never used (0xc0, 0xc1, 0xf5-0xff), a stray
  // continuation, and second bytes that make an overlong form (0xe0 0x80),
  // a surrogate (0xed 0xa0) or a code point past U+10FFFF (0xf4 0x90).
  for (
    const bytes of [
      [0xff],
      [0xf8],
      [0xf5],
      [0xc0],
      [0xc1],
      [0x61, 0x80],
      [0xe0, 0x80],
      [0xe0, 0x9f],
      [0xed, 0xa0],
      [0xf0, 0x80],
      [0xf0, 0x8f],
      [0xf4, 0x90, 0x80],
    ]
  ) {
    deepEqual(heldFor(bytes), [], `bytes ${bytes}`);
  }
  // The edges of those second bytes still wait for the rest.
  for (
    const bytes of [[0xe0, 0xa0], [0xed, 0x9f], [0xf0, 0x90], [0xf4, 0x8f]]
  ) {
    deepEqual(heldFor(bytes), bytes, `bytes ${bytes}`);
  }
});

Deno.test("bork replier: a character split across chunks is answered once whole", () => {
  const bytes = encode("你好😀!");
  const replier = new BorkReplier();
  const first = replier.push(bytes.subarray(0, 8)); // 你好 + 2 of 4 emoji bytes
  deepEqual(decode(first!.text), "你好");
  deepEqual(decode(first!.reply), "你好 bork bork bork");
  deepEqual(replier.push(bytes.subarray(8, 9)), null);
  const second = replier.push(bytes.subarray(9));
  deepEqual(decode(second!.reply), "😀! bork bork bork");
  deepEqual(replier.flush(), null);
});

Deno.test("bork replier: bytes still incomplete at EOF are flushed as they are", () => {
  const replier = new BorkReplier();
  deepEqual(replier.push(new Uint8Array([0xe4, 0xbd])), null);
  const rest = replier.flush();
  deepEqual([...rest!.text], [0xe4, 0xbd]);
});

Deno.test("bork: a reply chunked by the server is recognised as complete", () => {
  deepEqual(isCompleteBorkReply(encode("12 bork bork bork"), 2), true);
  deepEqual(isCompleteBorkReply(encode("12 bork bork"), 2), false);
  deepEqual(
    isCompleteBorkReply(encode("1 bork bork bork2 bork bork bork"), 2),
    true,
  );
  deepEqual(isCompleteBorkReply(encode("1 bork bork bork"), 2), false);
  deepEqual(isCompleteBorkReply(encode("hi bork bork bork\n"), 3), true);
});
