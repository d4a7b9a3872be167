/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list and info */
#include "config.h"

#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* What the kernel counts of a running container; null when stopped. */
static json_object *live_json(const struct sysctr_ct_info *i)
{
	json_object *o;

	if (i->pid <= 1)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "uptime_seconds",
			       cli_json_count(i->uptime_s));
	json_object_object_add(o, "memory_usage_bytes",
			       cli_json_count(i->memory_usage));
	json_object_object_add(o, "memory_limit_bytes",
			       cli_json_count(i->memory_limit_live));
	json_object_object_add(
	    o, "cpu_seconds",
	    i->cpu_ns < 0 ? NULL
			  : json_object_new_double((double)i->cpu_ns / 1e9));
	json_object_object_add(o, "pids", cli_json_count(i->pids));
	json_object_object_add(o, "pids_limit", cli_json_count(i->pids_limit));
	json_object_object_add(o, "io_read_bytes", cli_json_count(i->io_read));
	json_object_object_add(o, "io_write_bytes",
			       cli_json_count(i->io_write));
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(i->privileged));
	json_object_object_add(o, "lxcfs", json_object_new_boolean(i->lxcfs));
	return o;
}

static json_object *info_json(const struct sysctr_ct_info *i, bool detail)
{
	json_object *o = json_object_new_object();
	char created[32];

	cli_time_iso(i->created, created, sizeof(created));
	json_object_object_add(o, "name", json_object_new_string(i->name));
	json_object_object_add(o, "state", cli_json_str(i->state));
	json_object_object_add(o, "template", cli_json_str(i->template));
	json_object_object_add(o, "release", cli_json_str(i->release));
	json_object_object_add(o, "arch", cli_json_str(i->arch));
	json_object_object_add(o, "ipv4", cli_json_str(i->ipv4));
	json_object_object_add(o, "autostart",
			       json_object_new_boolean(i->autostart));
	json_object_object_add(o, "autostart_order",
			       json_object_new_int(i->autostart_order));
	json_object_object_add(o, "autostart_group",
			       cli_json_str(i->autostart_group));
	json_object_object_add(o, "autostart_ready",
			       cli_json_str(i->autostart_ready));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "memory_bytes",
			       json_object_new_int64(i->memory_bytes));
	json_object_object_add(
	    o, "memory_usage_bytes",
	    i->pid > 1 ? json_object_new_int64(i->memory_usage) : NULL);
	/* Not running: no pid, null rather than a 0 that a script could
	 * pass to kill(1). */
	json_object_object_add(
	    o, "pid", i->pid > 1 ? json_object_new_int64(i->pid) : NULL);
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(i->privileged));
	json_object_object_add(o, "storage", cli_json_str(i->storage));
	if (detail) {
		json_object *boot = NULL;

		if (i->boot_time > 0) {
			char t[32];

			cli_time_iso(i->boot_time, t, sizeof(t));
			boot = json_object_new_object();
			json_object_object_add(boot, "time",
					       json_object_new_string(t));
			json_object_object_add(
			    boot, "result",
			    json_object_new_string(i->boot_ok ? "ok"
							      : "failed"));
			json_object_object_add(boot, "detail",
					       cli_json_str(i->boot_detail));
		}
		json_object_object_add(o, "last_boot", boot);
		json_object_object_add(
		    o, "autostart_timeout",
		    json_object_new_int(i->autostart_timeout));
		json_object_object_add(o, "image", cli_json_str(i->image));
		json_object_object_add(o, "live", live_json(i));
		json_object_object_add(o, "disk_bytes",
				       cli_json_count(i->disk_bytes));
		json_object_object_add(o, "path", cli_json_str(i->path));
		json_object_object_add(o, "log", cli_json_str(i->log_path));
	}
	return o;
}

/* Directories without a registry row are no containers, and not listed:
 * one line each on stderr says what they are, so stdout stays the list
 * (and --format json one array). */
