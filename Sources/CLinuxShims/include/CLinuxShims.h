#pragma once
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <fcntl.h>

// fcntl is variadic and cannot be imported into Swift directly.
static inline int clinux_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }
static inline int clinux_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
static inline int clinux_fcntl_setfd_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

// accept4 is a GNU extension; declared here so Swift sees it without _GNU_SOURCE.
int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

// pthread_setname_np is a GNU extension: names the calling thread (at most 15 bytes).
int clinux_set_thread_name(const char *name);
