/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
#include "image.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "util.h"

/* A template may run for many minutes (debootstrap); a second create of the
 * same image waits for the first instead of failing. */
#define IMAGE_LOCK_WAIT (60 * 60)

void sysctr_image_meta_clear(struct sysctr_image_meta *m)
{
	free(m->release);
	free(m->arch);
	free(m->init);
	free(m->halt_signal);
	free(m->lxc_common);
	memset(m, 0, sizeof(*m));
}

/* key=value lines; unknown keys are ignored so templates can grow. */
static void parse_kv(char *text, void (*fn)(void *, const char *, const char *),
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

static void meta_kv(void *data, const char *key, const char *value)
{
	struct sysctr_image_meta *m = data;
	char **slot = NULL;

	if (strcmp(key, "release") == 0)
		slot = &m->release;
	else if (strcmp(key, "arch") == 0)
		slot = &m->arch;
	else if (strcmp(key, "init") == 0)
		slot = &m->init;
	else if (strcmp(key, "halt_signal") == 0)
		slot = &m->halt_signal;
	else if (strcmp(key, "lxc_common") == 0)
		slot = &m->lxc_common;
	if (slot == NULL)
		return;
	free(*slot);
	*slot = xstrdup(value);
}

static int meta_read(const char *path, struct sysctr_image_meta *m,
		     struct sysctr_error **err)
{
	cleanup_free char *text = NULL;

	if (read_file(path, &text, NULL, err) < 0)
		return -1;
	parse_kv(text, meta_kv, m);
	/* The template's word goes into liblxc's config: only plain tokens. */
	if (m->lxc_common != NULL && !sysctr_token_valid(m->lxc_common))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: invalid lxc_common '%s'", path,
				  m->lxc_common);
	if (m->halt_signal != NULL &&
	    strspn(m->halt_signal, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") !=
		strlen(m->halt_signal))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: invalid halt_signal", path);
	return 0;
}

int sysctr_image_meta_load(const char *image_dir, struct sysctr_image_meta *m,
			   struct sysctr_error **err)
{
	cleanup_free char *path = xasprintf("%s/meta", image_dir);

	return meta_read(path, m, err);
}

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

int sysctr_template_path(struct sysctr *s, const char *template, char **path,
			 struct sysctr_error **err)
{
	cleanup_free char *p = NULL;

	if (!sysctr_token_valid(template))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid template name");
	p = xasprintf("%s/%s", s->templates_dir, template);
	if (access(p, X_OK) < 0)
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

/* Run a template to completion; output as described for output_line(). */
static int run_template(struct sysctr *s, const char *path, char *const argv[],
			const char *log_path, struct sysctr_error **err)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt }, old[3];
	cleanup_fclose FILE *log = NULL;
	struct run_output o = { .s = s };
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
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

static void template_info_clear(struct sysctr_template_info *t)
{
	free(t->name);
	free(t->path);
	free(t->description);
	free(t->default_release);
	free(t->releases);
	memset(t, 0, sizeof(*t));
}

SYSCTR_PUBLIC void
sysctr_template_info_free_array(struct sysctr_template_info *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++)
		template_info_clear(&t[i]);
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
	parse_kv(text, describe_kv, out);
	return 0;
}

/* Leftovers of builds that a killed sysctr left behind; we hold the image
 * lock, so nobody else is using them. */
static void remove_stale_builds(struct sysctr *s, const char *prefix)
{
	cleanup_closedir DIR *d = opendir(s->images_dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *p = NULL;

		if (!str_starts_with(de->d_name, prefix))
			continue;
		p = xasprintf("%s/%s", s->images_dir, de->d_name);
		log_info("removing %s, left by an interrupted build", p);
		rm_rf_or_warn(p, "remove stale build");
	}
}

/* A content hash of the image's rootfs: SHA-256 of a tar stream of it in
 * name order with numeric owners, so the same tree hashes the same. Two
 * children of ours rather than a shell pipeline: both die with sysctr. */
