/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* doctor's checks of the host (doctor.h): what the kernel allows, what is
 * installed, and what a container's start will need of them. Each reads
 * the host itself, the way the code that needs the thing does; the fixes
 * are the ones sysctr makes elsewhere (sysctr_idmap_reserve(),
 * sysctr_net_up()) or a runtime knob (inotify). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-limits.h"
#include "doctor.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "log.h"
#include "lxcconf.h"
#include "network.h"
#include "reach.h"
#include "util.h"

/* Wait for the child pid; its exit status, or -1. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- 1. user namespaces ------------------------------------------------ */

/* Whether this process may make a user namespace, tried in a child: 0,
 * or the errno unshare() gave (a chroot, a seccomp filter). */
static int try_userns(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (die_with_parent(parent, SIGKILL) < 0)
			_exit(EINVAL);
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	}
	pid = reap(pid);
	return pid < 0 ? EINVAL : pid;
}

void sysctr_doctor_userns(struct doctor *d)
{
	cleanup_free char *max = NULL, *clone = NULL, *note = NULL;
	long n;
	int e;

	if (read_file("/proc/sys/user/max_user_namespaces", &max, NULL, NULL) <
	    0) {
		sysctr_doctor_add(d->r, "userns", SYSCTR_DOCTOR_FAIL,
				  "boot a kernel built with user namespaces "
				  "(CONFIG_USER_NS)",
				  "this kernel has no user namespaces (no "
				  "/proc/sys/user/max_user_namespaces)");
		return;
	}
	n = strtol(max, NULL, 10);
	if (n <= 0) {
		sysctr_doctor_add(
		    d->r, "userns", SYSCTR_DOCTOR_FAIL,
		    "sysctl -w user.max_user_namespaces=15000, and set it in "
		    "/etc/sysctl.d/ to keep it",
		    "user.max_user_namespaces is %ld: unprivileged containers "
		    "cannot start",
		    n);
		return;
	}
	e = try_userns();
	if (e != 0) {
		sysctr_doctor_add(d->r, "userns", SYSCTR_DOCTOR_FAIL,
				  "the kernel refuses user namespaces to a "
				  "chrooted process and where a seccomp "
				  "filter forbids them: run sysctr on the "
				  "host, or enter a root with pivot_root "
				  "rather than chroot",
				  "user.max_user_namespaces is %ld, but "
				  "making one fails: %s",
				  n, strerror(e));
		return;
	}
	/* Debian's knob: it limits users other than root, and sysctr runs
	 * as root, so it is said and never a warning */
	if (read_file("/proc/sys/kernel/unprivileged_userns_clone", &clone,
		      NULL, NULL) == 0)
		note = xasprintf("; kernel.unprivileged_userns_clone = %ld "
				 "(for users other than root only)",
				 strtol(clone, NULL, 10));
	sysctr_doctor_add(d->r, "userns", SYSCTR_DOCTOR_OK, NULL,
			  "allowed (user.max_user_namespaces = %ld%s)", n,
			  note ? note : "");
}

/* ---- 2. root's subordinate ids ----------------------------------------- */

