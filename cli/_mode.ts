/**
 * What a mode of the command line is: its words, help and declared options
 * (a {@linkcode CommandSpec}), and a `run` that maps the typed values onto
 * the library's options object and resolves the exit code.
 *
 * @module
 */

import type { Reporter } from "../output/reporter.ts";
import type { CommandSpec, OptionDecls, ParsedCommand } from "./_options.ts";

/** One runnable mode, checked with `satisfies Mode<typeof options>`. */
export interface Mode<O extends OptionDecls = OptionDecls>
  extends CommandSpec<O> {
  /**
   * Runs the mode; resolves the exit code. `reporter` already honours the
   * mode's `--quiet` and `--trace`.
   */
  run(command: ParsedCommand<O>, reporter: Reporter): Promise<number>;
}
