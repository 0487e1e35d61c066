/**
 * Real load reports for the `report merge` tests.
 *
 * @module
 */

import { equal } from "node:assert/strict";
import { runCli, spawnQuietEcho } from "./_helpers.ts";

/**
 * Two real reports from two concurrent runs against one echo server, made
 * once per test file: the tests only read them.
 */
export function twoReports(): Promise<readonly string[]> {
  made ??= makeTwoReports();
  return made;
}

let made: Promise<readonly string[]> | undefined;

async function makeTwoReports(): Promise<readonly string[]> {
  const server = await spawnQuietEcho();
  try {
    const runs = await Promise.all([
      ["--conns", "2", "--rounds", "300", "--rate", "3000"],
      ["--conns", "3", "--rounds", "200", "--rate", "3000", "--lifetime", "50"],
    ].map((args) =>
      runCli([
        "client",
        "multi",
        "--port",
        `${server.port}`,
        ...args,
        "--json",
      ])
    ));
    for (const run of runs) equal(run.code, 0, run.stderr);
    return runs.map((run) => run.stdout);
  } finally {
    await server.process.stop();
  }
}
