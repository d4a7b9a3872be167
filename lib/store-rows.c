/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry's rows: containers, images, history. Constant SQL with
 * bound parameters only; the connection, transactions and schema are in
 * store.c. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-sql.h"
#include "util.h"

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
	free(r->storage);
	free(r->pending);
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
	free(r->user);
	free(r->sudo_user);
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
	"state_time, storage, based_on, pending, pid"

static void ct_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_ct_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->name = store_col_text(s, 1);
	r->owner = sqlite3_column_int64(s, 2);
	r->template = store_col_text(s, 3);
	r->release = store_col_text(s, 4);
	r->arch = store_col_text(s, 5);
	r->image_id = sqlite3_column_int64(s, 6); /* NULL reads as 0 */
	r->created = sqlite3_column_int64(s, 7);
	r->state = store_col_text(s, 8);
	r->state_time = sqlite3_column_int64(s, 9);
	r->storage = store_col_text(s, 10);
	r->based_on = sqlite3_column_int64(s, 11); /* NULL reads as 0 */
	r->pending = store_col_text(s, 12);
	r->pid = sqlite3_column_int64(s, 13);
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

	s = store_prepare(
	    st->db,
	    "INSERT INTO containers (name, owner, template, release, "
	    "arch, image_id, created, state, state_time, storage) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, row->name) != SQLITE_OK ||
	    store_bind_int(s, 2, st->host_id) != SQLITE_OK ||
	    store_bind_text(s, 3, row->template) != SQLITE_OK ||
	    store_bind_text(s, 4, row->release) != SQLITE_OK ||
	    store_bind_text(s, 5, row->arch) != SQLITE_OK ||
	    store_bind_id_or_null(s, 6, row->image_id) != SQLITE_OK ||
	    store_bind_int(s, 7, created) != SQLITE_OK ||
	    store_bind_text(s, 8, row->state ? row->state : "STOPPED") !=
		SQLITE_OK ||
	    store_bind_int(s, 9, row->state_time) != SQLITE_OK ||
	    store_bind_text(s, 10, row->storage ? row->storage : "overlay") !=
		SQLITE_OK)
		return store_fail(st->db, "bind", err);

	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "container %s already exists",
					  row->name);
		return store_fail(st->db, "step", err);
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

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_insert(st, row, err);
	return store_tx_close(st->db, own, ret, err);
}

