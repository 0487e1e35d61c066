/**
 * The app server's search table from a file or standard input: read within
 * a size bound, checked to be a JSON object of strings, with one sentence
 * per way it can go wrong (not found, not readable, not UTF-8, not JSON,
 * not an object of strings).
 *
 * @module
 */

import { counted } from "../output/count.ts";
import { readBytes } from "../protocol/bytes.ts";
import {
  fileProblem,
  lacksFullAccess,
  readFileBounded,
  readStdin,
} from "../system/files.ts";
import { quotedExcerpt } from "../output/excerpt.ts";
import { isJsonObject } from "../protocol/json_object.ts";

/** A table larger than this is refused rather than read into memory. */
const MAX_TABLE_BYTES = 16 * 1024 * 1024;

/**
 * Why a table could not be loaded; the message is one sentence.
 */
class TableError extends Error {
  /** Creates the error with its sentence. */
  constructor(message: string) {
    super(message);
    this.name = "TableError";
  }
}

/** Options for {@linkcode loadSearchTable}. */
export interface LoadTableOptions {
  /** Where `-` reads from. Default: standard input. */
  stdin?: ReadableStream<Uint8Array>;
}

/**
 * Loads a search table from a file path, or from standard input when the
 * source is `-`. Throws {@linkcode TableError} saying what went wrong.
 *
 * @example
 * ```ts
 * import { loadSearchTable } from "./app_table.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"port": "65432"}');
 * const table = await loadSearchTable(path);
 * table.get("port"); // "65432"
 * ```
 */
export async function loadSearchTable(
  source: string,
  options: LoadTableOptions = {},
): Promise<Map<string, string>> {
  const text = await readTableText(source, options);
  return parseTable(text, source);
}

/**
 * The server's `Search table:` line, as the command line and the demo
 * print it once the server listens.
 *
 * @example
 * ```ts
 * import { tableLine } from "./app_table.ts";
 * tableLine(new Map([["a", "b"]]), undefined); // "Search table: 1 entry (built-in)"
 * ```
 */
export function tableLine(
  table: ReadonlyMap<string, string>,
  source: string | undefined,
): string {
  return `Search table: ${tableSize(table)} (${tableOrigin(source)})`;
}

/**
 * How many entries a table holds, in words (`5 entries`).
 *
 * @example
 * ```ts
 * import { tableSize } from "./app_table.ts";
 * tableSize(new Map()); // "0 entries"
 * ```
 */
export function tableSize(table: ReadonlyMap<string, string>): string {
  return counted(table.size, "entry", { plural: "entries" });
}

/**
 * Says where a table came from, for the server's `Search table:` line.
 *
 * @example
 * ```ts
 * import { tableOrigin } from "./app_table.ts";
 * tableOrigin("-"); // "from standard input"
 * ```
 */
export function tableOrigin(source: string | undefined): string {
  return source === undefined
    ? "built-in"
    : source === "-"
    ? "from standard input"
    : `from ${source}`;
}

function tableName(source: string): string {
  return source === "-"
    ? "the table read from standard input"
    : `the table file "${source}"`;
}

async function readTableText(
  source: string,
  options: LoadTableOptions,
): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = source === "-"
      ? await (options.stdin === undefined
        ? readStdin(MAX_TABLE_BYTES)
        : readBytes(options.stdin, MAX_TABLE_BYTES))
      : await readFileBounded(source, MAX_TABLE_BYTES);
  } catch (error) {
    throw new TableError(readFailure(error, source));
  }
  if (bytes.length > MAX_TABLE_BYTES) {
    throw new TableError(
      `${tableName(source)} is larger than ${MAX_TABLE_BYTES} bytes`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TableError(`${tableName(source)} is not UTF-8 text`);
  }
}

function readFailure(error: unknown, source: string): string {
  // Only under `deno run` without --allow-read, and standard input, which
  // needs no grant, is the way round it.
  const hint = error instanceof Deno.errors.NotCapable && source !== "-" &&
      !lacksFullAccess(error)
    ? `; pass it on standard input instead: --table - < ${source}`
    : "";
  const what = source === "-"
    ? "the table from standard input"
    : tableName(source);
  return `cannot read ${what}: ${fileProblem(error)}${hint}`;
}

function parseTable(text: string, source: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TableError(`${tableName(source)} is not valid JSON`);
  }
  if (!isJsonObject(parsed)) {
    throw new TableError(
      `${tableName(source)} must be a JSON object mapping strings to strings`,
    );
  }
  const table = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw new TableError(
        `${tableName(source)}: the value of ${
          quotedExcerpt(key, 40)
        } is not a string`,
      );
    }
    table.set(key, value);
  }
  return table;
}
