/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr config show|get|set|edit`: options, $EDITOR and output; the
 * work is lib/config-api.c's (named apart from autoconf's config.h and
 * from the config file code, lib/conf*.c). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Tell what took effect on the running container now, and which of the
 * changed keys wait for the next start; kv NULL (edit): the change as a
 * whole. */
static void restart_note(struct cli *cli, const char *name,
			 const struct sysctr_config_change *change, int n,
			 char **kv)
{
	if (cli->quiet)
		return;
	if (change->live != NULL) {
		cleanup_free char *keys = strv_join(change->live, ", ");

		fprintf(stderr,
			"sysctr: %s: %s applied to the running "
			"container\n",
			name, keys);
	}
	if (!change->restart_needed)
		return;
	fprintf(stderr, "sysctr: %s: ", name);
	if (kv == NULL) {
		fprintf(stderr, "the change");
	} else {
		const char *sep = "";

		for (int i = 0; i < n; i++) {
			int klen = (int)strcspn(kv[i], "=");
			char key[256];

			snprintf(key, sizeof(key), "%.*s", klen, kv[i]);
			if (!sysctr_config_key_needs_restart(key))
				continue;
			fprintf(stderr, "%s%s", sep, key);
			sep = ", ";
		}
	}
	fprintf(stderr, " takes effect at the next start (sysctr restart %s)\n",
		name);
}

/* Keys only liblxc judges, at the next start: say so. */
static void unchecked_note(struct cli *cli, const char *name, int n, char **kv)
{
	for (int i = 0; i < n && !cli->quiet; i++) {
		int klen = (int)strcspn(kv[i], "=");
		char key[256];

		snprintf(key, sizeof(key), "%.*s", klen, kv[i]);
		if (sysctr_config_key_unchecked(key))
			fprintf(stderr,
				"sysctr: %s: %s goes to liblxc unchecked: the "
				"next start tells whether liblxc takes it\n",
				name, key);
	}
}

static int run_editor(const char *path, struct sysctr_error **err)
{
	const char *editor = getenv("VISUAL");
	pid_t pid, parent = getpid();
	int status;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	pid = fork();
	if (pid < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "fork");
	if (pid == 0) {
		/* The editor goes with sysctr, which alone would check and
		 * save the edit: SIGHUP, as when its terminal goes, so it can
		 * keep a recovery file. The parent may be gone already. */
		if (prctl(PR_SET_PDEATHSIG, SIGHUP) < 0 || getppid() != parent)
			_exit(127);
		/* $EDITOR may carry arguments ("code --wait"), as git allows.
		 */
		execl("/bin/sh", "sh", "-c", "$SYSCTR_EDITOR \"$1\"", "sh",
		      path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sysctr_err(err, SYSCTR_E_FAILED, errno, "wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "editor '%s' failed: file unchanged", editor);
	return 0;
}

static bool ask_again(void)
{
	char line[16];

	if (!isatty(0))
		return false;
	fprintf(stderr, "edit again? [Y/n] ");
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	return line[0] != 'n' && line[0] != 'N';
}

static int config_edit(struct cli *cli, const char *name,
		       struct sysctr_error **err)
{
	const char *editor = getenv("VISUAL");
	char *tmp = NULL, *base = NULL;
	struct sysctr_config_change change = { 0 };
	bool keep = false;
	int ret;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	setenv("SYSCTR_EDITOR", editor && *editor ? editor : "vi", 1);
	if (sysctr_ct_config_edit_begin(cli->s, name, &tmp, &base, err) < 0)
		return -1;
	for (;;) {
		struct sysctr_error *e = NULL;

		ret = run_editor(tmp, err);
		if (ret < 0)
			break;
		ret = sysctr_ct_config_edit_commit(cli->s, name, tmp, base,
						   &change, &e);
		if (ret == 0)
			break;
		/* A change made meanwhile, a busy lock: another round in the
		 * editor cannot help, and the user's version must not go. */
		if (e->kind != SYSCTR_E_USAGE) {
			keep = true;
			sysctr_err_pass(err, &e);
			sysctr_err_suffix(err, "; your version is in %s", tmp);
			break;
		}
		/* Like visudo: show why and offer to fix it. */
		fprintf(stderr, "sysctr: %s\n", e->msg);
		if (!ask_again()) {
			sysctr_err_pass(err, &e);
			sysctr_err_prefix(err, "%s", "config not saved");
			break;
		}
		sysctr_error_free(e);
	}
	if (!keep)
		unlink(tmp);
	free(tmp);
	free(base);
	if (ret == 0)
		restart_note(cli, name, &change, 0, NULL);
	sysctr_config_change_clear(&change);
	return ret;
}

static int config_get(struct cli *cli, const char *name, const char *key,
		      struct sysctr_error **err)
{
	char *value = NULL;

	if (sysctr_ct_config_get(cli->s, name, key, &value, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "key", json_object_new_string(key));
		json_object_object_add(o, "value",
				       json_object_new_string(value));
		cli_json_print(o);
	} else {
		printf("%s\n", value);
	}
	free(value);
	return 0;
}

/* Every key with its value as JSON: numbers, booleans, lists as arrays */
static json_object *keys_json(struct cli *cli, const char *name,
			      struct sysctr_error **err)
{
	struct sysctr_config_item *items;
	json_object *o;
	size_t n;

	if (sysctr_ct_config_items(cli->s, name, &items, &n, err) < 0)
		return NULL;
	o = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		json_object *v;

		switch (items[i].type) {
		case SYSCTR_CONF_INT:
			v = json_object_new_int64(items[i].num);
			break;
		case SYSCTR_CONF_BOOL:
			v = json_object_new_boolean(items[i].num != 0);
			break;
		case SYSCTR_CONF_LIST:
			v = json_object_new_array();
			for (char **l = items[i].list; *l; l++)
				json_object_array_add(
				    v, json_object_new_string(*l));
			break;
		default:
			v = json_object_new_string(items[i].text);
			break;
		}
		json_object_object_add(o, items[i].key, v);
	}
	sysctr_config_items_free(items, n);
	return o;
}

static int config_show(struct cli *cli, const char *name,
		       struct sysctr_error **err)
{
	char *text = NULL;

	if (sysctr_ct_config_show(cli->s, name, &text, err) < 0)
		return -1;
	if (cli->format == CLI_JSON) {
		json_object *o = json_object_new_object();
		json_object *keys;

		if ((keys = keys_json(cli, name, err)) == NULL) {
			json_object_put(o);
			free(text);
			return -1;
		}
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "keys", keys);
		json_object_object_add(o, "text", json_object_new_string(text));
		cli_json_print(o);
	} else {
		fputs(text, stdout);
	}
	free(text);
	return 0;
}

static int config_set(struct cli *cli, const char *name, int n, char **kv,
		      struct sysctr_error **err)
{
	json_object *arr = json_object_new_array();
	struct sysctr_config_change change = { 0 };
	int ret;

	for (int i = 0; i < n; i++)
		if (strchr(kv[i], '=') == NULL) {
			json_object_put(arr);
			return cli_usage(cli, err, "set needs KEY=VALUE");
		}
	ret = sysctr_ct_config_set(cli->s, name, (const char *const *)kv,
				   (size_t)n, &change, err);
	if (cli->format == CLI_JSON) {
		cleanup_free char *live =
		    change.live ? strv_join(change.live, ",") : NULL;
		cleanup_free char *detail =
		    live ? xasprintf("applied live: %s%s", live,
				     change.restart_needed ? "; restart needed"
							   : "")
			 : NULL;

		cli_outcome(cli, arr, name, "config set", ret < 0 ? *err : NULL,
			    NULL,
			    detail		    ? detail
			    : change.restart_needed ? "restart needed"
						    : NULL);
		cli_outcomes_print(cli, arr);
	} else {
		json_object_put(arr);
	}
	if (ret == 0) {
		restart_note(cli, name, &change, n, kv);
		unchecked_note(cli, name, n, kv);
	}
	sysctr_config_change_clear(&change);
	return ret;
}

int cmd_config(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	const char *sub, *name;
	int ret;

	if (cli_getopt(cli, argc, argv, "+", NULL, err) != -1)
		return -1;
	if (argc - optind < 2)
		return cli_usage(cli, err, "needs a subcommand and NAME");
	sub = argv[optind];
	name = argv[optind + 1];
	argc -= optind + 2;
	argv += optind + 2;
	if (strcmp(sub, "show") == 0 && argc == 0)
		ret = config_show(cli, name, err);
	else if (strcmp(sub, "edit") == 0 && argc == 0)
		ret = config_edit(cli, name, err);
	else if (strcmp(sub, "get") == 0 && argc == 1)
		ret = config_get(cli, name, argv[0], err);
	else if (strcmp(sub, "set") == 0 && argc >= 1)
		ret = config_set(cli, name, argc, argv, err);
	else
		return cli_usage(cli, err, "unknown subcommand or arguments");
	if (ret < 0)
		sysctr_err_prefix(err, "%s", name);
	return ret;
}
