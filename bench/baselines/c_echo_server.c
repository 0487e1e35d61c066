/*
 * Baseline for `deno task bench`: a fast echo server in C, one thread,
 * epoll, so that the load clients compared against it are the limit and
 * not the server. It prints `Listening on HOST:PORT` and echoes every byte
 * until SIGINT or SIGTERM.
 *
 * Usage: c_echo_server [PORT]   (0 or none: any free port, on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, len) != 0 ||
      listen(listener, 4096) != 0) {
    perror("listen");
    return 1;
  }
  getsockname(listener, (struct sockaddr *)&addr, &len);
  printf("Listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  static char buf[65536];
  struct epoll_event events[256];
  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 200);
    for (int e = 0; e < n; e++) {
      int fd = events[e].data.fd;
      if (fd == listener) {
        int conn;
        while ((conn = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = conn};
          epoll_ctl(ep, EPOLL_CTL_ADD, conn, &cev);
        }
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        close(fd);
        continue;
      }
      /* Echoes of small messages fit the send buffer; a full one blocks
         this connection briefly rather than buffering without bound. */
      ssize_t done = 0;
      while (done < got) {
        ssize_t put = write(fd, buf + done, (size_t)(got - done));
        if (put < 0) {
          if (errno == EAGAIN) continue;
          break;
        }
        done += put;
      }
    }
  }
  return 0;
}
