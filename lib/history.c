/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <assert.h>
#include <string.h>

#include "alloc.h"
#include "context.h"
#include "error.h"
#include "history.h"
#include "log.h"
#include "macro.h"
#include "names.h"

void sysctr_ct_record(struct sysctr *s, const char *name, const char *action,
		      const char *state, const struct sysctr_error *e,
		      const char *detail)
{
	struct sysctr_error *werr = NULL;
	int ret;

	if (s->store == NULL)
		return;
	/* The registry was busy a moment ago: recording that would wait as
	 * long again, only to fail with a second line. The error says it. */
	if (e != NULL && e->kind == SYSCTR_E_BUSY &&
	    sysctr_store_busy(s->store))
		return;
	if (sysctr_store_begin(s->store, &werr) < 0) {
		sysctr_log_warn_error(werr, "record history");
		return;
	}
	ret = 0;
	if (state != NULL && e == NULL)
		ret = sysctr_store_ct_set_state(s->store, name, state, &werr);
	if (ret == 0)
		ret = sysctr_store_history_add(s->store, name, action,
					       e ? "failed" : "ok",
					       e ? e->msg : detail, &werr);
	if (ret == 0)
		ret = sysctr_store_commit(s->store, &werr);
	if (ret < 0) {
		sysctr_store_rollback(s->store);
		sysctr_log_warn_error(werr, "record history");
	}
	log_debug("%s: recorded %s", name, action);
}

int sysctr_ct_record_in_tx(struct sysctr *s, const char *name,
			   const char *action, const char *detail,
			   struct sysctr_error **err)
{
	/* Outside a transaction the row would land on its own, before the
	 * change it records: a caller's bug. */
	assert(sysctr_store_in_tx(s->store));
	return sysctr_store_history_add(s->store, name, action, "ok", detail,
					err);
}

SYSCTR_PUBLIC void sysctr_history_free_array(struct sysctr_history_entry *e,
					     size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++) {
		free(e[i].container);
		free(e[i].action);
		free(e[i].outcome);
		free(e[i].detail);
		free(e[i].user);
		free(e[i].sudo_user);
	}
	free(e);
}

SYSCTR_PUBLIC int sysctr_history_find(struct sysctr *s, const char *name,
				      size_t limit, int64_t since,
				      const char *action,
				      struct sysctr_history_entry **out,
				      size_t *n, struct sysctr_error **err)
{
	struct sysctr_store_history_filter f = { .container = name,
						 .limit = limit,
						 .since = since,
						 .action = action };
	struct sysctr_history_row *rows = NULL;
	struct sysctr_history_entry *e;
	size_t count = 0;

	if (name != NULL && sysctr_name_check(name, err) < 0)
		return -1;
	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_history_find(s->store, &f, &rows, &count, err) < 0)
		return -1;
	e = xcalloc(count ? count : 1, sizeof(*e));
	for (size_t i = 0; i < count; i++) {
		e[i].id = rows[i].id;
		e[i].time = rows[i].time;
		e[i].container = steal_ptr(&rows[i].container);
		e[i].action = steal_ptr(&rows[i].action);
		e[i].outcome = steal_ptr(&rows[i].outcome);
		e[i].detail = steal_ptr(&rows[i].detail);
		e[i].uid = rows[i].uid;
		e[i].user = steal_ptr(&rows[i].user);
		e[i].sudo_user = steal_ptr(&rows[i].sudo_user);
	}
	sysctr_history_rows_free(rows, count);
	*out = e;
	*n = count;
	return 0;
}

SYSCTR_PUBLIC int sysctr_history_list(struct sysctr *s, const char *name,
				      size_t limit,
				      struct sysctr_history_entry **out,
				      size_t *n, struct sysctr_error **err)
{
	return sysctr_history_find(s, name, limit, 0, NULL, out, n, err);
}
