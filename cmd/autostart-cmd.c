/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* autostart --plan, --boot and --shutdown. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void print_json(const struct sysctr_autostart_plan *p)
{
	json_object *o = json_object_new_object();
	json_object *levels = json_object_new_array();
	json_object *cur = NULL;
	int at = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct sysctr_autostart_item *it = &p->items[i];
		json_object *c = json_object_new_object();

		if (it->level != at) {
			cur = json_object_new_array();
			json_object_array_add(levels, cur);
			at = it->level;
		}
		json_object_object_add(c, "name",
				       json_object_new_string(it->name));
		json_object_object_add(c, "order",
				       json_object_new_int(it->order));
		json_object_object_add(c, "after", strv_json(it->after));
		json_object_object_add(c, "ready",
				       json_object_new_string(it->ready));
		json_object_object_add(c, "timeout",
				       json_object_new_int(it->timeout));
		json_object_object_add(c, "delay",
				       json_object_new_int(it->delay));
		json_object_object_add(c, "group", cli_json_str(it->group));
		json_object_array_add(cur, c);
	}
	json_object_object_add(o, "levels", levels);
	json_object_object_add(o, "boot_worst_s",
			       json_object_new_int(p->boot_worst_s));
	json_object_object_add(o, "shutdown_worst_s",
			       json_object_new_int(p->shutdown_worst_s));
	json_object_object_add(o, "stop_s", json_object_new_int(p->stop_s));
	cli_json_print(o);
}

static void print_table(const struct sysctr_autostart_plan *p)
{
	static const char *const hdr[] = {
		"LEVEL", "NAME",    "ORDER", "AFTER",
		"READY", "TIMEOUT", "DELAY", "GROUP"
	};
	struct cli_table *t = cli_table_new(ARRAY_SIZE(hdr), hdr);

	for (size_t i = 0; i < p->n; i++) {
		const struct sysctr_autostart_item *it = &p->items[i];
		cleanup_free char *level = xasprintf("%d", it->level);
		cleanup_free char *order = xasprintf("%d", it->order);
		cleanup_free char *after = strv_join(it->after, ",");
		cleanup_free char *timeout = xasprintf("%ds", it->timeout);
		cleanup_free char *delay = xasprintf("%ds", it->delay);
		const char *cells[] = {
			level,	   it->name,
			order,	   after[0] ? after : "-",
			it->ready, timeout,
			delay,	   it->group[0] ? it->group : "-"
		};

		cli_table_add(t, cells);
	}
	if (p->n > 0)
		cli_table_print(t);
	cli_table_free(t);
	printf("%zu container%s in %d level%s; worst case: boot %d s, "
	       "shutdown %d s\n",
	       p->n, p->n == 1 ? "" : "s", p->nlevels,
	       p->nlevels == 1 ? "" : "s", p->boot_worst_s,
	       p->shutdown_worst_s);
}

/* Each container's outcome as an action's (cli_outcome), failures
 * included; the call's error is the summary. */
static int print_report(struct cli *cli, const char *action,
			const struct sysctr_autostart_report *r, int ret)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct sysctr_autostart_outcome *o = &r->outcomes[i];
		struct sysctr_error e = { .kind = SYSCTR_E_FAILED,
					  .msg = o->detail };

		if (!o->ok && cli->format != CLI_JSON)
			fprintf(stderr, "sysctr: %s: %s\n", o->name, o->detail);
		cli_outcome(cli, arr, o->name, action, o->ok ? NULL : &e, NULL,
			    o->ok ? o->detail : NULL);
	}
	if (cli->format == CLI_JSON)
		cli_json_print(arr);
	else
		json_object_put(arr);
	return ret;
}

int cmd_autostart(struct cli *cli, int argc, char **argv,
		  struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "plan", no_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'p' },
		{ "boot", no_argument, NULL, 'b' },
		{ "shutdown", no_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_autostart_plan p = { 0 };
	struct sysctr_autostart_report r = { 0 };
	const char *group = NULL;
	int mode = 0, opt, ret;

	while ((opt = cli_getopt(cli, argc, argv, "g:", longopts, err)) != -1) {
		if (opt == 'p' || opt == 'b' || opt == 's') {
			if (mode != 0 && mode != opt)
				return cli_usage(cli, err,
						 "one of --plan, --boot and "
						 "--shutdown");
			mode = opt;
		} else if (opt == 'g') {
			group = optarg;
		} else {
			return -1;
		}
	}
	if (mode == 0 || optind != argc)
		return cli_usage(cli, err,
				 "needs --plan, --boot or --shutdown");
	if (mode == 'b' || mode == 's') {
		if (geteuid() != 0)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "autostart --%s: needs root (run it "
					  "with sudo)",
					  mode == 'b' ? "boot" : "shutdown");
		ret = mode == 'b'
			  ? sysctr_autostart_boot(cli->s, group, &r, err)
			  : sysctr_autostart_shutdown(cli->s, group, &r, err);
		ret = print_report(cli, mode == 'b' ? "autostart" : "shutdown",
				   &r, ret);
		sysctr_autostart_report_clear(&r);
		return ret;
	}
	if (sysctr_autostart_plan(cli->s, group, &p, err) < 0)
		return -1;
	if (cli->format == CLI_JSON)
		print_json(&p);
	else
		print_table(&p);
	sysctr_autostart_plan_clear(&p);
	return 0;
}
