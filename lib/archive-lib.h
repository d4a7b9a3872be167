/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libarchive and libcrypto's SHA-256, loaded when an export or import
 * needs them (lib/archive-lib.c). Linked normally they would load with
 * every sysctr command: libarchive brings libxml2 and ICU, several
 * milliseconds of a start or a stop. So they are dlopen()ed once, and
 * their functions are called through SYSCTR_AR (the prototypes are the
 * libraries' own headers', so the compiler checks every call). */
#ifndef SYSCTR_ARCHIVE_LIB_H
#define SYSCTR_ARCHIVE_LIB_H
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "error.h"

#define SYSCTR_ARCHIVE_FUNCS(X)                                                \
	X(archive_error_string)                                                \
	X(archive_filter_bytes)                                                \
	X(archive_write_new)                                                   \
	X(archive_write_add_filter_zstd)                                       \
	X(archive_write_set_filter_option)                                     \
	X(archive_write_set_format_pax)                                        \
	X(archive_write_set_bytes_in_last_block)                               \
	X(archive_write_open_fd)                                               \
	X(archive_write_header)                                                \
	X(archive_write_data)                                                  \
	X(archive_write_close)                                                 \
	X(archive_write_free)                                                  \
	X(archive_read_new)                                                    \
	X(archive_read_support_filter_zstd)                                    \
	X(archive_read_support_format_tar)                                     \
	X(archive_read_open_fd)                                                \
	X(archive_read_next_header)                                            \
	X(archive_read_data)                                                   \
	X(archive_read_data_block)                                             \
	X(archive_read_free)                                                   \
	X(archive_entry_new)                                                   \
	X(archive_entry_clear)                                                 \
	X(archive_entry_free)                                                  \
	X(archive_entry_pathname)                                              \
	X(archive_entry_set_pathname)                                          \
	X(archive_entry_filetype)                                              \
	X(archive_entry_set_filetype)                                          \
	X(archive_entry_perm)                                                  \
	X(archive_entry_set_perm)                                              \
	X(archive_entry_uid)                                                   \
	X(archive_entry_set_uid)                                               \
	X(archive_entry_gid)                                                   \
	X(archive_entry_set_gid)                                               \
	X(archive_entry_size)                                                  \
	X(archive_entry_size_is_set)                                           \
	X(archive_entry_set_size)                                              \
	X(archive_entry_mtime)                                                 \
	X(archive_entry_mtime_nsec)                                            \
	X(archive_entry_set_mtime)                                             \
	X(archive_entry_symlink)                                               \
	X(archive_entry_set_symlink)                                           \
	X(archive_entry_hardlink)                                              \
	X(archive_entry_set_hardlink)                                          \
	X(archive_entry_rdevmajor)                                             \
	X(archive_entry_rdevminor)                                             \
	X(archive_entry_set_rdevmajor)                                         \
	X(archive_entry_set_rdevminor)                                         \
	X(archive_entry_xattr_add_entry)                                       \
	X(archive_entry_xattr_reset)                                           \
	X(archive_entry_xattr_next)

#define SYSCTR_CRYPTO_FUNCS(X)                                                 \
	X(EVP_MD_CTX_new)                                                      \
	X(EVP_MD_CTX_free)                                                     \
	X(EVP_sha256)                                                          \
	X(EVP_DigestInit_ex)                                                   \
	X(EVP_DigestUpdate)                                                    \
	X(EVP_DigestFinal_ex)

struct sysctr_archive_lib {
#define SYSCTR_AR_PTR(f) __typeof__(f) *f;
	SYSCTR_ARCHIVE_FUNCS(SYSCTR_AR_PTR)
	SYSCTR_CRYPTO_FUNCS(SYSCTR_AR_PTR)
#undef SYSCTR_AR_PTR
};

/* The loaded functions; valid after sysctr_archive_lib_load() succeeded. */
extern struct sysctr_archive_lib sysctr_ar;
#define SYSCTR_AR (&sysctr_ar)

/* Load both libraries (once): SYSCTR_E_FAILED naming the package to
 * install when one is missing. */
int sysctr_archive_lib_load(struct sysctr_error **err);

/* SHA-256 through libcrypto. */
struct sysctr_sha256 {
	EVP_MD_CTX *ctx;
};
void sysctr_sha256_init(struct sysctr_sha256 *h);
void sysctr_sha256_update(struct sysctr_sha256 *h, const void *data,
			  size_t len);
/* The digest as 64 hex digits into hex (65 bytes); frees the context. */
void sysctr_sha256_hex(struct sysctr_sha256 *h, char hex[65]);
/* Free without a digest (after an error); a freed one may be freed
 * again. */
void sysctr_sha256_drop(struct sysctr_sha256 *h);
#endif
