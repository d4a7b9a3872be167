/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI: a table of commands (main.c), one handler per command, output
 * helpers (output.c). Handlers parse their own options, call lib/, print. */
#ifndef SYSCTR_CLI_H
#define SYSCTR_CLI_H

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* lib/'s allocation (x*alloc: out of memory aborts) and cleanup helpers;
 * errors are made with sysctr_err() and friends of sysctr.h. */
#include "alloc.h"
#include "macro.h"
#include "sysctr.h"

enum cli_format {
	CLI_TABLE = 0,
	CLI_JSON,
};

struct cli {
	struct sysctr *s;	/* opened by main() as the flags ask */
	enum cli_format format; /* --format, accepted by every command */
	bool quiet;
	int exit_status;     /* exec/shell: the command's status, also
				with an error (127: it was not found) */
	bool progress_shown; /* a progress line is on the terminal */
	/* stderr is no terminal: a line per step, "+ STEP: 2.1 s", once the
	 * step is over */
	bool progress_plain;
	char *step;		 /* the step under way (plain) */
	struct timespec step_t0; /* when it began */
	const struct cli_command *cmd;
};

typedef int (*cli_handler)(struct cli *cli, int argc, char **argv,
			   struct sysctr_error **err);

enum {
	CMD_OPENS_STORE = 1 << 0,   /* needs the registry */
	CMD_NEEDS_ROOT = 1 << 1,    /* runs as root only */
	CMD_NO_CONTEXT = 1 << 2,    /* needs no context at all */
	CMD_OWN_CONFIG = 1 << 3,    /* its --config is its own (create's
				       container.conf), not sysctr.conf */
	CMD_TAIL_VERBATIM = 1 << 4, /* what follows NAME is a command line
				       (exec): no global option there */
};

struct cli_command {
	const char *name;
	const char *alias;
	cli_handler fn;
	unsigned flags;
	const char *usage;   /* arguments after the name */
	const char *summary; /* one line */
	const char *help;    /* options, one per line; may be NULL */
};

const struct cli_command *cli_find(const char *name);
/* man.c: the keys of a file for help, as text or JSON; a man page in
 * roff on stdout (sysctr.1, sysctr.conf.5, container.conf.5). */
int cli_print_keys(FILE *f, enum sysctr_conf_file file,
		   struct sysctr_error **err);
json_object *cli_keys_json(enum sysctr_conf_file file,
			   struct sysctr_error **err);
/* What sysctr(1) is made of, handed in by main.c (which holds them). */
struct cli_man_source {
	const struct cli_command *cmds;
	size_t n;
	const char *global_options;
	const char *exit_status;
};
int cli_man(const char *page, const struct cli_man_source *src,
	    struct sysctr_error **err);
const struct cli_command *cli_commands(size_t *n);

/* Handlers. */
int cmd_create(struct cli *, int, char **, struct sysctr_error **);
int cmd_list(struct cli *, int, char **, struct sysctr_error **);
int cmd_info(struct cli *, int, char **, struct sysctr_error **);
int cmd_start(struct cli *, int, char **, struct sysctr_error **);
int cmd_stop(struct cli *, int, char **, struct sysctr_error **);
int cmd_restart(struct cli *, int, char **, struct sysctr_error **);
int cmd_freeze(struct cli *, int, char **, struct sysctr_error **);
int cmd_unfreeze(struct cli *, int, char **, struct sysctr_error **);
int cmd_exec(struct cli *, int, char **, struct sysctr_error **);
int cmd_shell(struct cli *, int, char **, struct sysctr_error **);
int cmd_console(struct cli *, int, char **, struct sysctr_error **);
int cmd_destroy(struct cli *, int, char **, struct sysctr_error **);
int cmd_config(struct cli *, int, char **, struct sysctr_error **);
int cmd_snapshot(struct cli *, int, char **, struct sysctr_error **);
int cmd_clone(struct cli *, int, char **, struct sysctr_error **);
int cmd_export(struct cli *, int, char **, struct sysctr_error **);
int cmd_import(struct cli *, int, char **, struct sysctr_error **);
int cmd_autostart(struct cli *, int, char **, struct sysctr_error **);
int cmd_history(struct cli *, int, char **, struct sysctr_error **);
int cmd_network(struct cli *, int, char **, struct sysctr_error **);
int cmd_doctor(struct cli *, int, char **, struct sysctr_error **);
int cmd_top(struct cli *, int, char **, struct sysctr_error **);
int cmd_templates(struct cli *, int, char **, struct sysctr_error **);
int cmd_images(struct cli *, int, char **, struct sysctr_error **);
int cmd_version(struct cli *, int, char **, struct sysctr_error **);
int cmd_help(struct cli *, int, char **, struct sysctr_error **);

