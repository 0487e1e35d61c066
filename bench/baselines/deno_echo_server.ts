/**
 * Baseline for `deno task bench`: the plainest echo server Deno allows, one
 * 64 KiB buffer per connection, read then write it all back, nothing else.
 * netdemo's echo server does the same job with limits, logging and lean idle
 * buffers; this loop is the runtime's own floor that it is measured against.
 *
 * Usage: deno run --allow-net bench/baselines/deno_echo_server.ts [PORT] [HOST]
 * Prints `Listening on HOST:PORT` first, like every netdemo server.
 *
 * @module
 */

const port = Number(Deno.args[0] ?? "0");
const hostname = Deno.args[1] ?? "127.0.0.1";
const listener = Deno.listen({ hostname, port });
Deno.stdout.writeSync(
  new TextEncoder().encode(`Listening on ${hostname}:${listener.addr.port}\n`),
);

async function echo(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const count = await conn.read(buffer);
      if (count === null) break;
      let written = 0;
      while (written < count) {
        written += await conn.write(buffer.subarray(written, count));
      }
    }
  } catch {
    // A reset peer ends only its own connection.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
for await (const conn of listener) echo(conn);