static char *tree_hash(const char *rootfs, struct sysctr_error **err)
{
	char *tar[] = { (char *)"/bin/tar",
			(char *)"--sort=name",
			(char *)"--numeric-owner",
			(char *)"--xattrs",
			(char *)"-C",
			(char *)rootfs,
			(char *)"-cf",
			(char *)"-",
			(char *)".",
			NULL };
	char *sum[] = { (char *)"/usr/bin/sha256sum", NULL };
	char *out = NULL;

	if (run_pipe(tar, sum, &out, err) < 0)
		return NULL;
	out[strcspn(out, " \n")] = '\0';
	if (strlen(out) != 64) {
		free(out);
		sysctr_err(err, SYSCTR_E_FAILED, 0, "hash of %s failed",
			   rootfs);
		return NULL;
	}
	return out;
}

/* KEY.CREATED, or KEY.CREATED.N when a refresh in the same second made one
 * already. */
static char *final_name(struct sysctr *s, const char *key, int64_t created)
{
	char *p =
	    xasprintf("%s/%s.%lld", s->images_dir, key, (long long)created);

	for (int n = 2; path_exists(p); n++) {
		free(p);
		p = xasprintf("%s/%s.%lld.%d", s->images_dir, key,
			      (long long)created, n);
	}
	return p;
}

static int build_image(struct sysctr *s, const struct sysctr_image_request *req,
		       const char *tpath, const char *release, const char *arch,
		       struct sysctr_image_row *out, struct sysctr_error **err)
{
	const char *template = req->template, *source = req->source;
	cleanup_free char *key = xasprintf("%s-%s-%s", template, release, arch);
	cleanup_free char *stale = xasprintf(".build-%s.", key);
	cleanup_free char *tmp =
	    xasprintf("%s/.build-%s.XXXXXX", s->images_dir, key);
	cleanup_free char *final = NULL, *rootfs = NULL, *meta_path = NULL;
	cleanup_free char *cache = xasprintf("%s/.cache", s->images_dir);
	cleanup_free char *log_path =
	    xasprintf("%s/template-%s.log", s->logs_dir, key);
	const char *mirror = "";
	struct sysctr_image_meta meta = { 0 };
	int64_t created = now_realtime();

	remove_stale_builds(s, stale);
	if (mkdtemp(tmp) == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  tmp);
	chmod(tmp, 0711);
	rootfs = xasprintf("%s/rootfs", tmp);
	meta_path = xasprintf("%s/meta", tmp);
	if (mkdir(rootfs, 0755) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s", rootfs);
		goto undo_tmp;
	}
	if (mkdir_p(cache, 0700, err) < 0)
		goto undo_tmp;
	if (req->mirror != NULL && req->mirror[0] != '\0')
		mirror = req->mirror;
	else if (strcmp(template, "debian") == 0)
		mirror = s->cfg->mirrors.debian;
	else if (strcmp(template, "ubuntu") == 0)
		mirror = s->cfg->mirrors.ubuntu;
	else if (strcmp(template, "alpine") == 0)
		mirror = s->cfg->mirrors.alpine;

	{
		char *argv[] = {
			(char *)tpath, "--name",    (char *)key,     "--rootfs",
			rootfs,	       "--release", (char *)release, "--arch",
			(char *)arch,  "--mirror",  (char *)mirror,  "--cache",
			cache,	       "--meta",    meta_path,	     NULL,
			NULL,	       NULL
		};

		if (source != NULL) {
			argv[ARRAY_SIZE(argv) - 3] = (char *)"--source";
			argv[ARRAY_SIZE(argv) - 2] = (char *)source;
		}

		log_info("building image %s with template %s", key, tpath);
		if (run_template(s, tpath, argv, log_path, err) < 0) {
			sysctr_err_prefix(err, "template %s", template);
			goto undo_tmp;
		}
	}
	if (meta_read(meta_path, &meta, err) < 0) {
		sysctr_err_prefix(err, "template %s", template);
		goto undo_tmp;
	}
	sysctr_progress(s, "hash the image", 0, 0);
	out->hash = tree_hash(rootfs, err);
	if (out->hash == NULL)
		goto undo_tmp;

