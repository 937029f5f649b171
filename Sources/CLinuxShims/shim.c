#define _GNU_SOURCE
#include <sys/socket.h>
#include "CLinuxShims.h"

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }

#include <pthread.h>
int clinux_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }
