/**
 * The demo's netstat lesson: a connection seen from the outside, as the
 * kernel's socket table lists it.
 *
 * @module
 */

import { formatSummary } from "../server/summary.ts";
import { connectClient } from "../client/common.ts";
import { NetError } from "../protocol/errors.ts";
import { listSockets } from "../sockets/list.ts";
import { formatTable } from "../sockets/table.ts";
import { borkServer, heading, sideReporter } from "./_side.ts";

/**
 * Starts a bork server on a free port, connects one client, and prints the
 * sockets on that port: the LISTEN socket and both ends of the connection,
 * ESTABLISHED. Then closes everything.
 *
 * @example
 * ```ts
 * import { socketsLesson } from "./sockets.ts";
 * await socketsLesson();
 * ```
 */
export async function socketsLesson(): Promise<void> {
  heading("Seeing the sockets (netdemo sockets, like netstat -an)");
  const server = borkServer();
  const port = server.addr.port;
  const table = sideReporter("table");
  try {
    const client = await connectClient({
      port,
      reporter: sideReporter("client"),
    });
    try {
      table.always(`netdemo sockets --port ${port}:`);
      try {
        for (const line of formatTable(await listSockets({ port }))) {
          table.always(line);
        }
        table.always(
          "One connection, two ends (one per program), and the LISTEN socket still waiting for the next client.",
        );
      } catch (error) {
        if (!(error instanceof NetError)) throw error;
        table.note(`cannot show the table here: ${error.message}`);
      }
    } finally {
      client.close();
    }
  } finally {
    sideReporter("server").always(formatSummary(await server.close()));
  }
}
