/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The managed bridge's subnet and the forwards' syntax. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conf-check.h"
#include "network.h"

static void test_subnet(void **state)
{
	uint32_t gw, first, last;
	int prefix;

	(void)state;
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.1/24", &gw, &prefix, &first, &last), 0);
	assert_int_equal(gw, 0x0a750001);
	assert_int_equal(prefix, 24);
	assert_int_equal(first, 0x0a750001);
	assert_int_equal(last, 0x0a7500fe);
	/* the bridge anywhere in its subnet */
	assert_int_equal(
	    sysctr_net_subnet("192.168.7.201/30", &gw, &prefix, &first, &last),
	    0);
	assert_int_equal(first, 0xc0a807c9);
	assert_int_equal(last, 0xc0a807ca);
	/* the network or broadcast address, a prefix without room, junk */
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.0/24", &gw, &prefix, &first, &last),
	    -1);
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.255/24", &gw, &prefix, &first, &last),
	    -1);
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.1/31", &gw, &prefix, &first, &last),
	    -1);
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.1", &gw, &prefix, &first, &last), -1);
	assert_int_equal(
	    sysctr_net_subnet("10.117.0.1/24x", &gw, &prefix, &first, &last),
	    -1);
}

static void test_forward(void **state)
{
	unsigned hp = 0, p = 0;
	const char *proto = NULL;

	(void)state;
	assert_int_equal(
	    sysctr_conf_parse_forward("8080:80/tcp", &hp, &p, &proto), 0);
	assert_int_equal(hp, 8080);
	assert_int_equal(p, 80);
	assert_string_equal(proto, "tcp");
	assert_int_equal(
	    sysctr_conf_parse_forward("53:5353/udp", &hp, &p, &proto), 0);
	assert_string_equal(proto, "udp");
	assert_int_equal(sysctr_conf_parse_forward("2222:22", &hp, &p, &proto),
			 0);
	assert_string_equal(proto, "tcp");
	static const char *const bad[] = { "",	       "80",
					   "0:80",     "80:0",
					   "70000:80", "80:80/sctp",
					   "a:80/tcp", "80:80/tcp x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    sysctr_conf_parse_forward(bad[i], &hp, &p, &proto), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_forward),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
