/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "idmap-shift.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "template.h"
#include "util.h"

/* A template may run for many minutes (debootstrap); a second create of the
 * same image waits for the first instead of failing. */
#define IMAGE_LOCK_WAIT (60 * 60)
#define IMAGE_META_MAX 65536

void sysctr_image_meta_clear(struct sysctr_image_meta *m)
{
	free(m->release);
	free(m->arch);
	free(m->init);
	free(m->halt_signal);
	free(m->lxc_common);
	memset(m, 0, sizeof(*m));
}

static void meta_kv(void *data, const char *key, const char *value)
{
	struct sysctr_image_meta *m = data;
	char **slot = NULL;

	if (strcmp(key, "release") == 0)
		slot = &m->release;
	else if (strcmp(key, "arch") == 0)
		slot = &m->arch;
	else if (strcmp(key, "init") == 0)
		slot = &m->init;
	else if (strcmp(key, "halt_signal") == 0)
		slot = &m->halt_signal;
	else if (strcmp(key, "lxc_common") == 0)
		slot = &m->lxc_common;
	if (slot == NULL)
		return;
	free(*slot);
	*slot = xstrdup(value);
}

static int meta_read(const char *path, struct sysctr_image_meta *m,
		     struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	struct stat st;

	/* A handful of short lines; a template gone wrong must not make us
	 * read whatever it wrote there into memory. */
	if (stat(path, &st) == 0 && st.st_size > IMAGE_META_MAX)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: larger than %d bytes: not an image's "
				  "meta file",
				  path, IMAGE_META_MAX);
	if (read_file(path, &text, NULL, err) < 0)
		return -1;
	sysctr_template_parse_kv(text, meta_kv, m);
	/* The template's word goes into liblxc's config: only plain tokens. */
	if (m->lxc_common != NULL && !sysctr_token_valid(m->lxc_common))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: invalid lxc_common '%s'", path,
				  m->lxc_common);
	if (m->halt_signal != NULL &&
	    strspn(m->halt_signal, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") !=
		strlen(m->halt_signal))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: invalid halt_signal", path);
	return 0;
}

int sysctr_image_meta_load(const char *image_dir, struct sysctr_image_meta *m,
			   struct sysctr_error **err)
{
	cleanup_free char *path = xasprintf("%s/meta", image_dir);

	return meta_read(path, m, err);
}

/* Leftovers of builds that a killed sysctr left behind; we hold the image
 * lock, so nobody else is using them. */
static void remove_stale_builds(struct sysctr *s, const char *prefix)
{
	cleanup_closedir DIR *d = opendir(s->images_dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *p = NULL;

		if (!str_starts_with(de->d_name, prefix))
			continue;
		p = xasprintf("%s/%s", s->images_dir, de->d_name);
		log_info("removing %s, left by an interrupted build", p);
		rm_rf_or_warn(p, "remove stale build");
	}
}

/* A content hash of the image's rootfs: SHA-256 of a tar stream of it in
 * name order with numeric owners, so the same tree hashes the same. Two
 * children of ours rather than a shell pipeline: both die with sysctr. */
static char *tree_hash(const char *rootfs, struct sysctr_error **err)
{
	char *tar[] = { (char *)"/bin/tar", (char *)"--sort=name",
			(char *)"--numeric-owner", (char *)"--xattrs",
			/* --xattrs makes a pax archive, whose headers
			 * carry atime and ctime: not content */
			(char *)"--pax-option=exthdr.name=%d/PaxHeaders/%f,"
				"delete=atime,delete=ctime",
			(char *)"-C", (char *)rootfs, (char *)"-cf",
			(char *)"-", (char *)".", NULL };
	char *sum[] = { (char *)"/usr/bin/sha256sum", NULL };
	char *out = NULL;

	if (run_pipe(tar, sum, &out, err) < 0)
		return NULL;
	out[strcspn(out, " \n")] = '\0';
	if (strlen(out) != 64) {
		free(out);
		sysctr_err(err, SYSCTR_E_FAILED, 0, "hash of %s failed",
			   rootfs);
		return NULL;
	}
	return out;
}

