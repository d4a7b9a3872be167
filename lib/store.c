/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SQLite registry: the only file of sysctr with SQL in it. Every
 * statement is a constant string with bound parameters; the only text
 * built at run time is the PRAGMA user_version of a migration step, from
 * our own integer (PRAGMAs take no parameters). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* A writer waits this long for another sysctr's transaction to end. */
#define BUSY_TIMEOUT_MS 10000

struct sysctr_store {
	sqlite3 *db;
	int64_t host_id;
};

static inline void finalize_p(sqlite3_stmt **s)
{
	/* sqlite3_finalize(NULL) is a harmless no-op. */
	sqlite3_finalize(*s);
	*s = NULL;
}
#define cleanup_stmt __attribute__((cleanup(finalize_p)))

static inline void store_close_p(struct sysctr_store **st)
{
	sysctr_store_close(*st);
	*st = NULL;
}
#define cleanup_store __attribute__((cleanup(store_close_p)))

/* ---- statement helpers ------------------------------------------------ */

static int sql_fail(sqlite3 *db, const char *what, struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "SQL %s: %s", what,
			  sqlite3_errmsg(db));
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql,
			     struct sysctr_error **err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		sql_fail(db, "prepare", err);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Statements without parameters or result rows (DDL, BEGIN, COMMIT). */
static int exec(sqlite3 *db, const char *sql, struct sysctr_error **err)
{
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(db, "exec", err);
	return 0;
}

static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
	/* The bound strings outlive the statement, which is finalized
	 * before the function that binds them returns. */
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int bind_int(sqlite3_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(s, i, v);
}

/* Zero means "none" in the row structs and NULL in SQL. */
static int bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, v);
}

static char *col_text(sqlite3_stmt *s, int i)
{
	return xstrdup_or_null((const char *)sqlite3_column_text(s, i));
}

/* Run a statement that returns no rows. */
static int step_done(sqlite3 *db, sqlite3_stmt *s, struct sysctr_error **err)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return sql_fail(db, "step", err);
	return 0;
}

typedef void (*row_read_fn)(sqlite3_stmt *s, void *row);
typedef void (*row_clear_fn)(void *row);

/* At most one row: 1 when there is one (read into row unless read is
 * NULL: the caller reads the columns), 0 when there is none. */
static int fetch_one(sqlite3 *db, sqlite3_stmt *s, row_read_fn read, void *row,
		     struct sysctr_error **err)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return sql_fail(db, "step", err);
	if (read != NULL)
		read(s, row);
	return 1;
}

/* Every row into a new array of elements of size bytes; NULL when none. */
static int fetch_all(sqlite3 *db, sqlite3_stmt *s, size_t size,
		     row_read_fn read, row_clear_fn clear, void **out,
		     size_t *n, struct sysctr_error **err)
{
	char *rows = NULL;
	size_t len = 0, cap = 0;
	int rc;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			sql_fail(db, "step", err);
			for (size_t i = 0; i < len; i++)
				clear(rows + i * size);
			free(rows);
			return -1;
		}
		if (len == cap) {
			cap = cap ? 2 * cap : 32;
			if (cap > SIZE_MAX / size)
				abort();
			rows = xrealloc(rows, cap * size);
		}
		memset(rows + len * size, 0, size);
		read(s, rows + len * size);
		len++;
	}
	*out = rows;
	*n = len;
	return 0;
}

/* ---- transactions ----------------------------------------------------- */

