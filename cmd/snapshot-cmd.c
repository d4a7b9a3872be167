/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* snapshot create|list|restore|delete */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* "12.3 MiB" */
static void human_size(int64_t b, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "-");
	else if (b < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", (double)b / 1024.0);
	else
		snprintf(buf, len, "%.1f MiB", (double)b / (1024.0 * 1024.0));
}

static int snap_list(struct cli *cli, const char *name,
		     struct sysctr_error **err)
{
	struct sysctr_snapshot *v = NULL;
	size_t n = 0;

	if (sysctr_snapshot_list(cli->s, name, &v, &n, err) < 0)
		return sysctr_err_prefix(err, "%s", name);
	if (cli->format == CLI_JSON) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			char t[32];

			cli_time_iso(v[i].created, t, sizeof(t));
			json_object_object_add(o, "name",
					       cli_json_str(v[i].name));
			json_object_object_add(o, "created",
					       json_object_new_string(t));
			json_object_object_add(o, "comment",
					       cli_json_str(v[i].comment));
			json_object_object_add(o, "kind",
					       cli_json_str(v[i].kind));
			json_object_object_add(
			    o, "size_bytes", json_object_new_int64(v[i].size));
			json_object_object_add(
			    o, "current",
			    json_object_new_boolean(v[i].current));
			json_object_array_add(arr, o);
		}
		cli_json_print(arr);
	} else {
		static const char *const hdr[] = {
			"NAME", "CREATED", "SIZE", "KIND", "CURRENT", "COMMENT"
		};
		struct cli_table *t = cli_table_new(6, hdr);

		for (size_t i = 0; i < n; i++) {
			char ts[32], size[32];
			const char *row[6];

			cli_time_iso(v[i].created, ts, sizeof(ts));
			human_size(v[i].size, size, sizeof(size));
			row[0] = v[i].name;
			row[1] = ts;
			row[2] = size;
			row[3] = v[i].kind;
			row[4] = v[i].current ? "*" : "";
			row[5] = v[i].comment ? v[i].comment : "";
			cli_table_add(t, row);
		}
		cli_table_print(t);
		cli_table_free(t);
	}
	sysctr_snapshots_free(v, n);
	return 0;
}

static int snap_auto(struct cli *cli, const char *now_text,
		     struct sysctr_error **err);

struct snap_args {
	const char *snap;
	const char *comment;
	const char *now;
	bool force;
};

static int do_create(struct cli *cli, const char *name, void *data,
		     char **detail, struct sysctr_error **err)
{
	struct snap_args *a = data;
	struct sysctr_snapshot_result res;
	int ret;

	ret = sysctr_snapshot_create(cli->s, name, a->snap, a->comment, &res,
				     err);
	if (ret == 0)
		*detail = res.frozen_s < 0 ? xstrdup(res.name)
					   : xasprintf("%s (frozen for %.3f s)",
						       res.name, res.frozen_s);
	sysctr_snapshot_result_clear(&res);
	return ret;
}

static int do_restore(struct cli *cli, const char *name, void *data,
		      char **detail, struct sysctr_error **err)
{
	struct snap_args *a = data;
	struct sysctr_snapshot_result res;
	int ret;

	ret =
	    sysctr_snapshot_restore(cli->s, name, a->snap, a->force, &res, err);
	if (ret == 0)
		*detail = xasprintf("%s (the state before it is snapshot %s)",
				    a->snap, res.name);
	sysctr_snapshot_result_clear(&res);
	return ret;
}

static int do_delete(struct cli *cli, const char *name, void *data,
		     char **detail, struct sysctr_error **err)
{
	struct snap_args *a = data;

	if (sysctr_snapshot_delete(cli->s, name, a->snap, err) < 0)
		return -1;
	*detail = xstrdup(a->snap);
	return 0;
}

int cmd_snapshot(struct cli *cli, int argc, char **argv,
		 struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "comment", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "now", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct snap_args a = { 0 };
	const char *sub;
	int opt, nargs;
	char **args;

	/* options may come anywhere after the subcommand */
	while ((opt = cli_getopt(cli, argc, argv, "m:f", longopts, err)) !=
	       -1) {
		if (opt == 'm')
			a.comment = optarg;
		else if (opt == 'f')
			a.force = true;
		else if (opt == 'N')
			a.now = optarg;
		else
			return -1;
	}
	if (optind >= argc)
		return cli_usage(cli, err,
				 "needs create, list, restore or delete");
	sub = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (a.comment != NULL && strcmp(sub, "create") != 0)
		return cli_usage(cli, err, "--comment is for create");
	if (a.force && strcmp(sub, "restore") != 0)
		return cli_usage(cli, err, "--force is for restore");
	if (a.now != NULL && strcmp(sub, "auto") != 0)
		return cli_usage(cli, err, "--now is for auto");
	if (strcmp(sub, "auto") == 0 && nargs == 0)
		return snap_auto(cli, a.now, err);
	if ((strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) && nargs == 1)
		return snap_list(cli, args[0], err);
	if (strcmp(sub, "create") == 0 && (nargs == 1 || nargs == 2)) {
		a.snap = nargs == 2 ? args[1] : NULL;
		return cli_for_each(cli, 1, args, "snapshot create", do_create,
				    &a, false, err);
	}
	if (strcmp(sub, "restore") == 0 && nargs == 2) {
		a.snap = args[1];
		return cli_for_each(cli, 1, args, "snapshot restore",
				    do_restore, &a, true, err);
	}
	if ((strcmp(sub, "delete") == 0 || strcmp(sub, "rm") == 0) &&
	    nargs == 2) {
		a.snap = args[1];
		return cli_for_each(cli, 1, args, "snapshot delete", do_delete,
				    &a, false, err);
	}
	return cli_usage(cli, err, "unknown subcommand or arguments");
}