int sysctr_store_ct_get(struct sysctr_store *st, const char *name,
			struct sysctr_ct_row *out, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	s = store_prepare(
	    st->db, "SELECT " CT_COLS " FROM containers WHERE name = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, ct_read, out, err);
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return ret < 0 ? -1 : 0;
}

int sysctr_store_ct_exists(struct sysctr_store *st, const char *name,
			   struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db, "SELECT 1 FROM containers WHERE name = ?1",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_fetch_one(st->db, s, NULL, NULL, err);
}

int sysctr_store_ct_list(struct sysctr_store *st, struct sysctr_ct_row **out,
			 size_t *n, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	s = store_prepare(
	    st->db, "SELECT " CT_COLS " FROM containers ORDER BY name", err);
	if (s == NULL)
		return -1;
	ret = store_fetch_all(st->db, s, sizeof(struct sysctr_ct_row), ct_read,
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
	s = store_prepare(st->db, "DELETE FROM containers WHERE name = ?1",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, s, err) < 0)
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

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_delete(st, name, err);
	return store_tx_close(st->db, own, ret, err);
}

static int ct_set_state(struct sysctr_store *st, const char *name,
			const char *state, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db,
			  "UPDATE containers SET state = ?1, state_time = ?2 "
			  "WHERE name = ?3",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, state) != SQLITE_OK ||
	    store_bind_int(s, 2, now_realtime()) != SQLITE_OK ||
	    store_bind_text(s, 3, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, s, err) < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

int sysctr_store_ct_set_pid(struct sysctr_store *st, const char *name,
			    int64_t pid, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(
	    st->db, "UPDATE containers SET pid = ?1 WHERE name = ?2", err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, pid) != SQLITE_OK ||
	    store_bind_text(s, 2, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}

int sysctr_store_ct_set_state(struct sysctr_store *st, const char *name,
			      const char *state, struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = ct_set_state(st, name, state, err);
	return store_tx_close(st->db, own, ret, err);
}

/* ---- images ----------------------------------------------------------- */

#define IMAGE_COLS                                                             \
	"id, template, release, arch, path, created, size, hash, init"

static void image_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_image_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->template = store_col_text(s, 1);
	r->release = store_col_text(s, 2);
	r->arch = store_col_text(s, 3);
	r->path = store_col_text(s, 4);
	r->created = sqlite3_column_int64(s, 5);
	r->size = sqlite3_column_int64(s, 6);
	r->hash = store_col_text(s, 7);
	r->init = store_col_text(s, 8);
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
	s = store_prepare(st->db,
			  "SELECT " IMAGE_COLS " FROM images "
			  "WHERE template = ?1 AND release = ?2 AND arch = ?3 "
			  "ORDER BY created DESC, id DESC LIMIT 1",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, template) != SQLITE_OK ||
	    store_bind_text(s, 2, release) != SQLITE_OK ||
	    store_bind_text(s, 3, arch) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, image_read, out, err);
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
	s = store_prepare(
	    st->db, "SELECT " IMAGE_COLS " FROM images WHERE id = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, image_read, out, err);
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

	/* the next id after every one ever given (image_ids), in the
	 * caller's transaction */
	if (store_exec(st->db,
		       "UPDATE image_ids SET last = MAX(last, (SELECT "
		       "COALESCE(MAX(id), 0) FROM images)) + 1;",
		       err) < 0)
		return -1;
	s = store_prepare(st->db,
			  "INSERT INTO images (id, template, release, arch, "
			  "path, created, size, hash, init) "
			  "VALUES ((SELECT last FROM image_ids), ?1, ?2, ?3, "
			  "?4, ?5, ?6, ?7, ?8)",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, row->template) != SQLITE_OK ||
	    store_bind_text(s, 2, row->release) != SQLITE_OK ||
	    store_bind_text(s, 3, row->arch) != SQLITE_OK ||
	    store_bind_text(s, 4, row->path) != SQLITE_OK ||
	    store_bind_int(s, 5, created) != SQLITE_OK ||
	    store_bind_int(s, 6, row->size) != SQLITE_OK ||
	    store_bind_text(s, 7, row->hash) != SQLITE_OK ||
	    store_bind_text(s, 8, row->init) != SQLITE_OK)
		return store_fail(st->db, "bind", err);

	if (sqlite3_step(s) != SQLITE_DONE) {
		/* The same directory is registered already. */
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "image %s %s %s (%s) already exists",
					  row->template, row->release,
					  row->arch, row->path);
		return store_fail(st->db, "step", err);
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

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = image_insert(st, row, err);
	return store_tx_close(st->db, own, ret, err);
}

int sysctr_store_image_set_hash(struct sysctr_store *st, int64_t id,
				const char *hash, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db, "UPDATE images SET hash = ?2 WHERE id = ?1",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK ||
	    store_bind_text(s, 2, hash) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}

