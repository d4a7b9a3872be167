/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/conf-scan.c: libconfuse's lexical rules as the scanner follows them
 * (tokens, quoted strings and their escapes, the three comment styles,
 * braces), the lines it finds and the errors it reports. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf-scan.h"
#include "error.h"
#include "util.h"

#define NAME "test.conf"

/* The offset of the first occurrence of needle in text. */
static size_t at(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	assert_non_null(p);
	return (size_t)(p - text);
}

static void scan_ok(const char *text, struct sysctr_conf_scan *scan)
{
	struct sysctr_error *err = NULL;

	if (sysctr_conf_scan(text, NAME, scan, &err) < 0)
		fail_msg("for:\n%s\ngot: %s", text, err->msg);
	assert_null(err);
}

/* A failure: SYSCTR_E_USAGE, one line, "test.conf:LINE: what", and the
 * scan left empty. */
static void expect_error(const char *text, unsigned line, const char *what)
{
	cleanup_error struct sysctr_error *err = NULL;
	cleanup_free char *want = xasprintf(NAME ":%u: %s", line, what);
	struct sysctr_conf_scan scan;

	memset(&scan, 0xa5, sizeof(scan));
	assert_int_equal(sysctr_conf_scan(text, NAME, &scan, &err), -1);
	assert_non_null(err);
	if (strcmp(err->msg, want) != 0)
		fail_msg("for:\n%s\ngot:    %s\nwanted: %s", text, err->msg,
			 want);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	assert_null(scan.stmts);
	assert_int_equal(scan.nstmts, 0);
	assert_null(scan.sections);
	assert_null(scan.tokens);
	assert_null(scan.code);
	/* Freeing what a failure left is harmless. */
	sysctr_conf_scan_free(&scan);
}

static void test_tokens(void **state)
{
	static const char text[] = "template = debian\n"
				   "release=\"bookworm\" arch = 'amd64'\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };
	static const char *const starts[] = {
		"template",   "= debian", "debian", "release", "=\"",
		"\"bookworm", "arch",	  "= '",    "'amd64",
	};

	scan_ok(text, &scan);
	assert_int_equal(scan.ntokens, ARRAY_SIZE(starts));
	for (size_t i = 0; i < ARRAY_SIZE(starts); i++)
		assert_int_equal(scan.tokens[i], at(text, starts[i]));
	assert_int_equal(scan.nstmts, 3);
	assert_null(scan.stmts[0].section);
	assert_null(scan.stmts[0].title);
	assert_string_equal(scan.stmts[0].key, "template");
	assert_int_equal(scan.stmts[0].key_start, 0);
	assert_int_equal(scan.stmts[0].value_start, at(text, "debian"));
	assert_int_equal(scan.stmts[0].value_end, at(text, "debian") + 6);
	assert_int_equal(scan.stmts[0].line, 1);
	assert_false(scan.stmts[0].append);
	/* A quoted value's span holds its quotes; the key never does. */
	assert_string_equal(scan.stmts[1].key, "release");
	assert_int_equal(scan.stmts[1].value_start, at(text, "\"bookworm"));
	assert_int_equal(scan.stmts[1].value_end,
			 at(text, "bookworm\"") + strlen("bookworm\""));
	assert_int_equal(scan.stmts[1].line, 2);
	assert_string_equal(scan.stmts[2].key, "arch");
	assert_int_equal(scan.stmts[2].line, 2);
	assert_int_equal(scan.nsections, 0);
	assert_int_equal(scan.nspans, 0);
	assert_string_equal(scan.code, text);
	assert_false(scan.unusual);
}

