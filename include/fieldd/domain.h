/*
 * domain.h — business rules as plain C: no HTTP, no SQL.
 */
#ifndef FIELDD_DOMAIN_H
#define FIELDD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* Role names in the order of the role bits. NULL-terminated. */
extern const char *const domain_roles[];
/* Device kinds an engineer can be skilled in. NULL-terminated. */
extern const char *const domain_device_kinds[];

/* Minimum password length (OWASP ASVS 2.1.1). */
#define DOMAIN_PASSWORD_MIN 12
#define DOMAIN_PASSWORD_MAX 128

/* NULL when acceptable, otherwise a message naming the rule (static). */
const char *domain_check_login(const char *login);
const char *domain_check_password(const char *pw);

/* Login throttling: how many failures in the window close the door. */
#define DOMAIN_LOGIN_WINDOW_MIN	   15
#define DOMAIN_LOGIN_MAX_PER_LOGIN 10
#define DOMAIN_LOGIN_MAX_PER_ADDR  50
/* true when a login attempt must be refused before checking the password. */
bool domain_login_throttled(long by_login, long by_addr);

#endif
