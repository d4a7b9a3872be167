/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Snapshots as stacks of immutable overlayfs layers.
 *
 * A container's rootfs is its own upper directory (overlay/delta) over
 * its layer stack over its image. Cutting a snapshot of a stopped
 * container makes the upper an immutable layer (a rename into the layer
 * store, lib/layers.c) under a fresh empty upper; the snapshot is the
 * stack the container then has. Restoring one gives the container that
 * stack under a fresh upper, after the same cut of its current state as a
 * safety snapshot. Nothing is copied, nothing another snapshot uses is
 * touched, and any snapshot can be restored.
 *
 * Each change is one registry transaction, the switch point: before its
 * commit only new files exist (the fresh upper, overlay/delta.next, and
 * the layer's empty directory), which a later run removes; with it the
 * registry holds the new stack and `pending = "freeze LAYER"`, and the
 * two renames that follow (upper to layer, delta.next to upper) are
 * redone by sysctr_stack_repair(), which every user of the container's
 * files calls under its lock, should sysctr be killed between them. So a
 * kill at any moment leaves the container as it was or as it is meant to
 * be, never a mix. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "flatten.h"
#include "idmap.h"
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

/* ---- cutting ----------------------------------------------------------- */

/* "PREFIX-YYYYMMDD-HHMMSS", with "-N" when that is taken. */
static char *auto_name(struct sysctr *s, int64_t ct_id, const char *prefix)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	char *name;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	name = xasprintf("%s-%s", prefix, stamp);
	for (int i = 2; i < 1000; i++) {
		struct sysctr_snap_row r = { 0 };
		int ret = sysctr_store_snap_get(s->store, ct_id, name, &r, NULL,
						NULL);

		sysctr_snap_row_clear(&r);
		if (ret < 0)
			break;
		free(name);
		name = xasprintf("%s-%s-%d", prefix, stamp, i);
	}
	return name;
}

/* A fresh, empty upper (overlay/delta.next) with the owner and mode of
 * the current one, whose root directory is the container's "/". */
static int make_next(struct sysctr *s, const char *name,
		     struct sysctr_error **err)
{
	cleanup_free char *upper = sysctr_stack_path(s, name, "overlay/delta");
	cleanup_free char *next =
	    sysctr_stack_path(s, name, "overlay/delta.next");
	struct stat st;

