/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr top`: the running containers' usage, refreshed on a terminal;
 * one sample pair (a second apart, for the CPU rate) as a table or JSON
 * otherwise. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

struct sample {
	struct sysctr_ct_usage_row *rows;
	size_t n;
	double when;
};

static void sample_clear(struct sample *s)
{
	sysctr_ct_usage_rows_free(s->rows, s->n);
	memset(s, 0, sizeof(*s));
}

/* CPU use between two samples, in percent of one CPU; -1 unknown. */
static double cpu_pct(const struct sample *was,
		      const struct sysctr_ct_usage_row *r, double when)
{
	for (size_t i = 0; was != NULL && i < was->n; i++) {
		const struct sysctr_ct_usage_row *p = &was->rows[i];

		if (strcmp(p->name, r->name) != 0 || p->cpu_ns < 0 ||
		    r->cpu_ns < p->cpu_ns || when <= was->when)
			continue;
		return (double)(r->cpu_ns - p->cpu_ns) / 1e7 /
		       (when - was->when);
	}
	return -1;
}

static void print_table(const struct sample *was, const struct sample *now)
{
	static const char *const hdr[] = { "NAME", "CPU%", "MEMORY", "LIMIT",
					   "PIDS", "READ", "WRITE" };
	struct cli_table *t = cli_table_new(7, hdr);

	for (size_t i = 0; i < now->n; i++) {
		const struct sysctr_ct_usage_row *r = &now->rows[i];
		char cpu[16] = "-", mem[32], lim[32] = "-", pids[48] = "-";
		char rd[32], wr[32];
		double pct = cpu_pct(was, r, now->when);
		const char *row[7];

		if (pct >= 0)
			snprintf(cpu, sizeof(cpu), "%.1f", pct);
		cli_human_bytes(r->memory, mem, sizeof(mem));
		if (r->memory_limit > 0)
			cli_human_bytes(r->memory_limit, lim, sizeof(lim));
		if (r->pids >= 0 && r->pids_limit > 0)
			snprintf(pids, sizeof(pids), "%" PRId64 "/%" PRId64,
				 r->pids, r->pids_limit);
		else if (r->pids >= 0)
			snprintf(pids, sizeof(pids), "%" PRId64, r->pids);
		cli_human_bytes(r->io_read, rd, sizeof(rd));
		cli_human_bytes(r->io_write, wr, sizeof(wr));
		row[0] = r->name;
		row[1] = cpu;
		row[2] = mem;
		row[3] = lim;
		row[4] = pids;
		row[5] = rd;
		row[6] = wr;
		cli_table_add(t, row);
	}
	cli_table_print(t);
	cli_table_free(t);
}

static void print_json(const struct sample *was, const struct sample *now)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < now->n; i++) {
		const struct sysctr_ct_usage_row *r = &now->rows[i];
		json_object *o = json_object_new_object();
		double pct = cpu_pct(was, r, now->when);

		json_object_object_add(o, "name",
				       json_object_new_string(r->name));
		json_object_object_add(o, "cpu_percent",
				       pct < 0 ? NULL
					       : json_object_new_double(pct));
		json_object_object_add(
		    o, "cpu_seconds",
		    r->cpu_ns < 0
			? NULL
			: json_object_new_double((double)r->cpu_ns / 1e9));
		json_object_object_add(o, "memory_usage_bytes",
				       cli_json_count(r->memory));
		json_object_object_add(o, "memory_limit_bytes",
				       cli_json_count(r->memory_limit));
		json_object_object_add(o, "pids", cli_json_count(r->pids));
		json_object_object_add(o, "pids_limit",
				       cli_json_count(r->pids_limit));
		json_object_object_add(o, "io_read_bytes",
				       cli_json_count(r->io_read));
		json_object_object_add(o, "io_write_bytes",
				       cli_json_count(r->io_write));
		json_object_array_add(arr, o);
	}
	cli_json_print(arr);
}

/* Wait up to seconds for a key on a terminal; true when it was q. */
static bool wait_quit(double seconds)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char c = 0;

	if (poll(&p, 1, (int)(seconds * 1000)) <= 0)
		return false;
	if (read(0, &c, 1) != 1)
		return true;
	return c == 'q' || c == 'Q' || c == 4;
}

int cmd_top(struct cli *cli, int argc, char **argv, struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample was = { 0 }, now = { 0 };
	double interval = 2;
	bool live;
	int opt, ret = 0;

	while ((opt = cli_getopt(cli, argc, argv, "i:", longopts, err)) != -1) {
		char *end = NULL;

		if (opt != 'i')
			return -1;
		interval = strtod(optarg, &end);
		if (end == optarg || *end != '\0' || interval < 0.2 ||
		    interval > 3600)
			return cli_usage(cli, err,
					 "--interval takes 0.2 to 3600 "
					 "seconds");
	}
	if (argc - optind != 0)
		return cli_usage(cli, err, "takes no arguments");
	live = cli->format != CLI_JSON && isatty(1) && isatty(0);
	if (sysctr_ct_usage_list(cli->s, &was.rows, &was.n, &was.when, err) < 0)
		return -1;
	if (!live) {
		/* one rate: a second between two samples */
		usleep(interval < 1 ? (useconds_t)(interval * 1e6) : 1000000);
		ret = sysctr_ct_usage_list(cli->s, &now.rows, &now.n, &now.when,
					   err);
		if (ret == 0 && cli->format == CLI_JSON)
			print_json(&was, &now);
		else if (ret == 0)
			print_table(&was, &now);
	} else {
		struct termios old, raw;
		bool restore = tcgetattr(0, &old) == 0;

		if (restore) {
			raw = old;
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			tcsetattr(0, TCSANOW, &raw);
		}
		for (;;) {
			if (wait_quit(now.rows ? interval : 0.5))
				break;
			if (now.rows != NULL) {
				sample_clear(&was);
				was = now;
				memset(&now, 0, sizeof(now));
			}
			ret = sysctr_ct_usage_list(cli->s, &now.rows, &now.n,
						   &now.when, err);
			if (ret < 0)
				break;
			/* home, clear, then the table */
			fputs("\033[H\033[2J", stdout);
			printf("sysctr top: %zu running, every %.1f s (q "
			       "quits)\n\n",
			       now.n, interval);
			print_table(&was, &now);
			fflush(stdout);
		}
		if (restore)
			tcsetattr(0, TCSANOW, &old);
	}
	sample_clear(&was);
	sample_clear(&now);
	return ret;
}
