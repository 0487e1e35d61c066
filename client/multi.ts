/**
 * The multi-connection lesson's client: it opens several connections at
 * once, sends each one's messages while reading the echoes as they come,
 * and checks that every connection got back exactly what it sent.
 *
 * @module
 */

import { checkPositive, checkWhole } from "../protocol/option_checks.ts";
import { endpointOf, formatEndpoint } from "../protocol/endpoint.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { NetError } from "../protocol/errors.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { counted } from "../output/count.ts";
import type { ClientOptions } from "./common.ts";
import { FailureTally } from "./failures.ts";
import { Connector } from "./_connect.ts";
import {
  EchoCheck,
  type EchoCheckOptions,
  type Message,
} from "./_echo_check.ts";

/** The lesson's messages, sent on every connection. */
export const DEFAULT_MULTI_MESSAGES: readonly string[] = [
  "Message 1 from client.",
  "Message 2 from client.",
];

/** The lesson's number of connections. */
export const DEFAULT_MULTI_CONNECTIONS = 2;

/**
 * How long a connection waits, after its whole echo and its half-close, for
 * the server to close in turn (unless a --timeout says otherwise), in ms.
 */
const END_WAIT_MS = 5_000;

/** Options for {@linkcode runMulti}. */
export interface MultiOptions extends ClientOptions {
  /** How many connections to open at once. Default 2. */
  connections?: number;
  /** The messages each connection sends, in order. Default: the lesson's two. */
  messages?: readonly string[];
}

/** What {@linkcode runMulti} saw. */
export interface MultiResult {
  /** Connections asked for. */
  connections: number;
  /** Connections that got back exactly what they sent. */
  completed: number;
  /** Bytes each connection sends (and expects back). */
  bytesPerConnection: number;
  /** The failures, by kind, with the first one's message. */
  failures: FailureTally;
}

const encoder = new TextEncoder();

/**
 * Opens the connections concurrently (at most 128 connects in flight); each
 * sends its messages in order, each written in full; once as many bytes
 * came back as it sent, it half-closes and reads on until the server closes
 * too, so that bytes beyond the echo are seen. A refused, reset or
 * early-closed connection, one that gets different or extra bytes back, or
 * one the server does not close within 5 s (or the timeout) after the echo,
 * counts as failed with its reason; the others carry on. Rejects only when interrupted or when the
 * open-file limit is too low for the request.
 *
 * @example
 * ```ts
 * import { runMulti } from "./multi.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const result = await runMulti({ port: server.addr.port, connections: 3 });
 * result.completed; // 3
 * await server.close();
 * ```
 */
export async function runMulti(
  options: MultiOptions = {},
): Promise<MultiResult> {
  return await new MultiRun(options).run();
}

/** One lesson run: its messages, its connector, and what it found. */
class MultiRun {
  #options: MultiOptions;
  #reporter: Reporter;
  #count: number;
  // What every connection sends and expects back.
  #check: EchoCheckOptions;
  #connector: Connector;
  #failures = new FailureTally();
  #completed = 0;

  constructor(options: MultiOptions) {
    checkWhole(options.connections, "connections", { min: 1 });
    checkPositive(options.timeoutMs, "timeoutMs");
    if (options.messages?.some((message) => message === "")) {
      throw new RangeError("messages must not hold an empty message");
    }
    this.#options = options;
    this.#reporter = options.reporter ?? SILENT;
    this.#count = options.connections ?? DEFAULT_MULTI_CONNECTIONS;
    const messages = encodeMessages(options.messages ?? DEFAULT_MULTI_MESSAGES);
    this.#check = {
      messages,
      expected: concatBytes(messages.map((message) => message.bytes)),
      endWaitMs: options.timeoutMs ?? END_WAIT_MS,
      reporter: this.#reporter,
    };
    const endpoint = endpointOf(options);
    const address = formatEndpoint(endpoint);
    // One stop ends every connection: the caller's abort, or the open-file
    // limit making the run pointless.
    this.#connector = new Connector({
      endpoint,
      connections: this.#count,
      reporter: this.#reporter,
      signal: options.signal,
      connectOptions: { timeoutMs: options.timeoutMs },
      closeOnStop: true,
      onStart: (index) =>
        this.#reporter.info(`Starting connection ${index} to ${address}`),
      onFailure: (failure, index) => this.#fail(index, failure),
    });
  }

  async run(): Promise<MultiResult> {
    try {
      const all: Promise<void>[] = [];
      for (let index = 1; index <= this.#count; index++) {
        all.push(this.#connection(index));
      }
      await Promise.all(all);
    } finally {
      this.#connector.close();
    }
    if (this.#connector.limitError) throw this.#connector.limitError;
    if (this.#options.signal?.aborted) {
      throw new NetError(
        "interrupted",
        "interrupted while the connections ran",
      );
    }
    return {
      connections: this.#count,
      completed: this.#completed,
      bytesPerConnection: this.#check.expected.length,
      failures: this.#failures,
    };
  }

  async #connection(index: number): Promise<void> {
    const socket = await this.#connector.open(index);
    if (socket === undefined) return;
    try {
      const failure = await new EchoCheck(socket, index, this.#check).run();
      if (this.#connector.stopped) return;
      if (failure) {
        this.#fail(index, failure);
      } else {
        this.#reporter.info(`Closing connection ${index}`);
        this.#completed++;
      }
    } finally {
      socket.close();
    }
  }

  #fail(index: number, failure: NetError): void {
    this.#failures.add(failure);
    this.#reporter.problem(`Connection ${index} failed: ${failure.message}`);
  }
}

/**
 * The one-line summary of a run: success, or how many failed and why.
 *
 * @example
 * ```ts
 * import { formatMultiSummary, runMulti } from "./multi.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * formatMultiSummary(await runMulti({ port: server.addr.port }));
 * // "All 2 connections completed; every echo matched (44 bytes each)"
 * await server.close();
 * ```
 */
export function formatMultiSummary(result: MultiResult): string {
  const { connections, failures } = result;
  if (failures.total === 0) {
    const all = connections === 1
      ? "The connection"
      : `All ${connections} connections`;
    const bytes = counted(result.bytesPerConnection, "byte");
    return connections === 1
      ? `${all} completed; its echo matched (${bytes})`
      : `${all} completed; every echo matched (${bytes} each)`;
  }
  const noun = connections === 1 ? "connection" : "connections";
  return `${failures.total} of ${connections} ${noun} failed: ${failures.describeWithFirst()}`;
}

function encodeMessages(texts: readonly string[]): Message[] {
  return texts.map((text) => ({ text, bytes: encoder.encode(text) }));
}
