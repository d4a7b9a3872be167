/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "context.h"
#include "error.h"
#include "names.h"
#include "util.h"

SYSCTR_PUBLIC void sysctr_history_free_array(struct sysctr_history_entry *e,
					     size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++) {
		free(e[i].container);
		free(e[i].action);
		free(e[i].outcome);
		free(e[i].detail);
	}
	free(e);
}

SYSCTR_PUBLIC int sysctr_history_list(struct sysctr *s, const char *name,
				      size_t limit,
				      struct sysctr_history_entry **out,
				      size_t *n, struct sysctr_error **err)
{
	struct sysctr_history_row *rows = NULL;
	struct sysctr_history_entry *e;
	size_t count = 0;

	if (name != NULL && sysctr_name_check(name, err) < 0)
		return -1;
	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_history_list(s->store, name, limit, &rows, &count,
				      err) < 0)
		return -1;
	e = xcalloc(count ? count : 1, sizeof(*e));
	for (size_t i = 0; i < count; i++) {
		e[i].id = rows[i].id;
		e[i].time = rows[i].time;
		e[i].container = steal_ptr(&rows[i].container);
		e[i].action = steal_ptr(&rows[i].action);
		e[i].outcome = steal_ptr(&rows[i].outcome);
		e[i].detail = steal_ptr(&rows[i].detail);
	}
	sysctr_history_rows_free(rows, count);
	*out = e;
	*n = count;
	return 0;
}
