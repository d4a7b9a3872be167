/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "layers.h"
#include "util.h"

int sysctr_layers_dir(struct sysctr *s, char **out, struct sysctr_error **err)
{
	cleanup_free char *dir = xasprintf("%s/.layers", s->containers_dir);

	/* as the containers directory: the mapped root traverses it to
	 * mount a layer, no other user may */
	if (dir_secure(dir, 0710, (gid_t)s->cfg->idmap.base, err) < 0)
		return -1;
	*out = steal_ptr(&dir);
	return 0;
}

char *sysctr_layer_fs(struct sysctr *s, const char *name)
{
	return xasprintf("%s/.layers/%s/fs", s->containers_dir, name);
}

char *sysctr_layer_new_name(void)
{
	unsigned char b[8] = { 0 };
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < sizeof(b)) {
		/* no entropy source at all: time and pid still differ */
		int64_t t = now_realtime();

		memcpy(b, &t, 4);
		memcpy(b + 4, &(int){ getpid() }, 4);
	}
	return xasprintf("%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
			 b[3], b[4], b[5], b[6], b[7]);
}

int sysctr_layer_take(struct sysctr *s, const char *name, const char *from,
		      const char *staged, struct sysctr_error **err)
{
	cleanup_free char *layers = NULL;
	cleanup_free char *dir = NULL;
	cleanup_free char *fs = sysctr_layer_fs(s, name);

	if (path_exists(fs))
		return 0;
	if (sysctr_layers_dir(s, &layers, err) < 0)
		return -1;
	dir = xasprintf("%s/%s", layers, name);
	if (!path_exists(dir)) {
		if (staged != NULL && path_exists(staged)) {
			if (rename(staged, dir) < 0)
				return sysctr_err(err, SYSCTR_E_FAILED, errno,
						  "move %s to %s", staged, dir);
		} else if (mkdir(dir, 0711) < 0) {
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", dir);
		}
	}
	if (rename(from, fs) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "move %s to %s",
				  from, fs);
	return 0;
}

int sysctr_layer_remove(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_free char *dir =
	    xasprintf("%s/.layers/%s", s->containers_dir, name);

	return rm_rf(dir, err);
}
