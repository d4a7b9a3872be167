/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Templates: finding, describing (with its cache) and running them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "error.h"
#include "log.h"
#include "names.h"
#include "template.h"
#include "util.h"

const char *sysctr_host_arch(void)
{
	static const struct {
		const char *uname, *debian;
	} map[] = {
		{ "x86_64", "amd64" },	  { "aarch64", "arm64" },
		{ "armv7l", "armhf" },	  { "armv6l", "armel" },
		{ "i686", "i386" },	  { "i586", "i386" },
		{ "ppc64le", "ppc64el" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	static char arch[65];
	struct utsname u;

	if (arch[0] != '\0')
		return arch;
	if (uname(&u) < 0)
		return "amd64";
	snprintf(arch, sizeof(arch), "%s", u.machine);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(u.machine, map[i].uname) == 0)
			snprintf(arch, sizeof(arch), "%s", map[i].debian);
	return arch;
}

/* Unknown keys are ignored so templates can grow. */
void sysctr_template_parse_kv(char *text,
			      void (*fn)(void *, const char *, const char *),
			      void *data)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq == NULL || line[0] == '#')
			continue;
		*eq = '\0';
		fn(data, line, eq + 1);
	}
}

int sysctr_template_path(struct sysctr *s, const char *template, char **path,
			 struct sysctr_error **err)
{
	cleanup_free char *p = NULL;

	if (!sysctr_token_valid(template))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid template name");
	p = xasprintf("%s/%s", s->templates_dir, template);
	/* lib/ beside the templates is their shared code, not one of them. */
	if (access(p, X_OK) < 0 || is_dir(p))
		return sysctr_err(
		    err, SYSCTR_E_NOT_FOUND, 0,
		    "no such template '%s' (see sysctr templates)", template);
	*path = steal_ptr(&p);
	return 0;
}

struct run_output {
	FILE *log;
	char last_err[512];
	struct sysctr *s;
	char partial[2][1024];
	size_t plen[2];
	/* the current step, shown again every second so its time runs */
	char step[256];
	int done, total;
};

/* One line of template output: progress lines drive the bar, everything
 * goes to the template log, the last stderr line is the reason of a
 * failure. */
static void output_line(struct run_output *o, int which, const char *line)
{
	int done = 0, total = 0, off = 0;

	if (which == 0 &&
	    sscanf(line, "@step %d/%d %n", &done, &total, &off) == 2 &&
	    off > 0) {
		snprintf(o->step, sizeof(o->step), "%s", line + off);
		o->done = done;
		o->total = total;
		sysctr_progress(o->s, o->step, done, total);
		if (o->log)
			fprintf(o->log, "== %s\n", line + off);
		return;
	}
	if (o->log)
		fprintf(o->log, "%s\n", line);
	if (which == 1 && line[0] != '\0')
		snprintf(o->last_err, sizeof(o->last_err), "%s", line);
}

static void output_chunk(struct run_output *o, int which, const char *buf,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n' || c == '\r' ||
		    o->plen[which] + 1 >= sizeof(o->partial[which])) {
			o->partial[which][o->plen[which]] = '\0';
			output_line(o, which, o->partial[which]);
			o->plen[which] = 0;
			if (c == '\n' || c == '\r')
				continue;
		}
		o->partial[which][o->plen[which]++] = c;
	}
}

