/**
 * Which command and mode a command line selects, through the real CLI:
 * nothing at all, an option where the command belongs, and the options that
 * put `client multi` in load mode.
 *
 * @module
 */

import { deepEqual, equal, match } from "node:assert/strict";
import { lines, runCli } from "./_helpers.ts";
import { closedPort } from "./_net.ts";

Deno.test("modes: --json alone starts load mode, as every other load option does", async () => {
  // Nothing listens there, so the run ends at once: in load mode with a
  // JSON report of its refusals, where the lesson mode would print none.
  const port = `${closedPort()}`;
  const result = await runCli(["client", "multi", "-p", port, "--json"]);
  equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  equal(report.schema, 1);
  equal(report.config.durationSeconds, 10);
  deepEqual(report.errors, { refused: 2 });
  match(lines(result.stderr).at(-1) ?? "", /^error: 2 errors in the load run/);
});
