/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the kernel says of a container, read through liblxc without
 * changing anything: is it running, its state, init pid, memory use and
 * address. list and info use these; the lifecycle (container.c) too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "container-lxc.h"
#include "cgroup-limits.h"
#include "container-live.h"
#include "error.h"
#include "macro.h"
#include "util.h"

/* No lxc_log_init(): with a log file liblxc 5.0 also copies every error to
 * stderr, quiet or not. Without it, liblxc logs only to each container's
 * lxc.log.file (set in the generated config), and the user sees our one
 * line, which names that file. */

struct lxc_container *sysctr_ct_handle(struct sysctr *s, const char *name,
				       struct sysctr_error **err)
{
	struct lxc_container *c;

	c = lxc_container_new(name, s->containers_dir);
	if (c == NULL)
		sysctr_err(err, SYSCTR_E_FAILED, 0,
			   "liblxc cannot load the container");
	return c;
}

/* From the command sockets liblxc's monitors listen on, without loading
 * any container's config (which may be stale or broken before a start). */
char **sysctr_ct_active_names(struct sysctr *s)
{
	char **names = NULL;
	char **out = xcalloc(1, sizeof(char *));
	int n = list_active_containers(s->containers_dir, &names, NULL);

	for (int i = 0; i < n; i++) {
		strv_push(&out, names[i]);
		free(names[i]);
	}
	free(names);
	return out;
}

bool sysctr_ct_is_active(struct sysctr *s, const char *name)
{
	cleanup_strv char **names = sysctr_ct_active_names(s);

	return strv_contains(names, name);
}

void sysctr_ct_live_clear(struct sysctr_ct_live *live)
{
	free(live->state);
	free(live->ipv4);
	memset(live, 0, sizeof(*live));
}

bool sysctr_ct_cgroup_text(struct lxc_container *c, const char *key, char *buf,
			   size_t size)
{
	int n = c->get_cgroup_item(c, key, buf, size);

	if (n <= 0 || (size_t)n >= size)
		return false;
	buf[n] = '\0';
	return true;
}

int64_t sysctr_ct_memory_used(struct lxc_container *c)
{
	char buf[8192];
	bool v2 = sysctr_ct_cgroup_text(c, "memory.current", buf, sizeof(buf));
	int64_t usage;

	if (!v2 && !sysctr_ct_cgroup_text(c, "memory.usage_in_bytes", buf,
					  sizeof(buf)))
		return -1;
	usage = strtoll(buf, NULL, 10);
	if (sysctr_ct_cgroup_text(c, "memory.stat", buf, sizeof(buf)))
		usage = sysctr_cg_working_set(usage, buf, v2);
	return usage;
}

void sysctr_ct_live_read(struct sysctr *s, const char *name, unsigned what,
			 struct sysctr_ct_live *out)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, NULL);
	const char *state;

	memset(out, 0, sizeof(*out));
	if (c == NULL) {
		out->state = xstrdup("UNKNOWN");
		return;
	}
	state = c->state(c);
	out->state = xstrdup(state ? state : "UNKNOWN");
	if (strcmp(out->state, "STOPPED") != 0) {
		out->pid = c->init_pid(c);
		if (out->pid < 0)
			out->pid = 0;
	}
	if (strcmp(out->state, "RUNNING") != 0)
		return;
	if (what & SYSCTR_LIVE_MEMORY) {
		int64_t used = sysctr_ct_memory_used(c);

		out->memory_usage = used > 0 ? used : 0;
	}
	if (what & SYSCTR_LIVE_IPV4) {
		cleanup_strv char **ips = c->get_ips(c, "eth0", "inet", 0);

		if (ips != NULL && ips[0] != NULL)
			out->ipv4 = xstrdup(ips[0]);
	}
}

static int64_t file_int(const char *path)
{
	cleanup_free char *t = NULL;

	if (read_file(path, &t, NULL, NULL) < 0)
		return 0;
	return strtoll(t, NULL, 10);
}

