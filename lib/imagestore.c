/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* images list and rm: what the image store holds and who uses it. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "context.h"
#include "error.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "util.h"

SYSCTR_PUBLIC void sysctr_image_info_free_array(struct sysctr_image_info *i,
						size_t n)
{
	for (size_t k = 0; i != NULL && k < n; k++) {
		free(i[k].name);
		free(i[k].template);
		free(i[k].release);
		free(i[k].arch);
		free(i[k].hash);
		free(i[k].path);
		strv_free(i[k].containers);
	}
	free(i);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

SYSCTR_PUBLIC int sysctr_images_list(struct sysctr *s,
				     struct sysctr_image_info **out, size_t *n,
				     struct sysctr_error **err)
{
	struct sysctr_image_row *rows = NULL;
	struct sysctr_image_info *infos;
	size_t count = 0;

	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_image_list(s->store, &rows, &count, err) < 0)
		return -1;
	infos = xcalloc(count ? count : 1, sizeof(*infos));
	for (size_t i = 0; i < count; i++) {
		struct sysctr_image_info *info = &infos[i];

		info->id = rows[i].id;
		info->name = xstrdup(base_name(rows[i].path));
		info->template = steal_ptr(&rows[i].template);
		info->release = steal_ptr(&rows[i].release);
		info->arch = steal_ptr(&rows[i].arch);
		info->created = rows[i].created;
		info->size = rows[i].size;
		info->hash = steal_ptr(&rows[i].hash);
		info->path = steal_ptr(&rows[i].path);
		if (sysctr_store_image_users(s->store, info->id,
					     &info->containers, err) < 0) {
			sysctr_image_rows_free(rows, count);
			sysctr_image_info_free_array(infos, i + 1);
			return -1;
		}
	}
	sysctr_image_rows_free(rows, count);
	*out = infos;
	*n = count;
	return 0;
}

/* An image by id ("12") or by its directory's name. */
static int find_image(struct sysctr *s, const char *ref,
		      struct sysctr_image_row *out, struct sysctr_error **err)
{
	struct sysctr_image_row *rows = NULL;
	size_t n = 0;
	char *end;
	long long id = strtoll(ref, &end, 10);
	bool by_id = ref[0] != '\0' && *end == '\0';
	int ret = -1;

	if (sysctr_store_image_list(s->store, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((by_id && rows[i].id == id) ||
		    strcmp(base_name(rows[i].path), ref) == 0) {
			*out = rows[i];
			memset(&rows[i], 0, sizeof(rows[i]));
			ret = 0;
			break;
		}
	}
	sysctr_image_rows_free(rows, n);
	if (ret < 0)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such image (see sysctr images list)");
	return 0;
}

SYSCTR_PUBLIC int sysctr_image_remove(struct sysctr *s, const char *ref,
				      struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	cleanup_strv char **users = NULL;
	struct sysctr_image_row img = { 0 };
	int ret = -1;

	if (sysctr_need_store(s, err) < 0 || find_image(s, ref, &img, err) < 0)
		return -1;
	/* Nobody may be shifting or copying it while it goes. */
	lock = sysctr_image_lock(s, img.path, err);
	if (lock < 0)
		goto out;
	if (sysctr_store_image_users(s->store, img.id, &users, err) < 0)
		goto out;
	if (users[0] != NULL) {
		cleanup_free char *list = NULL;

		for (size_t i = 0; users[i] != NULL; i++) {
			char *next = xasprintf("%s%s%s", list ? list : "",
					       list ? ", " : "", users[i]);

			free(list);
			list = next;
		}
		sysctr_err(err, SYSCTR_E_STATE, 0, "image in use by %s", list);
		goto out;
	}
	/* The row first: files left by a failure are an unregistered
	 * directory, which nothing uses. */
	if (sysctr_store_image_delete(s->store, img.id, err) < 0)
		goto out;
	rm_rf_or_warn(img.path, "remove image files");
	ret = 0;
out:
	sysctr_image_row_clear(&img);
	return ret;
}