static void rollback_quiet(sqlite3 *db)
{
	/* Some errors (SQLITE_FULL, IOERR, BUSY, NOMEM) end the transaction
	 * by themselves; a ROLLBACK then would only fail. */
	if (sqlite3_get_autocommit(db))
		return;
	if (sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("registry: SQL rollback: %s", sqlite3_errmsg(db));
}

/* Open a transaction unless the caller holds one; *own says who ends it.
 * IMMEDIATE takes the write lock now, so a read-then-write change cannot
 * fail half-way on a lock upgrade. */
static int tx_open(sqlite3 *db, bool *own, struct sysctr_error **err)
{
	*own = false;
	if (!sqlite3_get_autocommit(db))
		return 0;
	if (exec(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	*own = true;
	return 0;
}

/* End what tx_open opened: commit when ret is 0, else roll back. */
static int tx_close(sqlite3 *db, bool own, int ret, struct sysctr_error **err)
{
	if (!own)
		return ret;
	if (ret < 0) {
		rollback_quiet(db);
		return ret;
	}
	if (exec(db, "COMMIT", err) < 0) {
		rollback_quiet(db);
		return -1;
	}
	return 0;
}

int sysctr_store_begin(struct sysctr_store *st, struct sysctr_error **err)
{
	if (!sqlite3_get_autocommit(st->db))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "registry transaction already open");
	return exec(st->db, "BEGIN IMMEDIATE", err);
}

/* A failed commit is rolled back here, so the caller's rollback after it
 * is a harmless no-op. */
int sysctr_store_commit(struct sysctr_store *st, struct sysctr_error **err)
{
	if (sqlite3_get_autocommit(st->db))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "no registry transaction open");
	if (exec(st->db, "COMMIT", err) < 0) {
		rollback_quiet(st->db);
		return -1;
	}
	return 0;
}

void sysctr_store_rollback(struct sysctr_store *st)
{
	if (st != NULL)
		rollback_quiet(st->db);
}

/* ---- schema ----------------------------------------------------------- */

/* history keeps the container's name as text, without a foreign key, so
 * the record of a container outlives it. containers(image_id) is indexed
 * because deleting an image looks up the containers that use it. */
static const char schema_v1[] =
    "CREATE TABLE hosts ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE images ("
    " id INTEGER PRIMARY KEY,"
    " template TEXT NOT NULL,"
    " release TEXT NOT NULL,"
    " arch TEXT NOT NULL,"
    " path TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " size INTEGER NOT NULL DEFAULT 0,"
    " hash TEXT,"
    " init TEXT,"
    " UNIQUE (template, release, arch));"
    "CREATE TABLE containers ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " owner INTEGER NOT NULL REFERENCES hosts(id),"
    " template TEXT NOT NULL,"
    " release TEXT NOT NULL,"
    " arch TEXT NOT NULL,"
    " image_id INTEGER REFERENCES images(id) ON DELETE RESTRICT,"
    " created INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'STOPPED',"
    " state_time INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX containers_image ON containers(image_id);"
    "CREATE TABLE snapshots ("
    " id INTEGER PRIMARY KEY,"
    " container_id INTEGER NOT NULL"
    "  REFERENCES containers(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " comment TEXT,"
    " UNIQUE (container_id, name));"
    "CREATE TABLE history ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " container TEXT,"
    " action TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " detail TEXT);"
    "CREATE INDEX history_container ON history(container, id);";

static int migrate_v1(sqlite3 *db, struct sysctr_error **err)
{
	return exec(db, schema_v1, err);
}

/* Step i takes the schema from version i to i + 1. Append only: a step
 * that shipped is never changed. */
static int (*const migrations[])(sqlite3 *db, struct sysctr_error **err) = {
	migrate_v1,
};

int sysctr_store_schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

static int read_user_version(sqlite3 *db, int *out, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	s = prepare(db, "PRAGMA user_version", err);
	if (s == NULL)
		return -1;
	ret = fetch_one(db, s, NULL, NULL, err);
	if (ret < 0)
		return -1;
	*out = ret == 1 ? sqlite3_column_int(s, 0) : 0;
	return 0;
}

static int check_version(int v, struct sysctr_error **err)
{
	if (v > sysctr_store_schema_version() || v < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "database schema version %d is newer than "
				  "this sysctr supports",
				  v);
	return 0;
}

/* Under the write lock: run the step after the version found there, if
 * any. Another sysctr may have migrated since we looked, so look again. */
