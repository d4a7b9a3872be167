/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create: an image (built or cached), then the container's own directory
 * (an overlay layer over the image, or a copy), then its registry row. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "create.h"
#include "container.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "util.h"

/* ---- create ------------------------------------------------------------ */

static char *initial_conf(const struct sysctr_create_opts *o,
			  struct sysctr_error **err)
{
	char *text = NULL;

	if (o->conf_file == NULL)
		return xstrdup("# container.conf: every key is described in "
			       "sysctr's container.conf.example\n");
	if (sysctr_conf_read_input(o->conf_file, &text, err) < 0) {
		sysctr_err_prefix(err, "-c");
		return NULL;
	}
	return text;
}

/* container.conf text for the new container: base (-c FILE, read once:
 * it may be a pipe), then template/release/arch, then every --set;
 * validated. */
static char *build_conf(const struct sysctr_create_opts *o, const char *base,
			const char *conf_name, const char *release,
			const char *arch, struct sysctr_error **err)
{
	cleanup_free char *t_set = NULL, *r_set = NULL;
	cleanup_free char *a_set = NULL;
	char *out = NULL;
	const char **all;
	size_t n = 0;

	all = xcalloc(o->nsets + 3, sizeof(char *));
	t_set = xasprintf("template=%s", o->template);
	all[n++] = t_set;
	if (release != NULL) {
		r_set = xasprintf("release=%s", release);
		all[n++] = r_set;
	}
	if (arch != NULL) {
		a_set = xasprintf("arch=%s", arch);
		all[n++] = a_set;
	}
	for (size_t i = 0; i < o->nsets; i++)
		all[n++] = o->sets[i];
	if (sysctr_ct_config_apply(base, conf_name, all, n, &out, err) < 0)
		out = NULL;
	free(all);
	return out;
}

/* Files the container's own layer starts with. With --copy the layer is a
 * copy of the image, whose links a tarball chose: every write resolves
 * inside the tree (open_beneath()), never through a link to the host. */
static int seed_upper(const char *upper, const char *name, uid_t uid,
		      struct sysctr_error **err)
{
	cleanup_free char *text = xasprintf("%s\n", name);
	cleanup_close int root = -1;

	root = open(upper, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s",
				  upper);
	if (mkdir_beneath(root, "etc", 0755, uid, uid, err) < 0 ||
	    write_file_beneath(root, "etc/hostname", text, strlen(text), 0644,
			       uid, uid, err) < 0)
		return sysctr_err_prefix(err, "seed the container's tree");
	return 0;
}

/* --copy: the container's own full copy of the image. */
static int make_copy(const char *tmp, const char *lower, const char *name,
		     uid_t root_uid, struct sysctr_error **err)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);

	if (copy_tree(lower, rootfs, err) < 0)
		return -1;
	/* the hostname goes into the copy as it would into an upper layer */
	return seed_upper(rootfs, name, root_uid, err);
}

/* Make the container's directory in a temporary place: container.conf,
 * and either the (empty) upper layer and overlayfs' work directory, owned
 * by the container's root, or a full copy of the image (--copy). */
static int make_ct_tree(struct sysctr *s, const char *tmp, const char *name,
			const char *conf_text,
			const struct sysctr_ct_config *ct, const char *lower,
			bool copy, struct sysctr_error **err)
{
	cleanup_free char *conf = xasprintf("%s/container.conf", tmp);
	cleanup_free char *layers = xasprintf("%s/overlay", tmp);
	cleanup_free char *upper = xasprintf("%s/overlay/delta", tmp);
	/* liblxc puts overlayfs' workdir beside the upper directory and
	 * creates it as the container's root, who cannot write here. */
	cleanup_free char *work = xasprintf("%s/overlay/work", tmp);
	uid_t root_uid =
	    ct->security.privileged ? 0 : (uid_t)s->cfg->idmap.base;

	if (write_file_atomic(conf, conf_text, strlen(conf_text),
			      SYSCTR_CT_CONF_MODE, err) < 0)
		return -1;
	if (copy)
		return make_copy(tmp, lower, name, root_uid, err);
	if (mkdir(layers, 0711) < 0 || mkdir(upper, 0755) < 0 ||
	    mkdir(work, 0700) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  upper);
	if (chown(upper, root_uid, root_uid) < 0 ||
	    chown(work, root_uid, root_uid) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "chown %s",
				  upper);
	return seed_upper(upper, name, root_uid, err);
}

/* A directory without a registry row is what a killed create leaves
 * behind; we hold the name's lock, so nobody is still making it. */
static int remove_leftover(struct sysctr *s, const char *dir,
			   struct sysctr_error **err)
{
	if (!path_exists(dir))
		return 0;
	log_warn("removing %s: left by an interrupted create", dir);
	return rm_rf(dir, err);
}

/* .new-NAME.XXXXXX is a create of NAME at work: it holds the name's lock
 * for as long as that directory exists. One whose name is ours (we hold
 * the lock) or whose lock is free was left by a create that died, with
 * up to a whole rootfs in it. */
