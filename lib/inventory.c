/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list and info: the registry says what exists, the kernel (asked through
 * the container module, container-live.c) whether it runs, container.conf
 * how it is configured. */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf-cache.h"
#include "conf.h"
#include "container.h"
#include "error.h"
#include "layers.h"
#include "log.h"
#include "lxcconf.h"
#include "names.h"
#include "network.h"
#include "util.h"

SYSCTR_PUBLIC void sysctr_ct_info_clear(struct sysctr_ct_info *info)
{
	free(info->name);
	free(info->template);
	free(info->release);
	free(info->arch);
	free(info->state);
	free(info->ipv4);
	free(info->path);
	free(info->log_path);
	free(info->storage);
	free(info->image);
	free(info->autostart_group);
	free(info->autostart_ready);
	free(info->boot_detail);
	memset(info, 0, sizeof(*info));
}

SYSCTR_PUBLIC void sysctr_ct_info_free_array(struct sysctr_ct_info *infos,
					     size_t n)
{
	for (size_t i = 0; infos != NULL && i < n; i++)
		sysctr_ct_info_clear(&infos[i]);
	free(infos);
}

static void from_row(struct sysctr *s, struct sysctr_ct_row *row,
		     struct sysctr_ct_info *info)
{
	info->name = steal_ptr(&row->name);
	info->template = steal_ptr(&row->template);
	info->release = steal_ptr(&row->release);
	info->arch = steal_ptr(&row->arch);
	info->created = row->created;
	info->storage = steal_ptr(&row->storage);
	info->path = sysctr_ct_dir(s, info->name);
	info->log_path = sysctr_ct_log_path(s, info->name);
}

static void apply_summary(struct sysctr *s, struct sysctr_ct_info *info,
			  const struct sysctr_summary *sum)
{
	const char *mode =
	    sum->net_mode[0] ? sum->net_mode : s->cfg->network.mode;
	const char *bridge =
	    sum->net_bridge[0] ? sum->net_bridge : s->cfg->network.bridge;

	info->autostart = sum->autostart;
	info->autostart_order = sum->autostart_order;
	info->autostart_group = xstrdup(sum->autostart_group);
	info->autostart_ready = xstrdup(sum->autostart_ready);
	info->autostart_timeout = sum->autostart_timeout;
	info->memory_bytes = sum->memory;
	info->privileged = sum->privileged;
	if (sum->ipv4 != NULL)
		info->ipv4 = xstrdup(sum->ipv4);
	else if (info->state != NULL && strcmp(info->state, "STOPPED") != 0 &&
		 strcmp(mode, "bridge") == 0 &&
		 sysctr_net_is_managed(s, bridge))
		/* the registry's lease, which dnsmasq hands it: no look
		 * inside the container */
		info->ipv4 = sysctr_net_lease_of(s, info->name);
}

/* What container.conf says; a broken file is a warning here, not a
 * reason to hide the container from list. cc: list's pass over the
 * registry's summaries (NULL for info, which reads the file). */
static void from_conf(struct sysctr *s, struct sysctr_ct_info *info,
		      struct sysctr_conf_cache *cc)
{
	struct sysctr_error *e = NULL;
	struct sysctr_summary sum;

	if (sysctr_conf_cache_get(s, cc, info->name, &sum, &e) < 0) {
		sysctr_log_warn_error(e, info->name);
		return;
	}
	apply_summary(s, info, &sum);
	sysctr_summary_clear(&sum);
}

/* The live part (container-live.c): state and pid, and what asks
 * (SYSCTR_LIVE_*); the address unless container.conf gives it. */
static void from_kernel(struct sysctr *s, struct sysctr_ct_info *info,
			unsigned what)
{
	struct sysctr_ct_live live;

	sysctr_ct_live_read(s, info->name, what, &live);
	info->state = steal_ptr(&live.state);
	info->pid = live.pid;
	info->memory_usage = live.memory_usage;
	if (info->ipv4 == NULL)
		info->ipv4 = steal_ptr(&live.ipv4);
	sysctr_ct_live_clear(&live);
}

/* info's figures of the running container, and its own layer's size. */
static void live_figures(struct sysctr *s, struct sysctr_ct_info *info)
{
	struct sysctr_ct_usage u;
	cleanup_free char *own = NULL;
	struct sysctr_ct_proc proc;

	sysctr_ct_usage_read(s, info->name, &u);
	info->memory_limit_live = u.memory_limit;
	info->cpu_ns = u.cpu_ns;
	info->pids = u.pids;
	info->pids_limit = u.pids_limit;
	info->io_read = u.io_read;
	info->io_write = u.io_write;
	if (u.memory >= 0)
		info->memory_usage = u.memory;
	info->uptime_s = -1;
	if (info->pid > 1) {
		sysctr_ct_proc_facts(info->pid, &proc);
		info->uptime_s = proc.uptime_s;
		/* as it runs: container.conf may have changed since */
		info->privileged = proc.host_ids;
		info->lxcfs = proc.lxcfs;
	}
	own = info->storage != NULL && strcmp(info->storage, "dir") == 0
		  ? xasprintf("%s/rootfs", info->path)
		  : xasprintf("%s/overlay/delta", info->path);
	info->disk_bytes = is_dir(own) ? tree_size(own) : -1;
}

/* list's live part: from /proc and the cgroup with the pid its start
 * recorded, else from liblxc. */
static void from_live(struct sysctr *s, struct sysctr_ct_info *info, pid_t pid)
{
	struct sysctr_ct_live live;

	if (!sysctr_ct_live_quick(info->name, pid, SYSCTR_LIVE_MEMORY, &live)) {
		from_kernel(s, info, SYSCTR_LIVE_MEMORY);
		return;
	}
	info->state = steal_ptr(&live.state);
	info->pid = live.pid;
	info->memory_usage = live.memory_usage;
	sysctr_ct_live_clear(&live);
}

