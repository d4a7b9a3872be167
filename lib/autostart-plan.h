/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The autostart plan (lib/autostart-plan.c): which containers start in
 * which level at boot, from their container.conf autostart sections.
 * Pure logic: no registry, no liblxc, so the unit tests drive it. */
#ifndef SYSCTR_AUTOSTART_PLAN_H
#define SYSCTR_AUTOSTART_PLAN_H
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One container's autostart settings (the strings are borrowed). */
struct sysctr_as_entry {
	const char *name;
	bool enabled;
	int order; /* lower first */
	int delay; /* seconds to wait after it, before the next level */
	char *const *after; /* names it starts after (NULL-terminated) */
	const char *ready;  /* started | systemd | tcp:PORT | exec:CMD */
	int timeout;	    /* seconds for it to get ready */
	const char *group;  /* "" none */
};

/* Levels of indexes into the entries given; a level's containers start
 * together. */
struct sysctr_as_plan {
	size_t nlevels;
	size_t *level_len;
	size_t **levels;
	int boot_worst_s;     /* every ready check taking its whole timeout,
				 with the delays */
	int shutdown_worst_s; /* every level's slowest stop (its largest
				 timeout, then kill_s for the kill), levels
				 one after the other */
};
void sysctr_as_plan_free(struct sysctr_as_plan *p);

/* Plan the enabled entries (of group when group is not NULL): a
 * container starts once every container it is `after` is up; of the
 * containers that may start, those with the lowest order go first, all
 * of them at once. kill_s: what a kill takes at worst, after a
 * container's timeout (which is also its stop timeout at shutdown). Errors
 * (SYSCTR_E_USAGE), naming the containers: `after` naming a container
 * that is not among the entries or not enabled, a cycle in `after`. */
int sysctr_as_plan_make(const struct sysctr_as_entry *e, size_t n,
			const char *group, int kill_s,
			struct sysctr_as_plan *out, struct sysctr_error **err);
#endif
