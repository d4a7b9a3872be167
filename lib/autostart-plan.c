/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The autostart plan: Kahn's topological sort in levels, each level the
 * containers whose `after` are all placed and whose order is the lowest
 * among those. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "autostart-plan.h"
#include "error.h"
#include "macro.h"

void sysctr_as_plan_free(struct sysctr_as_plan *p)
{
	for (size_t i = 0; i < p->nlevels; i++)
		free(p->levels[i]);
	free(p->levels);
	free(p->level_len);
	memset(p, 0, sizeof(*p));
}

static bool in_plan(const struct sysctr_as_entry *e, const char *group)
{
	return e->enabled && (group == NULL || strcmp(e->group, group) == 0);
}

static size_t find(const struct sysctr_as_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return i;
	return n;
}

/* Every `after` of a planned container names a planned one. */
static int check_edges(const struct sysctr_as_entry *e, size_t n,
		       const char *group, struct sysctr_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!in_plan(&e[i], group))
			continue;
		for (size_t k = 0; e[i].after && e[i].after[k]; k++) {
			size_t j = find(e, n, e[i].after[k]);

			if (strcmp(e[i].after[k], e[i].name) == 0)
				return sysctr_err(err, SYSCTR_E_USAGE, 0,
						  "%s: autostart.after names "
						  "itself",
						  e[i].name);
			if (j == n)
				return sysctr_err(err, SYSCTR_E_USAGE, 0,
						  "%s: autostart.after names "
						  "%s, which does not exist",
						  e[i].name, e[i].after[k]);
			if (!e[j].enabled)
				return sysctr_err(err, SYSCTR_E_USAGE, 0,
						  "%s: autostart.after names "
						  "%s, which does not start "
						  "at boot (autostart.enabled "
						  "is false)",
						  e[i].name, e[i].after[k]);
			if (group != NULL && !in_plan(&e[j], group))
				return sysctr_err(err, SYSCTR_E_USAGE, 0,
						  "%s: autostart.after names "
						  "%s, which is not in group "
						  "%s",
						  e[i].name, e[i].after[k],
						  group);
		}
	}
	return 0;
}

/* A cycle among the unplaced containers, as "a -> b -> a": follow an
 * unplaced `after` from one of them until a name repeats. */
static char *cycle_text(const struct sysctr_as_entry *e, size_t n,
			const bool *placed, size_t start)
{
	size_t *path = xcalloc(n + 1, sizeof(*path));
	size_t len = 0, cur = start, from = 0;
	char *text = NULL;

	for (;;) {
		size_t next = n;

		for (size_t k = 0; k < len; k++)
			if (path[k] == cur) {
				from = k;
				goto found;
			}
		path[len++] = cur;
		for (size_t k = 0; e[cur].after && e[cur].after[k]; k++) {
			size_t j = find(e, n, e[cur].after[k]);

			if (j < n && !placed[j]) {
				next = j;
				break;
			}
		}
		if (next == n || len > n)
			break; /* cannot happen: every unplaced one waits */
		cur = next;
	}
	free(path);
	return xstrdup(e[start].name);
found:
	/* path[from..len-1] then back to path[from]; printed as "started
	 * after" reads: a waits for b, b waits for a */
	text = xstrdup(e[path[from]].name);
	for (size_t k = from + 1; k <= len; k++) {
		char *t = xasprintf("%s -> %s", text,
				    e[path[k < len ? k : from]].name);

		free(text);
		text = t;
	}
	free(path);
	return text;
}

static bool ready_to_place(const struct sysctr_as_entry *e, size_t n,
			   const bool *placed, size_t i)
{
	for (size_t k = 0; e[i].after && e[i].after[k]; k++)
		if (!placed[find(e, n, e[i].after[k])])
			return false;
	return true;
}

int sysctr_as_plan_make(const struct sysctr_as_entry *e, size_t n,
			const char *group, int kill_s,
			struct sysctr_as_plan *out, struct sysctr_error **err)
{
	cleanup_free bool *placed = xcalloc(n + 1, sizeof(*placed));
	cleanup_free bool *now = xcalloc(n + 1, sizeof(*now));
	size_t left = 0;

	memset(out, 0, sizeof(*out));
	if (check_edges(e, n, group, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (in_plan(&e[i], group))
			left++;
		else
			placed[i] =
			    true; /* not in the plan: never waited for */
	}
	while (left > 0) {
		bool any = false;
		int low = 0, wait = 0, delay = 0;
		size_t cnt = 0, *lv;

		for (size_t i = 0; i < n; i++) {
			now[i] = false;
			if (placed[i] || !ready_to_place(e, n, placed, i))
				continue;
			if (!any || e[i].order < low)
				low = e[i].order;
			any = true;
		}
		if (!any) {
			size_t first = 0;
			cleanup_free char *cyc = NULL;

			while (placed[first])
				first++;
			cyc = cycle_text(e, n, placed, first);
			sysctr_as_plan_free(out);
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "a cycle in autostart.after: %s "
					  "(each starts after the next)",
					  cyc);
		}
		for (size_t i = 0; i < n; i++)
			if (!placed[i] && e[i].order == low &&
			    ready_to_place(e, n, placed, i)) {
				now[i] = true;
				cnt++;
			}
		lv = xcalloc(cnt, sizeof(*lv));
		cnt = 0;
		for (size_t i = 0; i < n; i++) {
			if (!now[i])
				continue;
			lv[cnt++] = i;
			placed[i] = true;
			left--;
			if (e[i].timeout > wait)
				wait = e[i].timeout;
			if (e[i].delay > delay)
				delay = e[i].delay;
		}
		out->levels = xrealloc(out->levels, (out->nlevels + 1) *
							sizeof(*out->levels));
		out->level_len =
		    xrealloc(out->level_len,
			     (out->nlevels + 1) * sizeof(*out->level_len));
		out->levels[out->nlevels] = lv;
		out->level_len[out->nlevels] = cnt;
		out->nlevels++;
		out->boot_worst_s += wait + delay;
		/* at shutdown the level's containers stop together, each
		 * within its timeout, then the kill */
		out->shutdown_worst_s += wait + kill_s;
	}
	return 0;
}