void sysctr_doctor_subid(struct doctor *d)
{
	/* where sysctr_idmap_reserve() looks: the host's files, never
	 * below --root */
	static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
	static const char *const names[] = { "subuid", "subgid" };
	long long base = d->s->cfg->idmap.base, size = d->s->cfg->idmap.size;
	cleanup_error struct sysctr_error *reserve_err = NULL;
	struct sysctr_error *bad[2] = { NULL, NULL };
	bool has[2] = { false, false }, reserved = false;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		sysctr_idmap_subid_check(files[i], base, size, &has[i],
					 &bad[i]);
	/* the one writer of these files, for both at once; it refuses
	 * when another user's range overlaps */
	if (d->fix &&
	    ((!has[0] && bad[0] == NULL) || (!has[1] && bad[1] == NULL)))
		reserved = sysctr_idmap_reserve(d->s, &reserve_err) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_error struct sysctr_error *e = bad[i];
		cleanup_free char *hint = NULL;
		bool now = false;

		if (e != NULL) {
			sysctr_doctor_add(d->r, names[i], SYSCTR_DOCTOR_FAIL,
					  "move idmap { base } in sysctr.conf "
					  "or that range: the containers' "
					  "ids must be nobody else's",
					  "%s", e->msg);
			continue;
		}
		if (has[i]) {
			sysctr_doctor_add(d->r, names[i], SYSCTR_DOCTOR_OK,
					  NULL,
					  "%s gives root %lld-%lld "
					  "(sysctr.conf's idmap)",
					  files[i], base, base + size - 1);
			continue;
		}
		if (reserved &&
		    sysctr_idmap_subid_check(files[i], base, size, &now,
					     NULL) == 0 &&
		    now) {
			sysctr_doctor_add(d->r, names[i], SYSCTR_DOCTOR_FIXED,
					  NULL,
					  "fixed: added root:%lld:%lld to %s",
					  base, size, files[i]);
			continue;
		}
		hint = xasprintf("sysctr doctor --fix adds root:%lld:%lld, as "
				 "the first start of a container does",
				 base, size);
		sysctr_doctor_add(
		    d->r, names[i], SYSCTR_DOCTOR_FAIL, hint,
		    "%s gives root no range covering %lld-%lld (sysctr.conf's "
		    "idmap): liblxc cannot map the containers' ids%s%s",
		    files[i], base, base + size - 1,
		    reserve_err ? "; adding it failed: " : "",
		    reserve_err ? reserve_err->msg : "");
	}
}

/* ---- 3. cgroups ---------------------------------------------------------- */

void sysctr_doctor_cgroup(struct doctor *d)
{
	static const char *const layouts[] = {
		[SYSCTR_DOCTOR_CG_NONE] = "none",
		[SYSCTR_DOCTOR_CG_V1] = "v1",
		[SYSCTR_DOCTOR_CG_HYBRID] = "hybrid (v1 controllers, cgroup2 "
					    "beside them)",
		[SYSCTR_DOCTOR_CG_V2] = "v2 (unified)",
	};
	cleanup_cg_host struct sysctr_cg_host h = { 0 };
	cleanup_free char *mounts = NULL, *v2 = NULL;
	cleanup_free char *has_text = NULL, *miss_text = NULL;
	cleanup_strv char **has = xcalloc(1, sizeof(char *));
	cleanup_strv char **miss = xcalloc(1, sizeof(char *));
	enum sysctr_doctor_cg_layout layout;
	const struct sysctr_doctor_ctl *ctls;
	unsigned have;
	size_t n;

	sysctr_cg_host_probe(&h);
	read_file("/proc/self/mountinfo", &mounts, NULL, NULL);
	if (h.cgroup2)
		read_file("/sys/fs/cgroup/cgroup.controllers", &v2, NULL, NULL);
	layout = sysctr_doctor_cgroups(mounts, h.cgroup2, v2, &have);
	if (layout == SYSCTR_DOCTOR_CG_NONE) {
		sysctr_doctor_add(d->r, "cgroup", SYSCTR_DOCTOR_FAIL,
				  "mount cgroup2 on /sys/fs/cgroup (systemd "
				  "does at boot)",
				  "no cgroup hierarchy is mounted: liblxc "
				  "cannot start a container");
		return;
	}
	ctls = sysctr_doctor_ctls(&n);
	for (size_t i = 0; i < n; i++) {
		const char *ctl = h.cgroup2 ? ctls[i].v2 : ctls[i].v1;

		if (have & (1u << i)) {
			strv_push(&has, ctl);
		} else {
			cleanup_free char *m =
			    xasprintf("%s (%s not applied)", ctl, ctls[i].keys);

			strv_push(&miss, m);
		}
	}
	/* the block controller without a weight file (v1 without BFQ):
	 * the start says so, and runs without */
	if ((have & (1u << (n - 1))) && h.io_key[0] == '\0')
		strv_push(&miss, "a block I/O weight (resources.io_weight "
				 "not applied: it needs the BFQ scheduler)");
	has_text = strv_join(has, ", ");
	if (miss[0] == NULL) {
		sysctr_doctor_add(d->r, "cgroup", SYSCTR_DOCTOR_OK, NULL,
				  "%s; controllers: %s", layouts[layout],
				  has_text);
		return;
	}
	miss_text = strv_join(miss, "; ");
	sysctr_doctor_add(d->r, "cgroup", SYSCTR_DOCTOR_WARN,
			  "enable the controller (kernel options, or mount "
			  "its hierarchy), or leave those keys unset: a "
			  "container that sets them starts without the limit",
			  "%s; controllers: %s; missing: %s", layouts[layout],
			  has_text[0] ? has_text : "none", miss_text);
}

