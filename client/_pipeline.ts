/**
 * One load connection, pipelined: its writer and its reader run
 * independently, so a message larger than both sides' socket buffers echoes
 * back while it is still being sent, and under `--rate` several messages
 * may be in flight at once. Each echoed message is matched, byte for byte,
 * to the message sent, and its latency is taken from the times recorded
 * when it was sent.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { connectionFailure } from "./_many.ts";
import { closedEarly, echoMismatch, extraBytes } from "./_pipeline_errors.ts";
import { InFlightTimes } from "./_in_flight.ts";
import { Silence } from "./_silence.ts";
import { EARLY_MS, sleepUntil } from "./_schedule.ts";
import { seconds } from "../output/count.ts";
import {
  LATE_SEND_MS,
  type PipelineJob,
  SHORT_STALL_MS,
  type StopReason,
} from "./_pipeline_job.ts";

/** What a failed write was doing, and a failed read. */
const SENDING = "while sending";
const WAITING = "while waiting for the echo";
/** What a failed read was doing once every echo was in. */
const ENDING = "while waiting for the end";

/** Largest read per call; a bigger message is read in several. */
const READ_CHUNK = 64 * 1024;

/**
 * The largest message a closed-loop connection with one message in flight
 * sends before reading its echo (see `#lockstep`). Socket buffers are at
 * least 4 KiB each even under memory pressure, so the four between client
 * and server always hold a message this small and its echo.
 */
const LOCKSTEP_MAX_BYTES = 4096;

/**
 * How long a connection that has all its echoes waits for the server's end
 * of stream after its own, before it just closes: a server may keep a
 * half-closed connection open, which is no error.
 */
const TAIL_MS = 2_000;

/**
 * A pipelined load connection over an open socket.
 *
 * @example
 * ```ts
 * import { PipelinedConnection } from "./_pipeline.ts";
 * import { connectSocket } from "../protocol/dial.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const socket = await connectSocket(server.addr.port);
 * await new PipelinedConnection(socket, {
 *   payload: new Uint8Array(10), window: 1, limit: 3, deadline: Infinity,
 *   plannedAt: () => undefined, onSend() {}, onEcho() {},
 * }).run();
 * await server.close();
 * ```
 */
export class PipelinedConnection {
  /** The connection. */
  readonly socket: StreamSocket;
  /** Messages handed to the OS so far (or being handed). */
  sent = 0;
  /** Messages echoed whole so far. */
  echoed = 0;
  /** When the last message was handed to the OS (pipelined sends only). */
  lastSentAt: number = -Infinity;
  #job: PipelineJob;
  #times = new InFlightTimes();
  // Bytes of the oldest message in flight echoed so far.
  #offset = 0;
  #writerDone = false;
  #wakeWriter: (() => void) | undefined;
  #stopper = new AbortController();
  #wakeTimed: (() => void) | undefined;
  #stopReason: StopReason | "failed" | "tail" | undefined;
  #failure: NetError | undefined;
  #tailTimer: ReturnType<typeof setTimeout> | undefined;
  #silence: Silence;

  /** Prepares `job` on `socket`; {@linkcode PipelinedConnection.run} starts it. */
  constructor(socket: StreamSocket, job: PipelineJob) {
    this.socket = socket;
    this.#job = job;
    this.#silence = new Silence(socket, job.watchdogMs);
  }

  /** Messages sent whose echo is not complete yet. */
  get inFlight(): number {
    return this.sent - this.echoed;
  }

  /**
   * True once every message is sent and echoed: what is left is the wait
   * for the server's end of stream.
   */
  get done(): boolean {
    return this.#writerDone && this.inFlight === 0;
  }

  /**
   * Ms since the connection last moved a byte, as its own sends and reads
   * tell (0 without a `--timeout`): for the watchdog.
   */
  quietFor(now: number): number {
    return this.#silence.quietFor(now);
  }

  /** Stops the connection now; what it reports depends on `reason`. */
  stop(reason: StopReason): void {
    this.#halt(reason);
  }

