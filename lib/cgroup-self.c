/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-self.h"
#include "alloc.h"
#include "log.h"
#include "util.h"

void sysctr_cg_mounts_free(struct sysctr_cg_mount *m, size_t n)
{
	for (size_t i = 0; m != NULL && i < n; i++) {
		free(m[i].point);
		free(m[i].root);
		free(m[i].super);
	}
	free(m);
}

struct sysctr_cg_mount *sysctr_cg_mounts(const char *mountinfo, size_t *n)
{
	cleanup_free char *text = xstrdup(mountinfo ? mountinfo : "");
	struct sysctr_cg_mount *out = NULL;
	char *save = NULL;

	*n = 0;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mountinfo_line m;
		bool v2;

		if (!mountinfo_fields(line, &m))
			continue;
		v2 = strcmp(m.fstype, "cgroup2") == 0;
		if (!v2 && strcmp(m.fstype, "cgroup") != 0)
			continue;
		out = xrealloc(out, (*n + 1) * sizeof(*out));
		out[*n] = (struct sysctr_cg_mount){
			.point = xstrdup(m.point),
			.root = xstrdup(m.root),
			.super = xstrdup(m.super),
			.unified = v2,
		};
		(*n)++;
	}
	return out;
}

/* The mount of the hierarchy of controllers ("" for the unified one):
 * a v1 mount with all of them; NULL when none is mounted. */
static const struct sysctr_cg_mount *
hierarchy_mount(const struct sysctr_cg_mount *m, size_t n,
		const char *controllers)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *want = NULL;
		char *wsave = NULL;
		bool all = true;

		if (controllers[0] == '\0' || m[i].unified) {
			if (controllers[0] == '\0' && m[i].unified)
				return &m[i];
			continue;
		}
		want = xstrdup(controllers);
		for (char *c = strtok_r(want, ",", &wsave); c != NULL && all;
		     c = strtok_r(NULL, ",", &wsave))
			all = word_in_list(m[i].super, c, ",");
		if (all)
			return &m[i];
	}
	return NULL;
}

char **sysctr_cg_procs_files(const char *proc_cgroup, const char *mountinfo)
{
	cleanup_free char *text = xstrdup(proc_cgroup ? proc_cgroup : "");
	char **out = xcalloc(1, sizeof(char *));
	char *save = NULL;
	size_t nm = 0;
	struct sysctr_cg_mount *mounts = sysctr_cg_mounts(mountinfo, &nm);

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "ID:CONTROLLERS:PATH"; the path may hold ':' */
		char *ctl = strchr(line, ':'), *path;
		const struct sysctr_cg_mount *m;
		cleanup_free char *file = NULL;
		size_t rlen;

		if (ctl == NULL || (path = strchr(ctl + 1, ':')) == NULL)
			continue;
		*ctl++ = '\0';
		*path++ = '\0';
		m = path[0] == '/' ? hierarchy_mount(mounts, nm, ctl) : NULL;
		if (m == NULL)
			continue;
		/* a mount of a subtree shows the paths below its root */
		rlen = strcmp(m->root, "/") == 0 ? 0 : strlen(m->root);
		if (rlen > 0) {
			if (strncmp(path, m->root, rlen) != 0 ||
			    (path[rlen] != '/' && path[rlen] != '\0'))
				continue;
			path += rlen;
		}
		if (path[0] == '\0')
			path = (char *)"/";
		file = xasprintf("%s%s%scgroup.procs", m->point, path,
				 path[strlen(path) - 1] == '/' ? "" : "/");
		strv_push(&out, file);
	}
	sysctr_cg_mounts_free(mounts, nm);
	return out;
}

char **sysctr_cg_self_save(void)
{
	cleanup_free char *cg = NULL, *mounts = NULL;

	if (read_file("/proc/self/cgroup", &cg, NULL, NULL) < 0 ||
	    read_file("/proc/self/mountinfo", &mounts, NULL, NULL) < 0)
		return xcalloc(1, sizeof(char *));
	return sysctr_cg_procs_files(cg, mounts);
}

void sysctr_cg_self_restore(char *const *procs)
{
	char pid[24];
	int len = snprintf(pid, sizeof(pid), "%d", (int)getpid());

	for (size_t i = 0; procs != NULL && procs[i] != NULL; i++) {
		FILE *f = fopen(procs[i], "we");
		bool ok =
		    f != NULL && fwrite(pid, 1, (size_t)len, f) == (size_t)len;

		if (f != NULL && fclose(f) != 0)
			ok = false;
		if (!ok)
			log_debug("back into %s: %s", procs[i],
				  strerror(errno));
	}
}