static void test_lists(void **state)
{
	static const char text[] = "after = {\"db1\", 'cache1', web}\n"
				   "after += {\"x\"}\n"
				   "\"quoted key\" = {}\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_int_equal(scan.nstmts, 3);
	assert_string_equal(scan.stmts[0].key, "after");
	assert_false(scan.stmts[0].append);
	assert_int_equal(scan.stmts[0].value_start, at(text, "{"));
	assert_int_equal(scan.stmts[0].value_end, at(text, "}") + 1);
	assert_string_equal(scan.stmts[1].key, "after");
	assert_true(scan.stmts[1].append);
	assert_int_equal(scan.stmts[1].line, 2);
	assert_string_equal(scan.stmts[2].key, "quoted key");
	assert_int_equal(scan.stmts[2].key_start, at(text, "\"quoted"));
	assert_int_equal(scan.stmts[2].value_end - scan.stmts[2].value_start,
			 2);
	assert_false(scan.unusual);
}

static void test_strings(void **state)
{
	/* An escaped quote does not end a string; '#' and '//' inside one
	 * are no comment. */
	static const char text[] = "a = \"x\\\"y # not // a comment\"\n"
				   "b = 'it\\'s'\n"
				   "c = \"back\\\\\"\n"
				   "d = 1\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_int_equal(scan.nstmts, 4);
	assert_int_equal(scan.stmts[0].value_end,
			 at(text, "comment\"") + strlen("comment\""));
	assert_string_equal(scan.stmts[1].key, "b");
	assert_int_equal(scan.stmts[1].value_end,
			 at(text, "s'\n") + strlen("s'"));
	assert_string_equal(scan.stmts[2].key, "c");
	assert_int_equal(scan.stmts[2].value_end,
			 at(text, "\\\\\"") + strlen("\\\\\""));
	assert_string_equal(scan.stmts[3].key, "d");
	assert_int_equal(scan.stmts[3].line, 4);
	assert_string_equal(scan.code, text);
	assert_int_equal(scan.nspans, 0);
	assert_false(scan.unusual);
}

static void test_multiline_strings(void **state)
{
	/* A string over two lines, and an escaped line end: both count
	 * their lines and are spans an insertion must not split. */
	static const char text[] = "a = \"one\ntwo\"\n"
				   "b = \"x\\\ny\"\n"
				   "c = 1\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_int_equal(scan.nstmts, 3);
	assert_int_equal(scan.stmts[1].line, 3);
	assert_int_equal(scan.stmts[2].line, 5);
	assert_int_equal(scan.nspans, 2);
	assert_int_equal(scan.spans[0].start, at(text, "\"one"));
	assert_int_equal(scan.spans[0].end, at(text, "two\"") + 4);
	assert_int_equal(scan.spans[1].start, at(text, "\"x"));
}

static void test_string_errors(void **state)
{
	expect_error("a = 1\nb = \"abc\n\n", 2,
		     "unterminated string: the closing quote is missing");
	expect_error("a = 'abc\\'\n", 1,
		     "unterminated string: the closing quote is missing");
	expect_error("a = \"abc\\", 1,
		     "unterminated string: the closing quote is missing");
	/* libconfuse would expand ${VAR} from the environment. */
	expect_error("a = 1\nb = \"x\n${HOME}\"\n", 3,
		     "${...} is not expanded in sysctr files: write the value "
		     "(or \\$)");
	expect_error("a = ${HOME}\n", 1,
		     "${...} is not expanded in sysctr files: write the value");
}

static void test_not_env(void **state)
{
	/* Escaped, single-quoted, or without a closing brace: no
	 * variable. */
	static const char *const ok[] = {
		"a = \"\\${HOME}\"\n",
		"a = '${HOME}'\n",
		"a = \"${HOME\"\n",
		"a = \"$HOME\"\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		cleanup_scan struct sysctr_conf_scan scan = { 0 };

		scan_ok(ok[i], &scan);
		assert_int_equal(scan.nstmts, 1);
	}
}

