/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "error.h"
#include "names.h"
#include "util.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool sysctr_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len == 0 || len > 63 || !is_alnum(name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(name[i]) && name[i] != '-')
			return false;
	return true;
}

bool sysctr_token_valid(const char *s)
{
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len == 0 || len > 64 || !is_alnum(s[0]) || strstr(s, "..") != NULL)
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(s[i]) && strchr("._-", s[i]) == NULL)
			return false;
	return true;
}

SYSCTR_PUBLIC int sysctr_name_check(const char *name, struct sysctr_error **err)
{
	if (name == NULL || *name == '\0')
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid container name: empty");
	if (!sysctr_name_valid(name))
		return sysctr_err(
		    err, SYSCTR_E_USAGE, 0,
		    "invalid container name '%s': use 1-63 "
		    "letters, digits and '-', not starting with '-'",
		    name);
	return 0;
}
