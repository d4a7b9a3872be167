/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsysctr: the public API the CLI (cmd/) sees. Everything else in lib/ is
 * internal. Unless a comment says otherwise:
 *  - a function returning int returns 0 on success and -1 on failure;
 *  - on failure it sets *err exactly once (free with sysctr_error_free());
 *  - strings and arrays handed out belong to the caller, with the matching
 *    free function named beside the type;
 *  - nothing here prints to stdout. */
#ifndef SYSCTR_SYSCTR_H
#define SYSCTR_SYSCTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit classes of DESIGN.md; the numeric value is the exit status. */
enum sysctr_err_kind {
	SYSCTR_E_FAILED = 1,	/* the operation failed */
	SYSCTR_E_USAGE = 2,	/* bad usage or invalid input */
	SYSCTR_E_NOT_FOUND = 3, /* no such container/snapshot/template */
	SYSCTR_E_STATE = 4,	/* exists already, running, not running */
	SYSCTR_E_BUSY = 5,	/* another sysctr holds the lock */
};

struct sysctr_error {
	enum sysctr_err_kind kind;
	int sys_errno;
	char *msg;
};

void sysctr_error_free(struct sysctr_error *e);

/* Make an error: set *err (when err is not NULL) and return -1, so that
 * `return sysctr_err(err, ...);` fails in one line. With sys_errno != 0
 * the message ends in ": strerror(sys_errno)". *err must be NULL: a
 * second error on the same err is a bug, which stops a build without
 * NDEBUG (the tests') and else is dropped, keeping the first. */