static void sweep_new_dirs(struct sysctr *s, const char *own)
{
	cleanup_closedir DIR *d = opendir(s->containers_dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *name = NULL, *path = NULL;
		cleanup_lock int lock = -1;
		char *dot;

		if (!str_starts_with(de->d_name, ".new-"))
			continue;
		name = xstrdup(de->d_name + strlen(".new-"));
		dot = strrchr(name, '.');
		if (dot == NULL)
			continue;
		*dot = '\0';
		if (sysctr_name_check(name, NULL) < 0)
			continue;
		if (strcmp(name, own) != 0) {
			lock = sysctr_lock(s, name, 0, NULL);
			if (lock < 0)
				continue;
		}
		path = xasprintf("%s/%s", s->containers_dir, de->d_name);
		log_warn("removing %s: left by an interrupted create", path);
		rm_rf_or_warn(path, "remove an interrupted create");
	}
}

static int check_absent(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	int ret = sysctr_ct_registered(s, name, err);

	if (ret < 0)
		return -1;
	if (ret > 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0, "already exists");
	return 0;
}

/* Row, history and directory appear together: the rename of the finished
 * directory is the last step inside the transaction, the commit the only
 * thing after it. */
static int register_row(struct sysctr *s, struct sysctr_ct_row *row,
			const char *action, const char *detail, const char *tmp,
			const char *dir, struct sysctr_error **err)
{
	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	if (sysctr_store_ct_insert(s->store, row, err) < 0 ||
	    sysctr_ct_record_in_tx(s, row->name, action, detail, err) < 0)
		goto undo_tx;
	if (rename(tmp, dir) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tx;
	}
	/* A failed commit is rolled back already: the directory goes back
	 * to where the caller removes it. */
	if (sysctr_store_commit(s->store, err) < 0) {
		rename(dir, tmp);
		return -1;
	}
	return 0;

undo_tx:
	sysctr_store_rollback(s->store);
	return -1;
}

static int register_ct(struct sysctr *s, const struct sysctr_create_opts *o,
		       const struct sysctr_image_row *img, const char *tmp,
		       const char *dir, struct sysctr_error **err)
{
	cleanup_free char *detail = NULL;
	cleanup_ct_row struct sysctr_ct_row row = { 0 };

	row.name = xstrdup(o->name);
	row.template = xstrdup(o->template);
	row.release = xstrdup(img->release);
	row.arch = xstrdup(img->arch);
	row.image_id = img->id;
	row.created = now_realtime();
	row.state = xstrdup("STOPPED");
	row.state_time = row.created;
	row.storage = xstrdup(o->copy ? "dir" : "overlay");
	detail = xasprintf("template %s %s%s", o->template, img->release,
			   o->copy ? ", copy" : "");
	return register_row(s, &row, "create", detail, tmp, dir, err);
}

int sysctr_create_tree(struct sysctr *s, const char *name,
		       const char *conf_text, char **tmp_out,
		       struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, name);
	cleanup_free char *conf_name = sysctr_ct_conf_path(s, name);
	cleanup_free char *tmp = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;

	if (check_absent(s, name, err) < 0)
		return -1;
	sweep_new_dirs(s, name);
	if (remove_leftover(s, dir, err) < 0 ||
	    sysctr_ct_config_parse(conf_text, conf_name, &ct, err) < 0)
		return -1;
	tmp = xasprintf("%s/.new-%s.XXXXXX", s->containers_dir, name);
	if (mkdtemp(tmp) == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  tmp);
	chmod(tmp, 0711);
	if (make_ct_tree(s, tmp, name, conf_text, ct, NULL, false, err) < 0) {
		rm_rf_or_warn(tmp, "remove a half-made container");
		return -1;
	}
	*tmp_out = steal_ptr(&tmp);
	return 0;
}

int sysctr_create_register_in_tx(struct sysctr *s,
				 const struct sysctr_ct_row *like,
				 const char *name, const char *tmp,
				 const char *action, const char *detail,
				 int64_t *id, struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, name);
	cleanup_ct_row struct sysctr_ct_row row = { 0 };

	row.name = xstrdup(name);
	row.template = xstrdup(like->template);
	row.release = xstrdup(like->release);
	row.arch = xstrdup(like->arch);
	row.image_id = like->image_id;
	row.created = now_realtime();
	row.state = xstrdup("STOPPED");
	row.state_time = row.created;
	row.storage = xstrdup("overlay");
	if (sysctr_store_ct_insert(s->store, &row, err) < 0 ||
	    sysctr_ct_record_in_tx(s, name, action, detail, err) < 0)
		return -1;
	/* last: a commit that fails after it leaves a directory without a
	 * row, which the next create of the name removes */
	if (rename(tmp, dir) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s",
				  tmp);
	*id = row.id;
	return 0;
}

