// Baseline for the Ed25519 wrapper benchmark: raw libsodium calls in C, same message size
// and iteration count as CoreBench's ed25519 cells. Prints "name ops/s-wall ops/s-cpu"
// per operation (CPU = process CPU time).
// Usage: CBaselineSodium [iterations=20000]; a warm-up of iterations/10 of each runs first.
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

// CPU time of the whole process: unlike wall time, not inflated while other processes run.
static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    if (sodium_init() < 0) return 1;
    unsigned char seed[32] = {1}, pk[32], sk[64], sig[64], msg[512];
    randombytes_buf(msg, sizeof msg);
    crypto_sign_seed_keypair(pk, sk, seed);

    // Warm-up (caches, frequency scaling), same as CoreBench.
    for (int i = 0; i < iterations / 10; i++) {
        crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
        if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0) return 2;
    }

    double start = now(), start_cpu = cpu();
    for (int i = 0; i < iterations; i++) {
        msg[0] = (unsigned char)i;
        crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    }
    double sign = iterations / (now() - start), sign_cpu = iterations / (cpu() - start_cpu);

    start = now(); start_cpu = cpu();
    int ok = 0;
    for (int i = 0; i < iterations; i++) {
        ok += crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0;
    }
    double verify = iterations / (now() - start), verify_cpu = iterations / (cpu() - start_cpu);
    if (ok != iterations) return 3;
    printf("c.ed25519.sign %.0f %.0f\nc.ed25519.verify %.0f %.0f\n", sign, sign_cpu, verify, verify_cpu);
    return 0;
}
