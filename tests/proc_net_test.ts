import assert from "node:assert/strict";
import {
  decodeIpv4,
  decodeIpv6,
  parseProcNet,
  parseProcNetLine,
  parseStateName,
  type SocketRecord,
  stateName,
  TCP_STATES,
} from "../sockets/proc_net.ts";
import {
  formatEnd,
  formatJson,
  formatTable,
  selectSockets,
} from "../sockets/table.ts";
import { NetError } from "../protocol/errors.ts";

// Sample lines in the kernel's layout, written for these tests. The
// addresses are as a little-endian (x86) kernel prints them.
const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const TCP_LISTEN =
  "   0: 0100007F:FF98 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0";
const TCP_ESTABLISHED =
  "   1: 1401A8C0:D431 0100007F:FF98 01 0000001C:0000000D 00:00000000 00000000  1000        0 4243 1 0000000000000000 20 4 30 10 -1";
const TCP_TIME_WAIT =
  "   2: 0100007F:D432 0100007F:FF98 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000";
const TCP6_HEADER =
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const TCP6_LOOPBACK =
  "   0: 00000000000000000000000001000000:FF98 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5151 1 0000000000000000 100 0 0 10 0";
const TCP6_MAPPED =
  "   1: 0000000000000000FFFF00000100007F:FF98 0000000000000000FFFF00000100007F:D433 01 00000000:00000000 00:00000000 00000000  1000        0 5152 1 0000000000000000 20 4 30 10 -1";
const TCP6_GLOBAL =
  "   2: B80D0120000000000000000001000000:0050 B80D0120000000000000000002000000:C350 08 00000000:00000000 00:00000000 00000000    33        0 5153 1 0000000000000000 20 4 30 10 -1";

const LE = { littleEndian: true };

Deno.test("proc_net: an IPv4 address is decoded from host (little-endian) byte order", () => {
  assert.deepEqual(decodeIpv4("0100007F", LE), "127.0.0.1");
  assert.deepEqual(decodeIpv4("1401A8C0", LE), "192.168.1.20");
  assert.deepEqual(decodeIpv4("00000000", LE), "0.0.0.0");
});

Deno.test("proc_net: a big-endian kernel's IPv4 address reads in written order", () => {
  assert.deepEqual(
    decodeIpv4("7F000001", { littleEndian: false }),
    "127.0.0.1",
  );
});

Deno.test("proc_net: IPv6 addresses are decoded word by word and shortened", () => {
  assert.deepEqual(decodeIpv6("00000000000000000000000001000000", LE), "::1");
  assert.deepEqual(decodeIpv6("00000000000000000000000000000000", LE), "::");
  assert.deepEqual(
    decodeIpv6("B80D0120000000000000000001000000", LE),
    "2001:db8::1",
  );
  assert.deepEqual(
    decodeIpv6("000080FE00000000FF0000020100A0FE", LE),
    "fe80::200:ff:fea0:1",
  );
});

Deno.test("proc_net: IPv4-mapped IPv6 addresses show the IPv4 address", () => {
  assert.deepEqual(
    decodeIpv6("0000000000000000FFFF00000100007F", LE),
    "::ffff:127.0.0.1",
  );
});

Deno.test("proc_net: only the longest run of zero groups becomes ::", () => {
  const bigEndian = { littleEndian: false };
  assert.deepEqual(
    decodeIpv6("00010000000000020000000000000003", bigEndian),
    "1:0:0:2::3",
  );
  assert.deepEqual(
    decodeIpv6("00010000000000020000000000030004", bigEndian),
    "1::2:0:0:3:4",
  );
  assert.deepEqual(
    decodeIpv6("00010002000300040005000600070008", bigEndian),
    "1:2:3:4:5:6:7:8",
  );
});

Deno.test("proc_net: malformed addresses are rejected with the value in the message", () => {
  assert.throws(() => decodeIpv4("7F0001", LE), /8 hex digits, got "7F0001"/);
  assert.throws(() => decodeIpv6("zz", LE), /32 hex digits, got "zz"/);
});

