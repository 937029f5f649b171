#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "CLinuxShims.h"

// Everything between fork and execve/_exit runs in a copy of a multi-threaded process, so it
// uses only async-signal-safe calls (POSIX.1-2017 §2.4.3) and raw syscalls: no malloc, no locks.
//
// Process layout: miner → reaper (setsid, PR_SET_CHILD_SUBREAPER) → command (setpgid: its own
// group, pgid == pid). Orphans of the command's group reparent to the reaper, which reaps them,
// so no zombie outlives the job even where PID 1 never reaps (containers), and kill(-pgid, 0)
// answers ESRCH once the job is over.

#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1
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

static void set_limit(int resource, long long value) {
    struct rlimit limit = {(rlim_t)value, (rlim_t)value};
    if (value <= 0) limit.rlim_cur = limit.rlim_max = RLIM_INFINITY;
    setrlimit(resource, &limit);
}

// The command: runs in the reaper's copy; fds 0/1/2 are already in place.
static void run_command(const clinux_sandbox_options *options, int error_fd) {
    setpgid(0, 0);
    setpriority(PRIO_PROCESS, 0, options->nice_level);
    if (options->ioprio_level >= 0) {
        syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | options->ioprio_level);
    }
    set_limit(RLIMIT_AS, options->rlimit_as);
    set_limit(RLIMIT_FSIZE, options->rlimit_fsize);
    set_limit(RLIMIT_NOFILE, options->rlimit_nofile);
    set_limit(RLIMIT_NPROC, options->rlimit_nproc);
    struct rlimit zero = {0, 0};  // no core files
    setrlimit(RLIMIT_CORE, &zero);
    if (chdir(options->cwd) == 0) {
        execve(options->path, options->argv, options->envp);
    }
    int failure = errno;
    write_all(error_fd, &failure, sizeof failure);
    _exit(127);
}

// The reaper: never returns.
static void run_reaper(const clinux_sandbox_options *options) {
    clinux_sandbox_report report;
    memset(&report, 0, sizeof report);
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
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

    int error_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) != 0) _exit(126);
    pid_t command = fork();
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
    // Both sides call setpgid so the group exists before anyone signals it (APUE §9.4).
    setpgid(command, command);
    report.command_pid = command;
    write_all(STATUS_FD, &report.command_pid, sizeof report.command_pid);
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
        // Processes that left the group (setsid) are not ours to wait for.
        if (command_done && kill(-command, 0) != 0 && errno == ESRCH) break;
    }
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
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) run_reaper(options);
    *reaper_pid = pid;
    return 0;
}

int clinux_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