	if (lstat(upper, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", upper);
	if (!S_ISDIR(st.st_mode))
		return sysctr_err(err, SYSCTR_E_FAILED, ENOTDIR, "%s", upper);
	if (mkdir(next, 0700) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  next);
	if (chown(next, st.st_uid, st.st_gid) < 0 ||
	    chmod(next, st.st_mode & 07777) < 0) {
		int e = errno;

		rmdir(next);
		return sysctr_err(err, SYSCTR_E_FAILED, e, "set up %s", next);
	}
	return 0;
}

/* The layer's directory, empty, made before the commit (and moved into
 * the layer store after it): a disk that is full fails here, while
 * nothing has changed yet. */
static int make_layer_dir(struct sysctr *s, const char *name,
			  struct sysctr_error **err)
{
	cleanup_free char *staged =
	    sysctr_stack_path(s, name, "overlay/layer.next");

	if (mkdir(staged, 0711) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  staged);
	return 0;
}

struct cut {
	const char *ct; /* container name */
	int64_t ct_id;
	char *const *old_stack; /* the container's stack now */
	char *const *new_stack; /* its stack after; NULL: [layer] + old */
	int64_t based_on;	/* snapshot it is based on after; 0: the
				   new one */
	const char *action;	/* for history */
	const char *detail;	/* for history; NULL: the snapshot's name */
	bool copy;		/* the layer is a copy (running container) */
	bool no_snapshot;	/* a layer without a snapshot (clone) */
	struct sysctr_snap_row snap; /* name, comment, kind in; id out */
	char *layer;		     /* the new layer's name */
	/* more changes in the same transaction, given the stack
	 * [layer] + old; may be NULL */
	int (*extra)(struct sysctr *s, char *const *stack, void *data,
		     struct sysctr_error **err);
	void *extra_data;
};

/* The one transaction of a cut: the layer, the snapshot with the stack
 * [layer] + old, the container's new stack, what it is based on, the
 * history row and what is pending. */
static int cut_commit(struct sysctr *s, struct cut *c,
		      struct sysctr_error **err)
{
	cleanup_strv char **snap_stack = NULL;
	cleanup_free char *pending = xasprintf(
	    "%s%s", c->copy ? PENDING_COPY : PENDING_FREEZE, c->layer);
	int ret;

	strv_push(&snap_stack, c->layer);
	for (size_t i = 0; c->old_stack[i] != NULL; i++)
		strv_push(&snap_stack, c->old_stack[i]);

	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	ret = sysctr_store_layer_insert(s->store, c->layer, err);
	if (ret == 0 && !c->no_snapshot)
		ret = sysctr_store_snap_insert(s->store, c->ct_id, &c->snap,
					       snap_stack, err);
	if (ret == 0 && !c->copy)
		ret = sysctr_store_ct_set_layers(
		    s->store, c->ct_id,
		    c->new_stack ? c->new_stack : snap_stack, err);
	if (ret == 0 && !c->no_snapshot)
		ret = sysctr_store_ct_set_based_on(
		    s->store, c->ct_id, c->based_on ? c->based_on : c->snap.id,
		    err);
	if (ret == 0)
		ret = sysctr_store_ct_set_pending(s->store, c->ct_id, pending,
						  err);
	if (ret == 0 && c->action != NULL)
		ret = sysctr_ct_record_in_tx(
		    s, c->ct, c->action, c->detail ? c->detail : c->snap.name,
		    err);
	if (ret == 0 && c->extra != NULL)
		ret = c->extra(s, snap_stack, c->extra_data, err);
	if (ret == 0)
		ret = sysctr_store_commit(s->store, err);
	if (ret < 0)
		sysctr_store_rollback(s->store);
	return ret;
}

/* For the lock holder, after a cut or a restore: a container whose stack
 * grew past SYSCTR_LAYERS_MAX goes on over one layer that merges them
 * (a copy of what they hold, made before the switch). Its snapshots keep
 * their own stacks; layers nothing uses any more go. */
static int flatten_if_deep(struct sysctr *s, const char *name,
			   struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_free char *conf = sysctr_ct_conf_path(s, name);
	cleanup_free char *flat =
	    sysctr_stack_path(s, name, "overlay/flat.next");
	cleanup_free char *flat_fs = NULL;
	cleanup_free char *layer = sysctr_layer_new_name();
	cleanup_free char *pending = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_image_row struct sysctr_image_row img = { 0 };
	cleanup_free char *base = NULL;
	cleanup_strv char **stack = NULL;
	cleanup_strv char **dirs = NULL;
	cleanup_strv char **unused = NULL;
	char *one[2] = { layer, NULL };
	int ret;

	if (sysctr_store_ct_get(s->store, name, &row, err) < 0 ||
	    sysctr_store_ct_layers(s->store, row.id, &stack, err) < 0)
		return -1;
	if (strv_length(stack) <= SYSCTR_LAYERS_MAX)
		return 0;
	if (sysctr_ct_config_load(conf, &ct, err) < 0 ||
	    sysctr_store_image_get(s->store, row.image_id, &img, err) < 0)
		return -1;
	if (ct->security.privileged) {
		if (sysctr_image_rootfs(s, img.path, &base, err) < 0)
			return -1;
	} else if (sysctr_idmap_lower(s, img.path, &base, err) < 0)
		return -1;
	log_info("%s: merging its %zu layers into one", name,
		 strv_length(stack));
	flat_fs = xasprintf("%s/fs", flat);
	if (mkdir(flat, 0711) < 0 || mkdir(flat_fs, 0755) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  flat_fs);
	dirs = xcalloc(1, sizeof(*dirs));
	for (size_t i = 0; stack[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, stack[i]);

		strv_push(&dirs, fs);
	}
	if (sysctr_layers_merge(dirs, base, flat_fs, ct->security.privileged,
				err) < 0) {
		rm_rf_or_warn(flat, "remove a half-made merged layer");
		return -1;
	}
	pending = xasprintf("%s%s", PENDING_FLAT, layer);
	ret = sysctr_store_begin(s->store, err);
	if (ret == 0)
		ret = sysctr_store_layer_insert(s->store, layer, err);
	if (ret == 0)
		ret = sysctr_store_ct_set_layers(s->store, row.id, one, err);
	if (ret == 0)
		ret =
		    sysctr_store_ct_set_pending(s->store, row.id, pending, err);
	if (ret == 0)
		ret = sysctr_store_layers_unused_take(s->store, &unused, err);
	if (ret == 0)
		ret = sysctr_store_commit(s->store, err);
	if (ret < 0) {
		sysctr_store_rollback(s->store);
		rm_rf_or_warn(flat, "remove a half-made merged layer");
		return -1;
	}
	free(row.pending);
	row.pending = xstrdup(pending);
	if (sysctr_stack_finish(s, &row, err) < 0)
		return -1;
	sysctr_stack_remove(s, unused);
	return 0;
}

/* After the commit the change stands: what remains (the renames, then
 * clearing `pending`) is what sysctr_stack_repair() redoes under the lock
 * at the next command on the container. A failure here (a full disk that
 * refuses the registry's last write) is a warning, not a failure of a
 * change that was made: told it failed, a caller would make it again.
 * Returns whether the switch is finished. */
static bool finish_committed(struct sysctr *s, const char *name)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	struct sysctr_error *e = NULL;

	if (sysctr_store_ct_get(s->store, name, &row, &e) == 0 &&
	    sysctr_stack_finish(s, &row, &e) == 0)
		return true;
	sysctr_err_prefix(&e,
			  "%s: done; the next command on it finishes the "
			  "switch",
			  name);
	sysctr_log_warn_error(e, NULL);
	return false;
}

/* Cut c of a stopped container: fresh upper and layer directory, the
 * commit, then the renames. */
static int cut_stopped(struct sysctr *s, struct cut *c,
		       struct sysctr_error **err)
{
	cleanup_free char *next =
	    sysctr_stack_path(s, c->ct, "overlay/delta.next");
	cleanup_free char *staged =
	    sysctr_stack_path(s, c->ct, "overlay/layer.next");

