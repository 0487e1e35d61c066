/**
 * `netdemo report merge` against what is not a whole, sound report: bad
 * files and arguments get one line and the documented exit code, and odd
 * but valid contents (counts past 2^53, error kinds named like object
 * members) are merged as any other.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { build, encodeIntoCompressedBase64 } from "hdr-histogram-js";
import { lines, makeFifo, runCli } from "./_helpers.ts";
import { twoReports } from "./_reports.ts";

/**
 * `report` with a histogram of 2^52 samples: two of them add up past the
 * largest count HdrHistogram keeps exactly.
 */
function hugeReport(
  report: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const histogram = build({ bitBucketSize: 64, useWebAssembly: false });
  histogram.recordValueWithCount(1000, 2 ** 52);
  return {
    ...report,
    histogram: encodeIntoCompressedBase64(histogram),
    roundTrips: 2 ** 52,
    latencyMs: {
      ...report.latencyMs,
      count: 2 ** 52,
      min: 1,
      max: 1,
    },
  };
}

Deno.test("report merge: bad input gets one line: exit 2 for the command line, 1 for a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [good] = await twoReports();
    const report = JSON.parse(good);
    const files: Record<string, string> = {
      "good.json": good,
      "text.json": "hello",
      "other.json": JSON.stringify({ name: "not a report" }),
      "schema2.json": JSON.stringify({ ...report, schema: 2 }),
      "schematext.json": JSON.stringify({ ...report, schema: "1" }),
      "intervals.json": JSON.stringify({ ...report, intervals: [1, 2] }),
      "achieved.json": JSON.stringify({
        ...report,
        config: { ...report.config, rate: 2000 },
        achievedRate: 1e9,
        uncorrectedLatencyMs: report.latencyMs,
        uncorrectedHistogram: report.histogram,
      }),
      "partial.json": JSON.stringify({ ...report, roundTrips: "many" }),
      "kinds.json": JSON.stringify({ ...report, errors: { reset: "5" } }),
      "percentiles.json": JSON.stringify({
        ...report,
        config: { ...report.config, percentiles: [100.5] },
      }),
      "nolatency.json": JSON.stringify({ ...report, latencyMs: undefined }),
      "max.json": JSON.stringify({
        ...report,
        latencyMs: { ...report.latencyMs, max: report.latencyMs.max * 2 },
      }),
      "histogram.json": JSON.stringify({
        ...report,
        histogram: "HISTFAAAAxyz",
      }),
      "kindname.json": JSON.stringify({
        ...report,
        errors: { "\u001b[31mevil": 3 },
      }),
      "nomin.json": JSON.stringify({
        ...report,
        latencyMs: { ...report.latencyMs, min: undefined },
      }),
      "nop99.json": JSON.stringify({
        ...report,
        connectLatencyMs: { ...report.connectLatencyMs, p99: undefined },
      }),
      "halfbyte.json": JSON.stringify({ ...report, bytesPerSecond: 0.5 }),
      "count.json": JSON.stringify({
        ...report,
        roundTrips: report.roundTrips + 1,
        latencyMs: { ...report.latencyMs, count: report.latencyMs.count + 1 },
      }),
      "huge.json": JSON.stringify(hugeReport(report)),
      "edited.json": JSON.stringify({ ...report, roundTrips: 999999 }),
      "fewer.json": JSON.stringify({ ...report, roundTrips: 50 }),
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await makeFifo(`${dir}/fifo.json`);
    const cases: [string[], number, RegExp][] = [
      [[], 2, /^error: missing FILE\.\.\./],
      [["-", "-"], 2, /^error: stdin \(-\) can be read only once/],
      [["--bogus", "good.json"], 2, /^error: unknown option "--bogus"/i],
      [["nope.json"], 1, /^error: cannot read ".*nope\.json": no such file$/],
      [
        ["fifo.json"],
        1,
        /^error: cannot read ".*fifo\.json": it is not a regular file \(a FIFO, a device or a socket\)$/,
      ],
      [
        ["/dev/zero"],
        1,
        /^error: cannot read "\/dev\/zero": it is not a regular file/,
      ],
      [["text.json"], 1, /^error: ".*text\.json" is not JSON/],
      [
        ["other.json"],
        1,
        /is not a netdemo load report: it has no "schema" field$/,
      ],
      [
        ["schema2.json"],
        1,
        /is a report of schema 2; this netdemo reads schema 1$/,
      ],
      [
        ["schematext.json"],
        1,
        /is not a netdemo load report: its "schema" is "1", not a number \(this netdemo reads schema 1\)$/,
      ],
      [
        ["intervals.json"],
        1,
        /: "intervals" must be a list of interval objects \(item 0\)$/,
      ],
      [
        ["achieved.json"],
        1,
        /: "achievedRate" must be at most "config\.rate" \(2000\), got 1000000000$/,
      ],
      [
        ["good.json", "partial.json"],
        1,
        /"roundTrips" must be a whole number of 0 or more$/,
      ],
      [
        ["kinds.json"],
        1,
        /: "errors" must be an object of error counts by kind \(a whole number for each\)$/,
      ],
      [
        ["percentiles.json"],
        1,
        /: "config\.percentiles" must be a list of numbers above 0 and at most 100$/,
      ],
      [
        ["nolatency.json"],
        1,
        /: "latencyMs" must be an object of latency figures$/,
      ],
      [
        ["max.json"],
        1,
        /holds a histogram that does not agree with the report's own min or max latency$/,
      ],
      [
        ["histogram.json"],
        1,
        /holds a histogram that is not HdrHistogram compressed base64$/,
      ],
      [
        ["kindname.json"],
        1,
        /: "errors" must be an object of error counts by kind, each kind lower-case words joined by "-" \(as "closed-early"\), not "\\u001b\[31mevil"$/,
      ],
      [
        ["nomin.json"],
        1,
        /: "latencyMs" must be an object of latency figures with a "min"$/,
      ],
      [
        ["nop99.json"],
        1,
        /: "connectLatencyMs" must hold "p99", as "config\.percentiles" asks$/,
      ],
      [["halfbyte.json"], 1, /: "bytesPerSecond" must be a whole number/],
      [
        ["count.json"],
        1,
        /holds a histogram that holds 600 samples, not the report's own count of 601$/,
      ],
      [
        ["edited.json"],
        1,
        /"[^"]*edited\.json" does not add up: "roundTrips" is 999999, but its latencies count 600 round trips$/,
      ],
      [
        ["fewer.json"],
        1,
        /"[^"]*fewer\.json" does not add up: "roundTrips" is 50, but its latencies count 600 round trips$/,
      ],
      [
        ["huge.json", "huge.json"],
        1,
        /"[^"]*huge\.json" holds more samples than can be added to the others' and still be counted exactly$/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) =>
        runCli([
          "report",
          "merge",
          ...args.map((arg) => arg.endsWith(".json") ? `${dir}/${arg}` : arg),
        ])
      ),
    );
    results.forEach((result, i) => {
      const [args, code, pattern] = cases[i];
      equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      equal(result.stdout, "");
      equal(lines(result.stderr).length, 1, result.stderr);
      match(result.stderr.trim(), pattern);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report merge: an error kind named like a member every object has (constructor) is counted as any other kind", async () => {
  const [first, second] = await twoReports();
  const dir = await Deno.makeTempDir();
  try {
    const withKinds = (errors: Record<string, number>): string =>
      JSON.stringify({ ...JSON.parse(first), errors });
    await Deno.writeTextFile(
      `${dir}/a.json`,
      withKinds({ constructor: 2, refused: 1 }),
    );
    await Deno.writeTextFile(`${dir}/b.json`, withKinds({ constructor: 3 }));
    const json = await runCli(
      ["report", "merge", `${dir}/a.json`, `${dir}/b.json`, "--json"],
    );
    equal(json.code, 0, json.stderr);
    deepEqual(JSON.parse(json.stdout).errors, { constructor: 5, refused: 1 });
    const text = await runCli(["report", "merge", `${dir}/a.json`, "-"], {
      stdin: JSON.stringify({
        ...JSON.parse(second),
        errors: { constructor: 1 },
      }),
    });
    equal(text.code, 0, text.stderr);
    ok(
      lines(text.stdout).includes(
        "Errors:        3 constructor, 1 refused",
      ),
      text.stdout,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report merge: a merge of runs each rounded up to its rate merges again (the rounding is allowed once a run)", async () => {
  const [first] = await twoReports();
  const report = JSON.parse(first);
  const dir = await Deno.makeTempDir();
  try {
    // What a run at 0.1236/s on schedule writes: 0.124, rounded to three
    // digits; three of them merge to 0.372 against a rate of 0.3708.
    const rated = JSON.stringify({
      ...report,
      config: { ...report.config, rate: 0.1236 },
      achievedRate: 0.124,
      uncorrectedLatencyMs: report.latencyMs,
      uncorrectedHistogram: report.histogram,
    });
    const files = ["a", "b", "c"].map((name) => `${dir}/${name}.json`);
    for (const file of files) await Deno.writeTextFile(file, rated);
    const merged = await runCli(["report", "merge", ...files, "--json"]);
    equal(merged.code, 0, merged.stderr);
    await Deno.writeTextFile(`${dir}/merged.json`, merged.stdout);
    const again = await runCli(["report", "merge", `${dir}/merged.json`]);
    equal(again.code, 0, again.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
