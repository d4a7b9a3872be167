/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr: the command table, global options, and the one place that
 * prints errors and turns them into exit codes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "create", NULL, cmd_create,
	  CMD_OPENS_STORE | CMD_NEEDS_ROOT | CMD_OWN_CONFIG,
	  "[TEMPLATE] NAME [-r RELEASE] [-a ARCH] [-c FILE] [--set "
	  "KEY=VALUE]... "
	  "[--start] [--from FILE] [--refresh] [--copy] [--mirror URL]",
	  "create a container from a template",
	  "  TEMPLATE               default: sysctr.conf's defaults.template\n"
	  "  -r, --release RELEASE  distribution release (defaults.release\n"
	  "                         for the default template, else the\n"
	  "                         template's default)\n"
	  "  -a, --arch ARCH        architecture (defaults.arch, else the\n"
	  "                         host's)\n"
	  "  -c, --config FILE      start from this container.conf\n"
	  "      --set KEY=VALUE    set section.key in container.conf\n"
	  "      --start            start it once created\n"
	  "      --from FILE        the rootfs tarball (template local)\n"
	  "      --refresh          build a new image even when one is "
	  "cached;\n"
	  "                         containers of the old one keep it\n"
	  "      --copy             a full copy of the image instead of a\n"
	  "                         copy-on-write layer over it\n"
	  "      --mirror URL       the template's package mirror (default:\n"
	  "                         mirrors in sysctr.conf)\n" },
	{ "list", "ls", cmd_list, CMD_OPENS_STORE,
	  "[--running|--stopped] [PATTERN]", "list containers",
	  "      --running          only running containers\n"
	  "      --stopped          only stopped containers\n"
	  "  PATTERN                a shell glob on names\n" },
	{ "info", NULL, cmd_info, CMD_OPENS_STORE, "NAME",
	  "show a container's details", NULL },
	{ "start", NULL, cmd_start, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME...|--all [--wait[=CHECK]] [--timeout S]", "start containers",
	  "      --all              every stopped container (by name; for\n"
	  "                         the autostart plan: autostart --boot)\n"
	  "      --wait[=CHECK]     return once it is up: started, systemd,\n"
	  "                         tcp:PORT or exec:COMMAND (default: its\n"
	  "                         autostart.ready)\n"
	  "  -t, --timeout S        wait this long at most (default: its\n"
	  "                         autostart.timeout)\n" },
	{ "stop", NULL, cmd_stop, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME...|--all [-t SECONDS] [-k]",
	  "stop containers cleanly, killing after a timeout",
	  "      --all              every running or frozen container\n"
	  "  -t, --timeout SECONDS  wait this long for a clean stop\n"
	  "  -k, --kill             kill at once\n" },
	{ "restart", NULL, cmd_restart, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME...|--all [-t SECONDS]", "stop and start containers",
	  "      --all              every running or frozen container\n"
	  "  -t, --timeout SECONDS  wait this long for a clean stop\n" },
	{ "freeze", NULL, cmd_freeze, CMD_OPENS_STORE | CMD_NEEDS_ROOT, "NAME",
	  "freeze all processes of a container", NULL },
	{ "unfreeze", NULL, cmd_unfreeze, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME", "thaw a frozen container", NULL },
	{ "exec", NULL, cmd_exec,
	  CMD_OPENS_STORE | CMD_NEEDS_ROOT | CMD_TAIL_VERBATIM,
	  "NAME [-u USER] [-w DIR] [-e KEY=VALUE]... -- CMD [ARG...]",
	  "run a command inside; exit status is the command's",
	  "  -u, --user USER        run as USER (a name or uid of the\n"
	  "                         container's /etc/passwd; default root)\n"
	  "  -w, --cwd DIR          in DIR (default: / for root, the user's\n"
	  "                         home)\n"
	  "  -e, --env KEY=VALUE    set a variable (repeatable); the others\n"
	  "                         are PATH, HOME, LANG and TERM\n" },
	{ "shell", NULL, cmd_shell, CMD_OPENS_STORE | CMD_NEEDS_ROOT, "NAME",
	  "open a root login shell inside", NULL },
	{ "console", NULL, cmd_console, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME [-t TTY] [-e KEY]", "attach to the console (Ctrl-a q leaves)",
	  "  -t, --tty N            attach to tty N instead of the console\n"
	  "  -e, --escape KEY       leave with Ctrl-KEY q instead (a letter;\n"
	  "                         b, ^b or C-b), e.g. inside tmux or "
	  "screen\n" },
	{ "destroy", "rm", cmd_destroy, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME [-f|--force]", "remove a container and its files",
	  "  -f, --force            kill it first if it runs\n" },
	{ "snapshot", NULL, cmd_snapshot, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "create NAME [SNAP] [-m TEXT] | list NAME | restore NAME SNAP [-f] "
	  "| delete NAME SNAP | auto [--now TIME]",
	  "cut, list, restore or delete snapshots; take the scheduled ones",
	  "  -m, --comment TEXT     create: a comment kept with the snapshot\n"
	  "  -f, --force            restore: stop the container first\n"
	  "  --now TIME             auto: act as if it were TIME (unix "
	  "seconds\n"
	  "                         or local YYYY-MM-DDTHH:MM[:SS])\n" },
	{ "clone", NULL, cmd_clone, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "SRC DST [-s SNAP]",
	  "a new container over another one's layers: no copy",
	  "  -s, --snapshot SNAP    from SRC's snapshot SNAP, not its current "
	  "state\n" },
	{ "export", NULL, cmd_export, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "NAME FILE [--no-snapshots] [--with-image]",
	  "write a container and its snapshots to one archive (tar, zstd)",
	  "  --no-snapshots         only its current state\n"
	  "  --with-image           its image too: the archive stands "
	  "alone\n" },
	{ "import", NULL, cmd_import, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "FILE [NAME]",
	  "make a container from an archive of export (checked first)", NULL },
	{ "autostart", NULL, cmd_autostart, CMD_OPENS_STORE,
	  "--plan|--boot|--shutdown [--group G]",
	  "start the containers marked for autostart by their plan, or stop "
	  "them",
	  "  --plan, --dry-run      print the plan (levels, edges, timeouts,\n"
	  "                         the worst case); start nothing\n"
	  "  --boot                 start them level by level, each level's\n"
	  "                         together, each until it is ready\n"
	  "  --shutdown             stop the running containers in the\n"
	  "                         reverse plan, each level's together\n"
	  "  -g, --group G          only the containers of autostart.group "
	  "G\n" },
	{ "config", NULL, cmd_config, CMD_OPENS_STORE,
	  "show|edit NAME | get NAME KEY | set NAME KEY=VALUE...",
	  "show, get, set or edit container.conf", NULL },
	{ "network", NULL, cmd_network, CMD_OPENS_STORE | CMD_NEEDS_ROOT,
	  "show|up|down [--if-wanted]",
	  "sysctr's managed bridge: its leases and forwards; bring it up, "
	  "or remove it",
	  "  show                   the bridge, subnet, dnsmasq, leases and\n"
	  "                         forwards\n"
	  "  up                     make the bridge, its nftables table and\n"
	  "                         dnsmasq (sysctr-net.service at boot)\n"
	  "  down                   remove them (refused while a running\n"
	  "                         container uses the bridge)\n"
	  "  --if-wanted            up and down do nothing unless a\n"
	  "                         container uses the managed bridge (by\n"
	  "                         sysctr.conf's default or its own)\n" },
	{ "top", NULL, cmd_top, CMD_OPENS_STORE, "[--interval S]",
	  "the running containers' CPU, memory, tasks and I/O; refreshed on "
	  "a terminal, one sample otherwise",
	  "  -i, --interval S       seconds between refreshes (default 2)\n" },
	{ "history", NULL, cmd_history, CMD_OPENS_STORE,
	  "[NAME] [-n COUNT] [-s TIME] [-a ACTION]",
	  "show what was done to containers, when and by whom",
	  "  -n, --limit COUNT      only the newest COUNT entries\n"
	  "  -s, --since TIME       from TIME on: unix seconds, local\n"
	  "                         YYYY-MM-DD[THH:MM[:SS]], or N[smhdw] ago\n"
	  "  -a, --action ACTION    only this action (start, stop, ...)\n" },
	{ "images", NULL, cmd_images, CMD_OPENS_STORE,
	  "list | rm IMAGE... | prune",
	  "list the image store, or remove unused images",
	  "  prune                  remove every image no container uses, and\n"
	  "                         the templates' download cache\n"
	  "  IMAGE                  an image's id or name (see images "
	  "list)\n" },
	{ "templates", NULL, cmd_templates, 0, "",
	  "list the available templates", NULL },
	/* Not CMD_OPENS_STORE: doctor opens the registry itself, so that
	 * one it cannot open is a failed check, not the end of the run. */
	{ "doctor", NULL, cmd_doctor, CMD_NEEDS_ROOT, "[--fix]",
	  "check the host and the registry, one line per check; exit 1 when "
	  "a check fails (warnings are allowed)",
	  "      --fix              repair what is safe to repair: root's\n"
	  "                         subuid/subgid range, the inotify limit\n"
	  "                         (until reboot), the managed bridge,\n"
	  "                         leftover directories, stale mounts,\n"
	  "                         cgroups of stopped containers, lock\n"
	  "                         files and unfinished image copies;\n"
	  "                         never a mode, never a registered\n"
	  "                         container\n" },
	{ "version", NULL, cmd_version, CMD_NO_CONTEXT, "",
	  "show the version of sysctr and liblxc", NULL },
	{ "help", NULL, cmd_help, CMD_NO_CONTEXT,
	  "[COMMAND | config | sysctr.conf | --man PAGE]",
	  "show help for sysctr, a command, or the keys of a file",
	  "  config, container.conf the keys of container.conf\n"
	  "  sysctr.conf            the keys of sysctr.conf\n"
	  "  --man PAGE             the man page sysctr.1, sysctr.conf.5 or\n"
	  "                         container.conf.5 in roff\n" },
};

