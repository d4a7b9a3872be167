/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* import: a container from an archive that export wrote (see export.c for
 * its layout). lib/import-stream.c reads and checks the archive into a
 * staging directory inside the new container's temporary directory (a
 * killed import leaves it for the next create of the name to remove);
 * then this file takes the image (the archive's, or this host's), puts
 * the staged upper and layers in place and registers everything in one
 * transaction; the layers move into the layer store after its commit
 * (containers.pending = "import", finished by lib/layer-stack.c if sysctr
 * is killed in between). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive-format.h"
#include "archive-lib.h"
#include "import-stream.h"
#include "conf.h"
#include "container.h"
#include "create.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

/* ---- the index --------------------------------------------------------------
 */

struct index {
	json_object *root;
	const char *name, *template, *release, *arch;
	const char *image_hash;
	bool image;
	char **layers, **stack;
	json_object *snaps;
	const char *based_on;
};

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool key_ok(const char *k)
{
	size_t n = strlen(k);

	return n > 0 && n <= 64 &&
	       strspn(k, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
			 "OPQRSTUVWXYZ") == n;
}

/* A list of layer keys; in the index's layers when known is given. */
static int jkeys(json_object *o, const char *key, char *const *known,
		 char ***out)
{
	json_object *a;
	char **v = xcalloc(1, sizeof(*v));

	*out = v;
	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *k = json_object_array_get_idx(a, i);
		const char *s = json_object_get_string(k);

		if (!json_object_is_type(k, json_type_string) || !key_ok(s) ||
		    strv_contains(*out, s) ||
		    (known != NULL && !strv_contains(known, s)))
			return -1;
		strv_push(out, s);
	}
	return 0;
}

static void index_clear(struct index *x)
{
	json_object_put(x->root);
	strv_free(x->layers);
	strv_free(x->stack);
}

static int index_parse(const char *text, struct index *x,
		       struct sysctr_error **err)
{
	json_object *v, *img;
	const char *fmt;

	x->root = json_tokener_parse(text);
	if (x->root == NULL || !json_object_is_type(x->root, json_type_object))
		goto bad;
	fmt = jstr(x->root, "format");
	if (fmt == NULL || strcmp(fmt, SYSCTR_AR_FORMAT) != 0)
		goto bad;
	if (!json_object_object_get_ex(x->root, "version", &v) ||
	    json_object_get_int(v) != SYSCTR_AR_VERSION)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "an export of version %s: this sysctr "
				  "reads version %d",
				  v ? json_object_get_string(v) : "?",
				  SYSCTR_AR_VERSION);
	x->name = jstr(x->root, "name");
	x->template = jstr(x->root, "template");
	x->release = jstr(x->root, "release");
	x->arch = jstr(x->root, "arch");
	x->based_on = jstr(x->root, "based_on");
	if (x->name == NULL || x->template == NULL || x->release == NULL ||
	    x->arch == NULL || !sysctr_token_valid(x->template) ||
	    !sysctr_token_valid(x->release) || !sysctr_token_valid(x->arch))
		goto bad;
	if (json_object_object_get_ex(x->root, "image", &img)) {
		x->image_hash = jstr(img, "hash");
		x->image = json_object_object_get_ex(img, "included", &v) &&
			   json_object_get_boolean(v);
	}
	if (jkeys(x->root, "layers", NULL, &x->layers) < 0 ||
	    jkeys(x->root, "stack", x->layers, &x->stack) < 0)
		goto bad;
	if (!json_object_object_get_ex(x->root, "snapshots", &x->snaps) ||
	    !json_object_is_type(x->snaps, json_type_array))
		goto bad;
	return 0;
bad:
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "not a sysctr export, or its index.json is "
			  "damaged");
}

/* ---- registering
 * ---------------------------------------------------------------- */

/* Each key's new layer name, in the order of idx->layers. */
static char **new_names(char *const *keys)
{
	char **v = xcalloc(1, sizeof(*v));

	for (size_t i = 0; keys[i] != NULL; i++) {
		cleanup_free char *n = sysctr_layer_new_name();

		strv_push(&v, n);
	}
	return v;
}

static char **map_stack(char *const *stack, char *const *keys,
			char *const *names)
{
	char **v = xcalloc(1, sizeof(*v));

	for (size_t i = 0; stack[i] != NULL; i++)
		for (size_t k = 0; keys[k] != NULL; k++)
			if (strcmp(stack[i], keys[k]) == 0)
				strv_push(&v, names[k]);
	return v;
}

struct reg {
	const struct index *idx;
	char **names; /* new layer names, as idx->layers */
	const char *name;
	const char *tmp;
	const struct sysctr_image_row *img;
	int nsnaps;
};

static int register_in_tx(struct sysctr *s, struct reg *r, int64_t *id,
			  struct sysctr_error **err)
{
	const struct index *idx = r->idx;
	struct sysctr_ct_row like = { 0 };
	cleanup_strv char **stack =
	    map_stack(idx->stack, idx->layers, r->names);
	cleanup_free char *detail = NULL;
	int64_t based_on = 0;