Deno.test("proc_net: every state code 01..0C has its kernel name", () => {
  const expected = [
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
  ];
  for (let code = 1; code <= 12; code++) {
    const hex = code.toString(16).toUpperCase().padStart(2, "0");
    const line = TCP_LISTEN.replace(" 0A ", ` ${hex} `);
    assert.deepEqual(
      parseProcNetLine(line, "tcp", LE)?.state,
      expected[code - 1],
    );
  }
  assert.deepEqual(TCP_STATES, expected);
  assert.deepEqual(stateName("0a"), "LISTEN");
  assert.deepEqual(stateName("0D"), "UNKNOWN(0D)");
});

Deno.test("proc_net: states are accepted in any case and with - or _", () => {
  assert.deepEqual(parseStateName("time_wait"), "TIME_WAIT");
  assert.deepEqual(parseStateName("TIME-WAIT"), "TIME_WAIT");
  assert.deepEqual(parseStateName("listen"), "LISTEN");
  assert.deepEqual(parseStateName("fin-wait-1"), "FIN_WAIT1");
  assert.deepEqual(parseStateName("syn-recv"), "SYN_RECV");
  assert.deepEqual(parseStateName("new_syn_recv"), "NEW_SYN_RECV");
  assert.deepEqual(parseStateName("waiting"), undefined);
  assert.deepEqual(parseStateName(""), undefined);
});

Deno.test("proc_net: an IPv4 line becomes a record with ports, queues, uid and inode", () => {
  assert.deepEqual(parseProcNetLine(TCP_ESTABLISHED, "tcp", LE), {
    protocol: "tcp",
    localAddress: "192.168.1.20",
    localPort: 54321,
    remoteAddress: "127.0.0.1",
    remotePort: 65432,
    state: "ESTABLISHED",
    receiveQueue: 13,
    sendQueue: 28,
    uid: 1000,
    inode: 4243,
  });
});

Deno.test("proc_net: a LISTEN socket's rx_queue is its accept backlog", () => {
  const record = parseProcNetLine(TCP_LISTEN, "tcp", LE);
  assert.deepEqual(record?.state, "LISTEN");
  assert.deepEqual(record?.receiveQueue, 3);
  assert.deepEqual(record?.sendQueue, 0);
  assert.deepEqual(record?.remoteAddress, "0.0.0.0");
  assert.deepEqual(record?.remotePort, 0);
});

Deno.test("proc_net: a whole file parses without its header; IPv6 lines too", () => {
  const tcp = parseProcNet(
    [TCP_HEADER, TCP_LISTEN, TCP_ESTABLISHED, TCP_TIME_WAIT, ""].join("\n"),
    "tcp",
    LE,
  );
  assert.deepEqual(tcp.map((r) => r.state), [
    "LISTEN",
    "ESTABLISHED",
    "TIME_WAIT",
  ]);
  const tcp6 = parseProcNet(
    [TCP6_HEADER, TCP6_LOOPBACK, TCP6_MAPPED, TCP6_GLOBAL].join("\n"),
    "tcp6",
    LE,
  );
  assert.deepEqual(
    tcp6.map((r) => [r.protocol, r.localAddress, r.remoteAddress, r.state]),
    [
      ["tcp6", "::1", "::", "LISTEN"],
      ["tcp6", "::ffff:127.0.0.1", "::ffff:127.0.0.1", "ESTABLISHED"],
      ["tcp6", "2001:db8::1", "2001:db8::2", "CLOSE_WAIT"],
    ],
  );
  assert.deepEqual(tcp6[2].localPort, 80);
  assert.deepEqual(tcp6[2].remotePort, 50000);
  assert.deepEqual(tcp6[2].uid, 33);
});

Deno.test("proc_net: a line in an unknown format is an error naming the file", () => {
  assert.throws(
    () => parseProcNetLine("   0: garbage here", "tcp", LE),
    (error) =>
      error instanceof NetError && error.message ===
        'a line of /proc/net/tcp is not in the format this program reads: "0: garbage here"',
  );
  // An IPv4 line is not an IPv6 line.
  assert.throws(() => parseProcNetLine(TCP_LISTEN, "tcp6", LE), /tcp6/);
});

