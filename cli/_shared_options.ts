/**
 * The options several modes share, declared once so that the same option
 * has the same words, limits and default in every mode's help and parse.
 *
 * @module
 */

import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  hostProblem,
  unixPathProblem,
} from "../protocol/address.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_CONNS } from "../server/serve.ts";
import { DEFAULT_MAX_CONTENT } from "../protocol/app_codec.ts";
import type {
  FlagDecl,
  IntegerDecl,
  OptionDecls,
  TimeoutDecl,
} from "./_options.ts";
import { fileName } from "./_values.ts";

/** `--host` and `--port`, as every server takes them. */
export const SERVER_ADDRESS_OPTIONS = {
  host: {
    kind: "text",
    placeholder: "HOST",
    description: "host name or IP address, without a port (IPv6 as ::1)",
    default: DEFAULT_HOST,
    check: hostProblem,
  },
  port: {
    kind: "integer",
    placeholder: "PORT",
    description: "TCP port; 0 picks a free one",
    min: 0,
    max: 65535,
    default: DEFAULT_PORT,
    short: "p",
  },
} satisfies OptionDecls;

/**
 * `--host` and `--port`, as every client takes them: the server's. Port 0
 * stays in range, so that a client given it hears why it cannot connect
 * there rather than only that 0 is too small.
 */
export const CLIENT_ADDRESS_OPTIONS = {
  host: {
    ...SERVER_ADDRESS_OPTIONS.host,
    description: "the server's host name or IP address, without a port",
  },
  port: {
    ...SERVER_ADDRESS_OPTIONS.port,
    description: "the server's TCP port",
    // 0 is read, to be refused with its own sentence (a server's choice).
    mistake:
      "must be the server's port, an integer from 1 to 65535 in plain decimal digits",
  },
} satisfies OptionDecls;

const UNIX_OPTION = {
  unix: {
    kind: "text",
    placeholder: "PATH",
    description: "use the Unix domain socket PATH instead of --host/--port",
    check: unixPathProblem,
  },
} satisfies OptionDecls;

/** The transport options of every server: `--unix`, `--tls-cert`, `--tls-key`. */
export const SERVER_TRANSPORT_OPTIONS = {
  ...UNIX_OPTION,
  "tls-cert": {
    kind: "text",
    placeholder: "FILE",
    check: fileName,
    description: "serve TLS with this PEM certificate chain (needs --tls-key)",
  },
  "tls-key": {
    kind: "text",
    placeholder: "FILE",
    check: fileName,
    description: "the PEM private key of --tls-cert",
  },
} satisfies OptionDecls;

/** The transport options of every client: `--unix`, `--tls`, `--tls-ca`, `--tls-server-name`. */
export const CLIENT_TRANSPORT_OPTIONS = {
  ...UNIX_OPTION,
  tls: {
    kind: "flag",
    description: "connect with TLS, verifying the server's certificate",
  },
  "tls-ca": {
    kind: "text",
    placeholder: "FILE",
    check: fileName,
    description:
      "also trust the CA certificates in this PEM file (implies --tls)",
  },
  "tls-server-name": {
    kind: "text",
    placeholder: "NAME",
    description: "name to send (SNI) and verify (implies --tls)",
    defaultText: "the host",
    check: serverNameProblem,
  },
} satisfies OptionDecls;

/** What is wrong with a `--tls-server-name`: a host, without a port. */
function serverNameProblem(name: string): string | undefined {
  // A zone names an interface of this machine, not the server.
  if (name.includes("%")) {
    return `must be a name or address without a zone (%...), got "${name}"`;
  }
  // hostProblem's words are --host's: its advice (give --host and --port
  // apart) is no advice for a name to verify.
  const problem = hostProblem(name)?.replace(
    / \(with a port, give --host ADDRESS --port PORT\)$/,
    "",
  );
  return problem?.startsWith("must not include a port")
    ? `must be a name without a port, got "${name}"`
    : problem;
}

/** `--trace`, which every server and client takes. */
export const TRACE_OPTION = {
  trace: {
    kind: "flag",
    description: "print every socket step on stderr",
    short: "v",
  },
} satisfies OptionDecls;

/** `--quiet`, for every mode that prints per-event lines. */
export const QUIET_OPTION = {
  quiet: {
    kind: "flag",
    description:
      "print no per-event lines: only results, summaries, warnings and errors",
    short: "q",
  },
} satisfies OptionDecls;

/** `--timeout`, which every client takes. */
export const TIMEOUT_OPTION = {
  timeout: {
    kind: "timeout",
    placeholder: "SECONDS",
    description:
      "give up when connecting or any one read or write takes longer (0: never)",
    defaultText: "0, wait as long as it takes",
    short: "t",
  },
} satisfies OptionDecls;

/**
 * `--json`, with the words of the mode that prints JSON.
 *
 * @example
 * ```ts
 * import { jsonOption } from "./_shared_options.ts";
 * const OPTIONS = { ...jsonOption("print the table as JSON") };
 * ```
 */
export function jsonOption(description: string): { json: FlagDecl } {
  return { json: { kind: "flag", description, short: "J" } };
}

/** `--grace`, as every concurrent server takes it. */
export const GRACE_OPTION = {
  grace: {
    kind: "seconds",
    placeholder: "SECONDS",
    description:
      "on Ctrl-C, SIGTERM or SIGHUP, let open connections go on this long, then close them (0, or a second signal: close at once)",
    default: DEFAULT_GRACE_MS,
  },
} satisfies OptionDecls;

/** `--max-conns`, as every concurrent server takes it. */
export const MAX_CONNS_OPTION = {
  "max-conns": {
    kind: "integer",
    placeholder: "N",
    description:
      "most connections served at once; more are accepted and closed at once (a TLS server stops accepting until one closes)",
    min: 1,
    default: DEFAULT_MAX_CONNS,
  },
} satisfies OptionDecls;

/**
 * `--idle-timeout` for a server, with its default in ms (none: never).
 *
 * @example
 * ```ts
 * import { idleTimeoutOption } from "./_shared_options.ts";
 * const OPTIONS = { ...idleTimeoutOption(30_000) };
 * ```
 */
export function idleTimeoutOption(
  defaultMs?: number,
): { "idle-timeout": TimeoutDecl } {
  return {
    "idle-timeout": {
      kind: "timeout",
      placeholder: "SECONDS",
      description:
        "close a connection with no traffic for this long (0: never)",
      default: defaultMs,
    },
  };
}

/** The largest `--max-content` accepted: 1 GiB. */
const MAX_CONTENT_CEILING = 1024 * 1024 * 1024;

/**
 * `--max-content` of the app server and client, with its words.
 *
 * @example
 * ```ts
 * import { maxContentOption } from "./_shared_options.ts";
 * const OPTIONS = { ...maxContentOption("largest content accepted") };
 * ```
 */
export function maxContentOption(
  description: string,
): { "max-content": IntegerDecl } {
  return {
    "max-content": {
      kind: "integer",
      placeholder: "BYTES",
      description,
      min: 0,
      max: MAX_CONTENT_CEILING,
      default: DEFAULT_MAX_CONTENT,
    },
  };
}
