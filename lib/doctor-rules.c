/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* doctor's pure part (doctor.h): the report, the thresholds, and what
 * mountinfo says of cgroups and of mounts left behind. Nothing here reads
 * the host. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-self.h"
#include "doctor.h"
#include "util.h"

SYSCTR_PUBLIC const char *
sysctr_doctor_status_name(enum sysctr_doctor_status st)
{
	switch (st) {
	case SYSCTR_DOCTOR_OK:
		return "ok";
	case SYSCTR_DOCTOR_WARN:
		return "warn";
	case SYSCTR_DOCTOR_FAIL:
		return "fail";
	case SYSCTR_DOCTOR_FIXED:
		return "fixed";
	}
	return "?";
}

SYSCTR_PUBLIC void sysctr_doctor_report_clear(struct sysctr_doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->checks[i].name);
		free(r->checks[i].message);
		free(r->checks[i].hint);
	}
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

void sysctr_doctor_add(struct sysctr_doctor_report *r, const char *name,
		       enum sysctr_doctor_status st, const char *hint,
		       const char *fmt, ...)
{
	struct sysctr_doctor_check *c;
	va_list ap;

	r->checks = xrealloc(r->checks, (r->n + 1) * sizeof(*r->checks));
	c = &r->checks[r->n++];
	c->name = xstrdup(name);
	c->status = st;
	va_start(ap, fmt);
	c->message = xvasprintf(fmt, ap);
	va_end(ap);
	c->hint = xstrdup_or_null(hint);
	r->count[st]++;
}

enum sysctr_doctor_status sysctr_doctor_inotify_status(long instances)
{
	return instances < SYSCTR_DOCTOR_INOTIFY_MIN ? SYSCTR_DOCTOR_WARN
						     : SYSCTR_DOCTOR_OK;
}

enum sysctr_doctor_status sysctr_doctor_space_status(uint64_t avail)
{
	if (avail < (uint64_t)SYSCTR_DOCTOR_SPACE_FAIL)
		return SYSCTR_DOCTOR_FAIL;
	if (avail < (uint64_t)SYSCTR_DOCTOR_SPACE_WARN)
		return SYSCTR_DOCTOR_WARN;
	return SYSCTR_DOCTOR_OK;
}

void sysctr_doctor_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	if (b < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)b);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* ---- mountinfo ----------------------------------------------------------- */

static const struct sysctr_doctor_ctl ctls[] = {
	{ "memory", "memory", "resources.memory, resources.memory_swap" },
	{ "cpu", "cpu", "resources.cpu_weight, resources.cpu_max" },
	{ "cpuset", "cpuset", "resources.cpus" },
	{ "pids", "pids", "resources.pids" },
	{ "blkio", "io", "resources.io_weight" },
};

const struct sysctr_doctor_ctl *sysctr_doctor_ctls(size_t *n)
{
	*n = ARRAY_SIZE(ctls);
	return ctls;
}

enum sysctr_doctor_cg_layout sysctr_doctor_cgroups(const char *mountinfo,
						   bool cgroup2,
						   const char *v2_controllers,
						   unsigned *have)
{
	cleanup_free char *text = xstrdup(mountinfo ? mountinfo : "");
	bool v1 = false, unified = false;
	char *save = NULL;

	*have = 0;
	if (cgroup2) {
		for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
			if (word_in_list(v2_controllers, ctls[i].v2, " \n"))
				*have |= 1u << i;
		return SYSCTR_DOCTOR_CG_V2;
	}
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mountinfo_line m;

		if (!mountinfo_fields(line, &m))
			continue;
		if (strcmp(m.fstype, "cgroup2") == 0) {
			unified = true;
		} else if (strcmp(m.fstype, "cgroup") == 0) {
			v1 = true;
			for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
				if (word_in_list(m.super, ctls[i].v1, ","))
					*have |= 1u << i;
		}
	}
	if (v1)
		return unified ? SYSCTR_DOCTOR_CG_HYBRID : SYSCTR_DOCTOR_CG_V1;
	/* cgroup2 somewhere, but not where sysctr looks for controllers */
	return unified ? SYSCTR_DOCTOR_CG_HYBRID : SYSCTR_DOCTOR_CG_NONE;
}

/* Is path strictly below dir? */
static bool below(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return strncmp(path, dir, len) == 0 && path[len] == '/' &&
	       path[len + 1] != '\0';
}

struct found_mount {
	char *point;
	size_t depth, order;
};

static int deepest_first(const void *a, const void *b)
{
	const struct found_mount *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->order > y->order ? -1 : 1;
}

/* Does point belong to a running container: is it below
 * containers_dir/NAME for one of running? */
static bool of_running(const char *point, const char *containers_dir,
		       char *const *running)
{
	for (size_t i = 0; running != NULL && running[i] != NULL; i++) {
		cleanup_free char *own =
		    xasprintf("%s/%s", containers_dir, running[i]);

		if (strcmp(point, own) == 0 || below(point, own))
			return true;
	}
	return false;
}

char **sysctr_doctor_stale_mounts(const char *mountinfo, char *const *dirs,
				  const char *containers_dir,
				  char *const *running)
{
	cleanup_free char *text = xstrdup(mountinfo ? mountinfo : "");
	struct found_mount *found = NULL;
	char **out = xcalloc(1, sizeof(char *));
	size_t n = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mountinfo_line m;
		char *point;
		bool mine = false;

		if (!mountinfo_fields(line, &m))
			continue;
		point = m.point;
		for (size_t i = 0; dirs[i] != NULL && !mine; i++)
			mine = below(point, dirs[i]);
		if (!mine || of_running(point, containers_dir, running))
			continue;
		found = xrealloc(found, (n + 1) * sizeof(*found));
		found[n].point = point;
		found[n].order = n;
		found[n].depth = 0;
		for (const char *p = point; *p; p++)
			found[n].depth += *p == '/';
		n++;
	}
	if (n > 0)
		qsort(found, n, sizeof(*found), deepest_first);
	for (size_t i = 0; i < n; i++)
		strv_push(&out, found[i].point);
	free(found);
	return out;
}

char **sysctr_doctor_cgroup_roots(const char *mountinfo)
{
	char **out = xcalloc(1, sizeof(char *));
	size_t n = 0;
	struct sysctr_cg_mount *m = sysctr_cg_mounts(mountinfo, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].root, "/") == 0 &&
		    !strv_contains(out, m[i].point))
			strv_push(&out, m[i].point);
	sysctr_cg_mounts_free(m, n);
	return out;
}

bool sysctr_doctor_cgroup_stale(const char *entry, char *const *registered,
				char *const *running)
{
	static const char *const prefixes[] = { "lxc.monitor.",
						"lxc.payload." };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		const char *name = entry + strlen(prefixes[i]);

		if (str_starts_with(entry, prefixes[i]))
			return strv_contains(registered, name) &&
			       !strv_contains(running, name);
	}
	return false;
}
