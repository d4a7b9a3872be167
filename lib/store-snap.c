/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry's layers, layer stacks and snapshots. A stack is a list of
 * layer names, top first, kept as rows (owner, pos, layer) so that SQL can
 * tell which layers nothing uses any more. Constant SQL with bound
 * parameters only, like store-rows.c. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "store-sql.h"
#include "util.h"

void sysctr_snap_row_clear(struct sysctr_snap_row *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->comment);
	free(r->kind);
	free(r->layer);
	memset(r, 0, sizeof(*r));
}

void sysctr_snap_rows_free(struct sysctr_snap_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		sysctr_snap_row_clear(&rows[i]);
	free(rows);
}

/* ---- stacks ----------------------------------------------------------- */

/* Every value of column 0 of s's rows, as a NULL-terminated list. */
static int fetch_names(sqlite3 *db, sqlite3_stmt *s, char ***out,
		       struct sysctr_error **err)
{
	cleanup_strv char **v = xcalloc(1, sizeof(*v));
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push(&v, (const char *)sqlite3_column_text(s, 0));
	if (rc != SQLITE_DONE)
		return store_fail(db, "step", err);
	*out = steal_ptr(&v);
	return 0;
}

static const char *const stack_get_sql[] = {
	"SELECT l.name FROM container_layers c JOIN layers l "
	"ON l.id = c.layer_id WHERE c.container_id = ?1 ORDER BY c.pos",
	"SELECT l.name FROM snapshot_layers s JOIN layers l "
	"ON l.id = s.layer_id WHERE s.snapshot_id = ?1 ORDER BY s.pos",
};

static const char *const stack_clear_sql[] = {
	"DELETE FROM container_layers WHERE container_id = ?1",
	"DELETE FROM snapshot_layers WHERE snapshot_id = ?1",
};

static const char *const stack_add_sql[] = {
	"INSERT INTO container_layers (container_id, pos, layer_id) "
	"SELECT ?1, ?2, id FROM layers WHERE name = ?3",
	"INSERT INTO snapshot_layers (snapshot_id, pos, layer_id) "
	"SELECT ?1, ?2, id FROM layers WHERE name = ?3",
};

enum stack_owner { STACK_CT, STACK_SNAP };

static int stack_get(struct sysctr_store *st, enum stack_owner o, int64_t id,
		     char ***out, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db, stack_get_sql[o], err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return fetch_names(st->db, s, out, err);
}

static int stack_set(struct sysctr_store *st, enum stack_owner o, int64_t id,
		     char *const *layers, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *clear = NULL;
	cleanup_stmt sqlite3_stmt *add = NULL;

	clear = store_prepare(st->db, stack_clear_sql[o], err);
	if (clear == NULL)
		return -1;
	if (store_bind_int(clear, 1, id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, clear, err) < 0)
		return -1;
	add = store_prepare(st->db, stack_add_sql[o], err);
	if (add == NULL)
		return -1;
	for (size_t i = 0; layers != NULL && layers[i] != NULL; i++) {
		sqlite3_reset(add);
		if (store_bind_int(add, 1, id) != SQLITE_OK ||
		    store_bind_int(add, 2, (int64_t)i) != SQLITE_OK ||
		    store_bind_text(add, 3, layers[i]) != SQLITE_OK)
			return store_fail(st->db, "bind", err);
		if (store_step_done(st->db, add, err) < 0)
			return -1;
		if (sqlite3_changes(st->db) != 1)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "layer %s is not in the registry",
					  layers[i]);
	}
	return 0;
}

int sysctr_store_ct_layers(struct sysctr_store *st, int64_t ct_id, char ***out,
			   struct sysctr_error **err)
{
	return stack_get(st, STACK_CT, ct_id, out, err);
}

int sysctr_store_ct_set_layers(struct sysctr_store *st, int64_t ct_id,
			       char *const *layers, struct sysctr_error **err)
{
	bool own;
	int ret = store_tx_open(st, &own, err);

	if (ret < 0)
		return -1;
	ret = stack_set(st, STACK_CT, ct_id, layers, err);
	return store_tx_close(st->db, own, ret, err);
}

