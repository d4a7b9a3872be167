/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "lxcconf.h"
#include "util.h"

static char *none_after[] = { NULL };
static struct sysctr_cg_host cg_v1 = { .swap = true,
				       .cpus_all = (char *)"0-1" };
static struct sysctr_cg_host cg_v2 = { .cgroup2 = true,
				       .swap = true,
				       .cpus_all = (char *)"0-1" };

static void base(struct sysctr_ct_config *ct, struct sysctr_host_config *host,
		 struct sysctr_lxcconf_input *in)
{
	memset(ct, 0, sizeof(*ct));
	memset(host, 0, sizeof(*host));
	memset(in, 0, sizeof(*in));
	ct->autostart.after = none_after;
	ct->network.mode = (char *)"";
	ct->network.bridge = (char *)"";
	ct->network.ipv4 = (char *)"auto";
	ct->network.hwaddr = (char *)"";
	ct->resources.cpus = (char *)"";
	ct->resources.memory_swap = -1;
	ct->security.privileged = true;
	host->network.mode = (char *)"none";
	host->network.bridge = (char *)"sysctr0";
	in->name = "web1";
	in->rootfs = "overlay:/img/rootfs:/ct/web1/overlay/delta";
	in->log_file = "/log/web1.log";
	in->lxc_config_dir = "/usr/share/lxc/config";
	in->lxc_common = "debian";
	in->halt_signal = "SIGRTMIN+3";
	in->ct = ct;
	in->host = host;
	in->idmap_base = 100000;
	in->idmap_size = 65536;
	in->cg = &cg_v1;
}

static void assert_line(const char *text, const char *line)
{
	char *with_nl = xasprintf("\n%s\n", line);

	if (strstr(text, with_nl) == NULL)
		fail_msg("missing line '%s' in:\n%s", line, text);
	free(with_nl);
}

static void test_privileged_no_network(void **state)
{
	struct sysctr_ct_config ct;
	struct sysctr_host_config host;
	struct sysctr_lxcconf_input in;
	struct sysctr_error *e = NULL;
	char *t;

	(void)state;
	base(&ct, &host, &in);
	t = sysctr_lxcconf_generate(&in, &e);
	assert_non_null(t);
	assert_line(t, "lxc.uts.name = web1");
	assert_line(
	    t, "lxc.rootfs.path = overlay:/img/rootfs:/ct/web1/overlay/delta");
	assert_line(t,
		    "lxc.include = /usr/share/lxc/config/debian.common.conf");
	assert_line(t, "lxc.net.0.type = empty");
	assert_line(t, "lxc.signal.halt = SIGRTMIN+3");
	assert_line(t, "lxc.apparmor.profile = unconfined");
	assert_line(t, "lxc.log.file = /log/web1.log");
	assert_null(strstr(t, "lxc.idmap"));
	assert_null(strstr(t, "userns.conf"));
	free(t);
}

static void test_unprivileged(void **state)
{
	struct sysctr_ct_config ct;
	struct sysctr_host_config host;
	struct sysctr_lxcconf_input in;
	struct sysctr_error *e = NULL;
	char *t;

	(void)state;
	base(&ct, &host, &in);
	ct.security.privileged = false;
	t = sysctr_lxcconf_generate(&in, &e);
	assert_non_null(t);
	assert_line(t,
		    "lxc.include = /usr/share/lxc/config/debian.userns.conf");
	assert_line(t, "lxc.idmap = u 0 100000 65536");
	assert_line(t, "lxc.idmap = g 0 100000 65536");
	free(t);

	in.lxc_common = "common";
	t = sysctr_lxcconf_generate(&in, &e);
	assert_line(t, "lxc.include = /usr/share/lxc/config/userns.conf");
	free(t);
}

static void test_bridge_and_resources(void **state)
{
	struct sysctr_ct_config ct;
	struct sysctr_host_config host;
	struct sysctr_lxcconf_input in;
	struct sysctr_error *e = NULL;
	struct sysctr_mount m = { (char *)"data", (char *)"/srv/web1",
				  (char *)"/srv", true };
	char *rk[] = { (char *)"lxc.cap.drop" }, *rv[] = { (char *)"sys_time" };
	char *t;

	(void)state;
	base(&ct, &host, &in);
	ct.network.mode = (char *)"bridge";
	ct.network.bridge = (char *)"br-test";
	ct.network.ipv4 = (char *)"10.9.0.5/24";
	ct.network.hwaddr = (char *)"00:16:3e:00:00:01";
	ct.resources.memory = 512 * 1024 * 1024;
	ct.resources.cpus = (char *)"0-1";
	ct.resources.pids = 2048;
	ct.mounts = &m;
	ct.nmounts = 1;
	ct.raw_keys = rk;
	ct.raw_values = rv;
	ct.nraw = 1;
	t = sysctr_lxcconf_generate(&in, &e);
	assert_non_null(t);
	assert_line(t, "lxc.net.0.type = veth");
	assert_line(t, "lxc.net.0.link = br-test");
	assert_line(t, "lxc.net.0.ipv4.address = 10.9.0.5/24");
	assert_line(t, "lxc.net.0.hwaddr = 00:16:3e:00:00:01");
	assert_line(t, "lxc.cgroup.memory.limit_in_bytes = 536870912");
	assert_line(t, "lxc.cgroup.cpuset.cpus = 0-1");
	assert_line(t, "lxc.cgroup.pids.max = 2048");
	assert_line(
	    t, "lxc.mount.entry = /srv/web1 srv none bind,create=file,ro 0 0");
	assert_line(t, "lxc.cap.drop = sys_time");
	free(t);

	in.cg = &cg_v2;
	t = sysctr_lxcconf_generate(&in, &e);
	assert_line(t, "lxc.cgroup2.memory.max = 536870912");
	assert_line(t, "lxc.cgroup2.pids.max = 2048");
	free(t);

	/* the host's default network applies when the container sets none */
	ct.network.mode = (char *)"";
	ct.network.bridge = (char *)"";
	host.network.mode = (char *)"bridge";
	host.network.bridge = (char *)"sysctr0";
	t = sysctr_lxcconf_generate(&in, &e);
	assert_line(t, "lxc.net.0.link = sysctr0");
	free(t);
}

static void test_injection_refused(void **state)
{
	struct sysctr_ct_config ct;
	struct sysctr_host_config host;
	struct sysctr_lxcconf_input in;
	struct sysctr_error *e = NULL;
	char *rk[] = { (char *)"lxc.cap.drop" };
	char *rv[] = { (char *)"x\nlxc.rootfs.path = dir:/" };
	char *t;

	(void)state;
	base(&ct, &host, &in);
	ct.raw_keys = rk;
	ct.raw_values = rv;
	ct.nraw = 1;
	t = sysctr_lxcconf_generate(&in, &e);
	assert_null(t);
	assert_int_equal(e->kind, SYSCTR_E_USAGE);
	sysctr_error_free(e);
	e = NULL;

	ct.nraw = 0;
	ct.network.mode = (char *)"bridge";
	ct.network.bridge = (char *)"br0 x";
	t = sysctr_lxcconf_generate(&in, &e);
	assert_null(t);
	assert_int_equal(e->kind, SYSCTR_E_USAGE);
	sysctr_error_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privileged_no_network),
		cmocka_unit_test(test_unprivileged),
		cmocka_unit_test(test_bridge_and_resources),
		cmocka_unit_test(test_injection_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
