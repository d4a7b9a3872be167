/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Has this run printed its JSON document? main() then prints an error
 * on stderr only: stdout keeps one document. */
static bool json_printed;

bool cli_json_printed(void)
{
	return json_printed;
}

void cli_json_print(json_object *o)
{
	json_printed = true;
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

json_object *cli_json_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void cli_time_iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

struct cli_table {
	size_t ncols, nrows;
	char **cells; /* nrows * ncols, row 0 the headers */
};

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	struct cli_table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	cli_table_add(t, headers);
	return t;
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	t->cells =
	    xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
		    xstrdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

void cli_table_print(struct cli_table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				printf("%s\n", cell);
			else
				printf("%-*s  ", (int)w[c], cell);
		}
	}
	free(w);
}

void cli_table_free(struct cli_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

static const char *kind_name(enum sysctr_err_kind kind)
{
	switch (kind) {
	case SYSCTR_E_USAGE:
		return "usage";
	case SYSCTR_E_NOT_FOUND:
		return "not_found";
	case SYSCTR_E_STATE:
		return "state";
	case SYSCTR_E_BUSY:
		return "busy";
	case SYSCTR_E_FAILED:
		break;
	}
	return "failed";
}

json_object *cli_json_error(const struct sysctr_error *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind",
			       json_object_new_string(kind_name(e->kind)));
	json_object_object_add(o, "exit",
			       json_object_new_int(sysctr_error_exit_code(e)));
	json_object_object_add(o, "message", json_object_new_string(e->msg));
	return o;
}

void cli_outcome(struct cli *cli, json_object *arr, const char *name,
		 const char *action, const struct sysctr_error *e,
		 const char *state, const char *detail)
{
	json_object *o;

	cli_progress_end(cli);
	if (cli->format != CLI_JSON) {
		if (e == NULL && !cli->quiet)
			printf("%s: %s%s%s\n", name, action, detail ? ": " : "",
			       detail ? detail : "");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "result",
			       json_object_new_string(e ? "failed" : "ok"));
	json_object_object_add(o, "state", cli_json_str(state));
	if (detail)
		json_object_object_add(o, "detail",
				       json_object_new_string(detail));
	if (e)
		json_object_object_add(o, "error", cli_json_error(e));
	json_object_array_add(arr, o);
}

void cli_outcomes_print(struct cli *cli, json_object *arr)
{
	if (cli->format != CLI_JSON) {
		json_object_put(arr);
		return;
	}
	if (json_object_array_length(arr) == 1) {
		json_object *one =
		    json_object_get(json_object_array_get_idx(arr, 0));

		json_object_put(arr);
		cli_json_print(one);
		return;
	}
	cli_json_print(arr);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void cli_progress_end(struct cli *cli)
{
	if (cli->progress_shown) {
		/* the progress line goes before the outcome's */
		fputs("\r\033[K", stderr);
		cli->progress_shown = false;
	}
	if (cli->step != NULL) {
		fprintf(stderr, "+ %s: %.1f s\n", cli->step,
			seconds_since(&cli->step_t0));
		free(cli->step);
		cli->step = NULL;
	}
}

/* stderr is a file or the journal: the step just over, with its time,
 * when the next begins (counters are a terminal's) */
static void progress_plain(struct cli *cli, const char *step)
{
	if (cli->step != NULL && strcmp(cli->step, step) == 0)
		return;
	cli_progress_end(cli);
	cli->step = xstrdup(step);
	clock_gettime(CLOCK_MONOTONIC, &cli->step_t0);
}

void cli_progress(void *data, const char *step, int done, int total)
{
	static struct timespec start;
	struct timespec now;
	double el;

	if (((struct cli *)data)->progress_plain) {
		progress_plain(data, step);
		return;
	}
	((struct cli *)data)->progress_shown = true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (start.tv_sec == 0)
		start = now;
	el = (double)(now.tv_sec - start.tv_sec) +
	     (double)(now.tv_nsec - start.tv_nsec) / 1e9;
	if (total > 0) {
		/* a bar: [#######.............] */
		char bar[31];
		int fill = done >= total ? 30 : (int)(30LL * done / total);

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(30 - fill));
		bar[30] = '\0';
		fprintf(stderr, "\r\033[K%s [%s] %d/%d (%.0f s)", step, bar,
			done, total, el);
	} else
		fprintf(stderr, "\r\033[K%s (%.0f s)", step, el);
	fflush(stderr);
}

/* The state after an action, for the outcome; NULL if it is gone. */
char *cli_state_of(struct cli *cli, const char *name)
{
	return sysctr_ct_state(cli->s, name);
}

/* Run fn on every NAME; go on after a failure and fail with the last
 * error, printing the ones before it (each once). */
int cli_for_each(struct cli *cli, int argc, char **argv, const char *action,
		 cli_each_fn fn, void *data, bool with_state,
		 struct sysctr_error **err)
{
	json_object *arr = json_object_new_array();
	struct sysctr_error *last = NULL;

	for (int i = 0; i < argc; i++) {
		struct sysctr_error *e = NULL;
		char *detail = NULL, *state = NULL;

		if (fn(cli, argv[i], data, &detail, &e) < 0)
			sysctr_err_prefix(&e, "%s", argv[i]);
		else if (cli->format == CLI_JSON && with_state)
			state = cli_state_of(cli, argv[i]);
		cli_outcome(cli, arr, argv[i], action, e, state, detail);
		free(detail);
		free(state);
		if (e != NULL) {
			if (last != NULL) {
				fprintf(stderr, "sysctr: %s\n", last->msg);
				sysctr_error_free(last);
			}
			last = e;
		}
	}
	cli_outcomes_print(cli, arr);
	if (last != NULL)
		return sysctr_err_pass(err, &last);
	return 0;
}

void cli_human_bytes(int64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	if (b < 0) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

json_object *cli_json_count(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

int cli_parse_time(const char *opt, const char *s, bool ago, int64_t *out,
		   struct sysctr_error **err)
{
	struct tm tm = { 0 };
	const char *end;
	char *e;
	size_t digits = strspn(s, "0123456789");

	if (digits == strlen(s) && *s != '\0') {
		*out = strtoll(s, &e, 10);
		return 0;
	}
	if (ago && digits > 0 && digits < 10 && s[digits + 1] == '\0' &&
	    strchr("smhdw", s[digits]) != NULL) {
		static const int64_t unit[] = { ['s' - 'a'] = 1,
						['m' - 'a'] = 60,
						['h' - 'a'] = 3600,
						['d' - 'a'] = 86400,
						['w' - 'a'] = 604800 };

		*out = (int64_t)time(NULL) -
		       strtoll(s, &e, 10) * unit[s[digits] - 'a'];
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M", &tm);
	if (end != NULL && *end == ':')
		end = strptime(end + 1, "%S", &tm);
	if (end == NULL || *end != '\0')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s %s: use unix seconds, "
				  "YYYY-MM-DD[THH:MM[:SS]] (local time)%s",
				  opt, s, ago ? " or N[smhdw] ago" : "");
	tm.tm_isdst = -1;
	*out = (int64_t)mktime(&tm);
	return 0;
}
