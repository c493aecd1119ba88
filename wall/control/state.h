/*
 * What users create at run time and the wall must not forget: saved
 * presets, the last wall state shown, and the audit log. One SQLite file;
 * a wall killed with SIGKILL or a power cut comes back with all of it.
 *
 * Control thread only (and before it starts): SQLite writes wait for the
 * disk, which the render thread never does.
 */
#ifndef WALL_CONTROL_STATE_H
#define WALL_CONTROL_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct wall_state;

/**
 * Open or create the file, and its folder. Presets and the last state
 * belong to one wall: layout_key (the layout file's absolute path) keeps
 * walls that share a state file apart. Returns NULL with error set when
 * the file cannot be opened or is not a wall state file.
 */
struct wall_state *wall_state_open(const char *path, const char *layout_key, GError **error);
/** Accepts NULL. */
void wall_state_close(struct wall_state *state);

/** The default file: $XDG_STATE_HOME/wall/state.sqlite, else ~/.local/state/wall/. */
char *wall_state_default_path(void);

/** Save (or replace) preset number with its wall state as JSON. */
bool wall_state_save_preset(struct wall_state *state, int number, const char *name,
			    const char *json);
/** Returns false when there was no such preset. */
bool wall_state_delete_preset(struct wall_state *state, int number);

typedef void (*wall_state_preset_fn)(void *user, int number, const char *name,
				     const char *json);
/** Every saved preset, by number. */
void wall_state_foreach_preset(struct wall_state *state, wall_state_preset_fn fn, void *user);

/** Remember what the wall shows now (JSON), to come back to it after a restart. */
bool wall_state_set_last(struct wall_state *state, const char *json);
/** The last wall state saved, or NULL. g_free it. */
char *wall_state_get_last(struct wall_state *state);

/**
 * One audited command. frame is 0 when it never reached a frame (refused
 * before). time_us is wall-clock (g_get_real_time).
 */
struct wall_audit_entry {
	int64_t time_us;
	const char *peer;
	const char *command;
	const char *result;
	uint64_t frame;
};

bool wall_state_audit(struct wall_state *state, const struct wall_audit_entry *entry);
typedef void (*wall_state_audit_fn)(void *user, const struct wall_audit_entry *entry);
/** The newest rows entries, oldest first. */
void wall_state_foreach_audit(struct wall_state *state, int rows, wall_state_audit_fn fn,
			      void *user);

/**
 * The ids of the oldest and the newest of the newest rows audit rows;
 * false when the log is empty. With wall_state_foreach_audit_page(), a
 * long answer is read a page at a time.
 */
bool wall_state_audit_range(struct wall_state *state, int rows, int64_t *first_id,
			    int64_t *last_id);
/**
 * Up to limit rows from *from_id to to_id, oldest first, their command
 * and result cut to max_chars characters; *from_id moves past the last
 * one. Returns how many came.
 */
int wall_state_foreach_audit_page(struct wall_state *state, int64_t *from_id, int64_t to_id,
				  int limit, int max_chars, wall_state_audit_fn fn, void *user);

#endif
