/**
 * Fuzzing the app protocol with a fixed seed (so a failure reproduces): the
 * decoder only ever throws ProtocolError, and a live server that has been
 * fed a thousand malformed connections still answers correctly.
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  appRequest,
  encodeAppMessage,
  jsonMessage,
  ProtocolError,
  type ProtocolReason,
} from "../protocol/app_codec.ts";
import { requestApp } from "../client/app.ts";
import { DEFAULT_SEARCH_TABLE, serveApp } from "../server/app.ts";
import { captureReporter } from "./_helpers.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { randomBytes, randomChunks, seededRandom } from "./_random.ts";

const SEED = 0x5eed_a99;
const FUZZ_CASES = 100_000;
const FUZZ_LIMIT = 4096;
const utf8 = new TextEncoder();

Deno.test(`app fuzz: ${FUZZ_CASES} random and mutated frames make the decoder throw nothing but ProtocolError`, () => {
  const random = seededRandom(SEED);
  const seeds = seedFrames();
  const reasons = new Set<ProtocolReason>();
  let messages = 0;
  let rejected = 0;
  for (let i = 0; i < FUZZ_CASES; i++) {
    const bytes = fuzzCase(random, seeds);
    const decoder = new AppDecoder({ maxContentLength: FUZZ_LIMIT });
    try {
      for (const chunk of chunked(bytes, random)) {
        messages += decoder.push(chunk).length;
      }
      decoder.end();
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        throw new Error(
          `case ${i} (seed ${SEED}) threw ${error} for bytes ${
            [...bytes.subarray(0, 200)].join(",")
          }`,
        );
      }
      rejected++;
      reasons.add(error.reason);
    }
  }
  // The cases must reach both outcomes and most rules, or the fuzzer is
  // testing nothing.
  assert.ok(messages > 1000, `only ${messages} messages decoded`);
  assert.ok(rejected > FUZZ_CASES / 4, `only ${rejected} rejections`);
  for (
    const reason of [
      "empty-header",
      "header-not-utf8",
      "header-not-json",
      "header-not-object",
      "missing-key",
      "bad-content-length",
      "content-too-long",
      "content-not-json",
      "truncated",
    ] as const
  ) {
    assert.ok(reasons.has(reason), `no case was rejected as ${reason}`);
  }
});

Deno.test("app fuzz: a live server answers correctly after 1000 malformed connections", async () => {
  const random = seededRandom(SEED + 1);
  const seeds = seedFrames();
  const log = captureReporter();
  const server = serveApp({ port: 0, reporter: log.reporter });
  const port = server.addr.port;
  try {
    const cases: Uint8Array[] = [];
    while (cases.length < 1000) {
      const bytes = fuzzCase(random, seeds);
      if (isRejected(bytes)) cases.push(bytes);
    }
    for (let start = 0; start < cases.length; start += 50) {
      await Promise.all(
        cases.slice(start, start + 50).map((bytes) =>
          sendAndDrain(port, bytes)
        ),
      );
    }
    const response = await requestApp("search", "🐢", { port });
    assert.equal(
      response.kind === "json"
        ? (response.value as Record<string, unknown>).result
        : undefined,
      DEFAULT_SEARCH_TABLE.get("🐢"),
    );
    assert.equal(log.err.length, 0, log.err.join("\n"));
  } finally {
    await server.close();
  }
  // Past 20 lines a second the rejections are counted, not shown; closing
  // the server prints what was still counted.
  const shown =
    log.out.filter((line) => line.startsWith("Rejected request from ")).length;
  const counted = log.out.reduce(
    (sum, line) =>
      sum + Number(/ (\d+) (?:other )?lines? not shown/.exec(line)?.[1] ?? 0),
    0,
  );
  assert.ok(shown > 0 && counted > 0, log.out.slice(-5).join("\n"));
  // The search request's own two lines may be among those counted.
  assert.ok(
    shown + counted >= 1000 && shown + counted <= 1002,
    `${shown} shown, ${counted} counted`,
  );
});

Deno.test("app fuzz: deeply nested JSON cannot crash the server", async () => {
  const log = captureReporter();
  const server = serveApp({ port: 0, reporter: log.reporter });
  try {
    const depth = 200_000;
    const nested = "[".repeat(depth) + "]".repeat(depth);
    const frame = encodeAppMessage({
      contentType: "text/json",
      contentEncoding: "utf-8",
      content: utf8.encode(`{"action": "search", "value": ${nested}}`),
    });
    await sendAndDrain(server.addr.port, frame);
    const response = await requestApp("search", "port", {
      port: server.addr.port,
    });
    assert.equal(response.kind, "json");
    assert.equal(log.err.length, 0, log.err.join("\n"));
  } finally {
    await server.close();
  }
});

function isRejected(bytes: Uint8Array): boolean {
  const decoder = new AppDecoder();
  try {
    // The server answers the first message and ignores what follows it.
    if (decoder.push(bytes).length > 0) return false;
    decoder.end();
    return false;
  } catch {
    return true;
  }
}

/** Sends bytes, half-closes, reads until the server closes; never throws for a reset. */
async function sendAndDrain(port: number, bytes: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    try {
      let offset = 0;
      while (offset < bytes.length) {
        offset += await conn.write(bytes.subarray(offset));
      }
      await conn.closeWrite();
    } catch {
      // The server may close before taking everything: that is its answer.
    }
    const buffer = new Uint8Array(4096);
    try {
      while (await conn.read(buffer) !== null) {
        // Draining until the server closes.
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
    }
  } finally {
    conn.close();
  }
}

