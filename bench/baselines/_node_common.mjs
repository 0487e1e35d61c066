// Plain JavaScript run by Node: return types cannot be written here.
// deno-lint-ignore-file explicit-function-return-type
// What the Node helpers of `deno task bench` share: strict `--name value`
// parsing, opening many connections, and the failure kinds netdemo's own
// reports use, so that a baseline's JSON reads exactly like ours.

import process from "node:process";
import { parseArgs } from "node:util";

/**
 * Parses a client's options strictly: `--host`, `--port` and `--conns`
 * (default `conns`), the other string options `names` and the boolean
 * `booleans`; a mistake prints one line and exits 2, as netdemo's CLI does.
 * Returns the parsed values, the address, the connection count and an
 * empty failure tally: what every client starts from.
 */
export function readClientOptions(names, { booleans = [], conns }) {
  const options = {};
  for (const name of ["host", "port", "conns", ...names]) {
    options[name] = { type: "string" };
  }
  for (const name of booleans) options[name] = { type: "boolean" };
  let values;
  try {
    values = parseArgs({ options, strict: true }).values;
  } catch (error) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  return {
    values,
    host: values.host ?? "127.0.0.1",
    port: numberOption(values, "port", 65432, { min: 1 }),
    conns: numberOption(values, "conns", conns, { min: 1 }),
    failures: new FailureTally(),
  };
}

/** Reads a numeric option, with a default, or exits 2 naming it. */
export function numberOption(values, name, fallback, { min = 0 } = {}) {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    process.stderr.write(
      `error: --${name} must be a number of ${min} or more, got "${text}"\n`,
    );
    process.exit(2);
  }
  return value;
}

/** The netdemo failure kind (protocol/errors.ts) of a Node socket error. */
export function failureKind(error) {
  switch (error?.code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "ECONNABORTED":
    case "EPIPE":
      return "reset";
    case "ETIMEDOUT":
      return "timeout";
    case "EADDRNOTAVAIL":
      return "address-unavailable";
    case "EMFILE":
    case "ENFILE":
      return "too-many-open-files";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host-not-found";
    default:
      return "other";
  }
}

/** Counts failures by kind, as `errors` in the JSON report. */
export class FailureTally {
  counts = {};

  add(kind) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}

/**
 * Opens `count` connections with at most `inFlight` connects pending at once
 * (thousands at the same instant overflow the listen backlog and look like a
 * slow server). Resolves the sockets that connected, in order; failures are
 * tallied.
 */
export async function openConnections(
  net,
  count,
  { host, port, inFlight, failures },
) {
  const sockets = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      sockets[index] = await new Promise((resolve) => {
        const socket = net.connect({ host, port });
        function onError(error) {
          failures.add(failureKind(error));
          socket.destroy();
          resolve(undefined);
        }
        socket.once("error", onError);
        socket.once("connect", () => {
          socket.off("error", onError);
          resolve(socket);
        });
      });
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, () => worker()),
  );
  return sockets.filter((socket) => socket !== undefined);
}

/**
 * Listens on HOST:PORT (backlog 4096: the idle-connection test opens
 * connections quickly), prints `Listening on HOST:PORT` first as every
 * netdemo server does, exits 1 on a server error and 0 on SIGTERM/SIGINT.
 */
export function listenUntilSignal(server, port, host) {
  server.on("error", (error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  });
  server.listen({ port, host, backlog: 4096 }, () => {
    const address = server.address();
    process.stdout.write(`Listening on ${address.address}:${address.port}\n`);
  });
  function stop() {
    server.close();
    process.exit(0);
  }
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
