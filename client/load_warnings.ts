/**
 * The warnings a load run ends with on stderr, each one line: why a
 * `--rate` run sent less than its schedule (the client behind, its
 * pipelines full, churn waiting for connects, a server stall), and a run
 * that stopped before its time.
 *
 * @module
 */

import { seconds } from "../output/count.ts";
import type { LoadResult } from "./_load_figures.ts";
import { roundPerSecond } from "./load_report.ts";

/**
 * The warning lines for a finished load run, in the order to print them;
 * none for a run that kept its schedule and its length.
 *
 * @example
 * ```ts
 * import { loadWarnings } from "./load_warnings.ts";
 * import { runLoad } from "./load.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const result = await runLoad({ port: server.addr.port, rounds: 2 });
 * loadWarnings(result); // []
 * await server.close();
 * ```
 */
export function loadWarnings(result: LoadResult): string[] {
  const lines: string[] = [];
  if (result.behind) lines.push(behindWarning(result));
  else if (stalledQuietly(result)) {
    lines.push(stallWarning(result, shortfallOf(result)));
  }
  const stretched = stretchedSpan(result);
  if (stretched !== undefined) lines.push(stretched);
  if (result.endedEarlyAfter !== undefined) {
    const { omitSeconds, durationSeconds } = result.report.config;
    const why = result.failures.counts["too-many-open-files"]
      ? "the process ran out of file descriptors"
      : "every connection had stopped on an error";
    lines.push(
      `the run stopped ${
        seconds(result.endedEarlyAfter * 1000)
      } after its start, not after the ${
        seconds((omitSeconds + (durationSeconds ?? 0)) * 1000)
      } asked: ${why}, so its rates cover only the time it ran`,
    );
  }
  return lines;
}

/** `it sent N of M round trips/s requested`, for the warnings. */
function shortfallOf(result: LoadResult): string {
  const { config, achievedRate } = result.report;
  const achieved = achievedRate ?? 0;
  // As the report rounds it, unless that would reach the rate asked for.
  const rounded = roundPerSecond(achieved);
  const sent = rounded >= (config.rate ?? 0) ? achieved : rounded;
  return `it sent ${sent} of ${config.rate} round trips/s requested`;
}

/**
 * True for a run that kept its schedule but for messages left unsent
 * behind a stall at its end, with no error or interruption to say so.
 */
function stalledQuietly(result: LoadResult): boolean {
  return (result.report.unsentRoundTrips ?? 0) > 0 &&
    result.longestStallMs > 0 && result.failures.total === 0 &&
    !result.report.interrupted;
}

/**
 * A server stall that held due messages back: how long, the messages due
 * in the run never sent (which no latency shows), and the pipelines' own
 * cap when they would have held the schedule back without the stall.
 */
function stallWarning(result: LoadResult, shortfall: string): string {
  const { unsentRoundTrips } = result.report;
  // A measured time, to its tenth: 1.0 s, not 1 s.
  const longest = `${(result.longestStallMs / 1000).toFixed(1)} s`;
  const parts = [
    `the server stalled: ${shortfall}, as messages already due waited up to ${longest} for the server to answer the ones before them`,
  ];
  const count = unsentRoundTrips ?? 0;
  parts.push(
    count === 0
      ? "the latencies include that wait"
      : `${count === 1 ? "1 message" : `${count} messages`} due in the run ${
        count === 1 ? "was" : "were"
      } never sent, and the latencies leave them out`,
  );
  const cap = result.pipelineCap;
  if (cap !== null) {
    parts.push(
      `besides, at their usual round trip its pipelines allow about ${
        roundPerSecond(cap)
      } round trips/s (${
        pipelinesOf(result)
      }); give more --conns or a deeper --pipeline`,
    );
  }
  return parts.join("; ");
}

