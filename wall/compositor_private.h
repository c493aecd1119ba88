/*
 * The compositor's insides, shared by wall/compositor*.c: the running
 * sources (slots), the tiles on screen, alarms and transitions.
 * compositor.c runs scenes, sources and tours; compositor_draw.c draws a
 * frame; compositor_commands.c answers the control commands.
 */
#ifndef WALL_COMPOSITOR_PRIVATE_H
#define WALL_COMPOSITOR_PRIVATE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "compositor.h"
#include "slate.h"
#include "source.h"

#define LETTERBOX_ARGB 0xff000000u
#define DIM_ARGB 0x99000000u
#define LABEL_BOX_ARGB 0xb0101418u
#define ALARM_ARGB 0xffe02020u
/* The alarm border flashes at 1 Hz: on half a second, off half a second. */
#define ALARM_FLASH_US 500000
#define DEFAULT_ALARM_US (30 * G_USEC_PER_SEC)
/* How long tile fps is averaged over. */
#define FPS_WINDOW_US G_USEC_PER_SEC

/* One running source and the picture it shows now. */
struct source_slot {
	struct wall_source *source;
	const struct wall_layout_source *config;
	/* The picture on screen, and a newer one not yet uploaded. */
	struct wall_frame_ref *current;
	struct wall_frame_ref *pending;
	struct wall_texture texture;
	/* A new picture arrived this frame. */
	bool fresh;
	struct wall_source_health health;
	uint64_t health_generation;
	/* Set while collecting: some tile, tour or warm list still wants it. */
	bool wanted;
	/* When the last new picture arrived (monotonic), and fps over the last window. */
	int64_t last_frame_us;
	int64_t fps_window_us;
	uint32_t fps_window_frames;
	double fps;
	/*
	 * The source's own overlay (push_overlay: a HUD, a map), drawn over
	 * its picture or slate: the one uploaded, and a newer one (NULL when
	 * removed) while overlay_waiting. It changes on its own clock.
	 */
	struct wall_frame_ref *overlay_current;
	struct wall_frame_ref *overlay_pending;
	struct wall_texture overlay_texture;
	bool overlay_waiting;
	bool overlay_fresh;
};

/* A Cairo-drawn picture the wall lays over tiles: label, slate, badge. */
struct overlay {
	cairo_surface_t *surface;
	struct wall_texture texture;
	bool needs_upload;
};

struct tile {
	const struct wall_layout_tile *config;
	/* The source shown now (see the top of compositor.h), and its slot. */
	const struct wall_layout_source *shown;
	struct source_slot *slot;
	const struct wall_layout_source *pinned;
	/* Tour tiles: the stop shown, and when to move on. */
	guint tour_index;
	bool tour_running;
	bool tour_paused;
	int64_t tour_deadline_us;
	int64_t tour_left_us;
	/* An alarm sits on this tile; its border is lit in this phase. */
	struct alarm_entry *alarm;
	bool alarm_lit;
	/* Redraw whatever the look says: its source changed. */
	bool dirty;
	/* What the last tile event said, to send one only on change. */
	const struct wall_layout_source *reported_source;
	enum wall_source_state reported_state;
	struct wall_slate slate;
	char *slate_key;
	struct overlay label;
	struct overlay slate_text;
	struct overlay badge;
	bool damaged;
	uint64_t *shown_counter;
};

/* A scene change in progress: the old picture over or beside the new one. */
struct transition {
	enum wall_transition_kind kind;
	int64_t start_us;
	int64_t duration_us;
	/* The canvas as it was when the change came. */
	struct wall_texture snapshot;
	bool active;
};

struct alarm_entry {
	const struct wall_layout_source *source;
	char *tile_id;
	int64_t duration_us;
	int priority;
	uint64_t seq;
	/* While shown: when it ends, and the tile it sits on. */
	int64_t start_us;
	int64_t end_us;
	struct tile *tile;
};

struct wall_compositor {
	struct wall_renderer *renderer;
	struct wall_plugin_registry *registry;
	struct wall_stats *stats;
	const struct wall_layout *layout;
	const struct wall_layout_scene *scene;
	/* Source name -> struct source_slot *: shown, preloaded or warm. */
	GHashTable *slots;
	/* struct tile *, in drawing order (z). */
	GPtrArray *tiles;
	bool full_damage;
	struct transition transition;
	/* The alarm shown, or NULL, and the ones waiting (struct alarm_entry *). */
	struct alarm_entry *alarm;
	GPtrArray *alarm_queue;
	uint64_t alarm_seq;
	/*
	 * Tiles of other presets whose sources run hidden, so a recall shows
	 * them at once (const struct wall_layout_tile *, into layout); from
	 * wall_layout_warm_tiles() on every scene change.
	 */
	GPtrArray *warm;
	/* JSON texts for wall_compositor_take_events(). */
	GPtrArray *events;
};

/* Drawing (compositor_draw.c). */
void compositor_overlay_set(struct overlay *overlay, cairo_surface_t *surface);
void compositor_overlay_finish(struct overlay *overlay, struct wall_renderer *renderer);
cairo_surface_t *compositor_render_label(const struct wall_layout_tile *config, const char *text);
bool compositor_tile_update_look(struct tile *tile, int64_t now_us);
void compositor_close_damage(struct wall_compositor *compositor);
void compositor_draw_tile(struct tile *tile, struct wall_renderer *renderer);
void compositor_draw_transition(struct wall_compositor *compositor, int64_t now_us);

/* Scenes, sources and tours (compositor.c). */
const struct wall_frame_ref *compositor_slot_picture(const struct source_slot *slot);
const struct wall_layout_source *compositor_tour_stop(const struct tile *tile, guint index);
void compositor_sync_slots(struct wall_compositor *compositor);

/* Commands, events and status (compositor_commands.c). */
void compositor_alarm_free(struct alarm_entry *alarm);
void compositor_add_event(struct wall_compositor *compositor, JsonBuilder *builder);
JsonBuilder *compositor_event_begin(const char *name);
void compositor_add_string(JsonBuilder *builder, const char *name, const char *value);
void compositor_alarm_event(struct wall_compositor *compositor, const struct alarm_entry *alarm,
                            const char *state);
void compositor_alarm_place(struct wall_compositor *compositor);
void compositor_alarm_unplace(struct wall_compositor *compositor);
void compositor_alarm_next(struct wall_compositor *compositor, int64_t now_us);

#endif
