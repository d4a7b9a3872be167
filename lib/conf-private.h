/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by conf.c, conf-host.c and conf-edit.c only; no other module
 * includes this.
 *
 * conf.c owns the parse machinery (error function) and the container.conf
 * schema, and answers what kind of value a key holds; conf-check.c holds
 * the value checks of both files; conf-host.c the sysctr.conf schema;
 * conf-edit.c owns the text scanner: conf.c uses it to find the lines
 * libconfuse does not report (and the unclosed sections it does not notice),
 * conf-edit.c to edit a file without disturbing the rest. */
#ifndef SYSCTR_CONF_PRIVATE_H
#define SYSCTR_CONF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <confuse.h>

#include "sysctr.h"

/* Files larger than this are refused before libconfuse sees them. */
#define SYSCTR_CONF_MAX_SIZE (1024 * 1024)

enum sysctr_conf_kind {
	SYSCTR_CONF_STRING,
	SYSCTR_CONF_INT,
	SYSCTR_CONF_BOOL,
	SYSCTR_CONF_LIST,
};

/* Kind of a container.conf key: "key", "section.key", "mount.NAME.key"
 * or "raw.lxc.KEY". Unknown or refused keys are SYSCTR_E_USAGE. */
int sysctr_ct_config_key_kind(const char *key, enum sysctr_conf_kind *kind,
			      struct sysctr_error **err);

/* Replace control characters (newline included) by '?': error text is
 * one line whatever a file contains. */
void sysctr_conf_printable(char *s);

static inline void confuse_free_p(cfg_t **c)
{
	if (*c)
		cfg_free(*c);
	*c = NULL;
}
#define cleanup_cfg __attribute__((cleanup(confuse_free_p)))

/* A validation callback to install on the option at path ("sec|key"). */
struct sysctr_conf_check {
	const char *path;
	cfg_validate_callback_t fn;
};

/* Parse text (NULL: defaults only) with opts and the checks; errors are
 * "NAME:LINE: KEY: why" (SYSCTR_E_USAGE). */
int sysctr_conf_parse_cfg(const char *text, const char *name, cfg_opt_t *opts,
			  const struct sysctr_conf_check *checks, size_t n,
			  cfg_t **out, struct sysctr_error **err);

/* For validation callbacks of either file (conf.c). "section.key",
 * "mount.TITLE.key" or "key" for opt of cfg. sysctr_conf_invalid()
 * reports "KEY: what" at the current line and returns -1. */
char *sysctr_conf_key_of(cfg_t *cfg, const char *name);
/* The line of KEY in an untitled SECTION of the file being parsed, for a
 * check of a section of free keys (CFGF_KEYSTRVAL), whose options carry
 * no line; fallback when the scanner did not see it. */
unsigned sysctr_conf_stmt_line(const char *section, const char *key,
			       unsigned fallback);
int sysctr_conf_invalid(cfg_t *cfg, cfg_opt_t *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Value checks (conf-check.c): validation callbacks return 0 or report
 * and return -1. sysctr_conf_text() gives value i, or NULL after
 * reporting a control character. */
bool sysctr_conf_has_control(const char *s);
const char *sysctr_conf_text(cfg_t *cfg, cfg_opt_t *opt, unsigned i);
int sysctr_conf_choice(cfg_t *cfg, cfg_opt_t *opt, const char *const *choices,
		       size_t n, const char *hint);
int sysctr_conf_bridge(cfg_t *cfg, cfg_opt_t *opt, bool may_be_empty);
bool sysctr_conf_valid_word(const char *s, size_t max);
bool sysctr_conf_valid_ifname(const char *s);
/* The least resources.memory (but 0, no limit) a container boots with. */
#define SYSCTR_MEMORY_MIN ((int64_t)16 << 20)
/* "" -> 0; digits with an optional K, M, G or T (powers of 1024). */
int sysctr_conf_parse_size(const char *s, int64_t *out);
int sysctr_conf_v_text(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_range(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_token(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_group(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_after(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ready(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_memory(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_cpus(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ct_mode(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ct_bridge(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ipv4(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_hwaddr(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_mount_source(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_mount_target(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_log_level(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_host_mode(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_host_bridge(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_url(cfg_t *cfg, cfg_opt_t *opt);

/* One "key = value" (or "key += value") statement of a file. */
struct sysctr_conf_stmt {
	char *section; /* NULL at top level */
	char *title;   /* mount "TITLE" { }, else NULL */
	char *key;     /* without quotes */
	bool append;   /* written with += */
	size_t key_start;
	size_t value_start, value_end; /* a string or a whole {list} */
	unsigned line;		       /* of the key */
};

struct sysctr_conf_section {
	char *name;
	char *title;
	size_t start; /* offset of the name */
	size_t open;  /* offset of '{' */
	size_t close; /* offset of '}' */
	unsigned line;
};

/* A span that crosses a line end (block comment, string): no insertion
 * may happen at a line start inside it. */
struct sysctr_conf_span {
	size_t start, end;
};

struct sysctr_conf_scan {
	struct sysctr_conf_stmt *stmts;
	size_t nstmts;
	struct sysctr_conf_section *sections;
	size_t nsections;
	size_t *tokens; /* start offset of every token, in order */
	size_t ntokens;
	struct sysctr_conf_span *spans;
	size_t nspans;
	/* The text with every comment blanked out, line ends kept: what
	 * libconfuse parses, since 3.3 counts a line twice or three times
	 * for each comment and its error lines would be wrong. */
	char *code;
	/* Something the editor must not touch: a function call, a nested
	 * section, a '|' path in a key, or syntax the scanner cannot
	 * follow (libconfuse reports that one when it parses). */
	bool unusual;
};

/* Scan text lexically as libconfuse does. Fails (SYSCTR_E_USAGE, "NAME:
 * LINE: KEY: why") on what libconfuse would accept silently or differently:
 * an unclosed section or list, an unterminated comment or string, and
 * ${VAR} (libconfuse expands environment variables; sysctr files mean
 * the same whoever runs the command). Free with sysctr_conf_scan_free(). */
int sysctr_conf_scan(const char *text, const char *name,
		     struct sysctr_conf_scan *scan, struct sysctr_error **err);
void sysctr_conf_scan_free(struct sysctr_conf_scan *scan);

#endif