bool sysctr_ct_live_quick(const char *name, pid_t pid, unsigned what,
			  struct sysctr_ct_live *out)
{
	cleanup_free char *cg = NULL, *status = NULL, *path = NULL;
	cleanup_free char *payload = xasprintf("lxc.payload.%s", name);
	cleanup_free char *file = NULL, *frozen = NULL;
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	const char *ns;
	char proc[64];

	if (pid <= 1 || (what & ~(unsigned)SYSCTR_LIVE_MEMORY) != 0)
		return false;
	/* the init of a pid namespace: NSpid ends in 1 */
	snprintf(proc, sizeof(proc), "/proc/%d/status", (int)pid);
	if (read_file(proc, &status, NULL, NULL) < 0)
		return false;
	ns = strstr(status, "\nNSpid:");
	if (ns == NULL)
		return false;
	ns = strchr(ns + 1, '\n');
	if (ns == NULL || ns[-1] != '1' || !(ns[-2] == '\t' || ns[-2] == ' '))
		return false;
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	if (read_file(proc, &cg, NULL, NULL) < 0)
		return false;
	path = sysctr_cg_payload_path(cg, v2 ? NULL : "memory", payload);
	if (path == NULL)
		return false;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (v2) {
		file = xasprintf("/sys/fs/cgroup%s/cgroup.freeze", path);
		out->state =
		    xstrdup(file_int(file) == 1 ? "FROZEN" : "RUNNING");
	} else {
		cleanup_free char *fpath =
		    sysctr_cg_payload_path(cg, "freezer", payload);

		file = fpath
			   ? xasprintf("/sys/fs/cgroup/freezer%s/freezer.state",
				       fpath)
			   : NULL;
		if (file != NULL && read_file(file, &frozen, NULL, NULL) == 0 &&
		    str_starts_with(frozen, "FROZEN"))
			out->state = xstrdup("FROZEN");
		else
			out->state = xstrdup("RUNNING");
	}
	if (what & SYSCTR_LIVE_MEMORY) {
		cleanup_free char *dir =
		    v2 ? xasprintf("/sys/fs/cgroup%s", path)
		       : xasprintf("/sys/fs/cgroup/memory%s", path);
		cleanup_free char *m =
		    xasprintf("%s/%s", dir,
			      v2 ? "memory.current" : "memory.usage_in_bytes");
		cleanup_free char *st = xasprintf("%s/memory.stat", dir);
		cleanup_free char *stat = NULL;

		out->memory_usage = file_int(m);
		if (read_file(st, &stat, NULL, NULL) == 0)
			out->memory_usage =
			    sysctr_cg_working_set(out->memory_usage, stat, v2);
	}
	return true;
}

void sysctr_ct_proc_facts(pid_t pid, struct sysctr_ct_proc *out)
{
	char path[64];
	cleanup_free char *stat = NULL, *up = NULL, *map = NULL;
	cleanup_free char *mounts = NULL;
	unsigned long inside = 1, outside = 1, count = 0;
	unsigned long long start = 0;
	int64_t *uptime_s = &out->uptime_s;
	bool *host_ids = &out->host_ids;
	const char *p;

	*uptime_s = -1;
	*host_ids = false;
	out->lxcfs = false;
	if (pid <= 1)
		return;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	if (read_file(path, &mounts, NULL, NULL) == 0)
		out->lxcfs = strstr(mounts, " - fuse.lxcfs ") != NULL;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (read_file(path, &map, NULL, NULL) == 0 &&
	    sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3)
		*host_ids =
		    inside == 0 && outside == 0 && count == 4294967295UL;
	/* field 22, starttime, in clock ticks after boot; after the comm
	 * field, which may hold blanks and parentheses */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, &stat, NULL, NULL) < 0 ||
	    read_file("/proc/uptime", &up, NULL, NULL) < 0)
		return;
	p = strrchr(stat, ')');
	for (int field = 2; p != NULL && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", &start) != 1)
		return;
	*uptime_s = (int64_t)(strtod(up, NULL) -
			      (double)start / (double)sysconf(_SC_CLK_TCK));
	if (*uptime_s < 0)
		*uptime_s = 0;
}

SYSCTR_PUBLIC const char *sysctr_lxc_version(void)
{
	return lxc_get_version();
}
