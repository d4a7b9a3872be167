/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where sysctr_open() puts things under --root: a path of sysctr.conf that
 * is absolute is used as written, a relative one lives under the root, and
 * an unset one is configure's directory under the root. The registry is
 * not opened, so nothing is created. No root needed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "context.h"
#include "error.h"
#include "util.h"

static char *dir;

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-context-XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	if (rm_rf(dir, &e) < 0)
		sysctr_error_free(e);
	free(dir);
	dir = NULL;
	return 0;
}

/* sysctr.conf at the place configure's sysconfdir gives, under dir */
static void put_conf(const char *text)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *etc =
	    xasprintf("%s" SYSCTR_SYSCONFDIR "/sysctr", dir);
	cleanup_free char *conf = xasprintf("%s/sysctr.conf", etc);

	assert_int_equal(mkdir_p(etc, 0755, &e), 0);
	assert_int_equal(write_file_atomic(conf, text, strlen(text), 0644, &e),
			 0);
}

static struct sysctr *open_at(const char *root, const char *config)
{
	struct sysctr_options opts = { .root = root, .config = config };
	struct sysctr_error *e = NULL;
	struct sysctr *s = sysctr_open(&opts, &e);

	if (s == NULL)
		fail_msg("sysctr_open: %s", e->msg);
	return s;
}

static void expect_under(const char *got, const char *root, const char *rel)
{
	cleanup_free char *want = xasprintf("%s%s", root, rel);

	assert_string_equal(got, want);
}

/* Nothing configured: configure's directories, below the root. */
static void test_defaults_under_root(void **state)
{
	struct sysctr *s;

	(void)state;
	s = open_at(dir, NULL);
	assert_string_equal(s->root, dir);
	expect_under(s->conf_path, dir,
		     SYSCTR_SYSCONFDIR "/sysctr/sysctr.conf");
	expect_under(s->containers_dir, dir,
		     SYSCTR_LOCALSTATEDIR "/lib/sysctr/containers");
	expect_under(s->images_dir, dir,
		     SYSCTR_LOCALSTATEDIR "/cache/sysctr/images");
	expect_under(s->logs_dir, dir, SYSCTR_LOCALSTATEDIR "/log/sysctr");
	expect_under(s->db_path, dir,
		     SYSCTR_LOCALSTATEDIR "/lib/sysctr/sysctr.db");
	expect_under(s->locks_dir, dir, SYSCTR_RUNSTATEDIR "/sysctr/locks");
	/* the installed templates, not a copy under the root */
	assert_string_equal(s->templates_dir, SYSCTR_TEMPLATES_DIR);
	/* open_store not asked: nothing made under the root */
	assert_false(path_exists(s->containers_dir));
	sysctr_close(s);
}

/* The root's own sysctr.conf: absolute as written, relative under the
 * root, empty as unset. */
static void test_configured_paths(void **state)
{
	struct sysctr *s;
	cleanup_free char *slashed = NULL;

	(void)state;
	put_conf("paths {\n"
		 "  containers = \"/srv/sysctr/containers\"\n"
		 "  images = \"cache/images\"\n"
		 "  logs = \"\"\n"
		 "  database = \"db/registry.db\"\n"
		 "  templates = \"/opt/templates\"\n"
		 "}\n");
	s = open_at(dir, NULL);
	assert_string_equal(s->containers_dir, "/srv/sysctr/containers");
	expect_under(s->images_dir, dir, "/cache/images");
	expect_under(s->logs_dir, dir, SYSCTR_LOCALSTATEDIR "/log/sysctr");
	expect_under(s->db_path, dir, "/db/registry.db");
	assert_string_equal(s->templates_dir, "/opt/templates");
	/* the locks are not configurable: always below the root */
	expect_under(s->locks_dir, dir, SYSCTR_RUNSTATEDIR "/sysctr/locks");
	sysctr_close(s);

	/* trailing slashes of --root do not double up */
	slashed = xasprintf("%s//", dir);
	s = open_at(slashed, NULL);
	assert_string_equal(s->root, dir);
	expect_under(s->images_dir, dir, "/cache/images");
	sysctr_close(s);
}

/* A relative templates directory lives under the root like the others. */
static void test_relative_templates(void **state)
{
	struct sysctr *s;

	(void)state;
	put_conf("paths {\n  templates = \"tpl\"\n}\n");
	s = open_at(dir, NULL);
	expect_under(s->templates_dir, dir, "/tpl");
	sysctr_close(s);
}

/* --config chooses the file; its paths still resolve against --root, and
 * without a root (or with "/") a relative path is below "/". */
static void test_config_file_and_no_root(void **state)
{
	cleanup_free char *conf = xasprintf("%s/other.conf", dir);
	const char *text = "paths {\n  images = \"rel/images\"\n}\n";
	struct sysctr_error *e = NULL;
	struct sysctr *s;

	(void)state;
	assert_int_equal(write_file_atomic(conf, text, strlen(text), 0644, &e),
			 0);
	s = open_at(dir, conf);
	assert_string_equal(s->conf_path, conf);
	expect_under(s->images_dir, dir, "/rel/images");
	sysctr_close(s);

	s = open_at("/", conf);
	assert_string_equal(s->root, "");
	assert_string_equal(s->images_dir, "/rel/images");
	assert_string_equal(s->containers_dir,
			    SYSCTR_LOCALSTATEDIR "/lib/sysctr/containers");
	sysctr_close(s);

	s = open_at(NULL, conf);
	assert_string_equal(s->root, "");
	assert_string_equal(s->locks_dir, SYSCTR_RUNSTATEDIR "/sysctr/locks");
	sysctr_close(s);
}

static void test_relative_root_refused(void **state)
{
	struct sysctr_options opts = { .root = "relative/root" };
	struct sysctr_error *e = NULL;

	(void)state;
	assert_null(sysctr_open(&opts, &e));
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_USAGE);
	sysctr_error_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_under_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_configured_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relative_templates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_file_and_no_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_root_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
