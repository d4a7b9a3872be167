/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Part of the container module (container.h): a running container's
 * cgroup, written (limits changed live) and read (usage, limits as the
 * kernel has them). */
#ifndef SYSCTR_CONTAINER_CGROUP_H
#define SYSCTR_CONTAINER_CGROUP_H

#include <stdint.h>

#include "cgroup-limits.h"
#include "context.h"
#include "error.h"

/* Write items to the running container's cgroup, in order; an item the
 * kernel refuses because of another's old value (v1's memory below
 * memsw) is tried again after the rest. When one still fails, the items
 * written are put back to undo (the values before, same keys and order;
 * may be NULL) and the error names the container.conf key. */
int sysctr_ct_cgroup_write(struct sysctr *s, const char *name,
			   const struct sysctr_cg_items *items,
			   const struct sysctr_cg_items *undo,
			   struct sysctr_error **err);

/* What the kernel counts of a running container; -1 where it cannot
 * tell. */
struct sysctr_ct_usage {
	int64_t memory;		   /* bytes in use */
	int64_t memory_limit;	   /* bytes; 0: no limit */
	int64_t cpu_ns;		   /* CPU time used */
	int64_t pids;		   /* tasks */
	int64_t pids_limit;	   /* 0: no limit */
	int64_t io_read, io_write; /* bytes */
};

/* The usage of the running container name; all -1 when it is not. */
void sysctr_ct_usage_read(struct sysctr *s, const char *name,
			  struct sysctr_ct_usage *out);

#endif
