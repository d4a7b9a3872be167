/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "conf.h"
#include "container.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "lxcconf.h"
#include "names.h"
#include "util.h"

char *sysctr_ct_dir(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s", s->containers_dir, name);
}

char *sysctr_ct_conf_path(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s/container.conf", s->containers_dir, name);
}

char *sysctr_ct_log_path(struct sysctr *s, const char *name)
{
	return xasprintf("%s/%s.log", s->logs_dir, name);
}

static inline void ct_config_free_p(struct sysctr_ct_config **c)
{
	sysctr_ct_config_free(*c);
	*c = NULL;
}
#define cleanup_ctconf __attribute__((cleanup(ct_config_free_p)))

void sysctr_history_record(struct sysctr *s, const char *name,
			   const char *action, const struct sysctr_error *e,
			   const char *detail)
{
	struct sysctr_error *werr = NULL;

	if (s->store == NULL)
		return;
	if (sysctr_store_history_add(s->store, name, action,
				     e ? "failed" : "ok", e ? e->msg : detail,
				     &werr) < 0)
		sysctr_log_warn_error(werr, "record history");
}

/* No lxc_log_init(): with a log file liblxc 5.0 also copies every error to
 * stderr, quiet or not. Without it, liblxc logs only to each container's
 * lxc.log.file (set in the generated config), and the user sees our one
 * line, which names that file. */

/* liblxc handle of a registered container. */
static struct lxc_container *ct_handle(struct sysctr *s, const char *name,
				       struct sysctr_error **err)
{
	struct lxc_container *c;

	c = lxc_container_new(name, s->containers_dir);
	if (c == NULL)
		sysctr_err(err, SYSCTR_E_FAILED, 0,
			   "liblxc cannot load the container");
	return c;
}

/* The container exists: its directory and container.conf are there. */
static int ct_must_exist(struct sysctr *s, const char *name,
			 struct sysctr_error **err)
{
	cleanup_free char *conf = NULL;

	if (sysctr_name_check(name, err) < 0)
		return -1;
	conf = sysctr_ct_conf_path(s, name);
	if (!path_exists(conf))
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	return 0;
}

/* From the command sockets liblxc's monitors listen on, without loading
 * the container's config (which may be stale or broken before a start). */
bool sysctr_ct_is_active(struct sysctr *s, const char *name)
{
	char **names = NULL;
	int n = list_active_containers(s->containers_dir, &names, NULL);
	bool found = false;

	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			found = true;
		free(names[i]);
	}
	free(names);
	return found;
}

static int lock_ct(struct sysctr *s, const char *name,
		   struct sysctr_error **err)
{
	return sysctr_lock(s, name, s->cfg->timeouts.lock, err);
}

/* ---- create ------------------------------------------------------------ */

static char *initial_conf(const struct sysctr_create_opts *o,
			  struct sysctr_error **err)
{
	char *text = NULL;

	if (o->conf_file == NULL)
		return xstrdup("# container.conf: see sysctr(1) and "
			       "container.conf.example\n");
	if (read_file(o->conf_file, &text, NULL, err) < 0) {
		sysctr_err_prefix(err, "-c");
		return NULL;
	}
	return text;
}

/* container.conf text for the new container: -c FILE (or an empty one),
 * then template/release/arch, then every --set; validated. */
static char *build_conf(const struct sysctr_create_opts *o,
			const char *conf_name, const char *release,
			const char *arch, struct sysctr_error **err)
{
	cleanup_free char *text = NULL, *t_set = NULL, *r_set = NULL;
	cleanup_free char *a_set = NULL;
	char *out = NULL;
	const char **all;
	size_t n = 0;

	text = initial_conf(o, err);
	if (text == NULL)
		return NULL;
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
	if (sysctr_ct_config_apply(text, conf_name, all, n, &out, err) < 0)
		out = NULL;
	free(all);
	return out;
}

/* Files the container's own layer starts with. */
static int seed_upper(const char *upper, const char *name, uid_t uid,
		      struct sysctr_error **err)
{
	cleanup_free char *etc = xasprintf("%s/etc", upper);
	cleanup_free char *hostname = xasprintf("%s/etc/hostname", upper);
	cleanup_free char *text = xasprintf("%s\n", name);