/* ---- output.c ---- */

/* Print one JSON document on stdout and drop the reference. */
/* A time given on the command line as unix seconds or local
 * YYYY-MM-DD[THH:MM[:SS]], and with ago also as N followed by s, m, h, d
 * or w: that long before now. opt names the option in the error. */
int cli_parse_time(const char *opt, const char *s, bool ago, int64_t *out,
		   struct sysctr_error **err);
/* An error as JSON: {"kind": "usage" | "failed" | "not_found" | "state"
 * | "busy", "exit": its exit status, "message"}, at the top of a failed
 * command's document and in each failed outcome. */
json_object *cli_json_error(const struct sysctr_error *e);
/* Whether cli_json_print() ran in this process. */
bool cli_json_printed(void);
void cli_json_print(json_object *o);
/* A string or null. */
json_object *cli_json_str(const char *s);
/* Unix time as "2026-11-29T01:02:03Z". */
void cli_time_iso(int64_t t, char *buf, size_t len);

/* Aligned columns for people. */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(struct cli_table *t);
void cli_table_free(struct cli_table *t);

/* Outcome of an action on one container: a line for people, or an object
 * {name, action, result, state, ...} added to arr (json). */
void cli_outcome(struct cli *cli, json_object *arr, const char *name,
		 const char *action, const struct sysctr_error *e,
		 const char *state, const char *detail);
/* Print the outcomes collected by cli_outcome: an object for one, an
 * array for several. */
void cli_outcomes_print(struct cli *cli, json_object *arr);

/* A count or size; null for a negative (unknown) one. */
json_object *cli_json_count(int64_t v);
/* "1.5 MiB"; "-" for a negative (unknown) count. */
void cli_human_bytes(int64_t b, char *buf, size_t len);

/* The state of a container after an action; NULL if it is gone. */
char *cli_state_of(struct cli *cli, const char *name);

/* Run fn on every NAME and print the outcomes (cli_outcome); go on after
 * a failure and fail with the last error, printing the ones before it.
 * with_state: the outcomes carry the container's state afterwards. */
typedef int (*cli_each_fn)(struct cli *cli, const char *name, void *data,
			   char **detail, struct sysctr_error **err);
int cli_for_each(struct cli *cli, int argc, char **argv, const char *action,
		 cli_each_fn fn, void *data, bool with_state,
		 struct sysctr_error **err);

/* Progress on stderr when it is a terminal. */
/* Progress over: a terminal's line cleared, a plain step's line
 * written. Before an outcome or an error is printed. */
void cli_progress_end(struct cli *cli);
void cli_progress(void *data, const char *step, int done, int total);

/* Print usage of the current command on stderr; returns the usage error. */
int cli_usage(struct cli *cli, struct sysctr_error **err, const char *why);

/* getopt_long() for handlers: the same return values, except that a bad
 * option (unknown, ambiguous, a missing or an unwanted value) returns '?'
 * with *err set to a usage error naming it, and nothing is printed.
 * longopts may be NULL. */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct sysctr_error **err);

/* Words longer than this are nobody's typo of a command or option. */
#define CLI_WORD_MAX 32
/* Is candidate a likely meant word for typed, and nearer than *best (an
 * edit distance, SIZE_MAX at first)? Updates *best when it is. */
bool cli_closer(const char *typed, const char *candidate, size_t *best);

/* getopt_long "--help" handling shared by the handlers: prints help. */
int cli_help(struct cli *cli);

#endif
