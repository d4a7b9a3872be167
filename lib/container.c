/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lifecycle of a container: start (the liblxc config generated from
 * container.conf), stop, restart, freeze, console, destroy; exec and
 * shell through container-attach.c. Each action on an existing container
 * first asks the registry (sysctr_ct_must_exist()), then liblxc. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup-self.h"
#include "conf.h"
#include "container-attach.h"
#include "container-lxc.h"
#include "container.h"
#include "ctcheck.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "layer-stack.h"
#include "lock.h"
#include "log.h"
#include "lxcconf.h"
#include "names.h"
#include "network.h"
#include "reach.h"
#include "util.h"

int sysctr_ct_lock(struct sysctr *s, const char *name,
		   struct sysctr_error **err)
{
	int fd = sysctr_lock(s, name, s->cfg->timeouts.lock, err);

	if (fd >= 0)
		log_debug("%s: locked", name);
	return fd;
}

/* ---- start ------------------------------------------------------------- */

/* The container's own files belong to the root it was created for; a
 * security.privileged changed since would boot a tree that its root does
 * not own. Say so instead. */
static int check_owner(struct sysctr *s, const char *own,
		       const struct sysctr_ct_config *ct,
		       struct sysctr_error **err)
{
	uid_t want = ct->security.privileged ? 0 : (uid_t)s->cfg->idmap.base;
	struct stat st;

	if (stat(own, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", own);
	if (st.st_uid != want)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "security.privileged = %s does not match "
				  "how the container was created (its files "
				  "belong to uid %u): set it back, or clone "
				  "the container",
				  ct->security.privileged ? "true" : "false",
				  (unsigned)st.st_uid);
	return 0;
}

/* With AppArmor on, liblxc confines each container by a profile it
 * generates, which needs apparmor_parser. Without it the start would fail
 * deep in liblxc; say why up front, unless container.conf chose a profile
 * itself (raw lxc.apparmor.profile). */
static int check_apparmor(const struct sysctr_ct_config *ct,
			  struct sysctr_error **err)
{
	for (size_t i = 0; i < ct->nraw; i++)
		if (strcmp(ct->raw_keys[i], "lxc.apparmor.profile") == 0)
			return 0;
	if (path_exists("/sbin/apparmor_parser") ||
	    path_exists("/usr/sbin/apparmor_parser"))
		return 0;
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "AppArmor is on in this kernel but apparmor_parser "
			  "is missing: install the apparmor package");
}

/* An unprivileged container's root mounts its rootfs and bind mounts
 * itself: check before liblxc that it can reach them, and say which
 * directory stops it instead of liblxc's generic failure. */
static int check_reach(struct sysctr *s, char *const *lowers, const char *own,
		       const struct sysctr_ct_config *ct,
		       struct sysctr_error **err)
{
	uint32_t base = (uint32_t)s->cfg->idmap.base;
	uint32_t size = (uint32_t)s->cfg->idmap.size;

	if (ct->security.privileged)
		return 0;
	for (size_t i = 0; lowers != NULL && lowers[i] != NULL; i++)
		if (sysctr_reach_check(lowers[i], base, size,
				       lowers[i + 1]
					   ? "a layer of its snapshots"
					   : "the image's rootfs",
				       err) < 0)
			return -1;
	if (sysctr_reach_check(own, base, size, "its own layer", err) < 0)
		return -1;
	for (size_t i = 0; i < ct->nmounts; i++) {
		cleanup_free char *what =
		    xasprintf("mount.%s.source", ct->mounts[i].name);
		cleanup_free char *dir = xstrdup(ct->mounts[i].source);

		/* a file's directory is what must be searchable */
		if (!is_dir(dir) && strrchr(dir, '/') != NULL &&
		    strrchr(dir, '/') != dir)
			*strrchr(dir, '/') = '\0';
		if (path_exists(dir) &&
		    sysctr_reach_check(dir, base, size, what, err) < 0)
			return -1;
	}
	return 0;
}

/* The distribution configs the generated config includes come from
 * lxc-templates, a Recommends of lxc that a minimal install lacks: name
 * the package instead of liblxc's "Failed to load config". Same choice of
 * files as sysctr_lxcconf_generate(). */