const struct cli_command *cli_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

const struct cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) == 0 ||
		    (commands[i].alias && strcmp(commands[i].alias, name) == 0))
			return &commands[i];
	}
	return NULL;
}

/* The global options in the layout of a command's help, and the exit
 * statuses in words: for help and the man page. */
static const char cli_global_options[] =
    "      --root DIR         relocate every path under DIR (also\n"
    "                         $SYSCTR_ROOT)\n"
    "      --config FILE      host config (default " SYSCTR_SYSCONFDIR
    "/sysctr/sysctr.conf)\n"
    "      --format FORMAT    table (default) or json; every command "
    "takes it\n"
    "  -q, --quiet            only errors\n"
    "  -v, --verbose          more detail (repeat for debug)\n"
    "  -h, --help             this help; sysctr help COMMAND for one "
    "command,\n"
    "                         sysctr help config (or sysctr.conf) for "
    "the keys\n"
    "  -V, --version          sysctr's and liblxc's versions\n";

static const char cli_exit_status_text[] =
    "0 ok, 1 failed, 2 bad usage, 3 not found, 4 wrong state, 5 busy";

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: sysctr [--root DIR] [--config FILE] [-q|-v] "
		   "COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%s%s", commands[i].name,
			 commands[i].alias ? "|" : "",
			 commands[i].alias ? commands[i].alias : "");
		fprintf(f, "  %-12s %s\n", name, commands[i].summary);
	}
	fprintf(f, "\nglobal options:\n%s\nexit status: %s\n",
		cli_global_options, cli_exit_status_text);
}

