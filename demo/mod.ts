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

/** The lessons, in course order. */
const LESSONS: (() => Promise<void>)[] = [
  borkLesson,
  echoLesson,
  socketsLesson,
  appLesson,
];

if (import.meta.main) {
  for (const lesson of LESSONS) await lesson();
}
