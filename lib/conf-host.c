/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr.conf: the host settings, their libconfuse schema (each default
 * beside its key) and the checks that need more than one key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf.h"
#include "conf-check.h"
#include "conf-parse.h"
#include "error.h"
#include "names.h"
#include "util.h"

/* "" in paths means the built-in default, resolved by the caller. */
static cfg_opt_t paths_opts[] = {
	CFG_STR("containers", "", CFGF_NONE),
	CFG_STR("images", "", CFGF_NONE),
	CFG_STR("logs", "", CFGF_NONE),
	CFG_STR("database", "", CFGF_NONE),
	CFG_STR("templates", "", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t defaults_opts[] = {
	CFG_STR("template", "debian", CFGF_NONE),
	CFG_STR("release", "", CFGF_NONE), /* the template's own */
	CFG_STR("arch", "", CFGF_NONE),	   /* the host's */
	CFG_END(),
};

static cfg_opt_t timeouts_opts[] = {
	CFG_INT("stop", 30, CFGF_NONE),
	CFG_INT("start", 30, CFGF_NONE),
	CFG_INT("lock", 10, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t network_opts[] = {
	CFG_STR("mode", "bridge", CFGF_NONE),
	CFG_STR("bridge", "sysctr0", CFGF_NONE),
	CFG_BOOL("managed", cfg_true, CFGF_NONE),
	CFG_STR("ipv4", "10.117.0.1/24", CFGF_NONE),
	CFG_STR("domain", "sysctr", CFGF_NONE),
	CFG_BOOL("nat", cfg_true, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t idmap_opts[] = {
	CFG_INT("base", 100000, CFGF_NONE),
	CFG_INT("size", 65536, CFGF_NONE),
	CFG_END(),
};

/* Free keys: a template's name and its mirror. Templates come and go
 * without a change here; each has its own default mirror. */
static cfg_opt_t mirrors_opts[] = {
	CFG_END(),
};

static cfg_opt_t host_opts[] = {
	CFG_STR("log_level", "warn", CFGF_NONE),
	CFG_SEC("paths", paths_opts, CFGF_NONE),
	CFG_SEC("defaults", defaults_opts, CFGF_NONE),
	CFG_SEC("timeouts", timeouts_opts, CFGF_NONE),
	CFG_SEC("network", network_opts, CFGF_NONE),
	CFG_SEC("idmap", idmap_opts, CFGF_NONE),
	CFG_SEC("mirrors", mirrors_opts, CFGF_KEYSTRVAL),
	CFG_END(),
};

/* After the idmap { } section: the map must fit in 32-bit ids. */
static int v_idmap(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);
	long base = cfg_getint(sec, "base");
	long size = cfg_getint(sec, "size");

	if (base + size > 4294967295L)
		return sysctr_conf_invalid(cfg, opt,
					   "base + size (%ld) is more than "
					   "4294967295",
					   base + size);
	return 0;
}

/* After the mirrors { } section: its keys are free, so libconfuse has no
 * option to hang a check on; each is checked here, at its own line. */
static int v_mirrors(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);

	for (unsigned i = 0; i < cfg_num(sec); i++) {
		cfg_opt_t *o = cfg_getnopt(sec, i);

		sec->line = (int)sysctr_conf_stmt_line("mirrors", o->name,
						       (unsigned)cfg->line);
		if (!sysctr_token_valid(o->name))
			return sysctr_conf_invalid(
			    sec, o,
			    "not a template name: use lower-case "
			    "letters, digits, '.', '_' and '-'");
		if (sysctr_conf_v_url(sec, o) < 0)
			return -1;
	}
	return 0;
}

static const struct sysctr_conf_check host_checks[] = {
	{ "log_level", sysctr_conf_v_log_level },
	{ "paths|containers", sysctr_conf_v_text },
	{ "paths|images", sysctr_conf_v_text },
	{ "paths|logs", sysctr_conf_v_text },
	{ "paths|database", sysctr_conf_v_text },
	{ "paths|templates", sysctr_conf_v_text },
	{ "defaults|template", sysctr_conf_v_token },
	{ "defaults|release", sysctr_conf_v_token },
	{ "defaults|arch", sysctr_conf_v_token },
	{ "timeouts|stop", sysctr_conf_v_range },
	{ "timeouts|start", sysctr_conf_v_range },
	{ "timeouts|lock", sysctr_conf_v_range },
	{ "network|mode", sysctr_conf_v_host_mode },
	{ "network|bridge", sysctr_conf_v_host_bridge },
	{ "network|ipv4", sysctr_conf_v_subnet },
	{ "network|domain", sysctr_conf_v_token },
	{ "idmap|base", sysctr_conf_v_range },
	{ "idmap|size", sysctr_conf_v_range },
	{ "idmap", v_idmap },
	{ "mirrors", v_mirrors },
};

static struct sysctr_host_config *host_from_cfg(cfg_t *cfg)
{
	struct sysctr_host_config *c = xcalloc(1, sizeof(*c));
	cfg_t *p = cfg_getsec(cfg, "paths");
	cfg_t *d = cfg_getsec(cfg, "defaults");
	cfg_t *t = cfg_getsec(cfg, "timeouts");
	cfg_t *n = cfg_getsec(cfg, "network");
	cfg_t *i = cfg_getsec(cfg, "idmap");
	cfg_t *m = cfg_getsec(cfg, "mirrors");

	c->log_level = sysctr_conf_get_str(cfg, "log_level");
	c->paths.containers = sysctr_conf_get_str(p, "containers");
	c->paths.images = sysctr_conf_get_str(p, "images");
	c->paths.logs = sysctr_conf_get_str(p, "logs");
	c->paths.database = sysctr_conf_get_str(p, "database");
	c->paths.templates = sysctr_conf_get_str(p, "templates");
	c->defaults.template = sysctr_conf_get_str(d, "template");
	c->defaults.release = sysctr_conf_get_str(d, "release");
	c->defaults.arch = sysctr_conf_get_str(d, "arch");
	/* The ranges were checked while parsing. */
	c->timeouts.stop = (int)cfg_getint(t, "stop");
	c->timeouts.start = (int)cfg_getint(t, "start");
	c->timeouts.lock = (int)cfg_getint(t, "lock");
	c->network.mode = sysctr_conf_get_str(n, "mode");
	c->network.bridge = sysctr_conf_get_str(n, "bridge");
	c->network.managed = cfg_getbool(n, "managed");
	c->network.ipv4 = sysctr_conf_get_str(n, "ipv4");
	c->network.domain = sysctr_conf_get_str(n, "domain");
	c->network.nat = cfg_getbool(n, "nat");
	c->idmap.base = cfg_getint(i, "base");
	c->idmap.size = cfg_getint(i, "size");
	c->n_mirrors = cfg_num(m);
	c->mirrors =
	    xcalloc(c->n_mirrors ? c->n_mirrors : 1, sizeof(*c->mirrors));
	for (size_t k = 0; k < c->n_mirrors; k++) {
		cfg_opt_t *o = cfg_getnopt(m, (unsigned)k);
		const char *url = cfg_opt_getnstr(o, 0);

		c->mirrors[k].template = xstrdup(cfg_opt_name(o));
		c->mirrors[k].url = xstrdup(url ? url : "");
	}
	return c;
}

int sysctr_host_config_load(const char *path, bool must_exist,
			    struct sysctr_host_config **out,
			    struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	cleanup_cfg cfg_t *cfg = NULL;

	if (sysctr_conf_read(path, !must_exist, &text, err) < 0)
		return -1;
	/* text is NULL for a missing file: all defaults. */
	if (sysctr_conf_parse_cfg(text, path, host_opts, host_checks,
				  ARRAY_SIZE(host_checks), &cfg, err) < 0)
		return -1;
	*out = host_from_cfg(cfg);
	return 0;
}

int sysctr_host_config_items(const char *path,
			     struct sysctr_config_item **items, size_t *n,
			     struct sysctr_error **err)
{
	return sysctr_conf_items_of(path, "sysctr.conf", host_opts, host_checks,
				    ARRAY_SIZE(host_checks), items, n, err);
}

void sysctr_host_config_free(struct sysctr_host_config *c)
{
	if (c == NULL)
		return;
	free(c->log_level);
	free(c->paths.containers);
	free(c->paths.images);
	free(c->paths.logs);
	free(c->paths.database);
	free(c->paths.templates);
	free(c->defaults.template);
	free(c->defaults.release);
	free(c->defaults.arch);
	free(c->network.mode);
	free(c->network.bridge);
	free(c->network.ipv4);
	free(c->network.domain);
	for (size_t k = 0; k < c->n_mirrors; k++) {
		free(c->mirrors[k].template);
		free(c->mirrors[k].url);
	}
	free(c->mirrors);
	free(c);
}

const char *sysctr_host_config_mirror(const struct sysctr_host_config *c,
				      const char *template)
{
	/* A key given twice: libconfuse keeps the last value in place. */
	for (size_t k = 0; k < c->n_mirrors; k++)
		if (strcmp(c->mirrors[k].template, template) == 0)
			return c->mirrors[k].url;
	return NULL;
}
