/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_history(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_history_entry *e = NULL;
	const char *name = NULL;
	size_t n = 0, limit = 0;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "n:", longopts, err)) != -1) {
		char *end;
		long v;

		if (opt != 'n')
			return -1;
		v = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || v < 1)
			return cli_usage(cli, err, "--limit needs a count");
		limit = (size_t)v;
	}
	if (argc - optind > 1)
		return cli_usage(cli, err, "at most one NAME");
	if (optind < argc)
		name = argv[optind];
	if (sysctr_history_list(cli->s, name, limit, &e, &n, err) < 0)
		return name ? sysctr_err_prefix(err, "%s", name) : -1;
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			char t[32];

			cli_time_iso(e[i].time, t, sizeof(t));
			json_object_object_add(o, "time",
					       json_object_new_string(t));
			json_object_object_add(o, "name",
					       cli_json_str(e[i].container));
			json_object_object_add(o, "action",
					       cli_json_str(e[i].action));
			json_object_object_add(o, "outcome",
					       cli_json_str(e[i].outcome));
			json_object_object_add(o, "detail",
					       cli_json_str(e[i].detail));
			json_object_array_add(arr, o);
		}
		cli_json_print(arr);
	} else {
		static const char *const hdr[] = { "TIME", "NAME", "ACTION",
						   "OUTCOME", "DETAIL" };
		struct cli_table *t = cli_table_new(5, hdr);

		for (size_t i = 0; i < n; i++) {
			char ts[32];
			const char *row[5];

			cli_time_iso(e[i].time, ts, sizeof(ts));
			row[0] = ts;
			row[1] = e[i].container;
			row[2] = e[i].action;
			row[3] = e[i].outcome;
			row[4] = e[i].detail;
			cli_table_add(t, row);
		}
		cli_table_print(t);
		cli_table_free(t);
	}
	sysctr_history_free_array(e, n);
	return 0;
}
