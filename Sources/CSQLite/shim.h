#ifndef FEEDD_CSQLITE_SHIM_H
#define FEEDD_CSQLITE_SHIM_H
#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call: this is its one use.
   Without memory statistics (feedd reads none) an allocation takes no global lock. */
static inline int feedd_sqlite_config_no_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
