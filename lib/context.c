/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "context.h"
#include "error.h"
#include "log.h"
#include "util.h"

/* A path from sysctr.conf: absolute paths are used as written (so tests and
 * admins can share an image cache between roots), relative ones and
 * unset ones live under the root. */
static char *resolve(const char *root, const char *configured,
		     const char *fallback)
{
	if (configured != NULL && configured[0] == '/')
		return xstrdup(configured);
	if (configured != NULL && configured[0] != '\0')
		return xasprintf("%s/%s", root, configured);
	return xasprintf("%s%s", root, fallback);
}

static int make_dirs(struct sysctr *s, struct sysctr_error **err)
{
	cleanup_free char *dbdir = xstrdup(s->db_path);
	char *slash = strrchr(dbdir, '/');
	/* The lxcpath and the images hold what containers made (setuid files
	 * of their root, host root's for a privileged one): no host user but
	 * root may reach them, while the mapped root of unprivileged
	 * containers must traverse them to mount its rootfs. Root's, with
	 * the mapped root's group, 0710; fixed on the way when an older
	 * version made them 0711. */
	gid_t mapped = (gid_t)s->cfg->idmap.base;
	const struct {
		const char *path;
		mode_t mode;
		bool secure;
	} dirs[] = {
		{ s->containers_dir, 0710, true },
		{ s->images_dir, 0710, true },
		{ s->logs_dir, 0700, false },
		{ s->locks_dir, 0700, false },
	};

	if (slash != NULL && slash != dbdir) {
		*slash = '\0';
		if (mkdir_p(dbdir, 0711, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int ret;

		if (dirs[i].secure)
			ret =
			    dir_secure(dirs[i].path, dirs[i].mode, mapped, err);
		else
			ret = mkdir_p(dirs[i].path, dirs[i].mode, err);
		if (ret < 0)
			return -1;
	}
	return 0;
}

SYSCTR_PUBLIC struct sysctr *sysctr_open(const struct sysctr_options *opts,
					 struct sysctr_error **err)
{
	struct sysctr *s = xcalloc(1, sizeof(*s));
	const char *root = opts->root;
	int level;

	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0) {
		s->root = xstrdup("");
	} else if (root[0] != '/') {
		sysctr_err(err, SYSCTR_E_USAGE, 0,
			   "--root %s: must be an absolute path", root);
		goto undo_ctx;
	} else {
		s->root = xstrdup(root);
		while (str_ends_with(s->root, "/"))
			s->root[strlen(s->root) - 1] = '\0';
	}

	/* configure's directories (--sysconfdir, --localstatedir,
	 * --runstatedir, from --prefix unless given) are where sysctr looks,
	 * below --root when one is given. */
	s->conf_path = opts->config ? xstrdup(opts->config)
				    : xasprintf("%s" SYSCTR_SYSCONFDIR
						"/sysctr/sysctr.conf",
						s->root);
	if (sysctr_host_config_load(s->conf_path, opts->config != NULL, &s->cfg,
				    err) < 0)
		goto undo_ctx;

	level = sysctr_log_level_parse(s->cfg->log_level);
	if (level < 0)
		level = SYSCTR_LOG_WARN;
	if (opts->verbosity < 0)
		level = SYSCTR_LOG_ERROR;
	else if (opts->verbosity > 0)
		level = SYSCTR_LOG_WARN + opts->verbosity;
	if (level > SYSCTR_LOG_DEBUG)
		level = SYSCTR_LOG_DEBUG;
	sysctr_log_set_level((enum sysctr_log_level)level);
	log_debug("read %s", s->conf_path);

	s->containers_dir =
	    resolve(s->root, s->cfg->paths.containers,
		    SYSCTR_LOCALSTATEDIR "/lib/sysctr/containers");
	s->images_dir = resolve(s->root, s->cfg->paths.images,
				SYSCTR_LOCALSTATEDIR "/cache/sysctr/images");
	s->logs_dir = resolve(s->root, s->cfg->paths.logs,
			      SYSCTR_LOCALSTATEDIR "/log/sysctr");
	s->db_path = resolve(s->root, s->cfg->paths.database,
			     SYSCTR_LOCALSTATEDIR "/lib/sysctr/sysctr.db");
	s->locks_dir =
	    xasprintf("%s" SYSCTR_RUNSTATEDIR "/sysctr/locks", s->root);
	if (s->cfg->paths.templates != NULL &&
	    s->cfg->paths.templates[0] != '\0')
		s->templates_dir =
		    resolve(s->root, s->cfg->paths.templates, "");
	else
		s->templates_dir = xstrdup(SYSCTR_TEMPLATES_DIR);

	if (opts->open_store && sysctr_open_store(s, err) < 0)
		goto undo_ctx;
	return s;

undo_ctx:
	sysctr_close(s);
	return NULL;
}

int sysctr_open_store(struct sysctr *s, struct sysctr_error **err)
{
	if (s->store != NULL)
		return 0;
	if (make_dirs(s, err) < 0)
		return -1;
	/* The store names the registry in its error. */
	if (sysctr_store_open(s->db_path, &s->store, err) < 0)
		return -1;
	log_debug("opened the registry");
	return 0;
}

SYSCTR_PUBLIC void sysctr_close(struct sysctr *s)
{
	if (s == NULL)
		return;
	sysctr_store_close(s->store);
	sysctr_host_config_free(s->cfg);
	free(s->root);
	free(s->conf_path);
	free(s->containers_dir);
	free(s->images_dir);
	free(s->logs_dir);
	free(s->db_path);
	free(s->templates_dir);
	free(s->locks_dir);
	free(s);
}

SYSCTR_PUBLIC void sysctr_set_progress(struct sysctr *s, sysctr_progress_fn fn,
				       void *data)
{
	s->progress = fn;
	s->progress_data = data;
}

void sysctr_progress(struct sysctr *s, const char *step, int done, int total)
{
	if (s->progress != NULL)
		s->progress(s->progress_data, step, done, total);
}

int sysctr_need_store(struct sysctr *s, struct sysctr_error **err)
{
	if (s->store == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "internal error: registry not open");
	return 0;
}

SYSCTR_PUBLIC const char *sysctr_version(void)
{
	return PACKAGE_VERSION;
}
