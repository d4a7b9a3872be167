/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec, shell, console */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_exec(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	const char *name;
	int status = 0, ret;

	/* "+": everything after NAME belongs to the command. */
	if (cli_getopt(cli, argc, argv, "+", NULL, err) != -1)
		return -1;
	if (optind >= argc)
		return cli_usage(cli, err, "needs NAME");
	name = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cli_usage(cli, err, "needs a command after --");
	/* A command that could not be run fails with its reason and keeps
	 * its shell-like status (127 not found, 126 not executable). */
	ret = sysctr_ct_exec(cli->s, name, argv + optind, &status, err);
	cli->exit_status = status;
	if (ret < 0)
		return sysctr_err_prefix(err, "%s", name);
	return 0;
}

int cmd_shell(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	int status = 0, ret;

	if (cli_getopt(cli, argc, argv, "", NULL, err) != -1)
		return -1;
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	ret = sysctr_ct_shell(cli->s, argv[optind], &status, err);
	cli->exit_status = status;
	if (ret < 0)
		return sysctr_err_prefix(err, "%s", argv[optind]);
	return 0;
}

int cmd_console(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "tty", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, tty = 0; /* the console itself, where its getty runs */

	while ((opt = cli_getopt(cli, argc, argv, "t:", longopts, err)) != -1) {
		char *end;

		if (opt != 't')
			return -1;
		tty = (int)strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || tty < 0 || tty > 64)
			return cli_usage(cli, err, "--tty needs a number");
	}
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	if (sysctr_ct_console(cli->s, argv[optind], tty, err) < 0)
		return sysctr_err_prefix(err, "%s", argv[optind]);
	return 0;
}
