/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "container-cgroup.h"
#include "container-live.h"
#include "container-lxc.h"
#include "util.h"

/* liblxc's cgroup path is the container's own ("lxc.payload.NAME"):
 * these are the container's limits, not its monitor's. */

int sysctr_ct_cgroup_write(struct sysctr *s, const char *name,
			   const struct sysctr_cg_items *items,
			   const struct sysctr_cg_items *undo,
			   struct sysctr_error **err)
{
	cleanup_ct struct lxc_container *c = sysctr_ct_handle(s, name, err);
	bool done[SYSCTR_CG_ITEMS_MAX] = { false };
	size_t failed = SIZE_MAX;

	if (c == NULL)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		failed = SIZE_MAX;
		for (size_t i = 0; i < items->n; i++) {
			const struct sysctr_cg_item *it = &items->item[i];

			if (done[i])
				continue;
			if (c->set_cgroup_item(c, it->key, it->value))
				done[i] = true;
			else if (failed == SIZE_MAX)
				failed = i;
		}
		if (failed == SIZE_MAX)
			return 0;
	}
	/* undo in reverse, twice, as the writes above */
	for (int pass = 0; undo != NULL && pass < 2; pass++)
		for (size_t i = undo->n; i-- > 0;)
			if (done[i] && c->set_cgroup_item(c, undo->item[i].key,
							  undo->item[i].value))
				done[i] = false;
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "%s: the kernel refused %s = %s for the running "
			  "container%s",
			  items->item[failed].conf_key, items->item[failed].key,
			  items->item[failed].value,
			  strncmp(items->item[failed].key, "memory.", 7) == 0
			      ? " (is it using more than that now?)"
			      : "");
}

/* A number; "max" or v1's "unlimited" (above 2^62) is 0. */
static int64_t number(struct lxc_container *c, const char *key, bool limit)
{
	char buf[64];
	long long n;

	if (!sysctr_ct_cgroup_text(c, key, buf, sizeof(buf)))
		return -1;
	if (limit && strncmp(buf, "max", 3) == 0)
		return 0;
	n = strtoll(buf, NULL, 10);
	if (limit && n >= (1LL << 62))
		return 0;
	return n;
}

/* "KEY VALUE" lines (cpu.stat); the value of key, or -1. */
static int64_t keyed(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = text; p != NULL && *p;) {
		if (strncmp(p, key, len) == 0 &&
		    (p[len] == ' ' || p[len] == '='))
			return strtoll(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* Bytes read and written, summed over devices: v2's io.stat ("MAJ:MIN
 * rbytes=N wbytes=N ...") or v1's blkio.throttle.io_service_bytes
 * ("MAJ:MIN Read N"). */
static void io_bytes(const char *text, bool v2, int64_t *rd, int64_t *wr)
{
	char *copy = xstrdup(text), *save = NULL;

	*rd = *wr = 0;
	for (char *l = strtok_r(copy, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');

		if (sp == NULL || strncmp(l, "Total", 5) == 0)
			continue;
		if (v2) {
			char *r = strstr(sp, "rbytes="),
			     *w = strstr(sp, "wbytes=");

			*rd += r ? strtoll(r + 7, NULL, 10) : 0;
			*wr += w ? strtoll(w + 7, NULL, 10) : 0;
		} else if (strncmp(sp + 1, "Read ", 5) == 0) {
			*rd += strtoll(sp + 6, NULL, 10);
		} else if (strncmp(sp + 1, "Write ", 6) == 0) {
			*wr += strtoll(sp + 7, NULL, 10);
		}
	}
	free(copy);
}

void sysctr_ct_usage_read(struct sysctr *s, const char *name,
			  struct sysctr_ct_usage *out)
{
	cleanup_ct struct lxc_container *c = NULL;
	char buf[8192];
	bool v2;

	out->memory = out->memory_limit = out->cpu_ns = -1;
	out->pids = out->pids_limit = out->io_read = out->io_write = -1;
	c = sysctr_ct_handle(s, name, NULL);
	if (c == NULL || !c->is_running(c))
		return;
	out->memory = sysctr_ct_memory_used(c);
	/* memory.max is cgroup v2's (and says so) */
	out->memory_limit = number(c, "memory.max", true);
	v2 = out->memory_limit >= 0;
	if (v2) {
		if (sysctr_ct_cgroup_text(c, "cpu.stat", buf, sizeof(buf)) &&
		    keyed(buf, "usage_usec") >= 0)
			out->cpu_ns = keyed(buf, "usage_usec") * 1000;
		if (sysctr_ct_cgroup_text(c, "io.stat", buf, sizeof(buf)))
			io_bytes(buf, true, &out->io_read, &out->io_write);
	} else {
		out->memory_limit = number(c, "memory.limit_in_bytes", true);
		out->cpu_ns = number(c, "cpuacct.usage", false);
		if (sysctr_ct_cgroup_text(
			c, "blkio.throttle.io_service_bytes_recursive", buf,
			sizeof(buf)))
			io_bytes(buf, false, &out->io_read, &out->io_write);
	}
	out->pids = number(c, "pids.current", false);
	out->pids_limit = number(c, "pids.max", true);
}