/* UPDATE containers SET <one column> = ?2 WHERE id = ?1: the text when
 * is_text, else the id (0: NULL). */
static int ct_update(struct sysctr_store *st, const char *sql, int64_t ct_id,
		     bool is_text, const char *text, int64_t id,
		     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = store_prepare(st->db, sql, err);
	int rc;

	if (s == NULL)
		return -1;
	rc = store_bind_int(s, 1, ct_id);
	if (rc == SQLITE_OK)
		rc = is_text ? store_bind_text(s, 2, text)
			     : store_bind_id_or_null(s, 2, id);
	if (rc != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, s, err) < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

int sysctr_store_ct_set_pending(struct sysctr_store *st, int64_t ct_id,
				const char *pending, struct sysctr_error **err)
{
	return ct_update(st, "UPDATE containers SET pending = ?2 WHERE id = ?1",
			 ct_id, true, pending, 0, err);
}

int sysctr_store_ct_set_based_on(struct sysctr_store *st, int64_t ct_id,
				 int64_t snap_id, struct sysctr_error **err)
{
	return ct_update(st,
			 "UPDATE containers SET based_on = ?2 WHERE id = ?1",
			 ct_id, false, NULL, snap_id, err);
}

int sysctr_store_layer_pending_owner(struct sysctr_store *st, const char *layer,
				     char **name, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int ret;

	s = store_prepare(st->db,
			  "SELECT name FROM containers WHERE pending IN "
			  "('freeze ' || ?1, 'copy ' || ?1)",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, layer) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, NULL, NULL, err);
	if (ret == 1)
		*name = store_col_text(s, 0);
	return ret;
}

/* ---- layers ----------------------------------------------------------- */

int sysctr_store_layer_insert(struct sysctr_store *st, const char *name,
			      struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(
	    st->db, "INSERT INTO layers (name, created) VALUES (?1, ?2)", err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK ||
	    store_bind_int(s, 2, now_realtime()) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}

int sysctr_store_layer_set_size(struct sysctr_store *st, const char *name,
				int64_t size, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db, "UPDATE layers SET size = ?2 WHERE name = ?1",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK ||
	    store_bind_int(s, 2, size) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}

static const char unused_sql[] =
    "SELECT name FROM layers l WHERE "
    "NOT EXISTS (SELECT 1 FROM container_layers c WHERE c.layer_id = l.id) "
    "AND NOT EXISTS (SELECT 1 FROM snapshot_layers s WHERE s.layer_id = l.id)";

int sysctr_store_layers_unused_take(struct sysctr_store *st, char ***names,
				    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *sel = NULL;
	cleanup_stmt sqlite3_stmt *del = NULL;
	cleanup_strv char **v = NULL;
	bool own;
	int ret;

	ret = store_tx_open(st, &own, err);
	if (ret < 0)
		return -1;
	sel = store_prepare(st->db, unused_sql, err);
	ret = sel == NULL ? -1 : fetch_names(st->db, sel, &v, err);
	/* nearly always none: then no DELETE is compiled (with its foreign
	 * key checks, a tenth of a short command's registry time) */
	if (ret == 0 && v[0] != NULL) {
		del = store_prepare(st->db,
				    "DELETE FROM layers WHERE name = ?1", err);
		ret = del == NULL ? -1 : 0;
	}
	for (size_t i = 0; ret == 0 && v[i] != NULL; i++) {
		sqlite3_reset(del);
		if (store_bind_text(del, 1, v[i]) != SQLITE_OK)
			ret = store_fail(st->db, "bind", err);
		else
			ret = store_step_done(st->db, del, err);
	}
	ret = store_tx_close(st->db, own, ret, err);
	if (ret == 0)
		*names = steal_ptr(&v);
	return ret;
}

int sysctr_store_layer_names(struct sysctr_store *st, char ***names,
			     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db, "SELECT name FROM layers ORDER BY name", err);
	if (s == NULL)
		return -1;
	return fetch_names(st->db, s, names, err);
}

/* ---- snapshots -------------------------------------------------------- */