static int check_includes(const char *common, bool privileged,
			  struct sysctr_error **err)
{
	cleanup_free char *c = NULL, *u = NULL;

	sysctr_lxcconf_includes(LXC_CONFIG_DIR, common, privileged, &c, &u);
	if (!path_exists(c))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s is missing: install the lxc-templates "
				  "package",
				  c);
	if (u != NULL && !path_exists(u))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s is missing: install the lxc-templates "
				  "package",
				  u);
	return 0;
}

/* On sysctr's managed bridge: bring it up, and with ipv4 = auto give the
 * container its lease (*hwaddr, the MAC dnsmasq knows it by). */
static int managed_net(struct sysctr *s, const char *name,
		       const struct sysctr_ct_config *ct, char **hwaddr,
		       struct sysctr_error **err)
{
	const char *mode = sysctr_lxcconf_net_mode(ct, s->cfg);
	const char *bridge = sysctr_lxcconf_net_bridge(ct, s->cfg);

	if (mode == NULL || strcmp(mode, "bridge") != 0 ||
	    !sysctr_net_is_managed(s, bridge))
		return 0;
	if (strcmp(ct->network.ipv4, "auto") != 0)
		return sysctr_net_up(s, err);
	return sysctr_net_attach(s, name, hwaddr, err);
}

/* A limit this host ignores (an I/O weight without BFQ) does not stop a
 * start; it is said. Those it cannot hold were refused earlier
 * (ctcheck.c). */
static void warn_unenforced(const char *name, const struct sysctr_ct_config *ct,
			    const struct sysctr_cg_host *cg)
{
	bool fatal;
	const char *why = sysctr_cg_unsupported(&ct->resources, cg, &fatal);

	if (why != NULL && !fatal)
		sysctr_log(SYSCTR_LOG_WARN, "%s: %s", name, why);
}

/* The liblxc config of the container from container.conf, over its image
 * (whose directory is img_path and metadata meta). */
static char *gen_over_image(struct sysctr *s, const char *name,
			    const struct sysctr_ct_row *row,
			    const struct sysctr_ct_config *ct,
			    const char *img_path,
			    const struct sysctr_image_meta *meta,
			    struct sysctr_error **err)
{
	cleanup_free char *own = NULL, *log = NULL;
	cleanup_free char *lower = NULL, *rootfs = NULL;
	cleanup_strv char **lowers = NULL;
	struct sysctr_lxcconf_input in = { 0 };
	cleanup_cg_host struct sysctr_cg_host cg = { 0 };
	cleanup_free char *hwaddr = NULL;
	bool dir = row->storage != NULL && strcmp(row->storage, "dir") == 0;

	if (ct->security.privileged) {
		if (sysctr_image_rootfs(s, img_path, &lower, err) < 0)
			return NULL;
	} else if (sysctr_idmap_reserve(s, err) < 0 ||
		   sysctr_idmap_lower(s, img_path, &lower, err) < 0)
		return NULL;
	if (dir) {
		own = xasprintf("%s/%s/rootfs", s->containers_dir, name);
		rootfs = xasprintf("dir:%s", own);
	} else {
		cleanup_free char *joined = NULL;

		/* its snapshots' layers, then the image, under its own */
		if (sysctr_stack_lowers(s, row, lower, &lowers, err) < 0)
			return NULL;
		joined = strv_join(lowers, ":");
		own = xasprintf("%s/%s/overlay/delta", s->containers_dir, name);
		rootfs = xasprintf("overlay:%s:%s", joined, own);
	}
	if (check_owner(s, own, ct, err) < 0 ||
	    check_reach(s, dir ? NULL : lowers, own, ct, err) < 0 ||
	    check_includes(meta->lxc_common, ct->security.privileged, err) < 0)
		return NULL;
	log = sysctr_ct_log_path(s, name);

