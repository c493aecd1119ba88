/*
 * The panel plugin's internal interfaces: the instance, its theme and
 * text helpers, its data feeds, JSON path selection and the chart kinds.
 * Everything here runs on the instance's own thread unless it says
 * otherwise; nothing of it is exported from the plugin.
 */
#ifndef PANEL_H
#define PANEL_H

#include <cairo.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <wall/plugin.h>

#include "argb.h"
#include "text.h"

/* ---- Theme and text (theme.c) ---- */

struct panel_theme {
	uint32_t background_argb;
	uint32_t surface_argb;
	uint32_t text_argb;
	uint32_t muted_argb;
	uint32_t grid_argb;
	uint32_t accent_argb;
	uint32_t good_argb;
	uint32_t warn_argb;
	uint32_t bad_argb;
	/* Font family, owned. */
	char *font;
	/* Multiplies every text size the tile size suggests. */
	double text_scale;
};

/* Reads the theme options (colours, font, text_scale) of the source. */
void panel_theme_load(struct panel_theme *theme, const struct wall_host *host,
		      struct wall_source *source);
void panel_theme_finish(struct panel_theme *theme);

/* Colour number index of a chart's series, from the theme. */
uint32_t panel_theme_series_argb(const struct panel_theme *theme, unsigned index);

enum panel_align {
	PANEL_ALIGN_LEFT = 0,
	PANEL_ALIGN_CENTER,
	PANEL_ALIGN_RIGHT,
};

/* How a piece of text looks. */
struct panel_text {
	double size_px;
	bool bold;
	uint32_t argb;
	enum panel_align align;
};

/*
 * One line of text at size_px, in the theme's font, with tabular figures,
 * ellipsized at the end when wider than max_width_px (when > 0). Unref it.
 */
PangoLayout *panel_text_layout(cairo_t *cr, const struct panel_theme *theme, const char *text,
			       double size_px, bool bold, double max_width_px);

/*
 * Draw text in the box [x, x + width), with its top at y, aligned as
 * style says and ellipsized to the box. Returns the width drawn.
 */
double panel_text_draw(cairo_t *cr, const struct panel_theme *theme, const char *text,
		       const struct panel_text *style, double x, double y, double width);

/* The width text would take, unclipped. */
double panel_text_width(cairo_t *cr, const struct panel_theme *theme, const char *text,
			double size_px, bool bold);

/* Line height of text at size_px, in pixels. */
double panel_text_line_px(double size_px);

/* A number as text: decimals < 0 picks 0 for whole numbers, else 1. */
char *panel_format_number(double value, int decimals);

/* ---- JSON path (jsonpath.c) ---- */

/*
 * The node path selects in root: a JSONPath ("$.districts[0].value"; a
 * path without the leading "$" gets "$." added) as json-glib implements
 * it. One match comes back as itself, several as an array. NULL path
 * returns a copy of root. Returns NULL with *error set (g_free) when the
 * path is malformed or matches nothing. Free with json_node_unref.
 */
JsonNode *panel_json_select(JsonNode *root, const char *path, char **error);

/* The number node holds (a number, or a numeric string); false if none. */
bool panel_json_number(JsonNode *node, double *value);

/*
 * The text of a scalar node (a number printed with panel_format_number's
 * automatic decimals); NULL for null and containers. g_free.
 */
char *panel_json_text(JsonNode *node);

/* ---- Data feeds (feed.c) ---- */

struct panel_feed;

/*
 * What a feed hands the panel: a parsed document (the callee takes a
 * reference when it keeps it) and the time it is as of, in real
 * microseconds, or NULL and an error to show while keeping the last good
 * values. Called on the panel's thread.
 */
typedef void (*panel_feed_fn)(void *user, JsonNode *document, int64_t as_of_us,
			      const char *error);

/*
 * Start the feed that spec names ("file:PATH", "http://…", "https://…",
 * "wall:NAME", "push:KEY") on the calling thread's thread-default main
 * context. Returns NULL with *error set (g_free) when spec is not one of
 * those.
 */
struct panel_feed *panel_feed_create(const struct wall_host *host, struct wall_source *source,
				     const char *spec, panel_feed_fn fn, void *user,
				     char **error);
/* Stops it; fn is not called afterwards. Accepts NULL. */
void panel_feed_destroy(struct panel_feed *feed);

/* True when spec names a known kind of feed; for create(), which starts none. */
bool panel_feed_spec_valid(const char *spec, char **error);

/* The panel's clock: real microseconds, or the fixed time for tests. */
int64_t panel_now_us(void);
/* True when WALL_PANEL_TIME fixes the clock (golden images). */
bool panel_time_fixed(void);
/* The local date and time of real_us, in the fixed time's zone when fixed. */
GDateTime *panel_date_time(int64_t real_us);

/* ---- Charts (chart_*.c) ---- */

/* What every chart gets to draw: its data and its box. */
struct panel_view {
	const struct panel_theme *theme;
	const struct wall_host *host;
	struct wall_source *source;
	/* The last good value, after path; NULL until the first one. */
	JsonNode *value;
	/* The value before it, for number's change; may be NULL. */
	JsonNode *previous;
	/* The box left for the chart, under the title and over the footer. */
	double x, y, width, height;
	/* The size text of body copy, for this tile. */
	double body_px;
	/* Real time now, for clock. */
	int64_t now_us;
	/* Ticker scroll offset in pixels. */
	double offset_px;
	/* For charts that draw their own chrome (ticker): may be NULL. */
	const char *title;
	const char *footer;
	const char *error;
	bool stale;
};

struct panel_chart {
	const char *name;
	/*
	 * Says what is wrong with value for this chart (g_free), or NULL; a
	 * value it refuses is not shown, and the last good one stays.
	 */
	char *(*check)(const struct wall_host *host, struct wall_source *source, JsonNode *value);
	void (*draw)(cairo_t *cr, const struct panel_view *view);
	/* True for charts with no data of their own (clock). */
	bool no_data;
};

extern const struct panel_chart panel_chart_number;
extern const struct panel_chart panel_chart_bars;
extern const struct panel_chart panel_chart_line;
extern const struct panel_chart panel_chart_gauge;
extern const struct panel_chart panel_chart_table;
extern const struct panel_chart panel_chart_clock;
extern const struct panel_chart panel_chart_ticker;

/* Shared by number and gauge: the value and, when given, the previous one. */
bool panel_value_pair(JsonNode *value, double *current, double *previous, bool *has_previous);

/* The colour of value against thresholds bad_below and good_above. */
uint32_t panel_threshold_argb(const struct panel_view *view, double value);

/* Ticker helpers (chart_ticker.c): the text it scrolls, and whether it must. */
char *panel_ticker_text(const struct panel_view *view);
double panel_ticker_text_px(double width, double height, const struct panel_theme *theme);
bool panel_ticker_overflows(cairo_t *cr, const struct panel_view *view);

#endif
