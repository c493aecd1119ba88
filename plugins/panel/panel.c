/*
 * panel: metric panels drawn with Cairo and Pango (number, bars, line,
 * gauge, table, clock, ticker), fed from JSON files, HTTP, the wall's own
 * metrics or documents pushed over the control socket.
 *
 * Each instance runs one thread with its own GMainContext. The feed, the
 * timers and the drawing all happen there; the render thread only
 * records the tile size and wakes the thread. A frame is drawn at exactly
 * the tile's size, so the renderer never scales text, and only when what
 * it shows changed: new data, an error, the stale marker, the clock's
 * second, or the ticker's scroll (which alone pushes at the display rate,
 * and only while its text is too long to stand still).
 *
 * WALL_PANEL_TIME=2025-06-18T09:30:00+08:00 in the environment fixes the
 * panels' clock (clock, "as of", staleness) and stops the ticker, so
 * golden images come out the same every time.
 */
#include <math.h>
#include <string.h>

#include "panel.h"
#include "surface_frame.h"
#include "worker.h"

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "WALL_PIXEL_FORMAT_BGRA is CAIRO_FORMAT_ARGB32 only on little-endian machines"
#endif

static const struct wall_option options[] = {
	{"chart", WALL_OPTION_ENUM, "number", 0, 0, "number|bars|line|gauge|table|clock|ticker",
	 "What the panel draws", 0},
	{"data", WALL_OPTION_STRING, NULL, 0, 0, NULL,
	 "Where its data comes from: file:PATH (JSON, relative to the layout), "
	 "http(s)://URL, wall:METRIC or push:KEY (control command DATA KEY JSON)",
	 0},
	{"path", WALL_OPTION_STRING, NULL, 0, 0, NULL,
	 "JSONPath of the value in the document, like $.districts or rate", 0},
	{"title", WALL_OPTION_STRING, NULL, 0, 0, NULL, "Title at the top", 0},
	{"unit", WALL_OPTION_STRING, NULL, 0, 0, NULL, "Unit after values, like % or 路", 0},
	{"decimals", WALL_OPTION_INT, "-1", -1, 6, NULL,
	 "Digits after the point; -1 picks 0 or 1 by the value", 0},
	{"interval", WALL_OPTION_DURATION, NULL, 0.05, 86400, NULL,
	 "Polling interval (default 30s for HTTP, 1s for wall: and push:)", 0},
	{"timeout", WALL_OPTION_DURATION, "5s", 0.05, 600, NULL, "HTTP request timeout", 0},
	{"stale_after", WALL_OPTION_DURATION, "10m", 0, 0, NULL,
	 "Mark the data stale when older than this; 0 never", 0},
	{"text", WALL_OPTION_STRING, NULL, 0, 0, NULL, "Ticker text when it has no data", 0},
	{"speed", WALL_OPTION_DOUBLE, "1.5", 0.1, 20, NULL,
	 "Ticker speed in text heights per second", 0},
	{"fps", WALL_OPTION_DOUBLE, "60", 1, 240, NULL,
	 "Ticker frames per second while scrolling: the display's rate", 0},
	{"bad_below", WALL_OPTION_DOUBLE, "90", 0, 0, NULL,
	 "gauge, number: red under this value", 0},
	{"good_above", WALL_OPTION_DOUBLE, "98", 0, 0, NULL,
	 "gauge, number: green over this value", 0},
	{"min", WALL_OPTION_DOUBLE, "0", 0, 0, NULL, "gauge, bars: the scale's low end", 0},
	{"max", WALL_OPTION_DOUBLE, "100", 0, 0, NULL, "gauge, bars: the scale's high end", 0},
	{"up_is_good", WALL_OPTION_BOOL, "true", 0, 0, NULL,
	 "number: a rise is shown green, a fall red", 0},
	{"sort", WALL_OPTION_ENUM, "desc", 0, 0, "desc|asc|none", "bars: order of the rows", 0},
	{"leaders", WALL_OPTION_INT, "3", 0, 100, NULL, "bars: top rows highlighted", 0},
	{"laggards", WALL_OPTION_INT, "1", 0, 100, NULL, "bars: bottom rows highlighted", 0},
	{"name_key", WALL_OPTION_STRING, "name", 0, 0, NULL, "bars: member with the row's name",
	 0},
	{"value_key", WALL_OPTION_STRING, "value", 0, 0, NULL,
	 "bars: member with the row's value", 0},
	{"columns", WALL_OPTION_JSON, NULL, 0, 0, NULL,
	 "table: [{title, key, align: left|center|right, width}] (default: the data's)", 0},
	{"seconds", WALL_OPTION_BOOL, "true", 0, 0, NULL, "clock: show seconds", 0},
	{"background", WALL_OPTION_COLOR, "#0b1620", 0, 0, NULL, "Theme: panel background", 0},
	{"surface", WALL_OPTION_COLOR, "#13263a", 0, 0, NULL, "Theme: tracks, stripes", 0},
	{"text_color", WALL_OPTION_COLOR, "#e8f1f8", 0, 0, NULL, "Theme: text", 0},
	{"muted_color", WALL_OPTION_COLOR, "#8aa0b4", 0, 0, NULL, "Theme: secondary text", 0},
	{"grid_color", WALL_OPTION_COLOR, "#2a4156", 0, 0, NULL, "Theme: axes and rules", 0},
	{"accent", WALL_OPTION_COLOR, "#33b1ff", 0, 0, NULL, "Theme: bars, first series", 0},
	{"good", WALL_OPTION_COLOR, "#2ecc71", 0, 0, NULL, "Theme: good and rising", 0},
	{"warn", WALL_OPTION_COLOR, "#f5a623", 0, 0, NULL, "Theme: warnings, stale", 0},
	{"bad", WALL_OPTION_COLOR, "#ff4d4f", 0, 0, NULL, "Theme: bad, falling, errors", 0},
	{"font", WALL_OPTION_STRING, "Noto Sans CJK SC", 0, 0, NULL, "Theme: font family", 0},
	{"text_scale", WALL_OPTION_DOUBLE, "1", 0.3, 4, NULL,
	 "Theme: multiplies the text sizes the tile suggests", 0},
	{NULL},
};