	if (mkdir(etc, 0755) < 0 && errno != EEXIST)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  etc);
	if (write_file_atomic(hostname, text, strlen(text), 0644, err) < 0)
		return -1;
	if (lchown(etc, uid, uid) < 0 || lchown(hostname, uid, uid) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "chown %s", etc);
	return 0;
}

/* Make the container's directory in a temporary place: container.conf,
 * the (empty) upper layer and overlayfs' work directory, owned by the
 * container's root. */
static int make_ct_tree(struct sysctr *s, const char *tmp, const char *name,
			const char *conf_text,
			const struct sysctr_ct_config *ct,
			struct sysctr_error **err)
{
	cleanup_free char *conf = xasprintf("%s/container.conf", tmp);
	cleanup_free char *layers = xasprintf("%s/overlay", tmp);
	cleanup_free char *upper = xasprintf("%s/overlay/delta", tmp);
	/* liblxc puts overlayfs' workdir beside the upper directory and
	 * creates it as the container's root, who cannot write here. */
	cleanup_free char *work = xasprintf("%s/overlay/work", tmp);
	uid_t root_uid =
	    ct->security.privileged ? 0 : (uid_t)s->cfg->idmap.base;

	if (write_file_atomic(conf, conf_text, strlen(conf_text), 0644, err) <
	    0)
		return -1;
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
	umount_below(dir);
	return rm_rf(dir, err);
}

static int create_locked(struct sysctr *s, const struct sysctr_create_opts *o,
			 struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, o->name);
	cleanup_free char *conf_name = sysctr_ct_conf_path(s, o->name);
	cleanup_free char *tmp = NULL, *text = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_error struct sysctr_error *e = NULL;
	struct sysctr_image_row img = { 0 };
	struct sysctr_ct_row row = { 0 };
	int ret = -1;

	if (sysctr_store_ct_get(s->store, o->name, &row, &e) == 0) {
		sysctr_ct_row_clear(&row);
		return sysctr_err(err, SYSCTR_E_STATE, 0, "already exists");
	}
	if (e->kind != SYSCTR_E_NOT_FOUND) {
		*err = steal_ptr(&e);
		return -1;
	}
	/* Fail on a bad --set or -c before a template runs for minutes. */
	text = build_conf(o, conf_name, o->release, o->arch, err);
	if (text == NULL)
		return -1;
	if (remove_leftover(s, dir, err) < 0)
		return -1;

	if (sysctr_image_ensure(s, o->template, o->release, o->arch, &img,
				err) < 0)
		return -1;
	free(text);
	text = build_conf(o, conf_name, img.release, img.arch, err);
	if (text == NULL ||
	    sysctr_ct_config_parse(text, conf_name, &ct, err) < 0)
		goto undo_img;
	if (!ct->security.privileged &&
	    sysctr_idmap_prepare(s, img.path, err) < 0)
		goto undo_img;

	tmp = xasprintf("%s/.new-%s.XXXXXX", s->containers_dir, o->name);
	if (mkdtemp(tmp) == NULL) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s", tmp);
		goto undo_img;
	}
	chmod(tmp, 0711);
	if (make_ct_tree(s, tmp, o->name, text, ct, err) < 0)
		goto undo_tmp;

	row.name = xstrdup(o->name);
	row.template = xstrdup(o->template);
	row.release = xstrdup(img.release);
	row.arch = xstrdup(img.arch);
	row.image_id = img.id;
	row.created = now_realtime();
	row.state = xstrdup("STOPPED");
	row.state_time = row.created;

	/* Row and directory appear together: the rename is the last step
	 * inside the transaction, the commit the only thing after it. */
	if (sysctr_store_begin(s->store, err) < 0)
		goto undo_tmp;
	if (sysctr_store_ct_insert(s->store, &row, err) < 0)
		goto undo_tx;
	if (rename(tmp, dir) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tx;
	}
	if (sysctr_store_commit(s->store, err) < 0) {
		rename(dir, tmp);
		goto undo_tx;
	}
	ret = 0;
	goto out;

