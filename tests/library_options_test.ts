/**
 * The library's own checks: code that calls the servers and clients with a
 * value the command line would refuse gets a RangeError naming the option,
 * at once, rather than a run that never yields or nonsense figures; and a
 * signal aborted before the call stops it before it connects.
 *
 * @module
 */

import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import {
  mergeReports,
  NetError,
  requestApp,
  runCount,
  runHello,
  runLoad,
  runMulti,
  serveApp,
  serveEcho,
} from "../mod.ts";

Deno.test("library: a client's impossible option is a RangeError naming it", async () => {
  const server = serveEcho({ port: 0 });
  const port = server.addr.port;
  try {
    const cases: [() => Promise<unknown>, RegExp][] = [
      // Each of these used to spin, storm or corrupt the histogram.
      [() => runLoad({ port, rounds: 3, size: 0 }), /^size must be a whole/],
      [() => runLoad({ port, rounds: 3, pipeline: 0 }), /^pipeline must/],
      [() => runLoad({ port, rounds: 2.5 }), /^rounds must .* got 2\.5$/],
      [() => runLoad({ port, lifetime: 0 }), /^lifetime must/],
      [() => runLoad({ port, rate: 0 }), /^rate must be a number above 0/],
      [() => runLoad({ port, durationMs: NaN }), /^durationMs must/],
      [
        () => runLoad({ port, rounds: 1, percentiles: [50, 101] }),
        /^percentiles must be numbers above 0 and at most 100, got 101$/,
      ],
      [
        () => runLoad({ port, rounds: 1, size: 64 * 1024 * 1024 + 1 }),
        /^size must be a whole number from 1 to 67108864/,
      ],
      [
        () => runLoad({ endpoint: { transport: "udp" } as never, rounds: 1 }),
        /^endpoint\.transport must be "tcp", "tls" or "unix", got "udp"$/,
      ],
      [() => runMulti({ port, connections: -2 }), /^connections must/],
      [() => runCount(1, { port, times: -3 }), /^times must/],
      [() => runCount(1.5, { port }), /^start must be a whole number/],
      [() => runHello({ port, message: "" }), /^message must not be empty$/],
      [() => runHello({ port, timeoutMs: -1 }), /^timeoutMs must/],
      [
        () => runHello({ port: -1 }),
        /^port must be a whole number from 0 to 65535, got -1$/,
      ],
      [
        () => requestApp("search", "x", { port, maxContentLength: NaN }),
        /^maxContentLength must/,
      ],
    ];
    for (const [call, message] of cases) {
      await rejects(call, (error: Error) => {
        equal(error.name, "RangeError", error.message);
        deepEqual(message.test(error.message), true, error.message);
        return true;
      });
    }
  } finally {
    await server.close();
  }
});

Deno.test("library: merging no reports is a RangeError saying so", () => {
  throws(
    () => mergeReports([]),
    /^RangeError: reports must hold at least one report, got none$/,
  );
});

Deno.test("library: a server's impossible limit is a RangeError before it listens", () => {
  throws(() => serveEcho({ port: 0, maxConns: 0 }), /^RangeError: maxConns/);
  throws(
    () => serveEcho({ port: 0, graceMs: Infinity }),
    /^RangeError: graceMs must be a number of 0 or more, got Infinity$/,
  );
  throws(
    () => serveApp({ port: 0, maxPendingBytes: -1 }),
    /^RangeError: maxPendingBytes/,
  );
});

Deno.test("library: a signal aborted before the call stops the client before it connects", async () => {
  const server = serveEcho({ port: 0 });
  const port = server.addr.port;
  try {
    const { report } = await runLoad({
      port,
      durationMs: 60_000,
      signal: AbortSignal.abort(),
    });
    equal(report.interrupted, true);
    equal(report.roundTrips, 0);
    equal(report.connectionsOpened, 0);
    await rejects(
      () => runHello({ port, signal: AbortSignal.abort() }),
      (error: unknown) => {
        equal(error instanceof NetError && error.kind, "interrupted");
        return true;
      },
    );
  } finally {
    await server.close();
  }
  equal((await server.closed).connections, 0);
});

Deno.test("library: a reporter whose diagnostics go to a sink of its own draws no progress line on the terminal", async () => {
  const script = `
    import { Reporter } from "${
    new URL("../output/reporter.ts", import.meta.url).href
  }";
    const reporter = new Reporter({ progress: true, stderr: () => {} });
    reporter.progress("1000 round trips");
    reporter.note("done");
  `;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "null",
    stderr: "piped",
  }).output();
  equal(code, 0);
  equal(new TextDecoder().decode(stderr), "");
});
