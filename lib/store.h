/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SQLite registry. All SQL of sysctr lives in the store module behind
 * this interface: store.c (connection, transactions, schema) and
 * store-rows.c (the rows), which share store-sql.h. So another backend (a
 * replicated registry shared by several hosts) can implement it later.
 * Every function takes the store's own connection; every change runs in a
 * transaction. */
#ifndef SYSCTR_STORE_H
#define SYSCTR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysctr.h"

struct sysctr_store;

struct sysctr_ct_row {
	int64_t id;
	char *name;
	char *template;
	char *release;
	char *arch;
	int64_t image_id; /* 0: none */
	int64_t owner;	  /* hosts.id of the host that runs it */
	int64_t created;  /* unix time */
	char *state;	  /* last state seen, "STOPPED" etc. */
	int64_t state_time;
	char *storage;	  /* "overlay" (over its image) or "dir" (a copy) */
	int64_t based_on; /* snapshots.id of the snapshot it was last cut
			     from or restored to; 0: none */
	char *pending;	  /* a layer switch to finish (lib/snapshot.c) */
	int64_t pid;	  /* its init's pid on the host at its last start
			     (a hint: list checks it before use); 0 none */
};

struct sysctr_image_row {
	int64_t id;
	char *template;
	char *release;
	char *arch;
	char *path; /* the image directory */
	int64_t created;
	int64_t size; /* bytes */
	char *hash;   /* content hash, may be NULL */
	char *init;   /* "systemd", "busybox", ... may be NULL */
};

struct sysctr_snap_row {
	int64_t id;
	char *name;
	int64_t created; /* unix time */
	char *comment;	 /* may be NULL */
	char *kind;	 /* "manual", "safety" (before a restore), "auto" */
	char *layer;	 /* its top layer: what it added; NULL: none */
	int64_t size;	 /* that layer's bytes; -1: not measured yet */
};

struct sysctr_history_row {
	int64_t id;
	int64_t time;
	char *container;
	char *action;
	char *outcome;
	char *detail;
	int64_t uid; /* -1: not recorded (rows older than schema 6) */
	char *user;
	char *sudo_user;
};

/* Open (creating with mode 0600) and migrate the database at path: WAL,
 * busy timeout, foreign keys, schema steps by PRAGMA user_version; ensures
 * the one row of `hosts` for this host (hostname). */
int sysctr_store_open(const char *path, struct sysctr_store **out,
		      struct sysctr_error **err);
void sysctr_store_close(struct sysctr_store *st);
/* The schema version a fresh open migrates to. */
int sysctr_store_schema_version(void);

/* Explicit transactions for a caller that makes several changes that must
 * land together. The single-row functions below run in their own
 * transaction when none is open. */
int sysctr_store_begin(struct sysctr_store *st, struct sysctr_error **err);
int sysctr_store_commit(struct sysctr_store *st, struct sysctr_error **err);
void sysctr_store_rollback(struct sysctr_store *st);
/* Is a transaction open (sysctr_store_begin() without its end)? */
bool sysctr_store_in_tx(struct sysctr_store *st);

/* Did the registry's last call fail because another process held it
 * past the busy timeout (SYSCTR_E_BUSY)? */
bool sysctr_store_busy(struct sysctr_store *st);

/* This host's id in `hosts`. */
int64_t sysctr_store_host_id(struct sysctr_store *st);

/* For doctor: SQLite's integrity check of the whole database (every page,
 * index and constraint). *problems gets the first max problems it
 * reports (NULL-terminated, empty when it finds none; free with
 * strv_free()), *version the schema version the file has (PRAGMA
 * user_version). -1 when the check itself cannot run. */
int sysctr_store_check(struct sysctr_store *st, size_t max, char ***problems,
		       int *version, struct sysctr_error **err);

/* Each clear function frees a row's strings and zeroes it, so a cleared
 * row (or one initialised with { 0 }) can be cleared again. */
void sysctr_ct_row_clear(struct sysctr_ct_row *r);
/* A row variable, initialised with { 0 }, cleared when it goes out of
 * scope; hand its strings out with steal_ptr(). */
#define cleanup_ct_row __attribute__((cleanup(sysctr_ct_row_clear)))
void sysctr_ct_rows_free(struct sysctr_ct_row *rows, size_t n);
void sysctr_image_row_clear(struct sysctr_image_row *r);
#define cleanup_image_row __attribute__((cleanup(sysctr_image_row_clear)))
void sysctr_image_rows_free(struct sysctr_image_row *rows, size_t n);
void sysctr_history_rows_free(struct sysctr_history_row *rows, size_t n);
void sysctr_snap_row_clear(struct sysctr_snap_row *r);
#define cleanup_snap_row __attribute__((cleanup(sysctr_snap_row_clear)))
void sysctr_snap_rows_free(struct sysctr_snap_row *rows, size_t n);