function seedFrames(): Uint8Array[] {
  return [
    encodeAppMessage(appRequest("search", "morpheus")),
    encodeAppMessage(appRequest("search", "🐶 café")),
    encodeAppMessage(appRequest("pat", "\u{1F436}\u{1F436}")),
    encodeAppMessage(jsonMessage({ result: 'No match for "x".' })),
    encodeAppMessage({
      contentType: "binary/x",
      contentEncoding: "binary",
      content: new Uint8Array(0),
    }),
    encodeAppMessage({
      contentType: "binary/x",
      contentEncoding: "binary",
      content: new Uint8Array(1000).fill(0x55),
    }),
  ];
}

/** Values spliced into headers, chosen to hit each rule's edges. */
const HEADER_TOKENS = [
  "-1",
  "1.5",
  "1e999",
  "9007199254740993",
  "4097",
  "0",
  '"5"',
  "null",
  "true",
  "[]",
  "{}",
  '"big"',
  '"middle"',
  '"text/json"',
  '"latin-1"',
  "",
  "{",
  '"',
  "\\",
  "\ufeff",
  "[".repeat(3000),
];

function fuzzCase(random: () => number, seeds: Uint8Array[]): Uint8Array {
  const roll = random();
  if (roll < 0.1) return randomBytes(random, 1 + pick(random, 300));
  const seed = seeds[pick(random, seeds.length)];
  if (roll < 0.4) return mutateHeaderText(random, seed);
  let bytes: Uint8Array = seed.slice();
  const mutations = 1 + pick(random, 4);
  for (let m = 0; m < mutations; m++) bytes = mutate(random, bytes);
  return bytes;
}

function mutate(random: () => number, bytes: Uint8Array): Uint8Array {
  const at = pick(random, bytes.length + 1);
  switch (pick(random, 7)) {
    case 0: { // flip one bit
      const copy = bytes.slice();
      if (copy.length > 0) copy[at % copy.length] ^= 1 << pick(random, 8);
      return copy;
    }
    case 1: { // overwrite one byte
      const copy = bytes.slice();
      if (copy.length > 0) copy[at % copy.length] = pick(random, 256);
      return copy;
    }
    case 2: // truncate
      return bytes.slice(0, at);
    case 3: // append garbage
      return concatBytes([bytes, randomBytes(random, pick(random, 50))]);
    case 4: // insert garbage
      return concatBytes([
        bytes.subarray(0, at),
        randomBytes(random, 1 + pick(random, 8)),
        bytes.subarray(at),
      ]);
    case 5: { // a new header length
      const copy = bytes.slice();
      if (copy.length >= 2) {
        const length = random() < 0.5
          ? pick(random, 0x10000)
          : pick(random, 300);
        copy[0] = length >> 8;
        copy[1] = length & 0xff;
      }
      return copy;
    }
    default: // two frames back to back
      return concatBytes([bytes, bytes]);
  }
}

/** Replaces one token of the header's JSON text, then fixes the length prefix. */
function mutateHeaderText(random: () => number, frame: Uint8Array): Uint8Array {
  const headerLength = (frame[0] << 8) | frame[1];
  const header = new TextDecoder().decode(frame.subarray(2, 2 + headerLength));
  const tokens = header.split(/(?<=[:,{}])\s*|\s*(?=[,}])/);
  const token = HEADER_TOKENS[pick(random, HEADER_TOKENS.length)];
  // Now and then the whole header becomes one value (not an object).
  const text = random() < 0.1 ? token : (() => {
    tokens[pick(random, tokens.length)] = token;
    return tokens.join(" ");
  })();
  const mutated = utf8.encode(text.slice(0, 0xffff));
  const prefix = new Uint8Array([mutated.length >> 8, mutated.length & 0xff]);
  return concatBytes([prefix, mutated, frame.subarray(2 + headerLength)]);
}

function chunked(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const roll = random();
  if (roll < 0.7) return [bytes];
  // Byte by byte for the short frames, so that the run stays quick.
  const maxChunk = roll < 0.8 && bytes.length < 600 ? 1 : 1 + pick(random, 64);
  return randomChunks(bytes, random, { maxChunk });
}

function pick(random: () => number, count: number): number {
  return Math.floor(random() * count);
}
