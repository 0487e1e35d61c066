/**
 * `netdemo report merge`: reports of runs made side by side combine into
 * one, with the exact percentiles of the summed histograms, and bad input
 * gets one line and the documented exit code.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
} from "hdr-histogram-js";
import { lines, makeFifo, runCli, spawnQuietEcho } from "./_helpers.ts";

/** Two real reports from two concurrent runs against one echo server. */
async function twoReports(): Promise<string[]> {
  const server = await spawnQuietEcho();
  try {
    const runs = await Promise.all([
      ["--conns", "2", "--rounds", "300", "--rate", "3000"],
      ["--conns", "3", "--rounds", "200", "--rate", "3000", "--lifetime", "50"],
    ].map((args) =>
      runCli([
        "client",
        "multi",
        "--port",
        `${server.port}`,
        ...args,
        "--json",
      ])
    ));
    for (const run of runs) equal(run.code, 0, run.stderr);
    return runs.map((run) => run.stdout);
  } finally {
    await server.process.stop();
  }
}

/**
 * The percentiles of one histogram holding both runs' samples, computed
 * with the HdrHistogram library directly (not through netdemo's code).
 */
function expectedStats(
  reports: Record<string, unknown>[],
  histogramKey: string,
  statsKey: string,
  percentiles: number[],
): Record<string, number> {
  const one = build({ bitBucketSize: 64, useWebAssembly: false });
  for (const report of reports) {
    one.add(decodeFromCompressedBase64(report[histogramKey] as string));
  }
  // Exact extremes come from the reports: the encoding keeps only buckets.
  const max = Math.max(
    ...reports.map((r) => (r[statsKey] as { max: number }).max),
  );
  const min = Math.min(
    ...reports.map((r) => (r[statsKey] as { min: number }).min),
  );
  const expected: Record<string, number> = { count: one.totalCount, min, max };
  for (const p of percentiles) {
    expected[`p${p}`] = Math.min(one.getValueAtPercentile(p) / 1000, max);
  }
  return expected;
}