/* Insert; row->id and owner are filled in (owner: this host). A name
 * that exists gives SYSCTR_E_STATE "already exists". */
int sysctr_store_ct_insert(struct sysctr_store *st, struct sysctr_ct_row *row,
			   struct sysctr_error **err);
/* SYSCTR_E_NOT_FOUND "no such container" when absent. */
int sysctr_store_ct_get(struct sysctr_store *st, const char *name,
			struct sysctr_ct_row *out, struct sysctr_error **err);
/* Is NAME registered? 1 yes, 0 no, -1 error. Reads no column: cheaper
 * than sysctr_store_ct_get() where only the answer is wanted. */
int sysctr_store_ct_exists(struct sysctr_store *st, const char *name,
			   struct sysctr_error **err);
/* All containers, sorted by name. */
int sysctr_store_ct_list(struct sysctr_store *st, struct sysctr_ct_row **out,
			 size_t *n, struct sysctr_error **err);
int sysctr_store_ct_delete(struct sysctr_store *st, const char *name,
			   struct sysctr_error **err);
/* Record the init pid of the container's start (a hint, see
 * sysctr_ct_row.pid). */
int sysctr_store_ct_set_pid(struct sysctr_store *st, const char *name,
			    int64_t pid, struct sysctr_error **err);
int sysctr_store_ct_set_state(struct sysctr_store *st, const char *name,
			      const char *state, struct sysctr_error **err);

/* The newest image of (template, release, arch) (create --refresh makes
 * more than one); SYSCTR_E_NOT_FOUND when none. */
int sysctr_store_image_find(struct sysctr_store *st, const char *template,
			    const char *release, const char *arch,
			    struct sysctr_image_row *out,
			    struct sysctr_error **err);
int sysctr_store_image_get(struct sysctr_store *st, int64_t id,
			   struct sysctr_image_row *out,
			   struct sysctr_error **err);
/* Insert; row->id is filled in. */
int sysctr_store_image_insert(struct sysctr_store *st,
			      struct sysctr_image_row *row,
			      struct sysctr_error **err);
/* An image adopted from the directory gets its content hash later. */
int sysctr_store_image_set_hash(struct sysctr_store *st, int64_t id,
				const char *hash, struct sysctr_error **err);
int sysctr_store_image_list(struct sysctr_store *st,
			    struct sysctr_image_row **out, size_t *n,
			    struct sysctr_error **err);
/* Names of the containers made from image id (a NULL-terminated list,
 * never NULL; free with strv_free). */
int sysctr_store_image_users(struct sysctr_store *st, int64_t id, char ***names,
			     struct sysctr_error **err);
/* Refused with SYSCTR_E_STATE while a container uses the image. */
int sysctr_store_image_delete(struct sysctr_store *st, int64_t id,
			      struct sysctr_error **err);

/* Append one history row (time: now). */
int sysctr_store_history_add(struct sysctr_store *st, const char *container,
			     const char *action, const char *outcome,
			     const char *detail, struct sysctr_error **err);
/* Which rows: NULL, 0 for no filter. */
struct sysctr_store_history_filter {
	const char *container;
	size_t limit;  /* the newest `limit` of those that match */
	int64_t since; /* unix time: rows at or after it */
	const char *action;
};
/* Oldest first. */
int sysctr_store_history_find(struct sysctr_store *st,
			      const struct sysctr_store_history_filter *f,
			      struct sysctr_history_row **out, size_t *n,
			      struct sysctr_error **err);
/* Oldest first; container NULL for all; limit 0 for all, else the newest
 * `limit` rows. */
int sysctr_store_history_list(struct sysctr_store *st, const char *container,
			      size_t limit, struct sysctr_history_row **out,
			      size_t *n, struct sysctr_error **err);

/* Layers and snapshots (store-snap.c). A stack is a NULL-terminated list
 * of layer names, top first; lists returned are never NULL (strv_free). */
int sysctr_store_ct_layers(struct sysctr_store *st, int64_t ct_id, char ***out,
			   struct sysctr_error **err);
/* Replace the container's stack; every layer must be registered. */
int sysctr_store_ct_set_layers(struct sysctr_store *st, int64_t ct_id,
			       char *const *layers, struct sysctr_error **err);