/* The keys of the status snapshot, beside chart and redraws. */
enum status_key {
	STATUS_VALUE,
	STATUS_AS_OF,
	STATUS_STALE,
	STATUS_WAITING,
	STATUS_ERROR,
	STATUS_SCROLLING,
	STATUS_COUNT,
};

static const char *const status_keys[STATUS_COUNT] = {
	"value", "as_of", "stale", "waiting", "error", "scrolling",
};

struct panel {
	const struct wall_host *host;
	struct wall_source *source;
	const struct panel_chart *chart;
	struct panel_theme theme;
	char *data_spec;
	char *path;
	char *title;
	int64_t stale_after_ms;
	double fps;
	double speed;

	struct wall_worker *worker;

	/* Set by the render thread, read by the panel's: under lock. */
	GMutex lock;
	uint32_t width_px;
	uint32_t height_px;
	bool visible;
	/* What status() reports, as of the panel thread's last change. */
	char *status[STATUS_COUNT];

	/* The panel's thread only. */
	struct panel_feed *feed;
	JsonNode *value;
	JsonNode *previous;
	int64_t as_of_us;
	char *error;
	bool waiting;
	bool stale;
	GSource *redraw;
	GSource *stale_timer;
	GSource *tick;
	/* Ticker: when the scroll started, or 0 while it stands still. */
	int64_t scroll_start_us;

	/* Counted for status and tests. */
	gint redraws;
};

/* ---- Drawing ---- */

/* The size of body text for a tile: about a tenth of its height. */
static double body_size_px(const struct panel *panel, double width, double height)
{
	double size = MIN(height / 11.0, width / 16.0) * panel->theme.text_scale;
	return MAX(size, 11.0);
}

