import { deepEqual } from "node:assert/strict";
import {
  BorkReplier,
  borkReply,
  completeUtf8Length,
  isCompleteBorkReply,
} from "../protocol/bork.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

Deno.test("bork reply: the suffix goes at the end of a chunk without newline", () => {
  deepEqual(decode(borkReply(encode("Hello"))), "Hello bork bork bork");
});

Deno.test("bork reply: the suffix goes before a trailing \\n or \\r\\n", () => {
  deepEqual(decode(borkReply(encode("hi\n"))), "hi bork bork bork\n");
  deepEqual(decode(borkReply(encode("hi\r\n"))), "hi bork bork bork\r\n");
  deepEqual(decode(borkReply(encode("\n"))), " bork bork bork\n");
  deepEqual(decode(borkReply(encode("a\nb"))), "a\nb bork bork bork");
});

Deno.test("bork: a trailing incomplete UTF-8 sequence is held back", () => {
  const emoji = encode("😀"); // 4 bytes
  for (let cut = 1; cut < 4; cut++) {
    deepEqual(completeUtf8Length(emoji.subarray(0, cut)), 0);
  }
  deepEqual(completeUtf8Length(emoji), 4);
  deepEqual(completeUtf8Length(encode("你")), 3);
  deepEqual(completeUtf8Length(encode("你").subarray(0, 2)), 0);
  deepEqual(completeUtf8Length(encode("aé").subarray(0, 2)), 1);
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
