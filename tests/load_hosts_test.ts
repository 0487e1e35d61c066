/**
 * Several hosts: the echo server in one network namespace and a load
 * client in each of two others, joined by veth links with the ordinary
 * 1500-byte MTU; the two clients' reports merge into one. It needs root and
 * `ip netns` (CI has both); elsewhere it is skipped with the reason in its
 * name. Only the namespaces' own addresses (10.200.x.y) are used, and the
 * namespaces (with their links) are removed at the end, even on failure.
 *
 * @module
 */

import { deepEqual, equal, match } from "node:assert/strict";
import { LineLog, netdemoCommand } from "./_helpers.ts";

const TAG = `nd${Deno.pid % 100_000}`;
const SERVER_NS = `${TAG}srv`;
const CLIENT_NS = [`${TAG}c1`, `${TAG}c2`];

async function ip(args: string[]): Promise<{ ok: boolean; text: string }> {
  const output = await new Deno.Command("ip", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    ok: output.success,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

async function mustIp(args: string[]): Promise<string> {
  const result = await ip(args);
  if (!result.ok) throw new Error(`ip ${args.join(" ")}: ${result.text}`);
  return result.text;
}

/** Why the test cannot run here, or undefined when it can. */
async function skipReason(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  try {
    // `id -u` rather than Deno.uid(), which needs --allow-sys.
    const id = await new Deno.Command("id", { args: ["-u"], stdout: "piped" })
      .output();
    if (new TextDecoder().decode(id.stdout).trim() !== "0") {
      return "network namespaces need root";
    }
    const probe = `${TAG}probe`;
    const added = await ip(["netns", "add", probe]);
    if (!added.ok) return `ip netns add failed: ${added.text.trim()}`;
    await ip(["netns", "del", probe]);
  } catch {
    return "the ip command (iproute2) is not installed";
  }
  return undefined;
}

/** Three namespaces; client i reaches the server at 10.200.(i+1).1. */
async function buildNetwork(): Promise<void> {
  for (const ns of [SERVER_NS, ...CLIENT_NS]) {
    await mustIp(["netns", "add", ns]);
    await mustIp(["-n", ns, "link", "set", "lo", "up"]);
  }
  for (const [i, ns] of CLIENT_NS.entries()) {
    const net = `10.200.${i + 1}`;
    const serverEnd = `${TAG}s${i}`;
    const clientEnd = `${TAG}c${i}`;
    await mustIp([
      "link",
      "add",
      serverEnd,
      "netns",
      SERVER_NS,
      "mtu",
      "1500",
      "type",
      "veth",
      "peer",
      "name",
      clientEnd,
      "netns",
      ns,
      "mtu",
      "1500",
    ]);
    await mustIp([
      "-n",
      SERVER_NS,
      "addr",
      "add",
      `${net}.1/24`,
      "dev",
      serverEnd,
    ]);
    await mustIp(["-n", ns, "addr", "add", `${net}.2/24`, "dev", clientEnd]);
    await mustIp(["-n", SERVER_NS, "link", "set", serverEnd, "up"]);
    await mustIp(["-n", ns, "link", "set", clientEnd, "up"]);
  }
}

async function removeNetwork(): Promise<void> {
  // Deleting a namespace deletes the veth ends inside it, and so the pairs.
  for (const ns of [SERVER_NS, ...CLIENT_NS]) await ip(["netns", "del", ns]);
}

/** `netdemo ARGS...` inside namespace `ns`. */
function netdemoIn(ns: string, args: string[]): Deno.ChildProcess {
  const { program, prefix } = netdemoCommand();
  return new Deno.Command("ip", {
    args: ["netns", "exec", ns, program, ...prefix, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

const reason = await skipReason();

Deno.test({
  name: reason === undefined
    ? "load: several hosts: two clients in two namespaces load one server, and their reports merge"
    : `load: several hosts (skipped: ${reason})`,
  ignore: reason !== undefined,
  async fn(): Promise<void> {
    let server: Deno.ChildProcess | undefined;
    let serverDone: Promise<unknown> | undefined;
    try {
      await buildNetwork();
      match(
        await mustIp(["-n", CLIENT_NS[0], "link", "show", `${TAG}c0`]),
        /mtu 1500/,
      );
      server = netdemoIn(SERVER_NS, [
        "server",
        "echo",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--quiet",
      ]);
      const log = new LineLog();
      const out: string[] = [];
      serverDone = Promise.all([
        log.read(server.stdout, out),
        log.read(server.stderr, out),
        server.status,
      ]);
      const listening = await log.waitFor(/^Listening on /);
      const port = listening.slice(listening.lastIndexOf(":") + 1);
      const clients = CLIENT_NS.map((ns, i) =>
        netdemoIn(ns, [
          "client",
          "multi",
          "--host",
          `10.200.${i + 1}.1`,
          "--port",
          port,
          "--conns",
          "4",
          "--rounds",
          "50",
          "--rate",
          "2000",
          "--json",
        ]).output()
      );
      const results = await Promise.all(clients);
      const decoder = new TextDecoder();
      const texts = results.map((result) => {
        equal(result.code, 0, decoder.decode(result.stderr));
        return decoder.decode(result.stdout);
      });
      const dir = await Deno.makeTempDir();
      try {
        const files = texts.map((_, i) => `${dir}/client${i}.json`);
        for (const [i, file] of files.entries()) {
          await Deno.writeTextFile(file, texts[i]);
        }
        const { program, prefix } = netdemoCommand();
        const merged = await new Deno.Command(program, {
          args: [...prefix, "report", "merge", ...files, "--json"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        equal(merged.code, 0, decoder.decode(merged.stderr));
        const report = JSON.parse(decoder.decode(merged.stdout));
        equal(report.sources, 2);
        equal(report.roundTrips, 2 * 4 * 50);
        equal(report.connectionsOpened, 8);
        equal(report.latencyMs.count, 400);
        equal(report.uncorrectedLatencyMs.count, 400);
        equal(report.config.connections, 8);
        equal(report.config.rate, 4000);
        deepEqual(report.errors, {});
        const hosts = texts.map((text) => JSON.parse(text).config.host);
        deepEqual(hosts, ["10.200.1.1", "10.200.2.1"]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    } finally {
      try {
        server?.kill("SIGINT");
      } catch {
        // It had already exited.
      }
      await serverDone;
      await removeNetwork();
    }
  },
});