undo_tx:
	sysctr_store_rollback(s->store);
undo_tmp:
	umount_below(tmp);
	if (rm_rf(tmp, &e) < 0)
		sysctr_log_warn_error(steal_ptr(&e), "remove failed create");
undo_img:
out:
	sysctr_ct_row_clear(&row);
	sysctr_image_row_clear(&img);
	return ret;
}

SYSCTR_PUBLIC int sysctr_ct_create(struct sysctr *s,
				   const struct sysctr_create_opts *o,
				   struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	cleanup_free char *detail = NULL;
	int ret;

	if (sysctr_name_check(o->name, err) < 0 ||
	    sysctr_need_store(s, err) < 0)
		return -1;
	if (!sysctr_token_valid(o->template))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid template name");
	lock = lock_ct(s, o->name, err);
	if (lock < 0)
		return -1;
	ret = create_locked(s, o, err);
	detail = xasprintf("template %s", o->template);
	sysctr_history_record(s, o->name, "create", ret < 0 ? *err : NULL,
			      detail);
	return ret;
}

/* ---- start ------------------------------------------------------------- */

static bool host_has_apparmor(void)
{
	cleanup_free char *v = NULL;

	if (read_file("/sys/module/apparmor/parameters/enabled", &v, NULL,
		      NULL) < 0)
		return false;
	return v[0] == 'Y';
}

static bool host_cgroup2(void)
{
	/* Pure cgroup2 hosts have controllers at the top; hybrid hosts (v1
	 * controllers and an empty unified tree) do not. */
	return path_exists("/sys/fs/cgroup/cgroup.controllers");
}

/* Write NAME/config, the liblxc config, from container.conf. */
static int write_lxc_config(struct sysctr *s, const char *name,
			    const struct sysctr_ct_row *row,
			    const struct sysctr_ct_config *ct,
			    struct sysctr_error **err)
{
	cleanup_free char *upper = NULL, *log = NULL, *path = NULL;
	cleanup_free char *text = NULL, *lower = NULL;
	struct sysctr_image_row img = { 0 };
	struct sysctr_image_meta meta = { 0 };
	struct sysctr_lxcconf_input in = { 0 };
	int ret = -1;

	if (sysctr_store_image_get(s->store, row->image_id, &img, err) < 0)
		return sysctr_err_prefix(err, "image of the container");
	if (sysctr_image_meta_load(img.path, &meta, err) < 0)
		goto out;
	if (ct->security.privileged)
		lower = xasprintf("%s/rootfs", img.path);
	else if (sysctr_idmap_reserve(s, err) < 0 ||
		 sysctr_idmap_lower(s, img.path, &lower, err) < 0)
		goto out;
	upper = xasprintf("%s/%s/overlay/delta", s->containers_dir, name);
	log = sysctr_ct_log_path(s, name);
	path = xasprintf("%s/%s/config", s->containers_dir, name);

	in.name = name;
	in.lower = lower;
	in.upper = upper;
	in.log_file = log;
	in.lxc_config_dir = LXC_CONFIG_DIR;
	in.lxc_common = meta.lxc_common;
	in.halt_signal = meta.halt_signal;
	in.ct = ct;
	in.host = s->cfg;
	in.cgroup2 = host_cgroup2();
	in.apparmor = host_has_apparmor();
	in.idmap_base = (long)s->cfg->idmap.base;
	in.idmap_size = (long)s->cfg->idmap.size;
	text = sysctr_lxcconf_generate(&in, err);
	if (text == NULL)
		goto out;
	ret = write_file_atomic(path, text, strlen(text), 0644, err);
out:
	sysctr_image_meta_clear(&meta);
	sysctr_image_row_clear(&img);
	return ret;
}

static int check_bridge(const char *bridge, struct sysctr_error **err)
{
	cleanup_free char *p = xasprintf("/sys/class/net/%s/bridge", bridge);

	if (!is_dir(p))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "bridge %s does not exist on this host",
				  bridge);
	return 0;
}