	in.name = name;
	in.rootfs = rootfs;
	in.log_file = log;
	in.lxc_config_dir = LXC_CONFIG_DIR;
	in.lxc_common = meta->lxc_common;
	in.halt_signal = meta->halt_signal;
	in.ct = ct;
	in.host = s->cfg;
	sysctr_cg_host_probe(&cg);
	in.cg = &cg;
	if (managed_net(s, name, ct, &hwaddr, err) < 0)
		return NULL;
	in.lease_hwaddr = hwaddr;
	warn_unenforced(name, ct, &cg);
	in.apparmor = apparmor_enabled();
	in.userxattr = kernel_at_least(5, 11);
	in.in_userns = in_user_namespace();
	if (in.apparmor && check_apparmor(ct, err) < 0)
		return NULL;
	in.idmap_base = (long)s->cfg->idmap.base;
	in.idmap_size = (long)s->cfg->idmap.size;
	return sysctr_lxcconf_generate(&in, err);
}

/* The liblxc config of the container from container.conf. */
static char *gen_lxc_config(struct sysctr *s, const char *name,
			    const struct sysctr_ct_row *row,
			    const struct sysctr_ct_config *ct,
			    struct sysctr_error **err)
{
	cleanup_image_row struct sysctr_image_row img = { 0 };
	cleanup_image_meta struct sysctr_image_meta meta = { 0 };

	if (sysctr_store_image_get(s->store, row->image_id, &img, err) < 0) {
		sysctr_err_prefix(err, "image of the container");
		return NULL;
	}
	if (sysctr_image_meta_load(img.path, &meta, err) < 0)
		return NULL;
	return gen_over_image(s, name, row, ct, img.path, &meta, err);
}

static int liblxc_failed(struct sysctr *s, const char *name, const char *what,
			 struct sysctr_error **err)
{
	cleanup_free char *log = sysctr_ct_log_path(s, name);

	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "%s: liblxc failed (log: %s)", what, log);
}

/* Everything a start can know before it touches the container:
 * container.conf parses, this host has what it names, and the liblxc
 * config generates. restart makes it before it stops the container, so a
 * config that cannot start leaves it running. */
static char *start_prepare(struct sysctr *s, const char *name,
			   struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_ct_row struct sysctr_ct_row row = { 0 };

	if (sysctr_store_ct_get(s->store, name, &row, err) < 0 ||
	    sysctr_stack_repair(s, &row, err) < 0 ||
	    sysctr_ct_config_load(conf, &ct, err) < 0 ||
	    sysctr_ct_host_check(ct, NULL, s->cfg, err) < 0)
		return NULL;
	return gen_lxc_config(s, name, &row, ct, err);
}

/* Whether the file at path holds exactly text: most starts generate the
 * config the last start wrote, and reading it is cheaper than replacing
 * it (a new file and a rename, both journaled). */
static bool file_holds(const char *path, const char *text)
{
	cleanup_free char *old = NULL;
	size_t len = 0;

	if (read_file(path, &old, &len, NULL) < 0)
		return false;
	return len == strlen(text) && memcmp(old, text, len) == 0;
}

/* Write NAME/config (the liblxc config start_prepare() made) and start;
 * returns once the container runs. */
static int start_run(struct sysctr *s, const char *name, const char *text,
		     struct sysctr_error **err)
{
	cleanup_free char *path =
	    xasprintf("%s/%s/config", s->containers_dir, name);
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_strv char **own_cgroups = NULL;
	bool started;

	if (!file_holds(path, text) &&
	    write_file_replace(path, text, strlen(text), SYSCTR_CT_CONF_MODE,
			       err) < 0)
		return -1;
	log_debug("%s: the liblxc config is written", name);
	c = sysctr_ct_handle(s, name, err);
	if (c == NULL)
		return -1;
	log_debug("%s: liblxc handle", name);
	c->want_daemonize(c, true);
	/* The monitor must not inherit our lock or the database. */
	c->want_close_all_fds(c, true);
	/* Daemonized, liblxc returns once the monitor reported the state
	 * after the start, and true only when that state is RUNNING
	 * (wait_on_daemonized_start() in lxccontainer.c): no wait after.
	 * It moves us into the monitor's cgroup too: back where we were
	 * (cgroup-self.h). */
	own_cgroups = sysctr_cg_self_save();
	started = c->start(c, 0, NULL);
	sysctr_cg_self_restore(own_cgroups);
	if (!started)
		return liblxc_failed(s, name, "start", err);
	log_debug("%s: running", name);
	/* for list, which then needs no liblxc handle (container-live.c) */
	{
		struct sysctr_error *e = NULL;
		pid_t pid = c->init_pid(c);

		if (pid > 1 &&
		    sysctr_store_ct_set_pid(s->store, name, pid, &e) < 0)
			sysctr_log_warn_error(e, name);
	}
	return 0;
}

