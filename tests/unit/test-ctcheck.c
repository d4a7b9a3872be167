/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/ctcheck.c: a container.conf against this host (its /sys, its files),
 * read-only, no root needed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctcheck.h"
#include "error.h"
#include "util.h"

static void test_cpulist(void **state)
{
	unsigned char bits[16];

	assert_int_equal(sysctr_cpulist_parse("0-3,6\n", bits, 16), 0);
	assert_memory_equal(bits, "\1\1\1\1\0\0\1\0", 8);
	assert_int_equal(sysctr_cpulist_parse("", bits, 16), 0);
	assert_int_equal(sysctr_cpulist_parse("15", bits, 16), 0);
	assert_int_equal(bits[15], 1);
	assert_int_equal(sysctr_cpulist_parse("16", bits, 16), -1);
	assert_int_equal(sysctr_cpulist_parse("3-1", bits, 16), -1);
	assert_int_equal(sysctr_cpulist_parse("1-", bits, 16), -1);
	assert_int_equal(sysctr_cpulist_parse("a", bits, 16), -1);
	assert_int_equal(sysctr_cpulist_parse("1;2", bits, 16), -1);
}

static struct sysctr_mount mount = { (char *)"data", (char *)"/",
				     (char *)"/srv", false };

static void base(struct sysctr_ct_config *ct, struct sysctr_host_config *host)
{
	memset(ct, 0, sizeof(*ct));
	memset(host, 0, sizeof(*host));
	ct->network.mode = (char *)"";
	ct->network.bridge = (char *)"";
	ct->resources.cpus = (char *)"0";
	ct->resources.memory_swap = -1;
	ct->mounts = &mount;
	ct->nmounts = 1;
	host->network.mode = (char *)"none";
	host->network.bridge = (char *)"sysctr0";
}

static void expect_error(const struct sysctr_ct_config *ct,
			 const struct sysctr_ct_config *old,
			 const struct sysctr_host_config *host,
			 const char *what)
{
	struct sysctr_error *e = NULL;

	assert_int_equal(sysctr_ct_host_check(ct, old, host, &e), -1);
	assert_int_equal(e->kind, SYSCTR_E_USAGE);
	if (strstr(e->msg, what) == NULL)
		fail_msg("got '%s', wanted '%s'", e->msg, what);
	sysctr_error_free(e);
}

static void test_host_check(void **state)
{
	struct sysctr_ct_config ct, old;
	struct sysctr_host_config host;
	struct sysctr_mount missing = { (char *)"data",
					(char *)"/nonexistent/sysctr-src",
					(char *)"/srv", false };
	struct sysctr_error *e = NULL;

	/* CPU 0 is online everywhere; / exists; no network. */
	base(&ct, &host);
	assert_int_equal(sysctr_ct_host_check(&ct, NULL, &host, &e), 0);
	assert_null(e);

	/* swap is allowed beyond a memory limit, not alone */
	ct.resources.memory_swap = 0;
	expect_error(&ct, NULL, &host, "needs resources.memory");
	ct.resources.memory_swap = -1;

	ct.network.mode = (char *)"bridge";
	ct.network.bridge = (char *)"stnobr0";
	expect_error(&ct, NULL, &host,
		     "network.bridge: bridge stnobr0 does not exist on this "
		     "host");
	ct.network.bridge = (char *)"";
	host.network.bridge = (char *)"stnobr1";
	expect_error(&ct, NULL, &host,
		     "sysctr.conf's network.bridge: bridge stnobr1 does not");

	base(&ct, &host);
	ct.resources.cpus = (char *)"0,8191";
	expect_error(&ct, NULL, &host,
		     "resources.cpus: CPU 8191 is not online on this host");

	base(&ct, &host);
	ct.mounts = &missing;
	expect_error(&ct, NULL, &host,
		     "mount.data.source: /nonexistent/sysctr-src: No such");

	/* A change checks what changed, not what was already there. */
	base(&ct, &host);
	ct.mounts = &missing;
	ct.resources.cpus = (char *)"8191";
	ct.network.mode = (char *)"bridge";
	ct.network.bridge = (char *)"stnobr0";
	old = ct;
	assert_int_equal(sysctr_ct_host_check(&ct, &old, &host, &e), 0);
	old.resources.cpus = (char *)"0";
	expect_error(&ct, &old, &host, "resources.cpus");
	old.resources.cpus = ct.resources.cpus;
	old.network.bridge = (char *)"stnobr9";
	expect_error(&ct, &old, &host, "bridge stnobr0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_host_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