static char *as_of_text(const struct panel *panel)
{
	if (panel->as_of_us == 0) {
		return g_strdup("截至 --:--");
	}
	GDateTime *time = panel_date_time(panel->as_of_us);
	char *clock = g_date_time_format(time, "%H:%M");
	g_date_time_unref(time);
	char *text = g_strdup_printf("截至 %s%s", clock, panel->stale ? " · 数据过期 stale" : "");
	g_free(clock);
	return text;
}

/*
 * The frame every panel shares: title, "as of" (amber and marked when
 * stale), and a small error line when the last fetch failed. Leaves the
 * chart its box in view.
 */
static void draw_chrome(cairo_t *cr, struct panel *panel, struct panel_view *view, double width,
			double height)
{
	const struct panel_theme *theme = &panel->theme;
	double body = view->body_px;
	double pad = round(body * 0.6);
	double small = MAX(body * 0.62, 10.0);
	double top = pad;
	double bottom = height - pad;
	bool is_ticker = panel->chart == &panel_chart_ticker;

	if (panel->stale || panel->error != NULL) {
		/* A bar along the top, seen from across the room. */
		wall_argb_set_source(cr, panel->error != NULL ? theme->bad_argb : theme->warn_argb);
		cairo_rectangle(cr, 0, 0, width, MAX(3.0, round(height / 60.0)));
		cairo_fill(cr);
	}
	if (is_ticker) {
		view->x = 0;
		view->y = 0;
		view->width = width;
		view->height = height;
		return;
	}
	if (panel->title != NULL) {
		struct panel_text style = {body * 1.05, true, theme->text_argb, PANEL_ALIGN_LEFT};
		panel_text_draw(cr, theme, panel->title, &style, pad, top, width - 2 * pad);
		top += panel_text_line_px(style.size_px) + pad * 0.4;
	}
	if (!panel->chart->no_data) {
		char *text = as_of_text(panel);
		struct panel_text style = {small, false,
					   panel->stale ? theme->warn_argb : theme->muted_argb,
					   PANEL_ALIGN_RIGHT};
		bottom -= panel_text_line_px(small);
		panel_text_draw(cr, theme, text, &style, pad, bottom, width - 2 * pad);
		g_free(text);
		if (panel->error != NULL || panel->waiting) {
			char *line = panel->error != NULL
					     ? g_strdup_printf("⚠ %s", panel->error)
					     : g_strdup("等待数据 waiting for data");
			struct panel_text error_style = {
				small, false, panel->error != NULL ? theme->bad_argb : theme->muted_argb,
				PANEL_ALIGN_LEFT};
			/* On the footer's line, left of "as of", when it fits. */
			double as_of_width = panel_text_width(cr, theme, "截至 00:00 · 数据过期 stale",
							      small, false);
			double room = width - 2 * pad - (panel->stale ? as_of_width : as_of_width * 0.45);
			panel_text_draw(cr, theme, line, &error_style, pad, bottom,
					room - pad * 0.5);
			g_free(line);
		}
		bottom -= pad * 0.3;
	}
	view->x = pad;
	view->y = top;
	view->width = MAX(width - 2 * pad, 1.0);
	view->height = MAX(bottom - top, 1.0);
}

/* The view of the whole tile; returns the "as of" text it points to (g_free). */
static char *fill_view(struct panel *panel, struct panel_view *view, uint32_t width,
		       uint32_t height)
{
	char *footer = panel->data_spec != NULL ? as_of_text(panel) : NULL;
	*view = (struct panel_view){
		.theme = &panel->theme,
		.host = panel->host,
		.source = panel->source,
		.value = panel->value,
		.previous = panel->previous,
		.width = width,
		.height = height,
		.body_px = body_size_px(panel, width, height),
		.now_us = panel_now_us(),
		.title = panel->title,
		.footer = footer,
		.error = panel->error,
		.stale = panel->stale,
	};
	return footer;
}

