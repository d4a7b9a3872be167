/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parse machinery of both config files: reading a file (a size limit,
 * text only), scanning it, running libconfuse on it with an error function
 * that turns libconfuse's messages into one line "FILE:LINE: KEY: what is
 * wrong", and the report functions of the validation callbacks. The only
 * global of the config code, the parse in progress, lives here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf-parse.h"
#include "conf-scan.h"
#include "error.h"
#include "util.h"

/* ---- the parse in progress ---------------------------------------------- */

struct parse_ctx {
	const char *file;
	cfg_t *root;
	const struct sysctr_conf_scan *scan;
	char *msg; /* the first error: the cause */
};

/* libconfuse's lexer keeps its state in globals, so a parse is not
 * reentrant anyway, and neither its error function nor a validation
 * callback is given a pointer of ours: they find the parse they belong to
 * here. Set and cleared by run_parse() only; read by this file only, and
 * by callbacks through the functions of conf-parse.h. */
static struct parse_ctx *cur;

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

int sysctr_conf_invalid_at(unsigned line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(line, key, fmt, ap);
	va_end(ap);
	return -1;
}

unsigned sysctr_conf_line_of(cfg_t *cfg)
{
	return cfg != NULL && cfg->line > 0 ? (unsigned)cfg->line : 1;
}

const struct sysctr_conf_scan *sysctr_conf_parsing_scan(void)
{
	return cur != NULL ? cur->scan : NULL;
}

unsigned sysctr_conf_stmt_line(const char *section, const char *key,
			       unsigned fallback)
{
	unsigned line = fallback;

	for (size_t i = 0; cur && i < cur->scan->nstmts; i++) {
		const struct sysctr_conf_stmt *s = &cur->scan->stmts[i];

		if (s->section && strcmp(s->section, section) == 0 &&
		    strcmp(s->key, key) == 0)
			line = s->line;
	}
	return line;
}

unsigned sysctr_conf_section_line(const char *name, const char *title,
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

char *sysctr_conf_get_str(cfg_t *cfg, const char *name)
{
	const char *s = cfg_getstr(cfg, name);

	return xstrdup(s ? s : "");
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
	vnote(sysctr_conf_line_of(cfg), key, fmt, ap);
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
		sysctr_conf_invalid_at(sysctr_conf_line_of(cfg),
				       key ? key : prefix, "%s",
				       what ? what : confuse_msgs[i].what);
		return;
	}
	if (vasprintf(&what, fmt, ap) < 0)
		abort();
	sysctr_conf_invalid_at(sysctr_conf_line_of(cfg), prefix, "%s", what);
}

/* ---- reading and parsing ------------------------------------------------ */

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

char *sysctr_conf_opt_text(cfg_opt_t *opt)
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

static void add_item(struct sysctr_config_item **items, size_t *n, char *key,
		     cfg_opt_t *opt)
{
	struct sysctr_config_item *it;

	*items = xrealloc(*items, (*n + 1) * sizeof(**items));
	it = &(*items)[(*n)++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->text = sysctr_conf_opt_text(opt);
	if (opt->type == CFGT_INT) {
		it->type = SYSCTR_CONF_INT;
		it->num = cfg_opt_getnint(opt, 0);
	} else if (opt->type == CFGT_BOOL) {
		it->type = SYSCTR_CONF_BOOL;
		it->num = cfg_opt_getnbool(opt, 0) ? 1 : 0;
	} else if (opt->flags & CFGF_LIST) {
		unsigned size = cfg_opt_size(opt);

		it->type = SYSCTR_CONF_LIST;
		it->list = xcalloc(size + 1, sizeof(char *));
		for (unsigned i = 0; i < size; i++) {
			const char *v = cfg_opt_getnstr(opt, i);

			it->list[i] = xstrdup(v ? v : "");
		}
	} else {
		it->type = SYSCTR_CONF_STRING;
	}
}

void sysctr_conf_items(cfg_t *cfg, cfg_opt_t *opts,
		       struct sysctr_config_item **items, size_t *n)
{
	/* in the schema's order: top-level keys, each section's keys, each
	 * mount's, then raw's as the file has them */
	for (cfg_opt_t *o = opts; o->name != NULL; o++) {
		if (o->type != CFGT_SEC) {
			add_item(items, n, xstrdup(o->name),
				 cfg_getopt(cfg, o->name));
			continue;
		}
		for (unsigned i = 0; i < cfg_size(cfg, o->name); i++) {
			cfg_t *sec = cfg_getnsec(cfg, o->name, i);

			if (o->flags & CFGF_KEYSTRVAL) {
				for (unsigned k = 0; k < cfg_num(sec); k++) {
					cfg_opt_t *r = cfg_getnopt(sec, k);

					add_item(items, n,
						 xasprintf("%s.%s", o->name,
							   r->name),
						 r);
				}
				continue;
			}
			for (cfg_opt_t *k = o->subopts; k->name != NULL; k++)
				add_item(
				    items, n,
				    o->flags & CFGF_TITLE
					? xasprintf("%s.%s.%s", o->name,
						    cfg_title(sec), k->name)
					: xasprintf("%s.%s", o->name, k->name),
				    cfg_getopt(sec, k->name));
		}
	}
}

int sysctr_conf_items_of(const char *path, const char *name, cfg_opt_t *opts,
			 const struct sysctr_conf_check *checks, size_t nchecks,
			 struct sysctr_config_item **items, size_t *n,
			 struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	cleanup_cfg cfg_t *cfg = NULL;

	*items = NULL;
	*n = 0;
	if ((path != NULL && sysctr_conf_read(path, false, &text, err) < 0) ||
	    sysctr_conf_parse_cfg(text, path ? path : name, opts, checks,
				  nchecks, &cfg, err) < 0)
		return -1;
	sysctr_conf_items(cfg, opts, items, n);
	return 0;
}