static int liblxc_failed(struct sysctr *s, const char *name, const char *what,
			 struct sysctr_error **err)
{
	cleanup_free char *log = sysctr_ct_log_path(s, name);

	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "%s: liblxc failed (log: %s)", what, log);
}

static void set_state(struct sysctr *s, const char *name, const char *state)
{
	struct sysctr_error *e = NULL;

	if (s->store != NULL &&
	    sysctr_store_ct_set_state(s->store, name, state, &e) < 0)
		sysctr_log_warn_error(e, "record state");
}

static int start_locked(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_ct struct lxc_container *c = NULL;
	struct sysctr_ct_row row = { 0 };
	const char *mode;
	int ret = -1;

	if (sysctr_store_ct_get(s->store, name, &row, err) < 0)
		return -1;
	if (sysctr_ct_is_active(s, name)) {
		sysctr_err(err, SYSCTR_E_STATE, 0, "already running");
		goto out;
	}
	if (sysctr_ct_config_load(conf, &ct, err) < 0)
		goto out;
	mode = sysctr_lxcconf_net_mode(ct, s->cfg);
	if (mode != NULL && strcmp(mode, "bridge") == 0 &&
	    check_bridge(sysctr_lxcconf_net_bridge(ct, s->cfg), err) < 0)
		goto out;
	if (write_lxc_config(s, name, &row, ct, err) < 0)
		goto out;
	c = ct_handle(s, name, err);
	if (c == NULL)
		goto out;
	c->want_daemonize(c, true);
	/* The monitor must not inherit our lock or the database. */
	c->want_close_all_fds(c, true);
	if (!c->start(c, 0, NULL)) {
		liblxc_failed(s, name, "start", err);
		goto out;
	}
	if (!c->wait(c, "RUNNING", s->cfg->timeouts.start)) {
		sysctr_err(err, SYSCTR_E_FAILED, 0,
			   "start: not running after %d s (state %s)",
			   s->cfg->timeouts.start, c->state(c));
		goto out;
	}
	set_state(s, name, "RUNNING");
	ret = 0;
out:
	sysctr_ct_row_clear(&row);
	return ret;
}

SYSCTR_PUBLIC int sysctr_ct_start(struct sysctr *s, const char *name,
				  struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	int ret;

	if (ct_must_exist(s, name, err) < 0 || sysctr_need_store(s, err) < 0)
		return -1;
	lock = lock_ct(s, name, err);
	if (lock < 0)
		return -1;
	ret = start_locked(s, name, err);
	sysctr_history_record(s, name, "start", ret < 0 ? *err : NULL, NULL);
	return ret;
}

/* ---- stop, restart, freeze --------------------------------------------- */

static int stop_handle(struct sysctr *s, struct lxc_container *c,
		       const char *name, int timeout, bool kill,
		       struct sysctr_stop_result *res,
		       struct sysctr_error **err)
{
	double t0 = now_monotonic();
	const char *state = c->state(c);

	memset(res, 0, sizeof(*res));
	if (state == NULL || strcmp(state, "STOPPED") == 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0, "not running");
	if (timeout < 0)
		timeout = s->cfg->timeouts.stop;
	/* A frozen init cannot act on its halt signal. */
	if (!kill && strcmp(state, "FROZEN") == 0 && !c->unfreeze(c))
		kill = true;
	if (!kill && timeout > 0 && c->shutdown(c, timeout)) {
		res->seconds = now_monotonic() - t0;
		return 0;
	}
	if (!c->stop(c))
		return liblxc_failed(s, name, "stop", err);
	if (!c->wait(c, "STOPPED", 10))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "stop: still %s after kill", c->state(c));
	res->killed = true;
	res->seconds = now_monotonic() - t0;
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_stop(struct sysctr *s, const char *name,
				 int timeout, bool kill,
				 struct sysctr_stop_result *res,
				 struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_lock int lock = -1;
	cleanup_free char *detail = NULL;
	struct sysctr_stop_result local;
	int ret;

	if (res == NULL)
		res = &local;
	if (ct_must_exist(s, name, err) < 0)
		return -1;
	lock = lock_ct(s, name, err);
	if (lock < 0)
		return -1;
	c = ct_handle(s, name, err);
	if (c == NULL)
		return -1;
	ret = stop_handle(s, c, name, timeout, kill, res, err);
	if (ret == 0) {
		set_state(s, name, "STOPPED");
		detail = xasprintf("%s after %.1f s",
				   res->killed ? "killed" : "stopped cleanly",
				   res->seconds);
	}
	sysctr_history_record(s, name, "stop", ret < 0 ? *err : NULL, detail);
	return ret;
}

