/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where a container's files are, and whether it exists. The registry row
 * is the one answer to the latter: a container directory without a row
 * is a leftover (of a destroy or create that could not finish), which
 * list reports and destroy or create of its name removes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "container-registry.h"
#include "error.h"
#include "macro.h"
#include "names.h"
#include "util.h"

char *sysctr_ct_dir(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s", s->containers_dir, name);
}

char *sysctr_ct_conf_path(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s/container.conf", s->containers_dir, name);
}

char *sysctr_ct_log_path(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s.log", s->logs_dir, name);
}

int sysctr_ct_registered(struct sysctr *s, const char *name,
			 struct sysctr_error **err)
{
	return sysctr_store_ct_exists(s->store, name, err);
}

int sysctr_ct_must_exist(struct sysctr *s, const char *name,
			 struct sysctr_error **err)
{
	int ret;

	if (sysctr_name_check(name, err) < 0 || sysctr_need_store(s, err) < 0)
		return -1;
	ret = sysctr_ct_registered(s, name, err);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

SYSCTR_PUBLIC int sysctr_ct_leftovers(struct sysctr *s, char ***names,
				      struct sysctr_error **err)
{
	cleanup_closedir DIR *d = NULL;
	cleanup_strv char **found = xcalloc(1, sizeof(char *));
	cleanup_strv char **known = xcalloc(1, sizeof(char *));
	struct sysctr_ct_row *rows = NULL;
	struct dirent *de;
	size_t n = 0;

	/* the registry's names in one query, not one per directory */
	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_ct_list(s->store, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		strv_push(&known, rows[i].name);
	sysctr_ct_rows_free(rows, n);
	qsort(known, n, sizeof(char *), cmp_str);
	d = opendir(s->containers_dir);
	if (d == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s",
				  s->containers_dir);
	/* A create at work (.new-NAME.*) and whatever else is not named
	 * like a container is no leftover of one. */
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		cleanup_free char *dir = NULL;

		if (!sysctr_name_valid(name) ||
		    bsearch(&name, known, n, sizeof(char *), cmp_str) != NULL)
			continue;
		dir = sysctr_ct_dir(s, name);
		if (is_dir(dir))
			strv_push(&found, name);
	}
	qsort(found, strv_length(found), sizeof(char *), cmp_str);
	*names = steal_ptr(&found);
	return 0;
}
