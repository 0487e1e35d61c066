/**
 * The demo's first lesson: the bork server with its hello and count clients,
 * and the lesson's limitation: a second client of the one-at-a-time server
 * waits unserved and is reset when the server exits.
 *
 * @module
 */

import { runHello } from "../client/hello.ts";
import { runCount } from "../client/count.ts";
import { NetError } from "../protocol/errors.ts";
import { serveBork } from "../server/bork.ts";
import { formatSummary } from "../server/summary.ts";
import { borkServer, heading, sideReporter } from "./_side.ts";

/**
 * Runs a bork server on a free port and the hello client; then a server
 * that serves one connection, a count client it serves, and a second count
 * client that waits in the backlog and is reset.
 *
 * @example
 * ```ts
 * import { borkLesson } from "./bork.ts";
 * await borkLesson();
 * ```
 */
export async function borkLesson(): Promise<void> {
  heading("Lesson 1: writing a client (the bork server, hello and count)");
  const server = borkServer();
  try {
    await runHello({ port: server.addr.port, reporter: sideReporter("hello") });
  } finally {
    sideReporter("server").always(formatSummary(await server.close()));
  }
  heading("Lesson 1, the limitation: one client at a time");
  const serverReporter = sideReporter("server");
  const single = serveBork({ port: 0, reporter: serverReporter });
  const port = single.addr.port;
  let firstReply!: () => void;
  const served = new Promise<void>((resolve) => firstReply = resolve);
  const first = runCount(1, {
    port,
    times: 3,
    intervalMs: 200,
    reporter: sideReporter("count1", {
      onLine: (line) => {
        if (line.startsWith("Received")) firstReply();
      },
    }),
  });
  // The second client connects once the first is being served.
  await served;
  const secondReporter = sideReporter("count2");
  const second = runCount(100, { port, times: 1, reporter: secondReporter })
    .then(() => {}, (error) => {
      if (!(error instanceof NetError)) throw error;
      secondReporter.error(error.message);
    });
  await first;
  serverReporter.always(formatSummary(await single.closed));
  await second;
}
