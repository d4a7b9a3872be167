/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr doctor [--fix]`: what is wrong with the host or the registry,
 * one line per check; exit 1 when a check fails. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static json_object *report_json(const struct sysctr_doctor_report *r)
{
	json_object *o = json_object_new_object();
	json_object *checks = json_object_new_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct sysctr_doctor_check *c = &r->checks[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "name",
				       json_object_new_string(c->name));
		json_object_object_add(
		    j, "status",
		    json_object_new_string(
			sysctr_doctor_status_name(c->status)));
		json_object_object_add(j, "message",
				       json_object_new_string(c->message));
		json_object_object_add(j, "hint", cli_json_str(c->hint));
		json_object_array_add(checks, j);
	}
	json_object_object_add(o, "checks", checks);
	for (int st = 0; st < SYSCTR_DOCTOR_NSTATUS; st++)
		json_object_object_add(
		    o, sysctr_doctor_status_name((enum sysctr_doctor_status)st),
		    json_object_new_int64((int64_t)r->count[st]));
	return o;
}

/* One line per check: status, name, what was found, and what to do. */
static void report_table(const struct sysctr_doctor_report *r)
{
	size_t width = 0;

	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->checks[i].name) > width)
			width = strlen(r->checks[i].name);
	for (size_t i = 0; i < r->n; i++) {
		const struct sysctr_doctor_check *c = &r->checks[i];

		printf("%-5s  %-*s  %s%s%s\n",
		       sysctr_doctor_status_name(c->status), (int)width,
		       c->name, c->message, c->hint ? "; " : "",
		       c->hint ? c->hint : "");
	}
	printf("%zu checks: %zu ok, %zu warn, %zu fail, %zu fixed\n", r->n,
	       r->count[SYSCTR_DOCTOR_OK], r->count[SYSCTR_DOCTOR_WARN],
	       r->count[SYSCTR_DOCTOR_FAIL], r->count[SYSCTR_DOCTOR_FIXED]);
}

int cmd_doctor(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "fix", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct sysctr_doctor_report r;
	bool fix = false;
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "", longopts, err)) != -1) {
		if (opt != 'f')
			return -1;
		fix = true;
	}
	if (optind != argc)
		return cli_usage(cli, err, "takes no arguments");
	if (sysctr_doctor(cli->s, fix, &r, err) < 0)
		return -1;
	if (cli->format == CLI_JSON)
		cli_json_print(report_json(&r));
	else
		report_table(&r);
	/* warnings are allowed; a failure left after the fixes is not */
	if (r.count[SYSCTR_DOCTOR_FAIL] > 0)
		cli->exit_status = 1;
	sysctr_doctor_report_clear(&r);
	return 0;
}