static void print_cmd_help(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: sysctr %s %s\n%s%s%s\n", c->name, c->usage,
		c->alias ? "alias: " : "", c->alias ? c->alias : "",
		c->alias ? "\n" : "");
	fprintf(f, "%s\n", c->summary);
	if (c->help)
		fprintf(f, "\noptions:\n%s", c->help);
	fprintf(f, "      --format FORMAT    table or json\n");
}

int cli_help(struct cli *cli)
{
	print_cmd_help(stdout, cli->cmd);
	return 0;
}

int cli_usage(struct cli *cli, struct sysctr_error **err, const char *why)
{
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "%s: %s (usage: sysctr %s %s)", cli->cmd->name, why,
			  cli->cmd->name, cli->cmd->usage);
}

/* Optimal string alignment distance: edits, with a swap of two neighbours
 * counting as one ("strat" is one from "start"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[CLI_WORD_MAX + 1][CLI_WORD_MAX + 1];

	if (la > CLI_WORD_MAX || lb > CLI_WORD_MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

bool cli_closer(const char *typed, const char *candidate, size_t *best)
{
	size_t d = edit_distance(typed, candidate);

	/* Two edits at most, and fewer than the word has letters: "ls" is
	 * not a typo of "rm". */
	if (d > 2 || d >= strlen(typed) || d >= *best)
		return false;
	*best = d;
	return true;
}