// `at most 1 in flight on each of 2 connections`.
function pipelinesOf(result: LoadResult): string {
  const { connections, pipeline } = result.report.config;
  const on = `${connections} connection${connections === 1 ? "" : "s"}`;
  return `at most ${pipeline} in flight on each of ${on}`;
}

/**
 * Says why a `--rate` run sent less than its schedule: its connections
 * came too slowly for `--lifetime` churn, its pipelines were full (the
 * round trips set the pace, as in wrk2 with too few connections), a stall
 * at its end left messages unsent, or the client itself could not keep up.
 */
function behindWarning(result: LoadResult): string {
  const { config } = result.report;
  const shortfall = shortfallOf(result);
  // A stall of a second or more outweighs every other cause.
  if (!result.heldBack && result.longestStallMs > 0) {
    return stallWarning(result, shortfall);
  }
  if (result.waitedForCloses) {
    const why = config.rounds === null
      ? "as the open-file limit left no room for more to wait on their own; raise ulimit -n or give a longer --lifetime"
      : "as a counted run's slot waits for it, to stop at its error; give a longer --lifetime, or a server that closes";
    return `the schedule waited for the server to close connections: ${shortfall}; each connection, its --lifetime done, waited for the server's end of stream after its own before its slot opened the next, ${why}`;
  }
  if (result.waitedForConnections) {
    // Each connection carries --lifetime round trips, so the schedule
    // needs rate / lifetime new ones a second; when that is not above the
    // rate given, the connects themselves were slow.
    const needed = roundPerSecond((config.rate ?? 0) / (config.lifetime ?? 1));
    const pace = config.connectRate === null
      ? "a longer --lifetime"
      : needed > config.connectRate
      ? `a --connect-rate of at least ${needed}/s (--rate / --lifetime) or a longer --lifetime`
      : `a --connect-rate above ${config.connectRate}/s or a longer --lifetime`;
    const rounds = config.lifetime === 1
      ? "1 round trip"
      : `${config.lifetime} round trips`;
    return `the schedule waited for new connections: ${shortfall}; each connection closed after its --lifetime of ${rounds}, and its slot stood empty while the next connect waited its turn; give ${pace}`;
  }
  if (!result.heldBack) {
    return `the client fell behind its schedule: ${shortfall}; its latencies include its own delay`;
  }
  return `the schedule was held back by its pipelines: ${shortfall}, with ${
    pipelinesOf(result)
  } (connections x pipeline / round-trip time caps the rate); give more --conns or a deeper --pipeline`;
}

/**
 * Says when a timed `--rate` run's figures span more than its duration:
 * the span ends one schedule step after the last message due, which at a
 * low rate lies well past the run's end (`--rate 0.1 --duration 1` spans
 * 10 s); else undefined. Within 1% it is the schedule's rounding, and a
 * run behind its schedule has its own warning.
 */
function stretchedSpan(result: LoadResult): string | undefined {
  const { config, interrupted } = result.report;
  const { rate } = config;
  const duration = config.durationSeconds;
  if (
    rate === null || duration === null || interrupted || result.behind ||
    result.endedEarlyAfter !== undefined ||
    // A span stretched by late sends alone is the behind verdict's, which
    // says so when it matters; this line is for the step's own stretch.
    result.scheduleSpanSeconds <= duration * 1.01
  ) return undefined;
  // Measured times to three digits: 0.667 s, not 0.666666666666667 s.
  const short = (value: number): string => `${Number(value.toPrecision(3))} s`;
  const due = result.dueInRun;
  const messages = due === 1 ? "the 1 message" : `the ${due} messages`;
  return `--rate ${rate} has a message due every ${
    short(1 / rate)
  }, so the figures span the schedule's ${
    short(result.spanSeconds)
  } for ${messages} due in the ${
    seconds(duration * 1000)
  } run, not the run's own length; give ${
    // The schedule starts with the warm-up: both must hold whole steps.
    config.omitSeconds > 0
      ? "an --omit and a --duration that hold"
      : "a --duration that holds"} whole steps of 1 / rate`;
}
