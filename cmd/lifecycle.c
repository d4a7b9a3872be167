/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, start, stop, restart, freeze, unfreeze, destroy */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_create(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "arch", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "start", no_argument, NULL, 'S' },
		{ "from", required_argument, NULL, 'F' },
		{ "refresh", no_argument, NULL, 'R' },
		{ "copy", no_argument, NULL, 'C' },
		{ "mirror", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_free const char **sets =
	    xcalloc((size_t)argc + 1, sizeof(char *));
	cleanup_free char *from = NULL;
	struct sysctr_create_opts o = { 0 };
	bool start = false;
	int opt, ret;

	while ((opt = cli_getopt(cli, argc, argv, "r:a:c:", longopts, err)) !=
	       -1) {
		switch (opt) {
		case 'r':
			o.release = optarg;
			break;
		case 'a':
			o.arch = optarg;
			break;
		case 'c':
			o.conf_file = optarg;
			break;
		case 's':
			if (strchr(optarg, '=') == NULL)
				return cli_usage(cli, err,
						 "--set needs KEY=VALUE");
			sets[o.nsets++] = optarg;
			break;
		case 'S':
			start = true;
			break;
		case 'F':
			free(from);
			from = realpath(optarg, NULL);
			if (from == NULL)
				return sysctr_err(err, SYSCTR_E_NOT_FOUND,
						  errno, "--from %s", optarg);
			o.from = from;
			break;
		case 'R':
			o.refresh = true;
			break;
		case 'C':
			o.copy = true;
			break;
		case 'M':
			/* checked by lib/ as sysctr.conf's mirrors are */
			o.mirror = optarg;
			break;
		default:
			return -1;
		}
	}
	/* create NAME: sysctr.conf's defaults.template */
	if (argc - optind == 1) {
		o.name = argv[optind];
	} else if (argc - optind == 2) {
		o.template = argv[optind];
		o.name = argv[optind + 1];
	} else {
		return cli_usage(cli, err, "needs [TEMPLATE] NAME");
	}
	o.sets = sets;
	{
		json_object *arr = json_object_new_array();
		struct sysctr_error *e = NULL;
		char *state = NULL;

		ret = sysctr_ct_create(cli->s, &o, &e);
		if (ret == 0 && start)
			ret = sysctr_ct_start(cli->s, o.name, &e);
		if (ret < 0)
			sysctr_err_prefix(&e, "%s", o.name);
		else if (cli->format == CLI_JSON)
			state = cli_state_of(cli, o.name);
		cli_outcome(cli, arr, o.name, start ? "create+start" : "create",
			    e, state, NULL);
		cli_outcomes_print(cli, arr);
		free(state);
		if (e != NULL)
			sysctr_err_pass(err, &e);
	}
	return ret;
}

static int parse_timeout(const char *s, int *out);

/* --all: the names of the stopped containers (to start), or of the
 * running and frozen ones (to stop or restart), sorted */
static int all_names(struct cli *cli, bool running, char ***names,
		     struct sysctr_error **err)
{
	struct sysctr_ct_info *infos = NULL;
	size_t n = 0;

	*names = xcalloc(1, sizeof(char *));
	if (sysctr_ct_list(cli->s, NULL, SYSCTR_LIST_ALL, &infos, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bool stopped = infos[i].state == NULL ||
			       strcmp(infos[i].state, "STOPPED") == 0;

		if (stopped != running)
			strv_push(names, infos[i].name);
	}
	sysctr_ct_info_free_array(infos, n);
	return 0;
}

/* NAME... or --all (not both): the names to act on */
static int names_or_all(struct cli *cli, int argc, char **argv, bool all,
			bool running, char ***names, struct sysctr_error **err)
{
	if (all && optind < argc)
		return cli_usage(cli, err, "NAME or --all, not both");
	if (all)
		return all_names(cli, running, names, err);
	if (optind >= argc)
		return cli_usage(cli, err, "needs NAME (or --all)");
	*names = xcalloc(1, sizeof(char *));
	for (int i = optind; i < argc; i++)
		strv_push(names, argv[i]);
	return 0;
}

struct start_opts {
	bool wait;
	const char *kind; /* NULL: the container's autostart.ready */
	int timeout;	  /* 0: its autostart.timeout */
};

static int do_start(struct cli *cli, const char *name, void *data,
		    char **detail, struct sysctr_error **err)
{
	const struct start_opts *o = data;
	struct sysctr_ready_result r;

	if (sysctr_ct_start(cli->s, name, err) < 0)
		return -1;
	if (!o->wait)
		return 0;
	if (sysctr_ct_wait_ready(cli->s, name, o->kind, o->timeout, &r, err) <
	    0)
		return sysctr_err_prefix(err, "started, but");
	*detail = xasprintf("ready (%s) after %.1f s", r.kind, r.seconds);
	return 0;
}

int cmd_start(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "wait", optional_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct start_opts o = { 0 };
	cleanup_strv char **names = NULL;
	bool all = false;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "t:", longopts, err)) != -1) {
		if (opt == 'w') {
			o.wait = true;
			o.kind = optarg;
		} else if (opt == 'A') {
			all = true;
		} else if (opt == 't') {
			if (parse_timeout(optarg, &o.timeout) < 0 ||
			    o.timeout <= 0)
				return sysctr_err(err, SYSCTR_E_USAGE, 0,
						  "--timeout %s: a number of "
						  "seconds above 0",
						  optarg);
		} else {
			return -1;
		}
	}
	if (o.timeout > 0 && !o.wait)
		return cli_usage(cli, err, "--timeout goes with --wait");
	if (o.kind != NULL && !sysctr_ready_check_valid(o.kind))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--wait=%s: use started, systemd, tcp:PORT "
				  "or exec:COMMAND",
				  o.kind);
	if (names_or_all(cli, argc, argv, all, false, &names, err) < 0)
		return -1;
	return cli_for_each(cli, (int)strv_length(names), names, "start",
			    do_start, &o, true, err);
}

