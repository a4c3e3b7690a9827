#ifndef FEEDD_CSQLITE_SHIM_H
#define FEEDD_CSQLITE_SHIM_H
#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline void (*feedd_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