/* ---- 4. overlayfs -------------------------------------------------------- */

/* The steps of an overlay probe, for its failure. */
enum probe_step {
	PROBE_OK = 0,
	PROBE_USERNS,
	PROBE_MAP,
	PROBE_IDS,
	PROBE_MOUNTNS,
	PROBE_MOUNT,
	PROBE_WRITE,
	PROBE_RMDIR,
	PROBE_UMOUNT,
};

static const char *const probe_steps[] = {
	[PROBE_OK] = "",
	[PROBE_USERNS] = "make a user namespace",
	[PROBE_MAP] = "map the ids",
	[PROBE_IDS] = "become the mapped root",
	[PROBE_MOUNTNS] = "make a mount namespace",
	[PROBE_MOUNT] = "mount overlay",
	[PROBE_WRITE] = "write a file in the overlay",
	[PROBE_RMDIR] = "remove a directory of the lower layer",
	[PROBE_UMOUNT] = "unmount the overlay",
};

struct probe_result {
	int step; /* enum probe_step */
	int err;
};

/* What one probe mounts: paths made before the fork, so the child
 * allocates nothing. */
struct probe {
	char *merged, *opts, *file, *lowdir;
	bool userns;
	uint32_t base, size;
};

static void probe_clear(struct probe *p)
{
	free(p->merged);
	free(p->opts);
	free(p->file);
	free(p->lowdir);
}

static void send_result(int fd, int step, int err)
{
	struct probe_result r = { step, err };

	(void)!write(fd, &r, sizeof(r));
}

/* In the child: the mount a container's start makes, in a mount
 * namespace of its own (private: nothing of it reaches the host, and it
 * goes when the child exits); as the mapped root in a user namespace of
 * the container's map when p->userns. */
static __attribute__((noreturn)) void probe_child(const struct probe *p,
						  pid_t parent, int ready_w,
						  int go_r, int res_w)
{
	char c;
	int fd;

	if (die_with_parent(parent, SIGKILL) < 0)
		_exit(1);
	if (p->userns) {
		if (unshare(CLONE_NEWUSER) < 0) {
			send_result(res_w, PROBE_USERNS, errno);
			_exit(0);
		}
		(void)!write(ready_w, "u", 1);
		if (read(go_r, &c, 1) != 1)
			_exit(0); /* the parent could not map: it says why */
		if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
		    setresuid(0, 0, 0) < 0) {
			send_result(res_w, PROBE_IDS, errno);
			_exit(0);
		}
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		send_result(res_w, PROBE_MOUNTNS, errno);
		_exit(0);
	}
	if (mount("overlay", p->merged, "overlay", 0, p->opts) < 0) {
		send_result(res_w, PROBE_MOUNT, errno);
		_exit(0);
	}
	fd = open(p->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0) {
		send_result(res_w, PROBE_WRITE, errno);
		_exit(0);
	}
	/* a whiteout in the upper layer: what failed with EIO in a user
	 * namespace before sysctr mounted with userxattr */
	if (rmdir(p->lowdir) < 0) {
		send_result(res_w, PROBE_RMDIR, errno);
		_exit(0);
	}
	if (umount2(p->merged, 0) < 0) {
		send_result(res_w, PROBE_UMOUNT, errno);
		_exit(0);
	}
	send_result(res_w, PROBE_OK, 0);
	_exit(0);
}

