/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Templates as lib/template.c sees them: the list, --describe and its
 * cache, a run's progress and its reason of failure. Fake templates in a
 * temporary directory; no root needed. */
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
#include "template.h"
#include "util.h"

static char *dir;
static struct sysctr ctx;

static char *at(const char *rel)
{
	return xasprintf("%s/%s", dir, rel);
}

static void put(const char *rel, const char *text, mode_t mode)
{
	cleanup_free char *p = at(rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-template-XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	memset(&ctx, 0, sizeof(ctx));
	ctx.templates_dir = at("templates");
	ctx.images_dir = at("images");
	assert_int_equal(mkdir(ctx.templates_dir, 0755), 0);
	assert_int_equal(mkdir(ctx.images_dir, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir, NULL);
	free(ctx.templates_dir);
	free(ctx.images_dir);
	free(dir);
	dir = NULL;
	return 0;
}

#define DESCRIBE_NEW                                                           \
	"#!/bin/sh\n"                                                          \
	"[ \"$1\" = --describe ] || exit 1\n"                                  \
	"echo description=a distribution sysctr never heard of\n"              \
	"echo default_release=one\n"                                           \
	"echo releases=one two\n"                                              \
	"echo mirror=yes\n"                                                    \
	"echo mirror_default=https://example.org/new\n"                        \
	"echo colour=blue\n"

/* What a template says about itself; a new key is ignored. */
static void test_describe(void **state)
{
	cleanup_template_info struct sysctr_template_info t = { 0 };
	cleanup_free char *path = at("templates/new");
	struct sysctr_error *err = NULL;

	(void)state;
	put("templates/new", DESCRIBE_NEW, 0755);
	assert_int_equal(sysctr_template_describe(&ctx, "new", path, &t, &err),
			 0);
	assert_string_equal(t.name, "new");
	assert_string_equal(t.description,
			    "a distribution sysctr never heard of");
	assert_string_equal(t.default_release, "one");
	assert_string_equal(t.releases, "one two");
	assert_true(t.takes_mirror);
	assert_string_equal(t.mirror_default, "https://example.org/new");
	assert_false(t.takes_source);
}

/* The answer is kept under the script's size and mtime: asked again only
 * when the script changes. */
static void test_describe_cache(void **state)
{
	cleanup_free char *path = at("templates/new");
	cleanup_free char *cache = at("images/.templates/new");
	cleanup_free char *text = NULL;
	struct sysctr_error *err = NULL;

	(void)state;
	put("templates/new", DESCRIBE_NEW, 0755);
	{
		cleanup_template_info struct sysctr_template_info t = { 0 };

		assert_int_equal(
		    sysctr_template_describe(&ctx, "new", path, &t, &err), 0);
	}
	assert_int_equal(read_file(cache, &text, NULL, NULL), 0);
	assert_non_null(strstr(text, "default_release=one\n"));
	/* A cached answer is used as it is... */
	*strstr(text, "=one\n") = '\0';
	{
		cleanup_free char *edited = xasprintf("%s=cached\n", text);

		put("images/.templates/new", edited, 0600);
	}
	{
		cleanup_template_info struct sysctr_template_info t = { 0 };

		assert_int_equal(
		    sysctr_template_describe(&ctx, "new", path, &t, &err), 0);
		assert_string_equal(t.default_release, "cached");
	}
	/* ...until the script changes. */
	put("templates/new", DESCRIBE_NEW "echo source=yes\n", 0755);
	{
		cleanup_template_info struct sysctr_template_info t = { 0 };

		assert_int_equal(
		    sysctr_template_describe(&ctx, "new", path, &t, &err), 0);
		assert_string_equal(t.default_release, "one");
		assert_true(t.takes_source);
	}
}

/* Every executable file is a template; lib/ (their shared code), the
 * README and what cannot run are not. */
static void test_list(void **state)
{
	struct sysctr_template_info *t = NULL;
	struct sysctr_error *err = NULL;
	cleanup_free char *lib = at("templates/lib");
	cleanup_free char *path = NULL;
	size_t n = 0;

	(void)state;
	put("templates/new", DESCRIBE_NEW, 0755);
	/* One that does not say whether it downloads gets a mirror. */
	put("templates/another",
	    "#!/bin/sh\necho description=old\necho default_release=1\n", 0755);
	put("templates/README.md", "# templates\n", 0755);
	put("templates/notes", "not a template\n", 0644);
	assert_int_equal(mkdir(lib, 0755), 0);
	put("templates/lib/template.sh", "# shared\n", 0644);
	assert_int_equal(sysctr_templates_list(&ctx, &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "another");
	assert_string_equal(t[1].name, "new");
	assert_true(t[0].takes_mirror);
	sysctr_template_info_free_array(t, n);

	assert_int_equal(sysctr_template_path(&ctx, "lib", &path, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(err);
	err = NULL;
	assert_int_equal(sysctr_template_path(&ctx, "new", &path, &err), 0);
	assert_non_null(strstr(path, "/templates/new"));
}

static int steps;

static void on_progress(void *data, const char *step, int done, int total)
{
	(void)data;
	if (strcmp(step, "fetching") == 0 && done == 1 && total == 2)
		steps++;
}

/* @step lines are progress, the last stderr line is the reason, all
 * output is in the log. */
static void test_run_failure(void **state)
{
	cleanup_free char *path = at("templates/fails");
	cleanup_free char *log = at("run.log");
	cleanup_free char *text = NULL;
	struct sysctr_error *err = NULL;
	char *argv[] = { path, (char *)"--name", (char *)"x", NULL };

	(void)state;
	put("templates/fails",
	    "#!/bin/sh\n"
	    "echo '@step 1/2 fetching'\n"
	    "echo some tool output\n"
	    "echo 'a warning' >&2\n"
	    "echo 'cannot reach the mirror: no route' >&2\n"
	    "exit 1\n",
	    0755);
	ctx.progress = on_progress;
	steps = 0;
	assert_int_equal(sysctr_template_run(&ctx, argv, log, &err), -1);
	ctx.progress = NULL;
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "cannot reach the mirror: no route"));
	assert_non_null(strstr(err->msg, log));
	sysctr_error_free(err);
	assert_int_equal(steps, 1);
	assert_int_equal(read_file(log, &text, NULL, NULL), 0);
	assert_non_null(strstr(text, "== fetching\n"));
	assert_non_null(strstr(text, "some tool output\n"));
	assert_non_null(strstr(text, "a warning\n"));
}

static void test_run_ok(void **state)
{
	cleanup_free char *path = at("templates/works");
	cleanup_free char *log = at("run.log");
	struct sysctr_error *err = NULL;
	char *argv[] = { path, NULL };

	(void)state;
	put("templates/works", "#!/bin/sh\necho done\n", 0755);
	assert_int_equal(sysctr_template_run(&ctx, argv, log, &err), 0);
	assert_null(err);
}

static void collect(void *data, const char *key, const char *value)
{
	char **out = data;
	char *next = xasprintf("%s[%s=%s]", *out, key, value);

	free(*out);
	*out = next;
}

static void test_parse_kv(void **state)
{
	cleanup_free char *got = xstrdup("");
	char text[] = "a=1\n# c=2\nnoise\nb=x=y\n\nempty=\n";

	(void)state;
	sysctr_template_parse_kv(text, collect, &got);
	assert_string_equal(got, "[a=1][b=x=y][empty=]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_cache, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_ok, setup, teardown),
		cmocka_unit_test(test_parse_kv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
