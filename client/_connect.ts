/**
 * The connect phase of a multi-connection run, written once for the lesson
 * mode and the load mode: at most 128 connects in flight, the open-file
 * limit checked up front and an EMFILE turned into one sentence that stops
 * the rest, each failure classified and counted once, and nothing counted
 * after a stop.
 *
 * @module
 */

import { type Endpoint, formatEndpoint } from "../protocol/endpoint.ts";
import { NetError } from "../protocol/errors.ts";
import { type ConnectOptions, connectSocket } from "../protocol/dial.ts";
import { connectTimeout } from "../protocol/connect.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import type { LatencyRecorder } from "./latency.ts";
import {
  checkOpenFileLimit,
  connectionFailure,
  Gate,
  MAX_CONNECTS_IN_FLIGHT,
  openFileLimitError,
} from "./_many.ts";
import { Pacer } from "./_schedule.ts";

/** Options for {@linkcode Connector}. */
export interface ConnectorOptions {
  /** Where every connection goes. */
  endpoint: Endpoint;
  /**
   * Connections the run asks for at once: checked against the open-file
   * limit up front, and named in the error when the limit is hit anyway.
   */
  connections: number;
  /** Where the sockets' trace lines go. Default: nowhere. */
  reporter?: Reporter;
  /** Aborting stops the connector, as {@linkcode Connector.stop} does. */
  signal?: AbortSignal;
  /**
   * Passed to every `connectSocket`; a `timeoutMs` here holds for the
   * socket's reads and writes too.
   */
  connectOptions?: Omit<ConnectOptions, "signal" | "reporter">;
  /**
   * Gives up on one connect after this long, in ms (kind `timeout`),
   * without a timeout on the socket's later reads and writes. Default: none.
   */
  connectTimeoutMs?: number;
  /** Starts at most this many connects a second. Default: no pacing. */
  connectRate?: number;
  /**
   * A stop closes the connections already open too: their sockets hold
   * the connector's signal. Default false: open connections are the
   * caller's to stop.
   */
  closeOnStop?: boolean;
  /** Records how long each successful connect took. */
  connectLatency?: LatencyRecorder;
  /** Called as connection `index`'s connect starts (past the gate). */
  onStart?(index: number): void;
  /** Called with each failed connect, unless the connector was stopped. */
  onFailure(failure: NetError, index: number): void;
}

/** Options for one {@linkcode Connector.open}: the bounds of a timed run. */
export interface ConnectorOpenOptions {
  /**
   * A `performance.now()` time: a connect the pacer would let through only
   * at or after it is not made (the run is over by then).
   */
  before?: number;
  /**
   * Aborted when the run stops waiting: a connect still in flight then is
   * abandoned, and neither it nor the pacer's wait counts as a failure.
   */
  until?: AbortSignal;
}

/**
 * Opens a run's connections. {@linkcode Connector.stop} stops the connects
 * in flight, and the connections already open under `closeOnStop`.
 *
 * @example
 * ```ts
 * import { Connector } from "./_connect.ts";
 * import { endpointOf } from "../protocol/endpoint.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const connector = new Connector({
 *   endpoint: endpointOf({ port: listener.addr.port }),
 *   connections: 1,
 *   onFailure: () => {},
 * });
 * const socket = await connector.open(1);
 * socket?.close();
 * connector.close();
 * listener.close();
 * ```
 */
export class Connector {
  /** The endpoint as `HOST:PORT` (or a path), for messages. */
  readonly address: string;
  /** Connections opened so far. */
  opened = 0;
  /**
   * Set when a connect ran out of file descriptors: the error the run
   * should end with.
   */
  limitError: NetError | undefined;
  /** The process's open-file limit, as read before the first connect. */
  readonly fileLimit: number | undefined;
  #options: ConnectorOptions;
  #reporter: Reporter;
  #stopper = new AbortController();
  #connecting = new Set<AbortController>();
  #gate = new Gate(MAX_CONNECTS_IN_FLIGHT);
  #pacer: Pacer | undefined;

