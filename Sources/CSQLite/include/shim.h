#ifndef FEEDD_CSQLITE_SHIM_H
#define FEEDD_CSQLITE_SHIM_H
#include "sqlite3.h"
/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline void (*feedd_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
/* sqlite3_config is variadic, which Swift cannot call. Without memory
   statistics every allocation SQLite makes skips a global mutex. Only valid
   before SQLite initializes; returns SQLITE_MISUSE after. */
static inline int feedd_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
/* Starts writing a file's dirty pages to disk and returns without waiting
   (Linux sync_file_range with SYNC_FILE_RANGE_WRITE; glibc declares it only
   under _GNU_SOURCE): a bulk load's COMMIT then has less left to wait for. */
int sync_file_range(int fd, long offset, long nbytes, unsigned int flags);
static inline int feedd_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2); }
#endif