static void test_comments(void **state)
{
	static const char text[] = "# one\n"
				   "a = 1 // two\n"
				   "/* three\n"
				   "   four */ b = 2\n"
				   "c = 3 # d = 4\n"
				   "e = /* five */ 5\n";
	/* What libconfuse is given: comments blanked, line ends kept. */
	static const char code[] = "     \n"
				   "a = 1       \n"
				   "        \n"
				   "           b = 2\n"
				   "c = 3        \n"
				   "e =            5\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_string_equal(scan.code, code);
	assert_int_equal(scan.nstmts, 4);
	assert_string_equal(scan.stmts[0].key, "a");
	assert_int_equal(scan.stmts[0].line, 2);
	assert_string_equal(scan.stmts[1].key, "b");
	assert_int_equal(scan.stmts[1].line, 4);
	assert_string_equal(scan.stmts[2].key, "c");
	assert_int_equal(scan.stmts[2].line, 5);
	assert_string_equal(scan.stmts[3].key, "e");
	assert_int_equal(scan.stmts[3].line, 6);
	assert_int_equal(scan.stmts[3].value_start, at(text, "5\n"));
	/* Only the comment that crosses a line end is a span. */
	assert_int_equal(scan.nspans, 1);
	assert_int_equal(scan.spans[0].start, at(text, "/* three"));
	assert_int_equal(scan.spans[0].end, at(text, "four */") + 7);
	assert_false(scan.unusual);
}

static void test_comment_errors(void **state)
{
	expect_error("a = 1\n/* open\n\nb = 2\n", 2,
		     "unterminated comment: '/*' without '*/'");
	expect_error("a = \"x\" /*/\n", 1,
		     "unterminated comment: '/*' without '*/'");
}

static void test_sections(void **state)
{
	static const char text[] = "autostart {\n"
				   "  order = 10\n"
				   "}\n"
				   "mount \"data\" {\n"
				   "  path = \"/srv\"\n"
				   "}\n"
				   "template = debian\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_int_equal(scan.nsections, 2);
	assert_string_equal(scan.sections[0].name, "autostart");
	assert_null(scan.sections[0].title);
	assert_int_equal(scan.sections[0].start, 0);
	assert_int_equal(scan.sections[0].open, at(text, "{"));
	assert_int_equal(scan.sections[0].close, at(text, "}"));
	assert_int_equal(scan.sections[0].line, 1);
	assert_string_equal(scan.sections[1].name, "mount");
	assert_string_equal(scan.sections[1].title, "data");
	assert_int_equal(scan.sections[1].start, at(text, "mount"));
	assert_int_equal(scan.sections[1].close, at(text, "}\ntemplate"));
	assert_int_equal(scan.sections[1].line, 4);
	assert_int_equal(scan.nstmts, 3);
	assert_string_equal(scan.stmts[0].section, "autostart");
	assert_null(scan.stmts[0].title);
	assert_int_equal(scan.stmts[0].line, 2);
	assert_string_equal(scan.stmts[1].section, "mount");
	assert_string_equal(scan.stmts[1].title, "data");
	assert_string_equal(scan.stmts[1].key, "path");
	assert_int_equal(scan.stmts[1].line, 5);
	assert_null(scan.stmts[2].section);
	assert_int_equal(scan.stmts[2].line, 7);
	assert_false(scan.unusual);
}

static void test_unusual(void **state)
{
	/* What the editor must leave alone; the scan itself succeeds. */
	static const char *const unusual[] = {
		"a {\n  b {\n    c = 1\n  }\n}\n", /* nested section */
		"include(\"other.conf\")\n",	   /* function call */
		"autostart|order = 1\n",	   /* a path as key */
		"a = 1\n}\n",			   /* a stray '}' */
		"a =\n",			   /* no value */
		"a = 1 = 2\n",			   /* '=' for a key */
		"a { b = 1 }\nc\n",		   /* key without value */
	};

	for (size_t i = 0; i < ARRAY_SIZE(unusual); i++) {
		cleanup_scan struct sysctr_conf_scan scan = { 0 };

		scan_ok(unusual[i], &scan);
		if (!scan.unusual)
			fail_msg("not unusual:\n%s", unusual[i]);
	}
}

