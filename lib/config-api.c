/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library side of `sysctr config show|get|set|edit` (the CLI side is
 * cmd/config-cmd.c): a named container's container.conf, read, and
 * written under the container's lock. container.conf is the one file a
 * user edits; every write is validated first (conf.h) and lands by an
 * atomic rename. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "autostart.h"
#include "cgroup-limits.h"
#include "conf.h"
#include "container.h"
#include "ctcheck.h"
#include "error.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "network.h"
#include "util.h"

static int conf_path(struct sysctr *s, const char *name, char **path,
		     struct sysctr_error **err)
{
	cleanup_free char *p = NULL;

	/* The registry row says whether it exists, not the file. */
	if (sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	p = sysctr_ct_conf_path(s, name);
	if (!path_exists(p))
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	*path = steal_ptr(&p);
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_config_show(struct sysctr *s, const char *name,
					char **text, struct sysctr_error **err)
{
	cleanup_free char *path = NULL;

	if (conf_path(s, name, &path, err) < 0)
		return -1;
	return read_file(path, text, NULL, err);
}

SYSCTR_PUBLIC int sysctr_ct_config_get(struct sysctr *s, const char *name,
				       const char *key, char **value,
				       struct sysctr_error **err)
{
	cleanup_free char *path = NULL;

	if (conf_path(s, name, &path, err) < 0)
		return -1;
	return sysctr_ct_config_get_key(path, key, value, err);
}

SYSCTR_PUBLIC int sysctr_ct_config_items(struct sysctr *s, const char *name,
					 struct sysctr_config_item **items,
					 size_t *n, struct sysctr_error **err)
{
	cleanup_free char *path = NULL;

	*items = NULL;
	*n = 0;
	if (conf_path(s, name, &path, err) < 0)
		return -1;
	return sysctr_ct_config_items_of(path, items, n, err);
}

SYSCTR_PUBLIC void sysctr_config_items_free(struct sysctr_config_item *items,
					    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key);
		free(items[i].text);
		strv_free(items[i].list);
	}
	free(items);
}

SYSCTR_PUBLIC bool sysctr_config_key_needs_restart(const char *key)
{
	return sysctr_ct_config_key_needs_restart(key);
}

/* What this host can tell now (ctcheck.h) about the values new_text
 * changes from old_text; both parsed, for the live change after it (*old
 * NULL when old_text does not parse: an old file edited by hand). */
static int host_check(struct sysctr *s, const char *name, const char *old_text,
		      const char *new_text, const char *path,
		      struct sysctr_ct_config **new_ct,
		      struct sysctr_ct_config **old_ct,
		      struct sysctr_error **err)
{
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_ctconf struct sysctr_ct_config *old = NULL;
	cleanup_error struct sysctr_error *ignored = NULL;

	if (sysctr_ct_config_parse(new_text, path, &ct, err) < 0)
		return -1;
	if (sysctr_ct_config_parse(old_text, path, &old, &ignored) < 0)
		old = NULL;
	if (sysctr_ct_host_check(ct, old, s->cfg, err) < 0)
		return -1;
	/* the boot plan stays whole: no cycle, no `after` naming nothing */
	if ((old == NULL || !sysctr_autostart_same(ct, old)) &&
	    sysctr_autostart_check(s, name, ct, err) < 0)
		return -1;
	*new_ct = steal_ptr(&ct);
	*old_ct = steal_ptr(&old);
	return 0;
}

SYSCTR_PUBLIC void sysctr_config_change_clear(struct sysctr_config_change *c)
{
	strv_free(c->live);
	memset(c, 0, sizeof(*c));
}

/* The cgroup files whose value differs between old and ct, as ct has
 * them (to) and as old had them (from); both lift a limit removed. */
static void live_diff(const struct sysctr_ct_config *old,
		      const struct sysctr_ct_config *ct,
		      const struct sysctr_cg_host *h,
		      struct sysctr_cg_items *to, struct sysctr_cg_items *from)
{
	struct sysctr_cg_items a, b;

	sysctr_cg_items_of(&old->resources, h, true, &a);
	sysctr_cg_items_of(&ct->resources, h, true, &b);
	to->n = from->n = 0;
	/* the same host and lift: the same files in the same order */
	for (size_t i = 0; i < b.n && i < a.n; i++) {
		if (strcmp(a.item[i].value, b.item[i].value) == 0)
			continue;
		to->item[to->n++] = b.item[i];
		from->item[from->n++] = a.item[i];
		b.item[i].value = a.item[i].value = NULL;
	}
	sysctr_cg_items_clear(&a);
	sysctr_cg_items_clear(&b);
}

/* Under the lock, before the file is saved: give a running container
 * the resources ct changes from old, so a value the kernel refuses
 * leaves both as they were. */
static int apply_live(struct sysctr *s, const char *name,
		      const struct sysctr_ct_config *old,
		      const struct sysctr_ct_config *ct,
		      struct sysctr_config_change *change,
		      struct sysctr_error **err)
{
	cleanup_cg_host struct sysctr_cg_host h = { 0 };
	struct sysctr_cg_items to, from;
	int ret = 0;

