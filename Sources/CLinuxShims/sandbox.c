#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/stat.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "CLinuxShims.h"

// Everything between fork and execve/_exit runs in a copy of a multi-threaded process, so it
// uses only async-signal-safe calls (POSIX.1-2017 §2.4.3) and raw syscalls: no malloc, no locks.
//
// Process layout: miner → reaper (setsid, PR_SET_CHILD_SUBREAPER; PID 1 of a new PID namespace
// when `new_pid_namespace`) → command (setpgid: its own group, pgid == pid).
// In a PID namespace nothing of the job outlives the reaper: when PID 1 dies the kernel SIGKILLs
// every process in the namespace, and a process inside cannot signal PID 1 with a signal it
// has no handler for (pid_namespaces(7)), so `kill -9 $PPID` from the job is ignored. Orphans of the command's group reparent to the reaper, which reaps them,
// so no zombie outlives the job even where PID 1 never reaps (containers), and kill(-pgid, 0)
// answers ESRCH once the job is over. Orphans that left the group (setsid) also reparent to
// the reaper, which SIGKILLs and reaps them before it reports. Every confinement step that
// fails ends the command before execve (fail closed) with the errno on the error pipe.

#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_NR_LEVELS 8
#define STATUS_FD 3

static void write_all(int fd, const void *data, size_t length) {
    const char *bytes = data;
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;
        }
        bytes += written;
        length -= (size_t)written;
    }
}

static void close_from(int first) {
    // close_range(2), Linux 5.9; the loop covers older kernels.
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0) return;
    for (int fd = first; fd < 65536; fd++) close(fd);
}

static void reset_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &action, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

// Reports `errno` on the error pipe and exits 127: a job whose confinement could not be set
// up must fail (E_RUNTIME), never run unconfined.
static void fail_setup(int error_fd) {
    int failure = errno != 0 ? errno : EPERM;
    write_all(error_fd, &failure, sizeof failure);
    _exit(127);
}

// Sets both soft and hard limit to `value` (capped at the inherited hard limit, which an
// unprivileged process cannot raise); values <= 0 leave the inherited limit alone.
static int set_limit(int resource, long long value) {
    if (value <= 0) return 0;
    struct rlimit current;
    if (getrlimit(resource, &current) != 0) return -1;
    rlim_t wanted = (rlim_t)value;
    if (current.rlim_max != RLIM_INFINITY && wanted > current.rlim_max) wanted = current.rlim_max;
    struct rlimit limit = {wanted, wanted};
    return setrlimit(resource, &limit);
}

// MARK: Landlock (linux/landlock.h; defined here so older headers still build)

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REFER (1ULL << 13)
#define LL_FS_TRUNCATE (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int clinux_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

// Every filesystem right the ABI knows: the ones it cannot name stay unrestricted.
static uint64_t landlock_fs_rights(int abi) {
    uint64_t rights = (1ULL << 13) - 1;  // ABI 1: EXECUTE … MAKE_SYM
    if (abi >= 2) rights |= LL_FS_REFER;
    if (abi >= 3) rights |= LL_FS_TRUNCATE;
    if (abi >= 5) rights |= LL_FS_IOCTL_DEV;
    return rights;
}

// Rights that apply to a non-directory; a rule on a file with any other right is EINVAL.
#define LL_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

// Adds one path_beneath rule per path; a path that does not exist is skipped (a read list
// names /lib64 also on hosts without it). Returns 0 or -1 with errno.
static int landlock_add_paths(int ruleset, const char *const *paths, uint64_t allowed, uint64_t handled) {
    if (paths == NULL) return 0;
    for (; *paths != NULL; paths++) {
        int fd = open(*paths, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            return -1;
        }
        struct stat info;
        if (fstat(fd, &info) != 0) {
            close(fd);
            return -1;
        }
        struct ll_path_beneath_attr rule;
        rule.allowed_access = allowed & handled;
        if (!S_ISDIR(info.st_mode)) rule.allowed_access &= LL_FILE_RIGHTS;
        rule.parent_fd = fd;
        long added = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
        int failure = errno;
        close(fd);
        if (added != 0) {
            errno = failure;
            return -1;
        }
    }
    return 0;
}

