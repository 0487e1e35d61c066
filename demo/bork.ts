/**
 * The demo's first lesson: the bork server with its hello and count clients.
 *
 * @module
 */

import { runHello } from "../client/hello.ts";
import { runCount } from "../client/count.ts";
import { borkServer, heading, sideReporter } from "./_side.ts";

/**
 * Runs a bork server on a free port and the hello, then count, clients.
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
  const port = server.addr.port;
  try {
    await runHello({ port, reporter: sideReporter("hello") });
    await runCount(1, {
      port,
      times: 3,
      intervalMs: 200,
      reporter: sideReporter("count"),
    });
  } finally {
    await server.close();
  }
}
