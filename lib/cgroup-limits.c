/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-limits.h"
#include "util.h"

#define V1 "/sys/fs/cgroup"

/* Any cgroup of the v1 block controller has the file (the root may
 * lack a weight). */
static bool blkio_has(const char *file)
{
	cleanup_free char *top = xasprintf(V1 "/blkio/%s", file);
	cleanup_free char *below = xasprintf(V1 "/blkio/*/%s", file);
	glob_t g;
	bool found;

	if (path_exists(top))
		return true;
	found = glob(below, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

static bool v2_controller(const char *name)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (read_file(V1 "/cgroup.controllers", &text, NULL, NULL) < 0)
		return false;
	for (char *w = strtok_r(text, " \n", &save); w != NULL;
	     w = strtok_r(NULL, " \n", &save))
		if (strcmp(w, name) == 0)
			return true;
	return false;
}

void sysctr_cg_host_probe(struct sysctr_cg_host *h)
{
	memset(h, 0, sizeof(*h));
	/* Pure cgroup2 hosts have controllers at the top; hybrid hosts (v1
	 * controllers, systemd on cgroup2) do not. */
	h->cgroup2 = path_exists(V1 "/cgroup.controllers");
	if (h->cgroup2) {
		/* memory.swap.max exists below the root only: the kernel
		 * accounts swap when it has any swap file at all */
		h->swap = path_exists(V1 "/memory.swap.current") ||
			  path_exists(V1 "/system.slice/memory.swap.max") ||
			  path_exists(V1 "/init.scope/memory.swap.max");
		if (v2_controller("io"))
			snprintf(h->io_key, sizeof(h->io_key), "io.weight");
	} else {
		h->swap = path_exists(V1 "/memory/memory.memsw.limit_in_bytes");
		if (blkio_has("blkio.bfq.weight"))
			snprintf(h->io_key, sizeof(h->io_key),
				 "blkio.bfq.weight");
		else if (blkio_has("blkio.weight"))
			snprintf(h->io_key, sizeof(h->io_key), "blkio.weight");
	}
	if (read_file("/sys/devices/system/cpu/online", &h->cpus_all, NULL,
		      NULL) == 0)
		h->cpus_all[strcspn(h->cpus_all, "\n")] = '\0';
	else
		h->cpus_all = xstrdup("0");
}

void sysctr_cg_host_clear(struct sysctr_cg_host *h)
{
	free(h->cpus_all);
	h->cpus_all = NULL;
}

void sysctr_cg_items_clear(struct sysctr_cg_items *items)
{
	for (size_t i = 0; i < items->n; i++)
		free(items->item[i].value);
	items->n = 0;
}

__attribute__((format(printf, 4, 5))) static void
add(struct sysctr_cg_items *out, const char *conf_key, const char *key,
    const char *fmt, ...)
{
	struct sysctr_cg_item *it = &out->item[out->n++];
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&it->value, fmt, ap) < 0)
		abort();
	va_end(ap);
	it->key = key;
	it->conf_key = conf_key;
}

/* cgroup v2 weights (1-10000, default 100) on v1's scales. */
static long v1_shares(int weight)
{
	long s = (long)weight * 1024 / 100;

	return s < 2 ? 2 : s;
}

static long v1_io_weight(const char *key, int weight)
{
	/* bfq: 1-1000, default 100; cfq's blkio.weight: 10-1000, 500 */
	bool bfq = strcmp(key, "blkio.bfq.weight") == 0;
	long w = bfq ? weight : (long)weight * 5;
	long lo = bfq ? 1 : 10;

	return w < lo ? lo : w > 1000 ? 1000 : w;
}

static void memory_items(const struct sysctr_resources *r,
			 const struct sysctr_cg_host *h, bool lift,
			 struct sysctr_cg_items *out)
{
	const char *mem = "resources.memory", *swap = "resources.memory_swap";
	bool has_swap = r->memory_swap >= 0 && r->memory > 0;

	if (h->cgroup2) {
		if (r->memory > 0)
			add(out, mem, "memory.max", "%" PRId64, r->memory);
		else if (lift)
			add(out, mem, "memory.max", "max");
		if (h->swap && has_swap)
			add(out, swap, "memory.swap.max", "%" PRId64,
			    r->memory_swap);
		else if (h->swap && lift)
			add(out, swap, "memory.swap.max", "max");
		return;
	}
	/* v1: memsw is memory and swap together, never below memory; the
	 * writer retries one refused by the other's old value */
	if (r->memory > 0)
		add(out, mem, "memory.limit_in_bytes", "%" PRId64, r->memory);
	else if (lift)
		add(out, mem, "memory.limit_in_bytes", "-1");
	if (h->swap && has_swap)
		add(out, swap, "memory.memsw.limit_in_bytes", "%" PRId64,
		    r->memory + r->memory_swap);
	else if (h->swap && lift)
		add(out, swap, "memory.memsw.limit_in_bytes", "-1");
}

