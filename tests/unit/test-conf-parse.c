/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/conf-parse.c on a schema of its own, apart from sysctr.conf's and
 * container.conf's: options and callbacks come from the caller, errors
 * become one line "FILE:LINE: KEY: what", the first report wins, and the
 * callbacks' view of the parse in progress exists only during a parse. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf-parse.h"
#include "conf-scan.h"
#include "error.h"
#include "util.h"

#define NAME "toy.conf"

static cfg_opt_t sec_opts[] = {
	CFG_INT("n", 1, CFGF_NONE),
	CFG_STR("s", "", CFGF_NONE),
	CFG_END(),
};

/* Free keys: libconfuse adds a string option for each. */
static cfg_opt_t free_opts[] = {
	CFG_END(),
};

static cfg_opt_t opts[] = {
	CFG_STR("top", "dflt", CFGF_NONE),
	CFG_SEC("sec", sec_opts, CFGF_NONE),
	CFG_SEC("m", sec_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_SEC("free", free_opts, CFGF_KEYSTRVAL),
	CFG_END(),
};

/* What v_top() saw of the parse in progress. */
static struct {
	bool called;
	size_t nstmts;
	char *key;
} seen;

static int v_top(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct sysctr_conf_scan *scan = sysctr_conf_parsing_scan();

	seen.called = true;
	seen.nstmts = scan ? scan->nstmts : 0;
	free(seen.key);
	seen.key = sysctr_conf_key_of(cfg, opt->name);
	return 0;
}

static int v_small(cfg_t *cfg, cfg_opt_t *opt)
{
	long n = cfg_opt_getnint(opt, 0);

	if (n >= 10)
		return sysctr_conf_invalid(cfg, opt, "%ld is too big", n);
	return 0;
}

/* Two reports: only the first reaches the caller. */
static int v_twice(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);

	if (strcmp(s, "bad") != 0)
		return 0;
	sysctr_conf_invalid_at(42, NULL, "first, with no key");
	return sysctr_conf_invalid(cfg, opt, "second");
}

/* After each m "TITLE" { }: at the section's line, not at its end. */
static int v_m(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *title = cfg_title(sec);

	if (strcmp(title, "bad") != 0)
		return 0;
	return sysctr_conf_invalid_at(
	    sysctr_conf_section_line("m", title, sysctr_conf_line_of(cfg)), "m",
	    "bad title");
}

/* After free { }: its keys carry no line of their own. */
static int v_free(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, 0);

	for (unsigned i = 0; i < cfg_num(sec); i++) {
		cfg_opt_t *o = cfg_getnopt(sec, i);
		cleanup_free char *key = xasprintf("free.%s", o->name);

		if (strcmp(cfg_opt_getnstr(o, 0), "bad") == 0)
			return sysctr_conf_invalid_at(
			    sysctr_conf_stmt_line("free", o->name,
						  sysctr_conf_line_of(cfg)),
			    key, "bad value");
	}
	return 0;
}

static const struct sysctr_conf_check checks[] = {
	{ "top", v_top },     { "sec|n", v_small }, { "m|n", v_small },
	{ "sec|s", v_twice }, { "m", v_m },	    { "free", v_free },
};

static int parse(const char *text, cfg_t **cfg, struct sysctr_error **err)
{
	return sysctr_conf_parse_cfg(text, NAME, opts, checks,
				     ARRAY_SIZE(checks), cfg, err);
}

static void expect_error(const char *text, const char *want)
{
	cleanup_error struct sysctr_error *err = NULL;
	cleanup_cfg cfg_t *cfg = NULL;

	assert_int_equal(parse(text, &cfg, &err), -1);
	assert_null(cfg);
	assert_non_null(err);
	if (strcmp(err->msg, want) != 0)
		fail_msg("for:\n%s\ngot:    %s\nwanted: %s", text, err->msg,
			 want);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
}

static void test_defaults_only(void **state)
{
	cleanup_cfg cfg_t *cfg = NULL;
	struct sysctr_error *err = NULL;

	seen.called = false;
	assert_int_equal(parse(NULL, &cfg, &err), 0);
	assert_string_equal(cfg_getstr(cfg, "top"), "dflt");
	assert_int_equal(cfg_getint(cfg_getsec(cfg, "sec"), "n"), 1);
	assert_false(seen.called);
}