static void draw_and_push(struct panel *panel)
{
	g_mutex_lock(&panel->lock);
	uint32_t width = panel->width_px;
	uint32_t height = panel->height_px;
	g_mutex_unlock(&panel->lock);
	if (width == 0 || height == 0) {
		return;
	}
	cairo_surface_t *surface =
		cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, (int)height);
	cairo_t *cr = cairo_create(surface);
	wall_argb_set_source(cr, panel->theme.background_argb);
	cairo_paint(cr);

	struct panel_view view;
	char *footer = fill_view(panel, &view, width, height);
	if (panel->chart == &panel_chart_ticker && panel->scroll_start_us != 0) {
		view.offset_px = (g_get_monotonic_time() - panel->scroll_start_us) / 1e6 *
				 panel->speed * panel_ticker_text_px(width, height, &panel->theme);
	}
	draw_chrome(cr, panel, &view, width, height);
	cairo_save(cr);
	cairo_rectangle(cr, view.x, view.y, view.width, view.height);
	cairo_clip(cr);
	panel->chart->draw(cr, &view);
	cairo_restore(cr);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	g_free(footer);

	g_atomic_int_inc(&panel->redraws);
	struct wall_frame frame = wall_surface_frame(surface);
	/* The host owns the surface from here and releases it. */
	panel->host->push_frame(panel->source, &frame);
}

/* ---- Scheduling, on the panel's thread ---- */

/* Copy what status() reports out of the thread's own state. */
static void take_snapshot(struct panel *panel)
{
	char *fresh[STATUS_COUNT] = {
		[STATUS_VALUE] = panel->value != NULL ? json_to_string(panel->value, FALSE) : NULL,
		[STATUS_AS_OF] = as_of_text(panel),
		[STATUS_STALE] = g_strdup(panel->stale ? "true" : "false"),
		[STATUS_WAITING] = g_strdup(panel->waiting ? "true" : "false"),
		[STATUS_ERROR] = g_strdup(panel->error),
		[STATUS_SCROLLING] = g_strdup(panel->tick != NULL && panel->chart == &panel_chart_ticker
						      ? "true"
						      : "false"),
	};
	g_mutex_lock(&panel->lock);
	for (size_t i = 0; i < STATUS_COUNT; i++) {
		g_free(panel->status[i]);
		panel->status[i] = fresh[i];
	}
	g_mutex_unlock(&panel->lock);
}

static void update_ticker(struct panel *panel);

static gboolean redraw_now(void *data)
{
	struct panel *panel = data;
	g_source_unref(panel->redraw);
	panel->redraw = NULL;
	g_mutex_lock(&panel->lock);
	bool visible = panel->visible;
	g_mutex_unlock(&panel->lock);
	/* A hidden panel keeps its data fresh but draws nothing; show() redraws. */
	update_ticker(panel);
	if (visible) {
		draw_and_push(panel);
	}
	take_snapshot(panel);
	return G_SOURCE_REMOVE;
}

/* Several changes in one turn of the loop make one redraw. */
static void schedule_redraw(struct panel *panel)
{
	if (panel->redraw != NULL) {
		return;
	}
	panel->redraw = g_idle_source_new();
	g_source_set_callback(panel->redraw, redraw_now, panel, NULL);
	g_source_attach(panel->redraw, wall_worker_context(panel->worker));
}

static void drop_source(GSource **source)
{
	if (*source != NULL) {
		g_source_destroy(*source);
		g_source_unref(*source);
		*source = NULL;
	}
}

static gboolean ticker_frame(void *data)
{
	struct panel *panel = data;
	draw_and_push(panel);
	return G_SOURCE_CONTINUE;
}

