/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Images: a template's output becomes an immutable base image under the
 * images directory, recorded in the registry and shared by every container
 * made from it. Building, adopting, finding, listing and removing images,
 * and their metadata (the template's --meta file). */
#ifndef SYSCTR_IMAGE_H
#define SYSCTR_IMAGE_H

#include "context.h"

/* What a template reports about the image it made (its --meta file). */
struct sysctr_image_meta {
	char *release;
	char *arch;
	char *init;	   /* "systemd", "busybox", ... */
	char *halt_signal; /* e.g. "SIGRTMIN+3" */
	char *lxc_common;  /* which LXC *.common.conf fits */
};

void sysctr_image_meta_clear(struct sysctr_image_meta *m);
#define cleanup_image_meta __attribute__((cleanup(sysctr_image_meta_clear)))
/* Read IMAGE_DIR/meta into m (zeroed by the caller): key=value lines,
 * unknown keys ignored, a key it lacks stays NULL. lxc_common must be a
 * plain token and halt_signal a signal's name (they reach liblxc's
 * config); a file over 64 KiB is refused. On failure m may hold some
 * values: clear it either way. */
int sysctr_image_meta_load(const char *image_dir, struct sysctr_image_meta *m,
			   struct sysctr_error **err);

struct sysctr_image_request {
	const char *template;
	const char *release; /* NULL: the template's default; for local, a
				content id of the tarball */
	const char *arch;    /* NULL: the host's */
	const char *source;  /* local: the rootfs tarball (absolute path) */
	const char *mirror;  /* NULL: sysctr.conf's mirror for the template */
	bool refresh;	     /* build a new image even when one is cached */
};

/* The newest image for the request, built by running the template if none
 * is cached (or refresh asks for a new one). Takes the image's lock while
 * it builds; a failed build leaves no directory, mount or row behind. */
int sysctr_image_ensure(struct sysctr *s,
			const struct sysctr_image_request *req,
			struct sysctr_image_row *out,
			struct sysctr_error **err);

/* An image that came in an archive (dir holds its meta and rootfs): moved
 * into the images directory and registered. Its content hash is not
 * taken from the archive, which is not trusted, nor computed now: it is
 * computed when something asks for it (sysctr_image_find_hash()). The
 * import looked for an image of the same content before (by the hash the
 * archive claims); if the claim was false, the image is here twice,
 * which costs space only. */
int sysctr_image_take_dir(struct sysctr *s, const char *template,
			  const char *release, const char *arch,
			  const char *dir, struct sysctr_image_row *out,
			  struct sysctr_error **err);

/* The registered image of template/release/arch whose content hash is
 * hash: 1 found (into out), 0 none. Images adopted without a hash get
 * theirs computed and recorded on the way. */
int sysctr_image_find_hash(struct sysctr *s, const char *template,
			   const char *release, const char *arch,
			   const char *hash, struct sysctr_image_row *out,
			   struct sysctr_error **err);
/* Its content hash (computed and recorded if it had none); NULL when it
 * cannot be computed. */
char *sysctr_image_hash(struct sysctr *s, struct sysctr_image_row *r);

/* Lock one image directory (for work on it such as the id shift); the
 * lock lives in the images directory. Returns the fd (sysctr_unlock). */
int sysctr_image_lock(struct sysctr *s, const char *image_dir,
		      struct sysctr_error **err);

/* The unfinished copies in the image store, whole paths: an image's
 * rootfs.tmp or rootfs.idmap-BASE-SIZE.tmp, left by a sysctr killed while
 * it made the image's rootfs or its shifted copy (the next one of the
 * same image removes it too). */
int sysctr_image_scraps(struct sysctr *s, char ***paths,
			struct sysctr_error **err);
/* Remove one of them under its image's lock; SYSCTR_E_BUSY when a sysctr
 * holds that lock now (making that very copy, perhaps). */
int sysctr_image_scrap_remove(struct sysctr *s, const char *path,
			      struct sysctr_error **err);

/* The image's own rootfs (IMAGE_DIR/rootfs, ids as the image has them),
 * in *rootfs when not NULL. An unprivileged container's import writes
 * only the shifted copy (lib/import-stream.c): what needs the rootfs
 * itself (a privileged container, another map, an export, the hash)
 * makes it here, once, from that copy shifted back, under the image's
 * lock. */
int sysctr_image_rootfs(struct sysctr *s, const char *image_dir, char **rootfs,
			struct sysctr_error **err);

#endif
