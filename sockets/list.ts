/**
 * Reading this machine's TCP sockets from `/proc/net/tcp` and
 * `/proc/net/tcp6` (Linux only).
 *
 * Deno guards the files under /proc behind `--allow-all`; they are read as
 * `system/proc_files.ts` explains.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import { readProcFile } from "../system/proc_files.ts";
import {
  parseProcNet,
  type SocketRecord,
  type TcpProtocol,
} from "./proc_net.ts";
import { selectSockets, type SocketFilter } from "./table.ts";

/** The files read, IPv4 first. */
const PROC_NET_TABLES: readonly {
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
    const text = await readProcFile(path);
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
