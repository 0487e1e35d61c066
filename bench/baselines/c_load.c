/*
 * Baseline for `deno task bench`: a closed-loop TCP echo load generator in
 * C, one thread, epoll. Each connection writes a message, reads its whole
 * echo, records the round trip, and writes the next; at the end it prints
 * one JSON line with round trips per second and latency percentiles
 * (p50, p99, p99.9) and the maximum.
 *
 * Its measured window starts once every connection is open and ends at
 * the deadline; it says so on stderr with the lines `measuring` and
 * `measured`.
 *
 * Usage: c_load HOST PORT CONNS SIZE SECONDS
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_c_common.h"

/* Latency buckets of 1 us up to 1 s; slower round trips land in the last. */
#define BUCKETS 1000000

struct conn {
  int fd;
  size_t written;
  size_t echoed;
  double sent_at;
};

static uint64_t histogram[BUCKETS];
static long max_us;

static double now_us(void) { return now_s() * 1e6; }

/*
 * The latency at percentile p in ms, read as HdrHistogram reads its own
 * (and so netdemo's report): the sample of rank round(total * p / 100), at
 * least 1, given as the top of its bucket. A bucket i holds [i, i + 1) us.
 */
static double percentile(uint64_t total, double p) {
  uint64_t wanted = (uint64_t)(total * p / 100.0 + 0.5);
  if (wanted == 0) wanted = 1;
  uint64_t seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += histogram[i];
    if (seen >= wanted) return (i + 1) / 1000.0;
  }
  return BUCKETS / 1000.0;
}

/* Writes what the socket takes; the rest waits for EPOLLOUT. */
static int pump_write(struct conn *c, const char *msg, size_t size) {
  while (c->written < size) {
    ssize_t n = write(c->fd, msg + c->written, size - c->written);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->written += (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: c_load HOST PORT CONNS SIZE SECONDS\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]), conns = atoi(argv[3]);
  size_t size = (size_t)atol(argv[4]);
  double seconds = atof(argv[5]);
  char *msg = malloc(size), *buf = malloc(size < 65536 ? 65536 : size);
  for (size_t i = 0; i < size; i++) msg[i] = 'a' + (char)(i % 26);
  struct conn *all = calloc((size_t)conns, sizeof *all);
  int ep = epoll_create1(0);
  for (int i = 0; i < conns; i++) {
    all[i].fd = connect_watched(host, port, 1, ep, &all[i]);
    if (all[i].fd < 0) return 1;
  }
  double start = now_us(), deadline = start + seconds * 1e6;
  uint64_t trips = 0;
  /* The bench reads the server's CPU time at these two marks, so that
   * connecting and closing are not counted per round trip. */
  fputs("measuring\n", stderr);
  for (int i = 0; i < conns; i++) {
    all[i].sent_at = now_us();
    if (pump_write(&all[i], msg, size) < 0) return 1;
  }
  struct epoll_event events[256];
  double last = start;
  while ((last = now_us()) < deadline) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int e = 0; e < n; e++) {
      struct conn *c = events[e].data.ptr;
      if (c->written < size && pump_write(c, msg, size) < 0) return 1;
      for (;;) {
        ssize_t got = read_ready(c->fd, buf, size - c->echoed);
        if (got < 0) return 1;
        if (got == 0) break;
        if (memcmp(buf, msg + c->echoed, (size_t)got) != 0) {
          fprintf(stderr, "echo differs\n");
          return 1;
        }
        c->echoed += (size_t)got;
        if (c->echoed == size) {
          double t = now_us();
          long us = (long)(t - c->sent_at);
          histogram[us < BUCKETS ? us : BUCKETS - 1]++;
          if (us > max_us) max_us = us;
          trips++;
          c->written = c->echoed = 0;
          c->sent_at = t;
          if (pump_write(c, msg, size) < 0) return 1;
        }
      }
    }
  }
  fputs("measured\n", stderr);
  double elapsed = (last - start) / 1e6;
  /* The percentiles stop at 1 s (the last bucket); max does not. */
  printf("{\"roundTrips\":%llu,\"roundTripsPerSecond\":%.1f,"
         "\"durationSeconds\":%.3f,\"latencyMs\":{\"p50\":%.3f,"
         "\"p99\":%.3f,\"p99.9\":%.3f,\"max\":%.3f}}\n",
         (unsigned long long)trips, trips / elapsed, elapsed,
         percentile(trips, 50), percentile(trips, 99), percentile(trips, 99.9),
         (max_us + 1) / 1000.0);
  return 0;
}