static int start_locked(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_free char *text = NULL;

	if (sysctr_ct_is_active(s, name))
		return sysctr_err(err, SYSCTR_E_STATE, 0, "already running");
	log_debug("%s: not running", name);
	text = start_prepare(s, name, err);
	if (text == NULL)
		return -1;
	log_debug("%s: generated the liblxc config", name);
	return start_run(s, name, text, err);
}

SYSCTR_PUBLIC int sysctr_ct_start(struct sysctr *s, const char *name,
				  struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	int ret;

	if (sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0)
		return -1;
	ret = start_locked(s, name, err);
	sysctr_ct_record(s, name, "start", "RUNNING", ret < 0 ? *err : NULL,
			 NULL);
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
	log_debug("%s: liblxc stop returned", name);
	if (!c->wait(c, "STOPPED", 10))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "stop: still %s after kill", c->state(c));
	res->killed = true;
	res->seconds = now_monotonic() - t0;
	return 0;
}

/* A registered container's liblxc handle, with its lock taken into *lock
 * (released by the caller's cleanup_lock): what stop, restart and freeze
 * begin with. */
static struct lxc_container *locked_handle(struct sysctr *s, const char *name,
					   int *lock, struct sysctr_error **err)
{
	if (sysctr_ct_must_exist(s, name, err) < 0)
		return NULL;
	*lock = sysctr_ct_lock(s, name, err);
	if (*lock < 0)
		return NULL;
	return sysctr_ct_handle(s, name, err);
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
	c = locked_handle(s, name, &lock, err);
	if (c == NULL)
		return -1;
	ret = stop_handle(s, c, name, timeout, kill, res, err);
	if (ret == 0)
		detail = xasprintf("%s after %.1f s",
				   res->killed ? "killed" : "stopped cleanly",
				   res->seconds);
	sysctr_ct_record(s, name, "stop", "STOPPED", ret < 0 ? *err : NULL,
			 detail);
	return ret;
}

int sysctr_ct_stop_held(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, err);
	cleanup_free char *detail = NULL;
	struct sysctr_stop_result res;
	int ret;

	if (c == NULL)
		return -1;
	ret = stop_handle(s, c, name, -1, false, &res, err);
	if (ret == 0)
		detail = xasprintf("%s after %.1f s",
				   res.killed ? "killed" : "stopped cleanly",
				   res.seconds);
	sysctr_ct_record(s, name, "stop", "STOPPED", ret < 0 ? *err : NULL,
			 detail);
	return ret;
}

int sysctr_ct_halt_held(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, err);
	const char *state;

	if (c == NULL)
		return -1;
	state = c->state(c);
	if (state == NULL || strcmp(state, "STOPPED") == 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0, "not running");
	/* A frozen init cannot act on its halt signal. */
	if (strcmp(state, "FROZEN") == 0)
		c->unfreeze(c);
	/* a timeout of 0: the halt signal only, no wait */
	if (!c->shutdown(c, 0))
		return liblxc_failed(s, name, "shutdown", err);
	return 0;
}