static void warn_leftovers(struct cli *cli, const char *pattern)
{
	struct sysctr_error *e = NULL;
	char **names = NULL;

	if (cli->quiet)
		return;
	if (sysctr_ct_leftovers(cli->s, &names, &e) < 0) {
		fprintf(stderr, "sysctr: warning: %s\n", e->msg);
		sysctr_error_free(e);
		return;
	}
	for (size_t i = 0; names[i] != NULL; i++)
		if (pattern == NULL || fnmatch(pattern, names[i], 0) == 0)
			fprintf(stderr,
				"sysctr: warning: %s: leftover directory "
				"without a registry row, not a container "
				"(sysctr destroy %s removes it)\n",
				names[i], names[i]);
	strv_free(names);
}

int cmd_list(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "running", no_argument, NULL, 'r' },
		{ "stopped", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	enum sysctr_list_filter filter = SYSCTR_LIST_ALL;
	struct sysctr_ct_info *infos = NULL;
	const char *pattern = NULL;
	size_t n = 0;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "", longopts, err)) != -1) {
		switch (opt) {
		case 'r':
			filter = SYSCTR_LIST_RUNNING;
			break;
		case 's':
			filter = SYSCTR_LIST_STOPPED;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind > 1)
		return cli_usage(cli, err, "at most one PATTERN");
	if (optind < argc)
		pattern = argv[optind];
	if (sysctr_ct_list(cli->s, pattern, filter, &infos, &n, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, info_json(&infos[i], false));
		cli_json_print(arr);
	} else {
		static const char *const hdr[] = { "NAME",	"STATE",
						   "TEMPLATE",	"RELEASE",
						   "IPV4",	"MEMORY",
						   "AUTOSTART", "PID" };
		struct cli_table *t = cli_table_new(8, hdr);

		for (size_t i = 0; i < n; i++) {
			char pid[16] = "-";
			char as[96] = "no";
			char mem[32] = "-";
			const char *row[8];

			if (infos[i].pid > 0)
				snprintf(pid, sizeof(pid), "%d",
					 (int)infos[i].pid);
			row[0] = infos[i].name;
			row[1] = infos[i].state;
			row[2] = infos[i].template;
			row[3] = infos[i].release;
			row[4] = infos[i].ipv4;
			/* "yes (10)", "yes (10, web)": the order, the group */
			if (infos[i].autostart)
				snprintf(as, sizeof(as), "yes (%d%s%.40s)",
					 infos[i].autostart_order,
					 infos[i].autostart_group[0] ? ", "
								     : "",
					 infos[i].autostart_group);
			if (infos[i].pid > 0 && infos[i].memory_usage > 0)
				cli_human_bytes(infos[i].memory_usage, mem,
						sizeof(mem));
			row[5] = mem;
			row[6] = as;
			row[7] = pid;
			cli_table_add(t, row);
		}
		cli_table_print(t);
		cli_table_free(t);
	}
	sysctr_ct_info_free_array(infos, n);
	warn_leftovers(cli, pattern);
	return 0;
}

static void human_duration(int64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d %" PRId64 "h %" PRId64 "m",
			 s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h %" PRId64 "m %" PRId64 "s",
			 s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
}

/* The running container's figures, the kernel's (the configured limit
 * beside the live one when they differ). */
static void print_live(const struct sysctr_ct_info *i)
{
	char a[32], b[32];

	if (i->uptime_s >= 0) {
		human_duration(i->uptime_s, a, sizeof(a));
		printf("uptime:      %s\n", a);
	}
	cli_human_bytes(i->memory_usage, a, sizeof(a));
	cli_human_bytes(i->memory_limit_live > 0 ? i->memory_limit_live
						 : i->memory_bytes,
			b, sizeof(b));
	printf("memory:      %s used, %s%s\n", a,
	       i->memory_limit_live > 0 ? "limit " : "no limit",
	       i->memory_limit_live > 0 ? b : "");
	if (i->memory_bytes !=
	    (i->memory_limit_live > 0 ? i->memory_limit_live : 0)) {
		cli_human_bytes(i->memory_bytes, b, sizeof(b));
		printf(
		    "             (container.conf says %s: sysctr restart or "
		    "config set applies it)\n",
		    i->memory_bytes > 0 ? b : "no limit");
	}
	if (i->cpu_ns >= 0)
		printf("cpu:         %.2f s used\n", (double)i->cpu_ns / 1e9);
	if (i->pids >= 0) {
		if (i->pids_limit > 0)
			printf("pids:        %" PRId64 " of %" PRId64 "\n",
			       i->pids, i->pids_limit);
		else
			printf("pids:        %" PRId64 " (no limit)\n",
			       i->pids);
	}
	printf("lxcfs:       %s\n",
	       i->lxcfs ? "yes: free, uptime and nproc inside follow its "
			  "limits"
			: "no (free, uptime and nproc inside show the host's)");
	if (i->io_read >= 0) {
		cli_human_bytes(i->io_read, a, sizeof(a));
		cli_human_bytes(i->io_write, b, sizeof(b));
		printf("block i/o:   %s read, %s written\n", a, b);
	}
}

