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

/* /proc/net/route as this host writes it: a default route, the LAN
 * 192.168.122.0/24 on eth0, a VPN's 10.0.0.0/8 on tun0, and a stale
 * route of the bridge itself */
static const char routes[] =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask"
    "\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t017AA8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "eth0\t007AA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"
    "br9\t000011AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

static void test_route_clash(void **state)
{
	char dev[64], route[32];

	(void)state;
	/* 10.117.0.0/24 is inside the VPN's 10.0.0.0/8 */
	assert_int_equal(sysctr_net_route_clash(routes, 0x0a750000U, 24, "br0",
						dev, sizeof(dev), route,
						sizeof(route)),
			 1);
	assert_string_equal(dev, "tun0");
	assert_string_equal(route, "10.0.0.0/8");
	/* 192.168.0.0/16 contains the LAN */
	assert_int_equal(sysctr_net_route_clash(routes, 0xc0a80000U, 16, "br0",
						dev, sizeof(dev), route,
						sizeof(route)),
			 1);
	assert_string_equal(dev, "eth0");
	assert_string_equal(route, "192.168.122.0/24");
	/* a free subnet: the default route does not count */
	assert_int_equal(sysctr_net_route_clash(routes, 0xac100000U, 24, "br0",
						dev, sizeof(dev), route,
						sizeof(route)),
			 0);
	/* a route of the bridge itself is its own */
	assert_int_equal(sysctr_net_route_clash(routes, 0xac110000U, 24, "br9",
						dev, sizeof(dev), route,
						sizeof(route)),
			 0);
	assert_int_equal(sysctr_net_route_clash(routes, 0xac110000U, 24, "br0",
						dev, sizeof(dev), route,
						sizeof(route)),
			 1);
	assert_int_equal(sysctr_net_route_clash("", 0x0a750000U, 24, "br0", dev,
						sizeof(dev), route,
						sizeof(route)),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_route_clash),
		cmocka_unit_test(test_forward),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
