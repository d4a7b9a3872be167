/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list and info */
#include "config.h"

#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
		json_object_object_add(o, "memory_usage_bytes",
				       json_object_new_int64(i->memory_usage));
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
		static const char *const hdr[] = { "NAME",     "STATE",
						   "TEMPLATE", "RELEASE",
						   "IPV4",     "AUTOSTART",
						   "PID" };
		struct cli_table *t = cli_table_new(7, hdr);

		for (size_t i = 0; i < n; i++) {
			char pid[16] = "-";
			char as[96] = "no";
			const char *row[7];

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
			row[5] = as;
			row[6] = pid;
			cli_table_add(t, row);
		}
		cli_table_print(t);
		cli_table_free(t);
	}
	sysctr_ct_info_free_array(infos, n);
	warn_leftovers(cli, pattern);
	return 0;
}

static void human_bytes(int64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

int cmd_info(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	struct sysctr_ct_info i;
	char created[32], mem[32], use[32];

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
	human_bytes(i.memory_bytes, mem, sizeof(mem));
	human_bytes(i.memory_usage, use, sizeof(use));
	printf("name:        %s\n", i.name);
	printf("state:       %s\n", i.state);
	if (i.pid > 0)
		printf("pid:         %d\n", (int)i.pid);
	printf("template:    %s %s (%s)\n", i.template, i.release, i.arch);
	printf("created:     %s\n", created);
	printf("image:       %s (%s)\n", i.image ? i.image : "-",
	       i.storage && strcmp(i.storage, "dir") == 0 ? "a copy"
							  : "overlay layer");
	printf("privileged:  %s\n", i.privileged ? "yes" : "no");
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
	printf("memory:      %s limit, %s used\n", i.memory_bytes ? mem : "no",
	       i.memory_usage ? use : "none");
	printf("path:        %s\n", i.path);
	printf("log:         %s\n", i.log_path);
	sysctr_ct_info_clear(&i);
	return 0;
}
