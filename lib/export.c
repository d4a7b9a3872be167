/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export: one container, its snapshots and optionally its image as one
 * tar archive compressed with zstd, streamed through libarchive.
 *
 * The archive (its members in this order; lib/archive-format.h):
 *   index.json      what it holds: the container's row, its layer stack,
 *                   its snapshots and their stacks, the image it needs
 *   container.conf
 *   layers/KEY/...  each layer the container or a kept snapshot uses
 *   upper/...       the container's own upper directory
 *   image/meta, image/rootfs/...   with --with-image
 *   checksums.json  SHA-256 of every regular file member, last
 * Owners are container-relative (an unprivileged container's mapped ids
 * shifted back down, file capabilities made plain v2), so an archive
 * imports on a host with another id range.
 *
 * A stopped container is read under its lock; a running one from a
 * snapshot cut for the purpose (frozen while it is cut, like any
 * snapshot) and deleted afterwards, so it runs on meanwhile. The file
 * appears when it is whole: it is written unnamed (O_TMPFILE) in its
 * directory and linked into place at the end. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "archive-format.h"
#include "archive-lib.h"
#include "conf.h"
#include "container.h"
#include "error.h"
#include "export-tree.h"
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

/* ---- what goes in ------------------------------------------------------- */

struct plan {
	struct sysctr_ct_row row;
	struct sysctr_image_row image; /* id 0: none */
	char *conf_text;
	bool privileged;
	char **stack;  /* the current state, top first */
	char **layers; /* every layer exported */
	struct sysctr_snap_row *snaps;
	char ***snap_stacks;
	size_t nsnaps;
	char *based_on;
	bool with_upper; /* false: the current state is a snapshot's stack */
};

static void plan_clear(struct plan *p)
{
	sysctr_ct_row_clear(&p->row);
	sysctr_image_row_clear(&p->image);
	free(p->conf_text);
	strv_free(p->stack);
	strv_free(p->layers);
	for (size_t i = 0; i < p->nsnaps; i++)
		strv_free(p->snap_stacks[i]);
	free(p->snap_stacks);
	sysctr_snap_rows_free(p->snaps, p->nsnaps);
	free(p->based_on);
}

static void add_layers(char ***all, char *const *stack)
{
	for (size_t i = 0; stack != NULL && stack[i] != NULL; i++)
		if (!strv_contains(*all, stack[i]))
			strv_push(all, stack[i]);
}

/* For the holder of the lock: the rows and files to export. skip: the
 * snapshot cut for the export (its stack is the current state). */
static int plan_make(struct sysctr *s, const char *name, const char *skip,
		     bool snapshots, struct plan *p, struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	struct sysctr_snap_row *all = NULL;
	size_t n = 0;

	if (sysctr_store_ct_get(s->store, name, &p->row, err) < 0 ||
	    sysctr_stack_repair(s, &p->row, err) < 0)
		return -1;
	if (p->row.storage != NULL && strcmp(p->row.storage, "overlay") != 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "a full copy (create --copy) cannot be "
				  "exported: only a container on overlay "
				  "layers");
	if (sysctr_conf_read(conf, false, &p->conf_text, err) < 0 ||
	    sysctr_ct_config_parse(p->conf_text, conf, &ct, err) < 0)
		return -1;
	p->privileged = ct->security.privileged;
	if (p->row.image_id != 0 &&
	    sysctr_store_image_get(s->store, p->row.image_id, &p->image, err) <
		0)
		return -1;
	if (sysctr_store_ct_layers(s->store, p->row.id, &p->stack, err) < 0 ||
	    sysctr_store_snap_list(s->store, p->row.id, &all, &n, err) < 0)
		return -1;
	p->layers = xcalloc(1, sizeof(char *));
	p->snaps = xcalloc(n + 1, sizeof(*p->snaps));
	p->snap_stacks = xcalloc(n + 1, sizeof(*p->snap_stacks));
	p->with_upper = skip == NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_strv char **st = NULL;
		cleanup_snap_row struct sysctr_snap_row one = { 0 };

		if (all[i].id == p->row.based_on)
			p->based_on = xstrdup(all[i].name);
		if (sysctr_store_snap_get(s->store, p->row.id, all[i].name,
					  &one, &st, err) < 0)
			goto fail;
		if (skip != NULL && strcmp(all[i].name, skip) == 0) {
			strv_free(p->stack);
			p->stack = steal_ptr(&st);
			continue;
		}
		if (!snapshots)
			continue;
		p->snaps[p->nsnaps] = one;
		memset(&one, 0, sizeof(one));
		p->snap_stacks[p->nsnaps++] = steal_ptr(&st);
	}
	sysctr_snap_rows_free(all, n);
	add_layers(&p->layers, p->stack);
	for (size_t i = 0; i < p->nsnaps; i++)
		add_layers(&p->layers, p->snap_stacks[i]);
	if (skip != NULL && p->based_on != NULL && !snapshots) {
		free(p->based_on);
		p->based_on = NULL;
	}
	return 0;