	if (make_next(s, c->ct, err) < 0)
		return -1;
	if (make_layer_dir(s, c->ct, err) < 0 || cut_commit(s, c, err) < 0) {
		rmdir(staged);
		rm_rf_or_warn(next, "remove a half-made snapshot");
		return -1;
	}
	/* a merge would record a pending change of its own over the one
	 * left to finish: the next cut merges */
	if (!finish_committed(s, c->ct))
		return 0;
	/* the cut stands whatever happens to the merge */
	{
		struct sysctr_error *e = NULL;

		if (flatten_if_deep(s, c->ct, &e) < 0)
			sysctr_log_warn_error(e, "merge its layers");
	}
	return 0;
}

struct copy_job {
	const char *from, *to;
};

static int copy_job_run(void *data, struct sysctr_error **err)
{
	struct copy_job *j = data;

	return copy_tree(j->from, j->to, err);
}

/* Cut c of a running container: its upper is copied while it is frozen;
 * the container goes on over the same stack. */
static int cut_running(struct sysctr *s, struct cut *c, double *frozen_s,
		       struct sysctr_error **err)
{
	cleanup_free char *upper = sysctr_stack_path(s, c->ct, "overlay/delta");
	cleanup_free char *copy =
	    sysctr_stack_path(s, c->ct, "overlay/snap.copy");
	struct copy_job job = { upper, copy };

	c->copy = true;
	if (sysctr_ct_frozen_run(s, c->ct, copy_job_run, &job, frozen_s, err) <
	    0) {
		rm_rf_or_warn(copy, "remove a half-made snapshot");
		return -1;
	}
	if (cut_commit(s, c, err) < 0) {
		rm_rf_or_warn(copy, "remove a half-made snapshot");
		return -1;
	}
	finish_committed(s, c->ct);
	return 0;
}

int sysctr_snapshot_cut_layer(struct sysctr *s, const struct sysctr_ct_row *row,
			      int (*extra)(struct sysctr *s, char *const *stack,
					   void *data,
					   struct sysctr_error **err),
			      void *data, double *frozen_s,
			      struct sysctr_error **err)
{
	cleanup_strv char **stack = NULL;
	cleanup_free char *layer = sysctr_layer_new_name();
	struct cut c = { 0 };

