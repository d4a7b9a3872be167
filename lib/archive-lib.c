/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading libarchive and libcrypto on demand (see archive-lib.h). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "archive-lib.h"
#include "error.h"

struct sysctr_archive_lib sysctr_ar;

/* The sonames of Debian 12's libarchive13 and libssl3. */
#define ARCHIVE_SONAME "libarchive.so.13"
#define CRYPTO_SONAME "libcrypto.so.3"

static int resolve(void *h, const char *lib, const char *pkg, const char *sym,
		   void **slot, struct sysctr_error **err)
{
	*slot = dlsym(h, sym);
	if (*slot == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s has no %s: install %s", lib, sym, pkg);
	return 0;
}

int sysctr_archive_lib_load(struct sysctr_error **err)
{
	static int loaded;
	void *ha, *hc;

	if (loaded)
		return 0;
	ha = dlopen(ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (ha == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "export and import need %s: install "
				  "libarchive13 (%s)",
				  ARCHIVE_SONAME, dlerror());
	hc = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (hc == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "export and import need %s: install "
				  "libssl3 (%s)",
				  CRYPTO_SONAME, dlerror());
#define SYSCTR_AR_LOAD_A(f)                                                    \
	if (resolve(ha, ARCHIVE_SONAME, "libarchive13", #f,                    \
		    (void **)&sysctr_ar.f, err) < 0)                           \
		return -1;
#define SYSCTR_AR_LOAD_C(f)                                                    \
	if (resolve(hc, CRYPTO_SONAME, "libssl3", #f, (void **)&sysctr_ar.f,   \
		    err) < 0)                                                  \
		return -1;
	SYSCTR_ARCHIVE_FUNCS(SYSCTR_AR_LOAD_A)
	SYSCTR_CRYPTO_FUNCS(SYSCTR_AR_LOAD_C)
#undef SYSCTR_AR_LOAD_A
#undef SYSCTR_AR_LOAD_C
	/* the handles stay open for the life of the process */
	loaded = 1;
	return 0;
}

void sysctr_sha256_init(struct sysctr_sha256 *h)
{
	h->ctx = SYSCTR_AR->EVP_MD_CTX_new();
	if (h->ctx == NULL || SYSCTR_AR->EVP_DigestInit_ex(
				  h->ctx, SYSCTR_AR->EVP_sha256(), NULL) != 1)
		abort();
}

void sysctr_sha256_update(struct sysctr_sha256 *h, const void *data, size_t len)
{
	if (len > 0)
		SYSCTR_AR->EVP_DigestUpdate(h->ctx, data, len);
}

void sysctr_sha256_hex(struct sysctr_sha256 *h, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	SYSCTR_AR->EVP_DigestFinal_ex(h->ctx, md, &n);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
	sysctr_sha256_drop(h);
}

void sysctr_sha256_drop(struct sysctr_sha256 *h)
{
	if (h->ctx != NULL)
		SYSCTR_AR->EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}
