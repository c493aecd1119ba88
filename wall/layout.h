/*
 * Layout files: what the wall shows, parsed from YAML.
 *
 * wall_layout_load() reads a file into an immutable struct wall_layout, or
 * fails with a GError whose message is "FILE:LINE:COL: what was expected".
 * Tile rectangles come out resolved to canvas pixels, tiles sorted by z
 * (stable, file order breaks ties), so renderers never see grid cells.
 */
#ifndef WALL_LAYOUT_H
#define WALL_LAYOUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "inspection/config.h"
#include "rect.h"
#include "wall/plugin.h"

/**
 * Domain of the errors wall_layout_load() sets for a layout that is valid
 * YAML but not a valid wall. YAML syntax errors come in WALL_YAML_ERROR
 * (yaml_tree.h), unreadable files in G_FILE_ERROR; every message but the
 * last starts with "FILE:LINE:COL: ".
 */
#define WALL_LAYOUT_ERROR (wall_layout_error_quark())
GQuark wall_layout_error_quark(void);

enum wall_layout_error_code {
	WALL_LAYOUT_ERROR_INVALID = 0,
	/** The YAML is well formed but does not describe a wall. */
	WALL_LAYOUT_ERROR_SCHEMA,
};

/** Position in a layout file, 1-based. */
struct wall_mark {
	int line;
	int column;
};

/** One plugin option as set in the layout, already validated. */
struct wall_layout_option {
	char *name;
	/** Scalar text; for PATH, resolved against the layout's folder; for JSON, JSON text. */
	char *value;
	const struct wall_option *spec;
	struct wall_mark mark;
};

struct wall_layout_source {
	char *name;
	char *plugin;
	/** Shown on its tiles; NULL for none. */
	char *label;
	/** Grouping keys for the camera figures (district:, town:); NULL for none. */
	char *district;
	char *town;
	/** struct wall_layout_option *, in file order. */
	GPtrArray *options;
	/**
	 * Set when the plugin could not be found or loaded: the reason. Such a
	 * source still runs, as an error slate. wall --check reports it.
	 */
	char *plugin_error;
	/**
	 * The layout file's folder, absolute, for plugins that resolve paths
	 * found inside other options; NULL for sources made by hand.
	 */
	char *dir;
	struct wall_mark mark;
	struct wall_mark plugin_mark;
	/**
	 * Run the plugin in its own process (wall-plugin-host): the source's
	 * isolate, else the wall's, else false.
	 */
	bool isolate;
	/** The isolated child's address-space limit in MiB; 0 for none. */
	int64_t memory_mb;
	/**
	 * Not from the layout: a source opened for an inspection visit. It
	 * publishes no metrics, so the camera's own figures ("<name>.online")
	 * stay those of the wall's own source.
	 */
	bool probe;
};

struct wall_layout_tile {
	char *id;
	/**
	 * Points into wall_layout.sources. For a tour tile, the first source
	 * of the tour: what the tile shows when the tour starts.
	 */
	const struct wall_layout_source *source;
	/**
	 * A tour (轮巡): const struct wall_layout_source *, into
	 * wall_layout.sources, shown in turn for dwell_ms each. NULL for a
	 * tile with one source.
	 */
	GPtrArray *tour;
	int64_t dwell_ms;
	struct wall_rect rect;
	int z;
	enum wall_fit fit;
	int border_px;
	uint32_t border_argb;
	/** Label to show: the tile's own, else its source's; NULL for none. */
	const char *label;
	char *label_own;
	struct wall_mark mark;
	/**
	 * Outside the viewport of the node this wall draws (--node): the tile
	 * keeps its place, so commands that name it still work, but its
	 * source is never opened here.
	 */
	bool offscreen;
	/** Set by wall_layout_focus_node() too: partly inside the viewport, partly outside. */
	bool spans_nodes;
};

struct wall_layout_scene {
	char *name;
	/** struct wall_layout_tile *, sorted by z, then file order. */
	GPtrArray *tiles;
	struct wall_mark mark;
};

struct wall_layout_preset {
	int number;
	const struct wall_layout_scene *scene;
};

/** nodes: one render node of a wall drawn by several machines. */
struct wall_layout_node {
	char *name;
	/** The part of the canvas this node draws, canvas pixels. */
	struct wall_rect viewport;
	/** struct wall_layout_output *, rects in canvas pixels inside viewport. */
	GPtrArray *outputs;
	struct wall_mark mark;
};

/** keys: one binding of a key to a control command. */
struct wall_layout_key {
	/** Linux key code (KEY_PAGEDOWN from linux/input-event-codes.h). */
	int code;
	/** The command line, checked at load: it parses and changes the wall. */
	char *command;
};