/* The container from its image: its container.conf (now with the image's
 * release and arch), its tree in a temporary directory, then its row and
 * the rename into place. */
static int
create_from_image(struct sysctr *s, const struct sysctr_create_opts *o,
		  const char *base, const char *dir, const char *conf_name,
		  const struct sysctr_image_row *img, struct sysctr_error **err)
{
	cleanup_free char *tmp = NULL, *text = NULL, *lower = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;

	text = build_conf(o, base, conf_name, img->release, img->arch, err);
	/* autostart.ready's default, "systemd", never passes where systemd
	 * is not the init (busybox, Alpine's OpenRC): for an image that says
	 * so, the new container.conf says "started" where -c and --set left
	 * the key unset, visibly, for the admin to refine (tcp:PORT, ...). */
	if (text != NULL && img->init != NULL &&
	    strcmp(img->init, "systemd") != 0 &&
	    !sysctr_ct_config_text_sets(text, "autostart.ready")) {
		const char *ready[] = { "autostart.ready=started" };
		char *with = NULL;

		if (sysctr_ct_config_apply(text, conf_name, ready, 1, &with,
					   err) < 0)
			return -1;
		free(text);
		text = with;
	}
	if (text == NULL ||
	    sysctr_ct_config_parse(text, conf_name, &ct, err) < 0)
		return -1;
	if (ct->security.privileged) {
		if (sysctr_image_rootfs(s, img->path, &lower, err) < 0)
			return -1;
	} else if (sysctr_idmap_prepare(s, img->path, err) < 0 ||
		   sysctr_idmap_lower(s, img->path, &lower, err) < 0)
		return -1;

	tmp = xasprintf("%s/.new-%s.XXXXXX", s->containers_dir, o->name);
	if (mkdtemp(tmp) == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  tmp);
	chmod(tmp, 0711);
	if (o->copy)
		sysctr_progress(s, "copy the image", 0, 0);
	if (make_ct_tree(s, tmp, o->name, text, ct, lower, o->copy, err) < 0 ||
	    register_ct(s, o, img, tmp, dir, err) < 0)
		goto undo_tmp;
	return 0;

undo_tmp:
	rm_rf_or_warn(tmp, "remove failed create");
	return -1;
}

static int create_locked(struct sysctr *s, const struct sysctr_create_opts *o,
			 struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, o->name);
	cleanup_free char *conf_name = sysctr_ct_conf_path(s, o->name);
	cleanup_free char *text = NULL, *base = NULL;
	struct sysctr_image_request req = {
		.template = o->template,
		.release = o->release,
		.arch = o->arch,
		.source = o->from,
		.mirror = o->mirror,
		.refresh = o->refresh,
	};
	cleanup_image_row struct sysctr_image_row img = { 0 };

	if (check_absent(s, o->name, err) < 0)
		return -1;
	sweep_new_dirs(s, o->name);
	/* Fail on a bad --set or -c before a template runs for minutes. */
	base = initial_conf(o, err);
	if (base == NULL)
		return -1;
	text = build_conf(o, base, conf_name, o->release, o->arch, err);
	if (text == NULL || remove_leftover(s, dir, err) < 0 ||
	    sysctr_image_ensure(s, &req, &img, err) < 0)
		return -1;
	return create_from_image(s, o, base, dir, conf_name, &img, err);
}

/* sysctr.conf's defaults where create was given none: the template, its
 * release (only for that template: a release names one distribution's)
 * and the architecture. */
static struct sysctr_create_opts
with_defaults(struct sysctr *s, const struct sysctr_create_opts *o)
{
	const struct sysctr_host_config *h = s->cfg;
	struct sysctr_create_opts d = *o;

	if (d.template == NULL)
		d.template = h->defaults.template;
	if (d.release == NULL && h->defaults.release[0] != '\0' &&
	    strcmp(d.template, h->defaults.template) == 0)
		d.release = h->defaults.release;
	if (d.arch == NULL && h->defaults.arch[0] != '\0')
		d.arch = h->defaults.arch;
	return d;
}

SYSCTR_PUBLIC int sysctr_ct_create(struct sysctr *s,
				   const struct sysctr_create_opts *opts,
				   struct sysctr_error **err)
{
	struct sysctr_create_opts d = with_defaults(s, opts);
	const struct sysctr_create_opts *o = &d;
	cleanup_lock int lock = -1;
	int ret;

	if (sysctr_name_check(o->name, err) < 0 ||
	    sysctr_need_store(s, err) < 0)
		return -1;
	if (!sysctr_token_valid(o->template))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid template name");
	if (o->mirror != NULL &&
	    sysctr_conf_check_mirror("--mirror", o->mirror, err) < 0)
		return -1;
	lock = sysctr_ct_lock(s, o->name, err);
	if (lock < 0)
		return -1;
	ret = create_locked(s, o, err);
	if (ret < 0)
		sysctr_ct_record(s, o->name, "create", NULL, *err, NULL);
	return ret;
}