  /**
   * Sends and reads until the job is done, then half-closes and waits for
   * the server's end of stream; rejects with a {@linkcode NetError} at the
   * first failure (or a timeout after a drain or watchdog stop), and
   * always closes the socket.
   */
  async run(): Promise<void> {
    const job = this.#job;
    if (
      job.window === 1 && job.payload.length <= LOCKSTEP_MAX_BYTES &&
      job.plannedAt(0) === undefined
    ) {
      await this.#lockstep().catch(this.#fail);
    } else {
      await Promise.all([
        this.#write().catch(this.#fail),
        this.#read().catch(this.#fail),
      ]);
    }
    clearTimeout(this.#tailTimer);
    this.socket.close();
    const peer = this.socket.peer;
    if (this.#stopReason === "failed") throw this.#failure;
    if (this.#stopReason === "watchdog") {
      const limit = this.#job.watchdogMs;
      throw new NetError(
        "timeout",
        `${peer} made no progress ${
          limit === undefined ? "in time" : `for ${seconds(limit)} (--timeout)`
        }`,
      );
    }
    if (this.#stopReason === "drain" && this.inFlight > 0) {
      throw new NetError(
        "timeout",
        `${peer} did not echo ${this.inFlight} message(s) by the run's end`,
      );
    }
  }

  // Only the first failure is the event: closing the socket after it makes
  // the other side fail too, as a consequence.
  #fail = (error: unknown): void => {
    if (this.#stopReason === undefined) {
      this.#failure = connectionFailure(error, this.socket.peer);
      this.#halt("failed");
    }
  };

  #halt(reason: StopReason | "failed" | "tail"): void {
    this.#stopReason ??= reason;
    this.#stopper.abort();
    this.#wakeWriter?.();
    this.#wakeTimed?.();
    this.socket.close();
  }

