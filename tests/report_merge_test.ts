/**
 * `netdemo report merge`: reports of runs made side by side combine into
 * one, with the exact percentiles of the summed histograms, and runs that
 * differ are merged with a warning (bad input: `report_merge_input_test.ts`).
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { build, decodeFromCompressedBase64 } from "hdr-histogram-js";
import { lines, runCli, spawnQuietEcho } from "./_helpers.ts";
import { twoReports } from "./_reports.ts";

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
    // A copy with its keys in another order (as `jq -S` writes it) is the
    // same run all the same.
    const original = JSON.parse(await Deno.readTextFile(`${dir}/closed.json`));
    const reordered = Object.fromEntries(Object.entries(original).reverse());
    const copy = await runCli(["report", "merge", `${dir}/closed.json`, "-"], {
      stdin: JSON.stringify(reordered),
    });
    equal(
      copy.stderr,
      `warning: "${dir}/closed.json" and stdin hold the same run: it is counted twice\n`,
    );
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

Deno.test("report merge: runs that differ in message size, transport, pipeline or warm-up are merged with a one-line warning naming the differences", async () => {
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
      omitSeconds: 2,
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
      `warning: the runs differ in message size (64 bytes in ${a}, 1048576 in ${b}), transport (tcp in ${a}, unix in ${b}, tls in ${c}), --pipeline (1 in ${a}, 4 in ${b}), --omit warm-up (0 s in ${a}, 2 in ${b}): the merged report shows the first's settings, and its latencies mix round trips of each kind\n`,
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

Deno.test("report merge's config.percentiles is the union of the reports', as README says", async () => {
  const server = await spawnQuietEcho();
  const dir = await Deno.makeTempDir();
  try {
    const files = [`${dir}/a.json`, `${dir}/b.json`];
    for (const [i, list] of ["50,99", "75,99,99.9"].entries()) {
      const run = await runCli([
        ...["client", "multi", "-p", `${server.port}`, "--rounds", "20"],
        ...["--percentiles", list, "--json"],
      ]);
      equal(run.code, 0, run.stderr);
      await Deno.writeTextFile(files[i], run.stdout);
    }
    const merged = await runCli(["report", "merge", ...files, "--json"]);
    equal(merged.code, 0, merged.stderr);
    const report = JSON.parse(merged.stdout);
    deepEqual(report.config.percentiles, [50, 75, 99, 99.9]);
    for (const key of ["p50", "p75", "p99", "p99.9"]) {
      equal(typeof report.latencyMs[key], "number", key);
    }
    const readme = await Deno.readTextFile(
      new URL("../README.md", import.meta.url),
    );
    ok(
      readme.replace(/\s+/g, " ").includes(
        "`config` is the first report's with `connections` (and `rate`, when every run had one) summed and `percentiles` the union of the reports' lists",
      ),
      "README says how config.percentiles merges",
    );
  } finally {
    await server.process.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
