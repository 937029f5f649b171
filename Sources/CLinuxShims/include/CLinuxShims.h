#pragma once
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <fcntl.h>
#include <malloc.h>

// fcntl is variadic and cannot be imported into Swift directly.
static inline int clinux_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }
static inline int clinux_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
static inline int clinux_fcntl_setfd_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

// malloc_trim is glibc's (malloc.h, which Swift's Glibc module leaves out): returns free heap pages to the kernel.
static inline int clinux_malloc_trim(void) { return malloc_trim(0); }

// accept4 is a GNU extension; declared here so Swift sees it without _GNU_SOURCE.
int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

// pthread_setname_np is a GNU extension: names the calling thread (at most 15 bytes).
int clinux_set_thread_name(const char *name);

// MARK: sandboxed job processes (Sources/CLinuxShims/sandbox.c)

/// Limits and plumbing for one sandboxed job command.
typedef struct {
    const char *path;          // absolute executable path
    char *const *argv;         // NULL-terminated, argv[0] included
    char *const *envp;         // NULL-terminated, complete (scrubbed) environment
    const char *cwd;           // working directory of the command
    int nice_level;            // setpriority(PRIO_PROCESS) value
    int ioprio_level;          // best-effort I/O priority 0...7 (ioprio_set), < 0 to skip
    long long rlimit_as;       // RLIMIT_AS bytes, <= 0 for unlimited
    long long rlimit_fsize;    // RLIMIT_FSIZE bytes, <= 0 for unlimited
    long long rlimit_nofile;   // RLIMIT_NOFILE
    long long rlimit_nproc;    // RLIMIT_NPROC
    long long rlimit_cpu;      // RLIMIT_CPU seconds (SIGXCPU, then SIGKILL past the hard limit), <= 0 to keep
    int stdout_fd;             // write end for the command's stdout
    int stderr_fd;             // write end for the command's stderr
    int status_fd;             // write end of the status pipe (see clinux_sandbox_report)
    int new_pid_namespace;     // 1: the reaper is PID 1 of a new PID namespace (needs CAP_SYS_ADMIN)
    int landlock_abi;          // > 0: confine the command with Landlock at this ABI; 0: no Landlock
    const char *const *landlock_read_paths;   // NULL-terminated: read (and execute) beneath each
    const char *const *landlock_write_paths;  // NULL-terminated: every access beneath each
    int drop_user;             // 1: setgroups({})/setgid/setuid to job_uid/job_gid before execve
    unsigned int job_uid;
    unsigned int job_gid;
} clinux_sandbox_options;

/// What arrives on `status_fd`: first `command_pid` alone (written by the command itself, in
/// its own group, before execve; by the reaper as 0 when the command could not be created),
/// then the whole record from the reaper once the command's process group is gone and every
/// process that escaped it (setsid) has been killed. EOF without the record: the reaper died.
typedef struct {
    int command_pid;           // pid (and process group id) of the command
    int exec_errno;            // 0 when execve succeeded
    int wait_status;           // waitpid status of the command
    long long user_usec;       // CPU time of the command and every descendant the reaper reaped
    long long system_usec;
    long long max_rss_kb;
} clinux_sandbox_report;

/// The Landlock ABI version this kernel offers (landlock_create_ruleset with
/// LANDLOCK_CREATE_RULESET_VERSION), or -errno (-ENOSYS / -EOPNOTSUPP: none).
int clinux_landlock_abi(void);

/// Whether this process may create a PID namespace: clones a child into a new one that exits
/// at once and reaps it (by pid). Returns 0, or the clone errno (EPERM without CAP_SYS_ADMIN).
int clinux_probe_pid_namespace(void);

/// Whether this process may change its uid/gid to `uid`/`gid`: forks a child that tries
/// setgroups/setgid/setuid and exits; reaps it by pid. Returns 0 or the failing errno.
int clinux_probe_setuid(unsigned int uid, unsigned int gid);

/// Forks a reaper (own session, child subreaper) that forks the command into its own process
/// group and reaps everything that group leaves behind. Returns 0 and the reaper's pid, or an errno.
int clinux_sandbox_spawn(const clinux_sandbox_options *options, int *reaper_pid);

/// pipe2(fds, O_CLOEXEC) (a GNU extension): both ends close-on-exec from the start, so a
/// concurrent fork never inherits them.
int clinux_pipe_cloexec(int fds[2]);

/// prctl(PR_SET_DUMPABLE) (variadic, so not callable from Swift). A non-dumpable process's
/// /proc/<pid>/environ, mem and fds cannot be read or ptraced by other processes of the same
/// user — such as the jobs a miner runs. Returns 0 or an errno.
int clinux_set_dumpable(int dumpable);

/// prctl(PR_SET_CHILD_SUBREAPER): orphans among this process's descendants are reparented to it
/// (not to init), so it can kill and reap them. Needs no privilege (Linux 3.4). Returns 0 or an errno.
int clinux_set_child_subreaper(int enabled);

/// prctl(PR_GET_CHILD_SUBREAPER): 1 when this process is a child subreaper, 0 when not, or -errno.
int clinux_is_child_subreaper(void);

/// posix_spawn of `path` with stdin/stdout/stderr from the given descriptors, in `cwd` (NULL:
/// inherit), every other descriptor closed in the child (closefrom 3), signals reset. Unlike
/// Foundation's Process on Linux it never lists the parent's open descriptors, which races with
/// other threads opening and closing them. Returns 0 and the pid, or an errno.
int clinux_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd, int stdout_fd,
                 int stderr_fd, int *pid);