SYSCTR_PUBLIC int sysctr_ct_restart(struct sysctr *s, const char *name,
				    int timeout, struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_lock int lock = -1;
	struct sysctr_stop_result res;
	int ret = 0;

	if (ct_must_exist(s, name, err) < 0 || sysctr_need_store(s, err) < 0)
		return -1;
	lock = lock_ct(s, name, err);
	if (lock < 0)
		return -1;
	c = ct_handle(s, name, err);
	if (c == NULL)
		return -1;
	if (c->is_running(c))
		ret = stop_handle(s, c, name, timeout, false, &res, err);
	if (ret == 0)
		ret = start_locked(s, name, err);
	sysctr_history_record(s, name, "restart", ret < 0 ? *err : NULL, NULL);
	return ret;
}

static int freeze_common(struct sysctr *s, const char *name, bool freeze,
			 struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_lock int lock = -1;
	const char *action = freeze ? "freeze" : "unfreeze";
	const char *state;
	int ret = 0;

	if (ct_must_exist(s, name, err) < 0)
		return -1;
	lock = lock_ct(s, name, err);
	if (lock < 0)
		return -1;
	c = ct_handle(s, name, err);
	if (c == NULL)
		return -1;
	state = c->state(c);
	if (state == NULL || strcmp(state, "STOPPED") == 0)
		ret = sysctr_err(err, SYSCTR_E_STATE, 0, "not running");
	else if (freeze && strcmp(state, "FROZEN") == 0)
		ret = sysctr_err(err, SYSCTR_E_STATE, 0, "already frozen");
	else if (!freeze && strcmp(state, "FROZEN") != 0)
		ret = sysctr_err(err, SYSCTR_E_STATE, 0, "not frozen");
	else if (!(freeze ? c->freeze(c) : c->unfreeze(c)))
		ret = liblxc_failed(s, name, action, err);
	if (ret == 0)
		set_state(s, name, freeze ? "FROZEN" : "RUNNING");
	sysctr_history_record(s, name, action, ret < 0 ? *err : NULL, NULL);
	return ret;
}

SYSCTR_PUBLIC int sysctr_ct_freeze(struct sysctr *s, const char *name,
				   struct sysctr_error **err)
{
	return freeze_common(s, name, true, err);
}

SYSCTR_PUBLIC int sysctr_ct_unfreeze(struct sysctr *s, const char *name,
				     struct sysctr_error **err)
{
	return freeze_common(s, name, false, err);
}

/* ---- exec, shell, console ---------------------------------------------- */

/* exec, shell and console take no lock: like lxc-attach, they may run for
 * hours and must not block a stop. */
static struct lxc_container *running_handle(struct sysctr *s, const char *name,
					    struct sysctr_error **err)
{
	struct lxc_container *c;
	const char *state;

	if (ct_must_exist(s, name, err) < 0)
		return NULL;
	c = ct_handle(s, name, err);
	if (c == NULL)
		return NULL;
	state = c->state(c);
	if (state == NULL || strcmp(state, "RUNNING") != 0) {
		sysctr_err(err, SYSCTR_E_STATE, 0, "not running (%s)",
			   state ? state : "unknown");
		lxc_container_put(c);
		return NULL;
	}
	return c;
}

