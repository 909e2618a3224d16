/* Account rules: logins, passwords, login throttling. */
#include "fieldd/domain.h"
#include "fieldd/auth.h"

#include <string.h>

const char *const domain_roles[] = {"admin", "dispatcher", "lead", "engineer", NULL};

unsigned role_bit(const char *name)
{
	for (unsigned i = 0; name && domain_roles[i]; i++)
		if (strcmp(name, domain_roles[i]) == 0)
			return 1u << i;
	return 0;
}
const char *const domain_device_kinds[] = {"desktop", "laptop", "printer", "monitor", "network",
					   "scanner", "server", "phone",   "other",   NULL};

const char *domain_check_login(const char *login)
{
	size_t n = strlen(login);
	if (n < 2 || n > 64)
		return "must be 2 to 64 characters";
	for (size_t i = 0; i < n; i++) {
		char c = login[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '.' || c == '_' || c == '-'));
		if (!ok)
			return "may hold only lower-case letters, digits, '.', '_' and '-', "
			       "starting with a letter or digit";
	}
	return NULL;
}

const char *domain_check_password(const char *pw)
{
	size_t chars = 0;
	for (const char *p = pw; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			chars++;
	if (chars < DOMAIN_PASSWORD_MIN)
		return "must be at least 12 characters";
	if (strlen(pw) > DOMAIN_PASSWORD_MAX)
		return "must be at most 128 bytes";
	return NULL;
}

long domain_login_wait(long pair_failures, double since_last_s, long account_failures,
		       bool trusted_device, bool *account_wide)
{
	*account_wide = false;
	/* a browser that logged in before is bounded by its own cookie's failures */
	if (trusted_device)
		return 0;
	if (account_failures >= DOMAIN_LOGIN_ACCOUNT_MAX) {
		*account_wide = true;
		return DOMAIN_LOGIN_ACCOUNT_WAIT_S;
	}
	if (pair_failures < DOMAIN_LOGIN_FREE_TRIES)
		return 0;
	long delay = DOMAIN_LOGIN_BASE_DELAY_S;
	for (long i = DOMAIN_LOGIN_FREE_TRIES;
	     i < pair_failures && delay < DOMAIN_LOGIN_MAX_DELAY_S; i++)
		delay *= 2;
	if (delay > DOMAIN_LOGIN_MAX_DELAY_S)
		delay = DOMAIN_LOGIN_MAX_DELAY_S;
	if (since_last_s < 0)
		since_last_s = 0;
	double left = (double)delay - since_last_s;
	if (left <= 0)
		return 0;
	long w = (long)left;
	return w < left ? w + 1 : w; /* round up: never invite a try that is still early */
}
