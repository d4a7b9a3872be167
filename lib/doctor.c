/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr doctor` (doctor.h): the run, and the checks of the registry and
 * of what it names: its integrity, rows without their files, files
 * without rows, mounts and lock files left behind. The fixes reuse the
 * code paths that make the same repair elsewhere (destroy of a leftover
 * name). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "container.h"
#include "doctor.h"
#include "error.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "util.h"

/* ---- 11. the registry ---------------------------------------------------- */

static void check_registry(struct doctor *d, const struct sysctr_error *open)
{
	const char *db = d->s->db_path;
	cleanup_error struct sysctr_error *e = NULL;
	cleanup_strv char **problems = NULL;
	cleanup_free char *text = NULL;
	/* SQLite's own rescue; sysctr does not guess which rows to keep */
	cleanup_free char *rescue = xasprintf(
	    "while no sysctr runs, keep a copy of it and rescue what SQLite "
	    "can read: sqlite3 %s .recover | sqlite3 %s.new; check that, "
	    "then put it in its place",
	    db, db);
	int version = 0;

	if (open != NULL) {
		sysctr_doctor_add(d->r, "registry", SYSCTR_DOCTOR_FAIL, rescue,
				  "%s", open->msg);
		return;
	}
	if (sysctr_store_check(d->s->store, 5, &problems, &version, &e) < 0) {
		sysctr_doctor_add(d->r, "registry", SYSCTR_DOCTOR_FAIL, rescue,
				  "%s: the integrity check fails: %s", db,
				  e->msg);
		return;
	}
	if (problems[0] != NULL) {
		text = strv_join(problems, "; ");
		sysctr_doctor_add(d->r, "registry", SYSCTR_DOCTOR_FAIL, rescue,
				  "%s is damaged: %s%s", d->s->db_path, text,
				  strv_length(problems) >= 5 ? "; ..." : "");
		return;
	}
	if (version != sysctr_store_schema_version()) {
		sysctr_doctor_add(d->r, "registry", SYSCTR_DOCTOR_FAIL,
				  "use the sysctr that wrote it",
				  "%s: schema version %d, this sysctr's is %d",
				  d->s->db_path, version,
				  sysctr_store_schema_version());
		return;
	}
	sysctr_doctor_add(d->r, "registry", SYSCTR_DOCTOR_OK, NULL,
			  "%s: integrity ok, schema version %d (current)",
			  d->s->db_path, version);
}

/* The registered names; NULL (logged) when they cannot be read. */
static char **registered(struct doctor *d)
{
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_error *e = NULL;
	char **names;
	size_t n = 0;

	if (sysctr_store_ct_list(d->s->store, &rows, &n, &e) < 0) {
		sysctr_log_warn_error(e, "doctor: read the registry");
		return NULL;
	}
	names = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		strv_push(&names, rows[i].name);
	sysctr_ct_rows_free(rows, n);
	return names;
}

static void not_checked(struct doctor *d, const char *name)
{
	sysctr_doctor_add(d->r, name, SYSCTR_DOCTOR_WARN,
			  "see the registry check",
			  "not checked: the registry cannot be read");
}

/* ---- 12. rows without files, files without rows ------------------------- */

static void check_rows(struct doctor *d)
{
	cleanup_strv char **names = registered(d);
	cleanup_strv char **bad = xcalloc(1, sizeof(char *));
	cleanup_strv char **fixes = xcalloc(1, sizeof(char *));
	cleanup_free char *text = NULL, *hint = NULL;

	if (names == NULL) {
		not_checked(d, "rows");
		return;
	}
	for (size_t i = 0; names[i] != NULL; i++) {
		cleanup_free char *dir = sysctr_ct_dir(d->s, names[i]);
		cleanup_free char *conf = sysctr_ct_conf_path(d->s, names[i]);
		cleanup_free char *what = NULL, *fix = NULL;

		if (is_dir(dir) && path_exists(conf))
			continue;
		what = xasprintf("%s (no %s)", names[i],
				 is_dir(dir) ? "container.conf" : "directory");
		fix = xasprintf("sysctr destroy -f %s", names[i]);
		strv_push(&bad, what);
		strv_push(&fixes, fix);
	}
	if (bad[0] == NULL) {
		sysctr_doctor_add(d->r, "rows", SYSCTR_DOCTOR_OK, NULL,
				  "each registered container (%zu) has its "
				  "directory and container.conf",
				  strv_length(names));
		return;
	}
	text = strv_join(bad, ", ");
	hint = strv_join(fixes, "; ");
	sysctr_doctor_add(d->r, "rows", SYSCTR_DOCTOR_FAIL, hint,
			  "registered, but their files are gone: %s", text);
}

static void check_leftovers(struct doctor *d)
{
	cleanup_error struct sysctr_error *e = NULL;
	cleanup_strv char **names = NULL;
	cleanup_strv char **done = xcalloc(1, sizeof(char *));
	cleanup_strv char **failed = xcalloc(1, sizeof(char *));
	cleanup_free char *text = NULL, *not_done = NULL;

	if (sysctr_ct_leftovers(d->s, &names, &e) < 0) {
		sysctr_doctor_add(d->r, "leftovers", SYSCTR_DOCTOR_WARN, NULL,
				  "not checked: %s", e->msg);
		return;
	}
	if (names[0] == NULL) {
		sysctr_doctor_add(d->r, "leftovers", SYSCTR_DOCTOR_OK, NULL,
				  "no container directory without a registry "
				  "row");
		return;
	}
	text = strv_join(names, ", ");
	if (!d->fix) {
		sysctr_doctor_add(d->r, "leftovers", SYSCTR_DOCTOR_WARN,
				  "sysctr doctor --fix removes them, as sysctr "
				  "destroy NAME does",
				  "directories without a registry row (of a "
				  "destroy or create that could not finish): "
				  "%s",
				  text);
		return;
	}
	/* destroy of a name without a row removes what is left of it,
	 * under its lock, and records it in the history */
	for (size_t i = 0; names[i] != NULL; i++) {
		cleanup_error struct sysctr_error *de = NULL;
		cleanup_free char *why = NULL;

		if (sysctr_ct_destroy(d->s, names[i], false, &de) == 0) {
			strv_push(&done, names[i]);
			continue;
		}
		why = xasprintf("%s: %s", names[i], de->msg);
		strv_push(&failed, why);
	}
	free(text);
	text = strv_join(done, ", ");
	if (failed[0] == NULL) {
		sysctr_doctor_add(d->r, "leftovers", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: removed the leftover directories of "
				  "%s (as sysctr destroy does)",
				  text);
		return;
	}
	not_done = strv_join(failed, "; ");
	sysctr_doctor_add(d->r, "leftovers", SYSCTR_DOCTOR_WARN,
			  "sysctr destroy NAME says why, and finishes what it "
			  "can",
			  "%s%s%scould not remove %s",
			  done[0] ? "removed " : "", text, done[0] ? "; " : "",
			  not_done);
}

/* What a repair could not do to what, and why (errno), for the report. */
static void push_failure(char ***failed, const char *what)
{
	cleanup_free char *why = xasprintf("%s: %s", what, strerror(errno));

	strv_push(failed, why);
}

/* ---- 13. mounts left behind ---------------------------------------------- */

static void check_mounts(struct doctor *d)
{
	cleanup_free char *info = NULL, *locks = xstrdup(d->s->locks_dir);
	cleanup_free char *cts = realpath(d->s->containers_dir, NULL);
	cleanup_free char *run = realpath(dirname(locks), NULL);
	cleanup_strv char **running = sysctr_ct_active_names(d->s);
	cleanup_strv char **stale = NULL, **failed = NULL;
	cleanup_free char *text = NULL, *not_done = NULL;
	char *dirs[3] = { NULL, NULL, NULL };
	size_t n = 0;

	if (cts != NULL)
		dirs[n++] = cts;
	if (run != NULL)
		dirs[n++] = run;
	if (read_file("/proc/self/mountinfo", &info, NULL, NULL) < 0) {
		sysctr_doctor_add(d->r, "mounts", SYSCTR_DOCTOR_WARN, NULL,
				  "not checked: cannot read "
				  "/proc/self/mountinfo");
		return;
	}
	stale = sysctr_doctor_stale_mounts(info, dirs, cts ? cts : "", running);
	if (stale[0] == NULL) {
		sysctr_doctor_add(
		    d->r, "mounts", SYSCTR_DOCTOR_OK, NULL,
		    "no mount below %s or %s but those of running "
		    "containers",
		    d->s->containers_dir, run ? run : "/run");
		return;
	}
	text = strv_join(stale, ", ");
	if (!d->fix) {
		sysctr_doctor_add(d->r, "mounts", SYSCTR_DOCTOR_WARN,
				  "sysctr doctor --fix detaches them (umount "
				  "-l), deepest first",
				  "mounts that belong to no running container: "
				  "%s",
				  text);
		return;
	}
	failed = xcalloc(1, sizeof(char *));
	for (size_t i = 0; stale[i] != NULL; i++) {
		if (umount2(stale[i], MNT_DETACH) < 0 && errno != EINVAL)
			push_failure(&failed, stale[i]);
	}
	if (failed[0] == NULL) {
		sysctr_doctor_add(d->r, "mounts", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: detached %s", text);
		return;
	}
	not_done = strv_join(failed, "; ");
	sysctr_doctor_add(d->r, "mounts", SYSCTR_DOCTOR_WARN,
			  "umount -l each, and see what holds it (fuser -m)",
			  "could not detach %s", not_done);
}

/* ---- 14. cgroups left behind --------------------------------------------- */

/* A cgroup and the ones below it, deepest first; rmdir takes only what no
 * process is in. */
static int cgroup_remove(const char *path)
{
	cleanup_closedir DIR *dir = opendir(path);
	struct dirent *de;

	while (dir != NULL && (de = readdir(dir)) != NULL) {
		cleanup_free char *sub = NULL;

		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (cgroup_remove(sub) < 0)
			return -1;
	}
	return rmdir(path);
}

/* Does a process live in the cgroup itself (a container of that name
 * that another tool runs, from another lxcpath)? */
static bool cgroup_in_use(const char *path)
{
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", path);
	cleanup_free char *text = NULL;

	return read_file(procs, &text, NULL, NULL) == 0 && text[0] != '\0';
}

/* liblxc's lxc.monitor.NAME and lxc.payload.NAME of stopped containers: a
 * sysctr before 2026-12 stayed in the monitor's cgroup after a start that
 * it outlived (start --wait, autostart), so the monitor could not remove
 * it at the stop. Thousands of them make every start slow. */
static void check_cgroups(struct doctor *d)
{
	cleanup_free char *info = NULL, *text = NULL, *not_done = NULL;
	cleanup_strv char **roots = NULL, **names = registered(d);
	cleanup_strv char **running = sysctr_ct_active_names(d->s);
	cleanup_strv char **stale = xcalloc(1, sizeof(char *));
	cleanup_strv char **failed = xcalloc(1, sizeof(char *));
	size_t done = 0;

	if (names == NULL) {
		not_checked(d, "cgroups");
		return;
	}
	if (read_file("/proc/self/mountinfo", &info, NULL, NULL) < 0) {
		sysctr_doctor_add(d->r, "cgroups", SYSCTR_DOCTOR_WARN, NULL,
				  "not checked: cannot read "
				  "/proc/self/mountinfo");
		return;
	}
	roots = sysctr_doctor_cgroup_roots(info);
	for (size_t i = 0; roots[i] != NULL; i++) {
		cleanup_closedir DIR *dir = opendir(roots[i]);
		struct dirent *de;

		while (dir != NULL && (de = readdir(dir)) != NULL)
			if (de->d_type == DT_DIR &&
			    sysctr_doctor_cgroup_stale(de->d_name, names,
						       running)) {
				cleanup_free char *p =
				    xasprintf("%s/%s", roots[i], de->d_name);

				if (!cgroup_in_use(p))
					strv_push(&stale, p);
			}
	}
	if (stale[0] == NULL) {
		sysctr_doctor_add(d->r, "cgroups", SYSCTR_DOCTOR_OK, NULL,
				  "no liblxc cgroup of a stopped container is "
				  "left behind");
		return;
	}
	text = xasprintf("%zu liblxc cgroups of stopped containers (%s%s)",
			 strv_length(stale), stale[0], stale[1] ? ", ..." : "");
	if (!d->fix) {
		sysctr_doctor_add(d->r, "cgroups", SYSCTR_DOCTOR_WARN,
				  "sysctr doctor --fix removes them (rmdir: "
				  "only empty ones go)",
				  "left behind: %s; many of them slow every "
				  "start down",
				  text);
		return;
	}
	for (size_t i = 0; stale[i] != NULL; i++) {
		if (cgroup_remove(stale[i]) == 0) {
			done++;
			continue;
		}
		if (strv_length(failed) < 3)
			push_failure(&failed, stale[i]);
	}
	if (done == strv_length(stale)) {
		sysctr_doctor_add(d->r, "cgroups", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: removed %s", text);
		return;
	}
	not_done = strv_join(failed, "; ");
	sysctr_doctor_add(d->r, "cgroups", SYSCTR_DOCTOR_WARN,
			  "a process is still in each: see its cgroup.procs",
			  "removed %zu of %s; could not remove %s", done, text,
			  not_done);
}

/* ---- 15. lock files left behind ----------------------------------------- */

static void check_locks(struct doctor *d)
{
	cleanup_strv char **keys = sysctr_lock_keys(d->s);
	cleanup_strv char **names = registered(d);
	cleanup_strv char **leftovers = NULL;
	cleanup_strv char **stale = xcalloc(1, sizeof(char *));
	cleanup_error struct sysctr_error *e = NULL;
	cleanup_free char *text = NULL;
	size_t held = 0;

	if (names == NULL) {
		not_checked(d, "locks");
		return;
	}
	if (sysctr_ct_leftovers(d->s, &leftovers, &e) < 0) {
		sysctr_doctor_add(d->r, "locks", SYSCTR_DOCTOR_WARN, NULL,
				  "not checked: %s", e->msg);
		return;
	}
	for (size_t i = 0; keys[i] != NULL; i++) {
		cleanup_error struct sysctr_error *le = NULL;
		int ret;

		if (strv_contains(names, keys[i]) ||
		    strv_contains(leftovers, keys[i]))
			continue;
		/* held: a command on the name is at work (a create) */
		ret = sysctr_lock_free(d->s, keys[i], d->fix, &le);
		if (ret == 0)
			held++;
		else if (ret > 0)
			strv_push(&stale, keys[i]);
		else
			sysctr_log_warn_error(steal_ptr(&le), "doctor");
	}
	if (stale[0] == NULL) {
		sysctr_doctor_add(d->r, "locks", SYSCTR_DOCTOR_OK, NULL,
				  "no lock file of a name that is gone (%zu "
				  "lock files, %zu of other names held now)",
				  strv_length(keys), held);
		return;
	}
	text = strv_join(stale, ", ");
	if (d->fix)
		sysctr_doctor_add(d->r, "locks", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: removed the lock files of %s in %s "
				  "(no process held them)",
				  text, d->s->locks_dir);
	else
		sysctr_doctor_add(d->r, "locks", SYSCTR_DOCTOR_WARN,
				  "sysctr doctor --fix removes those no "
				  "process holds",
				  "lock files in %s of names that are neither "
				  "registered nor leftovers: %s",
				  d->s->locks_dir, text);
}

/* ---- 16. unfinished copies in the image store ---------------------------- */

static void check_image_scraps(struct doctor *d)
{
	cleanup_strv char **scraps = NULL;
	cleanup_strv char **failed = xcalloc(1, sizeof(char *));
	cleanup_error struct sysctr_error *e = NULL;
	cleanup_free char *text = NULL, *not_done = NULL;

	if (sysctr_image_scraps(d->s, &scraps, &e) < 0) {
		sysctr_doctor_add(d->r, "images", SYSCTR_DOCTOR_WARN, NULL,
				  "not checked: %s", e->msg);
		return;
	}
	if (scraps[0] == NULL) {
		sysctr_doctor_add(d->r, "images", SYSCTR_DOCTOR_OK, NULL,
				  "no unfinished copy of an image's rootfs "
				  "in %s",
				  d->s->images_dir);
		return;
	}
	text = strv_join(scraps, ", ");
	if (!d->fix) {
		sysctr_doctor_add(
		    d->r, "images", SYSCTR_DOCTOR_WARN,
		    "sysctr doctor --fix removes them (the next "
		    "use of each image does too)",
		    "unfinished copies of an image's rootfs (of a "
		    "sysctr killed while it made one): %s",
		    text);
		return;
	}
	for (size_t i = 0; scraps[i] != NULL; i++) {
		cleanup_error struct sysctr_error *re = NULL;
		cleanup_free char *why = NULL;

		if (sysctr_image_scrap_remove(d->s, scraps[i], &re) == 0)
			continue;
		why = xasprintf("%s: %s", scraps[i], re->msg);
		strv_push(&failed, why);
	}
	if (failed[0] == NULL) {
		sysctr_doctor_add(d->r, "images", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: removed %s", text);
		return;
	}
	not_done = strv_join(failed, "; ");
	sysctr_doctor_add(d->r, "images", SYSCTR_DOCTOR_WARN,
			  "a sysctr at work on the image holds its lock: "
			  "try again when it is done",
			  "could not remove %s", not_done);
}

/* ---- the run ------------------------------------------------------------- */

SYSCTR_PUBLIC int sysctr_doctor(struct sysctr *s, bool fix,
				struct sysctr_doctor_report *out,
				struct sysctr_error **err)
{
	struct doctor d = { .s = s, .fix = fix, .r = out };
	cleanup_error struct sysctr_error *open = NULL;

	memset(out, 0, sizeof(*out));
	/* A registry that another sysctr holds is no finding: say busy as
	 * every command does. One that cannot be opened is the registry
	 * check's failure, and the checks that need it say so. */
	if (sysctr_open_store(s, &open) < 0 && open->kind == SYSCTR_E_BUSY)
		return sysctr_err_pass(err, &open);
	d.store_ok = open == NULL;

	sysctr_doctor_userns(&d);
	sysctr_doctor_subid(&d);
	sysctr_doctor_cgroup(&d);
	sysctr_doctor_overlay(&d);
	sysctr_doctor_liblxc(&d);
	sysctr_doctor_paths(&d);
	sysctr_doctor_apparmor(&d);
	sysctr_doctor_network(&d);
	sysctr_doctor_space(&d);
	sysctr_doctor_inotify(&d);
	check_registry(&d, open);
	if (d.store_ok) {
		check_rows(&d);
		check_leftovers(&d);
	} else {
		not_checked(&d, "rows");
		not_checked(&d, "leftovers");
	}
	check_mounts(&d);
	if (d.store_ok) {
		check_cgroups(&d);
		check_locks(&d);
	} else {
		not_checked(&d, "cgroups");
		not_checked(&d, "locks");
	}
	check_image_scraps(&d);
	return 0;
}
