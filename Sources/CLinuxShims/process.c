#define _GNU_SOURCE
#include <errno.h>
#include <sys/prctl.h>
#include "CLinuxShims.h"

int clinux_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) == 0 ? 0 : errno;
}