/* Write "0 base size" to the child's uid_map or gid_map, as liblxc's
 * lxc.idmap does through newuidmap. */
static int write_map(pid_t pid, const char *which, uint32_t base, uint32_t size)
{
	char path[64], map[64];
	cleanup_close int fd = -1;
	int len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	len = snprintf(map, sizeof(map), "0 %u %u\n", base, size);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, map, (size_t)len) != len)
		return -1;
	return 0;
}

/* Run one probe: its result in *r. */
static void probe_run(const struct probe *p, struct probe_result *r)
{
	pid_t parent = getpid(), pid;
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 }, res[2] = { -1, -1 };
	char c;

	r->step = PROBE_MOUNTNS;
	r->err = 0;
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 ||
	    pipe2(res, O_CLOEXEC) < 0) {
		r->err = errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r->err = errno;
		goto out;
	}
	if (pid == 0)
		probe_child(p, parent, ready[1], go[0], res[1]);
	close_p(&ready[1]);
	close_p(&go[0]);
	close_p(&res[1]);
	if (p->userns && read(ready[0], &c, 1) == 1) {
		if (write_map(pid, "uid_map", p->base, p->size) < 0 ||
		    write_map(pid, "gid_map", p->base, p->size) < 0) {
			r->step = PROBE_MAP;
			r->err = errno;
		} else {
			(void)!write(go[1], "g", 1);
		}
	}
	close_p(&go[1]);
	if (r->step != PROBE_MAP && read(res[0], r, sizeof(*r)) != sizeof(*r))
		r->err = EPIPE;
	reap(pid);
out:
	close_p(&ready[0]);
	close_p(&ready[1]);
	close_p(&go[0]);
	close_p(&go[1]);
	close_p(&res[0]);
	close_p(&res[1]);
}

/* Make dir/{lower/d,upper,work,merged} owned by uid:gid and the probe
 * that mounts them. */
static int probe_prepare(const char *dir, uid_t id, bool userns, bool userxattr,
			 struct probe *p)
{
	static const char *const subs[] = { "",	     "lower", "lower/d",
					    "upper", "work",  "merged" };

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		cleanup_free char *path = xasprintf("%s/%s", dir, subs[i]);

		if ((mkdir(path, 0755) < 0 && errno != EEXIST) ||
		    chown(path, id, id) < 0)
			return -1;
	}
	p->merged = xasprintf("%s/merged", dir);
	p->file = xasprintf("%s/merged/probe", dir);
	p->lowdir = xasprintf("%s/merged/d", dir);
	p->opts = xasprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/"
			    "work%s",
			    dir, dir, dir, userxattr ? ",userxattr" : "");
	p->userns = userns;
	return 0;
}

static bool has_overlay(void)
{
	cleanup_free char *fs = NULL;

	return read_file("/proc/filesystems", &fs, NULL, NULL) == 0 &&
	       strstr(fs, "\toverlay\n") != NULL;
}

/* A probe as root (a privileged container's mount) or as the mapped
 * root: 0, or -1 with the message in *why. */
static int probe_one(struct doctor *d, const char *top, bool userns, char **why)
{
	/* the options sysctr_lxcconf_generate() gives liblxc:
	 * userxattr for an unprivileged container, or for every one when
	 * sysctr itself runs in a user namespace (Linux 5.11+) */
	bool userxattr =
	    kernel_at_least(5, 11) && (userns || in_user_namespace());
	uid_t id = userns ? (uid_t)d->s->cfg->idmap.base : 0;
	cleanup_free char *dir =
	    xasprintf("%s/%s", top, userns ? "unprivileged" : "privileged");
	struct probe p;
	struct probe_result r;
	int ret = 0;

	if (probe_prepare(dir, id, userns, userxattr, &p) < 0) {
		*why = xasprintf("prepare %s: %s", dir, strerror(errno));
		probe_clear(&p);
		return -1;
	}
	p.base = (uint32_t)d->s->cfg->idmap.base;
	p.size = (uint32_t)d->s->cfg->idmap.size;
	probe_run(&p, &r);
	if (r.step != PROBE_OK) {
		*why = xasprintf("%s (%s): %s",
				 userns ? "as an unprivileged container's root"
					: "as root",
				 probe_steps[r.step], strerror(r.err));
		ret = -1;
	}
	probe_clear(&p);
	return ret;
}