int sysctr_ct_kill_held(struct sysctr *s, const char *name,
			struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, err);

	if (c == NULL)
		return -1;
	if (!c->is_running(c))
		return 0;
	if (!c->stop(c))
		return liblxc_failed(s, name, "stop", err);
	if (!c->wait(c, "STOPPED", 10))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "stop: still %s after kill", c->state(c));
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_restart(struct sysctr *s, const char *name,
				    int timeout, struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_lock int lock = -1;
	cleanup_free char *text = NULL;
	struct sysctr_stop_result res;
	int ret = 0;

	c = locked_handle(s, name, &lock, err);
	if (c == NULL)
		return -1;
	if (c->is_running(c)) {
		/* Nothing stops before the start is known to be possible. */
		text = start_prepare(s, name, err);
		ret = text == NULL ? -1 : 0;
		if (ret == 0)
			ret =
			    stop_handle(s, c, name, timeout, false, &res, err);
		if (ret == 0)
			ret = start_run(s, name, text, err);
	} else {
		ret = start_locked(s, name, err);
	}
	sysctr_ct_record(s, name, "restart", "RUNNING", ret < 0 ? *err : NULL,
			 NULL);
	return ret;
}

/* For a short freeze of the caller's own (a snapshot's copy):
 * liblxc's freeze on a cgroup v1 freezer checks whether the freeze took
 * once a second (do_freeze_thaw() in freezer.c), so a container still
 * FREEZING at the first look stays frozen a whole second longer than it
 * needs. The same write, then a look every millisecond; the thaw the
 * same way, as liblxc's unfreeze acts only when its monitor was told of
 * the freeze (this one it is not: the state stays RUNNING). On a pure
 * cgroup v2 host (no freezer.state) liblxc's own freeze waits for the
 * event and is used as it is. */
static bool freezer_set(struct lxc_container *c, const char *state)
{
	char now[32] = "";
	double deadline = now_monotonic() + 30;

	if (!c->set_cgroup_item(c, "freezer.state", state))
		return false;
	while (now_monotonic() < deadline) {
		struct timespec ts = { .tv_nsec = 1000 * 1000 };

		if (c->get_cgroup_item(c, "freezer.state", now, sizeof(now)) >
			0 &&
		    str_starts_with(now, state))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static bool has_v1_freezer(struct lxc_container *c)
{
	char now[32] = "";

	return c->get_cgroup_item(c, "freezer.state", now, sizeof(now)) > 0;
}

int sysctr_ct_frozen_run(struct sysctr *s, const char *name,
			 int (*fn)(void *data, struct sysctr_error **err),
			 void *data, double *frozen_s,
			 struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, err);
	const char *state;
	bool thaw, v1;
	double t0;
	int ret;

	if (c == NULL)
		return -1;
	state = c->state(c);
	if (state == NULL || strcmp(state, "STOPPED") == 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0, "not running");
	thaw = strcmp(state, "FROZEN") != 0;
	v1 = has_v1_freezer(c);
	t0 = now_monotonic();
	if (thaw && !(v1 ? freezer_set(c, "FROZEN") : c->freeze(c))) {
		if (v1)
			freezer_set(c, "THAWED");
		else
			c->unfreeze(c);
		return liblxc_failed(s, name, "freeze", err);
	}
	ret = fn(data, err);
	if (thaw && !(v1 ? freezer_set(c, "THAWED") : c->unfreeze(c))) {
		/* the snapshot (or whatever fn did) stands; say what is
		 * left to do */
		if (ret == 0)
			ret = sysctr_err(err, SYSCTR_E_FAILED, 0,
					 "still frozen: thaw it with "
					 "`sysctr unfreeze %s`",
					 name);
		else
			log_warn("%s: still frozen: thaw it with `sysctr "
				 "unfreeze %s`",
				 name, name);
	}
	*frozen_s = now_monotonic() - t0;
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

	c = locked_handle(s, name, &lock, err);
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
	sysctr_ct_record(s, name, action, freeze ? "FROZEN" : "RUNNING",
			 ret < 0 ? *err : NULL, NULL);
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

	if (sysctr_ct_must_exist(s, name, err) < 0)
		return NULL;
	c = sysctr_ct_handle(s, name, err);
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

/* The command's whole environment: a PATH, HOME (root's; a user's own is
 * set inside), LANG, the caller's TERM, then extra's KEY=VALUE, each
 * replacing a default of the same KEY. */
static char **exec_env(const struct sysctr_exec_opts *o,
		       struct sysctr_error **err)
{
	char **env = NULL;
	const char *term = getenv("TERM");

	strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			"/usr/bin:/sbin:/bin");
	if (o == NULL || o->user == NULL)
		strv_push(&env, "HOME=/root");
	strv_push(&env, "LANG=C.UTF-8");
	if (term != NULL) {
		cleanup_free char *t = xasprintf("TERM=%s", term);

		strv_push(&env, t);
	}
	for (char *const *e = o && o->env ? o->env : NULL; e && *e; e++) {
		size_t klen = strcspn(*e, "=");
		size_t i;

		if (klen == 0 || (*e)[klen] != '=') {
			strv_free(env);
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "--env %s: use KEY=VALUE", *e),
			       NULL;
		}
		for (i = 0; env[i] != NULL; i++)
			if (strncmp(env[i], *e, klen + 1) == 0)
				break;
		if (env[i] != NULL) {
			free(env[i]);
			env[i] = xstrdup(*e);
		} else {
			strv_push(&env, *e);
		}
	}
	return env;
}

