/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* autostart: the plan of every registered container's autostart section
 * (lib/autostart-plan.c does the ordering). */
#include "config.h"

#include <string.h>

#include "autostart-plan.h"
#include "autostart.h"
#include "conf.h"
#include "container.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* What the kill of a container takes at worst, after its clean stop's
 * timeout ran out at host shutdown. A planned container's stop timeout is
 * its autostart.timeout (DESIGN.md: "also its stop timeout at
 * shutdown"); one the plan does not start gets timeouts.stop. */
#define KILL_GRACE_S 5

SYSCTR_PUBLIC void sysctr_autostart_plan_clear(struct sysctr_autostart_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].name);
		strv_free(p->items[i].after);
		free(p->items[i].ready);
		free(p->items[i].group);
	}
	free(p->items);
	memset(p, 0, sizeof(*p));
}

/* Every registered container's autostart settings, configs[i] holding
 * the strings entries[i] borrows. */
static int read_all(struct sysctr *s, struct sysctr_ct_config ***configs,
		    struct sysctr_as_entry **entries, size_t *n,
		    struct sysctr_error **err)
{
	struct sysctr_ct_row *rows = NULL;
	size_t nrows = 0;

	if (sysctr_store_ct_list(s->store, &rows, &nrows, err) < 0)
		return -1;
	*configs = xcalloc(nrows + 1, sizeof(**configs));
	*entries = xcalloc(nrows + 1, sizeof(**entries));
	*n = nrows;
	for (size_t i = 0; i < nrows; i++) {
		cleanup_free char *path = sysctr_ct_conf_path(s, rows[i].name);
		struct sysctr_ct_config *c = NULL;
		struct sysctr_as_entry *e = &(*entries)[i];

		if (sysctr_ct_config_load(path, &c, err) < 0) {
			sysctr_err_prefix(err, "%s", rows[i].name);
			sysctr_ct_rows_free(rows, nrows);
			return -1;
		}
		(*configs)[i] = c;
		/* the name is the registry's (a config does not name itself) */
		e->name = steal_ptr(&rows[i].name);
		e->enabled = c->autostart.enabled;
		e->order = c->autostart.order;
		e->delay = c->autostart.delay;
		e->after = c->autostart.after;
		e->ready = c->autostart.ready;
		e->timeout = c->autostart.timeout;
		e->group = c->autostart.group ? c->autostart.group : "";
	}
	sysctr_ct_rows_free(rows, nrows);
	return 0;
}

SYSCTR_PUBLIC int sysctr_autostart_plan(struct sysctr *s, const char *group,
					struct sysctr_autostart_plan *out,
					struct sysctr_error **err)
{
	struct sysctr_ct_config **configs = NULL;
	struct sysctr_as_entry *e = NULL;
	struct sysctr_as_plan p = { 0 };
	size_t n = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (sysctr_need_store(s, err) < 0 ||
	    read_all(s, &configs, &e, &n, err) < 0 ||
	    sysctr_as_plan_make(e, n, group, KILL_GRACE_S, &p, err) < 0)
		goto out;
	out->items = xcalloc(n + 1, sizeof(*out->items));
	for (size_t l = 0; l < p.nlevels; l++)
		for (size_t k = 0; k < p.level_len[l]; k++) {
			const struct sysctr_as_entry *x = &e[p.levels[l][k]];
			struct sysctr_autostart_item *it =
			    &out->items[out->n++];

			it->name = xstrdup(x->name);
			it->level = (int)l + 1;
			it->order = x->order;
			it->delay = x->delay;
			it->after = xcalloc(1, sizeof(char *));
			for (size_t a = 0; x->after && x->after[a]; a++)
				strv_push(&it->after, x->after[a]);
			it->ready = xstrdup(x->ready ? x->ready : "started");
			it->timeout = x->timeout;
			it->group = xstrdup(x->group);
		}
	out->nlevels = (int)p.nlevels;
	out->boot_worst_s = p.boot_worst_s;
	out->shutdown_worst_s = p.shutdown_worst_s;
	out->stop_s = s->cfg->timeouts.stop + KILL_GRACE_S;
	ret = 0;
out:
	sysctr_as_plan_free(&p);
	for (size_t i = 0; i < n; i++) {
		free((char *)e[i].name);
		sysctr_ct_config_free(configs[i]);
	}
	free(configs);
	free(e);
	return ret;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool sysctr_autostart_same(const struct sysctr_ct_config *a,
			   const struct sysctr_ct_config *b)
{
	size_t n = strv_length(a->autostart.after);

	if (a->autostart.enabled != b->autostart.enabled ||
	    a->autostart.order != b->autostart.order ||
	    a->autostart.delay != b->autostart.delay ||
	    a->autostart.timeout != b->autostart.timeout ||
	    !str_eq(a->autostart.ready, b->autostart.ready) ||
	    !str_eq(a->autostart.group, b->autostart.group) ||
	    n != strv_length(b->autostart.after))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->autostart.after[i], b->autostart.after[i]) != 0)
			return false;
	return true;
}

int sysctr_autostart_check(struct sysctr *s, const char *name,
			   const struct sysctr_ct_config *c,
			   struct sysctr_error **err)
{
	struct sysctr_ct_config **configs = NULL;
	struct sysctr_as_entry *e = NULL;
	struct sysctr_as_plan p = { 0 };
	cleanup_error struct sysctr_error *before = NULL;
	struct sysctr_error *after = NULL;
	size_t n = 0;
	int ret = 0;

	if (sysctr_need_store(s, err) < 0)
		return -1;
	/* another container's config that does not parse (edited by hand)
	 * is its own error, not this change's */
	if (read_all(s, &configs, &e, &n, &before) < 0) {
		log_warn("cannot check the boot plan: %s", before->msg);
		goto out;
	}
	if (sysctr_as_plan_make(e, n, NULL, KILL_GRACE_S, &p, &before) == 0)
		sysctr_as_plan_free(&p);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].name, name) != 0)
			continue;
		e[i].enabled = c->autostart.enabled;
		e[i].order = c->autostart.order;
		e[i].delay = c->autostart.delay;
		e[i].after = c->autostart.after;
		e[i].ready = c->autostart.ready;
		e[i].timeout = c->autostart.timeout;
		e[i].group = c->autostart.group ? c->autostart.group : "";
	}
	if (sysctr_as_plan_make(e, n, NULL, KILL_GRACE_S, &p, &after) == 0) {
		sysctr_as_plan_free(&p);
	} else if (before == NULL) {
		sysctr_err_pass(err, &after);
		sysctr_err_prefix(err, "the boot plan would break");
		ret = -1;
	} else {
		log_warn("the boot plan is not whole: %s", after->msg);
		sysctr_error_free(after);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free((char *)e[i].name);
		sysctr_ct_config_free(configs[i]);
	}
	free(configs);
	free(e);
	return ret;
}