int sysctr_err(struct sysctr_error **err, enum sysctr_err_kind kind,
	       int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Add context while crossing a layer: the message of *err (which must be
 * set) becomes "PREFIX: message", its kind stays. Returns -1. */
int sysctr_err_prefix(struct sysctr_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand a local error *e on to err (set once, as by sysctr_err(); freed
 * when err is NULL); *e is NULL afterwards. Returns -1. */
int sysctr_err_pass(struct sysctr_error **err, struct sysctr_error **e);
/* Append to the message of *err (which must be set). Returns -1. */
int sysctr_err_suffix(struct sysctr_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Exit status for e: its kind, 0 for NULL. */
int sysctr_error_exit_code(const struct sysctr_error *e);

/* Log levels, lowest is quietest. */
enum sysctr_log_level {
	SYSCTR_LOG_ERROR = 0,
	SYSCTR_LOG_WARN = 1,
	SYSCTR_LOG_INFO = 2,
	SYSCTR_LOG_DEBUG = 3,
};

/* ---- context ---------------------------------------------------------- */

struct sysctr;

struct sysctr_options {
	const char *root;   /* --root or $SYSCTR_ROOT; NULL means "/" */
	const char *config; /* --config; NULL: ROOT + configure's
			       sysconfdir/sysctr/sysctr.conf */
	int verbosity;	 /* -q gives -1, each -v adds 1; 0 uses sysctr.conf */
	bool open_store; /* open (and migrate) the registry */
};

/* Load sysctr.conf, set up logging, create the host directories and
 * (with open_store) open the registry. Free with sysctr_close(). */
struct sysctr *sysctr_open(const struct sysctr_options *opts,
			   struct sysctr_error **err);
void sysctr_close(struct sysctr *s);

/* Progress of long steps (template run, copy): lib calls this, cmd draws.
 * step is a short label, done/total count steps (total 0 if unknown). */
typedef void (*sysctr_progress_fn)(void *data, const char *step, int done,
				   int total);
void sysctr_set_progress(struct sysctr *s, sysctr_progress_fn fn, void *data);

/* Check a container name: [a-zA-Z0-9][a-zA-Z0-9-]{0,62}. */
int sysctr_name_check(const char *name, struct sysctr_error **err);

/* ---- containers -------------------------------------------------------- */

struct sysctr_ct_info {
	char *name;
	char *template;
	char *release;
	char *arch;
	char *state;	 /* "STOPPED", "RUNNING", "FROZEN", ... */
	pid_t pid;	 /* init pid on the host, 0 when not running */
	int64_t created; /* unix time */
	bool autostart;
	int autostart_order;
	char *autostart_group; /* "" none */
	char *autostart_ready; /* its ready check */
	int autostart_timeout;
	/* info only: the last autostart --boot's outcome, from the history
	 * (boot_time 0: none) */
	int64_t boot_time;
	bool boot_ok;
	char *boot_detail;
	char *ipv4;	      /* NULL when unknown */
	int64_t memory_bytes; /* memory limit, 0 when unlimited */
	int64_t memory_usage; /* current usage, 0 when not running */
	char *path;	      /* the container directory */
	char *log_path;	      /* its liblxc log */
	bool privileged; /* as it runs (its uid map), else container.conf's */
	char *storage;	 /* "overlay" or "dir" (create --copy) */
	char *image;	 /* its image's name (info only; NULL in list) */
	/* info only, live figures of a running container as the kernel
	 * counts them; -1 when it is not running or they are unknown */
	int64_t uptime_s;
	int64_t memory_limit_live; /* its cgroup's, 0 for none */
	int64_t cpu_ns;		   /* CPU time used */
	int64_t pids, pids_limit;  /* tasks; the limit 0 for none */
	int64_t io_read, io_write; /* block I/O bytes */
	bool lxcfs; /* lxcfs serves its /proc/meminfo, uptime, cpuinfo */
	/* info only: bytes on disk of its own layer (what it changed from
	 * its image and snapshots), -1 unknown */
	int64_t disk_bytes;
};

/* What the kernel counts of one running container (top). -1 where it
 * cannot tell; limits 0 for none. */
struct sysctr_ct_usage_row {
	char *name;
	int64_t memory, memory_limit;
	int64_t cpu_ns;
	int64_t pids, pids_limit;
	int64_t io_read, io_write;
};
/* Every running container's usage, by name; at *when (monotonic
 * seconds) for rates between two calls. */
int sysctr_ct_usage_list(struct sysctr *s, struct sysctr_ct_usage_row **out,
			 size_t *n, double *when, struct sysctr_error **err);
void sysctr_ct_usage_rows_free(struct sysctr_ct_usage_row *rows, size_t n);

void sysctr_ct_info_clear(struct sysctr_ct_info *info);
void sysctr_ct_info_free_array(struct sysctr_ct_info *infos, size_t n);

enum sysctr_list_filter {
	SYSCTR_LIST_ALL = 0,
	SYSCTR_LIST_RUNNING,
	SYSCTR_LIST_STOPPED,
};

/* Every registered container whose name matches the glob pattern (NULL for
 * all), sorted by name, with its live state. */
int sysctr_ct_list(struct sysctr *s, const char *pattern,
		   enum sysctr_list_filter filter, struct sysctr_ct_info **out,
		   size_t *n, struct sysctr_error **err);

/* Leftovers: names that have a directory in the containers directory but
 * no registry row, sorted (a destroy or create that could not finish left
 * them; destroying the name removes one). No command but destroy and
 * create treats such a name as a container. A NULL-terminated list,
 * never NULL on success; free each string and the list. */
int sysctr_ct_leftovers(struct sysctr *s, char ***names,
			struct sysctr_error **err);

/* Just the live state ("RUNNING", ...) of a registered container, or NULL
 * when there is no such container (or no registry open); cheaper than
 * sysctr_ct_info(). */
char *sysctr_ct_state(struct sysctr *s, const char *name);

int sysctr_ct_info(struct sysctr *s, const char *name,
		   struct sysctr_ct_info *out, struct sysctr_error **err);

struct sysctr_create_opts {
	const char *template; /* NULL: sysctr.conf's defaults.template */
	const char *name;
	/* NULL: sysctr.conf's defaults.release when the template is
	 * defaults.template and it is set, else the template's default */
	const char *release;
	const char *arch;	 /* NULL: defaults.arch, else the host's */
	const char *conf_file;	 /* -c: start from this container.conf */
	const char *const *sets; /* "section.key=value" */
	size_t nsets;
	const char *from;   /* local: the rootfs tarball to import */
	const char *mirror; /* the template's mirror instead of sysctr.conf's */
	bool refresh;	    /* build a new image even when one is cached */
	bool copy;	    /* a full copy of the image, not an overlay layer */
};

/* Build (or reuse the cached) image, make the container from it, register
 * it. Takes the container lock. On failure nothing is left behind. */
int sysctr_ct_create(struct sysctr *s, const struct sysctr_create_opts *o,
		     struct sysctr_error **err);

/* Generate the liblxc config from container.conf and start; returns once
 * the container is RUNNING. Takes the container lock. */
int sysctr_ct_start(struct sysctr *s, const char *name,
		    struct sysctr_error **err);

struct sysctr_stop_result {
	bool killed;	/* the clean shutdown timed out (or -k) */
	double seconds; /* how long the stop took */
};

/* Clean shutdown through the init's halt signal, a kill after timeout
 * seconds (timeout < 0: sysctr.conf's). kill: no clean shutdown at all. */
int sysctr_ct_stop(struct sysctr *s, const char *name, int timeout, bool kill,
		   struct sysctr_stop_result *res, struct sysctr_error **err);
int sysctr_ct_restart(struct sysctr *s, const char *name, int timeout,
		      struct sysctr_error **err);
int sysctr_ct_freeze(struct sysctr *s, const char *name,
		     struct sysctr_error **err);
int sysctr_ct_unfreeze(struct sysctr *s, const char *name,
		       struct sysctr_error **err);

/* Run argv inside the running container with a clean environment, in a
 * session of its own with a new session keyring and none of the caller's
 * fds but 0-2, which it gets as a pty of the container's where the
 * caller's is a terminal, else as pipes that this call relays until the
 * command exits. *status gets the command's exit status (128+N if killed
 * by signal N). A command that cannot be run fails the call with the
 * reason and still sets *status: 127 not found, 126 not executable.
 * Signals INT, TERM, HUP and QUIT that arrive meanwhile go to the
 * command. Takes no lock. */
int sysctr_ct_exec(struct sysctr *s, const char *name, char *const *argv,
		   int *status, struct sysctr_error **err);
/* exec with options: as user (a name or uid of the container's
 * /etc/passwd, read without its NSS modules; its groups, HOME, USER and
 * LOGNAME), in cwd (an absolute path inside; default "/" for root, the
 * user's home for a user), with env's KEY=VALUE added to the defaults
 * (PATH, HOME, LANG, TERM) or replacing them. No such user:
 * SYSCTR_E_NOT_FOUND. */
struct sysctr_exec_opts {
	const char *user;
	const char *cwd;
	char *const *env; /* NULL-terminated; may be NULL */
};
int sysctr_ct_exec_opts(struct sysctr *s, const char *name, char *const *argv,
			const struct sysctr_exec_opts *o, int *status,
			struct sysctr_error **err);
/* A login shell inside, isolated and relayed as for exec; *status as
 * for exec. */
int sysctr_ct_shell(struct sysctr *s, const char *name, int *status,
		    struct sysctr_error **err);
/* Attach the terminal to the container's console (tty 0) or tty N;
 * Ctrl-<escape> q leaves (escape: 'a' to 'z'; 0 for 'a'). */
int sysctr_ct_console(struct sysctr *s, const char *name, int tty, char escape,
		      struct sysctr_error **err);

/* Remove the container, its directory and its row. A running container is
 * refused (SYSCTR_E_STATE) unless force, which kills it first. */
int sysctr_ct_destroy(struct sysctr *s, const char *name, bool force,
		      struct sysctr_error **err);

/* ---- snapshots --------------------------------------------------------- */

struct sysctr_snapshot {
	char *name;
	int64_t created; /* unix time */
	char *comment;	 /* NULL when none */
	char *kind;	 /* "manual", "safety" (made by a restore), "auto" */
	int64_t size;	 /* bytes of what it added over the one before */
	bool current;	 /* the container was last cut from or restored to it */
};

void sysctr_snapshots_free(struct sysctr_snapshot *v, size_t n);

struct sysctr_snapshot_result {
	char *name;	 /* the snapshot's name (given or made up) */
	double frozen_s; /* how long a running container was frozen; -1
			    when it was not running */
};

void sysctr_snapshot_result_clear(struct sysctr_snapshot_result *r);

/* Cut a snapshot named snap (NULL: snap-YYYYMMDD-HHMMSS) of the container
 * as it is now. A stopped container's own layer becomes an immutable
 * layer (a rename: no copy) under a fresh empty one; a running one is
 * frozen while its own layer is copied. Takes the container lock. */
int sysctr_snapshot_create(struct sysctr *s, const char *name, const char *snap,
			   const char *comment,
			   struct sysctr_snapshot_result *res,
			   struct sysctr_error **err);
/* Oldest first. */
int sysctr_snapshot_list(struct sysctr *s, const char *name,
			 struct sysctr_snapshot **out, size_t *n,
			 struct sysctr_error **err);
/* Put the container back to snapshot snap. It must be stopped (force:
 * it is stopped first). A safety snapshot of the state it leaves is taken
 * first and its name returned in res (frozen_s -1); no other snapshot
 * changes. */
int sysctr_snapshot_restore(struct sysctr *s, const char *name,
			    const char *snap, bool force,
			    struct sysctr_snapshot_result *res,
			    struct sysctr_error **err);
/* Remove snapshot snap; the container and the other snapshots keep
 * every layer they use. */
int sysctr_snapshot_delete(struct sysctr *s, const char *name, const char *snap,
			   struct sysctr_error **err);

struct sysctr_auto_result {
	char *name;		    /* the container */
	bool scheduled;		    /* (always true in the results) */
	char *taken;		    /* the snapshot taken, NULL: none due */
	double frozen_s;	    /* how long it was frozen; -1: not */
	char **pruned;		    /* auto snapshots removed (never NULL) */
	struct sysctr_error *error; /* what failed for this container */
};

void sysctr_auto_results_free(struct sysctr_auto_result *r, size_t n);

/* For every container with a snapshots.schedule: take the snapshot that
 * is due at time now (unix seconds; 0: the clock's), then prune its auto
 * snapshots by its keep_* settings. One container's failure is in its
 * result and does not stop the others. */
int sysctr_snapshot_auto(struct sysctr *s, int64_t now,
			 struct sysctr_auto_result **out, size_t *n,
			 struct sysctr_error **err);

/* A new container dst over the layers of src: its current state (a
 * running src is copied while frozen, *frozen_s says how long, else -1)
 * or its snapshot snap. Its container.conf is src's; its own changes and
 * src's stay apart. Takes both containers' locks. */
int sysctr_ct_clone(struct sysctr *s, const char *src, const char *dst,
		    const char *snap, double *frozen_s,
		    struct sysctr_error **err);

/* ---- export and import -------------------------------------------------- */

struct sysctr_export_opts {
	bool no_snapshots; /* only the current state */
	bool with_image;   /* the image too: the archive stands alone */
};

struct sysctr_export_result {
	int64_t bytes;	 /* of file content read (before compression) */
	int layers;	 /* layers written */
	int snapshots;	 /* snapshots written */
	char *snapshot;	 /* a running container: the snapshot it was
			    exported from (deleted since), else NULL */
	double frozen_s; /* how long that cut froze it; -1: not running */
};
void sysctr_export_result_clear(struct sysctr_export_result *r);

/* Write container name (its snapshots unless no_snapshots, its image with
 * with_image) to file as a tar archive compressed with zstd; a file that
 * exists is replaced once the new one is whole. Progress through
 * sysctr_set_progress() ("export", MiB done, MiB in all). */
int sysctr_ct_export(struct sysctr *s, const char *name, const char *file,
		     const struct sysctr_export_opts *o,
		     struct sysctr_export_result *res,
		     struct sysctr_error **err);

struct sysctr_import_result {
	char *name;    /* the container made */
	char *image;   /* "archive", "cache" or "built": where its image
			  came from */
	int snapshots; /* snapshots it has */
	int64_t bytes; /* of file content written */
};
void sysctr_import_result_clear(struct sysctr_import_result *r);

/* Make a container from an archive of sysctr_ct_export(), named name (NULL:
 * the name in the archive), which must not exist. Every member is checked
 * (paths, types, checksums) before anything is registered; a failure
 * leaves nothing behind. */
int sysctr_ct_import(struct sysctr *s, const char *file, const char *name,
		     struct sysctr_import_result *res,
		     struct sysctr_error **err);

/* ---- autostart --------------------------------------------------------- */

struct sysctr_ready_result {
	char kind[80];	/* the check that ran */
	double seconds; /* how long it took to pass */
};

/* Is kind a ready check (started, systemd, tcp:PORT, exec:COMMAND)? */
bool sysctr_ready_check_valid(const char *kind);

/* Wait until the running container name is up by the check kind
 * (started, systemd, tcp:PORT, exec:COMMAND; NULL: its autostart.ready),
 * at most timeout_s seconds (0: its autostart.timeout). SYSCTR_E_FAILED
 * "not ready after N s" when the time ends; SYSCTR_E_STATE when it is
 * not running or stops meanwhile. */
int sysctr_ct_wait_ready(struct sysctr *s, const char *name, const char *kind,
			 int timeout_s, struct sysctr_ready_result *res,
			 struct sysctr_error **err);

struct sysctr_autostart_item {
	char *name;
	int level; /* 1 first; a level's containers start together */
	int order;
	int delay; /* seconds after it before the next level */
	char **after;
	char *ready; /* started | systemd | tcp:PORT | exec:COMMAND */
	int timeout; /* seconds for it to get ready */
	char *group; /* "" none */
};

struct sysctr_autostart_plan {
	struct sysctr_autostart_item *items; /* by level */
	size_t n;
	int nlevels;
	int boot_worst_s;     /* every ready check taking its whole timeout */
	int shutdown_worst_s; /* every level's slowest stop, in turn */
	int stop_s;	      /* the stop at worst of a running container the
				 plan does not start (timeouts.stop,
				 then the kill) */
};
void sysctr_autostart_plan_clear(struct sysctr_autostart_plan *p);

/* The boot plan of the containers with autostart.enabled (of group, when
 * not NULL): `after` first, then order (lower first). A cycle in `after`,
 * or `after` naming a container that does not exist or does not start at
 * boot, is an error (SYSCTR_E_USAGE) that names it. */
int sysctr_autostart_plan(struct sysctr *s, const char *group,
			  struct sysctr_autostart_plan *out,
			  struct sysctr_error **err);

struct sysctr_autostart_outcome {
	char *name;
	bool ok;
	double seconds;
	char *detail; /* "ready (systemd) after 3.1 s", "stopped cleanly after
			 1.2 s", or why it failed */
};

struct sysctr_autostart_report {
	struct sysctr_autostart_outcome *outcomes;
	size_t n;
};
void sysctr_autostart_report_clear(struct sysctr_autostart_report *r);

/* Start the plan's containers (of group, when not NULL) level by level,
 * each level's together, each until its ready check passes or its
 * timeout ends, then the level's delay. A failure is recorded and blocks
 * only the containers that start after it; the call then fails with a
 * summary naming them (SYSCTR_E_FAILED). Outcomes in rep either way. */
int sysctr_autostart_boot(struct sysctr *s, const char *group,
			  struct sysctr_autostart_report *rep,
			  struct sysctr_error **err);
/* Stop the running containers: those the plan does not start first, then
 * the plan's levels in reverse, each level's together, each within
 * timeouts.stop, then killed. */
int sysctr_autostart_shutdown(struct sysctr *s, const char *group,
			      struct sysctr_autostart_report *rep,
			      struct sysctr_error **err);

/* ---- container.conf ---------------------------------------------------- */

/* The container.conf text. */
int sysctr_ct_config_show(struct sysctr *s, const char *name, char **text,
			  struct sysctr_error **err);
/* The value of "section.key" as text (lists as a,b,c). */
int sysctr_ct_config_get(struct sysctr *s, const char *name, const char *key,
			 char **value, struct sysctr_error **err);
/* One key of container.conf and its value, for `config show --format
 * json`. */
enum sysctr_conf_kind {
	SYSCTR_CONF_STRING,
	SYSCTR_CONF_INT,
	SYSCTR_CONF_BOOL,
	SYSCTR_CONF_LIST,
};
struct sysctr_config_item {
	/* "template", "section.key", "mount.NAME.key", "raw.lxc.KEY" */
	char *key;
	enum sysctr_conf_kind type;
	char *text;  /* as config get prints it (lists as a,b) */
	long num;    /* INT, and BOOL as 0 or 1 */
	char **list; /* LIST: the values, NULL-terminated */
};
/* Every key of name's container.conf with its value (the default where
 * the file sets none), in the schema's order. */
int sysctr_ct_config_items(struct sysctr *s, const char *name,
			   struct sysctr_config_item **items, size_t *n,
			   struct sysctr_error **err);
void sysctr_config_items_free(struct sysctr_config_item *items, size_t n);

/* ---- what the keys mean (man pages, help config) ----------------------- */

enum sysctr_conf_file {
	SYSCTR_CONF_CONTAINER, /* container.conf */
	SYSCTR_CONF_HOST,      /* sysctr.conf */
};
struct sysctr_key_doc {
	/* "section.key"; a name of the admin's in capitals:
	 * "mount.NAME.source", "raw.lxc.KEY", "mirrors.TEMPLATE" */
	const char *key;
	/* what it takes; NULL for an integer (sysctr_key_range()) */
	const char *values;
	const char *desc;
};
/* Every key of the file, documented, in the schema's order. */
const struct sysctr_key_doc *sysctr_key_docs(enum sysctr_conf_file file,
					     size_t *n);
/* The integer bounds of a key, when it has some. */
bool sysctr_key_range(const char *key, long *min, long *max);
/* Does a change of this container.conf key apply to a running container
 * at once? */
bool sysctr_key_is_live(const char *key);
/* Every key of an empty file with its default. */
int sysctr_conf_defaults(enum sysctr_conf_file file,
			 struct sysctr_config_item **items, size_t *n,
			 struct sysctr_error **err);

/* What a saved change did to a running container. */
struct sysctr_config_change {
	/* a changed key takes effect at its next start */
	bool restart_needed;
	/* the resources.* keys applied to it now (its cgroup written before
	 * the file was saved), NULL-terminated; NULL when none */
	char **live;
};
void sysctr_config_change_clear(struct sysctr_config_change *c);

/* Apply "section.key=value" assignments: all or none, validated before an
 * atomic rename. On a running container, changed resources.* are written
 * to its cgroup first; when the kernel refuses one, nothing is saved.
 * change (may be NULL) tells what took effect. */
int sysctr_ct_config_set(struct sysctr *s, const char *name,
			 const char *const *assignments, size_t n,
			 struct sysctr_config_change *change,
			 struct sysctr_error **err);
/* Does a change of "section.key" take effect only at the next start of a
 * running container? (All but autostart.*, snapshots.* and resources.*,
 * which apply at once.) */
bool sysctr_config_key_needs_restart(const char *key);
/* Is "section.key" passed to liblxc as it is, so that only the next start
 * tells whether it works? (raw.*: config set checks every other key, and
 * what it names on this host, when it is set.) */
bool sysctr_config_key_unchecked(const char *key);

/* For `config edit`: copy container.conf to a temp file, returned in
 * *tmp_path (the caller unlinks it), and its text as it was then in *base
 * (the caller frees it and hands it to the commit). */
int sysctr_ct_config_edit_begin(struct sysctr *s, const char *name,
				char **tmp_path, char **base,
				struct sysctr_error **err);
/* Under the container's lock: when tmp_path differs from base, validate
 * it and install it atomically as the container.conf. An invalid file
 * (SYSCTR_E_USAGE) leaves container.conf unchanged. When container.conf
 * is no longer base (a config set or another edit landed meanwhile),
 * nothing is saved (SYSCTR_E_FAILED). tmp_path is never removed. */
int sysctr_ct_config_edit_commit(struct sysctr *s, const char *name,
				 const char *tmp_path, const char *base,
				 struct sysctr_config_change *change,
				 struct sysctr_error **err);

/* ---- the managed network (sysctr.conf's network.bridge) ------------- */

struct sysctr_net_forward {
	char *container;
	char *ipv4; /* its lease, NULL when it has none yet */
	unsigned host_port, port;
	char *proto; /* "tcp" | "udp" */
};

struct sysctr_net_status {
	char *bridge;
	char *subnet; /* "10.117.0.1/24": the bridge's address */
	char *domain;
	bool managed;  /* sysctr.conf's network.managed */
	bool nat;      /* masquerade, else an isolated network */
	bool up;       /* the bridge exists */
	pid_t dnsmasq; /* its pid, 0 when it does not run */
	char **leases; /* "NAME IPV4 HWADDR", NULL-terminated */
	struct sysctr_net_forward *forwards;
	size_t nforwards;
};
void sysctr_net_status_clear(struct sysctr_net_status *st);

/* Bring the managed bridge up: the bridge and its address, the nftables
 * table, dnsmasq. Idempotent; what `sysctr-net.service` runs at boot.
 * SYSCTR_E_USAGE when sysctr.conf manages no bridge. */
int sysctr_net_up(struct sysctr *s, struct sysctr_error **err);
/* Does anything want the managed bridge: sysctr.conf manages it and puts
 * containers on it by default (network.mode = "bridge"), or a registered
 * container's container.conf does? */
bool sysctr_net_wanted(struct sysctr *s);
/* Remove everything sysctr made for it (dnsmasq, the table, the bridge);
 * the leases stay in the registry. SYSCTR_E_STATE while a running
 * container uses it. */
int sysctr_net_down(struct sysctr *s, struct sysctr_error **err);
int sysctr_net_show(struct sysctr *s, struct sysctr_net_status *out,
		    struct sysctr_error **err);

/* ---- history ----------------------------------------------------------- */

struct sysctr_history_entry {
	int64_t id;
	int64_t time; /* unix time */
	char *container;
	char *action;
	char *outcome; /* "ok", "failed", ... */
	char *detail;
	/* who ran it: the uid (-1 in rows from before it was kept), its
	 * login name, and $SUDO_USER when root ran it through sudo */
	int64_t uid;
	char *user;
	char *sudo_user;
};

void sysctr_history_free_array(struct sysctr_history_entry *e, size_t n);
/* Newest last; name NULL for all containers; limit 0 for no limit. */
int sysctr_history_list(struct sysctr *s, const char *name, size_t limit,
			struct sysctr_history_entry **out, size_t *n,
			struct sysctr_error **err);
/* The same, of the rows at or after since (unix time; 0: all) whose
 * action is action (NULL: any). */
int sysctr_history_find(struct sysctr *s, const char *name, size_t limit,
			int64_t since, const char *action,
			struct sysctr_history_entry **out, size_t *n,
			struct sysctr_error **err);

/* ---- doctor ------------------------------------------------------------ */

enum sysctr_doctor_status {
	SYSCTR_DOCTOR_OK = 0,
	SYSCTR_DOCTOR_WARN,  /* works, but something will bite */
	SYSCTR_DOCTOR_FAIL,  /* something sysctr needs is broken */
	SYSCTR_DOCTOR_FIXED, /* was not ok, repaired by this run (fix) */
};
#define SYSCTR_DOCTOR_NSTATUS 4

struct sysctr_doctor_check {
	char *name; /* "userns", "subuid", "cgroup", ... */
	enum sysctr_doctor_status status;
	char *message; /* what was found; a fixed one's starts "fixed: " */
	char *hint;    /* what to do about it; NULL when nothing */
};

struct sysctr_doctor_report {
	struct sysctr_doctor_check *checks; /* in the order they ran */
	size_t n;
	size_t count[SYSCTR_DOCTOR_NSTATUS]; /* checks of each status */
};
void sysctr_doctor_report_clear(struct sysctr_doctor_report *r);
/* "ok", "warn", "fail", "fixed" */
const char *sysctr_doctor_status_name(enum sysctr_doctor_status st);

/* Check the host and the registry, one entry of out per check: user
 * namespaces, root's subuid/subgid range, cgroup controllers, a real
 * overlay mount (as root and as an unprivileged container's root), liblxc
 * and the configs it includes, what the mapped root can reach, AppArmor,
 * the network, free space, inotify instances, the registry's integrity,
 * rows without files and files without rows, mounts and lock files left
 * behind, liblxc cgroups stopped containers left behind. With fix, repair
 * what is safe to repair (root's id range, the inotify limit until the
 * next boot, the managed bridge, leftover directories, stale mounts,
 * empty cgroups of stopped containers and unheld lock files; never a mode or a
 * registered container) and say so (SYSCTR_DOCTOR_FIXED). Opens the
 * registry itself when s has none, so that one it cannot open is a failed
 * check. Takes the locks that destroy takes for the leftovers it removes.
 * Returns 0 with the report (clear it with sysctr_doctor_report_clear())
 * whatever the checks found; -1 only when it cannot check (the registry
 * is busy: SYSCTR_E_BUSY). */
int sysctr_doctor(struct sysctr *s, bool fix, struct sysctr_doctor_report *out,
		  struct sysctr_error **err);

/* ---- templates --------------------------------------------------------- */

struct sysctr_template_info {
	char *name;
	char *path;
	char *description;
	char *default_release;
	char *releases;	      /* space separated */
	char *mirror_default; /* the mirror it uses when given none, or NULL */
	bool takes_mirror;    /* does it download from a mirror at all */
	bool takes_source;    /* does it import a file (create --from) */
};

void sysctr_template_info_free_array(struct sysctr_template_info *t, size_t n);
int sysctr_templates_list(struct sysctr *s, struct sysctr_template_info **out,
			  size_t *n, struct sysctr_error **err);

/* ---- images ----------------------------------------------------------- */

struct sysctr_image_info {
	int64_t id;
	char *name; /* its directory's name, e.g. debian-bookworm-amd64.1764 */
	char *template;
	char *release;
	char *arch;
	int64_t created; /* unix time */
	int64_t size;	 /* bytes of its rootfs when it was made */
	int64_t disk;	 /* bytes its directory takes now: the rootfs and
			    each shifted copy of it (unprivileged maps) */
	char *hash;	 /* sha256 of its rootfs, NULL if unknown */
	char *path;
	char **containers; /* names of the containers made from it */
};

void sysctr_image_info_free_array(struct sysctr_image_info *i, size_t n);
/* Every registered image, oldest first within a template. */
int sysctr_images_list(struct sysctr *s, struct sysctr_image_info **out,
		       size_t *n, struct sysctr_error **err);
/* Remove an image (by id or name) and its files; SYSCTR_E_STATE while a
 * container uses it, SYSCTR_E_NOT_FOUND if there is none. */
int sysctr_image_remove(struct sysctr *s, const char *image,
			struct sysctr_error **err);
/* What images prune did. */
struct sysctr_prune_result {
	char **removed;	     /* the images removed (names), NULL-terminated */
	char **busy;	     /* template caches in use now, kept */
	int64_t freed_bytes; /* images and downloads */
	int64_t cache_bytes; /* of which the templates' downloads */
};
void sysctr_prune_result_clear(struct sysctr_prune_result *r);
/* Remove every image no container uses, and the templates' download
 * cache (but a template's cache a template run holds now). */
int sysctr_images_prune(struct sysctr *s, struct sysctr_prune_result *out,
			struct sysctr_error **err);

/* The version of sysctr and of the liblxc it runs on. */
const char *sysctr_version(void);
const char *sysctr_lxc_version(void);

#endif