struct wall_layout {
	char *path;
	/** wall.name: the wall's name, shown on reports; NULL for none. */
	char *name;
	/** Folder of the file, for relative paths. */
	char *dir;
	int32_t canvas_width_px;
	int32_t canvas_height_px;
	uint32_t background_argb;
	/** struct wall_layout_source *, in file order. */
	GPtrArray *sources;
	/** struct wall_layout_scene *, in file order. */
	GPtrArray *scenes;
	/** struct wall_layout_preset, sorted by number. */
	GArray *presets;
	/**
	 * wall.warm: at most this many sources of other presets' scenes are
	 * kept running hidden, so recalling them shows a picture at once
	 * (see wall_layout_warm_sources). 0, the default, keeps none.
	 */
	int warm_max;
	/** wall.isolate: the default of every source's isolate. */
	bool isolate;
	/** wall.inspection; .enabled false when the layout has none. */
	struct wall_inspection_config inspection;
	/**
	 * wall.monitors: cols x rows monitors of monitor_width_px x
	 * monitor_height_px, bezel_px apart on the canvas. All 0 with canvas:.
	 */
	int32_t monitor_cols;
	int32_t monitor_rows;
	int32_t monitor_width_px;
	int32_t monitor_height_px;
	int32_t bezel_px;
	/**
	 * wall.outputs: struct wall_layout_output * (outputs.h), in file
	 * order; empty when the layout maps none.
	 */
	GPtrArray *outputs;
	/** Scene shown at start: wall.start, else the first scene. */
	const struct wall_layout_scene *start_scene;
	/** struct wall_layout_key, in file order (keys:). */
	GArray *keys;
	/** struct wall_layout_node *, in file order (nodes:); empty for one machine. */
	GPtrArray *nodes;
	/**
	 * wall.capture_delay: pictures that know their capture time are shown
	 * at capture time + this, so every node shows the same picture at
	 * the same moment; 0, the default, shows the newest at once.
	 */
	int64_t capture_delay_ms;
	/** wall.cluster: "mqtt://host:port/wall/NAME", or NULL. */
	char *cluster_url;
	struct wall_mark cluster_mark;
	/**
	 * Set by wall_layout_focus_node(): the node drawn here and its
	 * viewport, in the whole canvas's pixels. NULL for the whole wall.
	 */
	const struct wall_layout_node *node;
	/** What offscreen tiles show: an error slate that opens nothing. */
	struct wall_layout_source *offscreen_source;
};

/**
 * Looks up a plugin's option table for validation. Returns the options
 * (NULL-name terminated, possibly just the terminator), or NULL with *why
 * set (static or owned by the callee) when the plugin cannot be loaded.
 */
typedef const struct wall_option *(*wall_plugin_options_fn)(const char *plugin,
							     const char **why,
							     void *user);

/**
 * Parse a layout file. lookup may be NULL: then plugin options are kept
 * unvalidated (spec NULL). Returns NULL and sets error on the first
 * mistake, message "FILE:LINE:COL: message".
 */
struct wall_layout *wall_layout_load(const char *path, wall_plugin_options_fn lookup,
				     void *user, GError **error);
/** Same, from text in memory; path is used in messages and for relative paths. */
struct wall_layout *wall_layout_parse(const char *path, const char *text, size_t length,
				      wall_plugin_options_fn lookup, void *user,
				      GError **error);
void wall_layout_destroy(struct wall_layout *layout);

const struct wall_layout_source *wall_layout_find_source(const struct wall_layout *layout,
							 const char *name);
const struct wall_layout_scene *wall_layout_find_scene(const struct wall_layout *layout,
						       const char *name);
const struct wall_layout_scene *wall_layout_find_preset(const struct wall_layout *layout,
							int number);
/**
 * The tiles whose sources to keep warm while scene is on screen (NULL: no
 * scene yet): tiles of the presets' other scenes, nearest preset number
 * first (at equal distance the higher), larger tiles first within a
 * preset, at most layout->warm_max, one per source, none whose source
 * scene shows or whose plugin is missing. For a tour tile its first
 * stop is the one to warm. Returns const struct wall_layout_tile *,
 * owned by layout; free the array.
 */
GPtrArray *wall_layout_warm_tiles(const struct wall_layout *layout,
				  const struct wall_layout_scene *scene);
const struct wall_layout_option *wall_layout_source_option(const struct wall_layout_source *source,
							  const char *name);

/**
 * Make copy a deep copy of source (names, options and all), its own to
 * keep after the layout is gone; wall_layout_source_clear() frees what it
 * holds, not copy itself.
 */
void wall_layout_source_copy(struct wall_layout_source *copy,
			     const struct wall_layout_source *source);
void wall_layout_source_clear(struct wall_layout_source *source);

/** The tile called id in scene, or NULL. */
const struct wall_layout_tile *wall_layout_find_tile(const struct wall_layout_scene *scene,
						     const char *id);

/**
 * The command a key press runs (g_free it), or NULL when the key does
 * nothing: its keys: binding, else for the digits of the main row and the
 * keypad "PRESET n" (1-9) or the start scene (0), both without transition.
 */
char *wall_layout_key_command(const struct wall_layout *layout, int code);
/**
 * Make layout the one node's part of the wall: the canvas becomes its
 * viewport, tiles move into the viewport's pixels, tiles outside it are
 * marked offscreen, and the node's outputs replace wall.outputs. False
 * with error set when the layout has no such node.
 */
bool wall_layout_focus_node(struct wall_layout *layout, const char *name, GError **error);

/**
 * Split "mqtt://host[:port]/topic/prefix" (port 1883 when left out). Any
 * out pointer may be NULL; g_free what comes back. False when text is not
 * such a URL.
 */
bool wall_cluster_url_parse(const char *text, char **host, int *port, char **topic);

/** A Linux key code's name, "KEY_PAGEDOWN"; "KEY_UNKNOWN" when it has none. */
const char *wall_key_name(int code);

#endif