static int migrate_step_locked(sqlite3 *db, int *v, struct sysctr_error **err)
{
	char sql[64];
	int ret;

	ret = read_user_version(db, v, err);
	if (ret < 0)
		return -1;
	ret = check_version(*v, err);
	if (ret < 0 || *v == sysctr_store_schema_version())
		return ret;

	ret = migrations[*v](db, err);
	if (ret < 0)
		return sysctr_err_prefix(err, "migrate schema to version %d",
					 *v + 1);
	ret = snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", *v + 1);
	if (ret < 0 || (size_t)ret >= sizeof(sql))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "migrate schema: version overflow");
	ret = exec(db, sql, err);
	if (ret < 0)
		return -1;
	(*v)++;
	return 0;
}

static int migrate(sqlite3 *db, struct sysctr_error **err)
{
	int v = 0;
	int ret;

	/* The common case, an up-to-date database, costs one read. */
	ret = read_user_version(db, &v, err);
	if (ret < 0)
		return -1;
	ret = check_version(v, err);
	if (ret < 0)
		return -1;

	/* One transaction per step, the version bump inside it: a crash
	 * leaves the schema at a version that is fully there. */
	while (v < sysctr_store_schema_version()) {
		bool own;

		ret = tx_open(db, &own, err);
		if (ret < 0)
			return -1;
		ret = migrate_step_locked(db, &v, err);
		ret = tx_close(db, own, ret, err);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* ---- open / close ----------------------------------------------------- */

/* The registry holds what exists on the host: readable by root only. The
 * file is made here, not by SQLite, so it never exists with the umask's
 * mode; SQLite gives its -wal and -shm files the mode of this one. */
static int prepare_file(const char *path, struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	struct stat sb;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", path);
	if (fstat(fd, &sb) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "stat %s", path);
	if (!S_ISREG(sb.st_mode))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s is not a regular file", path);
	if ((sb.st_mode & 07777 & ~(mode_t)0600) != 0 && fchmod(fd, 0600) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "chmod %s",
				  path);
	return 0;
}

static int set_wal(sqlite3 *db, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	const char *mode;
	int ret;

	s = prepare(db, "PRAGMA journal_mode = WAL", err);
	if (s == NULL)
		return -1;
	ret = fetch_one(db, s, NULL, NULL, err);
	if (ret < 0)
		return -1;
	/* The pragma answers with the mode in force, which is not WAL when
	 * the switch was impossible (e.g. a filesystem without mmap). */
	mode = ret == 1 ? (const char *)sqlite3_column_text(s, 0) : NULL;
	if (mode == NULL || strcmp(mode, "wal") != 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "database journal mode is %s, not wal",
				  mode ? mode : "unknown");
	return 0;
}

static int host_lookup(sqlite3 *db, const char *name, int64_t *id,
		       struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	s = prepare(db, "SELECT id FROM hosts WHERE name = ?1", err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, name) != SQLITE_OK)
		return sql_fail(db, "bind", err);
	ret = fetch_one(db, s, NULL, NULL, err);
	if (ret == 1)
		*id = sqlite3_column_int64(s, 0);
	return ret;
}

static int host_ensure(struct sysctr_store *st, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	char name[256];
	int ret;

	if (gethostname(name, sizeof(name)) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "gethostname");
	name[sizeof(name) - 1] = '\0';
	if (name[0] == '\0')
		snprintf(name, sizeof(name), "localhost");

	ret = host_lookup(st->db, name, &st->host_id, err);
	if (ret != 0)
		return ret < 0 ? -1 : 0;

	/* OR IGNORE: another sysctr opening at the same moment may win. */
	s = prepare(st->db,
		    "INSERT OR IGNORE INTO hosts (name, created) "
		    "VALUES (?1, ?2)",
		    err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, name) != SQLITE_OK ||
	    bind_int(s, 2, now_realtime()) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	if (step_done(st->db, s, err) < 0)
		return -1;

	ret = host_lookup(st->db, name, &st->host_id, err);
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "host %s missing from the registry", name);
	return ret < 0 ? -1 : 0;
}

