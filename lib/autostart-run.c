/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* autostart --boot and --shutdown: the plan (lib/autostart.c) carried
 * out, one level at a time.
 *
 * Boot: the containers of a level are started, a few at once in child
 * processes (each a daemonized liblxc start, which returns within tens of
 * milliseconds), then all of them are polled for
 * their ready check together, each until its own timeout: the slow part,
 * the boot inside, runs in parallel. A container that fails or never
 * gets ready is recorded and blocks only the containers whose `after`
 * names it (and theirs); the next level's other containers start. The
 * level's largest delay is waited before the next one.
 *
 * Shutdown: first the running containers the plan does not start, then
 * the plan's levels in reverse. Each wave gets the halt signal at once
 * (under each container's lock), is polled until it stopped, and what
 * still runs after its timeout is killed: a planned container's
 * autostart.timeout (its stop timeout at shutdown, as DESIGN.md has it),
 * timeouts.stop for the others. Without a plan (a broken
 * autostart section), every running container is stopped in one wave:
 * the host goes down either way.
 *
 * Every outcome goes to the history. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "autostart.h"
#include "container.h"
#include "error.h"
#include "lock.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define POLL_NS (200 * 1000 * 1000)

enum run_state { R_WAIT, R_STARTING, R_UP, R_FAILED };

struct run {
	const struct sysctr_autostart_item *it;
	enum run_state st;
	double t0;
	struct sysctr_autostart_outcome *out;
};

static void poll_sleep(void)
{
	struct timespec ts = { .tv_nsec = POLL_NS };

	nanosleep(&ts, NULL);
}

static void outcome_set(struct sysctr_autostart_outcome *o, const char *name,
			bool ok, double seconds, char *detail)
{
	o->name = xstrdup(name);
	o->ok = ok;
	o->seconds = seconds;
	o->detail = detail;
}

SYSCTR_PUBLIC void
sysctr_autostart_report_clear(struct sysctr_autostart_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->outcomes[i].name);
		free(r->outcomes[i].detail);
	}
	free(r->outcomes);
	memset(r, 0, sizeof(*r));
}

/* A run whose `after` names one that failed: blocked with it. */
static const char *failed_dep(const struct run *runs, size_t n,
			      const struct run *r)
{
	for (size_t k = 0; r->it->after && r->it->after[k]; k++)
		for (size_t j = 0; j < n; j++)
			if (strcmp(runs[j].it->name, r->it->after[k]) == 0 &&
			    runs[j].st == R_FAILED)
				return runs[j].it->name;
	return NULL;
}

static void fail(struct sysctr *s, struct run *r, const char *action,
		 struct sysctr_error *e)
{
	r->st = R_FAILED;
	outcome_set(r->out, r->it->name, false, now_monotonic() - r->t0,
		    xstrdup(e->msg));
	sysctr_ct_record(s, r->it->name, action, NULL, e, NULL);
	sysctr_error_free(e);
}

/* At most this many starts at once: each is mostly waiting on liblxc's
 * monitor, and a few per core keep the cores busy. */
#define MAX_PARALLEL 8

struct child {
	pid_t pid;
	int fd; /* its error message, if any */
	struct run *run;
};

/* In a child: start the container with a registry connection of its
 * own; its error message goes to fd. Never returns. */
static void start_child(struct sysctr *s, const char *name, int fd)
{
	struct sysctr_error *e = NULL;
	int ret = sysctr_store_open(s->db_path, &s->store, &e);

	if (ret == 0)
		ret = sysctr_ct_start(s, name, &e);
	if (ret < 0 && e != NULL)
		(void)!write(fd, e->msg, strlen(e->msg));
	_exit(ret < 0 ? 1 : 0);
}

