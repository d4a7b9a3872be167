/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SQLite registry: connection, transactions, schema and the statement
 * helpers that store-rows.c (the rows) shares through store-sql.h. These
 * two files are the only ones of sysctr with SQL in them. Every statement
 * is a constant string with bound parameters; the only text built at run
 * time is the PRAGMA user_version of a migration step, from our own
 * integer (PRAGMAs take no parameters). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
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
#include "store-sql.h"
#include "util.h"

/* A writer waits this long for another sysctr's transaction to end. */
#define BUSY_TIMEOUT_MS 10000
/* The WAL is folded into the database (and emptied) by the close that
 * finds it this long (128 frames of 4 KiB pages); see db_connect(). */
#define WAL_CHECKPOINT_BYTES (128 * (4096 + 24))
/* ... and by the first write of a command that has already run this long,
 * whatever the WAL's length: see store_fold_long(). */
#define WAL_FOLD_AFTER_S 0.25

/* Before SQLite's first use: no bulk allocation of 20 page-cache slots
 * per connection. A sysctr command reads a handful of pages, and touching
 * fresh memory is what costs most in a short command on a VM (about 15 us
 * per page on the machines this was measured on). SQLite refuses the call
 * (harmlessly) when the program initialised it already. */
__attribute__((constructor)) static void store_sqlite_config(void)
{
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	/* No allocation statistics (sysctr reads none): without them each
	 * of SQLite's mallocs and frees skips a global mutex. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static inline void store_close_p(struct sysctr_store **st)
{
	sysctr_store_close(*st);
	*st = NULL;
}
#define cleanup_store __attribute__((cleanup(store_close_p)))

/* ---- statement helpers ------------------------------------------------ */

int store_fail(sqlite3 *db, const char *what, struct sysctr_error **err)
{
	int rc = sqlite3_errcode(db) & 0xff;

	/* Another process kept its write transaction past our busy timeout:
	 * that is busy (exit 5), like a container lock held too long, not
	 * a failure of the registry. */
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return sysctr_err(err, SYSCTR_E_BUSY, 0,
				  "registry %s is busy: another process holds "
				  "it (waited %d s)",
				  sqlite3_db_filename(db, "main"),
				  BUSY_TIMEOUT_MS / 1000);
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "SQL %s: %s", what,
			  sqlite3_errmsg(db));
}

sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql,
			    struct sysctr_error **err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		store_fail(db, "prepare", err);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Statements without parameters or result rows (DDL, BEGIN, COMMIT). */
int store_exec(sqlite3 *db, const char *sql, struct sysctr_error **err)
{
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_fail(db, "exec", err);
	return 0;
}

int store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	/* The bound strings outlive the statement, which is finalized
	 * before the function that binds them returns. */
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int store_bind_int(sqlite3_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(s, i, v);
}

/* Zero means "none" in the row structs and NULL in SQL. */
int store_bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, v);
}

char *store_col_text(sqlite3_stmt *s, int i)
{
	return xstrdup_or_null((const char *)sqlite3_column_text(s, i));
}

/* Run a statement that returns no rows. */
int store_step_done(sqlite3 *db, sqlite3_stmt *s, struct sysctr_error **err)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return store_fail(db, "step", err);
	return 0;
}

/* At most one row: 1 when there is one (read into row unless read is
 * NULL: the caller reads the columns), 0 when there is none. */
int store_fetch_one(sqlite3 *db, sqlite3_stmt *s, row_read_fn read, void *row,
		    struct sysctr_error **err)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(db, "step", err);
	if (read != NULL)
		read(s, row);
	return 1;
}