int sysctr_store_image_list(struct sysctr_store *st,
			    struct sysctr_image_row **out, size_t *n,
			    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;
	int ret;

	s = store_prepare(st->db,
			  "SELECT " IMAGE_COLS " FROM images "
			  "ORDER BY template, release, arch",
			  err);
	if (s == NULL)
		return -1;
	ret = store_fetch_all(st->db, s, sizeof(struct sysctr_image_row),
			      image_read, image_clear, &rows, n, err);
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

	s = store_prepare(
	    st->db, "SELECT count(*) FROM containers WHERE image_id = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, NULL, NULL, err);
	if (ret < 0)
		return -1;
	*users = ret == 1 ? sqlite3_column_int64(s, 0) : 0;
	return 0;
}

int sysctr_store_image_users(struct sysctr_store *st, int64_t id, char ***names,
			     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	char **list = NULL;
	int rc;

	s = store_prepare(st->db,
			  "SELECT name FROM containers WHERE image_id = ?1 "
			  "ORDER BY name",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	list = xcalloc(1, sizeof(char *));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push(&list, (const char *)sqlite3_column_text(s, 0));
	if (rc != SQLITE_DONE) {
		strv_free(list);
		return store_fail(st->db, "step", err);
	}
	*names = list;
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

	s = store_prepare(st->db, "DELETE FROM images WHERE id = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_FOREIGNKEY)
			return image_in_use(1, err);
		return store_fail(st->db, "step", err);
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

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = image_delete(st, id, err);
	return store_tx_close(st->db, own, ret, err);
}

/* ---- history ---------------------------------------------------------- */

static int history_add(struct sysctr_store *st, const char *container,
		       const char *action, const char *outcome,
		       const char *detail, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(
	    st->db,
	    "INSERT INTO history (time, container, action, outcome, "
	    "detail, uid, user, sudo_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8)",
	    err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, now_realtime()) != SQLITE_OK ||
	    store_bind_text(s, 2, container) != SQLITE_OK ||
	    store_bind_text(s, 3, action) != SQLITE_OK ||
	    store_bind_text(s, 4, outcome) != SQLITE_OK ||
	    store_bind_text(s, 5, detail) != SQLITE_OK ||
	    store_bind_int(s, 6, st->uid) != SQLITE_OK ||
	    store_bind_text(s, 7, st->user) != SQLITE_OK ||
	    store_bind_text(s, 8, st->sudo_user) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}

int sysctr_store_history_add(struct sysctr_store *st, const char *container,
			     const char *action, const char *outcome,
			     const char *detail, struct sysctr_error **err)
{
	bool own;
	int ret;

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	ret = history_add(st, container, action, outcome, detail, err);
	return store_tx_close(st->db, own, ret, err);
}

static void history_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_history_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->time = sqlite3_column_int64(s, 1);
	r->container = store_col_text(s, 2);
	r->action = store_col_text(s, 3);
	r->outcome = store_col_text(s, 4);
	r->detail = store_col_text(s, 5);
	r->uid = sqlite3_column_type(s, 6) == SQLITE_NULL
		     ? -1
		     : sqlite3_column_int64(s, 6);
	r->user = store_col_text(s, 7);
	r->sudo_user = store_col_text(s, 8);
}

static void history_clear(void *p)
{
	history_row_clear(p);
}

/* The newest rows are picked by the inner query (id DESC; through the
 * (container, id) index when filtered by container) and put oldest first
 * by the outer one. The statement is one of eight made of constant
 * pieces, each filter present or not, rather than "?2 IS NULL OR ...",
 * which would keep the planner from the indexes. */
#define HISTORY_COLS                                                           \
	"id, time, container, action, outcome, detail, uid, user, sudo_user"

int sysctr_store_history_find(struct sysctr_store *st,
			      const struct sysctr_store_history_filter *f,
			      struct sysctr_history_row **out, size_t *n,
			      struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	cleanup_free char *sql = NULL;
	void *rows = NULL;
	/* A negative LIMIT is no limit in SQLite. */
	int64_t lim =
	    (f->limit == 0 || f->limit > INT64_MAX) ? -1 : (int64_t)f->limit;
	int ret;

	sql = xasprintf("SELECT " HISTORY_COLS " FROM (SELECT " HISTORY_COLS
			" FROM history WHERE 1%s%s%s ORDER BY id DESC LIMIT "
			"?1) ORDER BY id",
			f->container ? " AND container = ?2" : "",
			f->since > 0 ? " AND time >= ?3" : "",
			f->action ? " AND action = ?4" : "");
	s = store_prepare(st->db, sql, err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, lim) != SQLITE_OK ||
	    (f->container &&
	     store_bind_text(s, 2, f->container) != SQLITE_OK) ||
	    (f->since > 0 && store_bind_int(s, 3, f->since) != SQLITE_OK) ||
	    (f->action && store_bind_text(s, 4, f->action) != SQLITE_OK))
		return store_fail(st->db, "bind", err);
	ret = store_fetch_all(st->db, s, sizeof(struct sysctr_history_row),
			      history_read, history_clear, &rows, n, err);
	if (ret < 0)
		return -1;
	*out = rows;
	return 0;
}

int sysctr_store_history_list(struct sysctr_store *st, const char *container,
			      size_t limit, struct sysctr_history_row **out,
			      size_t *n, struct sysctr_error **err)
{
	struct sysctr_store_history_filter f = { .container = container,
						 .limit = limit };

	return sysctr_store_history_find(st, &f, out, n, err);
}