static void test_unclosed(void **state)
{
	expect_error("autostart {\n  order = 1\n", 1,
		     "autostart: '{' is never closed: a '}' is missing");
	expect_error("a = 1\n\nmount \"data\" {\n  path = \"/srv\"\n", 3,
		     "mount.data: '{' is never closed: a '}' is missing");
	expect_error("after = {\"a\",\n\"b\"\n", 1,
		     "after: '{' is never closed: a '}' is missing");
	expect_error("autostart {\n  after = {\"a\",\n", 2,
		     "autostart.after: '{' is never closed: a '}' is missing");
	/* The list's '}' closes the list; the section stays open. */
	expect_error("autostart {\n  after = {\"a\"}\n", 1,
		     "autostart: '{' is never closed: a '}' is missing");
	/* Where the grammar was lost, the brace has no name. */
	expect_error("a {\n  b {\n", 2,
		     "'{' is never closed: a '}' is missing");
	/* A '{' in a string or a comment is no brace. */
	expect_error("a = \"{\"\n# {\nb {\n", 3,
		     "b: '{' is never closed: a '}' is missing");
}

static void test_empty_key(void **state)
{
	expect_error("a = 1\n\"\" = 1\n", 2, "empty key");
	expect_error("s {\n  '' = 1\n}\n", 2, "empty key");
}

static void test_line_numbers(void **state)
{
	static const char text[] = "a = 1\r\n"
				   "\r\n"
				   "/* x\n"
				   "\n"
				   "*/ b = \"two\n"
				   "lines\" c = 3 // four\n"
				   "d {\n"
				   "\n"
				   "  e = 5 }\n";
	cleanup_scan struct sysctr_conf_scan scan = { 0 };

	scan_ok(text, &scan);
	assert_int_equal(scan.nstmts, 4);
	assert_int_equal(scan.stmts[0].line, 1);
	assert_int_equal(scan.stmts[1].line, 5);
	assert_int_equal(scan.stmts[2].line, 6);
	assert_int_equal(scan.stmts[3].line, 9);
	assert_int_equal(scan.nsections, 1);
	assert_int_equal(scan.sections[0].line, 7);
	/* An error past all of that names the right line too. */
	expect_error("a = 1\r\n/* x\n\n*/ b = \"two\nlines\"\nc = 'open\n", 6,
		     "unterminated string: the closing quote is missing");
}

static void test_error_text(void **state)
{
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_conf_scan scan;

	/* The file name reaches the message as it is, control characters
	 * made printable: the error stays one line. */
	assert_int_equal(sysctr_conf_scan("a = \"x", "bad\nname", &scan, &err),
			 -1);
	assert_string_equal(err->msg, "bad?name:1: unterminated string: "
				      "the closing quote is missing");
}

static void test_empty(void **state)
{
	static const char *const empty[] = { "", "\n\n", "# only\n",
					     "/* only */" };

	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		cleanup_scan struct sysctr_conf_scan scan = { 0 };

		scan_ok(empty[i], &scan);
		assert_int_equal(scan.ntokens, 0);
		assert_int_equal(scan.nstmts, 0);
		assert_false(scan.unusual);
	}
}

static void test_free_twice(void **state)
{
	struct sysctr_conf_scan scan = { 0 };

	sysctr_conf_scan_free(&scan);
	sysctr_conf_scan_free(NULL);
	scan_ok("a { b = 1 }\n", &scan);
	sysctr_conf_scan_free(&scan);
	assert_null(scan.stmts);
	assert_null(scan.code);
	sysctr_conf_scan_free(&scan);
}

static void test_printable(void **state)
{
	char s[] = "a\nb\tc\x7f"
		   "d\x01 e";

	sysctr_conf_printable(s);
	assert_string_equal(s, "a?b?c?d? e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_multiline_strings),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_not_env),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_comment_errors),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_unusual),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_free_twice),
		cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