/* Start or stop the ticker's scroll: it runs only while text overflows. */
static void update_ticker(struct panel *panel)
{
	if (panel->chart != &panel_chart_ticker) {
		return;
	}
	g_mutex_lock(&panel->lock);
	uint32_t width = panel->width_px;
	uint32_t height = panel->height_px;
	bool visible = panel->visible;
	g_mutex_unlock(&panel->lock);

	bool scroll = false;
	if (visible && width > 0 && !panel_time_fixed()) {
		struct panel_view view;
		char *footer = fill_view(panel, &view, width, height);
		cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
		cairo_t *cr = cairo_create(scratch);
		scroll = panel_ticker_overflows(cr, &view);
		cairo_destroy(cr);
		cairo_surface_destroy(scratch);
		g_free(footer);
	}
	if (scroll && panel->tick == NULL) {
		panel->scroll_start_us = g_get_monotonic_time();
		/* A millisecond timer: whole milliseconds would drift from the display. */
		panel->tick = g_timeout_source_new((guint)MAX(1, lround(1000.0 / panel->fps)));
		g_source_set_callback(panel->tick, ticker_frame, panel, NULL);
		g_source_attach(panel->tick, wall_worker_context(panel->worker));
	} else if (!scroll) {
		drop_source(&panel->tick);
		panel->scroll_start_us = 0;
	}
}

static gboolean stale_reached(void *data)
{
	struct panel *panel = data;
	g_source_unref(panel->stale_timer);
	panel->stale_timer = NULL;
	if (!panel->stale) {
		panel->stale = true;
		schedule_redraw(panel);
	}
	return G_SOURCE_REMOVE;
}

/* Mark the data stale now, or set a timer for when it will be. */
static void check_stale(struct panel *panel)
{
	drop_source(&panel->stale_timer);
	if (panel->as_of_us == 0 || panel->stale_after_ms <= 0) {
		return;
	}
	int64_t age_ms = (panel_now_us() - panel->as_of_us) / 1000;
	bool stale = age_ms >= panel->stale_after_ms;
	if (stale != panel->stale) {
		panel->stale = stale;
		schedule_redraw(panel);
	}
	if (!stale && !panel_time_fixed()) {
		panel->stale_timer = g_timeout_source_new(
			(guint)MIN(panel->stale_after_ms - age_ms + 1, (int64_t)G_MAXUINT));
		g_source_set_callback(panel->stale_timer, stale_reached, panel, NULL);
		g_source_attach(panel->stale_timer, wall_worker_context(panel->worker));
	}
}

static bool set_error(struct panel *panel, const char *error)
{
	if (g_strcmp0(panel->error, error) == 0) {
		return false;
	}
	if (error != NULL) {
		panel->host->log(panel->source, WALL_LOG_WARNING, "%s; keeping the last good values",
				 error);
	}
	g_free(panel->error);
	panel->error = g_strdup(error);
	return true;
}

static bool same_minute(int64_t a_us, int64_t b_us)
{
	return a_us / (60 * G_USEC_PER_SEC) == b_us / (60 * G_USEC_PER_SEC);
}

/* A feed's news: new values, or an error that keeps the old ones. */
static void feed_news(void *user, JsonNode *document, int64_t as_of_us, const char *error)
{
	struct panel *panel = user;
	bool changed = false;
	if (document == NULL) {
		/* No error and no document: nothing there yet. */
		if (error == NULL) {
			changed = !panel->waiting && panel->value == NULL;
			panel->waiting = panel->value == NULL;
		}
		changed |= set_error(panel, error);
		if (changed) {
			schedule_redraw(panel);
		}
		return;
	}
	char *problem = NULL;
	JsonNode *value = panel_json_select(document, panel->path, &problem);
	if (value != NULL && panel->chart->check != NULL) {
		problem = panel->chart->check(panel->host, panel->source, value);
	}
	if (problem != NULL) {
		if (set_error(panel, problem)) {
			schedule_redraw(panel);
		}
		g_free(problem);
		if (value != NULL) {
			json_node_unref(value);
		}
		return;
	}
	changed |= set_error(panel, NULL);
	changed |= panel->waiting;
	panel->waiting = false;
	if (panel->value == NULL || !json_node_equal(panel->value, value)) {
		if (panel->previous != NULL) {
			json_node_unref(panel->previous);
		}
		panel->previous = panel->value;
		panel->value = value;
		changed = true;
	} else {
		json_node_unref(value);
	}
	/* The same values, newly confirmed, redraw only when "as of" moves. */
	changed |= !same_minute(panel->as_of_us, as_of_us);
	panel->as_of_us = as_of_us;
	bool was_stale = panel->stale;
	check_stale(panel);
	changed |= was_stale != panel->stale;
	if (changed) {
		schedule_redraw(panel);
	}
}