/* NULL clears it. */
int sysctr_store_ct_set_pending(struct sysctr_store *st, int64_t ct_id,
				const char *pending, struct sysctr_error **err);
/* 0 clears it. */
int sysctr_store_ct_set_based_on(struct sysctr_store *st, int64_t ct_id,
				 int64_t snap_id, struct sysctr_error **err);
/* The container whose pending switch makes layer (1, *name set), or none
 * (0). */
int sysctr_store_layer_pending_owner(struct sysctr_store *st, const char *layer,
				     char **name, struct sysctr_error **err);
int sysctr_store_layer_insert(struct sysctr_store *st, const char *name,
			      struct sysctr_error **err);
int sysctr_store_layer_set_size(struct sysctr_store *st, const char *name,
				int64_t size, struct sysctr_error **err);
/* Delete the rows of the layers no container or snapshot uses and return
 * their names, for the caller to remove their files once this commits. */
int sysctr_store_layers_unused_take(struct sysctr_store *st, char ***names,
				    struct sysctr_error **err);
int sysctr_store_layer_names(struct sysctr_store *st, char ***names,
			     struct sysctr_error **err);
/* Insert a snapshot of container ct_id with the given stack; row->id and
 * created are filled in; a name in use gives SYSCTR_E_STATE. */
int sysctr_store_snap_insert(struct sysctr_store *st, int64_t ct_id,
			     struct sysctr_snap_row *row, char *const *layers,
			     struct sysctr_error **err);
/* SYSCTR_E_NOT_FOUND when absent; its stack into *layers unless NULL. */
int sysctr_store_snap_get(struct sysctr_store *st, int64_t ct_id,
			  const char *name, struct sysctr_snap_row *out,
			  char ***layers, struct sysctr_error **err);
/* Oldest first. */
int sysctr_store_snap_list(struct sysctr_store *st, int64_t ct_id,
			   struct sysctr_snap_row **out, size_t *n,
			   struct sysctr_error **err);
int sysctr_store_snap_delete(struct sysctr_store *st, int64_t ct_id,
			     const char *name, struct sysctr_error **err);

/* ---- address leases on the managed bridge (store-net.c) ---- */

struct sysctr_lease_row {
	char *container;
	char *ipv4; /* "10.117.0.2" */
	char *hwaddr;
};
void sysctr_lease_row_clear(struct sysctr_lease_row *r);
void sysctr_lease_rows_free(struct sysctr_lease_row *rows, size_t n);
/* Every lease of bridge, by container name. */
int sysctr_store_lease_list(struct sysctr_store *st, const char *bridge,
			    struct sysctr_lease_row **out, size_t *n,
			    struct sysctr_error **err);
/* The container's lease on bridge: 1 and *out when it has one, 0 when
 * not, -1 on error. */
int sysctr_store_lease_get(struct sysctr_store *st, const char *name,
			   const char *bridge, struct sysctr_lease_row *out,
			   struct sysctr_error **err);
/* The container's lease on bridge: the one it has, else the lowest free
 * address of first..last but avoid (the bridge's own; host byte order)
 * and a new MAC, in one transaction. A lease on another bridge is
 * replaced. */
int sysctr_store_lease_take(struct sysctr_store *st, const char *name,
			    const char *bridge, uint32_t first, uint32_t last,
			    uint32_t avoid, struct sysctr_lease_row *out,
			    struct sysctr_error **err);

/* ---- what list shows of container.conf (store-summary.c) ---- */

struct sysctr_summary {
	char *name;
	char *stamp; /* of the file it was read from */
	bool autostart;
	int autostart_order;
	char *autostart_group;
	char *autostart_ready;
	int autostart_timeout;
	int64_t memory;
	bool privileged;
	char *ipv4;	  /* a static address/prefix, or NULL */
	char *net_mode;	  /* container.conf's ("" sysctr.conf's) */
	char *net_bridge; /* container.conf's ("" sysctr.conf's) */
	char *forwards;	  /* network.forward, joined by commas ("" none) */
};
void sysctr_summary_clear(struct sysctr_summary *r);
void sysctr_summaries_free(struct sysctr_summary *rows, size_t n);
/* Every container's summary, by name. */
int sysctr_store_summary_list(struct sysctr_store *st,
			      struct sysctr_summary **out, size_t *n,
			      struct sysctr_error **err);
/* Keep r as the summary of r->name's container.conf. */
int sysctr_store_summary_put(struct sysctr_store *st,
			     const struct sysctr_summary *r,
			     struct sysctr_error **err);

#endif
