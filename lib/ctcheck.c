/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-limits.h"
#include "ctcheck.h"
#include "error.h"
#include "lxcconf.h"
#include "util.h"

/* The validator of resources.cpus allows CPU numbers below this. */
#define MAX_CPUS 8192

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int sysctr_cpulist_parse(const char *s, unsigned char *bits, size_t nbits)
{
	const char *p = s;

	memset(bits, 0, nbits);
	while (*p != '\0' && *p != '\n') {
		unsigned long a, b;
		char *end = NULL;

		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		a = b = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				return -1;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (errno != 0 || b < a || b >= nbits)
			return -1;
		for (unsigned long i = a; i <= b; i++)
			bits[i] = 1;
		if (*p == ',')
			p++;
		else if (*p != '\0' && *p != '\n')
			return -1;
	}
	return 0;
}

/* cpuset.cpus beyond the online CPUs makes liblxc's cgroup write fail and
 * the start with it. */
static int check_cpus(const char *cpus, struct sysctr_error **err)
{
	cleanup_free unsigned char *want = xcalloc(MAX_CPUS, 1);
	cleanup_free unsigned char *online = xcalloc(MAX_CPUS, 1);
	cleanup_free char *text = NULL;

	if (cpus == NULL || cpus[0] == '\0')
		return 0;
	if (sysctr_cpulist_parse(cpus, want, MAX_CPUS) < 0)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "resources.cpus: invalid cpuset '%.40s'",
				  cpus);
	/* Without the file (an unusual /sys), liblxc is the judge. */
	if (read_file("/sys/devices/system/cpu/online", &text, NULL, NULL) <
		0 ||
	    sysctr_cpulist_parse(text, online, MAX_CPUS) < 0)
		return 0;
	for (size_t i = 0; i < MAX_CPUS; i++)
		if (want[i] && !online[i])
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "resources.cpus: CPU %zu is not "
					  "online on this host (online: %s)",
					  i, strtok(text, "\n"));
	return 0;
}

/* A memory limit the kernel cannot hold is refused, not ignored. */
static int check_swap(const struct sysctr_resources *r,
		      struct sysctr_error **err)
{
	struct sysctr_cg_host h;
	const char *why;
	bool fatal;

	if (r->memory_swap < 0)
		return 0;
	sysctr_cg_host_probe(&h);
	why = sysctr_cg_unsupported(r, &h, &fatal);
	sysctr_cg_host_clear(&h);
	if (why != NULL && fatal)
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s", why);
	return 0;
}

static int check_bridge(const char *bridge, bool from_host,
			struct sysctr_error **err)
{
	cleanup_free char *p = xasprintf("/sys/class/net/%s/bridge", bridge);

	if (!is_dir(p))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%snetwork.bridge: bridge %s does not exist "
				  "on this host",
				  from_host ? "sysctr.conf's " : "", bridge);
	return 0;
}

static const struct sysctr_mount *old_mount(const struct sysctr_ct_config *old,
					    const char *name)
{
	for (size_t i = 0; old && i < old->nmounts; i++)
		if (strcmp(old->mounts[i].name, name) == 0)
			return &old->mounts[i];
	return NULL;
}

int sysctr_ct_host_check(const struct sysctr_ct_config *ct,
			 const struct sysctr_ct_config *old,
			 const struct sysctr_host_config *host,
			 struct sysctr_error **err)
{
	const char *mode = sysctr_lxcconf_net_mode(ct, host);
	const char *bridge = sysctr_lxcconf_net_bridge(ct, host);
	struct stat st;

	/* sysctr's managed bridge is made when a start needs it */
	bool managed =
	    host->network.managed && same(bridge, host->network.bridge);

	if (mode != NULL && strcmp(mode, "bridge") == 0 && !managed &&
	    (old == NULL || !same(mode, sysctr_lxcconf_net_mode(old, host)) ||
	     !same(bridge, sysctr_lxcconf_net_bridge(old, host))) &&
	    check_bridge(bridge, same(ct->network.bridge, ""), err) < 0)
		return -1;
	if ((old == NULL || !same(ct->resources.cpus, old->resources.cpus)) &&
	    check_cpus(ct->resources.cpus, err) < 0)
		return -1;
	if ((old == NULL || ct->resources.memory != old->resources.memory ||
	     ct->resources.memory_swap != old->resources.memory_swap) &&
	    check_swap(&ct->resources, err) < 0)
		return -1;
	for (size_t i = 0; i < ct->nmounts; i++) {
		const struct sysctr_mount *m = &ct->mounts[i];
		const struct sysctr_mount *was = old_mount(old, m->name);

		if (old != NULL && was != NULL && same(m->source, was->source))
			continue;
		if (stat(m->source, &st) < 0)
			return sysctr_err(err, SYSCTR_E_USAGE, errno,
					  "mount.%s.source: %s", m->name,
					  m->source);
	}
	return 0;
}
