/**
 * Reading the application lesson's wire format (see `app_codec.ts`, which
 * writes it): a decoder that takes bytes in any chunking and throws only
 * {@linkcode ProtocolError}, whatever it is fed; it holds at most one header
 * (65535 bytes by construction) and one content of at most the limit. Shared
 * by the app server (requests) and client (responses).
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { jsonParseCost } from "./json_cost.ts";
import {
  type AppHeader,
  type AppMessage,
  DEFAULT_MAX_CONTENT,
  finishAppMessage,
  JSON_CONTENT_TYPE,
  parseAppHeader,
  ProtocolError,
} from "./app_header.ts";

/** Options for {@linkcode AppDecoder}. */
export interface AppDecoderOptions {
  /** The largest content-length accepted, in bytes. Default 1 MiB. */
  maxContentLength?: number;
  /**
   * Asked, when a header or a content begins, for room to hold its declared
   * length; false fails the decoding with an "over-budget"
   * {@linkcode ProtocolError} before any of it is kept. By then the decoder
   * no longer holds the part before (a content's header is parsed and
   * dropped), so the room asked for takes that part's place. A server
   * shares one budget among its connections this way: each part either has
   * room for all of its declared bytes or is refused at once, so no budget
   * is spent on a half-received part that is later refused. Default:
   * always yes. A text/json content, once whole, asks again, for what its
   * parsed form will hold (its bytes included: see `jsonParseCost`).
   */
  reserve?: (bytes: number) => boolean;
}

type Stage = "length" | "header" | "content" | "failed";

/** What push returns for a chunk that completes no message. */
const NO_MESSAGES: readonly AppMessage[] = Object.freeze([]);

/**
 * The header and the content are held in blocks of at most this many bytes,
 * each allocated when bytes arrive for it and never copied until the part is
 * whole: memory follows what a peer has sent, not what it claims, and no
 * outgrown buffer is left for the garbage collector.
 */
const BLOCK_SIZE = 16 * 1024;

/**
 * Turns received bytes, in any chunking, into complete messages. After a
 * {@linkcode ProtocolError} the decoder stays failed and throws it again;
 * messages completed before the bad bytes are returned first, so the
 * outcome never depends on how the bytes were chunked.
 *
 * @example Decode a frame fed one byte at a time
 * ```ts
 * import { AppDecoder } from "./app_decoder.ts";
 * import { appRequest, encodeAppMessage } from "./app_codec.ts";
 * const frame = encodeAppMessage(appRequest("search", "ring"));
 * const decoder = new AppDecoder();
 * for (const byte of frame) {
 *   for (const message of decoder.push(new Uint8Array([byte]))) {
 *     message.kind; // "json"
 *   }
 * }
 * ```
 */
export class AppDecoder {
  #maxContent: number;
  #stage: Stage = "length";
  #failure: ProtocolError | undefined;
  #lengthBytes = new Uint8Array(2);
  #headerLength = 0;
  #fields: AppHeader | undefined;
  // The header, then the content, as far as received, in blocks that sum
  // to at most the part's length.
  #blocks: Uint8Array[] = [];
  #allocated = 0;
  #needed = 2;
  #filled = 0;
  #buffered = 0;
  #reserveHook: ((bytes: number) => boolean) | undefined;

  /**
   * A decoder that refuses content above `options.maxContentLength` from
   * the header alone, and asks `options.reserve` before it holds more.
   */
  constructor(options: AppDecoderOptions = {}) {
    this.#maxContent = options.maxContentLength ?? DEFAULT_MAX_CONTENT;
    this.#reserveHook = options.reserve;
  }

  /** Bytes of an unfinished message held so far (0 between messages). */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Bytes reserved for the part (header or content) in progress: its
   * declared length. Of these, at most 16 KiB more than it has received
   * are allocated.
   */
  get held(): number {
    return this.#stage === "header" || this.#stage === "content"
      ? this.#needed
      : 0;
  }