/* Every row into a new array of elements of size bytes; NULL when none. */
int store_fetch_all(sqlite3 *db, sqlite3_stmt *s, size_t size, row_read_fn read,
		    row_clear_fn clear, void **out, size_t *n,
		    struct sysctr_error **err)
{
	char *rows = NULL;
	size_t len = 0, cap = 0;
	int rc;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			store_fail(db, "step", err);
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

void store_rollback_quiet(sqlite3 *db)
{
	/* Some errors (SQLITE_FULL, IOERR, BUSY, NOMEM) end the transaction
	 * by themselves; a ROLLBACK then would only fail. */
	if (sqlite3_get_autocommit(db))
		return;
	if (sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("registry: SQL rollback: %s", sqlite3_errmsg(db));
}

/* The size of the database's WAL file; 0 when there is none. */
static off_t wal_size(sqlite3 *db)
{
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db, "main"));
	struct stat sb;

	if (wal == NULL || stat(wal, &sb) < 0)
		return 0;
	return sb.st_size;
}

/* Fold the WAL into the database and empty it, without waiting: when
 * another sysctr uses the registry this returns busy at once, having
 * copied what it could, and a later fold empties it. */
static void store_fold(struct sysctr_store *st)
{
	int rc;

	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				       NULL, NULL);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* busy: another connection reads or writes; locked: this one still
	 * steps a statement. Either way a later fold does it. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
		log_warn("registry: checkpoint: %s", sqlite3_errmsg(st->db));
	log_debug("registry: checkpoint: %s", sqlite3_errstr(rc));
}

/* Whether a statement of this connection is still being stepped. */
static bool store_stepping(sqlite3 *db)
{
	for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s != NULL;
	     s = sqlite3_next_stmt(db, s))
		if (sqlite3_stmt_busy(s))
			return true;
	return false;
}

/* A command that has already run WAL_FOLD_AFTER_S (a stop waiting for
 * its container, a create, a boot) folds the WAL before its first write
 * after that, once. Its few milliseconds of syncs are lost in the
 * command's time, and so is the sync of the new WAL's header that the
 * first write after a fold pays; the commands that follow (list, info,
 * start, destroy) find a WAL of a few frames, read back at their open in
 * no time, and append to it without a sync. */
static void store_fold_long(struct sysctr_store *st)
{
	if (st->folded || now_monotonic() - st->opened < WAL_FOLD_AFTER_S ||
	    store_stepping(st->db))
		return;
	st->folded = true;
	if (wal_size(st->db) > 0)
		store_fold(st);
}

/* Every write transaction of a connection begins here. IMMEDIATE takes
 * the write lock now, so a read-then-write change cannot fail half-way on
 * a lock upgrade. */
static int tx_begin(struct sysctr_store *st, struct sysctr_error **err)
{
	store_fold_long(st);
	return store_exec(st->db, "BEGIN IMMEDIATE", err);
}

/* Open a transaction unless the caller holds one; *own says who ends it. */
int store_tx_open(struct sysctr_store *st, bool *own, struct sysctr_error **err)
{
	*own = false;
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	if (tx_begin(st, err) < 0)
		return -1;
	*own = true;
	return 0;
}

/* End what tx_open opened: commit when ret is 0, else roll back. */
int store_tx_close(sqlite3 *db, bool own, int ret, struct sysctr_error **err)
{
	if (!own)
		return ret;
	if (ret < 0) {
		store_rollback_quiet(db);
		return ret;
	}
	if (store_exec(db, "COMMIT", err) < 0) {
		store_rollback_quiet(db);
		return -1;
	}
	return 0;
}

int sysctr_store_begin(struct sysctr_store *st, struct sysctr_error **err)
{
	if (!sqlite3_get_autocommit(st->db))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "registry transaction already open");
	return tx_begin(st, err);
}

/* A failed commit is rolled back here, so the caller's rollback after it
 * is a harmless no-op. */
int sysctr_store_commit(struct sysctr_store *st, struct sysctr_error **err)
{
	if (sqlite3_get_autocommit(st->db))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "no registry transaction open");
	if (store_exec(st->db, "COMMIT", err) < 0) {
		store_rollback_quiet(st->db);
		return -1;
	}
	return 0;
}