void sysctr_doctor_overlay(struct doctor *d)
{
	/* where the containers' own layers (upper and work) live: their
	 * filesystem is the one that must take an overlay upper */
	cleanup_free char *top =
	    xasprintf("%s/.doctor-XXXXXX", d->s->containers_dir);
	cleanup_free char *why = NULL;
	bool listed = has_overlay();
	struct sysctr_error *e = NULL;
	const char *hint;

	if (mkdtemp(top) == NULL) {
		sysctr_doctor_add(d->r, "overlayfs", SYSCTR_DOCTOR_FAIL, NULL,
				  "cannot try an overlay mount: mkdtemp %s: %s",
				  top, strerror(errno));
		return;
	}
	/* the mapped root must pass through it to its own directory */
	if (chmod(top, 0711) < 0 || probe_one(d, top, false, &why) < 0 ||
	    probe_one(d, top, true, &why) < 0) {
		hint = listed ? "see the paths check (the mapped root must "
				"reach the containers directory) and dmesg; "
				"an upper directory cannot be on overlayfs "
				"itself"
			      : "modprobe overlay (and list it in "
				"/etc/modules-load.d/)";
		sysctr_doctor_add(
		    d->r, "overlayfs", SYSCTR_DOCTOR_FAIL, hint,
		    "%soverlay mount in %s fails %s",
		    listed ? "" : "no overlay in /proc/filesystems; ",
		    d->s->containers_dir, why ? why : strerror(errno));
	} else {
		sysctr_doctor_add(d->r, "overlayfs", SYSCTR_DOCTOR_OK, NULL,
				  "overlay mounts work in %s, as root and as "
				  "an unprivileged container's root%s",
				  d->s->containers_dir,
				  kernel_at_least(5, 11) ? " (with userxattr)"
							 : "");
	}
	if (rm_rf(top, &e) < 0)
		sysctr_log_warn_error(e, "doctor: remove its overlay probe");
}

/* ---- 5. liblxc ----------------------------------------------------------- */

/* The lxc_common of every registered image ("common" first). */
static char **image_commons(struct doctor *d)
{
	char **out = xcalloc(1, sizeof(char *));
	struct sysctr_image_row *rows = NULL;
	struct sysctr_error *e = NULL;
	size_t n = 0;

	strv_push(&out, "common");
	if (!d->store_ok ||
	    sysctr_store_image_list(d->s->store, &rows, &n, &e) < 0) {
		sysctr_error_free(e);
		return out;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_image_meta struct sysctr_image_meta m = { 0 };

		if (sysctr_image_meta_load(rows[i].path, &m, &e) < 0) {
			sysctr_error_free(e);
			e = NULL;
			continue;
		}
		if (m.lxc_common != NULL && !strv_contains(out, m.lxc_common))
			strv_push(&out, m.lxc_common);
	}
	sysctr_image_rows_free(rows, n);
	return out;
}

void sysctr_doctor_liblxc(struct doctor *d)
{
	cleanup_strv char **commons = image_commons(d);
	cleanup_strv char **found = xcalloc(1, sizeof(char *));
	cleanup_strv char **missing = xcalloc(1, sizeof(char *));
	cleanup_free char *text = NULL;

	for (size_t i = 0; commons[i] != NULL; i++) {
		cleanup_free char *c = NULL, *u = NULL;
		const char *files[2];

		sysctr_lxcconf_includes(LXC_CONFIG_DIR, commons[i], false, &c,
					&u);
		files[0] = c;
		files[1] = u;
		for (size_t j = 0; j < ARRAY_SIZE(files); j++) {
			char ***to = path_exists(files[j]) ? &found : &missing;

			if (!strv_contains(*to, files[j]))
				strv_push(to, files[j]);
		}
	}
	if (missing[0] != NULL) {
		text = strv_join(missing, ", ");
		sysctr_doctor_add(d->r, "liblxc", SYSCTR_DOCTOR_FAIL,
				  "install the lxc-templates package: liblxc "
				  "cannot load a config that includes a "
				  "missing file",
				  "liblxc %s; the generated configs include "
				  "%s, which %s missing",
				  sysctr_lxc_version(), text,
				  missing[1] ? "are" : "is");
		return;
	}
	text = strv_join(found, ", ");
	sysctr_doctor_add(d->r, "liblxc", SYSCTR_DOCTOR_OK, NULL,
			  "liblxc %s; the configs the generated ones include "
			  "are there: %s",
			  sysctr_lxc_version(), text);
}