// Confines the calling process (and everything it execs or forks) to the listed paths.
// PR_SET_NO_NEW_PRIVS is already set. Returns 0 or -1 with errno.
static int apply_landlock(const clinux_sandbox_options *options) {
    struct ll_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = landlock_fs_rights(options->landlock_abi);
    // ABI 6: no signal to a process outside the domain (the reaper, the miner, other jobs).
    if (options->landlock_abi >= 6) attr.scoped = LL_SCOPE_SIGNAL;
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) return -1;
    uint64_t read = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
    int result = landlock_add_paths(ruleset, options->landlock_read_paths, read, attr.handled_access_fs);
    if (result == 0)
        result = landlock_add_paths(ruleset, options->landlock_write_paths, attr.handled_access_fs, attr.handled_access_fs);
    if (result == 0) result = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    int failure = errno;
    close(ruleset);
    errno = failure;
    return result == 0 ? 0 : -1;
}

// MARK: privileges

#define CAP_HEADER_VERSION_3 0x20080522
struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

// Drops supplementary groups, then gid, then uid (the order that still has the privilege for
// each step), and checks that every id changed and that uid 0 cannot be regained.
static int drop_to_job_user(unsigned int uid, unsigned int gid) {
    if (syscall(SYS_setgroups, 0, NULL) != 0) return -1;
    if (syscall(SYS_setresgid, gid, gid, gid) != 0) return -1;
    if (syscall(SYS_setresuid, uid, uid, uid) != 0) return -1;
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) return -1;
    if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid) {
        errno = EPERM;
        return -1;
    }
    if (uid != 0 && syscall(SYS_setresuid, 0, 0, 0) == 0) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

// A miner run with ambient capabilities (systemd AmbientCapabilities=) would pass them through
// execve to a non-setuid tool: clear the ambient set and every capability set.
static int drop_capabilities(void) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return -1;
    struct cap_header header = {CAP_HEADER_VERSION_3, 0};
    struct cap_data data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    return 0;
}

// The pid of the calling process as the miner sees it (its PID namespace): /proc/self names
// the pid in the namespace of the /proc mount, which is the miner's. readlink only.
static int host_pid(void) {
    char buffer[24];
    ssize_t length = readlink("/proc/self", buffer, sizeof buffer - 1);
    if (length <= 0) return -1;
    long value = 0;
    for (ssize_t i = 0; i < length; i++) {
        if (buffer[i] < '0' || buffer[i] > '9' || value > 100000000L) {
            errno = EINVAL;
            return -1;
        }
        value = value * 10 + (buffer[i] - '0');
    }
    return value > 0 ? (int)value : -1;
}

// The command: runs in the reaper's copy; fds 0/1/2 are already in place. Every confinement
// step that fails ends the child before execve (fail closed).
static void run_command(const clinux_sandbox_options *options, int error_fd) {
    int grouped = setpgid(0, 0);
    // The command announces its own pid (= group id) before it runs anything of the job's:
    // were the reaper to announce it, a job could kill the reaper first and leave a group
    // the supervisor never learns of. One 4-byte write to a pipe is atomic (PIPE_BUF).
    // In a PID namespace getpid() is the namespace's number; the miner signals host pids.
    int self = options->new_pid_namespace ? host_pid() : (int)syscall(SYS_getpid);
    if (self <= 0) {
        int failure = errno;
        int none = 0;
        write_all(STATUS_FD, &none, sizeof none);
        errno = failure;
        fail_setup(error_fd);
    }
    write_all(STATUS_FD, &self, sizeof self);
    if (grouped != 0) {
        int failure = errno;
        if (getpgid(0) != (pid_t)syscall(SYS_getpid)) {
            errno = failure;
            fail_setup(error_fd);
        }
    }
    if (setpriority(PRIO_PROCESS, 0, options->nice_level) != 0) {
        // Lowering niceness needs privilege; a process already at least this nice is fine.
        int failure = errno;
        errno = 0;
        int current = getpriority(PRIO_PROCESS, 0);
        if (errno != 0 || current < options->nice_level) {
            errno = failure;
            fail_setup(error_fd);
        }
    }
    if (options->ioprio_level >= 0) {
        // Levels are 0...7; newer kernels read higher bits as I/O hints rather than refusing them.
        if (options->ioprio_level >= IOPRIO_NR_LEVELS) {
            errno = EINVAL;
            fail_setup(error_fd);
        }
        long result = syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
                              (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | options->ioprio_level);
        if (result != 0) fail_setup(error_fd);
    }
    if (set_limit(RLIMIT_AS, options->rlimit_as) != 0) fail_setup(error_fd);
    if (set_limit(RLIMIT_FSIZE, options->rlimit_fsize) != 0) fail_setup(error_fd);
    if (set_limit(RLIMIT_NOFILE, options->rlimit_nofile) != 0) fail_setup(error_fd);
    if (set_limit(RLIMIT_NPROC, options->rlimit_nproc) != 0) fail_setup(error_fd);
    if (set_limit(RLIMIT_CPU, options->rlimit_cpu) != 0) fail_setup(error_fd);
    struct rlimit zero = {0, 0};  // no core files
    if (setrlimit(RLIMIT_CORE, &zero) != 0) fail_setup(error_fd);
    // No setuid/setgid binary or file capability may raise the job's privileges (and Landlock
    // without CAP_SYS_ADMIN requires it).
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_setup(error_fd);
    // Landlock before the uid drop: the rules' paths are opened with the miner's access.
    if (options->landlock_abi > 0 && apply_landlock(options) != 0) fail_setup(error_fd);
    if (options->drop_user && drop_to_job_user(options->job_uid, options->job_gid) != 0) fail_setup(error_fd);
    if (drop_capabilities() != 0) fail_setup(error_fd);
    // chdir after the drop: the job user itself must be able to reach its working directory.
    if (chdir(options->cwd) == 0) {
        execve(options->path, options->argv, options->envp);
    }
    fail_setup(error_fd);
}