static int attach_wait(struct sysctr *s, const char *name, bool terminal,
		       const char *cwd, char *const *argv, int *status,
		       struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_free char *term = NULL;
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	char *env[] = { (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
				"/usr/bin:/sbin:/bin",
			(char *)"HOME=/root", (char *)"LANG=C.UTF-8", NULL,
			NULL };
	int ret;

	c = running_handle(s, name, err);
	if (c == NULL)
		return -1;
	if (getenv("TERM") != NULL) {
		term = xasprintf("TERM=%s", getenv("TERM"));
		env[3] = term;
	}
	/* The host's environment stays on the host. */
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	/* The host's working directory means nothing inside. */
	opts.initial_cwd = (char *)cwd;
	if (terminal)
		opts.attach_flags |= LXC_ATTACH_TERMINAL;
	ret = c->attach_run_wait(c, &opts, argv[0], (const char *const *)argv);
	if (ret < 0)
		return liblxc_failed(s, name, "attach", err);
	if (WIFEXITED(ret))
		*status = WEXITSTATUS(ret);
	else if (WIFSIGNALED(ret))
		*status = 128 + WTERMSIG(ret);
	else
		*status = ret;
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_exec(struct sysctr *s, const char *name,
				 char *const *argv, int *status,
				 struct sysctr_error **err)
{
	if (argv == NULL || argv[0] == NULL)
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "no command given");
	return attach_wait(s, name, false, "/", argv, status, err);
}

SYSCTR_PUBLIC int sysctr_ct_shell(struct sysctr *s, const char *name,
				  int *status, struct sysctr_error **err)
{
	/* A login shell for root; sh exists in every image, bash is nicer
	 * where the image has it. */
	char *argv[] = { (char *)"/bin/sh", (char *)"-c",
			 (char *)"if [ -x /bin/bash ]; then exec /bin/bash -l; "
				 "else exec /bin/sh -l; fi",
			 NULL };

	return attach_wait(s, name, isatty(0) && isatty(1), "/root", argv,
			   status, err);
}

SYSCTR_PUBLIC int sysctr_ct_console(struct sysctr *s, const char *name, int tty,
				    struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;

	c = running_handle(s, name, err);
	if (c == NULL)
		return -1;
	if (!isatty(0))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "console needs a terminal on stdin");
	if (c->console(c, tty, 0, 1, 2, 1) < 0)
		return liblxc_failed(s, name, "console", err);
	return 0;
}

/* ---- destroy ----------------------------------------------------------- */

static int destroy_locked(struct sysctr *s, const char *name, bool force,
			  struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, name);
	cleanup_free char *log = NULL;
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_error struct sysctr_error *e = NULL;

	/* A liblxc handle (which parses the config) only when it runs. */
	if (sysctr_ct_is_active(s, name)) {
		struct sysctr_stop_result res;

		if (!force)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "is running: stop it first, or use "
					  "--force");
		c = ct_handle(s, name, err);
		if (c == NULL ||
		    stop_handle(s, c, name, 0, true, &res, err) < 0)
			return -1;
		lxc_container_put(steal_ptr(&c));
	}

	/* The row first, with its history in the same transaction: once it
	 * is gone the container is gone, and files that a failure (or a
	 * kill) leaves behind are a directory without a row, which the next
	 * create of the name removes. */
	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	if (sysctr_store_ct_delete(s->store, name, err) < 0) {
		sysctr_store_rollback(s->store);
		return -1;
	}
	sysctr_history_record(s, name, "destroy", NULL,
			      force ? "forced" : NULL);
	if (sysctr_store_commit(s->store, err) < 0)
		return -1;
	umount_below(dir);
	if (rm_rf(dir, &e) < 0)
		sysctr_log_warn_error(steal_ptr(&e), "remove container files");
	log = sysctr_ct_log_path(s, name);
	unlink(log);
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_destroy(struct sysctr *s, const char *name,
				    bool force, struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	int ret;

	if (sysctr_name_check(name, err) < 0 || sysctr_need_store(s, err) < 0)
		return -1;
	lock = lock_ct(s, name, err);
	if (lock < 0)
		return -1;
	ret = destroy_locked(s, name, force, err);
	if (ret < 0)
		sysctr_history_record(s, name, "destroy", *err, NULL);
	return ret;
}