SYSCTR_PUBLIC int sysctr_ct_list(struct sysctr *s, const char *pattern,
				 enum sysctr_list_filter filter,
				 struct sysctr_ct_info **out, size_t *n,
				 struct sysctr_error **err)
{
	cleanup_strv char **active = NULL;
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_ct_info *infos;
	struct sysctr_conf_cache cc;
	size_t nrows = 0, count = 0;

	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_ct_list(s->store, &rows, &nrows, err) < 0)
		return -1;
	/* One scan of the command sockets tells which containers run; only
	 * those need a liblxc handle. */
	active = sysctr_ct_active_names(s);
	/* container.conf's fields as the registry kept them */
	sysctr_conf_cache_open(s, &cc);
	infos = xcalloc(nrows ? nrows : 1, sizeof(*infos));
	for (size_t i = 0; i < nrows; i++) {
		struct sysctr_ct_info *info = &infos[count];
		bool run = strv_contains(active, rows[i].name);

		if (pattern != NULL && fnmatch(pattern, rows[i].name, 0) != 0)
			continue;
		if ((filter == SYSCTR_LIST_RUNNING && !run) ||
		    (filter == SYSCTR_LIST_STOPPED && run))
			continue;
		from_row(s, &rows[i], info);
		if (run)
			from_live(s, info, (pid_t)rows[i].pid);
		else
			info->state = xstrdup("STOPPED");
		from_conf(s, info, &cc);
		count++;
	}
	sysctr_conf_cache_close(s, &cc);
	sysctr_ct_rows_free(rows, nrows);
	*out = infos;
	*n = count;
	return 0;
}

SYSCTR_PUBLIC char *sysctr_ct_state(struct sysctr *s, const char *name)
{
	struct sysctr_ct_live live;

	if (!sysctr_name_valid(name) || s->store == NULL ||
	    sysctr_ct_registered(s, name, NULL) != 1)
		return NULL;
	sysctr_ct_live_read(s, name, 0, &live);
	free(live.ipv4);
	return live.state;
}

/* The newest autostart --boot outcome in the history. */
static void last_boot(struct sysctr *s, struct sysctr_ct_info *info)
{
	struct sysctr_history_row *rows = NULL;
	struct sysctr_error *e = NULL;
	size_t n = 0;

	if (sysctr_store_history_list(s->store, info->name, 0, &rows, &n, &e) <
	    0) {
		sysctr_log_warn_error(e, info->name);
		return;
	}
	for (size_t i = n; i-- > 0;) {
		if (strcmp(rows[i].action, "autostart") != 0)
			continue;
		info->boot_time = rows[i].time;
		info->boot_ok = rows[i].outcome != NULL &&
				strcmp(rows[i].outcome, "ok") == 0;
		info->boot_detail = xstrdup_or_null(rows[i].detail);
		break;
	}
	sysctr_history_rows_free(rows, n);
}

SYSCTR_PUBLIC int sysctr_ct_info(struct sysctr *s, const char *name,
				 struct sysctr_ct_info *out,
				 struct sysctr_error **err)
{
	cleanup_ct_row struct sysctr_ct_row row = { 0 };

	memset(out, 0, sizeof(*out));
	if (sysctr_name_check(name, err) < 0 || sysctr_need_store(s, err) < 0 ||
	    sysctr_store_ct_get(s->store, name, &row, err) < 0)
		return -1;
	from_row(s, &row, out);
	if (row.image_id != 0) {
		cleanup_image_row struct sysctr_image_row img = { 0 };
		struct sysctr_error *e = NULL;

		if (sysctr_store_image_get(s->store, row.image_id, &img, &e) ==
		    0) {
			const char *slash = strrchr(img.path, '/');

			out->image = xstrdup(slash ? slash + 1 : img.path);
		} else {
			sysctr_log_warn_error(e, out->name);
		}
	}
	from_conf(s, out, NULL);
	from_kernel(s, out, SYSCTR_LIVE_MEMORY | SYSCTR_LIVE_IPV4);
	live_figures(s, out);
	last_boot(s, out);
	return 0;
}

SYSCTR_PUBLIC void sysctr_ct_usage_rows_free(struct sysctr_ct_usage_row *rows,
					     size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		free(rows[i].name);
	free(rows);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

SYSCTR_PUBLIC int sysctr_ct_usage_list(struct sysctr *s,
				       struct sysctr_ct_usage_row **out,
				       size_t *n, double *when,
				       struct sysctr_error **err)
{
	cleanup_strv char **active = NULL;
	struct sysctr_ct_usage_row *rows;
	size_t count = 0, k = 0;

	if (sysctr_need_store(s, err) < 0)
		return -1;
	active = sysctr_ct_active_names(s);
	while (active[count] != NULL)
		count++;
	qsort(active, count, sizeof(char *), cmp_name);
	rows = xcalloc(count ? count : 1, sizeof(*rows));
	*when = now_monotonic();
	for (size_t i = 0; i < count; i++) {
		struct sysctr_ct_usage u;

		/* liblxc's sockets also list what another root runs */
		if (sysctr_ct_registered(s, active[i], NULL) != 1)
			continue;
		sysctr_ct_usage_read(s, active[i], &u);
		rows[k].name = xstrdup(active[i]);
		rows[k].memory = u.memory;
		rows[k].memory_limit = u.memory_limit;
		rows[k].cpu_ns = u.cpu_ns;
		rows[k].pids = u.pids;
		rows[k].pids_limit = u.pids_limit;
		rows[k].io_read = u.io_read;
		rows[k].io_write = u.io_write;
		k++;
	}
	*out = rows;
	*n = k;
	return 0;
}