/* The command closest to a mistyped one, or NULL. */
static const char *closest_command(const char *typed)
{
	const char *found = NULL;
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (cli_closer(typed, commands[i].name, &best))
			found = commands[i].name;
		if (commands[i].alias &&
		    cli_closer(typed, commands[i].alias, &best))
			found = commands[i].alias;
	}
	return found;
}

static int unknown_command(const char *typed, const char *context,
			   struct sysctr_error **err)
{
	const char *near = closest_command(typed);

	if (near != NULL)
		return sysctr_err(
		    err, SYSCTR_E_USAGE, 0,
		    "%sunknown command \"%s\"; did you mean \"%s\"?", context,
		    typed, near);
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "%sunknown command \"%s\" (see sysctr help)", context,
			  typed);
}

/* The long option argv[optind - 1] names, without "--" and "=VALUE". */
static const struct option *
long_option_of(const char *arg, const struct option *longopts, int val)
{
	size_t len;

	if (longopts == NULL || strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	len = strcspn(arg, "=");
	for (size_t i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == val &&
		    strncmp(longopts[i].name, arg, len) == 0)
			return &longopts[i];
	return NULL;
}

/* What getopt_long() refused, in words: it only says '?' or ':'. */
static char *bad_option_text(int opt, char **argv,
			     const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = long_option_of(arg, longopts, optopt);
	const char *near = NULL;
	size_t best = SIZE_MAX, n = 0;
	char *text;

	if (opt == ':') {
		if (o != NULL)
			text = xasprintf("option --%s needs a value", o->name);
		else
			text = xasprintf("option -%c needs a value", optopt);
	} else if (optopt != 0 && o != NULL) {
		text = xasprintf("option --%s takes no value", o->name);
	} else if (optopt != 0) {
		text = xasprintf("unknown option -%c",
				 optopt > 0x20 && optopt < 0x7f ? optopt : '?');
	} else {
		/* An unknown or ambiguous long option: it is the whole
		 * argument getopt_long() just passed. */
		int name_len = (int)strcspn(arg, "=");

		for (size_t i = 0; longopts && longopts[i].name != NULL; i++) {
			if (strncmp(longopts[i].name, arg + 2,
				    (size_t)name_len - 2) == 0)
				n++;
			if (cli_closer(arg + 2, longopts[i].name, &best))
				near = longopts[i].name;
		}
		if (n > 1)
			text = xasprintf("option %.*s is ambiguous", name_len,
					 arg);
		else if (near != NULL)
			text = xasprintf("unknown option %.*s; did you mean "
					 "--%s?",
					 name_len, arg, near);
		else
			text = xasprintf("unknown option %.*s", name_len, arg);
	}
	return text;
}

int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct sysctr_error **err)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	char spec[64];
	char *text;
	size_t lead = strspn(shortopts, "+-");
	int opt, len;

	/* A leading ':' makes a missing value ':' rather than '?', and
	 * keeps getopt quiet whatever opterr says: one line, ours. */
	len = snprintf(spec, sizeof(spec), "%.*s:%s", (int)lead, shortopts,
		       shortopts + lead);
	if (len < 0 || (size_t)len >= sizeof(spec))
		abort();
	opt = getopt_long(argc, argv, spec, longopts ? longopts : none, NULL);
	if (opt != '?' && opt != ':')
		return opt;
	text = bad_option_text(opt, argv, longopts);
	if (strstr(text, "did you mean") != NULL)
		sysctr_err(err, SYSCTR_E_USAGE, 0, "%s: %s", cli->cmd->name,
			   text);
	else
		cli_usage(cli, err, text);
	free(text);
	return '?';
}