fail:
	sysctr_snap_rows_free(all, n);
	return -1;
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *str_or_null(const char *v)
{
	return v ? json_object_new_string(v) : NULL;
}

static char *index_json(const struct plan *p, bool with_image)
{
	json_object *o = json_object_new_object();
	json_object *img = json_object_new_object();
	json_object *snaps = json_object_new_array();
	char *text;

	json_object_object_add(o, "format",
			       json_object_new_string(SYSCTR_AR_FORMAT));
	json_object_object_add(o, "version",
			       json_object_new_int(SYSCTR_AR_VERSION));
	json_object_object_add(o, "name", json_object_new_string(p->row.name));
	json_object_object_add(o, "template",
			       json_object_new_string(p->row.template));
	json_object_object_add(o, "release",
			       json_object_new_string(p->row.release));
	json_object_object_add(o, "arch", json_object_new_string(p->row.arch));
	json_object_object_add(o, "created",
			       json_object_new_int64(p->row.created));
	json_object_object_add(o, "exported",
			       json_object_new_int64(now_realtime()));
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(p->privileged));
	json_object_object_add(img, "included",
			       json_object_new_boolean(with_image));
	json_object_object_add(img, "hash", str_or_null(p->image.hash));
	json_object_object_add(img, "created",
			       json_object_new_int64(p->image.created));
	json_object_object_add(o, "image", img);
	json_object_object_add(o, "layers", strv_json(p->layers));
	json_object_object_add(o, "stack", strv_json(p->stack));
	json_object_object_add(o, "based_on", str_or_null(p->based_on));
	for (size_t i = 0; i < p->nsnaps; i++) {
		json_object *one = json_object_new_object();

		json_object_object_add(
		    one, "name", json_object_new_string(p->snaps[i].name));
		json_object_object_add(
		    one, "created", json_object_new_int64(p->snaps[i].created));
		json_object_object_add(one, "comment",
				       str_or_null(p->snaps[i].comment));
		json_object_object_add(one, "kind",
				       str_or_null(p->snaps[i].kind));
		json_object_object_add(one, "stack",
				       strv_json(p->snap_stacks[i]));
		json_object_array_add(snaps, one);
	}
	json_object_object_add(o, "snapshots", snaps);
	text = xstrdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* ---- the file ------------------------------------------------------------ */

/* An unnamed file in file's directory (or, where O_TMPFILE is not
 * supported, a hidden temporary name), linked into place by
 * out_finish(). */
struct out {
	int fd;
	char *dir, *file, *tmpname;
};

static int out_open(struct out *o, const char *file, struct sysctr_error **err)
{
	cleanup_free char *copy = xstrdup(file);
	char *slash = strrchr(copy, '/');

	o->file = xstrdup(file);
	if (slash == NULL)
		o->dir = xstrdup(".");
	else if (slash == copy)
		o->dir = xstrdup("/");
	else {
		*slash = '\0';
		o->dir = xstrdup(copy);
	}
	if (is_dir(file))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s is a directory: name the archive file",
				  file);
	o->fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (o->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "create a file in %s", o->dir);
	o->tmpname = xasprintf("%s/.%s.partial-XXXXXX", o->dir,
			       slash ? slash + 1 : file);
	o->fd = mkostemp(o->tmpname, O_CLOEXEC);
	if (o->fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  o->tmpname);
	return 0;
}

static int out_finish(struct out *o, struct sysctr_error **err)
{
	cleanup_free char *proc = NULL;
	cleanup_free char *tmp = NULL;

	if (fsync(o->fd) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  o->file);
	if (o->tmpname == NULL) {
		proc = xasprintf("/proc/self/fd/%d", o->fd);
		/* a new name: the whole file appears at once */
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->file,
			   AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "link %s", o->file);
		/* linkat() cannot replace: link to a fresh name, rename */
		tmp = xasprintf("%s.partial-%ld", o->file, (long)getpid());
		unlink(tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) <
		    0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "link %s", tmp);
		o->tmpname = steal_ptr(&tmp);
	}
	if (rename(o->tmpname, o->file) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "rename to %s",
				  o->file);
	free(o->tmpname);
	o->tmpname = NULL;
	return 0;
}

static void out_close(struct out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmpname != NULL)
		unlink(o->tmpname);
	free(o->tmpname);
	free(o->dir);
	free(o->file);
}