  get #stopped(): boolean {
    return this.#stopper.signal.aborted;
  }

  async #write(): Promise<void> {
    const job = this.#job;
    const signal = this.#stopper.signal;
    for (let index = 0; index < job.limit; index++) {
      let waitFrom = 0;
      let freedAt = 0;
      while (this.inFlight >= job.window && !this.#stopped) {
        waitFrom ||= performance.now();
        await new Promise<void>((resolve) => this.#wakeWriter = resolve);
        freedAt = performance.now();
      }
      const planned = job.plannedAt(index);
      let slept = false;
      if (planned !== undefined) {
        if (planned >= job.deadline) break;
        if (planned - (freedAt || performance.now()) >= EARLY_MS) {
          await new Promise<void>((wake) => {
            this.#wakeTimed = wake;
            if (job.wakeAt) job.wakeAt(planned, wake);
            else sleepUntil(planned, signal).then(wake);
          });
          this.#wakeTimed = undefined;
          slept = true;
        }
      }
      if (this.#stopped) return;
      const now = performance.now();
      if (slept && now - planned! >= SHORT_STALL_MS) {
        job.onLateWake?.({
          plannedAt: planned!,
          ms: now - planned!,
          endedAt: now,
        });
      }
      // How long a message already due waited for a place in the pipeline:
      // until the place freed, not until the send, which the client's own
      // delays (a late timer) may put off further.
      const stalled = waitFrom === 0 || planned === undefined
        ? 0
        : freedAt - Math.max(waitFrom, planned);
      if (stalled >= SHORT_STALL_MS) {
        job.onStall?.({ plannedAt: planned!, ms: stalled, endedAt: freedAt });
      }
      if (now >= job.deadline + (planned === undefined ? 0 : LATE_SEND_MS)) {
        break;
      }
      // Its schedule time, even when sent early (within a timer tick):
      // what was due after a warm-up is counted, and its latency is taken
      // from the earlier of the two (see PipelineJob.onEcho).
      const due = planned ?? now;
      this.#times.push(due, now);
      this.sent++;
      this.lastSentAt = now;
      job.onSend(now, due);
      this.#silence.moved(now);
      await this.socket.writeAll(job.payload, SENDING);
      // A large message's write can itself take long.
      if (this.#silence.limitMs !== undefined) {
        this.#silence.moved(performance.now());
      }
    }
    this.#writerDone = true;
    if (this.inFlight === 0) this.#finish();
  }

  // Closed loop, one message in flight, and a message too small to fill
  // the socket buffers: write it, then read its echo, as a plain client
  // would. Nothing can deadlock, and a read issued once the write is done
  // often finds the echo there already, which costs Deno far less than a
  // read left pending beside the write (a third less CPU per round trip).
  async #lockstep(): Promise<void> {
    const job = this.#job;
    const { payload } = job;
    const socket = this.socket;
    // The connection's own calls when the socket would add only counts to
    // them: its two async frames per round trip were 9% of the client's
    // instructions per round trip under callgrind.
    const conn = socket.direct ? socket.conn : undefined;
    const buffer = new Uint8Array(payload.length);
    // The next message goes as its last echo is read, so that one clock
    // read serves both (as the C generator does): any time in between is
    // counted in the next round trip, never left out.
    let now = performance.now();
    for (let index = 0; index < job.limit && !this.#stopped; index++) {
      if (now >= job.deadline) break;
      this.#times.push(now, now);
      this.sent++;
      job.onSend(now, now);
      let written = 0;
      if (conn !== undefined) {
        try {
          written = await conn.write(payload);
        } catch (error) {
          throw socket.failure(error, SENDING);
        }
        socket.bytesWritten += written;
      }
      if (written < payload.length) {
        await socket.writeAll(payload.subarray(written), SENDING);
      }
      this.#silence.moved(now);
      while (this.inFlight > 0) {
        let got: number | null;
        if (conn === undefined) {
          got = await socket.read(buffer, WAITING);
        } else {
          try {
            got = await conn.read(buffer);
          } catch (error) {
            got = socket.endOfRead(error, WAITING);
          }
          if (got !== null) socket.bytesRead += got;
        }
        if (got === null) throw this.#closedEarly();
        now = performance.now();
        if (this.#silence.endedLate(now, true)) return this.#halt("watchdog");
        this.#consume(buffer, got, now);
      }
    }
    this.#writerDone = true;
    this.#finish();
    await this.#read();
  }

  async #read(): Promise<void> {
    const { payload } = this.#job;
    const socket = this.socket;
    const conn = socket.direct ? socket.conn : undefined;
    const buffer = new Uint8Array(
      Math.min(payload.length * Math.min(this.#job.window, 16), READ_CHUNK),
    );
    while (true) {
      let got: number | null;
      if (conn === undefined) {
        got = await socket.read(buffer, this.#waitingFor);
      } else {
        try {
          got = await conn.read(buffer);
        } catch (error) {
          got = socket.endOfRead(error, this.#waitingFor);
        }
        if (got !== null) socket.bytesRead += got;
      }
      if (got === null) {
        if (this.inFlight > 0 || !this.#writerDone) throw this.#closedEarly();
        return;
      }
      const now = performance.now();
      if (this.#silence.endedLate(now, this.inFlight > 0)) {
        return this.#halt("watchdog");
      }
      this.#consume(buffer, got, now);
    }
  }

  // Every echo in and the half-close sent: a reset now ends no round trip.
  get #waitingFor(): string {
    return this.#tailTimer === undefined ? WAITING : ENDING;
  }

  #closedEarly(): NetError {
    const size = this.#job.payload.length;
    return closedEarly(this.socket.peer, {
      echoed: this.echoed * size + this.#offset,
      sent: this.sent * size,
    });
  }

  // Matches `got` bytes of `buffer` against the messages in flight.
  #consume(buffer: Uint8Array, got: number, now: number): void {
    const { payload } = this.#job;
    const size = payload.length;
    let at = 0;
    while (at < got) {
      if (this.inFlight === 0) {
        throw extraBytes(this.socket.peer, this.echoed);
      }
      const offset = this.#offset;
      const take = Math.min(got - at, size - offset);
      for (let i = 0; i < take; i++) {
        if (buffer[at + i] !== payload[offset + i]) {
          // The first bytes read: `buffer` holds only the server's answer.
          const first = this.echoed === 0 && offset === 0 && at === 0;
          throw echoMismatch(this.socket, {
            byte: offset + i + 1,
            message: this.echoed + 1,
            firstBytes: first ? buffer.subarray(0, got) : undefined,
          });
        }
      }
      at += take;
      this.#offset += take;
      if (this.#offset === size) {
        this.#offset = 0;
        this.#complete(now);
      }
    }
  }

  #complete(now: number): void {
    const times = this.#times;
    times.shift();
    this.echoed++;
    this.#job.onEcho(times.planned, times.sentAt, now);
    const wake = this.#wakeWriter;
    this.#wakeWriter = undefined;
    wake?.();
    if (this.#writerDone && this.inFlight === 0) this.#finish();
  }

  // Once every echo is back, the half-close tells the server that nothing
  // more comes, and the connection waits for its end of stream: any byte
  // before it is an extra byte. Not earlier: many servers close at the
  // end of stream and drop the echoes they still hold.
  #finish(): void {
    if (this.#stopped || this.#tailTimer !== undefined) return;
    this.#job.onDone?.();
    this.#tailTimer = setTimeout(() => this.#halt("tail"), TAIL_MS);
    this.socket.closeWrite().catch(this.#fail);
  }
}
