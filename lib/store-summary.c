/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What list and the managed network read of each container.conf (through
 * lib/conf-cache.c), kept with the stamp (inode, size, modification and
 * change times) of the file it was read from: they parse only the files
 * that changed since (by sysctr or by hand), not all of them. A row goes with
 * its container. Constant SQL with bound parameters only, like store-rows.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-sql.h"
#include "util.h"

void sysctr_summary_clear(struct sysctr_summary *r)
{
	free(r->name);
	free(r->stamp);
	free(r->autostart_group);
	free(r->autostart_ready);
	free(r->ipv4);
	free(r->net_mode);
	free(r->net_bridge);
	free(r->forwards);
	memset(r, 0, sizeof(*r));
}

void sysctr_summaries_free(struct sysctr_summary *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		sysctr_summary_clear(&rows[i]);
	free(rows);
}

static void summary_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_summary *r = p;

	r->name = store_col_text(s, 0);
	r->stamp = store_col_text(s, 1);
	r->autostart = sqlite3_column_int(s, 2) != 0;
	r->autostart_order = sqlite3_column_int(s, 3);
	r->autostart_group = store_col_text(s, 4);
	r->autostart_ready = store_col_text(s, 5);
	r->autostart_timeout = sqlite3_column_int(s, 6);
	r->memory = sqlite3_column_int64(s, 7);
	r->privileged = sqlite3_column_int(s, 8) != 0;
	r->ipv4 = store_col_text(s, 9);
	r->net_mode = store_col_text(s, 10);
	r->net_bridge = store_col_text(s, 11);
	r->forwards = store_col_text(s, 12);
	if (r->forwards == NULL)
		r->forwards = xstrdup("");
}

static void summary_clear_v(void *p)
{
	sysctr_summary_clear(p);
}

int sysctr_store_summary_list(struct sysctr_store *st,
			      struct sysctr_summary **out, size_t *n,
			      struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;

	s = store_prepare(st->db,
			  "SELECT c.name, m.stamp, m.autostart, m.ord, m.grp, "
			  "m.ready, m.timeout, m.memory, m.privileged, m.ipv4, "
			  "m.net_mode, m.net_bridge, m.forwards "
			  "FROM conf_summary m "
			  "JOIN containers c ON c.id = m.container_id "
			  "ORDER BY c.name",
			  err);
	if (s == NULL)
		return -1;
	if (store_fetch_all(st->db, s, sizeof(struct sysctr_summary),
			    summary_read, summary_clear_v, &rows, n, err) < 0)
		return -1;
	*out = rows;
	return 0;
}

int sysctr_store_summary_put(struct sysctr_store *st,
			     const struct sysctr_summary *r,
			     struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(
	    st->db,
	    "INSERT OR REPLACE INTO conf_summary (container_id, stamp, "
	    "autostart, ord, grp, ready, timeout, memory, privileged, ipv4, "
	    "net_mode, net_bridge, forwards) SELECT id, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11, ?12, ?13 FROM containers WHERE name = ?1",
	    err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, r->name) != SQLITE_OK ||
	    store_bind_text(s, 2, r->stamp) != SQLITE_OK ||
	    store_bind_int(s, 3, r->autostart) != SQLITE_OK ||
	    store_bind_int(s, 4, r->autostart_order) != SQLITE_OK ||
	    store_bind_text(s, 5, r->autostart_group) != SQLITE_OK ||
	    store_bind_text(s, 6, r->autostart_ready) != SQLITE_OK ||
	    store_bind_int(s, 7, r->autostart_timeout) != SQLITE_OK ||
	    store_bind_int(s, 8, r->memory) != SQLITE_OK ||
	    store_bind_int(s, 9, r->privileged) != SQLITE_OK ||
	    store_bind_text(s, 10, r->ipv4) != SQLITE_OK ||
	    store_bind_text(s, 11, r->net_mode) != SQLITE_OK ||
	    store_bind_text(s, 12, r->net_bridge) != SQLITE_OK ||
	    store_bind_text(s, 13, r->forwards) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	return store_step_done(st->db, s, err);
}
