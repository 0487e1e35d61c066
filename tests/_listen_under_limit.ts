/**
 * Run under `ulimit -n`: takes every file descriptor left, then starts an
 * echo server on `127.0.0.1:0`, and prints one JSON line with the error
 * its listen threw (null if it listened). A child of its own, as the test
 * runner's other files share its process and its descriptors.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";

const files: Deno.FsFile[] = [];
try {
  while (true) files.push(Deno.openSync("/dev/null"));
} catch {
  // Out of descriptors: every one is taken now.
}
let error: string | null = null;
try {
  serveEcho({ port: 0 }).close();
} catch (failure) {
  error = failure instanceof Error ? failure.message : String(failure);
} finally {
  for (const file of files) file.close();
}
// deno-lint-ignore no-console
console.log(JSON.stringify({ error }));