static json_object *cmd_json(const struct cli_command *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "alias", cli_json_str(c->alias));
	json_object_object_add(o, "usage", json_object_new_string(c->usage));
	json_object_object_add(o, "summary",
			       json_object_new_string(c->summary));
	json_object_object_add(o, "options", cli_json_str(c->help));
	return o;
}

/* help TOPIC: container.conf's keys for "config" and "container.conf",
 * sysctr.conf's for "sysctr.conf"; -1 for other topics */
static int keys_topic(const char *topic)
{
	if (strcmp(topic, "config") == 0 ||
	    strcmp(topic, "container.conf") == 0)
		return SYSCTR_CONF_CONTAINER;
	if (strcmp(topic, "sysctr.conf") == 0)
		return SYSCTR_CONF_HOST;
	return -1;
}

static int help_json(struct cli *cli, const char *topic,
		     struct sysctr_error **err)
{
	json_object *arr = json_object_new_array();
	int keys = topic ? keys_topic(topic) : -1;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (topic == NULL || &commands[i] == cli_find(topic)) {
			json_object *o = cmd_json(&commands[i]);

			if (keys == SYSCTR_CONF_CONTAINER) {
				json_object *k = cli_keys_json(keys, err);

				if (k == NULL) {
					json_object_put(o);
					json_object_put(arr);
					return -1;
				}
				json_object_object_add(o, "keys", k);
			}
			json_object_array_add(arr, o);
		}
	if (keys == SYSCTR_CONF_HOST || (topic != NULL && keys >= 0 &&
					 json_object_array_length(arr) == 0)) {
		json_object *k = cli_keys_json(keys, err);

		json_object_put(arr);
		if (k == NULL)
			return -1;
		cli_json_print(k);
		return 0;
	}
	if (topic != NULL && json_object_array_length(arr) == 0) {
		json_object_put(arr);
		return unknown_command(topic, "help: ", err);
	}
	cli_json_print(arr);
	return 0;
}

int cmd_help(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	const struct cli_command *c;
	int keys;

	if (argc >= 3 && strcmp(argv[1], "--man") == 0) {
		const struct cli_man_source src = { commands,
						    ARRAY_SIZE(commands),
						    cli_global_options,
						    cli_exit_status_text };

		return cli_man(argv[2], &src, err);
	}
	if (argc >= 2 && strcmp(argv[1], "--man") == 0)
		return cli_usage(cli, err, "--man needs a page");
	if (cli->format == CLI_JSON)
		return help_json(cli, argc >= 2 ? argv[1] : NULL, err);
	if (argc < 2) {
		print_main_help(stdout);
		return 0;
	}
	keys = keys_topic(argv[1]);
	c = cli_find(argv[1]);
	if (c == NULL && keys < 0)
		return unknown_command(argv[1], "help: ", err);
	if (c != NULL)
		print_cmd_help(stdout, c);
	if (keys >= 0) {
		if (c != NULL)
			fputc('\n', stdout);
		return cli_print_keys(stdout, keys, err);
	}
	return 0;
}

