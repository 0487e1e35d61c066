/**
 * The load mode's latency recorder: HdrHistogram percentiles, null figures
 * without a sample, and the standard compressed base64 encoding.
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
} from "hdr-histogram-js";
import {
  DEFAULT_PERCENTILES,
  LatencyRecorder,
  percentileKey,
} from "../client/latency.ts";
import { seededRandom } from "./_random.ts";
import { runPythonSnippet } from "./_python.ts";
import { withStandardRatio } from "../protocol/hdr_histogram.ts";

Deno.test("latency: the histogram counts every sample within 0.1%", () => {
  const latency = new LatencyRecorder();
  // 1.000 ms, 1.001 ms, ... 100.999 ms: 100,000 samples, evenly spread.
  for (let i = 0; i < 100_000; i++) latency.record(1 + i / 1000);
  const stats = latency.stats([50, 90, 99, 99.9]);
  equal(stats.count, 100_000);
  const wanted: [string, number][] = [
    ["min", 1],
    ["p50", 51],
    ["p90", 91],
    ["p99", 100],
    ["p99.9", 100.9],
    ["max", 100.999],
    ["mean", 51],
  ];
  for (const [key, want] of wanted) {
    const got = stats[key]!;
    ok(Math.abs(got - want) / want <= 0.001, `${key}: ${got} vs ${want}`);
  }
  ok(Math.abs(stats.stddev! - 28.87) < 0.05, `stddev ${stats.stddev}`);
});

Deno.test("latency: with no sample every figure but the count is null", () => {
  deepEqual(new LatencyRecorder().stats(DEFAULT_PERCENTILES), {
    count: 0,
    min: null,
    mean: null,
    stddev: null,
    p50: null,
    p90: null,
    p99: null,
    "p99.9": null,
    max: null,
  });
});

Deno.test("latency: no percentile exceeds the slowest sample", () => {
  const latency = new LatencyRecorder();
  // Two samples in one bucket: the bucket's upper edge lies above both.
  latency.record(10.236);
  latency.record(0.5);
  const { p99, max } = latency.stats([99]);
  equal(max, 10.236);
  ok(p99! <= max!, `${p99} > ${max}`);
});

Deno.test("latency: a percentile's key is in plain decimals, however small", () => {
  const recorder = new LatencyRecorder();
  recorder.record(1000);
  deepEqual(
    Object.keys(recorder.stats([1e-7, 1.5e-7, 99.9, 100])).filter((key) =>
      key.startsWith("p")
    ),
    ["p0.0000001", "p0.00000015", "p99.9", "p100"],
  );
  equal(percentileKey(50), "p50");
});

Deno.test("latency: the mean lies between the extremes, and is the sample's own when there is one", () => {
  // 3.455 ms sits in a bucket of 4 µs whose midpoint is above it.
  for (const ms of [3.455, 4.099, 5.558, 3.9, 250.001]) {
    const one = new LatencyRecorder();
    one.record(ms);
    const stats = one.stats([50]);
    equal(stats.mean, ms);
    equal(stats.min, ms);
    equal(stats.max, ms);
  }
  const random = seededRandom(7);
  const many = new LatencyRecorder();
  for (let i = 0; i < 1000; i++) many.record(3.4 + random() / 100);
  const { min, mean, max } = many.stats([50]);
  ok(min! <= mean! && mean! <= max!, `${min} ${mean} ${max}`);
});

Deno.test("latency: the encoding is HdrHistogram's compressed base64, in microseconds", () => {
  const latency = new LatencyRecorder();
  for (const ms of [0.05, 0.2, 0.2, 3, 250]) latency.record(ms);
  const encoded = latency.encode();
  ok(encoded.startsWith("HISTF"), encoded);
  // Read back by the library itself, not through the recorder.
  const histogram = decodeFromCompressedBase64(encoded, 64, false);
  equal(histogram.totalCount, 5);
  // The encoding keeps buckets, each within 0.1% of its values.
  ok(Math.abs(histogram.maxValue - 250_000) <= 250, `${histogram.maxValue}`);
  equal(histogram.minNonZeroValue, 50);
  deepEqual(
    LatencyRecorder.decode(encoded, { min: 0.05, max: 250 }).stats([50, 99]),
    latency.stats([50, 99]),
  );
});

Deno.test("latency: the encoding's header is the standard one as Python's struct reads it: V2 cookies, 3 digits, and a conversion ratio of 1.0 as a double", async () => {
  const latency = new LatencyRecorder();
  for (const ms of [0.05, 3, 250]) latency.record(ms);
  // An independent reader: the layout as HdrHistogram's Java encoder
  // writes it (cookie, payload length, normalizing offset, digits,
  // lowest, highest, then the ratio as a big-endian double).
  await runPythonSnippet(
    [
      "import base64, struct, sys, zlib",
      "raw = base64.b64decode(sys.argv[1])",
      "cookie, length = struct.unpack('>ii', raw[:8])",
      "assert cookie & ~0xf0 == 0x1c849304, hex(cookie)",
      "inner = zlib.decompress(raw[8:8 + length])",
      "c, payload, offset, digits, low, high, ratio = struct.unpack('>iiiiqqd', inner[:40])",
      "assert c & ~0xf0 == 0x1c849303, hex(c)",
      "assert digits == 3, digits",
      "assert ratio == 1.0, ratio",
      "assert 40 + payload <= len(inner), (payload, len(inner))",
    ].join("\n"),
    [latency.encode()],
  );
});

Deno.test("latency: adding two recorders equals recording both runs in one", () => {
  const a = new LatencyRecorder();
  const b = new LatencyRecorder();
  const both = new LatencyRecorder();
  for (let i = 0; i < 5000; i++) {
    const ms = 0.05 + (i % 97) * 0.013;
    (i % 3 === 0 ? a : b).record(ms);
    both.record(ms);
  }
  for (let i = 0; i < 50; i++) {
    b.record(400 + i);
    both.record(400 + i);
  }
  const extremes = (recorder: LatencyRecorder) => {
    const { min, max } = recorder.stats([]);
    return { min, max };
  };
  const merged = LatencyRecorder.decode(a.encode(), extremes(a));
  merged.add(LatencyRecorder.decode(b.encode(), extremes(b)));
  const percentiles = [1, 25, 50, 90, 99, 99.5, 99.9, 100];
  deepEqual(merged.stats(percentiles), both.stats(percentiles));
});

Deno.test("latency: the histogram equals HdrHistogram's own, one sample at a time, read midway or not", () => {
  const random = seededRandom(10);
  const recorder = new LatencyRecorder();
  const reference = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    autoResize: true,
    useWebAssembly: false,
  });
  const percentiles = [1, 50, 90, 99, 99.9, 100];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 20_000; i++) {
      // Mostly under 16 ms, some far above, some under 1 µs.
      const ms = random() < 0.9 ? random() * 3 : random() * 2_000;
      recorder.record(ms);
      reference.recordValue(Math.max(1, Math.round(ms * 1000)));
    }
    // Reading in between must not lose or double a sample.
    equal(recorder.count, reference.totalCount);
    // The same buckets, with the header's ratio as the standard writes it.
    equal(
      recorder.encode(),
      withStandardRatio(encodeIntoCompressedBase64(reference)),
    );
    const stats = recorder.stats(percentiles);
    equal(stats.p50, reference.getValueAtPercentile(50) / 1000);
    equal(stats.mean, Math.round(reference.mean) / 1000);
  }
  // Samples still in the tally when it is reset must go with it.
  for (const ms of [0.2, 0.7, 3, 900]) recorder.record(ms);
  recorder.reset();
  reference.reset();
  equal(recorder.count, 0);
  // Spanning the slots used before, so that a stale count would show.
  for (const ms of [0.1, 0.5, 5]) {
    recorder.record(ms);
    reference.recordValue(ms * 1000);
  }
  equal(
    recorder.encode(),
    withStandardRatio(encodeIntoCompressedBase64(reference)),
  );
  equal(recorder.stats([50]).p50, 0.5);
});

Deno.test("latency: text that is not a histogram is refused", () => {
  let error: unknown;
  try {
    LatencyRecorder.decode("not a histogram");
  } catch (caught) {
    error = caught;
  }
  ok(error instanceof RangeError, String(error));
});
