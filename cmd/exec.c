/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec, shell, console */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool takes_value(const char *arg)
{
	return strcmp(arg, "-u") == 0 || strcmp(arg, "--user") == 0 ||
	       strcmp(arg, "-w") == 0 || strcmp(arg, "--cwd") == 0 ||
	       strcmp(arg, "-e") == 0 || strcmp(arg, "--env") == 0;
}

/* exec's options may follow NAME when "--" ends them (as incus exec
 * NAME --user 1000 -- CMD): move NAME to just before "--" so that one
 * getopt reads them all. */
static void name_before_dashes(int argc, char **argv)
{
	int dd = 1, i = 1;

	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	if (dd >= argc)
		return;
	char *name;
	int k;

	while (i < dd && argv[i][0] == '-')
		i += takes_value(argv[i]) ? 2 : 1;
	if (i >= dd - 1)
		return;
	/* only options between NAME and "--": else "--" is the command's
	 * own (exec NAME ls -- -x) */
	for (k = i + 1; k < dd && argv[k][0] == '-';)
		k += takes_value(argv[k]) ? 2 : 1;
	if (k != dd)
		return;
	name = argv[i];
	memmove(&argv[i], &argv[i + 1], (size_t)(dd - 1 - i) * sizeof(*argv));
	argv[dd - 1] = name;
}

int cmd_exec(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_exec_opts o = { 0 };
	cleanup_strv char **env = NULL;
	const char *name;
	int opt, status = 0, ret;

	name_before_dashes(argc, argv);
	/* "+": everything after NAME belongs to the command. */
	while ((opt = cli_getopt(cli, argc, argv, "+u:w:e:", longopts, err)) !=
	       -1) {
		switch (opt) {
		case 'u':
			o.user = optarg;
			break;
		case 'w':
			o.cwd = optarg;
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		default:
			return -1;
		}
	}
	o.env = env;
	if (optind >= argc)
		return cli_usage(cli, err, "needs NAME");
	name = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cli_usage(cli, err, "needs a command after --");
	/* A command that could not be run fails with its reason and keeps
	 * its shell-like status (127 not found, 126 not executable). */
	ret =
	    sysctr_ct_exec_opts(cli->s, name, argv + optind, &o, &status, err);
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
		{ "escape", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, tty = 0; /* the console itself, where its getty runs */
	char escape = 'a';

	while ((opt = cli_getopt(cli, argc, argv, "t:e:", longopts, err)) !=
	       -1) {
		char *end;
		const char *e = optarg;

		switch (opt) {
		case 't':
			tty = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || tty < 0 ||
			    tty > 64)
				return cli_usage(cli, err,
						 "--tty needs a number");
			break;
		case 'e':
			/* "b", "^b" or "C-b", as lxc-console and tmux write
			 * it */
			if (e[0] == '^')
				e += 1;
			else if ((e[0] == 'C' || e[0] == 'c') && e[1] == '-')
				e += 2;
			if (e[0] == '\0' || e[1] != '\0' ||
			    !((e[0] >= 'a' && e[0] <= 'z') ||
			      (e[0] >= 'A' && e[0] <= 'Z')))
				return cli_usage(cli, err,
						 "--escape needs a letter "
						 "(Ctrl-LETTER q leaves)");
			escape = (char)(e[0] | 0x20);
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one NAME");
	if (sysctr_ct_console(cli->s, argv[optind], tty, escape, err) < 0)
		return sysctr_err_prefix(err, "%s", argv[optind]);
	return 0;
}
