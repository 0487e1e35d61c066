/**
 * Reading this machine's TCP sockets from `/proc/net/tcp` and
 * `/proc/net/tcp6` (Linux only).
 *
 * Deno 2.9 guards every file under /proc behind the `--allow-all` flag:
 * `--allow-read=/proc/net` alone is refused. So the tables are read directly
 * when that is allowed, and otherwise through `cat` when the program may run
 * it (`--allow-run=/bin/cat`), which grants far less than `--allow-all`. With
 * neither, the error says which permission to give.
 *
 * @module
 */

import { errorMessage, NetError } from "../protocol/errors.ts";
import {
  parseProcNet,
  type SocketRecord,
  type TcpProtocol,
} from "./proc_net.ts";
import { selectSockets, type SocketFilter } from "./table.ts";

/** The files read, IPv4 first. */
export const PROC_NET_TABLES: readonly {
  path: string;
  protocol: TcpProtocol;
}[] = [
  { path: "/proc/net/tcp", protocol: "tcp" },
  { path: "/proc/net/tcp6", protocol: "tcp6" },
];

/**
 * Lists the TCP sockets of this machine (of its network namespace, to be
 * exact) that match the filter, IPv4 then IPv6, sorted by port. A kernel
 * without IPv6 has no /proc/net/tcp6; its list simply has no tcp6 rows.
 *
 * Throws a NetError on an OS without /proc/net and when the permissions do
 * not allow reading it.
 *
 * @example
 * ```ts
 * import { listSockets } from "./list.ts";
 * const listening = await listSockets({ state: "LISTEN" });
 * ```
 */
export async function listSockets(
  filter: SocketFilter = {},
): Promise<SocketRecord[]> {
  if (Deno.build.os !== "linux") {
    throw new NetError(
      "other",
      `netdemo sockets reads /proc/net/tcp, which only Linux has; on ${Deno.build.os} use "netstat -an" instead`,
    );
  }
  const records: SocketRecord[] = [];
  for (const { path, protocol } of PROC_NET_TABLES) {
    const text = await readTable(path);
    if (text === null) {
      if (protocol === "tcp6") continue;
      throw new NetError(
        "other",
        `${path} does not exist, so this system cannot list its sockets (is /proc mounted?)`,
      );
    }
    records.push(...parseProcNet(text, protocol));
  }
  return selectSockets(records, filter);
}

/** Reads one table's text; null when the file does not exist. */
async function readTable(path: string): Promise<string | null> {
  // Asking first avoids Deno's interactive permission prompt in a terminal.
  if (Deno.permissions.querySync({ name: "read", path }).state === "granted") {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      if (!(error instanceof Deno.errors.NotCapable)) {
        throw new NetError(
          "other",
          `cannot read ${path}: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      // Read access alone is not enough for /proc: try cat below.
    }
  }
  if (
    Deno.permissions.querySync({ name: "run", command: CAT }).state ===
      "granted"
  ) {
    return await readWithCat(path);
  }
  throw new NetError(
    "permission-denied",
    `cannot read ${path}: Deno opens files under /proc only with --allow-all, or netdemo reads them through cat with --allow-run=/bin/cat`,
  );
}

/**
 * An absolute path, so that `--allow-run=/bin/cat` grants exactly this
 * program and a PATH entry cannot stand in for it.
 */
const CAT = "/bin/cat";

async function readWithCat(path: string): Promise<string | null> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(CAT, {
      args: [path],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new NetError(
      "other",
      `cannot run cat to read ${path}: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  const decoder = new TextDecoder();
  if (output.success) return decoder.decode(output.stdout);
  const complaint = decoder.decode(output.stderr).trim();
  if (/No such file/i.test(complaint)) return null;
  throw new NetError(
    "other",
    `cannot read ${path}: ${complaint || `cat exited with ${output.code}`}`,
  );
}