/* KEY.CREATED, or KEY.CREATED.N when a refresh in the same second made one
 * already. */
static char *final_name(struct sysctr *s, const char *key, int64_t created)
{
	char *p =
	    xasprintf("%s/%s.%lld", s->images_dir, key, (long long)created);

	for (int n = 2; path_exists(p); n++) {
		free(p);
		p = xasprintf("%s/%s.%lld.%d", s->images_dir, key,
			      (long long)created, n);
	}
	return p;
}

/* --mirror, else sysctr.conf's mirror for the template, else "": the
 * template's own default. A template that downloads nothing gets "". */
static const char *image_mirror(struct sysctr *s,
				const struct sysctr_image_request *req,
				const struct sysctr_template_info *info)
{
	const char *mirror = req->mirror;

	if (mirror == NULL || mirror[0] == '\0')
		mirror = sysctr_host_config_mirror(s->cfg, req->template);
	if (mirror == NULL || mirror[0] == '\0')
		return "";
	if (!info->takes_mirror) {
		log_warn("template %s uses no mirror: %s ignored",
			 req->template, mirror);
		return "";
	}
	return mirror;
}

static int build_image(struct sysctr *s, const struct sysctr_image_request *req,
		       const struct sysctr_template_info *info,
		       const char *release, const char *arch,
		       struct sysctr_image_row *out, struct sysctr_error **err)
{
	const char *template = req->template, *source = req->source;
	cleanup_free char *key = xasprintf("%s-%s-%s", template, release, arch);
	cleanup_free char *stale = xasprintf(".build-%s.", key);
	cleanup_free char *tmp =
	    xasprintf("%s/.build-%s.XXXXXX", s->images_dir, key);
	cleanup_free char *final = NULL, *rootfs = NULL, *meta_path = NULL;
	cleanup_free char *cache = xasprintf("%s/.cache", s->images_dir);
	cleanup_free char *log_path =
	    xasprintf("%s/template-%s.log", s->logs_dir, key);
	cleanup_image_meta struct sysctr_image_meta meta = { 0 };
	cleanup_image_row struct sysctr_image_row row = { 0 };
	const char *mirror;
	int64_t created = now_realtime();

	remove_stale_builds(s, stale);
	if (mkdtemp(tmp) == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  tmp);
	chmod(tmp, 0711);
	rootfs = xasprintf("%s/rootfs", tmp);
	meta_path = xasprintf("%s/meta", tmp);
	if (mkdir(rootfs, 0755) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s", rootfs);
		goto undo_tmp;
	}
	if (mkdir_p(cache, 0700, err) < 0)
		goto undo_tmp;
	mirror = image_mirror(s, req, info);

	{
		char *argv[] = {
			info->path,   "--name",	   (char *)key,	    "--rootfs",
			rootfs,	      "--release", (char *)release, "--arch",
			(char *)arch, "--mirror",  (char *)mirror,  "--cache",
			cache,	      "--meta",	   meta_path,	    NULL,
			NULL,	      NULL
		};

		if (source != NULL) {
			argv[ARRAY_SIZE(argv) - 3] = (char *)"--source";
			argv[ARRAY_SIZE(argv) - 2] = (char *)source;
		}

		log_info("building image %s with template %s", key, info->path);
		if (sysctr_template_run(s, argv, log_path, err) < 0) {
			sysctr_err_prefix(err, "template %s", template);
			goto undo_tmp;
		}
	}
	if (meta_read(meta_path, &meta, err) < 0) {
		sysctr_err_prefix(err, "template %s", template);
		goto undo_tmp;
	}
	sysctr_progress(s, "hash the image", 0, 0);
	row.hash = tree_hash(rootfs, err);
	if (row.hash == NULL)
		goto undo_tmp;