  /**
   * Prepares the connect phase; throws the one-line `too-many-open-files`
   * error when `connections` cannot fit under the open-file limit.
   */
  constructor(options: ConnectorOptions) {
    this.fileLimit = checkOpenFileLimit(options.connections);
    this.#options = options;
    this.#reporter = options.reporter ?? SILENT;
    this.address = formatEndpoint(options.endpoint);
    if (options.connectRate !== undefined) {
      this.#pacer = new Pacer(options.connectRate);
    }
    options.signal?.addEventListener("abort", this.stop, { once: true });
    // Aborted before it was given: no listener would ever hear it.
    if (options.signal?.aborted) this.stop();
  }

  /** Aborted once the connector is stopped, by the caller or the limit. */
  get signal(): AbortSignal {
    return this.#stopper.signal;
  }

  /** True once the connector is stopped. */
  get stopped(): boolean {
    return this.#stopper.signal.aborted;
  }

  /** Stops every connect in flight and refuses new ones. */
  stop = (): void => {
    if (this.stopped) return;
    for (const controller of this.#connecting) controller.abort();
    this.#stopper.abort();
  };

  /** Forgets the caller's signal, at the run's end. */
  close(): void {
    this.#options.signal?.removeEventListener("abort", this.stop);
  }

  /**
   * Opens connection `index` once the pacer and the gate let it through.
   * Resolves undefined when it failed (reported through `onFailure`, once)
   * or the connector was stopped; an EMFILE sets
   * {@linkcode Connector.limitError} and stops the connector.
   */
  async open(
    index: number,
    options: ConnectorOpenOptions = {},
  ): Promise<StreamSocket | undefined> {
    const { before, until } = options;
    try {
      if (
        this.#pacer &&
        !(await this.#pacer.next({ signal: this.signal, before }))
      ) return undefined;
      if (until?.aborted) return undefined;
      return await this.#gate.run(() => this.#connect(index, until));
    } catch (error) {
      // Cut short by the run's end: not a failure of the server's.
      if (until?.aborted) return undefined;
      const failure = connectionFailure(error, this.address);
      if (failure.kind === "too-many-open-files") {
        this.limitError ??= openFileLimitError(this.#options.connections);
        this.stop();
      } else if (!this.stopped) {
        this.#options.onFailure(failure, index);
      }
      return undefined;
    }
  }

  async #connect(index: number, until?: AbortSignal): Promise<StreamSocket> {
    if (this.stopped) {
      throw new NetError("interrupted", "interrupted before connecting");
    }
    const options = this.#options;
    options.onStart?.(index);
    // A connect of its own to abort: on a stop, or at its own timeout.
    const controller = new AbortController();
    const limitMs = options.connectTimeoutMs;
    let timedOut = false;
    const timer = limitMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limitMs);
    this.#connecting.add(controller);
    // Only the connect is cut at `until`: the socket keeps its own signal.
    const cut = (): void => controller.abort();
    until?.addEventListener("abort", cut, { once: true });
    const begun = performance.now();
    // The socket keeps this signal. Without closeOnStop it is aborted only
    // while connecting: the load stops its open connections itself, each
    // with the reason that decides what it reports.
    const signal = options.closeOnStop
      ? AbortSignal.any([this.signal, controller.signal])
      : controller.signal;
    try {
      const socket = await connectSocket(options.endpoint, {
        ...options.connectOptions,
        signal,
        reporter: this.#reporter,
      });
      options.connectLatency?.record(performance.now() - begun);
      this.opened++;
      return socket;
    } catch (error) {
      if (!timedOut) throw error;
      throw connectTimeout(this.address, limitMs ?? 0, { cause: error });
    } finally {
      clearTimeout(timer);
      until?.removeEventListener("abort", cut);
      this.#connecting.delete(controller);
    }
  }
}