/* The clock redraws on the second (or minute), exactly when it changes. */
static gboolean clock_tick(void *data);

static void schedule_clock(struct panel *panel)
{
	if (panel_time_fixed()) {
		return;
	}
	bool seconds = panel->host->config_int(panel->source, "seconds", 1) != 0;
	int64_t period_us = seconds ? G_USEC_PER_SEC : 60 * G_USEC_PER_SEC;
	int64_t now_us = g_get_real_time();
	int64_t wait_ms = (period_us - now_us % period_us) / 1000 + 1;
	drop_source(&panel->tick);
	panel->tick = g_timeout_source_new((guint)wait_ms);
	g_source_set_callback(panel->tick, clock_tick, panel, NULL);
	g_source_attach(panel->tick, wall_worker_context(panel->worker));
}

static gboolean clock_tick(void *data)
{
	struct panel *panel = data;
	schedule_redraw(panel);
	schedule_clock(panel);
	return G_SOURCE_REMOVE;
}

/* The panel's thread, before its loop runs. */
static void panel_start(void *data)
{
	struct panel *panel = data;
	if (panel->chart == &panel_chart_clock) {
		schedule_clock(panel);
	} else if (panel->data_spec != NULL) {
		char *error = NULL;
		panel->feed = panel_feed_create(panel->host, panel->source, panel->data_spec,
						feed_news, panel, &error);
		if (panel->feed == NULL) {
			set_error(panel, error);
			g_free(error);
		}
	} else if (panel->chart != &panel_chart_ticker) {
		panel->waiting = true;
	}
	schedule_redraw(panel);
}

/* The panel's thread, after its loop stopped. */
static void panel_finish(void *data)
{
	struct panel *panel = data;
	panel_feed_destroy(panel->feed);
	drop_source(&panel->redraw);
	drop_source(&panel->stale_timer);
	drop_source(&panel->tick);
}

/* ---- The plugin ---- */

static const struct panel_chart *chart_named(const char *name)
{
	static const struct panel_chart *const charts[] = {
		&panel_chart_number, &panel_chart_bars,  &panel_chart_line,   &panel_chart_gauge,
		&panel_chart_table,  &panel_chart_clock, &panel_chart_ticker,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(charts); i++) {
		if (g_strcmp0(charts[i]->name, name) == 0) {
			return charts[i];
		}
	}
	return NULL;
}

static void panel_destroy(void *instance);

