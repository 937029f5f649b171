#include <libpq-fe.h>

// libpq prints NOTICE messages (e.g. "relation already exists, skipping") to stderr by default;
// a daemon logs JSON lines, so connections install this processor, which drops them.
static inline void clibpq_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static inline void clibpq_silence_notices(PGconn *conn) {
    PQsetNoticeProcessor(conn, clibpq_ignore_notice, (void *)0);
}
