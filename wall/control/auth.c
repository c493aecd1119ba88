#include "auth.h"

#include <string.h>

#include "counters.h"
#include "limits.h"
#include "log.h"

/* What an address did lately. */
struct offender {
	int failures;
	int64_t last_failure_us;
	/* No token is checked from it before this time. */
	int64_t wait_until_us;
};

struct wall_auth {
	char *token;
	struct wall_control_counters *counters;
	/* char *address -> struct offender *. */
	GHashTable *offenders;
	int64_t last_log_us;
	/* Wrong tokens since the last log line, not logged one by one. */
	unsigned unlogged;
};

struct wall_auth *wall_auth_new(const char *token, struct wall_control_counters *counters)
{
	struct wall_auth *auth = g_new0(struct wall_auth, 1);
	auth->token = g_strdup(token);
	auth->counters = counters;
	auth->offenders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return auth;
}

void wall_auth_free(struct wall_auth *auth)
{
	if (auth == NULL) {
		return;
	}
	if (auth->token != NULL) {
		memset(auth->token, 0, strlen(auth->token));
	}
	g_free(auth->token);
	g_hash_table_destroy(auth->offenders);
	g_free(auth);
}

static bool token_matches(const char *token, const char *given)
{
	/* Constant time over the token's length, so timing tells nothing. */
	size_t n = strlen(token);
	size_t m = strlen(given);
	unsigned diff = n != m;
	for (size_t i = 0; i < n; i++) {
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < m ? given[i] : 0);
	}
	return diff == 0;
}

/* One line now and then, however fast tokens come: the log must not be a flood. */
static void log_wrong(struct wall_auth *auth, const char *peer, int64_t now_us)
{
	auth->unlogged++;
	if (auth->last_log_us != 0 &&
	    now_us - auth->last_log_us < (int64_t)WALL_CONTROL_AUTH_LOG_EVERY_S * G_USEC_PER_SEC) {
		return;
	}
	if (auth->unlogged > 1) {
		wall_warning("control: %s sent a wrong token (%u wrong tokens in the last %d s or "
		             "more; STATUS counts them)",
		             peer, auth->unlogged, WALL_CONTROL_AUTH_LOG_EVERY_S);
	} else {
		wall_warning("control: %s sent a wrong token", peer);
	}
	auth->unlogged = 0;
	auth->last_log_us = now_us;
}

/* Room for one more address: forget the one whose last wrong token is oldest. */
static void make_room(struct wall_auth *auth)
{
	if (g_hash_table_size(auth->offenders) < WALL_CONTROL_AUTH_MAX_ADDRESSES) {
		return;
	}
	GHashTableIter iter;
	gpointer key, value;
	const char *oldest = NULL;
	int64_t oldest_us = INT64_MAX;
	g_hash_table_iter_init(&iter, auth->offenders);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const struct offender *offender = value;
		if (offender->last_failure_us < oldest_us) {
			oldest_us = offender->last_failure_us;
			oldest = key;
		}
	}
	if (oldest != NULL) {
		g_hash_table_remove(auth->offenders, oldest);
	}
}

static void remember_wrong(struct wall_auth *auth, const char *address, int64_t now_us)
{
	struct offender *offender = g_hash_table_lookup(auth->offenders, address);
	if (offender == NULL) {
		make_room(auth);
		offender = g_new0(struct offender, 1);
		g_hash_table_insert(auth->offenders, g_strdup(address), offender);
	}
	offender->failures++;
	offender->last_failure_us = now_us;
	int over = offender->failures - WALL_CONTROL_AUTH_FREE_FAILURES;
	if (over >= 0) {
		/* 2 s, 4 s, 8 s ... at most a minute between tries. */
		int64_t wait_s = WALL_CONTROL_AUTH_BACKOFF_MAX_S;
		if (over < 6) {
			wait_s = MIN((int64_t)WALL_CONTROL_AUTH_BACKOFF_FIRST_S << over,
			             (int64_t)WALL_CONTROL_AUTH_BACKOFF_MAX_S);
		}
		offender->wait_until_us = now_us + wait_s * G_USEC_PER_SEC;
	}
}

enum wall_auth_result wall_auth_check_any(struct wall_auth *auth, const char *address,
                                          const char *peer, const char *given,
                                          const char *const *tokens, guint count, int *which,
                                          int64_t now_us, int *wait_s)
{
	struct offender *offender = g_hash_table_lookup(auth->offenders, address);
	if (offender != NULL && now_us < offender->wait_until_us) {
		/* Not even checked, so waiting out the backoff is the only way to guess. */
		*wait_s = (int)((offender->wait_until_us - now_us + G_USEC_PER_SEC - 1) /
		                G_USEC_PER_SEC);
		wall_counter_add(auth->counters, WALL_COUNTER_AUTH_BACKOFF, 1);
		return WALL_AUTH_RESULT_WAIT;
	}
	int found = -1;
	/* Every token is compared, so the time says nothing about which came close. */
	for (guint i = 0; i < count; i++) {
		if (tokens[i] != NULL && token_matches(tokens[i], given) && found < 0) {
			found = (int)i;
		}
	}
	if (found >= 0) {
		g_hash_table_remove(auth->offenders, address);
		if (which != NULL) {
			*which = found;
		}
		return WALL_AUTH_RESULT_OK;
	}
	wall_counter_add(auth->counters, WALL_COUNTER_AUTH_FAILURES, 1);
	remember_wrong(auth, address, now_us);
	log_wrong(auth, peer, now_us);
	return WALL_AUTH_RESULT_WRONG;
}

enum wall_auth_result wall_auth_check(struct wall_auth *auth, const char *address, const char *peer,
                                      const char *given, int64_t now_us, int *wait_s)
{
	const char *tokens[] = {auth->token};
	return wall_auth_check_any(auth, address, peer, given, tokens, 1, NULL, now_us, wait_s);
}

void wall_auth_prune(struct wall_auth *auth, int64_t now_us)
{
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, auth->offenders);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const struct offender *offender = value;
		if (now_us - offender->last_failure_us >
		    (int64_t)WALL_CONTROL_AUTH_FORGET_S * G_USEC_PER_SEC) {
			g_hash_table_iter_remove(&iter);
		}
	}
}