static int64_t plan_bytes(struct sysctr *s, const struct plan *p,
			  bool with_image)
{
	int64_t total = 0;

	for (size_t i = 0; p->layers[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, p->layers[i]);

		total += tree_size(fs);
	}
	if (p->with_upper) {
		cleanup_free char *up =
		    sysctr_stack_path(s, p->row.name, "overlay/delta");

		total += tree_size(up);
	}
	if (with_image && p->image.path != NULL) {
		cleanup_free char *r = xasprintf("%s/rootfs", p->image.path);

		total += tree_size(r);
	}
	return total;
}

static int write_archive(struct sysctr *s, const struct plan *p,
			 const struct sysctr_export_opts *o, int fd,
			 struct sysctr_export_result *res,
			 struct sysctr_error **err)
{
	struct export_tree x = { .s = s };
	cleanup_free char *index = index_json(p, o->with_image);
	cleanup_free char *sums_text = NULL;
	json_object *top;
	int ret = -1;

	x.unpriv = !p->privileged;
	x.base = (uint32_t)s->cfg->idmap.base;
	x.size = (uint32_t)s->cfg->idmap.size;
	x.sums = json_object_new_object();
	x.buf = xmalloc(EXPORT_BUF_SIZE);
	/* a walk of its own: only for somebody who watches */
	if (s->progress != NULL)
		x.total = plan_bytes(s, p, o->with_image);
	x.a = SYSCTR_AR->archive_write_new();
	x.e = SYSCTR_AR->archive_entry_new();
	if (x.a == NULL || x.e == NULL)
		abort();
	if (SYSCTR_AR->archive_write_add_filter_zstd(x.a) != ARCHIVE_OK ||
	    SYSCTR_AR->archive_write_set_format_pax(x.a) != ARCHIVE_OK) {
		export_ar_fail(&x, "set up the archive", err);
		goto out;
	}
	/* zstd's own worker thread: compression runs beside the reading */
	SYSCTR_AR->archive_write_set_filter_option(x.a, "zstd",
						   "compression-level", "3");
	SYSCTR_AR->archive_write_set_filter_option(x.a, "zstd", "threads", "2");
	SYSCTR_AR->archive_write_set_bytes_in_last_block(x.a, 1);
	if (SYSCTR_AR->archive_write_open_fd(x.a, fd) != ARCHIVE_OK) {
		export_ar_fail(&x, "open the archive", err);
		goto out;
	}
	if (export_put_text(&x, SYSCTR_AR_INDEX, index, true, err) < 0 ||
	    export_put_text(&x, SYSCTR_AR_CONF, p->conf_text, true, err) < 0)
		goto out;
	for (size_t i = 0; p->layers[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, p->layers[i]);
		cleanup_free char *ap =
		    xasprintf(SYSCTR_AR_LAYERS "%s", p->layers[i]);

		if (export_put_tree(&x, fs, ap, false, false, err) < 0)
			goto out;
	}
	{
		/* a running container's current state is its snapshot's
		 * stack under an empty upper: the upper's root alone */
		cleanup_free char *up =
		    sysctr_stack_path(s, p->row.name, "overlay/delta");

		if (export_put_tree(&x, up, SYSCTR_AR_UPPER, false,
				    !p->with_upper, err) < 0)
			goto out;
	}
	if (o->with_image) {
		cleanup_free char *meta = NULL, *rootfs = NULL;
		cleanup_free char *meta_text = NULL;
		size_t len = 0;

		if (p->image.path == NULL) {
			sysctr_err(err, SYSCTR_E_FAILED, 0,
				   "--with-image: the container's image is "
				   "not in the registry");
			goto out;
		}
		meta = xasprintf("%s/meta", p->image.path);
		rootfs = xasprintf("%s/rootfs", p->image.path);
		if (read_file(meta, &meta_text, &len, err) < 0 ||
		    export_put_text(&x, SYSCTR_AR_IMAGE_META, meta_text, true,
				    err) < 0 ||
		    export_put_tree(&x, rootfs, SYSCTR_AR_IMAGE_ROOTFS, true,
				    false, err) < 0)
			goto out;
	}
	top = json_object_new_object();
	json_object_object_add(top, "sha256", json_object_get(x.sums));
	sums_text = xstrdup(json_object_to_json_string_ext(
	    top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	if (export_put_text(&x, SYSCTR_AR_SUMS, sums_text, false, err) < 0)
		goto out;
	if (SYSCTR_AR->archive_write_close(x.a) != ARCHIVE_OK) {
		export_ar_fail(&x, "finish the archive", err);
		goto out;
	}
	res->bytes = x.done;
	res->layers = (int)strv_length(p->layers);
	res->snapshots = (int)p->nsnaps;
	ret = 0;
out:
	SYSCTR_AR->archive_write_free(x.a);
	SYSCTR_AR->archive_entry_free(x.e);
	json_object_put(x.sums);
	for (size_t i = 0; i < x.nlinks; i++)
		free(x.links[i].path);
	free(x.links);
	free(x.buf);
	return ret;
}

/* ---- export ------------------------------------------------------------- */

/* An export killed while it read a running container left the snapshot
 * it read from: kind "export", its name ending in the pid of an export
 * that is gone (kill(pid, 0) only asks whether it exists). */
static void remove_stale(struct sysctr *s, const char *name)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	struct sysctr_snap_row *v = NULL;
	struct sysctr_error *e = NULL;
	size_t n = 0;

	/* the rows alone: snapshot list would measure every layer */
	if (sysctr_store_ct_get(s->store, name, &row, &e) < 0 ||
	    sysctr_store_snap_list(s->store, row.id, &v, &n, &e) < 0) {
		sysctr_log_warn_error(e, "list the snapshots");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *dash = strrchr(v[i].name, '-');
		char *end = NULL;
		long pid = dash ? strtol(dash + 1, &end, 10) : 0;

		if (v[i].kind == NULL || strcmp(v[i].kind, "export") != 0 ||
		    pid <= 1 || end == NULL || *end != '\0' ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		log_info("%s: removing snapshot %s, left by an export that was "
			 "killed",
			 name, v[i].name);
		if (sysctr_snapshot_delete(s, name, v[i].name, &e) < 0)
			sysctr_log_warn_error(e, "remove a stale snapshot");
	}
	sysctr_snap_rows_free(v, n);
}

static char *export_snap_name(void)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("export-%s-%ld", stamp, (long)getpid());
}

SYSCTR_PUBLIC void sysctr_export_result_clear(struct sysctr_export_result *r)
{
	free(r->snapshot);
	memset(r, 0, sizeof(*r));
}

SYSCTR_PUBLIC int sysctr_ct_export(struct sysctr *s, const char *name,
				   const char *file,
				   const struct sysctr_export_opts *o,
				   struct sysctr_export_result *res,
				   struct sysctr_error **err)
{
	struct plan p = { 0 };
	struct out out = { .fd = -1 };
	cleanup_lock int lock = -1;
	cleanup_free char *snap = NULL;
	cleanup_free char *detail = NULL;
	struct sysctr_error *e = NULL;
	bool running;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->frozen_s = -1;
	if (sysctr_archive_lib_load(err) < 0 ||
	    sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	remove_stale(s, name);
	running = sysctr_ct_is_active(s, name);
	if (running) {
		struct sysctr_snapshot_result sr = { 0 };

		snap = export_snap_name();
		if (sysctr_snapshot_cut(s, name, snap, "for an export",
					"export", 0, &sr, err) < 0)
			return -1;
		res->frozen_s = sr.frozen_s;
		res->snapshot = xstrdup(snap);
		sysctr_snapshot_result_clear(&sr);
	}
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0)
		goto out;
	if (!running && sysctr_ct_is_active(s, name)) {
		sysctr_err(err, SYSCTR_E_STATE, 0,
			   "it started while the export began: try again");
		goto out;
	}
	if (plan_make(s, name, snap, !o->no_snapshots, &p, err) < 0)
		goto out;
	/* the index names the image by its content, so that an import
	 * where it is cached already only checks it */
	if (o->with_image && p.image.path != NULL &&
	    sysctr_image_rootfs(s, p.image.path, NULL, err) < 0)
		goto out;
	if (o->with_image && p.image.path != NULL && p.image.hash == NULL)
		free(sysctr_image_hash(s, &p.image));
	/* a running container's layers are immutable: it may go on (and be
	 * stopped) meanwhile; a stopped one's upper is read under the lock */
	if (running)
		sysctr_unlock(steal_fd(&lock));
	if (out_open(&out, file, err) < 0 ||
	    write_archive(s, &p, o, out.fd, res, err) < 0 ||
	    out_finish(&out, err) < 0)
		goto out;
	ret = 0;
out:
	out_close(&out);
	plan_clear(&p);
	if (lock >= 0)
		sysctr_unlock(steal_fd(&lock));
	if (snap != NULL && sysctr_snapshot_delete(s, name, snap, &e) < 0)
		sysctr_log_warn_error(e, "remove the export's snapshot");
	detail =
	    xasprintf("%s%s", file, o->no_snapshots ? ", no snapshots" : "");
	sysctr_ct_record(s, name, "export", NULL, ret < 0 ? *err : NULL,
			 detail);
	return ret;
}
