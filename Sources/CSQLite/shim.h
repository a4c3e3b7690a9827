#ifndef FEEDD_CSQLITE_SHIM_H
#define FEEDD_CSQLITE_SHIM_H
#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline void (*feedd_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
/* sqlite3_config is variadic, which Swift cannot call. Without memory
   statistics every allocation SQLite makes skips a global mutex. Only valid
   before SQLite initializes; returns SQLITE_MISUSE after. */
static inline int feedd_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
