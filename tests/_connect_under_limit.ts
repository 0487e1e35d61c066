/**
 * Run under `ulimit -n`: takes every file descriptor left, frees two, then
 * asks a {@linkcode Connector} for eight connections to `127.0.0.1:PORT`
 * (the first argument), and prints one JSON line with what it saw. The
 * open-file limit passes the connector's check up front, so the connects
 * themselves run out of descriptors (EMFILE), as when other files are
 * opened while a run connects.
 *
 * @module
 */

import { Connector } from "../client/_connect.ts";
import { endpointOf } from "../protocol/endpoint.ts";

const failures: string[] = [];
const connector = new Connector({
  endpoint: endpointOf({ port: Number(Deno.args[0]) }),
  connections: 8,
  onFailure: (failure) => failures.push(failure.message),
});
const files: Deno.FsFile[] = [];
try {
  while (true) files.push(Deno.openSync("/dev/null"));
} catch {
  // Out of descriptors: every one is taken now.
}
for (const file of files.splice(0, 2)) file.close();
const sockets = await Promise.all(
  Array.from({ length: 8 }, (_, i) => connector.open(i + 1)),
);
for (const socket of sockets) socket?.close();
for (const file of files) file.close();
// deno-lint-ignore no-console
console.log(JSON.stringify({
  opened: connector.opened,
  stopped: connector.stopped,
  limitError: connector.limitError?.message ?? null,
  failures,
}));