	final = final_name(s, key, created);
	if (rename(tmp, final) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tmp;
	}
	row.template = xstrdup(template);
	row.release = xstrdup(release);
	row.arch = xstrdup(arch);
	row.path = xstrdup(final);
	row.created = created;
	row.size = tree_size(final);
	row.init = xstrdup_or_null(meta.init);
	if (sysctr_store_image_insert(s->store, &row, err) < 0) {
		rm_rf_or_warn(final, "remove image");
		return -1;
	}
	*out = row;
	memset(&row, 0, sizeof(row));
	return 0;

undo_tmp:
	/* debootstrap mounts proc and sys inside its target: rm_rf()
	 * detaches them first. */
	rm_rf_or_warn(tmp, "remove failed build");
	return -1;
}

/* The images directory may be shared by several registries (roots); its
 * locks live in it, not in one root's lock directory. */
static int image_lock_wait(struct sysctr *s, const char *key, int wait,
			   struct sysctr_error **err)
{
	cleanup_free char *dir = xasprintf("%s/.locks", s->images_dir);
	cleanup_free char *path = xasprintf("%s/%s.lock", dir, key);

	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	return sysctr_lock_path(path, wait, err);
}

static int image_lock(struct sysctr *s, const char *key,
		      struct sysctr_error **err)
{
	return image_lock_wait(s, key, IMAGE_LOCK_WAIT, err);
}

static char *dir_key(const char *image_dir)
{
	const char *slash = strrchr(image_dir, '/');

	return xasprintf("dir-%s", slash ? slash + 1 : image_dir);
}

int sysctr_image_lock(struct sysctr *s, const char *image_dir,
		      struct sysctr_error **err)
{
	cleanup_free char *key = dir_key(image_dir);

	return image_lock(s, key, err);
}

/* rootfs.tmp, rootfs.idmap-BASE-SIZE.tmp */
static bool scrap_name(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "rootfs.tmp") == 0 ||
	       (str_starts_with(name, "rootfs.idmap-") && n > 4 &&
		strcmp(name + n - 4, ".tmp") == 0);
}

int sysctr_image_scraps(struct sysctr *s, char ***paths,
			struct sysctr_error **err)
{
	cleanup_closedir DIR *d = opendir(s->images_dir);
	struct dirent *de;

	*paths = xcalloc(1, sizeof(char *));
	if (d == NULL)
		return errno == ENOENT ? 0
				       : sysctr_err(err, SYSCTR_E_FAILED, errno,
						    "open %s", s->images_dir);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *img = NULL;
		cleanup_closedir DIR *sub = NULL;
		struct dirent *se;

		if (de->d_name[0] == '.')
			continue;
		img = xasprintf("%s/%s", s->images_dir, de->d_name);
		sub = opendir(img);
		while (sub != NULL && (se = readdir(sub)) != NULL) {
			cleanup_free char *p = NULL;

			if (!scrap_name(se->d_name))
				continue;
			p = xasprintf("%s/%s", img, se->d_name);
			if (is_dir(p))
				strv_push(paths, p);
		}
	}
	return 0;
}

int sysctr_image_scrap_remove(struct sysctr *s, const char *path,
			      struct sysctr_error **err)
{
	cleanup_free char *image_dir = xstrdup(path);
	cleanup_free char *key = NULL;
	cleanup_lock int lock = -1;
	char *slash = strrchr(image_dir, '/');

	if (slash == NULL || !scrap_name(slash + 1))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: no unfinished image copy", path);
	*slash = '\0';
	key = dir_key(image_dir);
	/* a shift that runs now holds the lock and finishes its copy */
	lock = image_lock_wait(s, key, 0, err);
	if (lock < 0)
		return -1;
	return rm_rf(path, err);
}

int sysctr_image_rootfs(struct sysctr *s, const char *image_dir, char **rootfs,
			struct sysctr_error **err)
{
	cleanup_free char *final = xasprintf("%s/rootfs", image_dir);
	cleanup_free char *tmp = NULL, *twin = NULL;
	cleanup_lock int lock = -1;
	uint32_t base = 0, size = 0;

