/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading an export archive as import does (lib/import-stream.c): the
 * members checked and extracted into a staging directory, their
 * checksums compared. lib/import.c decides what is made of them. */
#ifndef SYSCTR_IMPORT_STREAM_H
#define SYSCTR_IMPORT_STREAM_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "archive-lib.h"
#include "context.h"

struct dir_time {
	char *rel;
	struct timespec mtime;
};

struct import_stream {
	struct sysctr *s;
	struct archive *a;
	struct archive_entry *e; /* the current header (libarchive's) */
	int stagefd;
	json_object *sums; /* computed: member -> sha256 */
	char **keys;	   /* layer keys of the index */
	bool image;	   /* the index says the image is in */
	bool skip_image;   /* ... and this host has it: only checked */
	bool shift;	   /* unprivileged: layers and upper into the range */
	uint32_t base, size;
	char *twin_dir; /* the image's shifted rootfs, made beside it */
	/* the image's own rootfs is written too: a member whose owners or
	 * xattrs the shift would lose came (else lib/image.c makes it from
	 * the shifted copy when something needs it) */
	bool raw_too;
	char *staging;
	struct dir_time *dirs;
	size_t ndirs, capdirs;
	char *buf;
	int64_t bytes, in_size, reported;
};

/* Open the archive on fd (left open; the caller closes it). */
int import_stream_open(struct sysctr *s, struct import_stream *m, int fd,
		       struct sysctr_error **err);
void import_stream_close(struct import_stream *m);
/* The next member, which must be the regular file want, read whole (at
 * most SYSCTR_AR_TEXT_MAX bytes; its hash kept when sum). */
int import_read_text(struct import_stream *m, const char *want, bool sum,
		     char **text, struct sysctr_error **err);
/* The staging directory: its layers/KEY for each of keys, its image/
 * when the archive holds the image. */
int import_make_staging(struct import_stream *m, const char *staging,
			char *const *keys, struct sysctr_error **err);
/* Every member after container.conf into the staging directory, then
 * checksums.json compared with what was read. */
int import_extract_all(struct import_stream *m, struct sysctr_error **err);
#endif
