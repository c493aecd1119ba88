/*
 * Source instances: one running plugin instance per layout source, plus
 * the host side the plugin talks to (struct wall_host).
 *
 * Plugin threads push frames into a newest-wins mailbox; the render thread
 * takes the newest once per frame. Frames are reference-counted so that
 * several tiles can show one and the renderer can keep drawing it; the
 * plugin's release callback runs when the last reference goes.
 */
#ifndef WALL_SOURCE_H
#define WALL_SOURCE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "wall/plugin.h"

struct wall_plugin_registry;
struct wall_metrics;

struct wall_frame_ref {
	struct wall_frame frame;
	/** Number of the push that made it, from 1; lets tiles see new frames. */
	uint64_t seq;
	gint refcount;
};

struct wall_frame_ref *wall_frame_ref_ref(struct wall_frame_ref *ref);
/** Accepts NULL. The last unref calls the plugin's release callback. */
void wall_frame_ref_unref(struct wall_frame_ref *ref);

/** Health as last reported, copied out under the source's lock. */
struct wall_source_health {
	enum wall_source_state state;
	/** Owned by the caller: g_free. */
	char *reason;
	/** When the state began, wall clock (g_get_real_time). */
	int64_t since_real_us;
	/** When the state began, monotonic. */
	int64_t since_us;
	/** Bumps on every state or reason change, for cheap comparison. */
	uint64_t generation;
};

/**
 * Start an instance of config through its plugin, found in registry. The
 * source always exists afterwards: when the plugin is missing, refused or
 * fails to create, it sits in the ERROR state with the reason.
 */
struct wall_source *wall_source_create(const struct wall_layout_source *config,
				       struct wall_plugin_registry *registry);
/** Stops the instance and drops every frame it holds. Accepts NULL. */
void wall_source_destroy(struct wall_source *source);

/*
 * The most a plugin callback may take on the render thread (create, show,
 * hide, set_view_size): a debug build (no NDEBUG) warns past it.
 */
#define WALL_SOURCE_CALLBACK_BUDGET_US 1000
/** Render-thread callbacks over budget since the process started (always 0 when built with NDEBUG). */
unsigned wall_source_slow_callbacks(void);

const char *wall_source_get_name(const struct wall_source *source);
const struct wall_layout_source *wall_source_get_config(const struct wall_source *source);

/**
 * Render thread: the newest frame pushed since the last call (the caller
 * owns the reference), or NULL when there is none.
 */
struct wall_frame_ref *wall_source_take_frame(struct wall_source *source);
/**
 * Render thread: the same, for a frame presented at now_us (monotonic):
 * held pictures (wall_source_set_hold) count only once their capture time
 * plus the hold has come.
 */
struct wall_frame_ref *wall_source_take_frame_due(struct wall_source *source, int64_t now_us);
/**
 * Hold every picture that knows its capture time until capture time +
 * hold_us (0: show the newest at once, the default). Any thread.
 */
void wall_source_set_hold(struct wall_source *source, int64_t hold_us);

/**
 * Render thread: when the overlay changed since the last call, returns
 * true and stores a reference to the newest one in *overlay (the caller
 * owns it), or NULL when the plugin removed it. Returns false, leaving
 * *overlay NULL, when nothing changed.
 */
bool wall_source_take_overlay(struct wall_source *source, struct wall_frame_ref **overlay);

/** Copy out the current health. Free health->reason. */
void wall_source_get_health(struct wall_source *source, struct wall_source_health *health);
uint64_t wall_source_health_generation(struct wall_source *source);

/**
 * Tell the plugin whether any tile shows it now: show() or hide() on a
 * change, and always on the first call. Render thread.
 */
void wall_source_set_visible(struct wall_source *source, bool visible);

/**
 * Tell the plugin the largest on-screen size of the tiles showing it, when
 * it changed. Render thread.
 */
void wall_source_set_view_size(struct wall_source *source, uint32_t width_px, uint32_t height_px);

/** Frames pushed and frames replaced before they were shown. */
void wall_source_get_counts(struct wall_source *source, uint64_t *pushed, uint64_t *dropped);

/** Events a source queues between two frames; more are dropped (logged once). */
#define WALL_SOURCE_EVENTS_MAX 64u
/** The largest JSON text of one plugin event. */
#define WALL_EVENT_MAX_BYTES 16384u

/**
 * Render thread: move the events the plugin emitted since the last call
 * into into (JSON texts, {"event": "plugin", "source", "type", "data"}),
 * which must free its elements with g_free.
 */
void wall_source_take_events(struct wall_source *source, GPtrArray *into);

/** The plugin's status pairs, through add(user, key, value). */
void wall_source_status(struct wall_source *source, wall_status_fn add, void *user);

#endif