	for (size_t i = 0; r->names[i] != NULL; i++)
		if (sysctr_store_layer_insert(s->store, r->names[i], err) < 0)
			return -1;
	like.template = (char *)idx->template;
	like.release = (char *)idx->release;
	like.arch = (char *)idx->arch;
	like.image_id = r->img->id;
	detail = xasprintf("from an export of %s", idx->name);
	if (sysctr_create_register_in_tx(s, &like, r->name, r->tmp, "import",
					 detail, id, err) < 0 ||
	    sysctr_store_ct_set_layers(s->store, *id, stack, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(idx->snaps); i++) {
		json_object *o = json_object_array_get_idx(idx->snaps, i), *v;
		cleanup_strv char **keys = NULL;
		cleanup_strv char **sstack = NULL;
		struct sysctr_snap_row row = { 0 };
		const char *sname = jstr(o, "name");

		if (sname == NULL || sysctr_snap_name_check(sname, err) < 0 ||
		    jkeys(o, "stack", idx->layers, &keys) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "the archive's index.json lists a "
					  "damaged snapshot");
		sstack = map_stack(keys, idx->layers, r->names);
		row.name = (char *)sname;
		row.comment = (char *)jstr(o, "comment");
		row.kind =
		    (char *)(jstr(o, "kind") ? jstr(o, "kind") : "manual");
		if (json_object_object_get_ex(o, "created", &v))
			row.created = json_object_get_int64(v);
		if (sysctr_store_snap_insert(s->store, *id, &row, sstack, err) <
		    0)
			return -1;
		if (idx->based_on != NULL && strcmp(idx->based_on, sname) == 0)
			based_on = row.id;
		r->nsnaps++;
	}
	if (based_on != 0 &&
	    sysctr_store_ct_set_based_on(s->store, *id, based_on, err) < 0)
		return -1;
	return sysctr_store_ct_set_pending(s->store, *id, PENDING_IMPORT, err);
}

static int register_all(struct sysctr *s, struct reg *r,
			struct sysctr_error **err)
{
	cleanup_free char *dir = sysctr_ct_dir(s, r->name);
	struct sysctr_ct_row row = { 0 };
	int64_t id = 0;

	if (sysctr_store_begin(s->store, err) < 0)
		return -1;
	if (register_in_tx(s, r, &id, err) < 0 ||
	    sysctr_store_commit(s->store, err) < 0) {
		sysctr_store_rollback(s->store);
		/* the directory goes back where the caller removes it */
		if (path_exists(dir) && !path_exists(r->tmp))
			rename(dir, r->tmp);
		return -1;
	}
	row.id = id;
	row.name = (char *)r->name;
	row.pending = (char *)PENDING_IMPORT;
	return sysctr_stack_finish(s, &row, err);
}

/* ---- the image
 * ---------------------------------------------------------------------- */

static int image_for(struct sysctr *s, const struct index *idx,
		     const char *staged, struct sysctr_image_row *img,
		     struct sysctr_import_result *res,
		     struct sysctr_error **err)
{
	struct sysctr_image_request req = { 0 };
	cleanup_image_row struct sysctr_image_row cached = { 0 };
	cleanup_error struct sysctr_error *e = NULL;
	bool from_cache = false;

	if (idx->image && img->id != 0) {
		res->image = xstrdup("cache"); /* found before the extraction */
		return 0;
	}
	if (idx->image) {
		if (sysctr_image_take_dir(s, idx->template, idx->release,
					  idx->arch, staged, img, err) < 0)
			return -1;
		res->image = xstrdup("archive");
		return 0;
	}
	if (sysctr_store_image_find(s->store, idx->template, idx->release,
				    idx->arch, &cached, &e) == 0 &&
	    is_dir(cached.path))
		from_cache = true;
	req.template = idx->template;
	req.release = idx->release;
	req.arch = idx->arch;
	if (sysctr_image_ensure(s, &req, img, err) < 0)
		return sysctr_err_prefix(err,
					 "the archive holds no image and none "
					 "of %s %s %s could be had here "
					 "(export with --with-image)",
					 idx->template, idx->release,
					 idx->arch);
	if (idx->image_hash != NULL && img->hash != NULL &&
	    strcmp(idx->image_hash, img->hash) != 0)
		log_warn("the image of %s %s %s here is not the one the "
			 "container was exported with (its files may differ)",
			 idx->template, idx->release, idx->arch);
	res->image = xstrdup(from_cache ? "cache" : "built");
	return 0;
}

/* ---- import
 * ------------------------------------------------------------------------ */

SYSCTR_PUBLIC void sysctr_import_result_clear(struct sysctr_import_result *r)
{
	free(r->name);
	free(r->image);
	memset(r, 0, sizeof(*r));
}

/* The staged tree in its places inside tmp: the upper over the fresh
 * one, each layer under its new name in tmp/import/layers. */
static int arrange(const char *tmp, const char *staging, char *const *keys,
		   char *const *names, const char *old_name, const char *name,
		   struct sysctr_error **err)
{
	cleanup_free char *upper = xasprintf("%s/overlay/delta", tmp);
	cleanup_free char *staged_upper = xasprintf("%s/upper", staging);

