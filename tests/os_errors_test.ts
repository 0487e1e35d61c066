/**
 * The OS's bare errors for an address a user typed, given their cause in
 * plain words: an address of another machine, a link-local address without
 * its interface, a network with no route.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { toNetError } from "../protocol/errors.ts";
import { lines, runCli } from "./_helpers.ts";
import { netdemoCommand } from "./_children.ts";

Deno.test("os errors: binding an address this machine lacks, or a link-local one without its interface, says why in one line", async () => {
  // A bind sends nothing: each fails on this machine alone.
  const cases: [string, RegExp][] = [
    ["192.0.2.1", /that address does not belong to this machine$/],
    [
      "fe80::1",
      /^error: cannot use \[fe80::1\]:0: a link-local address needs its interface after a %, as in fe80::1%eth0 \(.*os error 22\)\)$/,
    ],
  ];
  for (const [host, pattern] of cases) {
    const result = await runCli([
      ...["server", "echo", "--host", host, "--port", "0"],
    ]);
    equal(result.code, 1, result.stderr);
    equal(lines(result.stderr).length, 1, result.stderr);
    match(result.stderr.trim(), pattern);
  }
});

Deno.test("os errors: a network with no route is named as such, and other OS errors keep their words", () => {
  const unreachable = new Error("Network is unreachable (os error 101)");
  equal(
    toNetError(unreachable, { address: "[fe80::1%lo]:5" }).message,
    "cannot reach [fe80::1%lo]:5: this machine has no route to that network (Network is unreachable (os error 101))",
  );
  // With its interface named, EINVAL is something else: left as the OS said.
  const invalid = new Error("Invalid argument (os error 22)");
  equal(
    toNetError(invalid, { address: "[fe80::1%eth0]:5" }).message,
    "[fe80::1%eth0]:5: Invalid argument (os error 22)",
  );
});

Deno.test("os errors: a short relative --unix path in a deep directory, too long once made absolute, says so in one line", async () => {
  // 120 bytes of directory: "s.sock" is 127 bytes in full.
  const base = await Deno.makeTempDir({ dir: "/tmp" });
  const deep = `${base}/${"d".repeat(Math.max(1, 120 - base.length))}`;
  await Deno.mkdir(deep);
  try {
    const { program, prefix } = netdemoCommand();
    for (const mode of [["server", "echo"], ["client", "hello"]]) {
      const output = await new Deno.Command(program, {
        args: [...prefix, ...mode, "--unix", "s.sock"],
        cwd: deep,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      equal(output.code, 1, stderr);
      equal(lines(stderr).length, 1, stderr);
      equal(
        stderr.trim(),
        "error: cannot use unix:s.sock: a Unix socket's path can have at most 107 bytes, and this one has more once made absolute from the working directory; use a shorter one (e.g. in /tmp)",
      );
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