static int attach_wait(struct sysctr *s, const char *name, const char *cwd,
		       char *const *argv, const struct sysctr_exec_opts *o,
		       int *status, struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	cleanup_free char *log = NULL;
	cleanup_strv char **env = NULL;
	cleanup_error struct sysctr_error *e = NULL;

	if (o != NULL && o->user != NULL && o->user[0] == '\0')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--user needs a name or uid");
	if (o != NULL && o->cwd != NULL && o->cwd[0] != '/')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--cwd %s: an absolute path inside", o->cwd);
	env = exec_env(o, err);
	if (env == NULL)
		return -1;
	c = running_handle(s, name, err);
	if (c == NULL)
		return -1;
	log = sysctr_ct_log_path(s, name);
	if (sysctr_attach_run(c, log, argv, o ? o->user : NULL,
			      o && o->cwd ? o->cwd : cwd, env, status,
			      &e) < 0) {
		/* liblxc's own words for a container that died under the
		 * attach are a failure and its log: say what happened (one
		 * being stopped still counts as running for a moment) */
		if (e->kind == SYSCTR_E_FAILED &&
		    (!c->is_running(c) || c->wait(c, "STOPPED", 1)))
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "stopped while %s was being started "
					  "in it",
					  argv[0]);
		return sysctr_err_pass(err, &e);
	}
	/* the command's status stays the exit status; a SIGKILL that came
	 * with the container's end (its init gone, the monitor not yet
	 * saying so) is said once, on stderr. A SIGKILL inside a container
	 * that goes on costs that check its second. */
	if (*status == 128 + SIGKILL &&
	    (!c->is_running(c) || c->wait(c, "STOPPED", 1)))
		log_warn("%s: stopped while %s ran (it was killed with it)",
			 name, argv[0]);
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_exec_opts(struct sysctr *s, const char *name,
				      char *const *argv,
				      const struct sysctr_exec_opts *o,
				      int *status, struct sysctr_error **err)
{
	if (argv == NULL || argv[0] == NULL)
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "no command given");
	/* as root in "/"; a user in its home */
	return attach_wait(s, name, o && o->user ? NULL : "/", argv, o, status,
			   err);
}

SYSCTR_PUBLIC int sysctr_ct_exec(struct sysctr *s, const char *name,
				 char *const *argv, int *status,
				 struct sysctr_error **err)
{
	return sysctr_ct_exec_opts(s, name, argv, NULL, status, err);
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

	return attach_wait(s, name, "/root", argv, NULL, status, err);
}

SYSCTR_PUBLIC int sysctr_ct_console(struct sysctr *s, const char *name, int tty,
				    char escape, struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;

	if (escape == 0)
		escape = 'a';
	if (escape < 'a' || escape > 'z')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "escape key: a letter a to z (Ctrl-LETTER)");

	c = running_handle(s, name, err);
	if (c == NULL)
		return -1;
	if (!isatty(0))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "console needs a terminal on stdin");
	/* liblxc takes the control character: Ctrl-a is 1 */
	if (c->console(c, tty, 0, 1, 2, escape - 'a' + 1) < 0)
		return liblxc_failed(s, name, "console", err);
	return 0;
}