	if (!sysctr_ct_is_active(s, name))
		return 0;
	if (old == NULL) {
		change->restart_needed = true;
		return 0;
	}
	change->restart_needed = !sysctr_ct_config_same_at_start(old, ct);
	sysctr_cg_host_probe(&h);
	live_diff(old, ct, &h, &to, &from);
	if (to.n > 0)
		ret = sysctr_ct_cgroup_write(s, name, &to, &from, err);
	for (size_t i = 0; ret == 0 && i < to.n; i++)
		if (change->live == NULL ||
		    !strv_contains(change->live, to.item[i].conf_key)) {
			if (change->live == NULL)
				change->live = xcalloc(1, sizeof(char *));
			strv_push(&change->live, to.item[i].conf_key);
		}
	sysctr_cg_items_clear(&to);
	sysctr_cg_items_clear(&from);
	return ret;
}

/* Save text as the container.conf at path, after a live change; when
 * the save fails, the running container gets its old values back. */
static int save(struct sysctr *s, const char *name, const char *path,
		const char *text, const struct sysctr_ct_config *old,
		const struct sysctr_ct_config *ct,
		struct sysctr_config_change *change, struct sysctr_error **err)
{
	struct sysctr_config_change undo = { 0 };

	if (apply_live(s, name, old, ct, change, err) < 0)
		return -1;
	if (write_file_atomic(path, text, strlen(text), SYSCTR_CT_CONF_MODE,
			      err) == 0) {
		struct sysctr_error *e = NULL;

		/* the managed bridge's forwards come from container.conf */
		if ((old == NULL ||
		     !strv_equal(old->network.forward, ct->network.forward)) &&
		    sysctr_net_refresh(s, &e) < 0)
			sysctr_log_warn_error(e, name);
		return 0;
	}
	if (change->live != NULL)
		apply_live(s, name, ct, old, &undo, NULL);
	sysctr_config_change_clear(&undo);
	sysctr_config_change_clear(change);
	return -1;
}

SYSCTR_PUBLIC bool sysctr_config_key_unchecked(const char *key)
{
	return str_starts_with(key, "raw.");
}

SYSCTR_PUBLIC int sysctr_ct_config_set(struct sysctr *s, const char *name,
				       const char *const *assignments, size_t n,
				       struct sysctr_config_change *change,
				       struct sysctr_error **err)
{
	cleanup_free char *path = NULL, *text = NULL, *out = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_ctconf struct sysctr_ct_config *old = NULL;
	struct sysctr_config_change mine = { 0 };
	cleanup_lock int lock = -1;

	if (change == NULL)
		change = &mine;
	memset(change, 0, sizeof(*change));
	if (conf_path(s, name, &path, err) < 0)
		return -1;
	if (n == 0)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "nothing to set: give KEY=VALUE");
	lock = sysctr_lock(s, name, s->cfg->timeouts.lock, err);
	if (lock < 0)
		return -1;
	if (read_file(path, &text, NULL, err) < 0)
		return -1;
	if (sysctr_ct_config_apply(text, path, assignments, n, &out, err) < 0 ||
	    host_check(s, name, text, out, path, &ct, &old, err) < 0 ||
	    save(s, name, path, out, old, ct, change, err) < 0)
		return -1;
	sysctr_config_change_clear(&mine);
	sysctr_ct_record(s, name, "config set", NULL, NULL, assignments[0]);
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_config_edit_begin(struct sysctr *s,
					      const char *name, char **tmp_path,
					      char **base,
					      struct sysctr_error **err)
{
	cleanup_free char *path = NULL, *text = NULL, *tmp = NULL;
	cleanup_close int fd = -1;
	size_t len = 0, off = 0;

	if (conf_path(s, name, &path, err) < 0)
		return -1;
	if (read_file(path, &text, &len, err) < 0)
		return -1;
	/* Beside the original, so only root reads it and the final rename
	 * stays on one filesystem. */
	tmp = xasprintf("%s/%s/.container.conf.edit.XXXXXX", s->containers_dir,
			name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  tmp);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				   tmp);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	*tmp_path = steal_ptr(&tmp);
	*base = steal_ptr(&text);
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_config_edit_commit(
    struct sysctr *s, const char *name, const char *tmp_path, const char *base,
    struct sysctr_config_change *change, struct sysctr_error **err)
{
	cleanup_free char *path = NULL, *old_text = NULL, *text = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_ctconf struct sysctr_ct_config *old = NULL;
	struct sysctr_config_change mine = { 0 };
	cleanup_lock int lock = -1;

	if (change == NULL)
		change = &mine;
	memset(change, 0, sizeof(*change));
	if (conf_path(s, name, &path, err) < 0)
		return -1;
	lock = sysctr_lock(s, name, s->cfg->timeouts.lock, err);
	if (lock < 0)
		return -1;
	if (sysctr_conf_read(tmp_path, false, &text, err) < 0)
		return -1;
	/* Nothing edited: nothing to save, whatever happened meanwhile. */
	if (strcmp(text, base) == 0)
		return 0;
	if (read_file(path, &old_text, NULL, err) < 0)
		return -1;
	/* Changed while the editor was open (config set, another edit):
	 * saving now would undo that change without a word. */
	if (strcmp(old_text, base) != 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s changed while it was being edited "
				  "(config set or another edit): not saved",
				  path);
	if (host_check(s, name, old_text, text, path, &ct, &old, err) < 0 ||
	    save(s, name, path, text, old, ct, change, err) < 0)
		return -1;
	sysctr_config_change_clear(&mine);
	sysctr_ct_record(s, name, "config edit", NULL, NULL, NULL);
	return 0;
}