Deno.test("report merge: two reports equal, percentile for percentile, one histogram of both runs", async () => {
  const texts = await twoReports();
  const dir = await Deno.makeTempDir();
  try {
    const files = texts.map((_, i) => `${dir}/run${i}.json`);
    await Promise.all(
      files.map((file, i) => Deno.writeTextFile(file, texts[i])),
    );
    const result = await runCli(["report", "merge", files[0], "-", "--json"], {
      stdin: texts[1],
    });
    equal(result.code, 0, result.stderr);
    equal(lines(result.stdout).length, 1);
    const merged = JSON.parse(result.stdout);
    const reports = texts.map((text) => JSON.parse(text));
    equal(merged.schema, 1);
    equal(merged.sources, 2);
    equal(merged.roundTrips, 600 + 600);
    equal(merged.connectionsOpened, 2 + 3 * 4);
    equal(merged.config.connections, 5);
    equal(merged.config.rate, 6000);
    deepEqual(merged.errors, {});
    const percentiles = [50, 90, 99, 99.9];
    for (
      const [histogram, stats] of [
        ["histogram", "latencyMs"],
        ["uncorrectedHistogram", "uncorrectedLatencyMs"],
        ["connectHistogram", "connectLatencyMs"],
      ]
    ) {
      const want = expectedStats(reports, histogram, stats, percentiles);
      for (const [key, value] of Object.entries(want)) {
        equal(merged[stats][key], value, `${stats}.${key}`);
      }
    }
    // The merged histogram is itself readable by HdrHistogram.
    equal(decodeFromCompressedBase64(merged.histogram).totalCount, 1200);

    const text = await runCli(["report", "merge", ...files]);
    equal(text.code, 0, text.stderr);
    const out = lines(text.stdout);
    equal(out[0], "Merged:        2 runs");
    equal(out[1], "Connections:   14 opened (" + out[1].split("(")[1]);
    match(out[2], /^Round trips: {3}1200 of 64 bytes in \d+\.\d\d s$/);
    ok(out.some((line) => line.startsWith("Uncorrected:")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report merge: runs of unequal length are merged with a one-line warning that the summed rates overstate the load", async () => {
  const reports = (await twoReports()).map((text) => JSON.parse(text));
  const dir = await Deno.makeTempDir();
  try {
    const merge = async (seconds: number[]) => {
      const files = seconds.map((_, i) => `${dir}/run${i}.json`);
      await Promise.all(files.map((file, i) =>
        Deno.writeTextFile(
          file,
          JSON.stringify({ ...reports[i], durationSeconds: seconds[i] }),
        )
      ));
      return await runCli(["report", "merge", ...files, "--json"]);
    };
    const even = await merge([3, 2.8]);
    equal(even.code, 0, even.stderr);
    equal(even.stderr, "");
    const uneven = await merge([3, 1.5]);
    equal(uneven.code, 0, uneven.stderr);
    equal(
      uneven.stderr,
      "warning: the runs lasted from 1.5 s to 3 s: their rates are added as if they had run side by side throughout, so the merged rates overstate the load\n",
    );
    // The longest run's duration; interrupted when any run was.
    equal(JSON.parse(uneven.stdout).durationSeconds, 3);
    equal(JSON.parse(uneven.stdout).interrupted, false);
    reports[1].interrupted = true;
    equal(JSON.parse((await merge([3, 3])).stdout).interrupted, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report merge: a --rate run merged with a closed-loop run says, in one line, that their latencies mix, and gives no rate", async () => {
  const [rated] = await twoReports();
  const server = await spawnQuietEcho();
  const dir = await Deno.makeTempDir();
  try {
    const closed = await runCli([
      "client",
      "multi",
      "--port",
      `${server.port}`,
      "--conns",
      "2",
      "--rounds",
      "100",
      "--json",
    ]);
    equal(closed.code, 0, closed.stderr);
    // Of one length, so that only the mix is worth a warning.
    await Deno.writeTextFile(
      `${dir}/closed.json`,
      JSON.stringify({
        ...JSON.parse(closed.stdout),
        durationSeconds: JSON.parse(rated).durationSeconds,
      }),
    );
    const result = await runCli(
      ["report", "merge", "-", `${dir}/closed.json`, "--json"],
      { stdin: rated },
    );
    equal(result.code, 0, result.stderr);
    equal(
      result.stderr,
      `warning: stdin ran at --rate and "${dir}/closed.json" closed-loop: the merged latencies mix latency from the schedule with latency from the send, and the merge gives no rate and no uncorrected latency\n`,
    );
    const merged = JSON.parse(result.stdout);
    equal(merged.roundTrips, 600 + 200);
    equal(merged.config.rate, null);
    equal(merged.achievedRate, null);
    equal(merged.uncorrectedLatencyMs, null);
    equal(merged.latencyMs.count, 800);
    // Two runs of one kind merge without the mix's warning.
    const same = await runCli([
      "report",
      "merge",
      `${dir}/closed.json`,
      `${dir}/closed.json`,
    ]);
    equal(same.code, 0, same.stderr);
    // Only that it is one run twice: not a mix of loops or settings.
    equal(
      same.stderr,
      `warning: "${dir}/closed.json" and "${dir}/closed.json" hold the same run: it is counted twice\n`,
    );
    // Without churn, a merge's connections read as a run's do.
    equal(lines(same.stdout)[1], "Connections:   4 of 4 opened");
    const one = await runCli(["report", "merge", `${dir}/closed.json`]);
    equal(lines(one.stdout)[0], "Merged:        1 run");
    // A closed-loop report has no uncorrected latency: the figures after
    // it are checked all the same.
    const report = JSON.parse(await Deno.readTextFile(`${dir}/closed.json`));
    const broken: [string, Record<string, unknown>, RegExp][] = [
      [
        "nop99",
        { connectLatencyMs: { ...report.connectLatencyMs, p99: undefined } },
        /: "connectLatencyMs" must hold "p99", as "config\.percentiles" asks$/,
      ],
      ...["count", "min", "mean", "stddev", "max"].map((
        key,
      ): [string, Record<string, unknown>, RegExp] => [
        `no${key}`,
        { latencyMs: { ...report.latencyMs, [key]: undefined } },
        new RegExp(`: "latencyMs" must be an object of latency figures with a`),
      ]),
    ];
    for (const [name, change, expected] of broken) {
      await Deno.writeTextFile(
        `${dir}/${name}.json`,
        JSON.stringify({ ...report, ...change }),
      );
      const result = await runCli(["report", "merge", `${dir}/${name}.json`]);
      equal(result.code, 1, `${name}: ${result.stderr}`);
      match(result.stderr.trim(), expected, name);
    }
  } finally {
    await server.process.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

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

Deno.test("report merge: runs that differ in message size, transport or pipeline are merged with a one-line warning naming the differences", async () => {
  const [first] = await twoReports();
  const dir = await Deno.makeTempDir();
  try {
    // One run's figures under other settings: of one length, so that only
    // the settings are worth a warning.
    const other = JSON.parse(first);
    other.config = {
      ...other.config,
      size: 1048576,
      transport: "unix",
      pipeline: 4,
    };
    // A third transport is named too, each value once.
    const tls = JSON.parse(first);
    tls.config = { ...tls.config, transport: "tls" };
    await Deno.writeTextFile(`${dir}/a.json`, first);
    await Deno.writeTextFile(`${dir}/b.json`, JSON.stringify(other));
    await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify(tls));
    const result = await runCli(
      ["report", "merge", ...["a", "b", "c"].map((f) => `${dir}/${f}.json`)],
    );
    equal(result.code, 0, result.stderr);
    const [a, b, c] = ["a", "b", "c"].map((f) => `"${dir}/${f}.json"`);
    equal(
      result.stderr,
      `warning: the runs differ in message size (64 bytes in ${a}, 1048576 in ${b}), transport (tcp in ${a}, unix in ${b}, tls in ${c}), --pipeline (1 in ${a}, 4 in ${b}): the merged report shows the first's settings, and its latencies mix round trips of each kind\n`,
    );
    // Runs alike in all three merge without it.
    // (A figure apart, or it would be the same run twice.)
    const twin = { ...JSON.parse(first), connectionsPerSecond: 1 };
    const alike = await runCli(["report", "merge", "-", `${dir}/a.json`], {
      stdin: JSON.stringify(twin),
    });
    equal(alike.code, 0, alike.stderr);
    equal(alike.stderr, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
