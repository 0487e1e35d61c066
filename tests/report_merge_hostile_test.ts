/**
 * `netdemo report merge` against reports made to hurt it: histograms whose
 * few bytes claim more than their range holds (a zero run of 2^40 buckets,
 * a payload length past the data, a zlib stream that inflates past 64 MiB,
 * whitespace the library and the check would read differently),
 * counts that add up past 2^53, sums past what a number holds, and a rate
 * run without its uncorrected latency. Each is one line and exit 1, at once.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { lines, runCli } from "./_helpers.ts";
import { twoReports } from "./_reports.ts";

/** ZigZag LEB128 words, as HdrHistogram's V2 payload holds them. */
function words(values: readonly bigint[]): Uint8Array {
  const bytes: number[] = [];
  for (const value of values) {
    let v = value >= 0n ? value * 2n : -value * 2n - 1n;
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  }
  return new Uint8Array(bytes);
}

/**
 * A V2 compressed base64 histogram (1 µs to one hour, three digits) around
 * `payload`, whose header may claim `payloadBytes` of it.
 */
function histogram(
  payload: Uint8Array,
  options: { payloadBytes?: number } = {},
): string {
  const plain = new Uint8Array(40 + payload.length);
  const header = new DataView(plain.buffer);
  header.setInt32(0, 0x1c849313);
  header.setInt32(4, options.payloadBytes ?? payload.length);
  header.setInt32(12, 3);
  header.setBigInt64(16, 1n);
  header.setBigInt64(24, 3_600_000_000n);
  header.setFloat64(32, 1);
  plain.set(payload, 40);
  return wrap(deflateSync(plain));
}

function wrap(compressed: Uint8Array): string {
  const outer = new Uint8Array(8 + compressed.length);
  const view = new DataView(outer.buffer);
  view.setInt32(0, 0x1c849314);
  view.setInt32(4, compressed.length);
  outer.set(compressed, 8);
  return btoa(String.fromCharCode(...outer));
}

Deno.test("report merge: a histogram, count or sum made to hang, exhaust or overflow the merge is refused in one line", async () => {
  const [good] = await twoReports();
  const report = JSON.parse(good);
  // One sample of 1 µs after the histogram's last bucket: the report says
  // one round trip, and its histogram's bytes say where it lies.
  const single = {
    ...report,
    roundTrips: 1,
    latencyMs: { ...report.latencyMs, count: 1, min: 0.001, max: 0.001 },
  };
  const nearly = 2n ** 53n - 1n;
  const files: Record<string, unknown> = {
    "zerorun.json": {
      ...single,
      histogram: histogram(words([-(2n ** 40n), 1n])),
    },
    "payload.json": {
      ...single,
      histogram: histogram(words([1n]), { payloadBytes: 2 ** 30 }),
    },
    // 80 MiB of zeros deflate to about 80 kB.
    "bomb.json": {
      ...single,
      histogram: wrap(deflateSync(new Uint8Array(80 * 1024 * 1024))),
    },
    "nearly.json": {
      ...report,
      roundTrips: Number(nearly),
      latencyMs: {
        ...report.latencyMs,
        count: Number(nearly),
        min: 0.001,
        max: 0.001,
      },
      histogram: histogram(words([0n, nearly])),
    },
    // atob would skip the spaces, the library reads each as six zero bits:
    // the check and the library would see different bytes.
    "spaced.json": {
      ...report,
      histogram: `${report.histogram.slice(0, 76)}    ${
        report.histogram.slice(76)
      }`,
    },
    "unrated.json": { ...report, uncorrectedHistogram: null },
    "fast.json": { ...report, roundTripsPerSecond: 1.7e308 },
  };
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, value] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(value));
    }
    await Deno.writeTextFile(`${dir}/good.json`, good);
    const cases: [string[], RegExp][] = [
      [
        ["zerorun.json"],
        /holds a histogram that holds a bucket outside its range$/,
      ],
      [["payload.json"], /holds a histogram that has a header out of range$/],
      [["bomb.json"], /holds a histogram that does not inflate$/],
      [
        ["spaced.json"],
        /holds a histogram that is not HdrHistogram compressed base64$/,
      ],
      [
        ["good.json", "nearly.json"],
        /"[^"]*nearly\.json" holds more samples than can be added to the others' and still be counted exactly$/,
      ],
      [
        ["unrated.json"],
        /: "uncorrectedHistogram" must not be null, as "config\.rate" is set$/,
      ],
      [
        ["fast.json", "fast.json"],
        /^error: the reports' "roundTripsPerSecond" add up to more than a number holds$/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([names]) =>
        runCli(["report", "merge", ...names.map((name) => `${dir}/${name}`)])
      ),
    );
    results.forEach((result, i) => {
      const [names, pattern] = cases[i];
      equal(result.code, 1, `${names.join(" ")}: ${result.stderr}`);
      equal(result.stdout, "");
      // The same file twice gets its warning first; the error is the last.
      const said = lines(result.stderr);
      match(said.at(-1) ?? "", pattern, result.stderr);
      equal(said.filter((line) => line.startsWith("error:")).length, 1);
    });
    // The one sample of the zero run's report, where it belongs, merges.
    await Deno.writeTextFile(
      `${dir}/one.json`,
      JSON.stringify({ ...single, histogram: histogram(words([0n, 1n])) }),
    );
    const one = await runCli(["report", "merge", `${dir}/one.json`, "--json"]);
    equal(one.code, 0, one.stderr);
    equal(JSON.parse(one.stdout).latencyMs.count, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