// Appends the decimal digits of `value` (> 0) at `out`; returns the position after them.
static char *append_decimal(char *out, long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && count < (int)sizeof digits);
    while (count > 0) *out++ = digits[--count];
    return out;
}

// SIGKILLs every pid listed in `path` (/proc/self/task/<tid>/children: space-separated
// decimals). Returns how many it signalled, or -1 when the file cannot be read. open, read,
// close and kill only: async-signal-safe.
static int kill_listed_children(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[512];
    long pid = 0;
    int in_number = 0, signalled = 0;
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (ssize_t i = 0; i < got; i++) {
            char c = buffer[i];
            if (c >= '0' && c <= '9') {
                if (pid < 100000000L) pid = pid * 10 + (c - '0');
                in_number = 1;
            } else {
                if (in_number && pid > 1) {
                    kill((pid_t)pid, SIGKILL);
                    signalled++;
                }
                pid = 0;
                in_number = 0;
            }
        }
    }
    if (in_number && pid > 1) {
        kill((pid_t)pid, SIGKILL);
        signalled++;
    }
    close(fd);
    return signalled;
}

// The reaper is a child subreaper: processes that left the command's group (setsid) and
// were orphaned are reparented to it. Before it exits, it kills and reaps every child it
// still has, re-reading the list after each reap (a killed process's own children arrive
// next), until waitid answers ECHILD. Never kill(-1): that would reach every process of the uid.
static void kill_remaining_children(int in_pid_namespace) {
    if (in_pid_namespace) {
        // PID 1 of the job's own namespace: kill(-1) reaches exactly the namespace's other
        // processes (kill(2)), then every one of them is reaped.
        kill(-1, SIGKILL);
        for (;;) {
            siginfo_t info;
            memset(&info, 0, sizeof info);
            if (waitid(P_ALL, 0, &info, WEXITED) != 0) {
                if (errno == EINTR) continue;
                return;  // ECHILD: nothing left
            }
        }
    }
    char path[64] = "/proc/self/task/";
    char *end = append_decimal(path + 16, (long)syscall(SYS_gettid));
    const char suffix[] = "/children";
    memcpy(end, suffix, sizeof suffix);
    for (int idle = 0; idle < 200;) {
        int listed = kill_listed_children(path);
        if (listed < 0) return;  // no /proc: nothing safe left to do
        siginfo_t info;
        memset(&info, 0, sizeof info);
        int options = listed > 0 ? WEXITED : (WEXITED | WNOHANG);
        if (waitid(P_ALL, 0, &info, options) != 0) {
            if (errno == EINTR) continue;
            return;  // ECHILD: nothing left
        }
        if (info.si_pid == 0) {
            // A child exists that the list did not show yet: look again shortly, boundedly.
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
            idle++;
        }
    }
}