	if (is_dir(final))
		goto done;
	lock = sysctr_image_lock(s, image_dir, err);
	if (lock < 0)
		return -1;
	if (is_dir(final))
		goto done;
	if (sysctr_idmap_twin_find(image_dir, &twin, &base, &size) == 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "image %s has no rootfs (remove it with "
				  "'sysctr images rm')",
				  image_dir);
	tmp = xasprintf("%s.tmp", final);
	if (rm_rf(tmp, err) < 0)
		return -1;
	log_info("%s: its rootfs made from %s", image_dir, twin);
	sysctr_progress(s, "unshift image ownership", 1, 2);
	if (copy_tree(twin, tmp, err) < 0 ||
	    sysctr_idmap_unshift_tree(tmp, base, size, err) < 0)
		goto undo_tmp;
	if (rename(tmp, final) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tmp;
	}
	sysctr_progress(s, "unshift image ownership", 2, 2);
done:
	if (rootfs != NULL)
		*rootfs = steal_ptr(&final);
	return 0;

undo_tmp:
	rm_rf_or_warn(tmp, "remove unfinished id shift");
	return -1;
}

/* A finished image in the directory that this registry does not know
 * (the registry is new, or shares the images directory with another):
 * register the newest instead of building again. 1 if adopted. */
static int adopt_image(struct sysctr *s, const char *template,
		       const char *release, const char *arch,
		       struct sysctr_image_row *out, struct sysctr_error **err)
{
	cleanup_free char *prefix =
	    xasprintf("%s-%s-%s.", template, release, arch);
	cleanup_free char *best = NULL;
	cleanup_closedir DIR *d = opendir(s->images_dir);
	cleanup_image_meta struct sysctr_image_meta meta = { 0 };
	cleanup_image_row struct sysctr_image_row row = { 0 };
	struct dirent *de;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *meta_path = NULL;

		if (!str_starts_with(de->d_name, prefix))
			continue;
		meta_path = xasprintf("%s/%s/meta", s->images_dir, de->d_name);
		if (!path_exists(meta_path))
			continue;
		if (best == NULL || strcmp(de->d_name, best) > 0) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	if (best == NULL)
		return 0;
	row.path = xasprintf("%s/%s", s->images_dir, best);
	if (sysctr_image_meta_load(row.path, &meta, err) < 0)
		return -1;
	row.template = xstrdup(template);
	row.release = xstrdup(release);
	row.arch = xstrdup(arch);
	row.created = strtoll(best + strlen(prefix), NULL, 10);
	row.size = tree_size(row.path);
	row.init = xstrdup_or_null(meta.init);
	log_info("registering cached image %s", row.path);
	if (sysctr_store_image_insert(s->store, &row, err) < 0)
		return -1;
	*out = row;
	memset(&row, 0, sizeof(row));
	return 1;
}

/* The content hash of a registered image, computed (and recorded) for
 * one adopted from the directory without it. NULL on failure. */
static char *row_hash(struct sysctr *s, struct sysctr_image_row *r)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", r->path);
	struct sysctr_error *e = NULL;

	if (r->hash != NULL)
		return xstrdup(r->hash);
	if (sysctr_image_rootfs(s, r->path, NULL, &e) < 0) {
		sysctr_log_warn_error(e, "hash the image");
		return NULL;
	}
	sysctr_progress(s, "hash the image", 0, 0);
	r->hash = tree_hash(rootfs, NULL);
	if (r->hash != NULL &&
	    sysctr_store_image_set_hash(s->store, r->id, r->hash, &e) < 0)
		sysctr_log_warn_error(e, "record the image's hash");
	return xstrdup_or_null(r->hash);
}