/* Its newest history rows, oldest first. */
static void print_recent(struct cli *cli, const char *name)
{
	struct sysctr_history_entry *h = NULL;
	struct sysctr_error *e = NULL;
	size_t n = 0;

	if (sysctr_history_list(cli->s, name, 5, &h, &n, &e) < 0) {
		sysctr_error_free(e);
		return;
	}
	if (n > 0)
		printf("history:\n");
	for (size_t k = 0; k < n; k++) {
		char t[32];

		cli_time_iso(h[k].time, t, sizeof(t));
		if (h[k].detail != NULL && h[k].detail[0] != '\0')
			printf("  %s  %-14s %-7s %s\n", t, h[k].action,
			       h[k].outcome ? h[k].outcome : "-", h[k].detail);
		else
			printf("  %s  %-14s %s\n", t, h[k].action,
			       h[k].outcome ? h[k].outcome : "-");
	}
	sysctr_history_free_array(h, n);
}

int cmd_info(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	struct sysctr_ct_info i;
	char created[32], mem[32], disk[32];

	if (cli_getopt(cli, argc, argv, "", NULL, err) != -1)
		return -1;
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	if (sysctr_ct_info(cli->s, argv[optind], &i, err) < 0)
		return sysctr_err_prefix(err, "%s", argv[optind]);
	if (cli->format == CLI_JSON) {
		cli_json_print(info_json(&i, true));
		sysctr_ct_info_clear(&i);
		return 0;
	}
	cli_time_iso(i.created, created, sizeof(created));
	cli_human_bytes(i.memory_bytes, mem, sizeof(mem));
	printf("name:        %s\n", i.name);
	printf("state:       %s\n", i.state);
	if (i.pid > 0)
		printf("pid:         %d\n", (int)i.pid);
	printf("template:    %s %s (%s)\n", i.template, i.release, i.arch);
	printf("created:     %s\n", created);
	printf("image:       %s (%s)\n", i.image ? i.image : "-",
	       i.storage && strcmp(i.storage, "dir") == 0 ? "a copy"
							  : "overlay layer");
	printf("privileged:  %s%s\n", i.privileged ? "yes" : "no",
	       i.pid > 1 ? "" : " (container.conf)");
	if (i.autostart)
		printf("autostart:   yes: order %d%s%s, ready %s within %d s\n",
		       i.autostart_order,
		       i.autostart_group && i.autostart_group[0] ? ", group "
								 : "",
		       i.autostart_group ? i.autostart_group : "",
		       i.autostart_ready, i.autostart_timeout);
	else
		printf("autostart:   no\n");
	if (i.boot_time > 0) {
		char bt[32];

		cli_time_iso(i.boot_time, bt, sizeof(bt));
		printf("last boot:   %s %s: %s\n", bt,
		       i.boot_ok ? "ok" : "failed",
		       i.boot_detail ? i.boot_detail : "-");
	}
	printf("ipv4:        %s\n", i.ipv4 ? i.ipv4 : "-");
	if (i.pid > 1)
		print_live(&i);
	else
		printf("memory:      %s limit (container.conf)\n",
		       i.memory_bytes ? mem : "no");
	if (i.disk_bytes >= 0) {
		cli_human_bytes(i.disk_bytes, disk, sizeof(disk));
		printf("disk:        %s in its own layer\n", disk);
	}
	printf("path:        %s\n", i.path);
	printf("log:         %s\n", i.log_path);
	print_recent(cli, i.name);
	sysctr_ct_info_clear(&i);
	return 0;
}