/* The child's outcome: started, or failed with its message. */
static void reap(struct sysctr *s, struct child *c)
{
	char msg[1024];
	ssize_t len = 0, got;
	int status = 0;
	struct sysctr_error *e = NULL;

	while (len < (ssize_t)sizeof(msg) - 1 &&
	       ((got = read(c->fd, msg + len, sizeof(msg) - 1 - (size_t)len)) >
		    0 ||
		(got < 0 && errno == EINTR)))
		len += got > 0 ? got : 0;
	msg[len] = '\0';
	close(c->fd);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		c->run->st = R_STARTING;
		return;
	}
	sysctr_err(&e, SYSCTR_E_FAILED, 0, "%s",
		   len > 0 ? msg : "its start failed");
	fail(s, c->run, "autostart", e);
}

/* Start the runs marked R_STARTING-to-be (todo) in child processes, a
 * few at once: a start is a liblxc start and a registry write, and
 * SQLite connections do not cross a fork, so the parent's is closed
 * meanwhile and each child opens its own. */
static int start_parallel(struct sysctr *s, struct run **todo, size_t n,
			  struct sysctr_error **err)
{
	struct child *kids = xcalloc(n + 1, sizeof(*kids));
	size_t next = 0, running = 0, done = 0;
	int ret;

	if (n == 0) {
		free(kids);
		return 0;
	}
	sysctr_store_close(s->store);
	s->store = NULL;
	while (done < n) {
		while (next < n && running < MAX_PARALLEL) {
			int p[2];
			struct child *c = &kids[next];

			c->run = todo[next++];
			if (pipe2(p, O_CLOEXEC) < 0) {
				struct sysctr_error *e = NULL;

				sysctr_err(&e, SYSCTR_E_FAILED, errno, "pipe");
				fail(s, c->run, "autostart", e);
				done++;
				continue;
			}
			c->pid = fork();
			if (c->pid == 0) {
				close(p[0]);
				start_child(s, c->run->it->name, p[1]);
			}
			close(p[1]);
			c->fd = p[0];
			if (c->pid < 0) {
				struct sysctr_error *e = NULL;

				close(c->fd);
				sysctr_err(&e, SYSCTR_E_FAILED, errno, "fork");
				fail(s, c->run, "autostart", e);
				done++;
				continue;
			}
			running++;
		}
		/* the oldest running child: starts take about as long */
		for (size_t i = 0; i < next; i++) {
			if (kids[i].pid <= 0)
				continue;
			reap(s, &kids[i]);
			kids[i].pid = 0;
			running--;
			done++;
			break;
		}
	}
	free(kids);
	ret = sysctr_store_open(s->db_path, &s->store, err);
	return ret;
}

/* Start the level's containers, then poll them all until each is up,
 * failed or out of time. */
static int boot_level(struct sysctr *s, struct run *runs, size_t n, int level,
		      struct sysctr_error **err)
{
	struct run **todo = xcalloc(n + 1, sizeof(*todo));
	size_t ntodo = 0;
	bool any;
	int delay = 0;

	for (size_t i = 0; i < n; i++) {
		struct run *r = &runs[i];
		struct sysctr_error *e = NULL;
		const char *dep;

		if (r->it->level != level)
			continue;
		r->t0 = now_monotonic();
		dep = failed_dep(runs, n, r);
		if (dep != NULL) {
			sysctr_err(&e, SYSCTR_E_FAILED, 0,
				   "not started: %s, which it starts after, "
				   "failed",
				   dep);
			fail(s, r, "autostart", e);
			continue;
		}
		if (sysctr_ct_is_active(s, r->it->name))
			r->st = R_STARTING; /* running already */
		else
			todo[ntodo++] = r;
	}
	if (start_parallel(s, todo, ntodo, err) < 0) {
		free(todo);
		return -1;
	}
	free(todo);
	do {
		any = false;
		for (size_t i = 0; i < n; i++) {
			struct run *r = &runs[i];
			struct sysctr_error *e = NULL;
			int ret;

			if (r->it->level != level || r->st != R_STARTING)
				continue;
			ret = sysctr_ct_ready_probe(s, r->it->name,
						    r->it->ready, &e);
			if (ret > 0) {
				double t = now_monotonic() - r->t0;
				char *d = xasprintf("ready (%s) after %.1f s",
						    r->it->ready, t);

				r->st = R_UP;
				outcome_set(r->out, r->it->name, true, t, d);
				sysctr_ct_record(s, r->it->name, "autostart",
						 NULL, NULL, d);
				if (r->it->delay > delay)
					delay = r->it->delay;
				continue;
			}
			if (ret == 0 &&
			    now_monotonic() - r->t0 >= r->it->timeout) {
				sysctr_err(&e, SYSCTR_E_FAILED, 0,
					   "not ready after %d s (%s)",
					   r->it->timeout, r->it->ready);
				ret = -1;
			}
			if (ret < 0) {
				fail(s, r, "autostart", e);
				continue;
			}
			any = true;
		}
		if (any)
			poll_sleep();
	} while (any);
	if (delay > 0) {
		log_info("autostart: level %d: waiting %d s (delay)", level,
			 delay);
		sleep((unsigned)delay);
	}
	return 0;
}