int sysctr_image_find_hash(struct sysctr *s, const char *template,
			   const char *release, const char *arch,
			   const char *hash, struct sysctr_image_row *out,
			   struct sysctr_error **err)
{
	struct sysctr_image_row *all = NULL;
	size_t n = 0;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (sysctr_store_image_list(s->store, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !found; i++) {
		cleanup_free char *h = NULL;

		if (strcmp(all[i].template, template) != 0 ||
		    strcmp(all[i].release, release) != 0 ||
		    strcmp(all[i].arch, arch) != 0 || !is_dir(all[i].path))
			continue;
		h = row_hash(s, &all[i]);
		if (h == NULL || strcmp(h, hash) != 0)
			continue;
		*out = all[i];
		memset(&all[i], 0, sizeof(all[i]));
		found = 1;
	}
	sysctr_image_rows_free(all, n);
	return found;
}

char *sysctr_image_hash(struct sysctr *s, struct sysctr_image_row *r)
{
	return row_hash(s, r);
}

int sysctr_image_take_dir(struct sysctr *s, const char *template,
			  const char *release, const char *arch,
			  const char *dir, struct sysctr_image_row *out,
			  struct sysctr_error **err)
{
	cleanup_free char *key = xasprintf("%s-%s-%s", template, release, arch);
	cleanup_free char *rootfs = xasprintf("%s/rootfs", dir);
	cleanup_free char *final = NULL, *twin = NULL;
	uint32_t base, size;
	cleanup_image_meta struct sysctr_image_meta meta = { 0 };
	cleanup_image_row struct sysctr_image_row row = { 0 };
	cleanup_lock int lock = -1;

	memset(out, 0, sizeof(*out));
	if (sysctr_image_meta_load(dir, &meta, err) < 0)
		return sysctr_err_prefix(err, "the archive's image");
	if (!is_dir(rootfs) &&
	    sysctr_idmap_twin_find(dir, &twin, &base, &size) == 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "the archive's image has no rootfs");
	lock = image_lock(s, key, err);
	if (lock < 0)
		return -1;
	row.created = now_realtime();
	final = final_name(s, key, row.created);
	if (rename(dir, final) < 0) {
		if (errno != EXDEV)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "move the image to %s", final);
		if (copy_tree(dir, final, err) < 0) {
			rm_rf_or_warn(final, "remove a half-copied image");
			return -1;
		}
	}
	chmod(final, 0711);
	row.template = xstrdup(template);
	row.release = xstrdup(release);
	row.arch = xstrdup(arch);
	row.path = xstrdup(final);
	row.size = tree_size(final);
	row.init = xstrdup_or_null(meta.init);
	if (sysctr_store_image_insert(s->store, &row, err) < 0) {
		rm_rf_or_warn(final, "remove image");
		return -1;
	}
	*out = row;
	memset(&row, 0, sizeof(row));
	return 0;
}

/* The release to build: given, the template's default, or for local the
 * content id of the tarball, so the same tarball is imported once. */
static int resolve_release(const struct sysctr_image_request *req,
			   const struct sysctr_template_info *info,
			   char **release, struct sysctr_error **err)
{
	char *sum = NULL;

	if (req->release != NULL && req->release[0] != '\0') {
		*release = xstrdup(req->release);
	} else if (req->source != NULL) {
		char *argv[] = { (char *)"/usr/bin/sha256sum", (char *)"--",
				 (char *)req->source, NULL };

		if (run_capture(argv, &sum, err) < 0)
			return sysctr_err_prefix(err, "hash %s", req->source);
		sum[12] = '\0';
		*release = xasprintf("sha256-%s", sum);
		free(sum);
	} else if (info->default_release == NULL ||
		   info->default_release[0] == '\0') {
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "template %s names no default release",
				  req->template);
	} else {
		*release = xstrdup(info->default_release);
	}
	if (!sysctr_token_valid(*release)) {
		sysctr_err(err, SYSCTR_E_USAGE, 0, "invalid release '%s'",
			   *release);
		free(steal_ptr(release));
		return -1;
	}
	return 0;
}