	*frozen_s = -1;
	if (sysctr_store_ct_layers(s->store, row->id, &stack, err) < 0)
		return -1;
	c.ct = row->name;
	c.ct_id = row->id;
	c.old_stack = stack;
	c.no_snapshot = true;
	c.layer = layer;
	c.extra = extra;
	c.extra_data = data;
	if (sysctr_ct_is_active(s, row->name))
		return cut_running(s, &c, frozen_s, err);
	return cut_stopped(s, &c, err);
}

/* ---- commands ---------------------------------------------------------- */

int sysctr_snap_name_check(const char *snap, struct sysctr_error **err)
{
	if (!sysctr_token_valid(snap))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid snapshot name '%s': use 1-64 "
				  "letters, digits, '.', '_' and '-', "
				  "starting with a letter or digit",
				  snap ? snap : "");
	return 0;
}

/* Lock, row, overlay storage, repair: what every snapshot command starts
 * with. */
static int snap_begin(struct sysctr *s, const char *name,
		      struct sysctr_ct_row *row, struct sysctr_error **err)
{
	int lock;

	if (sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0)
		return -1;
	if (sysctr_store_ct_get(s->store, name, row, err) < 0 ||
	    sysctr_stack_repair(s, row, err) < 0) {
		sysctr_unlock(lock);
		return -1;
	}
	if (row->storage != NULL && strcmp(row->storage, "overlay") != 0) {
		sysctr_unlock(lock);
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "snapshots need a container on overlay "
				  "layers; this one is a full copy (create "
				  "--copy)");
	}
	return lock;
}

SYSCTR_PUBLIC void
sysctr_snapshot_result_clear(struct sysctr_snapshot_result *r)
{
	if (r == NULL)
		return;
	free(r->name);
	memset(r, 0, sizeof(*r));
}

int sysctr_snapshot_cut(struct sysctr *s, const char *name, const char *snap,
			const char *comment, const char *kind, int64_t created,
			struct sysctr_snapshot_result *res,
			struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_strv char **stack = NULL;
	cleanup_free char *sname = NULL;
	cleanup_free char *layer = sysctr_layer_new_name();
	cleanup_lock int lock = -1;
	struct cut c = { 0 };
	int ret;

	memset(res, 0, sizeof(*res));
	res->frozen_s = -1;
	if (snap != NULL && sysctr_snap_name_check(snap, err) < 0)
		return -1;
	lock = snap_begin(s, name, &row, err);
	if (lock < 0)
		return -1;
	if (sysctr_store_ct_layers(s->store, row.id, &stack, err) < 0)
		return -1;
	sname = snap ? xstrdup(snap) : auto_name(s, row.id, "snap");
	c.ct = name;
	c.ct_id = row.id;
	c.old_stack = stack;
	c.action =
	    strcmp(kind, "auto") == 0 ? "snapshot auto" : "snapshot create";
	c.snap.name = sname;
	c.snap.comment = (char *)comment;
	c.snap.kind = (char *)kind;
	c.snap.created = created;
	c.layer = layer;
	if (sysctr_ct_is_active(s, name))
		ret = cut_running(s, &c, &res->frozen_s, err);
	else
		ret = cut_stopped(s, &c, err);
	if (ret < 0)
		return -1;
	res->name = steal_ptr(&sname);
	return 0;
}

SYSCTR_PUBLIC int sysctr_snapshot_create(struct sysctr *s, const char *name,
					 const char *snap, const char *comment,
					 struct sysctr_snapshot_result *res,
					 struct sysctr_error **err)
{
	return sysctr_snapshot_cut(s, name, snap, comment, "manual", 0, res,
				   err);
}