// The reaper: never returns.
static void run_reaper(const clinux_sandbox_options *options) {
    clinux_sandbox_report report;
    memset(&report, 0, sizeof report);
    setsid();
    int subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int subreaper_errno = errno;
    reset_signals();

    // Move the four descriptors we keep above 10 first so the dup2s below cannot clobber them.
    int out = fcntl(options->stdout_fd, F_DUPFD, 10);
    int err = fcntl(options->stderr_fd, F_DUPFD, 10);
    int status = fcntl(options->status_fd, F_DUPFD, 10);
    int null = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || status < 0 || null < 0) _exit(126);
    if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(status, STATUS_FD) < 0) _exit(126);
    close_from(STATUS_FD + 1);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    if (subreaper != 0) {
        // Without it, processes that leave the group would outlive the job: fail closed.
        report.exec_errno = subreaper_errno != 0 ? subreaper_errno : EPERM;
        write_all(STATUS_FD, &report.command_pid, sizeof report.command_pid);
        write_all(STATUS_FD, &report, sizeof report);
        _exit(0);
    }

    int error_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) != 0) _exit(126);
    // A raw clone rather than fork(): this process is a post-fork copy of a multi-threaded
    // one, and fork() would run the pthread_atfork handlers of libraries in an unknown state.
    pid_t command = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (command < 0) {
        report.exec_errno = errno;
        write_all(STATUS_FD, &report.command_pid, sizeof report.command_pid);
        write_all(STATUS_FD, &report, sizeof report);
        _exit(0);
    }
    if (command == 0) {
        close(error_pipe[0]);
        run_command(options, error_pipe[1]);
    }
    // Both sides call setpgid so the group exists before anyone signals it (APUE §9.4); the
    // command itself writes its pid to the status pipe (run_command).
    setpgid(command, command);
    report.command_pid = command;
    close(error_pipe[1]);
    int null_out = open("/dev/null", O_WRONLY);
    if (null_out >= 0) {
        dup2(null_out, 1);
        dup2(null_out, 2);
        close(null_out);
    }
    int exec_errno = 0;
    for (;;) {
        ssize_t got = read(error_pipe[0], &exec_errno, sizeof exec_errno);
        if (got < 0 && errno == EINTR) continue;
        if (got != (ssize_t)sizeof exec_errno) exec_errno = 0;
        break;
    }
    close(error_pipe[0]);
    report.exec_errno = exec_errno;

    int command_done = 0;
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        // WNOWAIT: the command stays a zombie, so its pid (= the group id) cannot be reused
        // before the group is killed below.
        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left to reap
        }
        if (info.si_pid == command && !command_done) {
            kill(-command, SIGKILL);  // stragglers of a finished command die with it
            int wait_status = 0;
            while (waitpid(command, &wait_status, 0) < 0 && errno == EINTR) {}
            report.wait_status = wait_status;
            command_done = 1;
        } else {
            while (waitpid(info.si_pid, NULL, 0) < 0 && errno == EINTR) {}
        }
        // Once the group is gone, stop waiting; processes that left it (setsid) are killed next.
        if (command_done && kill(-command, 0) != 0 && errno == ESRCH) break;
    }
    kill_remaining_children(options->new_pid_namespace && syscall(SYS_getpid) == 1);
    struct rusage usage;
    if (getrusage(RUSAGE_CHILDREN, &usage) == 0) {
        report.user_usec = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec;
        report.system_usec = (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
        report.max_rss_kb = usage.ru_maxrss;
    }
    write_all(STATUS_FD, &report, sizeof report);
    _exit(0);
}

int clinux_sandbox_spawn(const clinux_sandbox_options *options, int *reaper_pid) {
    // CLONE_NEWPID needs a raw clone (fork() has no flags); the reaper only makes raw
    // syscalls and async-signal-safe calls, so skipping the atfork handlers is fine there.
    pid_t pid = options->new_pid_namespace ? (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0) : fork();
    if (pid < 0) return errno;
    if (pid == 0) run_reaper(options);
    *reaper_pid = pid;
    return 0;
}

int clinux_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int clinux_probe_pid_namespace(void) {
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return errno;
    if (pid == 0) _exit(0);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    return 0;
}

int clinux_probe_setuid(unsigned int uid, unsigned int gid) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    pid_t pid = fork();
    if (pid < 0) {
        int failure = errno;
        close(fds[0]);
        close(fds[1]);
        return failure;
    }
    if (pid == 0) {
        int failure = drop_to_job_user(uid, gid) == 0 ? 0 : (errno != 0 ? errno : EPERM);
        write_all(fds[1], &failure, sizeof failure);
        _exit(0);
    }
    close(fds[1]);
    int failure = EPERM;
    ssize_t got;
    do {
        got = read(fds[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof failure) failure = EPERM;
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    return failure;
}