	final = final_name(s, key, created);
	if (rename(tmp, final) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tmp;
	}
	out->template = xstrdup(template);
	out->release = xstrdup(release);
	out->arch = xstrdup(arch);
	out->path = xstrdup(final);
	out->created = created;
	out->size = tree_size(final);
	out->init = xstrdup_or_null(meta.init);
	if (sysctr_store_image_insert(s->store, out, err) < 0) {
		rm_rf_or_warn(final, "remove image");
		sysctr_image_row_clear(out);
		goto undo_meta;
	}
	sysctr_image_meta_clear(&meta);
	return 0;

undo_tmp:
	/* debootstrap mounts proc and sys inside its target: rm_rf()
	 * detaches them first. */
	rm_rf_or_warn(tmp, "remove failed build");
undo_meta:
	sysctr_image_meta_clear(&meta);
	sysctr_image_row_clear(out);
	return -1;
}

/* The images directory may be shared by several registries (roots); its
 * locks live in it, not in one root's lock directory. */
static int image_lock(struct sysctr *s, const char *key,
		      struct sysctr_error **err)
{
	cleanup_free char *dir = xasprintf("%s/.locks", s->images_dir);
	cleanup_free char *path = xasprintf("%s/%s.lock", dir, key);

	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	return sysctr_lock_path(path, IMAGE_LOCK_WAIT, err);
}

int sysctr_image_lock(struct sysctr *s, const char *image_dir,
		      struct sysctr_error **err)
{
	const char *slash = strrchr(image_dir, '/');
	cleanup_free char *key =
	    xasprintf("dir-%s", slash ? slash + 1 : image_dir);

	return image_lock(s, key, err);
}

/* A finished image in the directory that this registry does not know
 * (the registry is new, or shares the images directory with another):
 * register the newest instead of building again. 1 if adopted. */
static int adopt_image(struct sysctr *s, const char *template,
		       const char *release, const char *arch,
		       struct sysctr_image_row *out, struct sysctr_error **err)
{
	cleanup_free char *prefix =
	    xasprintf("%s-%s-%s.", template, release, arch);
	cleanup_free char *best = NULL;
	cleanup_closedir DIR *d = opendir(s->images_dir);
	struct sysctr_image_meta meta = { 0 };
	struct dirent *de;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *meta_path = NULL;

		if (!str_starts_with(de->d_name, prefix))
			continue;
		meta_path = xasprintf("%s/%s/meta", s->images_dir, de->d_name);
		if (!path_exists(meta_path))
			continue;
		if (best == NULL || strcmp(de->d_name, best) > 0) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	if (best == NULL)
		return 0;
	out->path = xasprintf("%s/%s", s->images_dir, best);
	if (sysctr_image_meta_load(out->path, &meta, err) < 0) {
		sysctr_image_row_clear(out);
		return -1;
	}
	out->template = xstrdup(template);
	out->release = xstrdup(release);
	out->arch = xstrdup(arch);
	out->created = strtoll(best + strlen(prefix), NULL, 10);
	out->size = tree_size(out->path);
	out->init = xstrdup_or_null(meta.init);
	sysctr_image_meta_clear(&meta);
	log_info("registering cached image %s", out->path);
	if (sysctr_store_image_insert(s->store, out, err) < 0) {
		sysctr_image_row_clear(out);
		return -1;
	}
	return 1;
}

/* The release to build: given, the template's default, or for local the
 * content id of the tarball, so the same tarball is imported once. */
static int resolve_release(struct sysctr *s,
			   const struct sysctr_image_request *req,
			   const char *tpath, char **release,
			   struct sysctr_error **err)
{
	struct sysctr_template_info info = { 0 };
	char *sum = NULL;