void sysctr_store_rollback(struct sysctr_store *st)
{
	if (st != NULL)
		store_rollback_quiet(st->db);
}

bool sysctr_store_in_tx(struct sysctr_store *st)
{
	return st != NULL && !sqlite3_get_autocommit(st->db);
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
    " init TEXT);"
    "CREATE INDEX images_key ON images(template, release, arch, created);"
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
    " state_time INTEGER NOT NULL DEFAULT 0,"
    " storage TEXT NOT NULL DEFAULT 'overlay');"
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
	return store_exec(db, schema_v1, err);
}

/* Snapshots as stacks of immutable layers (lib/layers.c). A container's
 * rootfs is its own upper directory over container_layers (pos 0 on top)
 * over its image; a snapshot is the stack the container had when it was
 * cut. Layers are shared (by a container, its snapshots and its clones)
 * and live as long as one of them refers to one. `pending` names a layer
 * switch whose files still have to move (see lib/snapshot.c). */
static const char schema_v2[] =
    "CREATE TABLE layers ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " size INTEGER);"
    "CREATE TABLE container_layers ("
    " container_id INTEGER NOT NULL"
    "  REFERENCES containers(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"
    " layer_id INTEGER NOT NULL REFERENCES layers(id) ON DELETE RESTRICT,"
    " PRIMARY KEY (container_id, pos));"
    "CREATE INDEX container_layers_layer ON container_layers(layer_id);"
    "CREATE TABLE snapshot_layers ("
    " snapshot_id INTEGER NOT NULL"
    "  REFERENCES snapshots(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"
    " layer_id INTEGER NOT NULL REFERENCES layers(id) ON DELETE RESTRICT,"
    " PRIMARY KEY (snapshot_id, pos));"
    "CREATE INDEX snapshot_layers_layer ON snapshot_layers(layer_id);"
    "ALTER TABLE snapshots ADD COLUMN kind TEXT NOT NULL DEFAULT 'manual';"
    "ALTER TABLE containers ADD COLUMN based_on INTEGER"
    " REFERENCES snapshots(id) ON DELETE SET NULL;"
    "ALTER TABLE containers ADD COLUMN pending TEXT;";

static int migrate_v2(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db, schema_v2, err);
}

/* Addresses on sysctr's managed bridge (lib/store-net.c). */
static const char schema_v3[] = "CREATE TABLE leases ("
				" container_id INTEGER PRIMARY KEY"
				"  REFERENCES containers(id) ON DELETE CASCADE,"
				" bridge TEXT NOT NULL,"
				" ipv4 TEXT NOT NULL,"
				" hwaddr TEXT NOT NULL,"
				" UNIQUE (bridge, ipv4));";

static int migrate_v3(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db, schema_v3, err);
}

/* The init pid of a container's last start: list reads a running
 * container's state and usage from /proc and its cgroup files without
 * asking liblxc (which loads its config). */
static int migrate_v4(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db,
			  "ALTER TABLE containers ADD COLUMN pid INTEGER "
			  "NOT NULL DEFAULT 0;",
			  err);
}

/* What list shows of each container.conf (lib/store-summary.c). */
static int migrate_v5(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db,
			  "CREATE TABLE conf_summary ("
			  " container_id INTEGER PRIMARY KEY"
			  "  REFERENCES containers(id) ON DELETE CASCADE,"
			  " stamp TEXT NOT NULL,"
			  " autostart INTEGER NOT NULL,"
			  " ord INTEGER NOT NULL,"
			  " grp TEXT,"
			  " ready TEXT,"
			  " timeout INTEGER NOT NULL,"
			  " memory INTEGER NOT NULL,"
			  " privileged INTEGER NOT NULL,"
			  " ipv4 TEXT,"
			  " net_mode TEXT,"
			  " net_bridge TEXT);",
			  err);
}