/* ---- 6. what the mapped root reaches ------------------------------------ */

void sysctr_doctor_paths(struct doctor *d)
{
	const struct {
		const char *dir, *what;
	} dirs[] = {
		{ d->s->containers_dir, "the containers directory" },
		{ d->s->images_dir, "the images directory" },
	};
	uint32_t base = (uint32_t)d->s->cfg->idmap.base;
	uint32_t size = (uint32_t)d->s->cfg->idmap.size;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		cleanup_error struct sysctr_error *e = NULL;
		cleanup_free char *blocker = NULL, *hint = NULL;
		struct stat st;
		int ret;

		ret =
		    sysctr_reach_blocker(dirs[i].dir, base, size, &blocker, &e);
		if (ret < 0) {
			sysctr_doctor_add(d->r, "paths", SYSCTR_DOCTOR_FAIL,
					  NULL, "%s: %s", dirs[i].what, e->msg);
			return;
		}
		if (ret == 0)
			continue;
		if (stat(blocker, &st) < 0)
			memset(&st, 0, sizeof(st));
		hint = xasprintf("chmod o+x %s (doctor --fix changes no "
				 "modes), or keep sysctr's directories "
				 "elsewhere",
				 blocker);
		sysctr_doctor_add(d->r, "paths", SYSCTR_DOCTOR_FAIL, hint,
				  "the containers' root (uid %u) cannot "
				  "search %s (mode %04o, owner %u:%u) on the "
				  "way to %s %s: unprivileged containers "
				  "cannot mount their rootfs",
				  (unsigned)base, blocker,
				  (unsigned)(st.st_mode & 07777),
				  (unsigned)st.st_uid, (unsigned)st.st_gid,
				  dirs[i].what, dirs[i].dir);
		return;
	}
	sysctr_doctor_add(d->r, "paths", SYSCTR_DOCTOR_OK, NULL,
			  "the containers' root (uid %u) reaches %s and %s",
			  (unsigned)base, d->s->containers_dir,
			  d->s->images_dir);
}

/* ---- 7. AppArmor --------------------------------------------------------- */

void sysctr_doctor_apparmor(struct doctor *d)
{
	if (!is_dir("/sys/kernel/security/apparmor")) {
		sysctr_doctor_add(d->r, "apparmor", SYSCTR_DOCTOR_OK, NULL,
				  "not in this kernel: containers run "
				  "unconfined by AppArmor");
		return;
	}
	if (!apparmor_enabled()) {
		sysctr_doctor_add(d->r, "apparmor", SYSCTR_DOCTOR_WARN,
				  "enable AppArmor to confine them",
				  "in this kernel but not enabled: liblxc "
				  "will not confine containers");
		return;
	}
	if (!path_exists("/sbin/apparmor_parser") &&
	    !path_exists("/usr/sbin/apparmor_parser")) {
		sysctr_doctor_add(d->r, "apparmor", SYSCTR_DOCTOR_WARN,
				  "install the apparmor package",
				  "enabled: liblxc confines each container by "
				  "a profile it generates, but "
				  "apparmor_parser is missing, so a start "
				  "fails");
		return;
	}
	sysctr_doctor_add(d->r, "apparmor", SYSCTR_DOCTOR_OK, NULL,
			  "enabled: liblxc confines each container by a "
			  "profile it generates");
}

/* ---- 8. network ---------------------------------------------------------- */