/* --from belongs to a template that imports a file (its --describe says
 * source=yes, as local's does), and such a template needs it. */
static int check_source(const struct sysctr_image_request *req,
			const struct sysctr_template_info *info,
			struct sysctr_error **err)
{
	struct stat st;

	if (req->source == NULL && info->takes_source)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "the %s template needs --from FILE",
				  req->template);
	if (req->source == NULL)
		return 0;
	if (!info->takes_source)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from is for a template that imports a "
				  "file (local), not %s",
				  req->template);
	if (req->source[0] != '/')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from %s: needs an absolute path",
				  req->source);
	if (stat(req->source, &st) < 0)
		return sysctr_err(
		    err, errno == ENOENT ? SYSCTR_E_NOT_FOUND : SYSCTR_E_FAILED,
		    errno, "--from %s", req->source);
	if (!S_ISREG(st.st_mode))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from %s: not a regular file", req->source);
	return 0;
}

/* The registered image of the key, if its directory is there: 1 found,
 * 0 not, -1 error. A row whose directory an admin removed by hand is
 * forgotten (unless containers still use it: then that is the error). */
static int find_registered(struct sysctr *s, const char *template,
			   const char *release, const char *arch,
			   struct sysctr_image_row *out,
			   struct sysctr_error **err)
{
	cleanup_error struct sysctr_error *e = NULL;

	if (sysctr_store_image_find(s->store, template, release, arch, out,
				    &e) < 0) {
		if (e->kind == SYSCTR_E_NOT_FOUND)
			return 0;
		*err = steal_ptr(&e);
		return -1;
	}
	if (is_dir(out->path))
		return 1;
	log_warn("image %s %s %s is registered but %s is missing", template,
		 release, arch, out->path);
	if (sysctr_store_image_delete(s->store, out->id, err) < 0) {
		sysctr_image_row_clear(out);
		return -1;
	}
	sysctr_image_row_clear(out);
	return 0;
}

int sysctr_image_ensure(struct sysctr *s,
			const struct sysctr_image_request *req,
			struct sysctr_image_row *out, struct sysctr_error **err)
{
	cleanup_free char *tpath = NULL, *lock_key = NULL, *release = NULL;
	cleanup_template_info struct sysctr_template_info info = { 0 };
	cleanup_lock int lock = -1;
	const char *arch = req->arch;
	int ret;