static void test_values(void **state)
{
	cleanup_cfg cfg_t *cfg = NULL;
	struct sysctr_error *err = NULL;

	seen.called = false;
	assert_int_equal(parse("# hello\ntop = x\nsec { n = 3 }\n"
			       "m \"a\" { s = \"y\" }\n",
			       &cfg, &err),
			 0);
	assert_null(err);
	assert_string_equal(cfg_getstr(cfg, "top"), "x");
	assert_int_equal(cfg_getint(cfg_getsec(cfg, "sec"), "n"), 3);
	assert_string_equal(cfg_getstr(cfg_getnsec(cfg, "m", 0), "s"), "y");
	/* The callback saw the scan of this text, and a top-level key. */
	assert_true(seen.called);
	assert_int_equal(seen.nstmts, 3);
	assert_string_equal(seen.key, "top");
}

static void test_callback_errors(void **state)
{
	/* libconfuse counts lines wrongly after comments; the lines come
	 * out right because it parses the text with comments blanked. */
	expect_error("# one\n/* two\n three */\nsec {\n  n = 12\n}\n",
		     NAME ":5: sec.n: 12 is too big");
	expect_error("m \"t1\" {\n  n = 10\n}\n",
		     NAME ":2: m.t1.n: 10 is too big");
	expect_error("sec {\n  s = bad\n}\n", NAME ":42: first, with no key");
}

static void test_lines_from_the_scan(void **state)
{
	expect_error("m \"good\" {\n}\n\nm \"bad\" {\n  s = x\n\n}\n",
		     NAME ":4: m: bad title");
	expect_error("free {\n  a = 1\n\n  b = bad\n  c = 2\n}\n",
		     NAME ":4: free.b: bad value");
	/* Set twice: the last statement is the one libconfuse keeps. */
	expect_error("free {\n  b = bad\n  b = bad\n}\n",
		     NAME ":3: free.b: bad value");
}

static void test_confuse_errors(void **state)
{
	/* libconfuse's own messages, in sysctr's words. */
	expect_error("colour = blue\n", NAME ":1: colour: unknown key");
	expect_error("sec {\n  n = abc\n}\n", NAME ":2: sec.n: not an integer");
	expect_error("sec {\n  n += 1\n}\n",
		     NAME ":2: sec.n: '+=' works only for lists");
	expect_error("top = x }\n", NAME ":1: unexpected '}'");
	expect_error("m {\n}\n",
		     NAME ":1: m: expected a name in quotes before '{'");
	expect_error("include(\"/etc/passwd\")\n",
		     NAME ":1: include: include() of other files is not "
			  "allowed");
}

static void test_scan_errors(void **state)
{
	/* The scan runs first and its errors are the parse's. */
	expect_error("sec {\n  n = 1\n", NAME ":1: sec: '{' is never closed: "
					      "a '}' is missing");
	expect_error("top = \"${HOME}\"\n",
		     NAME ":1: ${...} is not expanded in sysctr files: write "
			  "the value (or \\$)");
}

static void test_too_large(void **state)
{
	cleanup_free char *big = xmalloc(SYSCTR_CONF_MAX_SIZE + 2);

	memset(big, '#', SYSCTR_CONF_MAX_SIZE + 1);
	big[SYSCTR_CONF_MAX_SIZE + 1] = '\0';
	expect_error(big, NAME ": larger than 1 MiB: not a config file");
}

static void test_outside_a_parse(void **state)
{
	cleanup_cfg cfg_t *cfg = NULL;
	struct sysctr_error *err = NULL;

	/* After a parse, as before one, callbacks see nothing of it. */
	assert_int_equal(parse("top = x\n", &cfg, &err), 0);
	assert_null(sysctr_conf_parsing_scan());
	assert_int_equal(sysctr_conf_invalid_at(1, "k", "nobody hears %d", 1),
			 -1);
	assert_int_equal(sysctr_conf_line_of(NULL), 1);
	free(seen.key);
	seen.key = sysctr_conf_key_of(cfg_getsec(cfg, "sec"), "n");
	assert_string_equal(seen.key, "n");
	/* A report made outside does not leak into the next parse. */
	cfg_free(cfg);
	cfg = NULL;
	assert_int_equal(parse("top = y\n", &cfg, &err), 0);
	assert_null(err);
	free(seen.key);
	seen.key = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_only),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_callback_errors),
		cmocka_unit_test(test_lines_from_the_scan),
		cmocka_unit_test(test_confuse_errors),
		cmocka_unit_test(test_scan_errors),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_outside_a_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
