/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by store.c (connection, transactions, schema) and store-rows.c
 * (the rows): the SQLite helpers. Nothing outside the store includes it. */
#ifndef SYSCTR_STORE_SQL_H
#define SYSCTR_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "store.h"

struct sysctr_store {
	sqlite3 *db;
	int64_t host_id;
	/* who runs this sysctr, for the history rows it writes */
	int64_t uid;
	char *user;	 /* the login name of uid; NULL without one */
	char *sudo_user; /* $SUDO_USER when root runs it through sudo */
	double opened;	 /* now_monotonic() at the open */
	bool folded;	 /* the WAL was folded after a long run */
};

static inline void finalize_p(sqlite3_stmt **s)
{
	/* sqlite3_finalize(NULL) is a harmless no-op. */
	sqlite3_finalize(*s);
	*s = NULL;
}
#define cleanup_stmt __attribute__((cleanup(finalize_p)))

/* store-shm.c: the registry's WAL index is reset by zeroing it in place
 * instead of truncating it (no freed blocks, no discards); installed once
 * per process, before the first connection. */
void store_shm_install(void);
/* The ftruncate SQLite's unix VFS calls: a -shm file truncated to 3 bytes
 * is zeroed where it is, anything else truncated. */
int store_shm_ftruncate(int fd, off_t size);

typedef void (*row_read_fn)(sqlite3_stmt *s, void *row);
typedef void (*row_clear_fn)(void *row);

/* "SQL WHAT: sqlite3_errmsg()" as SYSCTR_E_FAILED, or SYSCTR_E_BUSY when
 * another process held the database past the busy timeout; returns -1. */
int store_fail(sqlite3 *db, const char *what, struct sysctr_error **err);
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql,
			    struct sysctr_error **err);
/* Statements without parameters or result rows (DDL, BEGIN, COMMIT). */
int store_exec(sqlite3 *db, const char *sql, struct sysctr_error **err);
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
int store_bind_int(sqlite3_stmt *s, int i, int64_t v);
/* Zero means "none" in the row structs and NULL in SQL. */
int store_bind_id_or_null(sqlite3_stmt *s, int i, int64_t v);
char *store_col_text(sqlite3_stmt *s, int i);
/* Run a statement that returns no rows. */
int store_step_done(sqlite3 *db, sqlite3_stmt *s, struct sysctr_error **err);
/* At most one row: 1 when there is one (read into row unless read is
 * NULL), 0 when there is none, -1 on error. */
int store_fetch_one(sqlite3 *db, sqlite3_stmt *s, row_read_fn read, void *row,
		    struct sysctr_error **err);
/* Every row into a new array of elements of size bytes; NULL when none. */
int store_fetch_all(sqlite3 *db, sqlite3_stmt *s, size_t size, row_read_fn read,
		    row_clear_fn clear, void **out, size_t *n,
		    struct sysctr_error **err);
void store_rollback_quiet(sqlite3 *db);
/* Open a transaction unless the caller holds one; *own says who ends it. */
int store_tx_open(struct sysctr_store *st, bool *own,
		  struct sysctr_error **err);
/* End what store_tx_open opened: commit when ret is 0, else roll back. */
int store_tx_close(sqlite3 *db, bool own, int ret, struct sysctr_error **err);

#endif