/* Who ran each action: the uid, its login name, and the user sudo was
 * run by. Old rows have NULL. */
static int migrate_v6(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db,
			  "ALTER TABLE history ADD COLUMN uid INTEGER;"
			  "ALTER TABLE history ADD COLUMN user TEXT;"
			  "ALTER TABLE history ADD COLUMN sudo_user TEXT;"
			  "CREATE INDEX history_time ON history(time);",
			  err);
}

/* Image ids are never reused (an id in a script or a log names one image
 * for good): the highest ever given, which INTEGER PRIMARY KEY alone
 * would hand out again once that image is removed. */
static int migrate_v7(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db,
			  "CREATE TABLE image_ids (last INTEGER NOT NULL);"
			  "INSERT INTO image_ids SELECT COALESCE(MAX(id), 0) "
			  "FROM images;",
			  err);
}

/* The managed network's forwards come from the summaries too (each start,
 * stop and destroy on the bridge read every container.conf before). The
 * summaries kept so far lack them: dropped, read anew on next use. */
static int migrate_v8(sqlite3 *db, struct sysctr_error **err)
{
	return store_exec(db,
			  "ALTER TABLE conf_summary ADD COLUMN forwards TEXT;"
			  "DELETE FROM conf_summary;",
			  err);
}

/* Step i takes the schema from version i to i + 1. Append only: a step
 * that shipped is never changed. */
static int (*const migrations[])(sqlite3 *db, struct sysctr_error **err) = {
	migrate_v1, migrate_v2, migrate_v3, migrate_v4,
	migrate_v5, migrate_v6, migrate_v7, migrate_v8,
};

int sysctr_store_schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

static int read_user_version(sqlite3 *db, int *out, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	s = store_prepare(db, "PRAGMA user_version", err);
	if (s == NULL)
		return -1;
	ret = store_fetch_one(db, s, NULL, NULL, err);
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
	ret = store_exec(db, sql, err);
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
		ret = store_exec(db, "BEGIN IMMEDIATE", err);
		if (ret < 0)
			return -1;
		ret = migrate_step_locked(db, &v, err);
		ret = store_tx_close(db, true, ret, err);
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
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open the file");
	if (fstat(fd, &sb) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "stat the file");
	if (!S_ISREG(sb.st_mode))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "not a regular file");
	if ((sb.st_mode & 07777 & ~(mode_t)0600) != 0 && fchmod(fd, 0600) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "chmod the file");
	return 0;
}

static int set_wal(sqlite3 *db, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	const char *mode;
	int ret;

	s = store_prepare(db, "PRAGMA journal_mode = WAL", err);
	if (s == NULL)
		return -1;
	ret = store_fetch_one(db, s, NULL, NULL, err);
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

	s = store_prepare(db, "SELECT id FROM hosts WHERE name = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK)
		return store_fail(db, "bind", err);
	ret = store_fetch_one(db, s, NULL, NULL, err);
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
	s = store_prepare(st->db,
			  "INSERT OR IGNORE INTO hosts (name, created) "
			  "VALUES (?1, ?2)",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK ||
	    store_bind_int(s, 2, now_realtime()) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, s, err) < 0)
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
					  "SQL open: %s", sqlite3_errstr(rc));
		return store_fail(st->db, "open", err);
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* Every sysctr command opens and closes the registry, and is nearly
	 * always its only user: each open finds no other connection and
	 * rebuilds the WAL index from the WAL (reads all of it), and that
	 * index forgets which frames a checkpoint already copied. So:
	 * - the close does not checkpoint (by default the last one does,
	 *   with three fsyncs: most of the time of a short command), and the
	 *   WAL file stays (PERSIST_WAL) rather than being made again;
	 * - no automatic checkpoint either: with a forgotten index it would
	 *   copy the whole WAL again at every commit past its threshold;
	 * - instead the close that finds a WAL of WAL_CHECKPOINT_BYTES or
	 *   more (whether it wrote or not: after a burst of parallel writers
	 *   the last one out may be a reader) checkpoints and truncates it
	 *   (sysctr_store_close()), so an open reads at most about 512 KiB
	 *   and the fsyncs come once every few dozen commands;
	 * - and a command that has run a while folds it before it writes
	 *   (store_fold_long()), so that after a stop or a create the WAL is
	 *   short and the quick commands pay neither the read nor a fold.
	 * Nothing is less durable: the WAL is the journal either way, and
	 * synchronous=NORMAL syncs it at each checkpoint. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	{
		int persist = 1;

		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
				     &persist);
	}
	if (set_wal(st->db, err) < 0)
		return -1;
	sqlite3_wal_autocheckpoint(st->db, 0);
	/* All per connection; foreign_keys is off by default and cannot
	 * change inside a transaction, so it is set before any. */
	return store_exec(
	    st->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	    err);
}