struct clone_args {
	const char *dst;
	const char *snap;
};

static int do_clone(struct cli *cli, const char *name, void *data,
		    char **detail, struct sysctr_error **err)
{
	struct clone_args *a = data;
	double frozen = -1;

	if (sysctr_ct_clone(cli->s, name, a->dst, a->snap, &frozen, err) < 0)
		return -1;
	if (frozen >= 0)
		*detail = xasprintf("%s (%s was frozen for %.3f s)", a->dst,
				    name, frozen);
	else
		*detail = xstrdup(a->dst);
	return 0;
}

int cmd_clone(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "snapshot", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct clone_args a = { 0 };
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "s:", longopts, err)) != -1) {
		if (opt != 's')
			return -1;
		a.snap = optarg;
	}
	if (argc - optind != 2)
		return cli_usage(cli, err, "needs SRC and DST");
	a.dst = argv[optind + 1];
	return cli_for_each(cli, 1, argv + optind, "clone", do_clone, &a, false,
			    err);
}

/* What one container's run did, for people and for the outcome. */
static char *auto_detail(const struct sysctr_auto_result *r)
{
	cleanup_free char *pruned = strv_join(r->pruned, ", ");
	const char *sep = *pruned ? ", pruned " : "";

	if (r->taken != NULL && r->frozen_s >= 0)
		return xasprintf("took %s (frozen for %.3f s)%s%s", r->taken,
				 r->frozen_s, sep, pruned);
	if (r->taken != NULL)
		return xasprintf("took %s%s%s", r->taken, sep, pruned);
	return xasprintf("nothing due%s%s", sep, pruned);
}

/* The outcome cli_outcome made last, with what the run took and pruned
 * as data of their own (json). */
static void auto_json_add(json_object *arr, const struct sysctr_auto_result *r)
{
	json_object *o =
	    json_object_array_get_idx(arr, json_object_array_length(arr) - 1);
	json_object *p = json_object_new_array();

	for (size_t k = 0; r->pruned != NULL && r->pruned[k] != NULL; k++)
		json_object_array_add(p, json_object_new_string(r->pruned[k]));
	json_object_object_add(o, "taken", cli_json_str(r->taken));
	json_object_object_add(o, "pruned", p);
}

/* Each scheduled container's outcome goes through cli_outcome, as every
 * action's does: a line for people, an object {name, action, result,
 * state, detail or error, taken, pruned} in json. */
static int snap_auto(struct cli *cli, const char *now_text,
		     struct sysctr_error **err)
{
	struct sysctr_auto_result *r = NULL;
	struct sysctr_error *last = NULL;
	json_object *arr;
	int64_t now = 0;
	size_t n = 0;

	if (now_text != NULL &&
	    cli_parse_time("--now", now_text, false, &now, err) < 0)
		return -1;
	if (sysctr_snapshot_auto(cli->s, now, &r, &n, err) < 0)
		return -1;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *detail = NULL;

		if (r[i].error != NULL)
			sysctr_err_prefix(&r[i].error, "%s", r[i].name);
		else
			detail = auto_detail(&r[i]);
		cli_outcome(cli, arr, r[i].name, "snapshot auto", r[i].error,
			    NULL, detail);
		if (cli->format == CLI_JSON)
			auto_json_add(arr, &r[i]);
		if (r[i].error == NULL)
			continue;
		if (last != NULL) {
			fprintf(stderr, "sysctr: %s\n", last->msg);
			sysctr_error_free(last);
		}
		last = steal_ptr(&r[i].error);
	}
	sysctr_auto_results_free(r, n);
	/* An array whatever the count, not cli_outcomes_print()'s object for
	 * one: the containers are the schedule's, not names the caller
	 * gave, and a reader must not get an object on the day only one is
	 * scheduled. */
	if (cli->format == CLI_JSON)
		cli_json_print(arr);
	else
		json_object_put(arr);
	/* a container that could not be done fails the run (1), whatever
	 * stopped it (a broken container.conf is a usage error of its own) */
	if (last != NULL) {
		sysctr_err(err, SYSCTR_E_FAILED, 0, "%s", last->msg);
		sysctr_error_free(last);
		return -1;
	}
	return 0;
}
