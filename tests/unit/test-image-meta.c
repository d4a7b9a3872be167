/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An image's meta file, as a template writes it with --meta: what is read,
 * what is ignored and what is refused before it can reach liblxc's
 * config. No root needed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "image.h"
#include "util.h"

static char *dir;

static void put_meta(const char *text)
{
	cleanup_free char *p = xasprintf("%s/meta", dir);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Loads the meta file; on failure returns the message, else NULL. */
static char *load(struct sysctr_image_meta *m)
{
	struct sysctr_error *err = NULL;
	char *msg;

	memset(m, 0, sizeof(*m));
	if (sysctr_image_meta_load(dir, m, &err) == 0) {
		assert_null(err);
		return NULL;
	}
	assert_non_null(err);
	msg = xstrdup(err->msg);
	sysctr_error_free(err);
	return msg;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-image-meta-XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir, NULL);
	free(dir);
	dir = NULL;
	return 0;
}

static void test_valid(void **state)
{
	cleanup_image_meta struct sysctr_image_meta m = { 0 };
	cleanup_free char *msg = NULL;

	(void)state;
	put_meta("release=bookworm\narch=amd64\ninit=systemd\n"
		 "halt_signal=SIGRTMIN+3\nlxc_common=debian\n");
	msg = load(&m);
	assert_null(msg);
	assert_string_equal(m.release, "bookworm");
	assert_string_equal(m.arch, "amd64");
	assert_string_equal(m.init, "systemd");
	assert_string_equal(m.halt_signal, "SIGRTMIN+3");
	assert_string_equal(m.lxc_common, "debian");
}

/* Templates may grow: unknown keys, comments and lines without '=' are
 * skipped; a key given twice keeps its last value. */
static void test_unknown_key(void **state)
{
	cleanup_image_meta struct sysctr_image_meta m = { 0 };
	cleanup_free char *msg = NULL;

	(void)state;
	put_meta("# made by a newer template\nflavour=minimal\n"
		 "release=3.22\nnot a pair\ninit=openrc\ninit=busybox\n");
	msg = load(&m);
	assert_null(msg);
	assert_string_equal(m.release, "3.22");
	assert_string_equal(m.init, "busybox");
	assert_null(m.arch);
}

/* lxc_common names a file liblxc includes: a plain token only. */
static void test_invalid_lxc_common(void **state)
{
	static const char *const bad[] = {
		"lxc_common=../../etc/passwd\n",
		"lxc_common=debian common\n",
		"lxc_common=debian\nlxc.include=/x\nlxc_common=a/b\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cleanup_image_meta struct sysctr_image_meta m = { 0 };
		cleanup_free char *msg = NULL;

		put_meta(bad[i]);
		msg = load(&m);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "invalid lxc_common"));
		assert_non_null(strstr(msg, "/meta"));
	}
	{
		cleanup_image_meta struct sysctr_image_meta m = { 0 };
		cleanup_free char *msg = NULL;

		put_meta("halt_signal=SIGTERM; reboot\n");
		msg = load(&m);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "invalid halt_signal"));
	}
}

/* What the template did not say stays NULL (the caller has defaults);
 * an empty file is a meta file with nothing in it; no file is an error. */
static void test_missing_fields(void **state)
{
	cleanup_image_meta struct sysctr_image_meta m = { 0 };
	cleanup_free char *msg = NULL;
	cleanup_free char *p = xasprintf("%s/meta", dir);

	(void)state;
	put_meta("release=noble\n");
	msg = load(&m);
	assert_null(msg);
	assert_string_equal(m.release, "noble");
	assert_null(m.arch);
	assert_null(m.init);
	assert_null(m.halt_signal);
	assert_null(m.lxc_common);
	sysctr_image_meta_clear(&m);

	put_meta("");
	msg = load(&m);
	assert_null(msg);
	assert_null(m.release);

	assert_int_equal(unlink(p), 0);
	msg = load(&m);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "/meta"));
}

static void test_oversized(void **state)
{
	cleanup_image_meta struct sysctr_image_meta m = { 0 };
	cleanup_free char *msg = NULL;
	cleanup_free char *big = xmalloc(70000);

	(void)state;
	memset(big, '#', 69999);
	big[69999] = '\0';
	memcpy(big, "release=x\n", 10);
	put_meta(big);
	msg = load(&m);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "not an image's meta file"));
	assert_null(m.release);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_lxc_common, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
