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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  uint64_t written; /* bytes the OS took */
  uint64_t echoed;  /* bytes read back */
  size_t offset;    /* where the next write starts within the chunk */
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

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
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, argv[1], &addr.sin_addr);
  for (int i = 0; i < conns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
      perror("connect");
      return 1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    all[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                             .data.ptr = &all[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (fill(&all[i], chunk, size, window) < 0) return 1;
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
        ssize_t got = read(c->fd, buf, 1 << 20);
        if (got == 0) {
          fprintf(stderr, "server closed a connection\n");
          return 1;
        }
        if (got < 0) {
          if (errno == EAGAIN) break;
          perror("read");
          return 1;
        }
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