/* ---- destroy ----------------------------------------------------------- */

/* Whatever still runs under the name stops before its files go. A
 * container on its way down already (a stop or destroy that was
 * interrupted) answers "not running" while its monitor still tears it
 * down: that is waited for, not an error. */
static int destroy_stop(struct sysctr *s, const char *name, bool force,
			struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = NULL;
	int wait_s = s->cfg->timeouts.stop > 10 ? s->cfg->timeouts.stop : 10;
	double deadline;
	const char *state;

	/* A liblxc handle (which parses the config) only when it runs. */
	if (!sysctr_ct_is_active(s, name))
		return 0;
	c = sysctr_ct_handle(s, name, err);
	if (c == NULL)
		return -1;
	/* While the monitor tears down, this blocks until it closes its
	 * command socket, then says STOPPED. */
	state = c->state(c);
	if (state != NULL && strcmp(state, "STOPPED") != 0 &&
	    strcmp(state, "STOPPING") != 0) {
		cleanup_error struct sysctr_error *e = NULL;
		struct sysctr_stop_result res;

		if (!force)
			return sysctr_err(err, SYSCTR_E_STATE, 0,
					  "is running: stop it first, or use "
					  "--force");
		if (stop_handle(s, c, name, 0, true, &res, &e) < 0 &&
		    e->kind != SYSCTR_E_STATE)
			return sysctr_err_pass(err, &e);
	}
	deadline = now_monotonic() + wait_s;
	while (sysctr_ct_is_active(s, name)) {
		struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

		if (now_monotonic() >= deadline)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "still shutting down after %d s",
					  wait_s);
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int destroy_locked(struct sysctr *s, const char *name, bool force,
			  struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, name);
	cleanup_free char *log = NULL;
	cleanup_strv char **unused = NULL;
	int registered = sysctr_ct_registered(s, name, err);

	if (registered < 0)
		return -1;
	/* No row but a directory: what a destroy that could not finish (or
	 * a killed create) left. Destroying the name again finishes it. */
	if (!registered && !path_exists(dir))
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "no such container");
	if (destroy_stop(s, name, force, err) < 0)
		return -1;
	log_debug("%s: not running", name);

	/* The row first, with its history in the same transaction: once it
	 * is gone the container is gone, and files that a failure (or a
	 * kill) leaves behind are a directory without a row, which the next
	 * destroy or create of the name removes. */
	if (registered) {
		/* its snapshots go with it, and the layers that no other
		 * container (a clone) uses */
		if (sysctr_store_begin(s->store, err) < 0)
			return -1;
		if (sysctr_store_ct_delete(s->store, name, err) < 0 ||
		    sysctr_stack_release(s, &unused, err) < 0 ||
		    sysctr_ct_record_in_tx(s, name, "destroy",
					   force ? "forced" : NULL, err) < 0) {
			sysctr_store_rollback(s->store);
			return -1;
		}
		if (sysctr_store_commit(s->store, err) < 0)
			return -1;
	} else {
		log_info("%s: removing what an unfinished destroy left", dir);
		sysctr_ct_record(s, name, "destroy", NULL, NULL,
				 "leftover files");
	}
	log_debug("%s: removed from the registry", name);
	/* its lease went with the row: out of dnsmasq's hosts and the
	 * forwards too */
	if (registered) {
		struct sysctr_error *e = NULL;

		if (sysctr_net_refresh(s, &e) < 0)
			sysctr_log_warn_error(e, name);
	}
	if (rm_rf(dir, err) < 0)
		return sysctr_err_prefix(err, "its files remain (destroy it "
					      "again to finish)");
	sysctr_stack_remove(s, unused);
	log_debug("%s: removed its files", name);
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
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0)
		return -1;
	ret = destroy_locked(s, name, force, err);
	if (ret < 0)
		sysctr_ct_record(s, name, "destroy", NULL, *err, NULL);
	return ret;
}