SYSCTR_PUBLIC int sysctr_snapshot_restore(struct sysctr *s, const char *name,
					  const char *snap, bool force,
					  struct sysctr_snapshot_result *res,
					  struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_snap_row struct sysctr_snap_row target = { 0 };
	cleanup_strv char **stack = NULL;
	cleanup_strv char **target_stack = NULL;
	cleanup_free char *sname = NULL;
	cleanup_free char *detail = NULL;
	cleanup_free char *comment = NULL;
	cleanup_free char *layer = sysctr_layer_new_name();
	cleanup_lock int lock = -1;
	struct cut c = { 0 };

	memset(res, 0, sizeof(*res));
	res->frozen_s = -1;
	if (sysctr_snap_name_check(snap, err) < 0)
		return -1;
	lock = snap_begin(s, name, &row, err);
	if (lock < 0)
		return -1;
	if (sysctr_store_snap_get(s->store, row.id, snap, &target,
				  &target_stack, err) < 0)
		return -1;
	if (sysctr_ct_is_active(s, name)) {
		if (!force)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "is running: stop it first, or use "
					  "--force");
		if (sysctr_ct_stop_held(s, name, err) < 0)
			return -1;
	}
	if (sysctr_store_ct_layers(s->store, row.id, &stack, err) < 0)
		return -1;
	sname = auto_name(s, row.id, "safety");
	detail = xasprintf("%s (safety snapshot %s)", snap, sname);
	comment = xasprintf("before the restore of %s", snap);
	c.ct = name;
	c.ct_id = row.id;
	c.old_stack = stack;
	c.new_stack = target_stack;
	c.based_on = target.id;
	c.action = "snapshot restore";
	c.detail = detail;
	c.snap.name = sname;
	c.snap.comment = comment;
	c.snap.kind = (char *)"safety";
	c.layer = layer;
	if (cut_stopped(s, &c, err) < 0)
		return -1;
	res->name = steal_ptr(&sname);
	return 0;
}

SYSCTR_PUBLIC int sysctr_snapshot_delete(struct sysctr *s, const char *name,
					 const char *snap,
					 struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_strv char **unused = NULL;
	cleanup_lock int lock = -1;
	int ret;

	if (sysctr_snap_name_check(snap, err) < 0)
		return -1;
	lock = snap_begin(s, name, &row, err);
	if (lock < 0)
		return -1;
	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	ret = sysctr_store_snap_delete(s->store, row.id, snap, err);
	if (ret == 0)
		ret = sysctr_store_layers_unused_take(s->store, &unused, err);
	if (ret == 0)
		ret = sysctr_ct_record_in_tx(s, name, "snapshot delete", snap,
					     err);
	if (ret == 0)
		ret = sysctr_store_commit(s->store, err);
	if (ret < 0) {
		sysctr_store_rollback(s->store);
		return -1;
	}
	sysctr_stack_remove(s, unused);
	return 0;
}

SYSCTR_PUBLIC void sysctr_snapshots_free(struct sysctr_snapshot *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].comment);
		free(v[i].kind);
	}
	free(v);
}

SYSCTR_PUBLIC int sysctr_snapshot_list(struct sysctr *s, const char *name,
				       struct sysctr_snapshot **out, size_t *n,
				       struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	struct sysctr_snap_row *rows = NULL;
	struct sysctr_snapshot *v;
	size_t nrows = 0;

	if (sysctr_ct_must_exist(s, name, err) < 0 ||
	    sysctr_store_ct_get(s->store, name, &row, err) < 0 ||
	    sysctr_store_snap_list(s->store, row.id, &rows, &nrows, err) < 0)
		return -1;
	v = xcalloc(nrows ? nrows : 1, sizeof(*v));
	for (size_t i = 0; i < nrows; i++) {
		struct sysctr_snap_row *r = &rows[i];

		/* layers never change: measured once, then remembered */
		if (r->layer != NULL && r->size < 0) {
			cleanup_free char *fs = sysctr_layer_fs(s, r->layer);
			struct sysctr_error *e = NULL;

			r->size = tree_size(fs);
			if (sysctr_store_layer_set_size(s->store, r->layer,
							r->size, &e) < 0)
				sysctr_log_warn_error(e, "remember a size");
		}
		v[i].name = steal_ptr(&r->name);
		v[i].created = r->created;
		v[i].comment = steal_ptr(&r->comment);
		v[i].kind = steal_ptr(&r->kind);
		v[i].size = r->size;
		v[i].current = r->id == row.based_on;
	}
	sysctr_snap_rows_free(rows, nrows);
	*out = v;
	*n = nrows;
	return 0;
}
