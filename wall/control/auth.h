/*
 * Tokens on the control thread: the check itself (constant time), a
 * backoff per address for wrong tokens, and a log that says how many
 * came without one line each. Wrong tokens are counted, never audited:
 * the audit log is the operators' history, not a guesser's.
 */
#ifndef WALL_CONTROL_AUTH_H
#define WALL_CONTROL_AUTH_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct wall_auth;
struct wall_control_counters;

enum wall_auth_result {
	WALL_AUTH_RESULT_INVALID = 0,
	WALL_AUTH_RESULT_OK,
	WALL_AUTH_RESULT_WRONG,
	/** Not checked: the address must wait *wait_s more seconds after its wrong tokens. */
	WALL_AUTH_RESULT_WAIT,
};

/**
 * token is copied (and wiped at the end); it may be NULL when only
 * wall_auth_check_any() is used (the web remote's users). counters may be NULL.
 */
struct wall_auth *wall_auth_new(const char *token, struct wall_control_counters *counters);
/** Accepts NULL. */
void wall_auth_free(struct wall_auth *auth);

/**
 * Check given, a token sent from address (who peer names in the log), at
 * now_us (monotonic). *wait_s is set with WALL_AUTH_RESULT_WAIT.
 */
enum wall_auth_result wall_auth_check(struct wall_auth *auth, const char *address, const char *peer,
                                      const char *given, int64_t now_us, int *wait_s);
/**
 * The same check against several tokens (tokens[0..count)), the same
 * backoff per address: *which is set to the index of the one given
 * with WALL_AUTH_RESULT_OK. Every token is compared, in constant time.
 */
enum wall_auth_result wall_auth_check_any(struct wall_auth *auth, const char *address,
                                          const char *peer, const char *given,
                                          const char *const *tokens, guint count, int *which,
                                          int64_t now_us, int *wait_s);
/** Forget addresses quiet for long enough; call now and then. */
void wall_auth_prune(struct wall_auth *auth, int64_t now_us);

#endif