static int summary(struct sysctr_autostart_report *rep, const char *what,
		   struct sysctr_error **err)
{
	cleanup_free char *names = xstrdup("");
	size_t failed = 0;

	for (size_t i = 0; i < rep->n; i++) {
		char *t;

		if (rep->outcomes[i].ok)
			continue;
		t = xasprintf("%s%s%s (%s)", names, failed ? ", " : "",
			      rep->outcomes[i].name, rep->outcomes[i].detail);
		free(names);
		names = t;
		failed++;
	}
	if (failed == 0)
		return 0;
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "%zu of %zu %s: %s", failed,
			  rep->n, what, names);
}

SYSCTR_PUBLIC int sysctr_autostart_boot(struct sysctr *s, const char *group,
					struct sysctr_autostart_report *rep,
					struct sysctr_error **err)
{
	struct sysctr_autostart_plan p = { 0 };
	struct run *runs;

	memset(rep, 0, sizeof(*rep));
	if (sysctr_autostart_plan(s, group, &p, err) < 0)
		return -1;
	runs = xcalloc(p.n + 1, sizeof(*runs));
	rep->outcomes = xcalloc(p.n + 1, sizeof(*rep->outcomes));
	rep->n = p.n;
	for (size_t i = 0; i < p.n; i++) {
		runs[i].it = &p.items[i];
		runs[i].out = &rep->outcomes[i];
	}
	for (int l = 1; l <= p.nlevels; l++)
		if (boot_level(s, runs, p.n, l, err) < 0) {
			/* the registry could not be opened again */
			free(runs);
			sysctr_autostart_plan_clear(&p);
			return -1;
		}
	free(runs);
	sysctr_autostart_plan_clear(&p);
	return summary(rep, "containers did not come up", err);
}

/* ---- shutdown ------------------------------------------------------------ */

struct halt {
	char *name;
	int lock;
	double t0;
	double deadline;
	bool done;
};

/* Stop the wave's running containers together: the halt signal to all,
 * then each polled until it stopped, each killed when still running after
 * its timeout (timeout_s[i] seconds for names[i]; timeouts.stop for all
 * when timeout_s is NULL). */
static void stop_wave(struct sysctr *s, char **names, const int *timeout_s,
		      struct sysctr_autostart_report *rep)
{
	size_t n = strv_length(names), left = 0;
	struct halt *h = xcalloc(n + 1, sizeof(*h));