static void child_exec(pid_t parent, const char *path, char *const argv[],
		       int out, int errfd)
{
	static const char *const keep[] = { "http_proxy",  "https_proxy",
					    "no_proxy",	   "HTTP_PROXY",
					    "HTTPS_PROXY", "NO_PROXY" };
	char *envp[ARRAY_SIZE(keep) + 5];
	size_t n = 0;
	int devnull;

	envp[n++] = (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			    "/usr/bin:/sbin:/bin";
	envp[n++] = (char *)"LC_ALL=C";
	envp[n++] = (char *)"DEBIAN_FRONTEND=noninteractive";
	envp[n++] = (char *)"HOME=/root";
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		char *v = getenv(keep[i]);

		if (v != NULL)
			envp[n++] = xasprintf("%s=%s", keep[i], v);
	}
	envp[n] = NULL;

	/* Its own process group, so a failure can end all of it. When sysctr
	 * is killed it gets SIGTERM, which our templates pass on to their
	 * downloader and answer by unmounting what they mounted. */
	setpgid(0, 0);
	if (die_with_parent(parent, SIGTERM) < 0)
		_exit(127);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(out, 1);
	dup2(errfd, 2);
	execve(path, argv, envp);
	dprintf(2, "cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

/* Read the template's stdout and stderr until both close. A SIGINT, SIGTERM
 * or SIGHUP to sysctr is passed on to the template's group once, so it can
 * clean up; the caller then removes what is left. */
static void pump_output(struct run_output *o, pid_t pid, int out, int errfd)
{
	int fds[2] = { out, errfd };
	bool forwarded = false;

	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN },
					 { .fd = fds[1], .events = POLLIN } };
		char buf[4096];

		if (interrupted && !forwarded) {
			kill(-pid, SIGTERM);
			forwarded = true;
		}
		int ready = poll(pfd, 2, 1000);

		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0) {
			if (o->step[0] != '\0')
				sysctr_progress(o->s, o->step, o->done,
						o->total);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t r;

			if (pfd[i].fd < 0 ||
			    !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				output_chunk(o, i, buf, (size_t)r);
				continue;
			}
			close_p(&fds[i]);
			open_fds--;
		}
	}
	for (int i = 0; i < 2; i++) {
		close_p(&fds[i]);
		if (o->plen[i] > 0) {
			o->partial[i][o->plen[i]] = '\0';
			output_line(o, i, o->partial[i]);
		}
	}
}

static int template_status(struct run_output *o, int status,
			   const char *log_path, struct sysctr_error **err)
{
	if (interrupted)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "interrupted by signal %d (log: %s)",
				  (int)interrupted, log_path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (o->last_err[0] == '\0')
		snprintf(o->last_err, sizeof(o->last_err), "%s %d",
			 WIFSIGNALED(status) ? "killed by signal"
					     : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status)
					     : WEXITSTATUS(status));
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "%s (log: %s)", o->last_err,
			  log_path);
}

int sysctr_template_run(struct sysctr *s, char *const argv[],
			const char *log_path, struct sysctr_error **err)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt }, old[3];
	cleanup_fclose FILE *log = NULL;
	struct run_output o = { .s = s };
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	const char *path = argv[0];
	int status = 0;
	pid_t pid, parent;

	log = fopen(log_path, "we");
	o.log = log;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
		goto undo_pipes;
	}
	interrupted = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "fork");
		goto undo_signals;
	}
	if (pid == 0)
		child_exec(parent, path, argv, out[1], errp[1]);
	close_p(&out[1]);
	close_p(&errp[1]);
	pump_output(&o, pid, steal_fd(&out[0]), steal_fd(&errp[0]));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Whatever the template started and left behind goes with it. */
	kill(-pid, SIGKILL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	return template_status(&o, status, log_path, err);

undo_signals:
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
undo_pipes:
	for (int i = 0; i < 2; i++) {
		close_p(&out[i]);
		close_p(&errp[i]);
	}
	return -1;
}

void sysctr_template_info_clear(struct sysctr_template_info *t)
{
	free(t->name);
	free(t->path);
	free(t->description);
	free(t->default_release);
	free(t->releases);
	free(t->mirror_default);
	memset(t, 0, sizeof(*t));
}

SYSCTR_PUBLIC void
sysctr_template_info_free_array(struct sysctr_template_info *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++)
		sysctr_template_info_clear(&t[i]);
	free(t);
}

static int cmp_template(const void *a, const void *b)
{
	const struct sysctr_template_info *x = a, *y = b;

	return strcmp(x->name, y->name);
}

