/**
 * The demo's application-protocol lesson: a server that answers one framed
 * request per connection, a search request (JSON) and a binary request.
 *
 * @module
 */

import { DEFAULT_SEARCH_TABLE, serveApp } from "../server/app.ts";
import { tableLine } from "../server/app_table.ts";
import { formatSummary } from "../server/summary.ts";
import { requestApp } from "../client/app.ts";
import { heading, sideReporter } from "./_side.ts";

/**
 * Runs the app server on a free port, sends it a search request and a
 * binary request, then closes it.
 *
 * @example
 * ```ts
 * import { appLesson } from "./app.ts";
 * await appLesson();
 * ```
 */
export async function appLesson(): Promise<void> {
  heading(
    "Lesson 3: an application protocol (length prefix, JSON header, content)",
  );
  const serverReporter = sideReporter("server");
  const server = serveApp({ port: 0, reporter: serverReporter });
  serverReporter.info(tableLine(DEFAULT_SEARCH_TABLE, undefined));
  const port = server.addr.port;
  try {
    await requestApp("search", "🐢", {
      port,
      reporter: sideReporter("search"),
    });
    await requestApp("echo", "Hello, app protocol", {
      port,
      reporter: sideReporter("binary"),
    });
  } finally {
    serverReporter.always(formatSummary(await server.close()));
  }
}
