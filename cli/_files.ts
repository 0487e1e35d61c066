/**
 * Files the user names on the command line (certificates, a payload, load
 * reports): why one could not be read, in the same few words everywhere.
 *
 * @module
 */

import { errorMessage } from "../protocol/errors.ts";

/**
 * Why a file could not be read: `no such file`, `permission denied`,
 * `it is a directory`, or the runtime's message.
 *
 * @example
 * ```ts
 * import { fileProblem } from "./_files.ts";
 * fileProblem(new Deno.errors.NotFound("x")); // "no such file"
 * ```
 */
export function fileProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) return "permission denied";
  return errorMessage(error);
}
