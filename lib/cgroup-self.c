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

/* The mount point and root of the hierarchy of controllers ("" for the
 * unified one) in mountinfo, or false. */
static bool hierarchy_mount(const char *mountinfo, const char *controllers,
			    char **point, char **root)
{
	cleanup_free char *text = xstrdup(mountinfo);
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		cleanup_free char *copy = xstrdup(line);
		struct mountinfo_line m;
		bool all = true;

		if (!mountinfo_fields(copy, &m))
			continue;
		if (controllers[0] == '\0') {
			if (strcmp(m.fstype, "cgroup2") != 0)
				continue;
		} else {
			cleanup_free char *want = xstrdup(controllers);
			char *wsave = NULL;

			if (strcmp(m.fstype, "cgroup") != 0)
				continue;
			for (char *c = strtok_r(want, ",", &wsave);
			     c != NULL && all; c = strtok_r(NULL, ",", &wsave))
				all = word_in_list(m.super, c, ",");
		}
		if (!all)
			continue;
		*point = xstrdup(m.point);
		*root = xstrdup(m.root);
		return true;
	}
	return false;
}

char **sysctr_cg_procs_files(const char *proc_cgroup, const char *mountinfo)
{
	cleanup_free char *text = xstrdup(proc_cgroup ? proc_cgroup : "");
	char **out = xcalloc(1, sizeof(char *));
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "ID:CONTROLLERS:PATH"; the path may hold ':' */
		char *ctl = strchr(line, ':'), *path;
		cleanup_free char *point = NULL, *root = NULL;
		size_t rlen;

		if (ctl == NULL || (path = strchr(ctl + 1, ':')) == NULL)
			continue;
		*ctl++ = '\0';
		*path++ = '\0';
		if (path[0] != '/' ||
		    !hierarchy_mount(mountinfo ? mountinfo : "", ctl, &point,
				     &root))
			continue;
		/* a mount of a subtree shows the paths below its root */
		rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
		if (rlen > 0) {
			if (strncmp(path, root, rlen) != 0 ||
			    (path[rlen] != '/' && path[rlen] != '\0'))
				continue;
			path += rlen;
		}
		if (path[0] == '\0')
			path = (char *)"/";
		{
			cleanup_free char *file =
			    xasprintf("%s%s%scgroup.procs", point, path,
				      path[strlen(path) - 1] == '/' ? "" : "/");

			strv_push(&out, file);
		}
	}
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
