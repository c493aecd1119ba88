/*
 * The render thread's side of control, shared by its parts:
 *   control.c   the queue from the control thread, keys, and the frame
 *               report back (answers, follow-up work, events)
 *   commands.c  the commands that change or describe the wall
 *   presets.c   wall states as JSON: saved presets and the state kept
 *               across a restart
 * control.c uses commands.c, both use presets.c, and nothing leads back.
 */
#ifndef WALL_CONTROL_PRIVATE_H
#define WALL_CONTROL_PRIVATE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "counters.h"
#include "request.h"

/* A user's saved preset: a wall state, {"scene": ..., "pins": {...}}. */
struct user_preset {
	char *name;
	char *json;
};

struct wall_control {
	struct wall_server *server;
	struct wall_state *state;
	/* Limits hit, for STATUS; written by the control thread too. */
	struct wall_control_counters counters;
	/* SCREENSHOT's folder: its path, and open for the control thread. */
	char *screenshot_dir;
	int screenshot_dir_fd;
	/* struct wall_request *, from the control thread. */
	GAsyncQueue *inbox;
	struct wall_layout *layout;
	struct wall_compositor *compositor;
	/* Preset number -> struct user_preset *. Render thread once started. */
	GHashTable *presets;
	/* The preset last recalled, while its scene shows; 0 for none. */
	int preset;
	uint64_t frame;
	int64_t now_us;
	/* This frame's answered requests (struct wall_request *), in order. */
	GPtrArray *answered;
	/* The web remote's miniatures: how many canvases were copied, and the time it took. */
	uint64_t miniatures;
	int64_t miniature_us;
	/* The scene or pins changed this frame: save and announce. */
	bool state_changed;
	bool scene_changed;

	/* A node of a wall over several machines (cluster.c); NULL otherwise. */
	struct wall_cluster *cluster;
	int64_t frame_period_us;
	/* This frame's slot on the shared clock. */
	int64_t slot_us;
	/* Own commands sent to the broker, by number: struct sent_request *. */
	GHashTable *cluster_sent;
	/* Commands from the broker presented on this frame: JSON objects to announce. */
	GPtrArray *cluster_presented;
	/* An own command changed the wall on this frame: the broker keeps the new state. */
	bool cluster_own_changed;
	/* Alarms showing or queued, as every node applied them: struct cluster_alarm *. */
	GPtrArray *cluster_alarms;
};

/* cluster_glue.c */
/** Join the broker of layout->cluster_url as layout->node, when both are set. */
bool control_cluster_start(struct wall_control *control, const char *token, GError **error);
void control_cluster_stop(struct wall_control *control);
/**
 * Run request now, or, for a node of a wall over several machines, send
 * it through the broker to land everywhere at once. Takes request.
 */
void control_route_request(struct wall_control *control, struct wall_request *request);
/** Start of a frame: catch up with the broker's state, apply the commands now due. */
void control_cluster_begin_frame(struct wall_control *control);
/**
 * After a frame is on screen: say what was presented (to the broker, and as
 * EVENT JSON added to events), and leave the state on the broker.
 */
void control_cluster_end_frame(struct wall_control *control, GPtrArray *events);
/** Render thread: an ALARM or ALARM CLEAR ran; remember it for late nodes. */
void control_cluster_note_alarm(struct wall_control *control, const struct wall_command *command);

/* commands.c */
/** Run request's commands now, on this frame, and keep it to answer after the frame. */
void control_apply_request(struct wall_control *control, struct wall_request *request);

/* presets.c */
/** Fill control->presets from the state file. */
void control_presets_load(struct wall_control *control);
/** The wall as shown: {"scene": name, "pins": {tile: source}, "preset": n}. g_free it. */
char *control_state_json(struct wall_control *control);
/**
 * Show a saved wall state. Pins whose tile or source the layout lost are
 * dropped: the layout may have changed since the state was saved.
 * Returns false, with why set, when its scene is gone.
 */
bool control_apply_state(struct wall_control *control, const char *json,
                         enum wall_transition_kind transition, int64_t duration_ms, char **why);
/** Add "presets": [{number, saved, name, scene}, ...], of the layout and saved, to out. */
void control_presets_list(struct wall_control *control, JsonBuilder *out);

#endif