static void bridge_state(struct doctor *d, const struct sysctr_net_health *h)
{
	const char *br = d->s->cfg->network.bridge;
	cleanup_free char *users = strv_join(h->users, ", ");
	cleanup_error struct sysctr_error *e = NULL;
	bool down = !h->up || h->dnsmasq <= 0;

	if (!down) {
		sysctr_doctor_add(d->r, "bridge", SYSCTR_DOCTOR_OK, NULL,
				  "%s is up, dnsmasq runs (pid %d)", br,
				  (int)h->dnsmasq);
		return;
	}
	if (h->users[0] == NULL) {
		sysctr_doctor_add(d->r, "bridge", SYSCTR_DOCTOR_OK, NULL,
				  "%s is %s; no container uses it yet (the "
				  "first start that needs it makes it)",
				  br, h->up ? "up without dnsmasq" : "down");
		return;
	}
	if (!d->fix) {
		sysctr_doctor_add(d->r, "bridge", SYSCTR_DOCTOR_WARN,
				  "sysctr network up (or doctor --fix); "
				  "sysctr-net.service does it at boot",
				  "%s is %s while containers use it: %s", br,
				  h->up ? "up without dnsmasq" : "down", users);
		return;
	}
	if (sysctr_net_up(d->s, &e) < 0)
		sysctr_doctor_add(d->r, "bridge", SYSCTR_DOCTOR_FAIL,
				  "see sysctr network show",
				  "%s is %s, and "
				  "bringing it up failed: %s",
				  br, h->up ? "up without dnsmasq" : "down",
				  e->msg);
	else
		sysctr_doctor_add(d->r, "bridge", SYSCTR_DOCTOR_FIXED, NULL,
				  "fixed: brought %s up with dnsmasq (as "
				  "sysctr network up does)",
				  br);
}

void sysctr_doctor_network(struct doctor *d)
{
	const struct sysctr_host_config *cfg = d->s->cfg;
	bool by_default = strcmp(cfg->network.mode, "bridge") == 0;
	struct sysctr_net_health h;
	cleanup_free char *text = NULL;

	sysctr_net_health(d->s, &h);
	if (h.absent[0] != NULL) {
		cleanup_free char *absent = strv_join(h.absent, ", ");

		sysctr_doctor_add(d->r, "bridges", SYSCTR_DOCTOR_WARN,
				  "make the bridge, or set network.bridge "
				  "in their container.conf",
				  "containers on a bridge that does not "
				  "exist will not start: %s",
				  absent);
	}
	if (!cfg->network.managed || (!by_default && h.users[0] == NULL)) {
		sysctr_doctor_add(d->r, "network", SYSCTR_DOCTOR_OK, NULL,
				  "skipped: %s",
				  !cfg->network.managed
				      ? "sysctr manages no bridge "
					"(network.managed = false)"
				      : "network.mode is \"none\" and no "
					"container.conf puts a container on "
					"the managed bridge");
		sysctr_net_health_clear(&h);
		return;
	}
	if (h.missing[0] != NULL) {
		text = strv_join(h.missing, "; ");
		sysctr_doctor_add(d->r, "network", SYSCTR_DOCTOR_FAIL,
				  "install them, or network.mode = \"none\" "
				  "in sysctr.conf",
				  "%s", text);
	} else {
		sysctr_doctor_add(d->r, "network", SYSCTR_DOCTOR_OK, NULL,
				  "ip, dnsmasq and nft are installed");
	}
	if (!h.subnet_ok)
		sysctr_doctor_add(d->r, "subnet", SYSCTR_DOCTOR_FAIL,
				  "set network.ipv4 in sysctr.conf to an "
				  "address/prefix such as 10.117.0.1/24",
				  "network.ipv4 '%s' is not a subnet",
				  cfg->network.ipv4);
	else if (h.clash != NULL)
		sysctr_doctor_add(d->r, "subnet", SYSCTR_DOCTOR_FAIL,
				  "choose a free subnet: network.ipv4 in "
				  "sysctr.conf",
				  "network.ipv4 %s overlaps the host's route "
				  "%s",
				  cfg->network.ipv4, h.clash);
	else
		sysctr_doctor_add(d->r, "subnet", SYSCTR_DOCTOR_OK, NULL,
				  "%s overlaps no host route",
				  cfg->network.ipv4);
	if (h.missing[0] == NULL && h.subnet_ok && h.clash == NULL)
		bridge_state(d, &h);
	sysctr_net_health_clear(&h);
}

