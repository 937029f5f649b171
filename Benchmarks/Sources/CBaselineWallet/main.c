// Raw C baselines of the wallet daemon benchmarks (issue 15, scripts/bench-wallet.sh), driven
// by WalletBench in the same run as the daemon so that both see the same machine load.
//
//   CBaselineWallet argon2 T M_KIB P PASSWORD_LENGTH
//       a co-process: for every line read on stdin, one argon2id_hash_raw (libargon2, the
//       library the daemon links) with t = T, m = M_KIB KiB, p = P, a fresh 16-byte salt and a
//       PASSWORD_LENGTH-byte password, 32-byte output; prints the seconds the call took
//       (CLOCK_MONOTONIC) and flushes. Exits at end of input.
//   CBaselineWallet sign THREADS ITERATIONS MESSAGE_LENGTH
//       crypto_sign_detached (libsodium) of a MESSAGE_LENGTH-byte message on THREADS threads at
//       once, ITERATIONS each after ITERATIONS/10 of warm-up; prints
//       "c.ed25519.sign.threads THREADS SIGS_PER_WALL_SECOND SIGS_PER_CPU_SECOND_OF_EACH".
#include <argon2.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve_argon2(unsigned t, unsigned m_kib, unsigned p, size_t password_length) {
    unsigned char *password = malloc(password_length ? password_length : 1);
    unsigned char salt[16], out[32];
    char line[64];
    if (password == NULL) return 1;
    memset(password, 'a', password_length);
    while (fgets(line, sizeof line, stdin) != NULL) {
        randombytes_buf(salt, sizeof salt);
        double start = clock_seconds(CLOCK_MONOTONIC);
        int rc = argon2id_hash_raw(t, m_kib, p, password, password_length, salt, sizeof salt, out, sizeof out);
        double elapsed = clock_seconds(CLOCK_MONOTONIC) - start;
        if (rc != ARGON2_OK) {
            fprintf(stderr, "argon2id_hash_raw: %s\n", argon2_error_message(rc));
            return 2;
        }
        printf("%.6f\n", elapsed);
        fflush(stdout);
    }
    free(password);
    return 0;
}

struct sign_job {
    long iterations;
    size_t message_length;
    double cpu_seconds;
    int failed;
};

static void *sign_thread(void *argument) {
    struct sign_job *job = argument;
    unsigned char seed[32], pk[32], sk[64], sig[64];
    unsigned char *message = malloc(job->message_length ? job->message_length : 1);
    if (message == NULL) {
        job->failed = 1;
        return NULL;
    }
    randombytes_buf(seed, sizeof seed);
    randombytes_buf(message, job->message_length);
    crypto_sign_seed_keypair(pk, sk, seed);
    for (long i = 0; i < job->iterations / 10; i++) crypto_sign_detached(sig, NULL, message, job->message_length, sk);
    double start = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < job->iterations; i++) {
        message[0] = (unsigned char)i;
        crypto_sign_detached(sig, NULL, message, job->message_length, sk);
    }
    job->cpu_seconds = clock_seconds(CLOCK_THREAD_CPUTIME_ID) - start;
    if (crypto_sign_verify_detached(sig, message, job->message_length, pk) != 0) job->failed = 1;
    free(message);
    return NULL;
}

// The warm-ups overlap the timed loops of other threads a little; ITERATIONS of 10,000+ keep
// that under a few per cent of the window.
static int sign_all(int threads, long iterations, size_t message_length) {
    pthread_t ids[256];
    struct sign_job jobs[256];
    if (threads < 1 || threads > 256 || iterations < 1) return 1;
    double start = clock_seconds(CLOCK_MONOTONIC);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct sign_job){.iterations = iterations, .message_length = message_length};
        if (pthread_create(&ids[i], NULL, sign_thread, &jobs[i]) != 0) return 2;
    }
    double cpu = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        if (jobs[i].failed) return 3;
        cpu += jobs[i].cpu_seconds;
    }
    double wall = clock_seconds(CLOCK_MONOTONIC) - start;
    double total = (double)threads * (iterations + iterations / 10);
    printf("c.ed25519.sign.threads %d %.0f %.0f\n", threads, total / wall, (double)threads * iterations / cpu);
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 1;
    if (argc == 6 && strcmp(argv[1], "argon2") == 0) {
        return serve_argon2((unsigned)strtoul(argv[2], NULL, 10), (unsigned)strtoul(argv[3], NULL, 10),
                            (unsigned)strtoul(argv[4], NULL, 10), (size_t)strtoul(argv[5], NULL, 10));
    }
    if (argc == 5 && strcmp(argv[1], "sign") == 0) {
        return sign_all(atoi(argv[2]), atol(argv[3]), (size_t)strtoul(argv[4], NULL, 10));
    }
    fprintf(stderr, "usage: CBaselineWallet argon2 T M_KIB P PASSWORD_LENGTH | sign THREADS ITERATIONS MESSAGE_LENGTH\n");
    return 64;
}