struct stop_opts {
	int timeout;
	bool kill;
};

static int do_stop(struct cli *cli, const char *name, void *data, char **detail,
		   struct sysctr_error **err)
{
	const struct stop_opts *o = data;
	struct sysctr_stop_result res;

	if (sysctr_ct_stop(cli->s, name, o->timeout, o->kill, &res, err) < 0)
		return -1;
	*detail =
	    xasprintf("%s after %.1f s",
		      res.killed ? "killed" : "stopped cleanly", res.seconds);
	return 0;
}

static int do_restart(struct cli *cli, const char *name, void *data,
		      char **detail, struct sysctr_error **err)
{
	const struct stop_opts *o = data;

	return sysctr_ct_restart(cli->s, name, o->timeout, err);
}

static int parse_timeout(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

static int stop_like(struct cli *cli, int argc, char **argv, bool restart,
		     struct sysctr_error **err)
{
	static const struct option stop_longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "kill", no_argument, NULL, 'k' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option restart_longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct stop_opts o = { .timeout = -1, .kill = false };
	cleanup_strv char **names = NULL;
	bool all = false;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, restart ? "t:" : "t:k",
				 restart ? restart_longopts : stop_longopts,
				 err)) != -1) {
		switch (opt) {
		case 't':
			if (parse_timeout(optarg, &o.timeout) < 0)
				return cli_usage(cli, err,
						 "--timeout needs seconds");
			break;
		case 'k':
			o.kill = true;
			break;
		case 'A':
			all = true;
			break;
		default:
			return -1;
		}
	}
	if (names_or_all(cli, argc, argv, all, true, &names, err) < 0)
		return -1;
	return cli_for_each(cli, (int)strv_length(names), names,
			    restart ? "restart" : "stop",
			    restart ? do_restart : do_stop, &o, true, err);
}

int cmd_stop(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	return stop_like(cli, argc, argv, false, err);
}

int cmd_restart(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	return stop_like(cli, argc, argv, true, err);
}

static int do_freeze(struct cli *cli, const char *name, void *data,
		     char **detail, struct sysctr_error **err)
{
	return sysctr_ct_freeze(cli->s, name, err);
}

static int do_unfreeze(struct cli *cli, const char *name, void *data,
		       char **detail, struct sysctr_error **err)
{
	return sysctr_ct_unfreeze(cli->s, name, err);
}

static int one_name(struct cli *cli, int argc, char **argv, const char *action,
		    cli_each_fn fn, struct sysctr_error **err)
{
	if (cli_getopt(cli, argc, argv, "", NULL, err) != -1)
		return -1;
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	return cli_for_each(cli, 1, argv + optind, action, fn, NULL, true, err);
}

int cmd_freeze(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	return one_name(cli, argc, argv, "freeze", do_freeze, err);
}

int cmd_unfreeze(struct cli *cli, int argc, char **argv,
		 struct sysctr_error **err)
{
	return one_name(cli, argc, argv, "unfreeze", do_unfreeze, err);
}

static int do_destroy(struct cli *cli, const char *name, void *data,
		      char **detail, struct sysctr_error **err)
{
	const bool *force = data;

	return sysctr_ct_destroy(cli->s, name, *force, err);
}

int cmd_destroy(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "f", longopts, err)) != -1) {
		if (opt != 'f')
			return -1;
		force = true;
	}
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	return cli_for_each(cli, 1, argv + optind, "destroy", do_destroy,
			    &force, false, err);
}
