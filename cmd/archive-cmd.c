/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export and import. */
#include "config.h"

#include <string.h>

#include "cli.h"

struct export_args {
	const char *file;
	struct sysctr_export_opts o;
};

static int do_export(struct cli *cli, const char *name, void *data,
		     char **detail, struct sysctr_error **err)
{
	struct export_args *a = data;
	struct sysctr_export_result r = { 0 };
	char *via = NULL;

	if (sysctr_ct_export(cli->s, name, a->file, &a->o, &r, err) < 0) {
		sysctr_export_result_clear(&r);
		return -1;
	}
	if (r.snapshot != NULL)
		via = xasprintf(", from a snapshot (it was frozen for %.3f s)",
				r.frozen_s);
	*detail = xasprintf(
	    "%s (%.1f MiB in %d layer%s, %d snapshot%s%s%s)", a->file,
	    (double)r.bytes / (1024.0 * 1024.0), r.layers,
	    r.layers == 1 ? "" : "s", r.snapshots, r.snapshots == 1 ? "" : "s",
	    a->o.with_image ? ", with its image" : "", via ? via : "");
	free(via);
	sysctr_export_result_clear(&r);
	return 0;
}

int cmd_export(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "no-snapshots", no_argument, NULL, 'S' },
		{ "with-image", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_args a = { 0 };
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "", longopts, err)) != -1) {
		if (opt == 'S')
			a.o.no_snapshots = true;
		else if (opt == 'I')
			a.o.with_image = true;
		else
			return -1;
	}
	if (argc - optind != 2)
		return cli_usage(cli, err, "needs NAME and FILE");
	a.file = argv[optind + 1];
	return cli_for_each(cli, 1, argv + optind, "export", do_export, &a,
			    false, err);
}

static int do_import(struct cli *cli, const char *file, void *data,
		     char **detail, struct sysctr_error **err)
{
	const char *name = data;
	struct sysctr_import_result r = { 0 };

	if (sysctr_ct_import(cli->s, file, name, &r, err) < 0) {
		sysctr_import_result_clear(&r);
		return -1;
	}
	*detail = xasprintf("%s (%d snapshot%s; image %s)", r.name, r.snapshots,
			    r.snapshots == 1 ? "" : "s",
			    strcmp(r.image, "archive") == 0 ? "from the archive"
			    : strcmp(r.image, "cache") == 0
				? "from this host's cache"
				: "built from its template here");
	sysctr_import_result_clear(&r);
	return 0;
}

int cmd_import(struct cli *cli, int argc, char **argv,
	       struct sysctr_error **err)
{
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, "", NULL, err)) != -1)
		return -1;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage(cli, err, "needs FILE [NAME]");
	return cli_for_each(cli, 1, argv + optind, "import", do_import,
			    argc - optind == 2 ? argv[optind + 1] : NULL, false,
			    err);
}