static void cpu_items(const struct sysctr_resources *r,
		      const struct sysctr_cg_host *h, bool lift,
		      struct sysctr_cg_items *out)
{
	const char *cpus = "resources.cpus", *w = "resources.cpu_weight";
	const char *max = "resources.cpu_max";
	bool has_cpus = r->cpus != NULL && r->cpus[0] != '\0';

	if (has_cpus)
		add(out, cpus, "cpuset.cpus", "%s", r->cpus);
	else if (lift) /* v2: empty is "as the parent" */
		add(out, cpus, "cpuset.cpus", "%s",
		    h->cgroup2 ? "" : h->cpus_all);
	if (r->cpu_weight > 0 || lift) {
		int weight = r->cpu_weight > 0 ? r->cpu_weight : 100;

		if (h->cgroup2)
			add(out, w, "cpu.weight", "%d", weight);
		else
			add(out, w, "cpu.shares", "%ld", v1_shares(weight));
	}
	if (h->cgroup2) {
		if (r->cpu_max > 0)
			add(out, max, "cpu.max", "%" PRId64 " 100000",
			    r->cpu_max);
		else if (lift)
			add(out, max, "cpu.max", "max 100000");
	} else if (r->cpu_max > 0 || lift) {
		add(out, max, "cpu.cfs_period_us", "100000");
		add(out, max, "cpu.cfs_quota_us", "%" PRId64,
		    r->cpu_max > 0 ? r->cpu_max : -1);
	}
}

void sysctr_cg_items_of(const struct sysctr_resources *r,
			const struct sysctr_cg_host *h, bool lift,
			struct sysctr_cg_items *out)
{
	const char *io = "resources.io_weight";

	out->n = 0;
	memory_items(r, h, lift, out);
	cpu_items(r, h, lift, out);
	if (r->pids > 0)
		add(out, "resources.pids", "pids.max", "%" PRId64, r->pids);
	else if (lift)
		add(out, "resources.pids", "pids.max", "max");
	if (h->io_key[0] != '\0' && (r->io_weight > 0 || lift)) {
		int weight = r->io_weight > 0 ? r->io_weight : 100;

		if (h->cgroup2)
			add(out, io, h->io_key, "default %d", weight);
		else
			add(out, io, h->io_key, "%ld",
			    v1_io_weight(h->io_key, weight));
	}
}

const char *sysctr_cg_unsupported(const struct sysctr_resources *r,
				  const struct sysctr_cg_host *h, bool *fatal)
{
	*fatal = true;
	if (r->memory_swap >= 0 && r->memory <= 0)
		return "resources.memory_swap: needs resources.memory (swap "
		       "is allowed beyond a memory limit)";
	if (r->memory_swap >= 0 && !h->swap)
		return "resources.memory_swap: this host's kernel does not "
		       "account swap (boot it with swapaccount=1), so the "
		       "limit cannot hold";
	*fatal = false;
	if (r->io_weight > 0 && h->io_key[0] == '\0')
		return "resources.io_weight is not applied: this host's "
		       "block I/O controller has no weight (it needs the BFQ "
		       "scheduler)";
	return NULL;
}

int64_t sysctr_cg_working_set(int64_t usage, const char *stat, bool v2)
{
	const char *key = v2 ? "inactive_file " : "total_inactive_file ";
	size_t len = strlen(key);

	for (const char *p = stat; p != NULL && *p;) {
		if (strncmp(p, key, len) == 0) {
			int64_t inactive = strtoll(p + len, NULL, 10);

			return inactive > 0 && inactive < usage
				   ? usage - inactive
				   : usage;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return usage;
}

char *sysctr_cg_payload_path(const char *cgroups, const char *ctl,
			     const char *payload)
{
	size_t plen = strlen(payload);

	for (const char *l = cgroups; l != NULL && *l; l = strchr(l, '\n')) {
		const char *c1, *c2, *end, *at;

		if (*l == '\n')
			l++;
		c1 = strchr(l, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		end = strchr(l, '\n');
		if (c2 == NULL)
			break;
		if (end == NULL)
			end = l + strlen(l);
		/* the controller list between the colons holds ctl */
		if (ctl != NULL) {
			char list[128];
			char *save = NULL;
			bool has = false;

			snprintf(list, sizeof(list), "%.*s", (int)(c2 - c1 - 1),
				 c1 + 1);
			for (char *w = strtok_r(list, ",", &save); w;
			     w = strtok_r(NULL, ",", &save))
				has = has || strcmp(w, ctl) == 0;
			if (!has)
				continue;
		} else if (strncmp(l, "0::", 3) != 0) {
			continue;
		}
		for (at = c2 + 1; at < end; at++) {
			at = memchr(at, '/', (size_t)(end - at));
			if (at == NULL)
				break;
			if ((size_t)(end - at - 1) >= plen &&
			    strncmp(at + 1, payload, plen) == 0 &&
			    (at + 1 + plen == end || at[1 + plen] == '/'))
				return xasprintf("%.*s",
						 (int)(at + 1 + plen - c2 - 1),
						 c2 + 1);
		}
		return NULL;
	}
	return NULL;
}