	if (rm_rf(upper, err) < 0)
		return -1;
	if (rename(staged_upper, upper) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "move %s",
				  staged_upper);
	for (size_t i = 0; keys[i] != NULL; i++) {
		cleanup_free char *from =
		    xasprintf("%s/layers/%s", staging, keys[i]);
		cleanup_free char *to =
		    xasprintf("%s/layers/%s", staging, names[i]);

		if (rename(from, to) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "move %s", from);
	}
	/* a new name: the container's hostname follows it */
	if (strcmp(old_name, name) != 0) {
		cleanup_close int ufd =
		    open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_free char *line = xasprintf("%s\n", name);
		struct stat st;

		if (ufd < 0 || fstat(ufd, &st) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "open %s", upper);
		if (mkdir_beneath(ufd, "etc", 0755, st.st_uid, st.st_gid, err) <
			0 ||
		    write_file_beneath(ufd, "etc/hostname", line, strlen(line),
				       0644, st.st_uid, st.st_gid, err) < 0)
			return -1;
	}
	return 0;
}

SYSCTR_PUBLIC int sysctr_ct_import(struct sysctr *s, const char *file,
				   const char *name,
				   struct sysctr_import_result *res,
				   struct sysctr_error **err)
{
	struct import_stream m = { 0 };
	struct index idx = { 0 };
	struct reg r = { 0 };
	cleanup_image_row struct sysctr_image_row img = { 0 };
	cleanup_free char *index_text = NULL, *conf_text = NULL;
	cleanup_free char *tmp = NULL, *staging = NULL, *conf_name = NULL;
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_strv char **names = NULL;
	cleanup_close int fd = -1;
	cleanup_lock int lock = -1;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (sysctr_archive_lib_load(err) < 0)
		return -1;
	if (name != NULL && sysctr_name_check(name, err) < 0)
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(
		    err, errno == ENOENT ? SYSCTR_E_NOT_FOUND : SYSCTR_E_FAILED,
		    errno, "open %s", file);
	if (import_stream_open(s, &m, fd, err) < 0 ||
	    import_read_text(&m, SYSCTR_AR_INDEX, true, &index_text, err) < 0 ||
	    index_parse(index_text, &idx, err) < 0)
		goto out;
	if (name == NULL) {
		name = idx.name;
		if (sysctr_name_check(name, err) < 0)
			goto out;
	}
	m.keys = idx.layers;
	m.image = idx.image;
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0 ||
	    import_read_text(&m, SYSCTR_AR_CONF, true, &conf_text, err) < 0)
		goto out;
	/* refuses a name in use, and a hostile container.conf */
	conf_name = sysctr_ct_conf_path(s, name);
	if (sysctr_ct_config_parse(conf_text, conf_name, &ct, err) < 0) {
		sysctr_err_prefix(err, "the archive's container.conf");
		goto out;
	}
	if (sysctr_create_tree(s, name, conf_text, &tmp, err) < 0)
		goto out;
	/* an image this host has already is only checked, not written */
	if (idx.image && idx.image_hash != NULL) {
		int found =
		    sysctr_image_find_hash(s, idx.template, idx.release,
					   idx.arch, idx.image_hash, &img, err);

		if (found < 0)
			goto out;
		m.skip_image = found > 0;
	}
	m.shift = !ct->security.privileged;
	if (m.shift && idx.image && !m.skip_image)
		m.twin_dir = sysctr_idmap_dir_name(s);
	m.base = (uint32_t)s->cfg->idmap.base;
	m.size = (uint32_t)s->cfg->idmap.size;
	staging = xasprintf("%s/import", tmp);
	if (import_make_staging(&m, staging, idx.layers, err) < 0 ||
	    import_extract_all(&m, err) < 0)
		goto out;
	{
		struct stat st;
		cleanup_free char *up = xasprintf("%s/upper", staging);

		if (lstat(up, &st) < 0 || !S_ISDIR(st.st_mode)) {
			sysctr_err(err, SYSCTR_E_FAILED, 0,
				   "the archive holds no upper directory");
			goto out;
		}
	}
	{
		cleanup_free char *staged_image =
		    xasprintf("%s/image", staging);

		if (image_for(s, &idx, staged_image, &img, res, err) < 0)
			goto out;
	}
	if (!ct->security.privileged &&
	    sysctr_idmap_prepare(s, img.path, err) < 0)
		goto out;
	names = new_names(idx.layers);
	if (arrange(tmp, staging, idx.layers, names, idx.name, name, err) < 0)
		goto out;
	r.idx = &idx;
	r.names = names;
	r.name = name;
	r.tmp = tmp;
	r.img = &img;
	if (register_all(s, &r, err) < 0)
		goto out;
	res->name = xstrdup(name);
	res->snapshots = r.nsnaps;
	res->bytes = m.bytes;
	ret = 0;
out:
	import_stream_close(&m);
	index_clear(&idx);
	if (ret < 0 && tmp != NULL && path_exists(tmp))
		rm_rf_or_warn(tmp, "remove a half-made import");
	return ret;
}
