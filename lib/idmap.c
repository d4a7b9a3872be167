/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "idmap.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "util.h"

char *sysctr_idmap_dir_name(struct sysctr *s)
{
	return sysctr_idmap_twin_name((long long)s->cfg->idmap.base,
				      (long long)s->cfg->idmap.size);
}

static char *shifted_path(struct sysctr *s, const char *image_dir)
{
	cleanup_free char *name = sysctr_idmap_dir_name(s);

	return xasprintf("%s/%s", image_dir, name);
}

int sysctr_idmap_lower(struct sysctr *s, const char *image_dir, char **lower,
		       struct sysctr_error **err)
{
	cleanup_free char *p = shifted_path(s, image_dir);

	if (!is_dir(p))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "image %s has no rootfs for the id map "
				  "%lld:%lld (recreate the container)",
				  image_dir, (long long)s->cfg->idmap.base,
				  (long long)s->cfg->idmap.size);
	*lower = steal_ptr(&p);
	return 0;
}

int sysctr_idmap_subid_parse(const char *text, const char *file, long long base,
			     long long size, bool *has,
			     struct sysctr_error **err)
{
	*has = false;
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *next = strchr(line, '\n');
		char who[256];
		long long b, n;

		if (sscanf(line, "%255[^:\n]:%lld:%lld", who, &b, &n) == 3) {
			bool root =
			    strcmp(who, "root") == 0 || strcmp(who, "0") == 0;

			if (root && b <= base && base + size <= b + n)
				*has = true;
			/* another user's ids would be our container's */
			else if (!root && b < base + size && base < b + n)
				return sysctr_err(err, SYSCTR_E_FAILED, 0,
						  "%s: the id range %lld-%lld "
						  "of sysctr.conf overlaps "
						  "%s's",
						  file, base, base + size - 1,
						  who);
		}
		line = next == NULL ? NULL : next + 1;
	}
	return 0;
}

int sysctr_idmap_subid_check(const char *file, long long base, long long size,
			     bool *has, struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	cleanup_error struct sysctr_error *e = NULL;

	*has = false;
	if (read_file(file, &text, NULL, &e) < 0) {
		if (e->kind == SYSCTR_E_NOT_FOUND)
			return 0;
		return sysctr_err_pass(err, &e);
	}
	return sysctr_idmap_subid_parse(text, file, base, size, has, err);
}

/* liblxc maps ids through newuidmap when the host has it, and then
 * insists that root owns the range in /etc/subuid and /etc/subgid. A
 * fresh host has no entry for root: reserve sysctr.conf's range, as other
 * container managers do. */
int sysctr_idmap_reserve(struct sysctr *s, struct sysctr_error **err)
{
	static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
	long long base = s->cfg->idmap.base, size = s->cfg->idmap.size;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_fclose FILE *f = NULL;
		bool has;

		if (sysctr_idmap_subid_check(files[i], base, size, &has, err) <
		    0)
			return -1;
		if (has)
			continue;
		f = fopen(files[i], "ae");
		if (f == NULL ||
		    fprintf(f, "root:%lld:%lld\n", base, size) < 0 ||
		    fflush(f) != 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "reserve ids in %s", files[i]);
		log_info("reserved ids %lld-%lld for root in %s", base,
			 base + size - 1, files[i]);
	}
	return 0;
}

int sysctr_idmap_prepare(struct sysctr *s, const char *image_dir,
			 struct sysctr_error **err)
{
	cleanup_free char *final = shifted_path(s, image_dir);
	cleanup_free char *from = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_lock int lock = -1;

	if (is_dir(final))
		return 0;
	/* an image imported for another map may hold only that map's copy */
	if (sysctr_image_rootfs(s, image_dir, &from, err) < 0)
		return -1;
	lock = sysctr_image_lock(s, image_dir, err);
	if (lock < 0)
		return -1;
	if (is_dir(final))
		return 0;
	tmp = xasprintf("%s.tmp", final);
	if (rm_rf(tmp, err) < 0)
		return -1;
	sysctr_progress(s, "shift image ownership", 1, 2);
	if (copy_tree(from, tmp, err) < 0)
		goto undo_tmp;
	if (sysctr_idmap_shift_tree(tmp, (uint32_t)s->cfg->idmap.base,
				    (uint32_t)s->cfg->idmap.size, err) < 0)
		goto undo_tmp;
	if (rename(tmp, final) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tmp;
	}
	sysctr_progress(s, "shift image ownership", 2, 2);
	return 0;

undo_tmp:
	rm_rf_or_warn(tmp, "remove unfinished id shift");
	return -1;
}
