/**
 * The demo's multi-connection lesson: the echo server serving two client
 * connections at once, each sending two messages and checking the echo.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";
import { formatMultiSummary, runMulti } from "../client/multi.ts";
import { heading, sideReporter } from "./_side.ts";

/**
 * Runs an echo server on a free port and the lesson's multi-connection
 * client (two connections, two messages each) against it, then closes the
 * server.
 *
 * @example
 * ```ts
 * import { echoLesson } from "./echo.ts";
 * await echoLesson();
 * ```
 */
export async function echoLesson(): Promise<void> {
  heading(
    "Lesson: handling multiple connections (the echo server and the multi client)",
  );
  const server = serveEcho({ port: 0, reporter: sideReporter("server") });
  const client = sideReporter("multi");
  try {
    const result = await runMulti({
      port: server.addr.port,
      connections: 2,
      reporter: client,
    });
    client.always(formatMultiSummary(result));
  } finally {
    await server.close();
  }
}