	if (req->release != NULL && req->release[0] != '\0') {
		*release = xstrdup(req->release);
	} else if (req->source != NULL) {
		char *argv[] = { (char *)"/usr/bin/sha256sum", (char *)"--",
				 (char *)req->source, NULL };

		if (run_capture(argv, &sum, err) < 0)
			return sysctr_err_prefix(err, "hash %s", req->source);
		sum[12] = '\0';
		*release = xasprintf("sha256-%s", sum);
		free(sum);
	} else {
		if (sysctr_template_describe(s, req->template, tpath, &info,
					     err) < 0)
			return -1;
		*release = steal_ptr(&info.default_release);
		template_info_clear(&info);
		if (*release == NULL || (*release)[0] == '\0') {
			free(steal_ptr(release));
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "template %s names no default "
					  "release",
					  req->template);
		}
	}
	if (!sysctr_token_valid(*release)) {
		sysctr_err(err, SYSCTR_E_USAGE, 0, "invalid release '%s'",
			   *release);
		free(steal_ptr(release));
		return -1;
	}
	return 0;
}

/* --from belongs to the local template, and local needs it. */
static int check_source(const struct sysctr_image_request *req,
			struct sysctr_error **err)
{
	struct stat st;
	bool local = strcmp(req->template, "local") == 0;

	if (req->source == NULL && local)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "the local template needs --from FILE");
	if (req->source == NULL)
		return 0;
	if (!local)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from is for the local template only");
	if (req->source[0] != '/')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from %s: needs an absolute path",
				  req->source);
	if (stat(req->source, &st) < 0)
		return sysctr_err(
		    err, errno == ENOENT ? SYSCTR_E_NOT_FOUND : SYSCTR_E_FAILED,
		    errno, "--from %s", req->source);
	if (!S_ISREG(st.st_mode))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "--from %s: not a regular file", req->source);
	return 0;
}

/* The registered image of the key, if its directory is there: 1 found,
 * 0 not, -1 error. A row whose directory an admin removed by hand is
 * forgotten (unless containers still use it: then that is the error). */
static int find_registered(struct sysctr *s, const char *template,
			   const char *release, const char *arch,
			   struct sysctr_image_row *out,
			   struct sysctr_error **err)
{
	cleanup_error struct sysctr_error *e = NULL;

	if (sysctr_store_image_find(s->store, template, release, arch, out,
				    &e) < 0) {
		if (e->kind == SYSCTR_E_NOT_FOUND)
			return 0;
		*err = steal_ptr(&e);
		return -1;
	}
	if (is_dir(out->path))
		return 1;
	log_warn("image %s %s %s is registered but %s is missing", template,
		 release, arch, out->path);
	if (sysctr_store_image_delete(s->store, out->id, err) < 0) {
		sysctr_image_row_clear(out);
		return -1;
	}
	sysctr_image_row_clear(out);
	return 0;
}

int sysctr_image_ensure(struct sysctr *s,
			const struct sysctr_image_request *req,
			struct sysctr_image_row *out, struct sysctr_error **err)
{
	cleanup_free char *tpath = NULL, *lock_key = NULL, *release = NULL;
	cleanup_lock int lock = -1;
	const char *arch = req->arch;
	int ret;

	memset(out, 0, sizeof(*out));
	if (sysctr_template_path(s, req->template, &tpath, err) < 0 ||
	    check_source(req, err) < 0)
		return -1;
	if (arch == NULL || arch[0] == '\0')
		arch = sysctr_host_arch();
	if (!sysctr_token_valid(arch))
		return sysctr_err(err, SYSCTR_E_USAGE, 0, "invalid arch '%s'",
				  arch);
	if (resolve_release(s, req, tpath, &release, err) < 0)
		return -1;

	if (!req->refresh) {
		ret =
		    find_registered(s, req->template, release, arch, out, err);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	lock_key = xasprintf("%s-%s-%s", req->template, release, arch);
	lock = image_lock(s, lock_key, err);
	if (lock < 0)
		return -1;
	if (!req->refresh) {
		/* Somebody may have built it while we waited, or it is in the
		 * directory from another registry. */
		ret =
		    find_registered(s, req->template, release, arch, out, err);
		if (ret == 0)
			ret = adopt_image(s, req->template, release, arch, out,
					  err);
		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	return build_image(s, req, tpath, release, arch, out, err);
}