#define SNAP_COLS                                                              \
	"s.id, s.name, s.created, s.comment, s.kind, "                         \
	"(SELECT l.name FROM snapshot_layers x JOIN layers l "                 \
	"ON l.id = x.layer_id WHERE x.snapshot_id = s.id AND x.pos = 0), "     \
	"(SELECT ifnull(l.size, -1) FROM snapshot_layers x JOIN layers l "     \
	"ON l.id = x.layer_id WHERE x.snapshot_id = s.id AND x.pos = 0)"

static void snap_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_snap_row *r = p;

	r->id = sqlite3_column_int64(s, 0);
	r->name = store_col_text(s, 1);
	r->created = sqlite3_column_int64(s, 2);
	r->comment = store_col_text(s, 3);
	r->kind = store_col_text(s, 4);
	r->layer = store_col_text(s, 5);
	r->size = sqlite3_column_type(s, 6) == SQLITE_NULL
		      ? 0
		      : sqlite3_column_int64(s, 6);
}

static void snap_clear(void *p)
{
	sysctr_snap_row_clear(p);
}

static int snap_insert(struct sysctr_store *st, int64_t ct_id,
		       struct sysctr_snap_row *row, char *const *layers,
		       struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	int64_t created = row->created ? row->created : now_realtime();

	s = store_prepare(st->db,
			  "INSERT INTO snapshots (container_id, name, created, "
			  "comment, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, ct_id) != SQLITE_OK ||
	    store_bind_text(s, 2, row->name) != SQLITE_OK ||
	    store_bind_int(s, 3, created) != SQLITE_OK ||
	    store_bind_text(s, 4, row->comment) != SQLITE_OK ||
	    store_bind_text(s, 5, row->kind ? row->kind : "manual") !=
		SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "snapshot %s already exists",
					  row->name);
		return store_fail(st->db, "step", err);
	}
	row->id = sqlite3_last_insert_rowid(st->db);
	row->created = created;
	return stack_set(st, STACK_SNAP, row->id, layers, err);
}

int sysctr_store_snap_insert(struct sysctr_store *st, int64_t ct_id,
			     struct sysctr_snap_row *row, char *const *layers,
			     struct sysctr_error **err)
{
	bool own;
	int ret = store_tx_open(st, &own, err);

	if (ret < 0)
		return -1;
	ret = snap_insert(st, ct_id, row, layers, err);
	return store_tx_close(st->db, own, ret, err);
}

int sysctr_store_snap_get(struct sysctr_store *st, int64_t ct_id,
			  const char *name, struct sysctr_snap_row *out,
			  char ***layers, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	cleanup_snap_row struct sysctr_snap_row row = { 0 };
	int ret;

	s = store_prepare(st->db,
			  "SELECT " SNAP_COLS " FROM snapshots s "
			  "WHERE s.container_id = ?1 AND s.name = ?2",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, ct_id) != SQLITE_OK ||
	    store_bind_text(s, 2, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	ret = store_fetch_one(st->db, s, snap_read, &row, err);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such snapshot: %s", name);
	if (layers != NULL &&
	    stack_get(st, STACK_SNAP, row.id, layers, err) < 0)
		return -1;
	*out = row;
	memset(&row, 0, sizeof(row));
	return 0;
}

int sysctr_store_snap_list(struct sysctr_store *st, int64_t ct_id,
			   struct sysctr_snap_row **out, size_t *n,
			   struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db,
			  "SELECT " SNAP_COLS " FROM snapshots s "
			  "WHERE s.container_id = ?1 ORDER BY s.created, s.id",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, ct_id) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	/* at -vv: the tests count the reads of a command */
	log_debug("registry: read the snapshots of container %" PRId64, ct_id);
	return store_fetch_all(st->db, s, sizeof(**out), snap_read, snap_clear,
			       (void **)out, n, err);
}

int sysctr_store_snap_delete(struct sysctr_store *st, int64_t ct_id,
			     const char *name, struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(st->db,
			  "DELETE FROM snapshots WHERE container_id = ?1 "
			  "AND name = ?2",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_int(s, 1, ct_id) != SQLITE_OK ||
	    store_bind_text(s, 2, name) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_step_done(st->db, s, err) < 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such snapshot: %s", name);
	return 0;
}