static int db_connect(struct sysctr_store *st, const char *path,
		      struct sysctr_error **err)
{
	int rc;

	/* One connection per thread of use; sysctr does not share it. */
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "open %s: %s", path,
					  sqlite3_errstr(rc));
		return sql_fail(st->db, "open", err);
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* Every sysctr command opens and closes the registry. By default the
	 * last close checkpoints the WAL (fsync of WAL and database) and
	 * deletes it, and the next open creates it again: most of the time of
	 * a short command such as destroy. Instead the WAL stays, and SQLite
	 * checkpoints it itself every 64 pages (wal_autocheckpoint below),
	 * truncating it then (journal_size_limit), so the next open's WAL
	 * recovery reads at most about 256 KiB. Nothing is less durable: the
	 * WAL is the journal either way, with synchronous=NORMAL. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	{
		int persist = 1;

		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
				     &persist);
	}
	if (set_wal(st->db, err) < 0)
		return -1;
	/* All per connection; foreign_keys is off by default and cannot
	 * change inside a transaction, so it is set before any. */
	return exec(
	    st->db,
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
	    "PRAGMA journal_size_limit = 0; PRAGMA wal_autocheckpoint = 64",
	    err);
}

int sysctr_store_open(const char *path, struct sysctr_store **out,
		      struct sysctr_error **err)
{
	cleanup_store struct sysctr_store *st = NULL;
	int ret;

	ret = prepare_file(path, err);
	if (ret < 0)
		return -1;

	st = xcalloc(1, sizeof(*st));
	ret = db_connect(st, path, err);
	if (ret == 0)
		ret = migrate(st->db, err);
	if (ret == 0)
		ret = host_ensure(st, err);
	if (ret < 0)
		return sysctr_err_prefix(err, "registry %s", path);

	*out = steal_ptr(&st);
	return 0;
}

void sysctr_store_close(struct sysctr_store *st)
{
	if (st == NULL)
		return;
	/* An open transaction is rolled back by the close; every statement
	 * was finalized by the function that prepared it. */
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_warn("registry: close: %s", sqlite3_errmsg(st->db));
	free(st);
}

int64_t sysctr_store_host_id(struct sysctr_store *st)
{
	return st->host_id;
}

/* ---- rows ------------------------------------------------------------- */

void sysctr_ct_row_clear(struct sysctr_ct_row *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->template);
	free(r->release);
	free(r->arch);
	free(r->state);
	memset(r, 0, sizeof(*r));
}

void sysctr_ct_rows_free(struct sysctr_ct_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sysctr_ct_row_clear(&rows[i]);
	free(rows);
}

void sysctr_image_row_clear(struct sysctr_image_row *r)
{
	if (r == NULL)
		return;
	free(r->template);
	free(r->release);
	free(r->arch);
	free(r->path);
	free(r->hash);
	free(r->init);
	memset(r, 0, sizeof(*r));
}

void sysctr_image_rows_free(struct sysctr_image_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sysctr_image_row_clear(&rows[i]);
	free(rows);
}

static void history_row_clear(struct sysctr_history_row *r)
{
	free(r->container);
	free(r->action);
	free(r->outcome);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

void sysctr_history_rows_free(struct sysctr_history_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		history_row_clear(&rows[i]);
	free(rows);
}

/* ---- containers ------------------------------------------------------- */

#define CT_COLS                                                                \
	"id, name, owner, template, release, arch, image_id, created, state, " \
	"state_time"

static void ct_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_ct_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->name = col_text(s, 1);
	r->owner = sqlite3_column_int64(s, 2);
	r->template = col_text(s, 3);
	r->release = col_text(s, 4);
	r->arch = col_text(s, 5);
	r->image_id = sqlite3_column_int64(s, 6); /* NULL reads as 0 */
	r->created = sqlite3_column_int64(s, 7);
	r->state = col_text(s, 8);
	r->state_time = sqlite3_column_int64(s, 9);
}