	for (size_t i = 0; i < n; i++) {
		struct sysctr_error *e = NULL;

		h[i].name = names[i];
		h[i].lock = -1;
		h[i].done = true;
		if (!sysctr_ct_is_active(s, names[i]))
			continue;
		h[i].t0 = now_monotonic();
		h[i].deadline = h[i].t0 + (timeout_s ? timeout_s[i]
						     : s->cfg->timeouts.stop);
		h[i].lock = sysctr_ct_lock(s, names[i], &e);
		if (h[i].lock >= 0 &&
		    sysctr_ct_halt_held(s, names[i], &e) == 0) {
			h[i].done = false;
			left++;
			continue;
		}
		/* not running any more, or locked too long by another */
		if (e != NULL && e->kind != SYSCTR_E_STATE) {
			struct sysctr_autostart_outcome *o =
			    &rep->outcomes[rep->n++];

			outcome_set(o, names[i], false, 0, xstrdup(e->msg));
			sysctr_ct_record(s, names[i], "autostart shutdown",
					 NULL, e, NULL);
		}
		sysctr_error_free(e);
	}
	while (left > 0) {
		for (size_t i = 0; i < n; i++) {
			struct sysctr_autostart_outcome *o;
			struct sysctr_error *e = NULL;
			bool killed = false;

			if (h[i].done)
				continue;
			if (sysctr_ct_is_active(s, h[i].name)) {
				if (now_monotonic() < h[i].deadline)
					continue;
				killed = true;
				if (sysctr_ct_kill_held(s, h[i].name, &e) < 0)
					killed = false;
			}
			h[i].done = true;
			left--;
			o = &rep->outcomes[rep->n++];
			if (e != NULL) {
				outcome_set(o, h[i].name, false, 0,
					    xstrdup(e->msg));
				sysctr_ct_record(s, h[i].name,
						 "autostart shutdown", NULL, e,
						 NULL);
				sysctr_error_free(e);
				continue;
			}
			outcome_set(
			    o, h[i].name, true, now_monotonic() - h[i].t0,
			    xasprintf("%s after %.1f s",
				      killed ? "killed" : "stopped cleanly",
				      now_monotonic() - h[i].t0));
			sysctr_ct_record(s, h[i].name, "autostart shutdown",
					 "STOPPED", NULL, o->detail);
		}
		if (left > 0)
			poll_sleep();
	}
	for (size_t i = 0; i < n; i++)
		if (h[i].lock >= 0)
			sysctr_unlock(h[i].lock);
	free(h);
}

SYSCTR_PUBLIC int sysctr_autostart_shutdown(struct sysctr *s, const char *group,
					    struct sysctr_autostart_report *rep,
					    struct sysctr_error **err)
{
	struct sysctr_autostart_plan p = { 0 };
	cleanup_error struct sysctr_error *perr = NULL;
	cleanup_strv char **active = NULL;
	cleanup_strv char **first = NULL;
	bool planned;

	memset(rep, 0, sizeof(*rep));
	if (sysctr_need_store(s, err) < 0)
		return -1;
	planned = sysctr_autostart_plan(s, group, &p, &perr) == 0;
	if (!planned)
		log_warn("autostart: %s: stopping every running container at "
			 "once",
			 perr->msg);
	active = sysctr_ct_active_names(s);
	rep->outcomes =
	    xcalloc(strv_length(active) + 1, sizeof(*rep->outcomes));
	/* first the running ones the plan does not start */
	first = xcalloc(1, sizeof(*first));
	for (size_t i = 0; active[i] != NULL; i++) {
		bool in = false;

		for (size_t k = 0; planned && k < p.n; k++)
			in = in || strcmp(p.items[k].name, active[i]) == 0;
		if (!in && (group == NULL || !planned))
			strv_push(&first, active[i]);
	}
	if (planned) {
		int worst = p.shutdown_worst_s + (first[0] ? p.stop_s : 0);

		if (worst > SYSCTR_UNIT_STOP_TIMEOUT_S)
			log_warn("autostart: the shutdown may take %d s, more "
				 "than the %d s sysctr.service allows "
				 "(TimeoutStopSec)",
				 worst, SYSCTR_UNIT_STOP_TIMEOUT_S);
	}
	stop_wave(s, first, NULL, rep);
	for (int l = planned ? p.nlevels : 0; l >= 1; l--) {
		cleanup_strv char **wave = xcalloc(1, sizeof(*wave));
		cleanup_free int *timeout_s = xcalloc(p.n + 1, sizeof(int));
		size_t nwave = 0;

		for (size_t k = 0; k < p.n; k++)
			if (p.items[k].level == l &&
			    strv_contains(active, p.items[k].name)) {
				timeout_s[nwave++] = p.items[k].timeout;
				strv_push(&wave, p.items[k].name);
			}
		stop_wave(s, wave, timeout_s, rep);
	}
	sysctr_autostart_plan_clear(&p);
	return summary(rep, "containers did not stop cleanly", err);
}
