/*
 * Streaming load for `deno task bench`, in C so that the client is not what
 * limits the figure: each of CONNS connections writes CHUNK-byte blocks,
 * keeping at most WINDOW bytes written but not yet echoed, and reads the
 * echo as it comes (one thread, epoll). After WARMUP seconds it counts the
 * echoed bytes for SECONDS and prints one JSON line.
 *
 * Usage: c_stream HOST PORT CONNS CHUNK WINDOW SECONDS WARMUP
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>

#include "_c_common.h"

struct conn {
  int fd;
  uint64_t written; /* bytes the OS took */
  uint64_t echoed;  /* bytes read back */
  size_t offset;    /* where the next write starts within the chunk */
};

/* Writes while the window allows and the socket takes; -1 on an error. */
static int fill(struct conn *c, const char *chunk, size_t size, size_t window) {
  while (c->written - c->echoed + (size - c->offset) <= window) {
    ssize_t n = write(c->fd, chunk + c->offset, size - c->offset);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->written += (uint64_t)n;
    c->offset = (c->offset + (size_t)n) % size;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr,
            "usage: c_stream HOST PORT CONNS CHUNK WINDOW SECONDS WARMUP\n");
    return 2;
  }
  int port = atoi(argv[2]), conns = atoi(argv[3]);
  size_t size = (size_t)atol(argv[4]), window = (size_t)atol(argv[5]);
  double seconds = atof(argv[6]), warmup = atof(argv[7]);
  char *chunk = malloc(size), *buf = malloc(1 << 20);
  for (size_t i = 0; i < size; i++) chunk[i] = (char)(i & 0xff);
  struct conn *all = calloc((size_t)conns, sizeof *all);
  int ep = epoll_create1(0);
  for (int i = 0; i < conns; i++) {
    all[i].fd = connect_watched(argv[1], port, 0, ep, &all[i]);
    if (all[i].fd < 0 || fill(&all[i], chunk, size, window) < 0) return 1;
  }
  double start = now_s(), from = start + warmup, until = from + seconds;
  uint64_t total = 0, at_from = 0;
  int counting = 0;
  struct epoll_event events[256];
  for (;;) {
    double t = now_s();
    if (!counting && t >= from) {
      counting = 1;
      at_from = total;
      from = t;
    }
    if (t >= until) break;
    int n = epoll_wait(ep, events, 256, 50);
    for (int e = 0; e < n; e++) {
      struct conn *c = events[e].data.ptr;
      for (;;) {
        ssize_t got = read_ready(c->fd, buf, 1 << 20);
        if (got < 0) return 1;
        if (got == 0) break;
        c->echoed += (uint64_t)got;
        total += (uint64_t)got;
      }
      if (fill(c, chunk, size, window) < 0) {
        perror("write");
        return 1;
      }
    }
  }
  double elapsed = now_s() - from;
  uint64_t bytes = total - at_from;
  printf("{\"connections\":%d,\"bytes\":%llu,\"seconds\":%.3f,"
         "\"mibPerSecond\":%.1f,\"errors\":{}}\n",
         conns, (unsigned long long)bytes, elapsed,
         bytes / elapsed / 1048576.0);
  return 0;
}