/* A login name as sudo and passwd give it: nothing a history row could
 * not show as it is. */
static bool login_name_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	return len > 0 && len <= 32 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-$") == len &&
	       s[0] != '-';
}

static void actor_init(struct sysctr_store *st)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *sudo = getenv("SUDO_USER");

	st->uid = (int64_t)getuid();
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) == 0 &&
	    found != NULL && login_name_ok(found->pw_name))
		st->user = xstrdup(found->pw_name);
	if (getuid() == 0 && login_name_ok(sudo))
		st->sudo_user = xstrdup(sudo);
}

int sysctr_store_open(const char *path, struct sysctr_store **out,
		      struct sysctr_error **err)
{
	cleanup_store struct sysctr_store *st = NULL;
	int ret;

	store_shm_install();
	st = xcalloc(1, sizeof(*st));
	st->opened = now_monotonic();
	actor_init(st);
	ret = prepare_file(path, err);
	if (ret == 0)
		ret = db_connect(st, path, err);
	if (ret == 0)
		ret = migrate(st->db, err);
	if (ret == 0)
		ret = host_ensure(st, err);
	/* Context added once, here, where the path is known (the messages
	 * below do not repeat it); a busy error names the registry already. */
	if (ret < 0 && err != NULL && (*err)->kind != SYSCTR_E_BUSY)
		return sysctr_err_prefix(err, "open registry %s", path);
	if (ret < 0)
		return -1;

	*out = steal_ptr(&st);
	return 0;
}

void sysctr_store_close(struct sysctr_store *st)
{
	if (st == NULL)
		return;
	/* A long WAL goes into the database now. */
	if (st->db != NULL && wal_size(st->db) >= WAL_CHECKPOINT_BYTES)
		store_fold(st);
	/* An open transaction is rolled back by the close; every statement
	 * was finalized by the function that prepared it. */
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_warn("registry: close: %s", sqlite3_errmsg(st->db));
	free(st->user);
	free(st->sudo_user);
	free(st);
}

bool sysctr_store_busy(struct sysctr_store *st)
{
	int rc = st ? sqlite3_errcode(st->db) & 0xff : SQLITE_OK;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int64_t sysctr_store_host_id(struct sysctr_store *st)
{
	return st->host_id;
}

/* ---- doctor ------------------------------------------------------------ */

int sysctr_store_check(struct sysctr_store *st, size_t max, char ***problems,
		       int *version, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	cleanup_strv char **found = xcalloc(1, sizeof(char *));
	int rc;

	if (read_user_version(st->db, version, err) < 0)
		return -1;
	s = store_prepare(st->db, "PRAGMA integrity_check", err);
	if (s == NULL)
		return -1;
	/* one row "ok", or a row per problem (100 at most) */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (line == NULL || strcmp(line, "ok") == 0)
			continue;
		if (strv_length(found) < max)
			strv_push(&found, line);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st->db, "integrity check", err);
	*problems = steal_ptr(&found);
	return 0;
}