function sampleRecords(): SocketRecord[] {
  return [
    ...parseProcNet([TCP6_LOOPBACK, TCP6_MAPPED].join("\n"), "tcp6", LE),
    ...parseProcNet(
      [TCP_TIME_WAIT, TCP_ESTABLISHED, TCP_LISTEN].join("\n"),
      "tcp",
      LE,
    ),
  ];
}

Deno.test("table: ends show as HOST:PORT, IPv6 in brackets, port 0 as *", () => {
  assert.deepEqual(formatEnd("127.0.0.1", 65432), "127.0.0.1:65432");
  assert.deepEqual(formatEnd("::1", 65432), "[::1]:65432");
  assert.deepEqual(formatEnd("::ffff:127.0.0.1", 80), "[::ffff:127.0.0.1]:80");
  assert.deepEqual(formatEnd("0.0.0.0", 0), "0.0.0.0:*");
  assert.deepEqual(formatEnd("::", 0), "[::]:*");
});

Deno.test("table: netstat-like columns, IPv4 first, sorted by port", () => {
  // The widest address (24 characters) sets both address columns' width.
  assert.deepEqual(formatTable(selectSockets(sampleRecords())), [
    "Proto Recv-Q Send-Q Local Address            Foreign Address          State",
    "tcp       13     28 192.168.1.20:54321       127.0.0.1:65432          ESTABLISHED",
    "tcp        0      0 127.0.0.1:54322          127.0.0.1:65432          TIME_WAIT",
    "tcp        3      0 127.0.0.1:65432          0.0.0.0:*                LISTEN",
    "tcp6       0      0 [::1]:65432              [::]:*                   LISTEN",
    "tcp6       0      0 [::ffff:127.0.0.1]:65432 [::ffff:127.0.0.1]:54323 ESTABLISHED",
  ]);
});

Deno.test("table: an empty list is the header alone", () => {
  assert.deepEqual(formatTable([]), [
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
  ]);
});

Deno.test("table: --port matches either end, --state the exact state", () => {
  const records = sampleRecords();
  assert.deepEqual(
    selectSockets(records, { port: 54321 }).map((r) => r.inode),
    [4243],
  );
  assert.deepEqual(
    selectSockets(records, { port: 65432 }).length,
    5,
  );
  assert.deepEqual(
    selectSockets(records, { state: "LISTEN" }).map((r) => r.protocol),
    ["tcp", "tcp6"],
  );
  assert.deepEqual(
    selectSockets(records, { port: 54323, state: "ESTABLISHED" }).map((r) =>
      r.inode
    ),
    [5152],
  );
  assert.deepEqual(selectSockets(records, { port: 1 }), []);
});

Deno.test("table: JSON is one line holding an array of the records", () => {
  const records = selectSockets(sampleRecords(), { state: "LISTEN" });
  const text = formatJson(records);
  assert.deepEqual(text.includes("\n"), false);
  const parsed = JSON.parse(text);
  assert.deepEqual(parsed, records);
  assert.deepEqual(parsed[0].localPort, 65432);
  assert.deepEqual(parsed[1].localAddress, "::1");
  assert.deepEqual(formatJson([]), "[]");
});

Deno.test("proc files: read through cat, as the binary's grants allow, a missing file is null and a present one its text", async () => {
  const module = new URL("../system/proc_files.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { readProcFile } from "${module}";
console.log(JSON.stringify(await readProcFile("/proc/netdemo-no-such-file")));
console.log((await readProcFile("/proc/net/tcp"))?.startsWith("  sl") ?? null);`,
    );
    // Without --allow-all Deno opens nothing under /proc: cat reads it.
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-run=/bin/cat", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(output.code, 0, decoder.decode(output.stderr));
    assert.deepEqual(decoder.decode(output.stdout), "null\ntrue\n");
  } finally {
    await Deno.remove(script);
  }
});
