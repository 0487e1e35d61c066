/**
 * The demo's multi-connection lesson: the echo server serving two client
 * connections at once, each sending two messages and checking the echo.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";
import { formatMultiSummary, runMulti } from "../client/multi.ts";
import { formatSummary } from "../server/summary.ts";
import { heading, sideReporter } from "./_side.ts";

/**
 * Runs an echo server on a free port and the lesson's multi-connection
 * client (two connections, two messages each) against it, then stops the
 * server once it has closed its side of both connections, and prints its
 * summary.
 *
 * @example
 * ```ts
 * import { echoLesson } from "./echo.ts";
 * await echoLesson();
 * ```
 */
export async function echoLesson(): Promise<void> {
  heading(
    "Lesson 2: many connections (the echo server and the multi client)",
  );
  const serverReporter = sideReporter("server");
  const server = serveEcho({ port: 0, reporter: serverReporter });
  const client = sideReporter("multi");
  try {
    const result = await runMulti({
      port: server.addr.port,
      connections: 2,
      reporter: client,
    });
    client.always(formatMultiSummary(result));
    // The client has closed; the server closes its ends as it reads EOF.
    // Stopping it earlier would show a grace-period wait the lesson lacks.
    for (let tries = 0; server.open > 0 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    serverReporter.always(formatSummary(await server.close()));
  }
}
