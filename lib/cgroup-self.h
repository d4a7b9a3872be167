/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr's own cgroups, kept across a daemonized start.
 *
 * liblxc's daemonized start moves the calling process too into the new
 * monitor's cgroup (lxc.monitor.NAME, in every hierarchy: name=systemd
 * and the unified one included). lxc-start exits right after, but sysctr
 * may live on (start --wait, autostart --boot, a systemd service): the
 * monitor then cannot remove its cgroup when the container stops (it is
 * not empty), one is left behind per stop, and a sysctr run by a systemd
 * unit has left its unit's cgroup. So the start remembers where it was
 * and goes back. */
#ifndef SYSCTR_CGROUP_SELF_H
#define SYSCTR_CGROUP_SELF_H

#include <stdbool.h>
#include <stddef.h>

/* A cgroup hierarchy mounted: where, the cgroup its root is (a subtree's
 * mount shows that one), its super options (v1's controllers). */
struct sysctr_cg_mount {
	char *point, *root, *super;
	bool unified; /* cgroup2 */
};
/* The cgroup and cgroup2 mounts in mountinfo text (may be NULL), in its
 * order; *n of them. Pure. */
struct sysctr_cg_mount *sysctr_cg_mounts(const char *mountinfo, size_t *n);
void sysctr_cg_mounts_free(struct sysctr_cg_mount *m, size_t n);

/* The cgroup.procs file of each cgroup that proc_cgroup (the text of
 * /proc/PID/cgroup) names, found through mountinfo (the text of
 * /proc/PID/mountinfo): a v1 line's controllers on the cgroup mount that
 * has all of them, "0::" on the cgroup2 mount. A hierarchy with no mount,
 * or a cgroup outside its mount's root, is left out. NULL-terminated,
 * never NULL. Pure. */
char **sysctr_cg_procs_files(const char *proc_cgroup, const char *mountinfo);

/* The cgroup.procs files of this process's cgroups now (never NULL). */
char **sysctr_cg_self_save(void);
/* Move this process back into the cgroups saved; what fails is logged. */
void sysctr_cg_self_restore(char *const *procs);

#endif
