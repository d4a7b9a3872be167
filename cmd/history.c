/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* "alice", "root (sudo: alice)"; "" for rows from before it was kept */
static char *who_of(const struct sysctr_history_entry *e)
{
	if (e->uid < 0)
		return xstrdup("");
	if (e->sudo_user != NULL)
		return xasprintf("%s (sudo: %s)", e->user ? e->user : "?",
				 e->sudo_user);
	if (e->user != NULL)
		return xstrdup(e->user);
	return xasprintf("uid %lld", (long long)e->uid);
}

static json_object *entry_json(const struct sysctr_history_entry *e)
{
	json_object *o = json_object_new_object();
	char t[32];

	cli_time_iso(e->time, t, sizeof(t));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "name", cli_json_str(e->container));
	json_object_object_add(o, "action", cli_json_str(e->action));
	json_object_object_add(o, "outcome", cli_json_str(e->outcome));
	json_object_object_add(o, "detail", cli_json_str(e->detail));
	json_object_object_add(
	    o, "uid", e->uid < 0 ? NULL : json_object_new_int64(e->uid));
	json_object_object_add(o, "user", cli_json_str(e->user));
	json_object_object_add(o, "sudo_user", cli_json_str(e->sudo_user));
	return o;
}

static void print_table(const struct sysctr_history_entry *e, size_t n)
{
	static const char *const hdr[] = { "TIME",    "NAME", "ACTION",
					   "OUTCOME", "WHO",  "DETAIL" };
	struct cli_table *t = cli_table_new(6, hdr);

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *who = who_of(&e[i]);
		char ts[32];
		const char *row[6];

		cli_time_iso(e[i].time, ts, sizeof(ts));
		row[0] = ts;
		row[1] = e[i].container;
		row[2] = e[i].action;
		row[3] = e[i].outcome;
		row[4] = who;
		row[5] = e[i].detail;
		cli_table_add(t, row);
	}
	cli_table_print(t);
	cli_table_free(t);
}

int cmd_history(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "action", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_history_entry *e = NULL;
	const char *name = NULL, *action = NULL;
	size_t n = 0, limit = 0;
	int64_t since = 0;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "n:s:a:", longopts, err)) !=
	       -1) {
		char *end;
		long v;

		switch (opt) {
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1)
				return cli_usage(cli, err,
						 "--limit needs a count");
			limit = (size_t)v;
			break;
		case 's':
			if (cli_parse_time("--since", optarg, true, &since,
					   err) < 0)
				return -1;
			break;
		case 'a':
			action = optarg;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind > 1)
		return cli_usage(cli, err, "at most one NAME");
	if (optind < argc)
		name = argv[optind];
	if (sysctr_history_find(cli->s, name, limit, since, action, &e, &n,
				err) < 0)
		return name ? sysctr_err_prefix(err, "%s", name) : -1;
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, entry_json(&e[i]));
		cli_json_print(arr);
	} else {
		print_table(e, n);
	}
	sysctr_history_free_array(e, n);
	return 0;
}
