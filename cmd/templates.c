/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include <string.h>

#include "cli.h"

/* "a b c" as ["a", "b", "c"] */
static json_object *words_array(const char *words)
{
	json_object *arr = json_object_new_array();
	const char *p = words ? words : "";

	while (*(p += strspn(p, " \t")) != '\0') {
		size_t len = strcspn(p, " \t");

		json_object_array_add(arr,
				      json_object_new_string_len(p, (int)len));
		p += len;
	}
	return arr;
}

int cmd_templates(struct cli *cli, int argc, char **argv,
		  struct sysctr_error **err)
{
	struct sysctr_template_info *t = NULL;
	size_t n = 0;

	if (cli_getopt(cli, argc, argv, "", NULL, err) != -1)
		return -1;
	if (optind != argc)
		return cli_usage(cli, err, "takes no arguments");
	if (sysctr_templates_list(cli->s, &t, &n, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "name",
					       cli_json_str(t[i].name));
			json_object_object_add(o, "description",
					       cli_json_str(t[i].description));
			json_object_object_add(
			    o, "default_release",
			    cli_json_str(t[i].default_release));
			json_object_object_add(o, "releases",
					       words_array(t[i].releases));
			/* null: it downloads nothing */
			json_object_object_add(
			    o, "mirror",
			    t[i].takes_mirror
				? cli_json_str(t[i].mirror_default)
				: NULL);
			json_object_array_add(arr, o);
		}
		cli_json_print(arr);
	} else {
		static const char *const hdr[] = { "TEMPLATE", "DEFAULT",
						   "RELEASES", "DESCRIPTION" };
		struct cli_table *tb = cli_table_new(4, hdr);

		for (size_t i = 0; i < n; i++) {
			const char *row[] = { t[i].name, t[i].default_release,
					      t[i].releases, t[i].description };

			cli_table_add(tb, row);
		}
		cli_table_print(tb);
		cli_table_free(tb);
	}
	sysctr_template_info_free_array(t, n);
	return 0;
}
