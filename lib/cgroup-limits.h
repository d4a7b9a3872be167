/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.conf's resources { } as cgroup files: one translation for the
 * generated liblxc config (at start) and for a running container (config
 * set), on cgroup v1 and v2 hosts alike. Pure but for the host probe, so
 * it is unit tested without a cgroup. */
#ifndef SYSCTR_CGROUP_LIMITS_H
#define SYSCTR_CGROUP_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* What the host's cgroups offer. */
struct sysctr_cg_host {
	bool cgroup2;	 /* the controllers are on the unified hierarchy */
	bool swap;	 /* the kernel accounts swap (memsw, memory.swap.max) */
	char io_key[24]; /* the block controller's weight file, "" none */
	char *cpus_all;	 /* the online CPUs ("0-1"): what lifts a cpuset */
};

/* Read /sys. Free with sysctr_cg_host_clear(). */
void sysctr_cg_host_probe(struct sysctr_cg_host *h);
void sysctr_cg_host_clear(struct sysctr_cg_host *h);
#define cleanup_cg_host __attribute__((cleanup(sysctr_cg_host_clear)))

#define SYSCTR_CG_ITEMS_MAX 10

/* Cgroup files (their names under the controller, "memory.max") and the
 * values to write, in the order they are written. */
struct sysctr_cg_items {
	size_t n;
	struct sysctr_cg_item {
		const char *key;
		char *value;
		const char *conf_key; /* what sets it: "resources.memory" */
	} item[SYSCTR_CG_ITEMS_MAX];
};

/* The files that enforce r on host h. Without lift, only the limits r
 * sets (for a start: the rest stays the host's default); with lift, also
 * the host default for each limit r does not set, so writing them to a
 * running container lifts a limit removed from container.conf. */
void sysctr_cg_items_of(const struct sysctr_resources *r,
			const struct sysctr_cg_host *h, bool lift,
			struct sysctr_cg_items *out);
void sysctr_cg_items_clear(struct sysctr_cg_items *items);

/* The memory a cgroup holds that the kernel cannot simply drop: its
 * usage less the inactive file cache its memory.stat counts
 * ("total_inactive_file" on v1, "inactive_file" on v2), the working set
 * docker stats and the kubelet show. usage when stat has no such line. */
int64_t sysctr_cg_working_set(int64_t usage, const char *stat, bool v2);

/* The cgroup path of a process in one hierarchy of its /proc/PID/cgroup
 * text cgroups (v1: the line whose controllers hold ctl; v2, ctl NULL:
 * "0::"), cut after the component payload (liblxc's "lxc.payload.NAME";
 * systemd inside moves its init below it, into init.scope); NULL when
 * the process is not below payload there. */
char *sysctr_cg_payload_path(const char *cgroups, const char *ctl,
			     const char *payload);

/* What of r this host cannot enforce, as the text of an error
 * (*fatal: the container would run without a limit it asks for) or a
 * warning (a priority the host ignores); NULL when all holds. */
const char *sysctr_cg_unsupported(const struct sysctr_resources *r,
				  const struct sysctr_cg_host *h, bool *fatal);

#endif
