/*
 * What the C load clients of `deno task bench` (c_load.c, c_stream.c)
 * share: the clock, opening their connections, and draining a socket that
 * epoll said is readable. Each is compiled on its own (`gcc -O2 FILE.c`),
 * so everything here is static.
 */
#ifndef NETDEMO_C_COMMON_H
#define NETDEMO_C_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Monotonic time in seconds. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Connects to HOST:PORT (blocking, so that a refused connect is reported
 * at once), then makes the socket non-blocking and watches it with `ep`,
 * edge-triggered for reads and writes, with `ptr` as its event data.
 * Returns the descriptor, or -1 after saying why.
 */
static int connect_watched(const char *host, int port, int nodelay, int ep,
                           void *ptr) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (nodelay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("connect");
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                           .data.ptr = ptr};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

/*
 * One read of at most `size` bytes from a readable socket: the bytes read,
 * 0 once it has nothing more for now (edge-triggered epoll wants it read
 * until then), or -1 after saying why when the server closed it or the
 * read failed.
 */
static ssize_t read_ready(int fd, char *buf, size_t size) {
  ssize_t got = read(fd, buf, size);
  if (got > 0) return got;
  if (got == 0) {
    fprintf(stderr, "server closed a connection\n");
    return -1;
  }
  if (errno == EAGAIN) return 0;
  perror("read");
  return -1;
}

#endif