  /**
   * Says the stream has ended: throws a "truncated" {@linkcode ProtocolError}
   * when part of a message is still held, else does nothing.
   */
  end(): void {
    if (this.#failure) throw this.#failure;
    if (this.#buffered === 0) return;
    const where = this.#stage === "length"
      ? "header length"
      : `${this.#stage} (${this.#filled} of ${this.#needed} bytes)`;
    throw this.#fail(
      new ProtocolError(
        "truncated",
        `the stream ended in the middle of the ${where}`,
      ),
    );
  }

  /**
   * Takes the next received bytes (the decoder copies what it keeps) and
   * returns the messages they complete, in order. A chunk that completes
   * none gets back one shared empty array, so that the bytes in the middle
   * of a message cost no allocation.
   */
  push(chunk: Uint8Array): readonly AppMessage[] {
    if (this.#failure) throw this.#failure;
    let messages: AppMessage[] | undefined;
    let offset = 0;
    try {
      while (offset < chunk.length) {
        offset += this.#take(chunk, offset);
        const message = this.#step();
        if (message) (messages ??= []).push(message);
      }
    } catch (error) {
      // An unexpected error is named, not quoted: its message may hold any
      // amount of what the peer sent.
      const failure = this.#fail(
        error instanceof ProtocolError ? error : new ProtocolError(
          "undecodable",
          `the message could not be decoded: ${
            error instanceof Error ? error.name : "unknown error"
          }`,
        ),
      );
      // Messages completed before the bad bytes are still delivered; the
      // error waits for the next call, as a stream reader would meet it.
      if (messages === undefined) throw failure;
    }
    return messages ?? NO_MESSAGES;
  }

  #fail(failure: ProtocolError): ProtocolError {
    this.#stage = "failed";
    this.#drop();
    this.#failure = failure;
    return failure;
  }

  #take(chunk: Uint8Array, offset: number): number {
    const count = Math.min(this.#needed - this.#filled, chunk.length - offset);
    if (this.#stage === "length") {
      for (let i = 0; i < count; i++) {
        this.#lengthBytes[this.#filled + i] = chunk[offset + i];
      }
    } else {
      this.#store(chunk, offset, offset + count);
    }
    this.#filled += count;
    this.#buffered += count;
    return count;
  }

  /** Copies `chunk[from..to)` into the part's blocks. */
  #store(chunk: Uint8Array, from: number, to: number): void {
    let at = from;
    while (at < to) {
      const filled = this.#filled + at - from;
      let block = this.#blocks.at(-1);
      // Blocks before the last are full; so is the last when all the
      // allocated bytes are filled.
      if (block === undefined || this.#allocated === filled) {
        const size = Math.min(BLOCK_SIZE, this.#needed - this.#allocated);
        block = new Uint8Array(size);
        this.#blocks.push(block);
        this.#allocated += size;
      }
      const start = filled - (this.#allocated - block.length);
      const count = Math.min(block.length - start, to - at);
      // A chunk that falls whole into one block is copied without a view.
      block.set(
        count === chunk.length ? chunk : chunk.subarray(at, at + count),
        start,
      );
      at += count;
    }
  }

  /** The part in progress, whole: one block, or the blocks joined. */
  #joined(): Uint8Array {
    const blocks = this.#blocks;
    return blocks.length === 1 ? blocks[0] : concatBytes(blocks);
  }

  #drop(): void {
    this.#blocks = [];
    this.#allocated = 0;
  }

  #begin(stage: "length" | "header" | "content", needed: number): void {
    if (stage !== "length" && this.#reserveHook && !this.#reserveHook(needed)) {
      throw new ProtocolError(
        "over-budget",
        `no room to hold the ${needed}-byte ${stage}`,
      );
    }
    this.#stage = stage;
    this.#needed = needed;
    this.#filled = 0;
  }

  #step(): AppMessage | undefined {
    if (this.#filled < this.#needed) return undefined;
    if (this.#stage === "length") {
      this.#headerLength = (this.#lengthBytes[0] << 8) | this.#lengthBytes[1];
      if (this.#headerLength === 0) {
        throw new ProtocolError("empty-header", "the header length is 0");
      }
      this.#begin("header", this.#headerLength);
      return undefined;
    }
    if (this.#stage === "header") {
      const header = this.#joined();
      this.#drop();
      this.#fields = parseAppHeader(header, this.#maxContent);
      this.#begin("content", this.#fields.contentLength);
      // A message with no content is complete with its header.
      if (this.#needed > 0) return undefined;
    }
    const header = this.#fields as AppHeader;
    const content = this.#needed === 0 ? new Uint8Array(0) : this.#joined();
    // Parsed, a JSON content holds many times its bytes (an object per
    // three bytes of `[{},{},...]`): room for that takes the place of the
    // room its bytes had, before JSON.parse makes it.
    if (
      header.contentType === JSON_CONTENT_TYPE && this.#reserveHook &&
      !this.#reserveHook(jsonParseCost(content))
    ) {
      throw new ProtocolError(
        "over-budget",
        `no room to parse the ${content.length}-byte text/json content`,
      );
    }
    this.#drop();
    this.#fields = undefined;
    this.#buffered = 0;
    this.#begin("length", 2);
    return finishAppMessage(header, content);
  }
}