int cmd_version(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	if (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_help(cli);
	if (cli->format == CLI_JSON) {
		json_object *o = json_object_new_object();

		json_object_object_add(
		    o, "version", json_object_new_string(sysctr_version()));
		json_object_object_add(
		    o, "lxc_version",
		    json_object_new_string(sysctr_lxc_version()));
		cli_json_print(o);
		return 0;
	}
	printf("sysctr %s (liblxc %s)\n", sysctr_version(),
	       sysctr_lxc_version());
	return 0;
}

/* With --format json a failure is a document on stdout too. */
static void print_json_error(const struct sysctr_error *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", cli_json_error(e));
	cli_json_print(o);
}

/* One line, no control characters: whatever a hostile name or file put
 * into a message must not break the line or the terminal. */
static void print_error(const struct sysctr_error *e)
{
	fputs("sysctr: ", stderr);
	for (const char *p = e->msg; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p,
		      stderr);
	fputc('\n', stderr);
}

static int set_format(struct cli *cli, const char *v, struct sysctr_error **err)
{
	if (strcmp(v, "json") == 0)
		cli->format = CLI_JSON;
	else if (strcmp(v, "table") == 0)
		cli->format = CLI_TABLE;
	else
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--format %s: use table or json", v);
	return 0;
}

/* Before anything can fail: is JSON asked for, anywhere before "--"? Its
 * errors are then JSON too, even one about the command's name. */
static void peek_format(struct cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--format=json") == 0 ||
		    (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		     strcmp(argv[i + 1], "json") == 0))
			cli->format = CLI_JSON;
}

/* argv[*r] is "--NAME VALUE" or "--NAME=VALUE": 1 with *v set (and *r
 * past the value), 0 when it is another word, -1 when the value is
 * missing. */
static int value_of(const char *name, int *r, int argc, char **argv,
		    const char **v, struct sysctr_error **err)
{
	size_t len = strlen(name);

	if (strncmp(argv[*r], name, len) != 0)
		return 0;
	if (argv[*r][len] == '=') {
		*v = argv[*r] + len + 1;
		return 1;
	}
	if (argv[*r][len] != '\0')
		return 0;
	if (*r + 1 >= argc)
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s needs a value",
				  name);
	*v = argv[++*r];
	return 1;
}

/* The global options may follow the command too (--format always
 * could): take them out of its arguments, up to "--", and for exec up to
 * the command it runs. Whole words only:
 * "--comment=-v" stays the command's, and create's --config is its
 * container.conf. */
static int take_globals(struct cli *cli, struct sysctr_options *opts, int *argc,
			char **argv, unsigned flags, struct sysctr_error **err)
{
	int w = 1, positional = 0;

	for (int r = 1; r < *argc; r++) {
		const char *a = argv[r], *v = NULL;
		int got;

		/* exec NAME [OPTIONS] [--] CMD: the command starts at the
		 * first word after NAME that is not an option */
		if (strcmp(a, "--") == 0 || ((flags & CMD_TAIL_VERBATIM) &&
					     positional > 0 && a[0] != '-')) {
			while (r < *argc)
				argv[w++] = argv[r++];
			break;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			opts->verbosity = -1;
			cli->quiet = true;
			continue;
		}
		if (strcmp(a, "--verbose") == 0 ||
		    (a[0] == '-' && a[1] == 'v' &&
		     strspn(a + 1, "v") == strlen(a + 1))) {
			opts->verbosity += strcmp(a, "--verbose") == 0
					       ? 1
					       : (int)strlen(a + 1);
			continue;
		}
		if ((got = value_of("--format", &r, *argc, argv, &v, err)) !=
		    0) {
			if (got < 0 || set_format(cli, v, err) < 0)
				return -1;
			continue;
		}
		if ((got = value_of("--root", &r, *argc, argv, &v, err)) != 0) {
			if (got < 0)
				return -1;
			opts->root = v;
			continue;
		}
		if (!(flags & CMD_OWN_CONFIG) &&
		    (got = value_of("--config", &r, *argc, argv, &v, err)) !=
			0) {
			if (got < 0)
				return -1;
			opts->config = v;
			continue;
		}
		if (a[0] != '-')
			positional++;
		argv[w++] = argv[r];
	}
	*argc = w;
	argv[w] = NULL;
	return 0;
}

