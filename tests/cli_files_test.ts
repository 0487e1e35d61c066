/**
 * Files named on the command line, through the real CLI: every file read
 * under `deno run` without `--allow-read`, which names that grant, a path
 * under /dev or /proc, and `-` with something other than a file on
 * standard input (TLS files' contents: `tls_files_test.ts`).
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import {
  commandResult,
  netdemoCommand,
  runCli,
  runWithGrants,
} from "./_helpers.ts";
import { testCerts } from "./_certs.ts";

const certs = await testCerts();

Deno.test({
  name:
    "files: under deno run without --allow-read, every file named says that grant is missing, exit 1",
  // The compiled binary carries its grants; only deno run can lack one.
  ignore: Deno.env.get("NETDEMO_BIN") !== undefined,
  async fn(): Promise<void> {
    const cases: [string[], string][] = [
      [
        ["client", "multi", "-p", "1", "--payload-file", certs.ca],
        `cannot read --payload-file "${certs.ca}"`,
      ],
      [
        ["client", "hello", "-p", "1", "--tls-ca", certs.ca],
        `cannot read --tls-ca file "${certs.ca}"`,
      ],
      [
        [
          ...["server", "echo", "-p", "0"],
          ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
        ],
        `cannot read --tls-cert file "${certs.serverCert}"`,
      ],
      [["report", "merge", certs.ca], `cannot read "${certs.ca}"`],
    ];
    for (const [args, what] of cases) {
      const output = await runWithGrants(args, ["--allow-net"]);
      const stderr = new TextDecoder().decode(output.stderr);
      equal(output.code, 1, `${args.join(" ")}: ${stderr}`);
      equal(
        stderr,
        `error: ${what}: netdemo was started without --allow-read\n`,
      );
      match(new TextDecoder().decode(output.stdout), /^$/);
    }
  },
});

Deno.test("files: a path under /dev or /proc such as /dev/stdin, which Deno opens only under --allow-all, says so and points to - where it is taken, exit 1", async () => {
  const refused =
    "Deno opens a path under /dev, /proc or /sys (such as /dev/stdin) only under --allow-all; give - for standard input, or the file's own path";
  const cases: [string[], string][] = [
    [["report", "merge", "/dev/stdin"], `cannot read "/dev/stdin"`],
    [
      ["client", "multi", "-p", "1", "--payload-file", "/proc/self/fd/0"],
      `cannot read --payload-file "/proc/self/fd/0"`,
    ],
    [
      ["server", "app", "-p", "0", "--table", "/dev/fd/0"],
      `cannot read the table file "/dev/fd/0"`,
    ],
  ];
  for (const [args, what] of cases) {
    const result = await runCli(args, { stdin: "{}" });
    equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
    equal(result.stderr, `error: ${what}: ${refused}\n`);
    equal(result.stdout, "");
  }
  // The TLS files are not taken from stdin: no - in the advice.
  const tls = await runCli(
    ["client", "hello", "-p", "1", "--tls-ca", "/dev/stdin"],
    { stdin: "{}" },
  );
  equal(
    tls.stderr,
    'error: cannot read --tls-ca file "/dev/stdin": Deno opens a path under /dev, /proc or /sys (such as /dev/stdin) only under --allow-all; give the file\'s own path\n',
  );
});

Deno.test({
  name:
    "files: under deno run without --allow-read, the app server's table file says that grant is missing and how to pass it on stdin",
  ignore: Deno.env.get("NETDEMO_BIN") !== undefined,
  async fn(): Promise<void> {
    const output = await runWithGrants(
      ["server", "app", "-p", "0", "--table", certs.ca],
      ["--allow-net"],
    );
    equal(output.code, 1);
    equal(
      new TextDecoder().decode(output.stderr),
      `error: cannot read the table file "${certs.ca}": netdemo was started without --allow-read; pass it on standard input instead: --table - < ${certs.ca}\n`,
    );
  },
});

Deno.test("files: - with a directory on standard input names what was read and why, exit 1", async () => {
  const { program, prefix } = netdemoCommand();
  const cases: [string[], string][] = [
    [["report", "merge", "-"], "cannot read stdin"],
    [
      ["client", "multi", "-p", "1", "--payload-file", "-"],
      "cannot read --payload-file stdin",
    ],
    [
      ["server", "app", "-p", "0", "--table", "-"],
      "cannot read the table from standard input",
    ],
  ];
  const dir = await Deno.makeTempDir();
  try {
    for (const [args, what] of cases) {
      const result = commandResult(
        await new Deno.Command("bash", {
          args: ["-c", '"$@" < "$0"', dir, program, ...prefix, ...args],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).output(),
      );
      equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      equal(result.stderr, `error: ${what}: it is a directory\n`);
    }
  } finally {
    await Deno.remove(dir);
  }
});
