/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* container.conf: its libconfuse schema (each default beside its key), the
 * checks that need a whole section, loading it into struct sysctr_ct_config,
 * and its keys as `config get/set` name them ("section.key"). sysctr.conf's
 * counterpart is conf-host.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf.h"
#include "conf-check.h"
#include "conf-parse.h"
#include "conf-scan.h"
#include "error.h"
#include "util.h"

/* ---- schemas ------------------------------------------------------------ */

static cfg_opt_t autostart_opts[] = {
	CFG_BOOL("enabled", cfg_false, CFGF_NONE),
	CFG_INT("order", 50, CFGF_NONE),
	CFG_INT("delay", 0, CFGF_NONE),
	CFG_STR_LIST("after", NULL, CFGF_NONE),
	CFG_STR("ready", "systemd", CFGF_NONE),
	CFG_INT("timeout", 60, CFGF_NONE),
	CFG_STR("group", "", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t resources_opts[] = {
	CFG_STR("memory", "", CFGF_NONE),      /* "" no limit; K, M, G, T */
	CFG_STR("memory_swap", "", CFGF_NONE), /* "" host default; a size */
	CFG_STR("cpus", "", CFGF_NONE),	       /* cpuset, "" all */
	CFG_INT("cpu_weight", 0, CFGF_NONE),   /* 0 host default (100) */
	CFG_STR("cpu_max", "", CFGF_NONE),     /* "" none; "50%" or "1.5" */
	CFG_INT("pids", 0, CFGF_NONE),	       /* 0 no limit */
	CFG_INT("io_weight", 0, CFGF_NONE),    /* 0 host default (100) */
	CFG_END(),
};

static cfg_opt_t ct_network_opts[] = {
	CFG_STR("mode", "", CFGF_NONE),	  /* "" sysctr.conf's */
	CFG_STR("bridge", "", CFGF_NONE), /* "" sysctr.conf's */
	CFG_STR("ipv4", "auto", CFGF_NONE),
	CFG_STR("hwaddr", "", CFGF_NONE), /* "" liblxc makes one */
	CFG_STR("gateway", "", CFGF_NONE),
	CFG_STR_LIST("forward", NULL, CFGF_NONE), /* "8080:80/tcp" */
	CFG_END(),
};

static cfg_opt_t snapshots_opts[] = {
	CFG_STR("schedule", "", CFGF_NONE), /* "" none, hourly|daily|weekly */
	CFG_INT("keep_hourly", 0, CFGF_NONE),
	CFG_INT("keep_daily", 7, CFGF_NONE),
	CFG_INT("keep_weekly", 4, CFGF_NONE),
	CFG_INT("keep_monthly", 0, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t security_opts[] = {
	CFG_BOOL("privileged", cfg_false, CFGF_NONE),
	CFG_BOOL("nesting", cfg_false, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t mount_opts[] = {
	CFG_STR("source", NULL, CFGF_NODEFAULT), /* required */
	CFG_STR("path", NULL, CFGF_NODEFAULT),	 /* required */
	CFG_BOOL("readonly", cfg_false, CFGF_NONE),
	CFG_END(),
};

/* Free-form: libconfuse adds a string option for every key it meets. */
static cfg_opt_t raw_opts[] = {
	CFG_END(),
};

static cfg_opt_t ct_opts[] = {
	CFG_STR("template", "", CFGF_NONE),
	CFG_STR("release", "", CFGF_NONE),
	CFG_STR("arch", "", CFGF_NONE),
	CFG_SEC("autostart", autostart_opts, CFGF_NONE),
	CFG_SEC("resources", resources_opts, CFGF_NONE),
	CFG_SEC("network", ct_network_opts, CFGF_NONE),
	CFG_SEC("snapshots", snapshots_opts, CFGF_NONE),
	CFG_SEC("security", security_opts, CFGF_NONE),
	CFG_SEC("mount", mount_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("raw", raw_opts, CFGF_KEYSTRVAL),
	CFG_END(),
};

/* ---- sections ----------------------------------------------------------- */

static bool valid_title(const char *s)
{
	return sysctr_conf_valid_word(s, 64);
}

/* After each mount "TITLE" { } section. */
static int v_mount(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *title = cfg_title(sec);
	unsigned line =
	    sysctr_conf_section_line("mount", title, sysctr_conf_line_of(cfg));
	static const char *const required[][2] = {
		{ "source", "required: the host directory to mount" },
		{ "path", "required: where it appears in the container" },
	};

	if (!valid_title(title))
		return sysctr_conf_invalid_at(
		    line, NULL,
		    "mount \"%.40s\": invalid mount name: use letters, "
		    "digits, '_' and '-'",
		    title);
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		cleanup_free char *key = NULL;

		if (cfg_getstr(sec, required[i][0]) != NULL)
			continue;
		key = xasprintf("mount.%s.%s", title, required[i][0]);
		return sysctr_conf_invalid_at(line, key, "%s", required[i][1]);
	}
	return 0;
}

/* Keys sysctr writes itself from container.conf and sysctr.conf. */
static const struct {
	const char *prefix;
	const char *why;
} owned_keys[] = {
	{ "lxc.rootfs", "sysctr sets the root file system itself" },
	{ "lxc.uts.name", "sysctr sets the host name to the container name" },
	{ "lxc.utsname", "sysctr sets the host name to the container name" },
	{ "lxc.idmap", "sysctr sets the id map from sysctr.conf's idmap {}" },
	{ "lxc.id_map", "sysctr sets the id map from sysctr.conf's idmap {}" },
	{ "lxc.log", "sysctr sets the log itself" },
	{ "lxc.net", "use network {}" },
	{ "lxc.network", "use network {}" },
	{ "lxc.include", "sysctr includes the distribution's config itself" },
};

/* Why key cannot be a raw {} key, or NULL when it can. */
static const char *raw_key_problem(const char *key)
{
	if (!str_starts_with(key, "lxc.") || key[4] == '\0')
		return "liblxc keys start with 'lxc.'";
	if (strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(key))
		return "invalid liblxc key: use lower-case letters, digits, "
		       "'.', '_' and '-'";
	for (size_t i = 0; i < ARRAY_SIZE(owned_keys); i++) {
		size_t n = strlen(owned_keys[i].prefix);

		if (strncmp(key, owned_keys[i].prefix, n) == 0 &&
		    (key[n] == '\0' || key[n] == '.'))
			return owned_keys[i].why;
	}
	return NULL;
}

/* libconfuse keeps one value per key in raw {}: a key written twice
 * would lose the first value without a word. */
static int raw_twice(const char *key, unsigned fallback)
{
	const struct sysctr_conf_scan *scan = sysctr_conf_parsing_scan();
	unsigned first = 0;

	for (size_t i = 0; scan && i < scan->nstmts; i++) {
		const struct sysctr_conf_stmt *s = &scan->stmts[i];
		cleanup_free char *k = NULL;

		if (s->section == NULL || strcmp(s->section, "raw") != 0 ||
		    strcmp(s->key, key) != 0)
			continue;
		if (first == 0) {
			first = s->line;
			continue;
		}
		k = xasprintf("raw.%s", key);
		return sysctr_conf_invalid_at(
		    s->line ? s->line : fallback, k,
		    "set twice (first on line %u): raw {} holds one "
		    "value per key",
		    first);
	}
	return 0;
}

/* After each raw { } section: the keys are only known now. */
static int v_raw(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *raw = cfg_opt_getnsec(opt, 0);

	for (unsigned i = 0; i < cfg_num(raw); i++) {
		cfg_opt_t *o = cfg_getnopt(raw, i);
		unsigned line = sysctr_conf_stmt_line("raw", o->name,
						      sysctr_conf_line_of(cfg));
		const char *value = cfg_opt_getnstr(o, 0);
		const char *why = raw_key_problem(o->name);
		cleanup_free char *key = xasprintf("raw.%s", o->name);

		if (why != NULL)
			return sysctr_conf_invalid_at(line, key, "%s", why);
		if (value != NULL && sysctr_conf_has_control(value))
			return sysctr_conf_invalid_at(
			    line, key, "control characters are not allowed");
		if (raw_twice(o->name, line) < 0)
			return -1;
	}
	return 0;
}

static const struct sysctr_conf_check ct_checks[] = {
	{ "template", sysctr_conf_v_token },
	{ "release", sysctr_conf_v_token },
	{ "arch", sysctr_conf_v_token },
	{ "autostart|order", sysctr_conf_v_range },
	{ "autostart|delay", sysctr_conf_v_range },
	{ "autostart|after", sysctr_conf_v_after },
	{ "autostart|ready", sysctr_conf_v_ready },
	{ "autostart|timeout", sysctr_conf_v_range },
	{ "autostart|group", sysctr_conf_v_group },
	{ "resources|memory", sysctr_conf_v_memory },
	{ "resources|memory_swap", sysctr_conf_v_swap },
	{ "resources|cpus", sysctr_conf_v_cpus },
	{ "resources|cpu_weight", sysctr_conf_v_range },
	{ "resources|cpu_max", sysctr_conf_v_cpu_max },
	{ "resources|pids", sysctr_conf_v_range },
	{ "resources|io_weight", sysctr_conf_v_range },
	{ "network|mode", sysctr_conf_v_ct_mode },
	{ "network|bridge", sysctr_conf_v_ct_bridge },
	{ "network|ipv4", sysctr_conf_v_ipv4 },
	{ "network|hwaddr", sysctr_conf_v_hwaddr },
	{ "network|gateway", sysctr_conf_v_gateway },
	{ "network|forward", sysctr_conf_v_forward },
	{ "snapshots|schedule", sysctr_conf_v_schedule },
	{ "snapshots|keep_hourly", sysctr_conf_v_range },
	{ "snapshots|keep_daily", sysctr_conf_v_range },
	{ "snapshots|keep_weekly", sysctr_conf_v_range },
	{ "snapshots|keep_monthly", sysctr_conf_v_range },
	{ "mount|source", sysctr_conf_v_mount_source },
	{ "mount|path", sysctr_conf_v_mount_target },
	{ "mount", v_mount },
	{ "raw", v_raw },
};

/* ---- container.conf ----------------------------------------------------- */

static void fill_autostart(struct sysctr_ct_config *c, cfg_t *a)
{
	unsigned n = cfg_size(a, "after");

	c->autostart.enabled = cfg_getbool(a, "enabled");
	c->autostart.order = (int)cfg_getint(a, "order");
	c->autostart.delay = (int)cfg_getint(a, "delay");
	c->autostart.after = xcalloc(n + 1, sizeof(char *));
	for (unsigned i = 0; i < n; i++)
		c->autostart.after[i] = xstrdup(cfg_getnstr(a, "after", i));
	c->autostart.ready = sysctr_conf_get_str(a, "ready");
	c->autostart.timeout = (int)cfg_getint(a, "timeout");
	c->autostart.group = sysctr_conf_get_str(a, "group");
}

static void fill_mounts_raw(struct sysctr_ct_config *c, cfg_t *cfg)
{
	cfg_t *raw = cfg_getsec(cfg, "raw");

	c->nmounts = cfg_size(cfg, "mount");
	c->mounts = xcalloc(c->nmounts, sizeof(*c->mounts));
	for (size_t i = 0; i < c->nmounts; i++) {
		cfg_t *m = cfg_getnsec(cfg, "mount", (unsigned)i);

		c->mounts[i].name = xstrdup(cfg_title(m));
		c->mounts[i].source = sysctr_conf_get_str(m, "source");
		c->mounts[i].path = sysctr_conf_get_str(m, "path");
		c->mounts[i].readonly = cfg_getbool(m, "readonly");
	}
	c->nraw = raw ? cfg_num(raw) : 0;
	c->raw_keys = xcalloc(c->nraw + 1, sizeof(char *));
	c->raw_values = xcalloc(c->nraw + 1, sizeof(char *));
	for (size_t i = 0; i < c->nraw; i++) {
		cfg_opt_t *o = cfg_getnopt(raw, (unsigned)i);
		const char *v = cfg_opt_getnstr(o, 0);

		c->raw_keys[i] = xstrdup(o->name);
		c->raw_values[i] = xstrdup(v ? v : "");
	}
}

/* A list option as a NULL-terminated strv, never NULL. */
static char **str_list(cfg_t *sec, const char *key)
{
	unsigned n = cfg_size(sec, key);
	char **v = xcalloc(n + 1, sizeof(char *));

	for (unsigned i = 0; i < n; i++)
		v[i] = xstrdup(cfg_getnstr(sec, key, i));
	return v;
}

static struct sysctr_ct_config *ct_from_cfg(cfg_t *cfg)
{
	struct sysctr_ct_config *c = xcalloc(1, sizeof(*c));
	cfg_t *r = cfg_getsec(cfg, "resources");
	cfg_t *net = cfg_getsec(cfg, "network");
	cfg_t *sec = cfg_getsec(cfg, "security");
	cfg_t *snap = cfg_getsec(cfg, "snapshots");

	c->template = sysctr_conf_get_str(cfg, "template");
	c->release = sysctr_conf_get_str(cfg, "release");
	c->arch = sysctr_conf_get_str(cfg, "arch");
	fill_autostart(c, cfg_getsec(cfg, "autostart"));
	/* Checked by sysctr_conf_v_memory() while parsing. */
	if (sysctr_conf_parse_size(cfg_getstr(r, "memory"),
				   &c->resources.memory) < 0)
		c->resources.memory = 0;
	if (sysctr_conf_parse_size(cfg_getstr(r, "memory_swap"),
				   &c->resources.memory_swap) < 0 ||
	    cfg_getstr(r, "memory_swap")[0] == '\0')
		c->resources.memory_swap = -1;
	c->resources.cpus = sysctr_conf_get_str(r, "cpus");
	c->resources.cpu_weight = (int)cfg_getint(r, "cpu_weight");
	if (sysctr_conf_parse_cpu_max(cfg_getstr(r, "cpu_max"),
				      &c->resources.cpu_max) < 0)
		c->resources.cpu_max = 0;
	c->resources.pids = cfg_getint(r, "pids");
	c->resources.io_weight = (int)cfg_getint(r, "io_weight");
	c->network.mode = sysctr_conf_get_str(net, "mode");
	c->network.bridge = sysctr_conf_get_str(net, "bridge");
	c->network.ipv4 = sysctr_conf_get_str(net, "ipv4");
	c->network.hwaddr = sysctr_conf_get_str(net, "hwaddr");
	c->network.gateway = sysctr_conf_get_str(net, "gateway");
	c->network.forward = str_list(net, "forward");
	c->snapshots.schedule = sysctr_conf_get_str(snap, "schedule");
	c->snapshots.keep_hourly = (int)cfg_getint(snap, "keep_hourly");
	c->snapshots.keep_daily = (int)cfg_getint(snap, "keep_daily");
	c->snapshots.keep_weekly = (int)cfg_getint(snap, "keep_weekly");
	c->snapshots.keep_monthly = (int)cfg_getint(snap, "keep_monthly");
	c->security.privileged = cfg_getbool(sec, "privileged");
	c->security.nesting = cfg_getbool(sec, "nesting");
	fill_mounts_raw(c, cfg);
	return c;
}

int sysctr_ct_config_parse(const char *text, const char *name,
			   struct sysctr_ct_config **out,
			   struct sysctr_error **err)
{
	cleanup_cfg cfg_t *cfg = NULL;

	if (sysctr_conf_parse_cfg(text, name, ct_opts, ct_checks,
				  ARRAY_SIZE(ct_checks), &cfg, err) < 0)
		return -1;
	*out = ct_from_cfg(cfg);
	return 0;
}

int sysctr_ct_config_load(const char *path, struct sysctr_ct_config **out,
			  struct sysctr_error **err)
{
	cleanup_free char *text = NULL;

	if (sysctr_conf_read(path, false, &text, err) < 0)
		return -1;
	return sysctr_ct_config_parse(text, path, out, err);
}

void sysctr_ct_config_free(struct sysctr_ct_config *c)
{
	if (c == NULL)
		return;
	free(c->template);
	free(c->release);
	free(c->arch);
	strv_free(c->autostart.after);
	free(c->autostart.ready);
	free(c->autostart.group);
	free(c->resources.cpus);
	free(c->network.mode);
	free(c->network.bridge);
	free(c->network.ipv4);
	free(c->network.hwaddr);
	free(c->network.gateway);
	strv_free(c->network.forward);
	free(c->snapshots.schedule);
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].name);
		free(c->mounts[i].source);
		free(c->mounts[i].path);
	}
	free(c->mounts);
	strv_free(c->raw_keys);
	strv_free(c->raw_values);
	free(c);
}

/* ---- keys --------------------------------------------------------------- */

/* A key of `config get/set`, resolved against the schema. */
struct keyref {
	cfg_opt_t *section; /* NULL at top level */
	cfg_opt_t *opt;	    /* NULL for raw keys */
	char *title;	    /* mount "TITLE" */
	const char *raw;    /* the lxc.* key, inside the key string */
};

static cfg_opt_t *find_opt(cfg_opt_t *opts, const char *name, size_t len)
{
	for (size_t i = 0; opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static int unknown_key(const char *key, struct sysctr_error **err)
{
	cleanup_free char *shown = xstrdup(key);

	sysctr_conf_printable(shown);
	return sysctr_err(err, SYSCTR_E_USAGE, 0, "unknown key '%.80s'", shown);
}

/* On success ref->title (mount keys) belongs to the caller. */
static int resolve_key(const char *key, struct keyref *ref,
		       struct sysctr_error **err)
{
	cleanup_free char *title = NULL;
	const char *dot = strchr(key, '.');
	const char *rest, *dot2;
	const char *why;
	cfg_opt_t *sec, *opt;

	memset(ref, 0, sizeof(*ref));
	if (dot == NULL) {
		opt = find_opt(ct_opts, key, strlen(key));
		if (opt == NULL || opt->type == CFGT_SEC)
			return unknown_key(key, err);
		ref->opt = opt;
		return 0;
	}
	sec = find_opt(ct_opts, key, (size_t)(dot - key));
	if (sec == NULL || sec->type != CFGT_SEC)
		return unknown_key(key, err);
	rest = dot + 1;
	if (sec->flags & CFGF_KEYSTRVAL) {
		why = raw_key_problem(rest);
		if (why != NULL)
			return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s: %s", key,
					  why);
		ref->section = sec;
		ref->raw = rest;
		return 0;
	}
	if (sec->flags & CFGF_TITLE) {
		dot2 = strchr(rest, '.');
		if (dot2 == NULL)
			return unknown_key(key, err);
		title = xasprintf("%.*s", (int)(dot2 - rest), rest);
		if (!valid_title(title))
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "%s: invalid mount name: use "
					  "letters, digits, '_' and '-'",
					  key);
		rest = dot2 + 1;
	}
	opt = find_opt(sec->subopts, rest, strlen(rest));
	if (opt == NULL || opt->type == CFGT_SEC)
		return unknown_key(key, err);
	ref->section = sec;
	ref->opt = opt;
	ref->title = steal_ptr(&title);
	return 0;
}

int sysctr_ct_config_key_kind(const char *key, enum sysctr_conf_kind *kind,
			      struct sysctr_error **err)
{
	struct keyref ref;

	if (resolve_key(key, &ref, err) < 0)
		return -1;
	free(ref.title);
	if (ref.opt == NULL) /* raw */
		*kind = SYSCTR_CONF_STRING;
	else if (ref.opt->type == CFGT_INT)
		*kind = SYSCTR_CONF_INT;
	else if (ref.opt->type == CFGT_BOOL)
		*kind = SYSCTR_CONF_BOOL;
	else if (ref.opt->flags & CFGF_LIST)
		*kind = SYSCTR_CONF_LIST;
	else
		*kind = SYSCTR_CONF_STRING;
	return 0;
}

static int lookup(cfg_t *cfg, const struct keyref *ref, const char *path,
		  char **value, struct sysctr_error **err)
{
	cfg_t *sec = cfg;

	if (ref->opt == NULL) { /* raw.lxc.* */
		sec = cfg_getsec(cfg, "raw");
		for (unsigned i = 0; sec && i < cfg_num(sec); i++) {
			cfg_opt_t *o = cfg_getnopt(sec, i);

			if (strcmp(o->name, ref->raw) == 0) {
				const char *v = cfg_opt_getnstr(o, 0);

				*value = xstrdup(v ? v : "");
				return 0;
			}
		}
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "%s: raw.%s is not set", path, ref->raw);
	}
	if (ref->title != NULL) {
		sec = NULL;
		for (unsigned i = 0; i < cfg_size(cfg, "mount"); i++)
			if (strcmp(cfg_title(cfg_getnsec(cfg, "mount", i)),
				   ref->title) == 0)
				sec = cfg_getnsec(cfg, "mount", i);
		if (sec == NULL)
			return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
					  "%s: no mount \"%s\"", path,
					  ref->title);
	} else if (ref->section != NULL) {
		sec = cfg_getsec(cfg, ref->section->name);
	}
	*value = sysctr_conf_opt_text(cfg_getopt(sec, ref->opt->name));
	return 0;
}

int sysctr_ct_config_get_key(const char *path, const char *key, char **value,
			     struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	cleanup_free char *title = NULL;
	cleanup_cfg cfg_t *cfg = NULL;
	struct keyref ref;

	if (resolve_key(key, &ref, err) < 0)
		return -1;
	title = ref.title;
	if (sysctr_conf_read(path, false, &text, err) < 0)
		return -1;
	if (sysctr_conf_parse_cfg(text, path, ct_opts, ct_checks,
				  ARRAY_SIZE(ct_checks), &cfg, err) < 0)
		return -1;
	return lookup(cfg, &ref, path, value, err);
}

bool sysctr_ct_config_text_sets(const char *text, const char *key)
{
	cleanup_free char *title = NULL;
	cleanup_cfg cfg_t *cfg = NULL;
	struct keyref ref;
	cfg_t *sec;
	cfg_opt_t *opt;

	if (resolve_key(key, &ref, NULL) < 0)
		return false;
	title = ref.title;
	if (ref.opt == NULL || ref.title != NULL ||
	    sysctr_conf_parse_cfg(text, "container.conf", ct_opts, ct_checks,
				  ARRAY_SIZE(ct_checks), &cfg, NULL) < 0)
		return false;
	sec = ref.section ? cfg_getsec(cfg, ref.section->name) : cfg;
	opt = sec ? cfg_getopt(sec, ref.opt->name) : NULL;
	/* libconfuse marks what a file set, even to the default's value */
	return opt != NULL && (opt->flags & CFGF_MODIFIED) != 0;
}

int sysctr_ct_config_items_of(const char *path,
			      struct sysctr_config_item **items, size_t *n,
			      struct sysctr_error **err)
{
	/* path NULL: the defaults of an empty file */
	return sysctr_conf_items_of(path, "container.conf", ct_opts, ct_checks,
				    ARRAY_SIZE(ct_checks), items, n, err);
}

bool sysctr_ct_config_key_needs_restart(const char *key)
{
	/* Autostart and snapshot settings are read by `autostart` and
	 * `snapshot auto` only, never by a running container. */
	return !str_starts_with(key, "autostart.") &&
	       !str_starts_with(key, "snapshots.") &&
	       !str_starts_with(key, "resources.") &&
	       strcmp(key, "network.forward") != 0;
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

bool sysctr_ct_config_same_at_start(const struct sysctr_ct_config *a,
				    const struct sysctr_ct_config *b)
{
	if (!same_str(a->template, b->template) ||
	    !same_str(a->release, b->release) || !same_str(a->arch, b->arch) ||
	    !same_str(a->network.mode, b->network.mode) ||
	    !same_str(a->network.bridge, b->network.bridge) ||
	    !same_str(a->network.ipv4, b->network.ipv4) ||
	    !same_str(a->network.hwaddr, b->network.hwaddr) ||
	    !same_str(a->network.gateway, b->network.gateway) ||
	    a->security.privileged != b->security.privileged ||
	    a->security.nesting != b->security.nesting ||
	    a->nmounts != b->nmounts || a->nraw != b->nraw)
		return false;
	for (size_t i = 0; i < a->nmounts; i++)
		if (!same_str(a->mounts[i].name, b->mounts[i].name) ||
		    !same_str(a->mounts[i].source, b->mounts[i].source) ||
		    !same_str(a->mounts[i].path, b->mounts[i].path) ||
		    a->mounts[i].readonly != b->mounts[i].readonly)
			return false;
	for (size_t i = 0; i < a->nraw; i++)
		if (!same_str(a->raw_keys[i], b->raw_keys[i]) ||
		    !same_str(a->raw_values[i], b->raw_values[i]))
			return false;
	return true;
}