static int run(int argc, char **argv, struct sysctr_error **err,
	       struct cli *cli)
{
	static const struct option global[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "config", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_options opts = { 0 };
	enum cli_format before = CLI_TABLE;
	const struct cli_command *c;
	int opt, ret;

	opts.root = getenv("SYSCTR_ROOT");
	/* getopt must not print: errors are ours, one line each. */
	opterr = 0;
	peek_format(cli, argc, argv);
	/* "+": global options end at the command name; ":" tells a missing
	 * value apart from an unknown option. */
	while ((opt = getopt_long(argc, argv, "+:qvhV", global, NULL)) != -1) {
		switch (opt) {
		case 'R':
			opts.root = optarg;
			break;
		case 'C':
			opts.config = optarg;
			break;
		case 'F':
			if (set_format(cli, optarg, err) < 0)
				return -1;
			before = cli->format;
			break;
		case 'q':
			opts.verbosity = -1;
			cli->quiet = true;
			break;
		case 'v':
			opts.verbosity++;
			break;
		case 'h':
			print_main_help(stdout);
			return 0;
		case 'V':
			cli->cmd = cli_find("version");
			return cmd_version(cli, 1, argv, err);
		default: {
			char *text = bad_option_text(opt, argv, global);

			sysctr_err(err, SYSCTR_E_USAGE, 0,
				   "%s (see sysctr --help)", text);
			free(text);
			return -1;
		}
		}
	}
	if (optind >= argc) {
		print_main_help(stderr);
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "no command given");
	}
	c = cli_find(argv[optind]);
	if (c == NULL)
		return unknown_command(argv[optind], "", err);
	cli->cmd = c;
	argc -= optind;
	argv += optind;
	optind = 0; /* the handler's getopt starts afresh */
	/* what peek_format() saw may be exec's command line */
	cli->format = before;
	if (take_globals(cli, &opts, &argc, argv, c->flags, err) < 0)
		return -1;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    (strcmp(argv[i], "-h") == 0 &&
		     strcmp(c->name, "stop") != 0))
			return cli_help(cli);

	if ((c->flags & CMD_NEEDS_ROOT) && geteuid() != 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: needs root (run it with sudo)", c->name);
	if (!(c->flags & CMD_NO_CONTEXT)) {
		opts.open_store = (c->flags & CMD_OPENS_STORE) != 0;
		cli->s = sysctr_open(&opts, err);
		if (cli->s == NULL)
			return -1;
		cli->progress_plain = !isatty(2);
		if (!cli->quiet)
			sysctr_set_progress(cli->s, cli_progress, cli);
	}
	ret = c->fn(cli, argc, argv, err);
	/* The last progress line goes (on a terminal) or is written (the
	 * step's time), so results and errors start clean. */
	cli_progress_end(cli);
	sysctr_close(cli->s);
	cli->s = NULL;
	return ret;
}

/* Started with one of fds 0-2 closed, sysctr would open its database or
 * a lock there, and then read it as stdin or write output into it (exec
 * would relay the database into the container): fill the gaps with
 * /dev/null first. */
static void keep_std_fds(void)
{
	for (;;) {
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0)
			return;
		if (fd > 2) {
			close(fd);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct sysctr_error *err = NULL;
	struct cli cli = { 0 };
	int ret, code;

	keep_std_fds();
	ret = run(argc, argv, &err, &cli);
	if (ret < 0 && cli.exit_status != 0)
		code = cli.exit_status;
	else if (ret < 0)
		code = err ? sysctr_error_exit_code(err) : 1;
	else
		code = cli.exit_status;
	/* A write error on stdout (a full disk, a closed pipe) is a failure,
	 * not a silent success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (err == NULL && code == 0) {
			fprintf(stderr, "sysctr: write to stdout: %s\n",
				strerror(errno));
			code = 1;
		}
	}
	if (err != NULL) {
		if (cli.format == CLI_JSON && !cli_json_printed())
			print_json_error(err);
		print_error(err);
		sysctr_error_free(err);
	}
	return code;
}
