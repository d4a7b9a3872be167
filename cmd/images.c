/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* images list|rm */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static json_object *image_json(const struct sysctr_image_info *i)
{
	json_object *o = json_object_new_object();
	json_object *users = json_object_new_array();
	char created[32];

	cli_time_iso(i->created, created, sizeof(created));
	for (size_t k = 0; i->containers[k] != NULL; k++)
		json_object_array_add(users,
				      json_object_new_string(i->containers[k]));
	json_object_object_add(o, "id", json_object_new_int64(i->id));
	json_object_object_add(o, "name", cli_json_str(i->name));
	json_object_object_add(o, "template", cli_json_str(i->template));
	json_object_object_add(o, "release", cli_json_str(i->release));
	json_object_object_add(o, "arch", cli_json_str(i->arch));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "size_bytes", json_object_new_int64(i->size));
	json_object_object_add(o, "disk_bytes", json_object_new_int64(i->disk));
	json_object_object_add(o, "hash", cli_json_str(i->hash));
	json_object_object_add(o, "path", cli_json_str(i->path));
	json_object_object_add(o, "containers", users);
	return o;
}

static void print_table(const struct sysctr_image_info *infos, size_t n)
{
	static const char *const hdr[] = { "ID",      "NAME",	"TEMPLATE",
					   "RELEASE", "SIZE",	"DISK",
					   "HASH",    "USED BY" };
	struct cli_table *t = cli_table_new(8, hdr);

	for (size_t i = 0; i < n; i++) {
		char id[24], size[32], disk[32], hash[16];
		char *users = NULL;
		const char *row[8];

		snprintf(id, sizeof(id), "%lld", (long long)infos[i].id);
		snprintf(size, sizeof(size), "%.0f MiB",
			 (double)infos[i].size / (1024.0 * 1024.0));
		snprintf(disk, sizeof(disk), "%.0f MiB",
			 (double)infos[i].disk / (1024.0 * 1024.0));
		snprintf(hash, sizeof(hash), "%.12s",
			 infos[i].hash ? infos[i].hash : "-");
		for (size_t k = 0; infos[i].containers[k] != NULL; k++) {
			char *next =
			    xasprintf("%s%s%s", users ? users : "",
				      users ? "," : "", infos[i].containers[k]);

			free(users);
			users = next;
		}
		row[0] = id;
		row[1] = infos[i].name;
		row[2] = infos[i].template;
		row[3] = infos[i].release;
		row[4] = size;
		row[5] = disk;
		row[6] = hash;
		row[7] = users ? users : "-";
		cli_table_add(t, row);
		free(users);
	}
	cli_table_print(t);
	cli_table_free(t);
}

static int images_list(struct cli *cli, struct sysctr_error **err)
{
	struct sysctr_image_info *infos = NULL;
	size_t n = 0;

	if (sysctr_images_list(cli->s, &infos, &n, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, image_json(&infos[i]));
		cli_json_print(arr);
	} else {
		print_table(infos, n);
	}
	sysctr_image_info_free_array(infos, n);
	return 0;
}

static int images_prune(struct cli *cli, struct sysctr_error **err)
{
	struct sysctr_prune_result r;

	if (sysctr_images_prune(cli->s, &r, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *o = json_object_new_object();
		json_object *rm = json_object_new_array();
		json_object *busy = json_object_new_array();

		for (char **p = r.removed; *p; p++)
			json_object_array_add(rm, json_object_new_string(*p));
		for (char **p = r.busy; *p; p++)
			json_object_array_add(busy, json_object_new_string(*p));
		json_object_object_add(o, "removed", rm);
		json_object_object_add(o, "cache_busy", busy);
		json_object_object_add(o, "freed_bytes",
				       json_object_new_int64(r.freed_bytes));
		json_object_object_add(o, "cache_bytes",
				       json_object_new_int64(r.cache_bytes));
		cli_json_print(o);
	} else if (!cli->quiet) {
		for (char **p = r.removed; *p; p++)
			printf("%s: removed\n", *p);
		for (char **p = r.busy; *p; p++)
			printf("download cache of %s: in use, kept\n", *p);
		printf("freed %.1f MiB (%.1f MiB of template downloads)\n",
		       (double)r.freed_bytes / (1024.0 * 1024.0),
		       (double)r.cache_bytes / (1024.0 * 1024.0));
	}
	sysctr_prune_result_clear(&r);
	return 0;
}

static int do_rm(struct cli *cli, const char *image, void *data, char **detail,
		 struct sysctr_error **err)
{
	return sysctr_image_remove(cli->s, image, err);
}

int cmd_images(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	const char *sub;

	if (cli_getopt(cli, argc, argv, "+", NULL, err) != -1)
		return -1;
	if (optind >= argc)
		return cli_usage(cli, err, "needs list, rm or prune");
	sub = argv[optind];
	if ((strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) &&
	    optind + 1 == argc)
		return images_list(cli, err);
	if (strcmp(sub, "prune") == 0 && optind + 1 == argc)
		return images_prune(cli, err);
	if (strcmp(sub, "rm") == 0 && optind + 1 < argc)
		return cli_for_each(cli, argc - optind - 1, argv + optind + 1,
				    "images rm", do_rm, NULL, false, err);
	return cli_usage(cli, err, "unknown subcommand or arguments");
}