/* ---- 9. free space ------------------------------------------------------- */

void sysctr_doctor_space(struct doctor *d)
{
	const struct {
		const char *what, *dir;
	} dirs[] = {
		{ "containers", d->s->containers_dir },
		{ "images", d->s->images_dir },
	};
	enum sysctr_doctor_status worst = SYSCTR_DOCTOR_OK;
	cleanup_free char *text = xstrdup("");

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct statvfs v;
		enum sysctr_doctor_status st;
		char human[32];
		char *more;

		if (statvfs(dirs[i].dir, &v) < 0) {
			more = xasprintf("%s%s%s: %s", text, i ? "; " : "",
					 dirs[i].dir, strerror(errno));
			st = SYSCTR_DOCTOR_FAIL;
		} else {
			uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;

			sysctr_doctor_bytes(avail, human, sizeof(human));
			more = xasprintf("%s%s%s: %s free in %s", text,
					 i ? "; " : "", dirs[i].what, human,
					 dirs[i].dir);
			st = sysctr_doctor_space_status(avail);
		}
		free(text);
		text = more;
		if (st > worst)
			worst = st;
	}
	sysctr_doctor_add(d->r, "space", worst,
			  worst == SYSCTR_DOCTOR_OK
			      ? NULL
			      : "free space there (below 2 GiB: warn, 512 "
				"MiB: fail): sysctr images rm, snapshot "
				"delete, destroy",
			  "%s", text);
}

/* ---- 10. inotify --------------------------------------------------------- */

void sysctr_doctor_inotify(struct doctor *d)
{
	static const char knob[] = "/proc/sys/fs/inotify/max_user_instances";
	static const char persist[] =
	    "to keep it across boots, put fs.inotify.max_user_instances = "
	    "1024 (or more) in /etc/sysctl.d/90-sysctr.conf";
	cleanup_free char *text = NULL, *hint = NULL;
	cleanup_close int fd = -1;
	long v;

	if (read_file(knob, &text, NULL, NULL) < 0) {
		sysctr_doctor_add(d->r, "inotify", SYSCTR_DOCTOR_WARN, NULL,
				  "cannot read %s", knob);
		return;
	}
	v = strtol(text, NULL, 10);
	if (sysctr_doctor_inotify_status(v) == SYSCTR_DOCTOR_OK) {
		sysctr_doctor_add(d->r, "inotify", SYSCTR_DOCTOR_OK, NULL,
				  "fs.inotify.max_user_instances = %ld", v);
		return;
	}
	if (d->fix) {
		char want[32];
		int len = snprintf(want, sizeof(want), "%d\n",
				   SYSCTR_DOCTOR_INOTIFY_MIN);

		fd = open(knob, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, want, (size_t)len) == len) {
			sysctr_doctor_add(
			    d->r, "inotify", SYSCTR_DOCTOR_FIXED, persist,
			    "fixed: fs.inotify.max_user_instances "
			    "raised from %ld to %d, until the "
			    "next boot",
			    v, SYSCTR_DOCTOR_INOTIFY_MIN);
			return;
		}
		hint = xasprintf("raising it failed (%s); %s", strerror(errno),
				 persist);
	} else {
		hint =
		    xasprintf("sysctr doctor --fix raises it to %d until the "
			      "next boot; %s",
			      SYSCTR_DOCTOR_INOTIFY_MIN, persist);
	}
	sysctr_doctor_add(d->r, "inotify", SYSCTR_DOCTOR_WARN, hint,
			  "fs.inotify.max_user_instances = %ld, below %d: "
			  "containers share one uid range, and systemd in "
			  "them runs out around the 15th container",
			  v, SYSCTR_DOCTOR_INOTIFY_MIN);
}
