/**
 * `netdemo client multi`: not built yet (placeholder wired into the dispatcher).
 *
 * @module
 */

import type { CommandSpec, ParsedCommand } from "./_args.ts";
import { NetError } from "../protocol/errors.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client multi",
  summary: "(not built yet)",
  options: {},
  example: "netdemo client multi",
};

/** Runs the mode; resolves the exit code. */
export function run(_parsed: ParsedCommand): Promise<number> {
  return Promise.reject(
    new NetError("other", "netdemo client multi is not built yet"),
  );
}
