import { equal, match } from "node:assert/strict";
import { type CliResult, runCli } from "./_helpers.ts";
import { runMain } from "./_main.ts";

/** Runs every command line in this process, one after another. */
async function runAll(cases: string[][]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const args of cases) results.push(await runMain(args));
  return results;
}

/** Asserts a usage error: exit 2, one stderr line naming the problem, nothing else. */
function assertUsageError(
  args: string[],
  result: CliResult,
  expected: RegExp,
): void {
  equal(result.code, 2, `exit code of netdemo ${args.join(" ")}`);
  equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  equal(
    lines.length,
    1,
    `one line for netdemo ${args.join(" ")}: ${result.stderr}`,
  );
  match(lines[0], /^error: /);
  match(lines[0], expected);
  match(lines[0], /--help/);
}

Deno.test("cli: usage errors are one line on stderr, exit 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["launch"], /unknown command "launch"/],
    // Names every object has are no commands, nor two words in one.
    [["constructor"], /^error: unknown command "constructor" \(see/],
    [["toString"], /^error: unknown command "toString" \(see/],
    [["help", "__proto__"], /^error: unknown command "__proto__" \(see/],
    [["server bork"], /^error: unknown command "server bork" \(see/],
    [["server"], /missing the server mode/],
    [["server", "nope"], /unknown server mode "nope"/],
    [["client", "hello", "--bogus"], /unknown option "--bogus" \(see/],
    // A near miss gets the likely name; a course partner's name its mode.
    [
      ["clinet", "hello"],
      /^error: unknown command "clinet"; did you mean client\? \(see 'netdemo --help'\)$/,
    ],
    [
      ["client", "echo"],
      /unknown client mode "echo" \(one of: hello, count, multi, app\); did you mean multi \(the echo server's client\)\?/,
    ],
    [
      ["server", "hello"],
      /; did you mean bork \(the hello client's server\)\?/,
    ],
    [["client", "multy"], /; did you mean multi\? \(see/],
    [
      ["server", "bork", "--keepopen"],
      /^error: unknown option "--keepopen"; did you mean --keep-open\? \(see 'netdemo server bork --help'\)$/,
    ],
    [["client", "hello", "--prot", "1"], /"--prot"; did you mean --port\?/],
    // The start of one option only is that option.
    [["server", "bork", "--keep"], /"--keep"; did you mean --keep-open\?/],
    [["client", "multi", "--durration", "1"], /did you mean --duration\?/],
    // A value gets a suggestion too.
    [
      ["sockets", "--state", "listne"],
      /got "listne"; did you mean LISTEN\? \(see/,
    ],
    [
      ["client", "hello", "--port", "080"],
      /\(no \+ and no leading zero\), got "080"/,
    ],
    // --host's advice about ports is not --tls-server-name's.
    [
      ["client", "hello", "--tls-server-name", "[::1"],
      /got "\[::1", which is not an IPv6 address \(see/,
    ],
    [
      ["client", "hello", "--host", "::1%lo"],
      /^error: --host must have a zone \(%\.\.\.\) only on a link-local address \(fe80::\/10\), got "::1%lo": give ::1 \(see/,
    ],
    // A path pasted from a "Listening on unix:PATH" line.
    [
      ["server", "echo", "--unix", "unix:/tmp/x.sock"],
      /^error: --unix takes the path alone, without "unix:"; did you mean --unix \/tmp\/x\.sock\? \(see/,
    ],
    [["client", "hello", "-z"], /^error: unknown option "-z" \(see/],
    [
      ["server", "bork", "--port", "abc"],
      /--port must be an integer from 0 to 65535, got "abc"/,
    ],
    // A client's port is the server's: 0 is no port to connect to.
    [
      ["client", "hello", "--port", "70000"],
      /--port must be the server's port, an integer from 1 to 65535 in plain decimal digits, got "70000"/,
    ],
    [["server", "bork", "--port", "70000"], /got "70000"/],
    [["server", "bork", "--port", "-1"], /got "-1"/],
    [
      ["server", "bork", "--port"],
      /^error: --port needs a value \(see 'netdemo server bork --help'\)$/,
    ],
    [["client", "hello", "-p"], /^error: --port needs a value \(see/],
    [["client", "hello", "--message", "--trace"], /--message needs a value/],
    [["server", "bork", "-k=1"], /--keep-open takes no value/],
    [["server", "bork", "extra"], /unexpected argument "extra"/],
    [["server", "bork", "--keep-open=yes"], /--keep-open/],
    [["client", "count"], /missing START/],
    [
      ["client", "count", "ten"],
      /START must be an integer in plain decimal digits, got "ten"/,
    ],
    // An integer written with a leading zero is told how to write it.
    [
      ["client", "count", "05"],
      /START must be an integer in plain decimal digits \(no \+ and no leading zero\), got "05"/,
    ],
    [
      ["help", "--version"],
      /^error: help takes a command \(one of: server, client, sockets, report, help\), not the option "--version"/,
    ],
    [["client", "count", "--", "1.5"], /START .* got "1.5"/],
    [["client", "count", "1e3"], /START .* got "1e3"/],
    [["client", "count", "+5"], /START .* got "\+5"/],
    [
      ["client", "count", "--", "-0"],
      /START must be an integer in plain decimal digits \(zero has no sign: 0\), got "-0"/,
    ],
    [
      ["client", "count", "9".repeat(1001)],
      /^error: START must have at most 1000 digits, got 1001/,
    ],
    // The sign is no digit: -(1000 nines) is in range, and so sent.
    [
      ["client", "count", "--", `-${"9".repeat(1001)}`],
      /^error: START must have at most 1000 digits, got 1001/,
    ],
    [
      ["client", "count", "1", "--times", "0"],
      /--times must be an integer of 1 or more, got "0"/,
    ],
    [
      ["client", "count", "1", "--interval", "soon"],
      /--interval must be a number of seconds/,
    ],
    [
      ["client", "hello", "--timeout", "-2"],
      /--timeout must be a number of seconds/,
    ],
    [["client", "hello", "--host", ""], /--host must not be empty/],
    // Plain decimal digits only, for every port and count.
    ...[" 80", "+80", "080", "0x50", "1e3"].map((
      text,
    ): [string[], RegExp] => [
      ["server", "bork", "--port", text],
      /--port must be an integer/,
    ]),
    [["client", "multi", "--conns", "080"], /--conns must be an integer/],
    [["client", "count", "1", "--times", "+3"], /--times must be an integer/],
    [["sockets", "--port", "1e3"], /--port must be an integer/],
    // A client needs the server's port.
    ...["hello", "multi"].map((mode): [string[], RegExp] => [
      ["client", mode, "--port", "0"],
      /--port 0 only picks a free port for a server; a client needs the server's port/,
    ]),
    [["client", "count", "1", "-p", "0"], /a client needs the server's port/],
    [["client", "app", "search", "x", "-p", "0"], /needs the server's port/],
    // A host is a name or an address, without a port or spaces.
    [
      ["client", "hello", "--host", "127.0.0.1:65432"],
      /--host must not include a port: use --host 127\.0\.0\.1 --port 65432/,
    ],
    [
      ["client", "hello", "--host", "[::1]:65432"],
      /--host must not include a port: use --host ::1 --port 65432/,
    ],
    [
      ["server", "echo", "--host", "localhost:80"],
      /use --host localhost --port 80/,
    ],
    [["client", "hello", "--host", "a b"], /without spaces, got "a b"/],
    [["client", "hello", "--host", "a/b"], /must be a host name .* got "a\/b"/],
    // An IPv6 address is checked group by group, so a port glued on fails.
    [
      ["client", "hello", "--host", "::1:41731"],
      /--host must be a host name or an IP address, got "::1:41731", which is not an IPv6 address \(with a port, give --host ADDRESS --port PORT\)/,
    ],
    [
      ["client", "hello", "--host", ":::::"],
      /got ":::::", which is not an IPv6/,
    ],
    [["client", "hello", "--host", "1::2::3"], /which is not an IPv6 address/],
    [
      ["client", "hello", "--tls-server-name", ""],
      /--tls-server-name must not be empty/,
    ],
    // What the resolver or TLS refused later as a runtime error.
    [
      ["client", "hello", "--host", "a..b"],
      /^error: --host must be a host name or IP address, got "a\.\.b", which has two dots in a row \(see/,
    ],
    [
      ["client", "hello", "--tls-server-name", "x".repeat(300)],
      /--tls-server-name must be a host name of at most 253 characters, got one of 300/,
    ],
    // 254 characters in labels of at most 63: one past DNS's 253.
    [
      [
        "client",
        "hello",
        "--host",
        `${"a".repeat(63)}.`.repeat(3) + "d".repeat(62),
      ],
      /--host must be a host name of at most 253 characters, got one of 254/,
    ],
    // The resolver's short IPv4 forms would reach other addresses.
    ...["127.1", "0x7f.1", "2130706433", "999.1.1.1", "010.0.0.1"].map((
      host,
    ): [string[], RegExp] => [
      ["client", "hello", "--host", host],
      new RegExp(
        `--host must be a host name or an IPv4 address of four numbers from 0 to 255 \\(as 127\\.0\\.0\\.1\\), got "${
          host.replaceAll(".", "\\.")
        }"`,
      ),
    ]),
    [
      ["client", "hello", "--host", "1.2.3.4."],
      /--host must be a host name or IP address, got "1\.2\.3\.4\.": an IP address takes no trailing dot/,
    ],
    [
      ["client", "hello", "--tls-server-name", "[fe80::1%lo]"],
      /--tls-server-name must be a name or address without a zone \(%\.\.\.\), got "\[fe80::1%lo\]"/,
    ],
    [
      ["client", "hello", "--host", `${"y".repeat(64)}.example`],
      /--host must be a host name whose parts between dots have at most 63 characters, got one of 64/,
    ],
    [
      ["client", "hello", "--tls-server-name", "example.com:443"],
      /--tls-server-name must be a name without a port, got "example\.com:443"/,
    ],
    // 0 and -1 break the same rule and read the same.
    [
      ["client", "multi", "--duration", "0"],
      /^error: --duration must be a number of seconds \(more than 0\), got "0"/,
    ],
    [
      ["client", "multi", "--duration", "-1"],
      /^error: --duration must be a number of seconds \(more than 0\), got "-1"/,
    ],
    // An empty message is a usage error in every mode that takes one.
    [["client", "hello", "--message", ""], /--message must not be empty/],
    [["client", "multi", "--message", ""], /--message must not be empty/],
    // So is an empty file name: most often an unset shell variable.
    [["server", "app", "--table", ""], /--table must name a file/],
    [
      ["client", "multi", "--payload-file", "", "--rounds", "1"],
      /--payload-file must name a file/,
    ],
    [
      ["server", "echo", "--tls-cert", "", "--tls-key", "k.pem"],
      /--tls-cert must name a file/,
    ],
    [
      ["server", "echo", "--tls-cert", "c.pem", "--tls-key", ""],
      /--tls-key must name a file/,
    ],
    [["client", "hello", "--tls-ca", ""], /--tls-ca must name a file/],
    [["report", "merge", "a.json", ""], /FILE must name a file, got ""/],
    [["help", "client", "multi", "x"], /unexpected argument "x"/],
    [["help", "sockets", "x"], /unexpected argument "x"/],
    // A command line with help put in front: help wants the command alone.
    [
      ["help", "server", "bork", "--port", "1"],
      /^error: help takes a command and nothing more, not the option "--port"/,
    ],
    [
      ["help", "sockets", "-n"],
      /^error: help takes a command and nothing more, not the option "-n"/,
    ],
    [["--version", "x"], /unexpected argument "x"/],
    // Numbers are decimal, an exponent allowed: not hex, not padded.
    [
      ["client", "multi", "--rate", "0x10"],
      /--rate must be a number more than 0, got "0x10"/,
    ],
    [
      ["client", "multi", "--rate", " 5"],
      /--rate must be a number more than 0, got " 5"/,
    ],
    // What is due at 1e17/s over a second is past an exact count; merge
    // refused the report such a run wrote.
    [
      ["client", "multi", "--rate", "1e17"],
      /--rate must be at most 1000000000 \(a message a nanosecond\), got "1e17"/,
    ],
    [
      ["client", "multi", "--connect-rate", "1000000001"],
      /--connect-rate must be at most 1000000000 \(a connection a nanosecond\)/,
    ],
    [
      ["client", "multi", "--percentiles", "0x32"],
      /--percentiles must be numbers above 0/,
    ],
    // Its JSON key would read p0 and collide with every one as small.
    [
      ["client", "multi", "--percentiles", "50,1e-101"],
      /--percentiles must be numbers of at most 100 decimal places, got 1e-101 in "50,1e-101"/,
    ],
    // Every value given is checked, though only the last counts.
    [
      ["server", "echo", "--port", "abc", "--port", "0"],
      /--port must be an integer from 0 to 65535, got "abc"/,
    ],
    [
      ["server", "echo", "--max-conns", "9007199254740992"],
      /--max-conns must be an integer from 1 to 9007199254740991/,
    ],
    [["help", "--help", "x"], /unexpected argument "x"/],
  ];
  const results = await runAll(cases.map(([args]) => args));
  for (const [i, [args, expected]] of cases.entries()) {
    await t.step(
      args.join(" "),
      () => assertUsageError(args, results[i], expected),
    );
  }
});

Deno.test("cli: --help for the program, a command and a mode; --version", async () => {
  const top = await runMain(["--help"]);
  equal(top.code, 0);
  match(top.stdout, /Usage: netdemo <command>/);
  const group = await runMain(["client", "--help"]);
  equal(group.code, 0);
  match(group.stdout, /hello/);
  match(group.stdout, /count/);
  const mode = await runMain(["client", "count", "--help"]);
  equal(mode.code, 0);
  match(mode.stdout, /Usage: netdemo client count START \[options\]/);
  match(mode.stdout, /--times N +how many numbers to send \(default: 5\)/);
  match(mode.stdout, /--port PORT .*\(default: 65432\)/);
  match(mode.stdout, /\nExamples:\n {2}netdemo client count /);
  const version = await runMain(["--version"]);
  equal(version.code, 0);
  match(version.stdout, /^netdemo \d+\.\d+\.\d+\n$/);
});

Deno.test("cli: no arguments is a usage error naming the commands, exit 2", async () => {
  const result = await runMain([]);
  assertUsageError(
    [],
    result,
    /^error: missing the command \(one of: server, client, sockets, report, help\) \(see 'netdemo --help'\)$/,
  );
});

Deno.test("cli: the program itself prints a usage error as one line and exits 2", async () => {
  const args = ["server", "bork", "--port", "70000"];
  const result = await runCli(args);
  assertUsageError(args, result, /--port must be an integer from 0 to 65535/);
});