static void *panel_create(const struct wall_host *host, struct wall_source *source)
{
	struct panel *panel = g_new0(struct panel, 1);
	panel->host = host;
	panel->source = source;
	g_mutex_init(&panel->lock);
	const char *chart = host->config_string(source, "chart");
	panel->chart = chart_named(chart != NULL ? chart : "number");
	if (panel->chart == NULL) {
		host->log(source, WALL_LOG_ERROR, "unknown chart \"%s\"", chart);
		goto fail;
	}
	panel->data_spec = g_strdup(host->config_string(source, "data"));
	char *error = NULL;
	/* Only the spelling is checked here: create() must not touch I/O. */
	if (panel->data_spec != NULL && !panel_feed_spec_valid(panel->data_spec, &error)) {
		host->log(source, WALL_LOG_ERROR, "%s", error);
		g_free(error);
		goto fail;
	}
	if (panel->data_spec == NULL && !panel->chart->no_data &&
	    panel->chart != &panel_chart_ticker) {
		host->log(source, WALL_LOG_ERROR, "a %s panel needs data: file:, http(s)://, "
			  "wall: or push:", panel->chart->name);
		goto fail;
	}
	panel_theme_load(&panel->theme, host, source);
	panel->path = g_strdup(host->config_string(source, "path"));
	panel->title = g_strdup(host->config_string(source, "title"));
	panel->stale_after_ms = host->config_duration_ms(source, "stale_after", 600000);
	panel->fps = host->config_double(source, "fps", 60.0);
	panel->speed = host->config_double(source, "speed", 1.5);
	/* Shown until the host says otherwise: a panel with no tile draws nothing. */
	panel->visible = true;

	panel->worker = wall_worker_new();
	wall_worker_start(panel->worker, "panel", panel_start, panel_finish, panel);
	return panel;
fail:
	panel_destroy(panel);
	return NULL;
}

static void panel_destroy(void *instance)
{
	struct panel *panel = instance;
	if (panel == NULL) {
		return;
	}
	wall_worker_stop(panel->worker);
	if (panel->value != NULL) {
		json_node_unref(panel->value);
	}
	if (panel->previous != NULL) {
		json_node_unref(panel->previous);
	}
	panel_theme_finish(&panel->theme);
	for (size_t i = 0; i < STATUS_COUNT; i++) {
		g_free(panel->status[i]);
	}
	g_free(panel->error);
	g_free(panel->data_spec);
	g_free(panel->path);
	g_free(panel->title);
	g_mutex_clear(&panel->lock);
	g_free(panel);
}

static gboolean redraw_from_host(void *data)
{
	schedule_redraw(data);
	return G_SOURCE_REMOVE;
}

/* Render thread: wake the panel's thread to redraw. */
static void wake(struct panel *panel)
{
	g_main_context_invoke(wall_worker_context(panel->worker), redraw_from_host, panel);
}

static void panel_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	struct panel *panel = instance;
	g_mutex_lock(&panel->lock);
	panel->width_px = width_px;
	panel->height_px = height_px;
	g_mutex_unlock(&panel->lock);
	wake(panel);
}

static void set_visible(struct panel *panel, bool visible)
{
	g_mutex_lock(&panel->lock);
	panel->visible = visible;
	g_mutex_unlock(&panel->lock);
	/* Hidden, the redraw only stops the ticker; shown, it draws anew. */
	wake(panel);
}

static void panel_show(void *instance)
{
	set_visible(instance, true);
}

static void panel_hide(void *instance)
{
	set_visible(instance, false);
}

static void panel_status(void *instance, wall_status_fn add, void *user)
{
	struct panel *panel = instance;
	/* A snapshot, so the render thread never waits on a redraw. */
	g_mutex_lock(&panel->lock);
	char *values[G_N_ELEMENTS(panel->status)];
	for (size_t i = 0; i < G_N_ELEMENTS(panel->status); i++) {
		values[i] = g_strdup(panel->status[i]);
	}
	g_mutex_unlock(&panel->lock);
	add(user, "chart", panel->chart->name);
	for (size_t i = 0; i < G_N_ELEMENTS(panel->status); i++) {
		if (values[i] != NULL) {
			add(user, status_keys[i], values[i]);
		}
		g_free(values[i]);
	}
	char *redraws = g_strdup_printf("%d", g_atomic_int_get(&panel->redraws));
	add(user, "redraws", redraws);
	g_free(redraws);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "panel",
	.description = "Metric panels: number, bars, line, gauge, table, clock and ticker",
	.options = options,
	.create = panel_create,
	.destroy = panel_destroy,
	.show = panel_show,
	.hide = panel_hide,
	.status = panel_status,
	.set_view_size = panel_set_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