SYSCTR_PUBLIC int sysctr_templates_list(struct sysctr *s,
					struct sysctr_template_info **out,
					size_t *n, struct sysctr_error **err)
{
	cleanup_closedir DIR *d = opendir(s->templates_dir);
	struct sysctr_template_info *list = NULL;
	struct dirent *de;
	size_t count = 0;

	if (d == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "read templates directory %s",
				  s->templates_dir);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;
		struct sysctr_template_info info;
		struct sysctr_error *e = NULL;

		if (!sysctr_token_valid(de->d_name) ||
		    str_ends_with(de->d_name, ".md"))
			continue;
		path = xasprintf("%s/%s", s->templates_dir, de->d_name);
		if (access(path, X_OK) < 0 || is_dir(path))
			continue;
		if (sysctr_template_describe(s, de->d_name, path, &info, &e) <
		    0) {
			sysctr_log_warn_error(e, NULL);
			continue;
		}
		list = xrealloc(list, (count + 1) * sizeof(*list));
		list[count++] = info;
	}
	if (count > 0)
		qsort(list, count, sizeof(*list), cmp_template);
	*out = list;
	*n = count;
	return 0;
}

static void describe_kv(void *data, const char *key, const char *value)
{
	struct sysctr_template_info *t = data;
	char **slot = NULL;

	if (strcmp(key, "description") == 0)
		slot = &t->description;
	else if (strcmp(key, "default_release") == 0)
		slot = &t->default_release;
	else if (strcmp(key, "releases") == 0)
		slot = &t->releases;
	else if (strcmp(key, "mirror_default") == 0)
		slot = &t->mirror_default;
	else if (strcmp(key, "mirror") == 0)
		t->takes_mirror = strcmp(value, "no") != 0;
	else if (strcmp(key, "source") == 0)
		t->takes_source = strcmp(value, "yes") == 0;
	if (slot == NULL)
		return;
	free(*slot);
	*slot = xstrdup(value);
}

/* `TEMPLATE --describe` runs a shell script: about 2 ms, most of a create
 * from a cached image. Its answer is kept in IMAGES/.templates/NAME under
 * the script's size and mtime, and asked again when the script changes. */
static char *describe_run(struct sysctr *s, const char *name, const char *path,
			  struct sysctr_error **err)
{
	cleanup_free char *dir = xasprintf("%s/.templates", s->images_dir);
	cleanup_free char *cache = xasprintf("%s/%s", dir, name);
	cleanup_free char *cached = NULL, *stamp = NULL, *out = NULL;
	char *argv[] = { (char *)path, (char *)"--describe", NULL };
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	stamp = xasprintf("# %lld %lld.%09ld\n", (long long)st.st_size,
			  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	if (read_file(cache, &cached, NULL, NULL) == 0 &&
	    str_starts_with(cached, stamp))
		return xstrdup(cached + strlen(stamp));
	if (run_capture(argv, &out, err) < 0) {
		sysctr_err_prefix(err, "template %s: --describe", name);
		return NULL;
	}
	free(cached);
	cached = xasprintf("%s%s", stamp, out);
	/* Only below an images directory that exists: creating it here
	 * would give it the wrong mode. */
	if ((mkdir(dir, 0700) == 0 || errno == EEXIST) &&
	    write_file_replace(cache, cached, strlen(cached), 0600, NULL) < 0)
		log_debug("cannot cache %s --describe", name);
	return steal_ptr(&out);
}

int sysctr_template_describe(struct sysctr *s, const char *name,
			     const char *path, struct sysctr_template_info *out,
			     struct sysctr_error **err)
{
	cleanup_free char *text = describe_run(s, name, path, err);

	if (text == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->name = xstrdup(name);
	out->path = xstrdup(path);
	/* A template that does not say may download: it gets the mirror,
	 * as every template did before templates said. */
	out->takes_mirror = true;
	sysctr_template_parse_kv(text, describe_kv, out);
	return 0;
}