	memset(out, 0, sizeof(*out));
	/* What it needs (a file, a release, a mirror) comes from its
	 * --describe, answered from the cache while the script is
	 * unchanged. */
	if (sysctr_template_path(s, req->template, &tpath, err) < 0 ||
	    sysctr_template_describe(s, req->template, tpath, &info, err) < 0 ||
	    check_source(req, &info, err) < 0)
		return -1;
	if (arch == NULL || arch[0] == '\0')
		arch = sysctr_host_arch();
	if (!sysctr_token_valid(arch))
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "invalid arch '%s'",
				  arch);
	if (resolve_release(req, &info, &release, err) < 0)
		return -1;

	if (!req->refresh) {
		ret =
		    find_registered(s, req->template, release, arch, out, err);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	lock_key = xasprintf("%s-%s-%s", req->template, release, arch);
	lock = image_lock(s, lock_key, err);
	if (lock < 0)
		return -1;
	if (!req->refresh) {
		/* Somebody may have built it while we waited, or it is in the
		 * directory from another registry. */
		ret =
		    find_registered(s, req->template, release, arch, out, err);
		if (ret == 0)
			ret = adopt_image(s, req->template, release, arch, out,
					  err);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	return build_image(s, req, &info, release, arch, out, err);
}

/* ---- images list and rm: what the store holds and who uses it ---- */

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
		info->disk = tree_size(rows[i].path);
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

/* "a, b, c" */
static char *join_names(char *const *names)
{
	char *list = xstrdup("");

	for (size_t i = 0; names[i] != NULL; i++) {
		char *next =
		    xasprintf("%s%s%s", list, i > 0 ? ", " : "", names[i]);

		free(list);
		list = next;
	}
	return list;
}

/* Remove the image of row img unless a container uses it (then
 * SYSCTR_E_STATE, naming them). */
static int remove_unused(struct sysctr *s, const struct sysctr_image_row *img,
			 struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	cleanup_strv char **users = NULL;

	/* Nobody may be shifting or copying it while it goes. */
	lock = sysctr_image_lock(s, img->path, err);
	if (lock < 0)
		return -1;
	if (sysctr_store_image_users(s->store, img->id, &users, err) < 0)
		return -1;
	if (users[0] != NULL) {
		cleanup_free char *list = join_names(users);

		return sysctr_err(err, SYSCTR_E_STATE, 0, "image in use by %s",
				  list);
	}
	/* The row first: files left by a failure are an unregistered
	 * directory, which nothing uses. */
	if (sysctr_store_image_delete(s->store, img->id, err) < 0)
		return -1;
	rm_rf_or_warn(img->path, "remove image files");
	return 0;
}

SYSCTR_PUBLIC int sysctr_image_remove(struct sysctr *s, const char *ref,
				      struct sysctr_error **err)
{
	cleanup_image_row struct sysctr_image_row img = { 0 };

	if (sysctr_need_store(s, err) < 0 || find_image(s, ref, &img, err) < 0)
		return -1;
	return remove_unused(s, &img, err);
}

SYSCTR_PUBLIC void sysctr_prune_result_clear(struct sysctr_prune_result *r)
{
	strv_free(r->removed);
	strv_free(r->busy);
	memset(r, 0, sizeof(*r));
}

/* IMAGES/.cache/TEMPLATE, each unless a template run holds its lock */
static void prune_cache(struct sysctr *s, struct sysctr_prune_result *out)
{
	cleanup_free char *cache = xasprintf("%s/.cache", s->images_dir);
	cleanup_closedir DIR *d = opendir(cache);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		cleanup_free char *dir = NULL, *lock = NULL;
		cleanup_close int fd = -1;
		int64_t bytes;

		if (e->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", cache, e->d_name);
		lock = xasprintf("%s/.lock", dir);
		fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			strv_push(&out->busy, e->d_name);
			continue;
		}
		bytes = tree_size(dir);
		if (rm_rf(dir, NULL) == 0) {
			out->cache_bytes += bytes;
			out->freed_bytes += bytes;
		}
	}
}

SYSCTR_PUBLIC int sysctr_images_prune(struct sysctr *s,
				      struct sysctr_prune_result *out,
				      struct sysctr_error **err)
{
	struct sysctr_image_row *rows = NULL;
	size_t n = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->removed = xcalloc(1, sizeof(char *));
	out->busy = xcalloc(1, sizeof(char *));
	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_image_list(s->store, &rows, &n, err) < 0)
		return -1;
	/* The rows are read once; only an unused image is measured, just
	 * before it goes (remove_unused looks at its users again, under the
	 * image's lock: a create that took it since then keeps it). */
	for (size_t i = 0; i < n && ret == 0; i++) {
		cleanup_error struct sysctr_error *e = NULL;
		cleanup_strv char **users = NULL;
		int64_t bytes;

		ret =
		    sysctr_store_image_users(s->store, rows[i].id, &users, err);
		if (ret < 0 || users[0] != NULL)
			continue;
		bytes = tree_size(rows[i].path);
		if (remove_unused(s, &rows[i], &e) < 0) {
			if (e->kind != SYSCTR_E_STATE)
				ret = sysctr_err_pass(err, &e);
			continue;
		}
		strv_push(&out->removed, base_name(rows[i].path));
		out->freed_bytes += bytes;
	}
	sysctr_image_rows_free(rows, n);
	if (ret == 0)
		prune_cache(s, out);
	return ret;
}
