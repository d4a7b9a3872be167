/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clone: a new container over the layers of another one (its current
 * state, or one of its snapshots) under an empty upper of its own. Layers
 * are immutable and shared, so a clone costs no copy of a stopped source
 * and each side's later changes stay its own. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "container.h"
#include "create.h"
#include "error.h"
#include "layer-stack.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

struct clone_job {
	const struct sysctr_ct_row *src;
	const char *dst;
	const char *tmp;
	const char *detail;
	bool moved; /* tmp was renamed into place in the transaction */
};

/* In the transaction that registers the layers: the new container's row,
 * its stack, its history and its directory moved into place. */
static int clone_register(struct sysctr *s, char *const *stack, void *data,
			  struct sysctr_error **err)
{
	struct clone_job *j = data;
	int64_t id = 0;

	if (sysctr_create_register_in_tx(s, j->src, j->dst, j->tmp, "clone",
					 j->detail, &id, err) < 0)
		return -1;
	j->moved = true;
	return sysctr_store_ct_set_layers(s->store, id, stack, err);
}

/* A clone that failed: nothing of it stays, as after a failed create.
 * Its directory was renamed into place inside the transaction, so a
 * failure after that (the commit, or a statement after the rename) left
 * it without a row: it goes back to tmp, which the caller removes. A
 * failure after the commit (finishing the source's switch) leaves a
 * clone with its row, which is a container and stays. We hold dst's
 * lock: nobody else made that directory. */
static void clone_undo(struct sysctr *s, const struct clone_job *j)
{
	cleanup_free char *dir = NULL;
	struct sysctr_error *e = NULL;
	int ret;

	if (!j->moved)
		return;
	ret = sysctr_ct_registered(s, j->dst, &e);
	if (ret < 0) {
		/* cannot tell: a directory without a row is what the next
		 * create or destroy of the name removes */
		sysctr_log_warn_error(e, "check the clone's row");
		return;
	}
	if (ret > 0)
		return;
	dir = sysctr_ct_dir(s, j->dst);
	if (rename(dir, j->tmp) < 0)
		rm_rf_or_warn(dir, "remove a half-made clone");
}

/* From a snapshot: nothing of the source changes, one transaction. */
static int clone_from_snapshot(struct sysctr *s, struct clone_job *j,
			       const char *snap, struct sysctr_error **err)
{
	cleanup_snap_row struct sysctr_snap_row r = { 0 };
	cleanup_strv char **stack = NULL;

	if (sysctr_store_snap_get(s->store, j->src->id, snap, &r, &stack, err) <
	    0)
		return -1;
	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	if (clone_register(s, stack, j, err) < 0 ||
	    sysctr_store_commit(s->store, err) < 0) {
		sysctr_store_rollback(s->store);
		return -1;
	}
	return 0;
}

/* Both locks, in the order of the names, so two clones of each other
 * cannot wait for one another. */
static int lock_both(struct sysctr *s, const char *a, const char *b, int *la,
		     int *lb, struct sysctr_error **err)
{
	bool a_first = strcmp(a, b) < 0;
	int l1, l2;

	l1 = sysctr_ct_lock(s, a_first ? a : b, err);
	if (l1 < 0)
		return -1;
	l2 = sysctr_ct_lock(s, a_first ? b : a, err);
	if (l2 < 0) {
		sysctr_unlock(l1);
		return -1;
	}
	*la = a_first ? l1 : l2;
	*lb = a_first ? l2 : l1;
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_clone(struct sysctr *s, const char *src,
				  const char *dst, const char *snap,
				  double *frozen_s, struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_free char *conf = NULL, *text = NULL, *tmp = NULL;
	cleanup_free char *detail = NULL;
	cleanup_lock int lsrc = -1;
	cleanup_lock int ldst = -1;
	struct clone_job j = { 0 };
	int ret;

	*frozen_s = -1;
	if (sysctr_name_check(dst, err) < 0 ||
	    sysctr_ct_must_exist(s, src, err) < 0 ||
	    (snap != NULL && sysctr_snap_name_check(snap, err) < 0))
		return -1;
	if (strcmp(src, dst) == 0)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "a clone needs a name of its own");
	if (lock_both(s, src, dst, &lsrc, &ldst, err) < 0)
		return -1;
	if (sysctr_store_ct_get(s->store, src, &row, err) < 0 ||
	    sysctr_stack_repair(s, &row, err) < 0)
		return -1;
	if (row.storage != NULL && strcmp(row.storage, "overlay") != 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "%s is a full copy (create --copy): only a "
				  "container on overlay layers can be cloned",
				  src);
	conf = sysctr_ct_conf_path(s, src);
	if (sysctr_conf_read(conf, false, &text, err) < 0 ||
	    sysctr_create_tree(s, dst, text, &tmp, err) < 0)
		return -1;
	detail = snap ? xasprintf("from %s, snapshot %s", src, snap)
		      : xasprintf("from %s", src);
	j.src = &row;
	j.dst = dst;
	j.tmp = tmp;
	j.detail = detail;
	if (snap != NULL)
		ret = clone_from_snapshot(s, &j, snap, err);
	else
		ret = sysctr_snapshot_cut_layer(s, &row, clone_register, &j,
						frozen_s, err);
	if (ret < 0) {
		clone_undo(s, &j);
		rm_rf_or_warn(tmp, "remove a half-made clone");
	}
	return ret;
}
