/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr.conf and container.conf: the libconfuse schemas (each default
 * beside its key), the validation callbacks that run while libconfuse
 * parses, and the error function that turns libconfuse's messages into
 * one line "FILE:LINE: KEY: what is wrong". */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <confuse.h>

#include "conf.h"
#include "conf-private.h"
#include "error.h"
#include "names.h"
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
	CFG_STR("memory", "", CFGF_NONE), /* "" no limit; K, M, G, T */
	CFG_STR("cpus", "", CFGF_NONE),	  /* cpuset, "" all */
	CFG_INT("pids", 0, CFGF_NONE),	  /* 0 no limit */
	CFG_END(),
};

static cfg_opt_t ct_network_opts[] = {
	CFG_STR("mode", "", CFGF_NONE),	  /* "" sysctr.conf's */
	CFG_STR("bridge", "", CFGF_NONE), /* "" sysctr.conf's */
	CFG_STR("ipv4", "auto", CFGF_NONE),
	CFG_STR("hwaddr", "", CFGF_NONE), /* "" liblxc makes one */
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
	CFG_SEC("security", security_opts, CFGF_NONE),
	CFG_SEC("mount", mount_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("raw", raw_opts, CFGF_KEYSTRVAL),
	CFG_END(),
};

/* ---- the parse in progress ---------------------------------------------- */

struct parse_ctx {
	const char *file;
	cfg_t *root;
	const struct sysctr_conf_scan *scan;
	char *msg; /* the first error: the cause */
};

/* libconfuse's lexer keeps its state in globals, so a parse is not
 * reentrant anyway; the error function and the validation callbacks find
 * the parse they belong to here. */
static struct parse_ctx *cur;

void sysctr_conf_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int vnote(unsigned line, const char *key, const char *fmt, va_list ap)
{
	cleanup_free char *what = NULL;

	if (cur == NULL || cur->msg != NULL)
		return -1;
	if (vasprintf(&what, fmt, ap) < 0)
		abort();
	if (key != NULL)
		cur->msg =
		    xasprintf("%s:%u: %.80s: %s", cur->file, line, key, what);
	else
		cur->msg = xasprintf("%s:%u: %s", cur->file, line, what);
	sysctr_conf_printable(cur->msg);
	return -1;
}

static int note(unsigned line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int note(unsigned line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(line, key, fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned line_of(cfg_t *cfg)
{
	return cfg != NULL && cfg->line > 0 ? (unsigned)cfg->line : 1;
}

char *sysctr_conf_key_of(cfg_t *cfg, const char *name)
{
	if (cur == NULL || cfg == cur->root || cfg->name == NULL)
		return xstrdup(name);
	if (cfg->title != NULL)
		return xasprintf("%s.%s.%s", cfg->name, cfg->title, name);
	return xasprintf("%s.%s", cfg->name, name);
}

int sysctr_conf_invalid(cfg_t *cfg, cfg_opt_t *opt, const char *fmt, ...)
{
	cleanup_free char *key = sysctr_conf_key_of(cfg, opt->name);
	va_list ap;

	va_start(ap, fmt);
	vnote(line_of(cfg), key, fmt, ap);
	va_end(ap);
	return -1;
}

static bool fmt_is(const char *fmt, const char *english)
{
	/* libconfuse translates its messages when the locale asks. */
	return strcmp(fmt, english) == 0 ||
	       strcmp(fmt, dgettext("confuse", english)) == 0;
}

enum msg_arg { ARG_NONE, ARG_OPT, ARG_TITLE, ARG_TOKEN };

static const struct {
	const char *fmt;
	enum msg_arg arg;
	const char *what;
} confuse_msgs[] = {
	{ "no such option '%s'", ARG_OPT, "unknown key" },
	{ "invalid integer value for option '%s'", ARG_OPT, "not an integer" },
	{ "integer value for option '%s' is out of range", ARG_OPT,
	  "integer out of range" },
	{ "invalid boolean value for option '%s'", ARG_OPT,
	  "not a boolean: use true or false" },
	{ "missing equal sign after option '%s'", ARG_OPT,
	  "expected '=' after the key" },
	{ "attempt to append to non-list option '%s'", ARG_OPT,
	  "'+=' works only for lists" },
	{ "missing opening brace for section '%s'", ARG_OPT,
	  "is a section: expected '{'" },
	{ "missing title for section '%s'", ARG_OPT,
	  "expected a name in quotes before '{'" },
	{ "found duplicate title '%s'", ARG_TITLE, "defined twice" },
	{ "unexpected token '%s'", ARG_TOKEN, NULL },
	{ "unexpected closing brace", ARG_NONE, "unexpected '}'" },
	{ "premature end of file", ARG_NONE,
	  "unexpected end of file: a value is missing" },
};

static void on_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	cleanup_free char *prefix = NULL;
	cleanup_free char *key = NULL;
	cleanup_free char *what = NULL;
	const char *arg;

	if (cur == NULL || cur->msg != NULL || cfg == NULL)
		return;
	/* libconfuse 3.3 looks every key of a CFGF_KEYSTRVAL section up
	 * (and reports it missing) before it adds it: not an error. */
	if ((cfg->flags & CFGF_KEYSTRVAL) && fmt_is(fmt, "no such option '%s'"))
		return;
	if (cfg != cur->root && cfg->name != NULL)
		prefix = cfg->title ? xasprintf("%s.%s", cfg->name, cfg->title)
				    : xstrdup(cfg->name);
	for (size_t i = 0; i < ARRAY_SIZE(confuse_msgs); i++) {
		if (!fmt_is(fmt, confuse_msgs[i].fmt))
			continue;
		switch (confuse_msgs[i].arg) {
		case ARG_OPT:
			arg = va_arg(ap, const char *);
			key = prefix ? xasprintf("%s.%s", prefix, arg)
				     : xstrdup(arg);
			if (i == 0 && strcmp(arg, "include") == 0)
				what = xstrdup("include() of other files is "
					       "not allowed");
			break;
		case ARG_TITLE:
			arg = va_arg(ap, const char *);
			key = xasprintf("mount.%s", arg);
			break;
		case ARG_TOKEN:
			arg = va_arg(ap, const char *);
			what = xasprintf("unexpected '%.40s'", arg);
			break;
		case ARG_NONE:
			break;
		}
		note(line_of(cfg), key ? key : prefix, "%s",
		     what ? what : confuse_msgs[i].what);
		return;
	}
	if (vasprintf(&what, fmt, ap) < 0)
		abort();
	note(line_of(cfg), prefix, "%s", what);
}

/* ---- sections ----------------------------------------------------------- */

/* The line of a statement the scanner saw, else libconfuse's line. */
static unsigned stmt_line(const char *section, const char *title,
			  const char *key, unsigned fallback)
{
	unsigned line = fallback;

	for (size_t i = 0; cur && i < cur->scan->nstmts; i++) {
		const struct sysctr_conf_stmt *s = &cur->scan->stmts[i];

		if (s->section && strcmp(s->section, section) == 0 &&
		    (title == NULL ||
		     (s->title && strcmp(s->title, title) == 0)) &&
		    (key == NULL || strcmp(s->key, key) == 0))
			line = s->line;
	}
	return line;
}

unsigned sysctr_conf_stmt_line(const char *section, const char *key,
			       unsigned fallback)
{
	return stmt_line(section, NULL, key, fallback);
}

static unsigned section_line(const char *name, const char *title,
			     unsigned fallback)
{
	for (size_t i = 0; cur && i < cur->scan->nsections; i++) {
		const struct sysctr_conf_section *s = &cur->scan->sections[i];

		if (strcmp(s->name, name) == 0 && s->title &&
		    strcmp(s->title, title) == 0)
			return s->line;
	}
	return fallback;
}

static bool valid_title(const char *s)
{
	return sysctr_conf_valid_word(s, 64);
}

/* After each mount "TITLE" { } section. */
static int v_mount(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *title = cfg_title(sec);
	unsigned line = section_line("mount", title, line_of(cfg));
	static const char *const required[][2] = {
		{ "source", "required: the host directory to mount" },
		{ "path", "required: where it appears in the container" },
	};

	if (!valid_title(title))
		return note(line, NULL,
			    "mount \"%.40s\": invalid mount name: use letters, "
			    "digits, '_' and '-'",
			    title);
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		cleanup_free char *key = NULL;

		if (cfg_getstr(sec, required[i][0]) != NULL)
			continue;
		key = xasprintf("mount.%s.%s", title, required[i][0]);
		return note(line, key, "%s", required[i][1]);
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
	unsigned first = 0;

	for (size_t i = 0; cur && i < cur->scan->nstmts; i++) {
		const struct sysctr_conf_stmt *s = &cur->scan->stmts[i];
		cleanup_free char *k = NULL;

		if (s->section == NULL || strcmp(s->section, "raw") != 0 ||
		    strcmp(s->key, key) != 0)
			continue;
		if (first == 0) {
			first = s->line;
			continue;
		}
		k = xasprintf("raw.%s", key);
		return note(s->line ? s->line : fallback, k,
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
		unsigned line = stmt_line("raw", NULL, o->name, line_of(cfg));
		const char *value = cfg_opt_getnstr(o, 0);
		const char *why = raw_key_problem(o->name);
		cleanup_free char *key = xasprintf("raw.%s", o->name);

		if (why != NULL)
			return note(line, key, "%s", why);
		if (value != NULL && sysctr_conf_has_control(value))
			return note(line, key,
				    "control characters are not allowed");
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
	{ "resources|cpus", sysctr_conf_v_cpus },
	{ "resources|pids", sysctr_conf_v_range },
	{ "network|mode", sysctr_conf_v_ct_mode },
	{ "network|bridge", sysctr_conf_v_ct_bridge },
	{ "network|ipv4", sysctr_conf_v_ipv4 },
	{ "network|hwaddr", sysctr_conf_v_hwaddr },
	{ "mount|source", sysctr_conf_v_mount_source },
	{ "mount|path", sysctr_conf_v_mount_target },
	{ "mount", v_mount },
	{ "raw", v_raw },
};

/* ---- parsing ------------------------------------------------------------ */

static int read_conf(const char *path, bool allow_missing, bool allow_pipe,
		     char **text, struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t size = 0;
	struct stat st;

	/* O_NONBLOCK: a FIFO must not hang us before fstat() refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT && allow_missing) {
		*text = NULL;
		return 0;
	}
	if (fd < 0)
		return sysctr_err(
		    err, errno == ENOENT ? SYSCTR_E_NOT_FOUND : SYSCTR_E_FAILED,
		    errno, "%s", path);
	if (fstat(fd, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", path);
	/* A pipe ends when its writer does (and at once when there is
	 * none); a device such as /dev/zero never ends, nor is it text. */
	if (allow_pipe && S_ISFIFO(st.st_mode)) {
		if (fcntl(fd, F_SETFL, 0) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s",
					  path);
	} else if (!S_ISREG(st.st_mode)) {
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: not a regular file", path);
	}
	buf = xmalloc(SYSCTR_CONF_MAX_SIZE + 2);
	/* Read one byte past the limit: the file may grow after fstat(). */
	while (size <= SYSCTR_CONF_MAX_SIZE) {
		ssize_t r =
		    read(fd, buf + size, SYSCTR_CONF_MAX_SIZE + 1 - size);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s",
					  path);
		if (r == 0)
			break;
		size += (size_t)r;
	}
	if (size > SYSCTR_CONF_MAX_SIZE)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: larger than 1 MiB: not a config file",
				  path);
	if (memchr(buf, '\0', size) != NULL)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: contains NUL bytes: not a text file",
				  path);
	buf[size] = '\0';
	*text = steal_ptr(&buf);
	return 0;
}

int sysctr_conf_read(const char *path, bool allow_missing, char **text,
		     struct sysctr_error **err)
{
	return read_conf(path, allow_missing, false, text, err);
}

int sysctr_conf_read_input(const char *path, char **text,
			   struct sysctr_error **err)
{
	return read_conf(path, false, true, text, err);
}

static int run_parse(cfg_t *cfg, const char *name,
		     const struct sysctr_conf_scan *scan,
		     struct sysctr_error **err)
{
	struct parse_ctx ctx = { name, cfg, scan, NULL };
	cleanup_free char *msg = NULL;
	int ret, saved;

	cur = &ctx;
	cfg_set_error_function(cfg, on_error);
	/* libconfuse tests errno after strtol() without clearing it. */
	errno = 0;
	ret = cfg_parse_buf(cfg, scan->code);
	saved = errno;
	cur = NULL;
	msg = ctx.msg;
	if (msg != NULL)
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s", msg);
	if (ret == CFG_FILE_ERROR)
		return sysctr_err(err, SYSCTR_E_FAILED, saved, "%s: parse",
				  name);
	if (ret != CFG_SUCCESS)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: invalid configuration", name);
	return 0;
}

int sysctr_conf_parse_cfg(const char *text, const char *name, cfg_opt_t *opts,
			  const struct sysctr_conf_check *checks, size_t n,
			  cfg_t **out, struct sysctr_error **err)
{
	struct sysctr_conf_scan scan = { 0 };
	cleanup_cfg cfg_t *cfg = NULL;
	int ret;

	if (text != NULL && strlen(text) > SYSCTR_CONF_MAX_SIZE)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s: larger than 1 MiB: not a config file",
				  name);
	cfg = cfg_init(opts, CFGF_NONE);
	if (cfg == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "%s: libconfuse initialisation", name);
	if (text == NULL) {
		*out = steal_ptr(&cfg);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		cfg_set_validate_func(cfg, checks[i].path, checks[i].fn);
	/* Lexical checks first: they name the line where the trouble
	 * starts, libconfuse only where it noticed. */
	if (sysctr_conf_scan(text, name, &scan, err) < 0)
		return -1;
	ret = run_parse(cfg, name, &scan, err);
	sysctr_conf_scan_free(&scan);
	if (ret < 0)
		return -1;
	*out = steal_ptr(&cfg);
	return 0;
}

/* ---- container.conf ----------------------------------------------------- */

static char *get_str(cfg_t *cfg, const char *name)
{
	const char *s = cfg_getstr(cfg, name);

	return xstrdup(s ? s : "");
}

static void fill_autostart(struct sysctr_ct_config *c, cfg_t *a)
{
	unsigned n = cfg_size(a, "after");

	c->autostart.enabled = cfg_getbool(a, "enabled");
	c->autostart.order = (int)cfg_getint(a, "order");
	c->autostart.delay = (int)cfg_getint(a, "delay");
	c->autostart.after = xcalloc(n + 1, sizeof(char *));
	for (unsigned i = 0; i < n; i++)
		c->autostart.after[i] = xstrdup(cfg_getnstr(a, "after", i));
	c->autostart.ready = get_str(a, "ready");
	c->autostart.timeout = (int)cfg_getint(a, "timeout");
	c->autostart.group = get_str(a, "group");
}

static void fill_mounts_raw(struct sysctr_ct_config *c, cfg_t *cfg)
{
	cfg_t *raw = cfg_getsec(cfg, "raw");

	c->nmounts = cfg_size(cfg, "mount");
	c->mounts = xcalloc(c->nmounts, sizeof(*c->mounts));
	for (size_t i = 0; i < c->nmounts; i++) {
		cfg_t *m = cfg_getnsec(cfg, "mount", (unsigned)i);

		c->mounts[i].name = xstrdup(cfg_title(m));
		c->mounts[i].source = get_str(m, "source");
		c->mounts[i].path = get_str(m, "path");
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

static struct sysctr_ct_config *ct_from_cfg(cfg_t *cfg)
{
	struct sysctr_ct_config *c = xcalloc(1, sizeof(*c));
	cfg_t *r = cfg_getsec(cfg, "resources");
	cfg_t *net = cfg_getsec(cfg, "network");
	cfg_t *sec = cfg_getsec(cfg, "security");

	c->template = get_str(cfg, "template");
	c->release = get_str(cfg, "release");
	c->arch = get_str(cfg, "arch");
	fill_autostart(c, cfg_getsec(cfg, "autostart"));
	/* Checked by sysctr_conf_v_memory() while parsing. */
	if (sysctr_conf_parse_size(cfg_getstr(r, "memory"),
				   &c->resources.memory) < 0)
		c->resources.memory = 0;
	c->resources.cpus = get_str(r, "cpus");
	c->resources.pids = cfg_getint(r, "pids");
	c->network.mode = get_str(net, "mode");
	c->network.bridge = get_str(net, "bridge");
	c->network.ipv4 = get_str(net, "ipv4");
	c->network.hwaddr = get_str(net, "hwaddr");
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

static char *opt_text(cfg_opt_t *opt)
{
	cleanup_free char *s = xstrdup("");

	switch (opt->type) {
	case CFGT_INT:
		return xasprintf("%ld", cfg_opt_getnint(opt, 0));
	case CFGT_BOOL:
		return xstrdup(cfg_opt_getnbool(opt, 0) ? "true" : "false");
	default:
		break;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		char *next = xasprintf("%s%s%s", s, i ? "," : "",
				       cfg_opt_getnstr(opt, i));

		free(s);
		s = next;
	}
	return steal_ptr(&s);
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
	*value = opt_text(cfg_getopt(sec, ref->opt->name));
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

bool sysctr_ct_config_key_needs_restart(const char *key)
{
	/* Autostart settings are read by `autostart` only, never by a
	 * running container. */
	return !str_starts_with(key, "autostart.");
}
