/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr doctor`: checks of the host (doctor-host.c) and of the registry
 * and the files it names (doctor.c), each one line of a report, some of
 * them repaired with --fix. What decides a check's status from what was
 * read (and the parsing of mountinfo) is pure, in doctor-rules.c, and
 * unit tested. */
#ifndef SYSCTR_DOCTOR_H
#define SYSCTR_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"

/* One run: what it was asked and the report it fills. */
struct doctor {
	struct sysctr *s;
	bool fix;
	struct sysctr_doctor_report *r;
	bool store_ok; /* the registry is open */
};

/* Append a check to the report; hint may be NULL (nothing to do). */
void sysctr_doctor_add(struct sysctr_doctor_report *r, const char *name,
		       enum sysctr_doctor_status st, const char *hint,
		       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The host's checks (doctor-host.c), in the report's order. */
void sysctr_doctor_userns(struct doctor *d);
void sysctr_doctor_subid(struct doctor *d);
void sysctr_doctor_cgroup(struct doctor *d);
void sysctr_doctor_overlay(struct doctor *d);
void sysctr_doctor_liblxc(struct doctor *d);
void sysctr_doctor_paths(struct doctor *d);
void sysctr_doctor_apparmor(struct doctor *d);
void sysctr_doctor_network(struct doctor *d);
void sysctr_doctor_space(struct doctor *d);
void sysctr_doctor_inotify(struct doctor *d);

/* ---- pure rules (doctor-rules.c) ---------------------------------------- */

/* Below this many inotify instances per user, systemd in unprivileged
 * containers (which share one host uid range) runs out around the 15th
 * container at the kernel's default of 128. */
#define SYSCTR_DOCTOR_INOTIFY_MIN 1024
/* Free space for images and containers. */
#define SYSCTR_DOCTOR_SPACE_WARN (2LL << 30)
#define SYSCTR_DOCTOR_SPACE_FAIL (512LL << 20)

enum sysctr_doctor_status sysctr_doctor_inotify_status(long instances);
enum sysctr_doctor_status sysctr_doctor_space_status(uint64_t avail);
/* "1.5 GiB" */
void sysctr_doctor_bytes(uint64_t b, char *buf, size_t len);

enum sysctr_doctor_cg_layout {
	SYSCTR_DOCTOR_CG_NONE = 0, /* no cgroup hierarchy mounted */
	SYSCTR_DOCTOR_CG_V1,	   /* v1 controllers only */
	SYSCTR_DOCTOR_CG_HYBRID,   /* v1 controllers, and a cgroup2 mount */
	SYSCTR_DOCTOR_CG_V2,	   /* the controllers on cgroup2 */
};

/* A controller sysctr's resources {} need, by its name on cgroup v1 and
 * v2, and the container.conf keys it enforces. */
struct sysctr_doctor_ctl {
	const char *v1, *v2, *keys;
};
const struct sysctr_doctor_ctl *sysctr_doctor_ctls(size_t *n);

/* The cgroup layout of a host from its mountinfo text and whether its
 * controllers are on cgroup2 (sysctr_cg_host_probe()'s cgroup2, with
 * v2_controllers the text of its cgroup.controllers, may be NULL); bit i
 * of *have is set when sysctr_doctor_ctls()[i] is there. */
enum sysctr_doctor_cg_layout sysctr_doctor_cgroups(const char *mountinfo,
						   bool cgroup2,
						   const char *v2_controllers,
						   unsigned *have);

/* The mount points in mountinfo text strictly below one of dirs (real
 * paths), but those below containers_dir/NAME for a NAME in running:
 * deepest first, and of one depth the later mounted first, the order in
 * which they can be detached. NULL-terminated, never NULL. */
char **sysctr_doctor_stale_mounts(const char *mountinfo, char *const *dirs,
				  const char *containers_dir,
				  char *const *running);

/* The mount points of the whole cgroup hierarchies in mountinfo text (v1
 * and cgroup2; a mount of a subtree is left out). NULL-terminated, never
 * NULL. */
char **sysctr_doctor_cgroup_roots(const char *mountinfo);
/* Is entry, a directory at the top of a cgroup hierarchy, liblxc's cgroup
 * (lxc.monitor.NAME or lxc.payload.NAME) of a registered container that
 * is not running: one its monitor could not remove at the stop? */
bool sysctr_doctor_cgroup_stale(const char *entry, char *const *registered,
				char *const *running);

#endif
