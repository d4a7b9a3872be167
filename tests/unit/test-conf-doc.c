/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/conf-doc.c against the schemas: every key of container.conf and
 * sysctr.conf is documented, and every documented key exists, so a new
 * key cannot ship without its line in help config and the man pages. */
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

#include "conf.h"
#include "error.h"
#include "util.h"

/* A file that sets a mount, a raw key and a mirror, so that the keys with
 * a name of the admin's show up too. */
static char *write_conf(const char *text)
{
	char *path = xstrdup("/tmp/sysctr-test-conf-doc-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* "mount.web.source" -> "mount.NAME.source", "raw.lxc.environment" ->
 * "raw.lxc.KEY", "mirrors.debian" -> "mirrors.TEMPLATE" */
static char *doc_key_of(const char *key)
{
	if (strncmp(key, "mount.", 6) == 0)
		return xasprintf("mount.NAME.%s", strrchr(key, '.') + 1);
	if (strncmp(key, "raw.lxc.", 8) == 0)
		return xstrdup("raw.lxc.KEY");
	if (strncmp(key, "mirrors.", 8) == 0)
		return xstrdup("mirrors.TEMPLATE");
	return xstrdup(key);
}

static void check_file(enum sysctr_conf_file file, const char *text)
{
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_config_item *items = NULL;
	const struct sysctr_key_doc *docs;
	size_t n = 0, ndocs = 0;
	char *path = write_conf(text);
	bool *seen;

	if (file == SYSCTR_CONF_HOST)
		assert_int_equal(
		    sysctr_host_config_items(path, &items, &n, &err), 0);
	else
		assert_int_equal(
		    sysctr_ct_config_items_of(path, &items, &n, &err), 0);
	assert_null(err);
	docs = sysctr_key_docs(file, &ndocs);
	seen = xcalloc(ndocs, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *k = doc_key_of(items[i].key);
		size_t d;

		for (d = 0; d < ndocs && strcmp(docs[d].key, k) != 0; d++)
			;
		if (d == ndocs)
			fail_msg(
			    "key %s has no documentation in lib/conf-doc.c",
			    items[i].key);
		seen[d] = true;
	}
	for (size_t d = 0; d < ndocs; d++) {
		long min, max;

		if (!seen[d])
			fail_msg("documented key %s is in no schema",
				 docs[d].key);
		assert_true(strlen(docs[d].desc) > 10);
		/* an integer's values are its range */
		if (docs[d].values == NULL &&
		    !sysctr_key_range(docs[d].key, &min, &max))
			fail_msg("%s: neither values nor a range", docs[d].key);
	}
	free(seen);
	sysctr_config_items_free(items, n);
	unlink(path);
	free(path);
}

static void test_container_keys(void **state)
{
	(void)state;
	check_file(
	    SYSCTR_CONF_CONTAINER,
	    "mount \"web\" {\n  source = \"/srv\"\n  path = \"/srv\"\n}\n"
	    "raw {\n  lxc.environment = \"A=1\"\n}\n");
}

static void test_host_keys(void **state)
{
	(void)state;
	check_file(
	    SYSCTR_CONF_HOST,
	    "mirrors {\n  debian = \"http://deb.debian.org/debian\"\n}\n");
}

static void test_defaults(void **state)
{
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_config_item *items = NULL;
	size_t n = 0;
	bool found = false;

	(void)state;
	assert_int_equal(
	    sysctr_conf_defaults(SYSCTR_CONF_CONTAINER, &items, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].key, "autostart.order") == 0) {
			assert_string_equal(items[i].text, "50");
			found = true;
		}
	assert_true(found);
	sysctr_config_items_free(items, n);
	assert_int_equal(
	    sysctr_conf_defaults(SYSCTR_CONF_HOST, &items, &n, &err), 0);
	found = false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].key, "network.bridge") == 0) {
			assert_string_equal(items[i].text, "sysctr0");
			found = true;
		}
	assert_true(found);
	sysctr_config_items_free(items, n);
	assert_true(sysctr_key_is_live("resources.memory"));
	assert_false(sysctr_key_is_live("network.mode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_keys),
		cmocka_unit_test(test_host_keys),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
