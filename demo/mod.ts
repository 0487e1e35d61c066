/**
 * `deno task demo`: every lesson of the course run in one process, both
 * sides of each socket printed. Each lesson lives in its own module.
 *
 * @module
 */

import { borkLesson } from "./bork.ts";
import { echoLesson } from "./echo.ts";
import { socketsLesson } from "./sockets.ts";
import { appLesson } from "./app.ts";

/** The lessons, numbered and in the README's order. */
const LESSONS: (() => Promise<void>)[] = [
  borkLesson,
  echoLesson,
  appLesson,
  socketsLesson,
];

if (import.meta.main) {
  for (const lesson of LESSONS) await lesson();
}