static void ct_clear(void *p)
{
	sysctr_ct_row_clear(p);
}

static int ct_insert(struct sysctr_store *st, struct sysctr_ct_row *row,
		     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int64_t created = row->created ? row->created : now_realtime();

	s = prepare(st->db,
		    "INSERT INTO containers (name, owner, template, release, "
		    "arch, image_id, created, state, state_time) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, row->name) != SQLITE_OK ||
	    bind_int(s, 2, st->host_id) != SQLITE_OK ||
	    bind_text(s, 3, row->template) != SQLITE_OK ||
	    bind_text(s, 4, row->release) != SQLITE_OK ||
	    bind_text(s, 5, row->arch) != SQLITE_OK ||
	    bind_id_or_null(s, 6, row->image_id) != SQLITE_OK ||
	    bind_int(s, 7, created) != SQLITE_OK ||
	    bind_text(s, 8, row->state ? row->state : "STOPPED") != SQLITE_OK ||
	    bind_int(s, 9, row->state_time) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);

	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "container %s already exists",
					  row->name);
		return sql_fail(st->db, "step", err);
	}
	row->id = sqlite3_last_insert_rowid(st->db);
	row->owner = st->host_id;
	row->created = created;
	return 0;
}

/* A NULL state is stored as STOPPED and a created of 0 as now (written
 * back to row); row->state is left as it is. */
int sysctr_store_ct_insert(struct sysctr_store *st, struct sysctr_ct_row *row,
			   struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_insert(st, row, err);
	return tx_close(st->db, own, ret, err);
}

int sysctr_store_ct_get(struct sysctr_store *st, const char *name,
			struct sysctr_ct_row *out, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	s = prepare(st->db,
		    "SELECT " CT_COLS " FROM containers WHERE name = ?1", err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, name) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	ret = fetch_one(st->db, s, ct_read, out, err);
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return ret < 0 ? -1 : 0;
}

int sysctr_store_ct_list(struct sysctr_store *st, struct sysctr_ct_row **out,
			 size_t *n, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	s = prepare(st->db, "SELECT " CT_COLS " FROM containers ORDER BY name",
		    err);
	if (s == NULL)
		return -1;
	ret = fetch_all(st->db, s, sizeof(struct sysctr_ct_row), ct_read,
			ct_clear, &rows, n, err);
	if (ret < 0)
		return -1;
	*out = rows;
	return 0;
}

static int ct_delete(struct sysctr_store *st, const char *name,
		     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	/* Its snapshots' rows go with it (ON DELETE CASCADE); its history
	 * stays. */
	s = prepare(st->db, "DELETE FROM containers WHERE name = ?1", err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, name) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	if (step_done(st->db, s, err) < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

int sysctr_store_ct_delete(struct sysctr_store *st, const char *name,
			   struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_delete(st, name, err);
	return tx_close(st->db, own, ret, err);
}

static int ct_set_state(struct sysctr_store *st, const char *name,
			const char *state, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = prepare(st->db,
		    "UPDATE containers SET state = ?1, state_time = ?2 "
		    "WHERE name = ?3",
		    err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, state) != SQLITE_OK ||
	    bind_int(s, 2, now_realtime()) != SQLITE_OK ||
	    bind_text(s, 3, name) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	if (step_done(st->db, s, err) < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

int sysctr_store_ct_set_state(struct sysctr_store *st, const char *name,
			      const char *state, struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_set_state(st, name, state, err);
	return tx_close(st->db, own, ret, err);
}

/* ---- images ----------------------------------------------------------- */

#define IMAGE_COLS                                                             \
	"id, template, release, arch, path, created, size, hash, init"

static void image_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_image_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->template = col_text(s, 1);
	r->release = col_text(s, 2);
	r->arch = col_text(s, 3);
	r->path = col_text(s, 4);
	r->created = sqlite3_column_int64(s, 5);
	r->size = sqlite3_column_int64(s, 6);
	r->hash = col_text(s, 7);
	r->init = col_text(s, 8);
}

static void image_clear(void *p)
{
	sysctr_image_row_clear(p);
}

int sysctr_store_image_find(struct sysctr_store *st, const char *template,
			    const char *release, const char *arch,
			    struct sysctr_image_row *out,
			    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	s = prepare(st->db,
		    "SELECT " IMAGE_COLS " FROM images "
		    "WHERE template = ?1 AND release = ?2 AND arch = ?3",
		    err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, template) != SQLITE_OK ||
	    bind_text(s, 2, release) != SQLITE_OK ||
	    bind_text(s, 3, arch) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	ret = fetch_one(st->db, s, image_read, out, err);
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no image of %s %s %s", template, release,
				  arch);
	return ret < 0 ? -1 : 0;
}

int sysctr_store_image_get(struct sysctr_store *st, int64_t id,
			   struct sysctr_image_row *out,
			   struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	s = prepare(st->db, "SELECT " IMAGE_COLS " FROM images WHERE id = ?1",
		    err);
	if (s == NULL)
		return -1;
	if (bind_int(s, 1, id) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	ret = fetch_one(st->db, s, image_read, out, err);
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such image %" PRId64, id);
	return ret < 0 ? -1 : 0;
}

static int image_insert(struct sysctr_store *st, struct sysctr_image_row *row,
			struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int64_t created = row->created ? row->created : now_realtime();

	s = prepare(st->db,
		    "INSERT INTO images (template, release, arch, path, "
		    "created, size, hash, init) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		    err);
	if (s == NULL)
		return -1;
	if (bind_text(s, 1, row->template) != SQLITE_OK ||
	    bind_text(s, 2, row->release) != SQLITE_OK ||
	    bind_text(s, 3, row->arch) != SQLITE_OK ||
	    bind_text(s, 4, row->path) != SQLITE_OK ||
	    bind_int(s, 5, created) != SQLITE_OK ||
	    bind_int(s, 6, row->size) != SQLITE_OK ||
	    bind_text(s, 7, row->hash) != SQLITE_OK ||
	    bind_text(s, 8, row->init) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);

	if (sqlite3_step(s) != SQLITE_DONE) {
		/* Either the same (template, release, arch) or the same
		 * directory is registered already. */
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "image %s %s %s (%s) already exists",
					  row->template, row->release,
					  row->arch, row->path);
		return sql_fail(st->db, "step", err);
	}
	row->id = sqlite3_last_insert_rowid(st->db);
	row->created = created;
	return 0;
}

/* A created of 0 is stored as now and written back to row. */
int sysctr_store_image_insert(struct sysctr_store *st,
			      struct sysctr_image_row *row,
			      struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = image_insert(st, row, err);
	return tx_close(st->db, own, ret, err);
}

int sysctr_store_image_list(struct sysctr_store *st,
			    struct sysctr_image_row **out, size_t *n,
			    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	s = prepare(st->db,
		    "SELECT " IMAGE_COLS " FROM images "
		    "ORDER BY template, release, arch",
		    err);
	if (s == NULL)
		return -1;
	ret = fetch_all(st->db, s, sizeof(struct sysctr_image_row), image_read,
			image_clear, &rows, n, err);
	if (ret < 0)
		return -1;
	*out = rows;
	return 0;
}

static int image_users(struct sysctr_store *st, int64_t id, int64_t *users,
		       struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	s = prepare(st->db,
		    "SELECT count(*) FROM containers WHERE image_id = ?1", err);
	if (s == NULL)
		return -1;
	if (bind_int(s, 1, id) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	ret = fetch_one(st->db, s, NULL, NULL, err);
	if (ret < 0)
		return -1;
	*users = ret == 1 ? sqlite3_column_int64(s, 0) : 0;
	return 0;
}

static int image_in_use(int64_t users, struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_STATE, 0,
			  "image in use by %" PRId64 " container%s", users,
			  users == 1 ? "" : "s");
}

static int image_delete(struct sysctr_store *st, int64_t id,
			struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int64_t users = 0;

	/* Counted first, in the same transaction, to say how many; the
	 * foreign key stays the guard of last resort. */
	if (image_users(st, id, &users, err) < 0)
		return -1;
	if (users > 0)
		return image_in_use(users, err);

	s = prepare(st->db, "DELETE FROM images WHERE id = ?1", err);
	if (s == NULL)
		return -1;
	if (bind_int(s, 1, id) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_FOREIGNKEY)
			return image_in_use(1, err);
		return sql_fail(st->db, "step", err);
	}
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such image %" PRId64, id);
	return 0;
}

int sysctr_store_image_delete(struct sysctr_store *st, int64_t id,
			      struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = image_delete(st, id, err);
	return tx_close(st->db, own, ret, err);
}

/* ---- history ---------------------------------------------------------- */

static int history_add(struct sysctr_store *st, const char *container,
		       const char *action, const char *outcome,
		       const char *detail, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = prepare(st->db,
		    "INSERT INTO history (time, container, action, outcome, "
		    "detail) VALUES (?1, ?2, ?3, ?4, ?5)",
		    err);
	if (s == NULL)
		return -1;
	if (bind_int(s, 1, now_realtime()) != SQLITE_OK ||
	    bind_text(s, 2, container) != SQLITE_OK ||
	    bind_text(s, 3, action) != SQLITE_OK ||
	    bind_text(s, 4, outcome) != SQLITE_OK ||
	    bind_text(s, 5, detail) != SQLITE_OK)
		return sql_fail(st->db, "bind", err);
	return step_done(st->db, s, err);
}

int sysctr_store_history_add(struct sysctr_store *st, const char *container,
			     const char *action, const char *outcome,
			     const char *detail, struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = tx_open(st->db, &own, err);
	if (ret < 0)
		return -1;
	ret = history_add(st, container, action, outcome, detail, err);
	return tx_close(st->db, own, ret, err);
}

static void history_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_history_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->time = sqlite3_column_int64(s, 1);
	r->container = col_text(s, 2);
	r->action = col_text(s, 3);
	r->outcome = col_text(s, 4);
	r->detail = col_text(s, 5);
}

static void history_clear(void *p)
{
	history_row_clear(p);
}

/* The newest rows are picked by the inner query (id DESC, through the
 * (container, id) index when filtered) and put oldest first by the outer
 * one. Two constant statements rather than "?1 IS NULL OR ...", which
 * would keep the planner from using the index. */
#define HISTORY_COLS "id, time, container, action, outcome, detail"
static const char history_all_sql[] =
    "SELECT " HISTORY_COLS " FROM (SELECT " HISTORY_COLS " FROM history "
    "ORDER BY id DESC LIMIT ?1) ORDER BY id";
static const char history_ct_sql[] =
    "SELECT " HISTORY_COLS " FROM (SELECT " HISTORY_COLS " FROM history "
    "WHERE container = ?2 ORDER BY id DESC LIMIT ?1) ORDER BY id";

int sysctr_store_history_list(struct sysctr_store *st, const char *container,
			      size_t limit, struct sysctr_history_row **out,
			      size_t *n, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;
	/* A negative LIMIT is no limit in SQLite. */
	int64_t lim = (limit == 0 || limit > INT64_MAX) ? -1 : (int64_t)limit;
	int ret;

	s = prepare(st->db, container ? history_ct_sql : history_all_sql, err);
	if (s == NULL)
		return -1;
	if (bind_int(s, 1, lim) != SQLITE_OK ||
	    (container && bind_text(s, 2, container) != SQLITE_OK))
		return sql_fail(st->db, "bind", err);
	ret = fetch_all(st->db, s, sizeof(struct sysctr_history_row),
			history_read, history_clear, &rows, n, err);
	if (ret < 0)
		return -1;
	*out = rows;
	return 0;
}
