#include "hud.h"

#include <math.h>

#include "clock.h"
#include "text.h"

/* Colours, as the rest of the wall's dark command-center theme. */
#define RGB(hex) ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex)&0xff) / 255.0
#define WHITE 0xf2f5f8
#define GREY 0x8a9098
#define AMBER 0xffb020
#define RED 0xf04040
#define GREEN 0x40d080
#define CYAN 0x38c8f0
#define TRACK 0xff8a30
#define PANEL_ALPHA 0.55

struct text_style {
	double size_px;
	bool bold;
	uint32_t rgb;
};

/* Draws text with its top-left at x, y; returns its width. */
static double draw_text(cairo_t *cr, double x, double y, const char *text,
			const struct text_style *style)
{
	struct wall_text_font font = {.size_px = style->size_px, .bold = style->bold};
	PangoLayout *layout = wall_text_layout(cr, &font, text, 0);
	int width;
	int height;
	pango_layout_get_pixel_size(layout, &width, &height);
	cairo_set_source_rgb(cr, RGB(style->rgb));
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	return width;
}

static double text_width(cairo_t *cr, const char *text, const struct text_style *style)
{
	cairo_save(cr);
	cairo_push_group(cr);
	double width = draw_text(cr, 0, 0, text, style);
	cairo_pattern_destroy(cairo_pop_group(cr));
	cairo_restore(cr);
	return width;
}

static void rounded_box(cairo_t *cr, double x, double y, double width, double height,
			double radius)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
	cairo_arc(cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
	cairo_arc(cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
	cairo_arc(cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
	cairo_close_path(cr);
}

static void panel(cairo_t *cr, double x, double y, double width, double height, double radius)
{
	rounded_box(cr, x, y, width, height, radius);
	cairo_set_source_rgba(cr, 0.03, 0.05, 0.07, PANEL_ALPHA);
	cairo_fill(cr);
}

static char *age_text(int64_t age_us)
{
	double age_s = MAX(0, age_us) / 1e6;
	if (age_s < 10) {
		return g_strdup_printf("%.1f 秒前", age_s);
	}
	if (age_s < 120) {
		return g_strdup_printf("%.0f 秒前", age_s);
	}
	return g_strdup_printf("%.0f 分钟前", age_s / 60);
}

/* The figures: label above, value below, in two columns of pairs. */
struct figure {
	const char *label;
	char *value;
};

static void set_value(struct figure *figure, const char *label, bool known, const char *format,
		      double value)
{
	figure->label = label;
	figure->value = known ? g_strdup_printf(format, value) : g_strdup("—");
}

void hud_draw(cairo_t *cr, int width, int height, const struct telemetry_view *view,
	      const struct hud_params *params)
{
	const struct telemetry *t = &view->now;
	bool stale = telemetry_is_stale(t, params->interval_ms, params->now_real_us);
	bool never = t->updated_real_us == 0;
	uint32_t value_rgb = stale ? GREY : WHITE;
	/* Sizes follow the tile's height so a wall seen from afar reads alike. */
	double unit = MAX(height / 100.0, 2.4);
	double margin = unit * 2.0;
	struct text_style label_style = {MAX(10.0, unit * 2.6), false, GREY};
	struct text_style value_style = {MAX(12.0, unit * 4.2), true, value_rgb};
	struct text_style note_style = {MAX(10.0, unit * 3.0), false, WHITE};

	struct figure figures[8];
	char buffer[64];
	set_value(&figures[0], "高度", t->has_height, "%.1f m", t->height_m);
	set_value(&figures[1], "海拔", t->has_altitude, "%.1f m", t->altitude_m);
	set_value(&figures[2], "水平速度", t->has_speed, "%.1f m/s", t->ground_speed_mps);
	set_value(&figures[3], "垂直速度", t->has_speed, "%+.1f m/s", t->vertical_speed_mps);
	set_value(&figures[4], "航向", t->has_attitude, "%03.0f°", fmod(t->heading_deg + 0.5, 360.0) - 0.5);
	set_value(&figures[5], "云台", t->has_gimbal, "%03.0f°",
		  fmod(t->gimbal_heading_deg + 0.5, 360.0) - 0.5);
	figures[6].label = "卫星";
	if (t->satellites >= 0) {
		g_snprintf(buffer, sizeof(buffer), "%d%s", t->satellites, t->rtk ? " RTK" : " GPS");
		figures[6].value = g_strdup(buffer);
	} else {
		figures[6].value = g_strdup("—");
	}
	figures[7].label = "距家";
	if (t->has_home && t->has_position) {
		double distance = geo_distance_m(t->home, t->position);
		figures[7].value = distance < 1000 ? g_strdup_printf("%.0f m", distance)
						   : g_strdup_printf("%.2f km", distance / 1000);
	} else {
		figures[7].value = g_strdup("—");
	}

	/* Top-left: the figures, four columns of two rows. */
	double column_width = 0;
	for (unsigned i = 0; i < G_N_ELEMENTS(figures); i++) {
		column_width = MAX(column_width, text_width(cr, figures[i].value, &value_style));
		column_width = MAX(column_width, text_width(cr, figures[i].label, &label_style));
	}
	column_width += unit * 2.5;
	unsigned columns = 4;
	/* A narrow tile stacks the figures in two columns instead. */
	while (columns > 2 && margin * 2 + column_width * columns > width * 0.72) {
		columns /= 2;
	}
	unsigned rows = (G_N_ELEMENTS(figures) + columns - 1) / columns;
	double row_height = label_style.size_px * 1.35 + value_style.size_px * 1.45;
	double box_x = margin;
	double box_y = margin;
	double box_width = column_width * columns + unit * 2.0;
	double box_height = row_height * rows + unit * 1.5 + note_style.size_px * 1.6;
	panel(cr, box_x, box_y, box_width, box_height, unit);
	for (unsigned i = 0; i < G_N_ELEMENTS(figures); i++) {
		double x = box_x + unit * 1.5 + column_width * (i % columns);
		double y = box_y + unit * 0.8 + row_height * (i / columns);
		draw_text(cr, x, y, figures[i].label, &label_style);
		draw_text(cr, x, y + label_style.size_px * 1.3, figures[i].value, &value_style);
		g_free(figures[i].value);
	}

	/* Under the figures: where the telemetry comes from and how old it is. */
	double note_y = box_y + row_height * rows + unit * 1.0;
	char *note;
	struct text_style age_style = note_style;
	if (never) {
		note = g_strdup("遥测 等待数据…");
		age_style.rgb = AMBER;
	} else if (stale) {
		char *since = wall_clock_text(t->updated_real_us, true);
		note = g_strdup_printf("遥测中断 · 自 %s", since);
		g_free(since);
		age_style.rgb = AMBER;
		age_style.bold = true;
	} else if (params->recorded) {
		char *at = wall_clock_text(t->updated_real_us, true);
		note = g_strdup_printf("遥测 %s · %s", t->input, at);
		g_free(at);
	} else {
		char *age = age_text(params->now_real_us - t->updated_real_us);
		note = g_strdup_printf("遥测 %s · %s", t->input, age);
		g_free(age);
	}
	draw_text(cr, box_x + unit * 1.5, note_y, note, &age_style);
	g_free(note);

	/* Top-right: flight mode, hangar and battery, one pill each. */
	double right = width - margin;
	double pill_height = value_style.size_px * 1.5;
	double y = margin;
	if (t->mode[0] != '\0') {
		uint32_t fill = t->mode_class == MODE_CLASS_RETURN    ? AMBER
				: t->mode_class == MODE_CLASS_LANDING ? RED
				: t->mode_class == MODE_CLASS_IDLE    ? GREY
								      : 0x2a6df0;
		struct text_style mode_style = value_style;
		mode_style.rgb = stale ? 0xd0d4d8 : 0xffffff;
		double w = text_width(cr, t->mode, &mode_style) + unit * 3;
		rounded_box(cr, right - w, y, w, pill_height, pill_height / 2);
		cairo_set_source_rgba(cr, RGB(stale ? GREY : fill), stale ? 0.6 : 0.9);
		cairo_fill(cr);
		draw_text(cr, right - w + unit * 1.5, y + pill_height * 0.14, t->mode, &mode_style);
		y += pill_height + unit;
	}
	if (t->has_battery) {
		char *text = g_strdup_printf("%.0f%%", t->battery_percent);
		double w = text_width(cr, text, &value_style);
		double body_w = value_style.size_px * 2.2;
		double body_h = value_style.size_px * 0.9;
		double total = body_w + unit * 1.2 + w + unit * 3;
		panel(cr, right - total, y, total, pill_height, pill_height / 2);
		double bx = right - total + unit * 1.5;
		double by = y + (pill_height - body_h) / 2;
		uint32_t level = stale ? GREY
				 : t->battery_percent < 20 ? RED
				 : t->battery_percent < 40 ? AMBER
							    : GREEN;
		cairo_set_line_width(cr, MAX(1.0, unit * 0.3));
		cairo_set_source_rgb(cr, RGB(value_rgb));
		cairo_rectangle(cr, bx, by, body_w, body_h);
		cairo_stroke(cr);
		cairo_rectangle(cr, bx + body_w, by + body_h * 0.3, unit * 0.6, body_h * 0.4);
		cairo_fill(cr);
		double fill_w = (body_w - unit * 0.8) * CLAMP(t->battery_percent, 0, 100) / 100.0;
		cairo_set_source_rgb(cr, RGB(level));
		cairo_rectangle(cr, bx + unit * 0.4, by + unit * 0.4, fill_w, body_h - unit * 0.8);
		cairo_fill(cr);
		draw_text(cr, bx + body_w + unit * 1.2, y + pill_height * 0.14, text, &value_style);
		g_free(text);
		y += pill_height + unit;
	}
	if (t->hangar[0] != '\0') {
		char *text = g_strdup_printf("机库 %s", t->hangar);
		struct text_style hangar_style = note_style;
		hangar_style.rgb = value_rgb;
		double w = text_width(cr, text, &hangar_style) + unit * 3;
		panel(cr, right - w, y, w, pill_height * 0.85, pill_height * 0.42);
		draw_text(cr, right - w + unit * 1.5, y + pill_height * 0.12, text, &hangar_style);
		g_free(text);
	}

	/* Bottom-right: the mini-map, clear of the host's label on the left. */
	double map_h = height * 0.42;
	double map_w = MIN(width * 0.36, map_h * 1.3);
	map_draw(cr, width - margin - map_w, height - margin - map_h, map_w, map_h, view, params,
		 stale);
}

/* Map. */

struct projection {
	double lat0_cos;
	double min_x;
	double max_y;
	double scale;
	double offset_x;
	double offset_y;
};

static void project(const struct projection *p, struct geo_point point, double *x, double *y)
{
	*x = p->offset_x + (point.lon_deg * p->lat0_cos - p->min_x) * p->scale;
	*y = p->offset_y + (p->max_y - point.lat_deg) * p->scale;
}

struct bounds {
	double min_lat, max_lat, min_lon, max_lon;
	bool any;
};

static void bounds_add(struct bounds *b, struct geo_point point)
{
	if (!b->any) {
		b->min_lat = b->max_lat = point.lat_deg;
		b->min_lon = b->max_lon = point.lon_deg;
		b->any = true;
		return;
	}
	b->min_lat = MIN(b->min_lat, point.lat_deg);
	b->max_lat = MAX(b->max_lat, point.lat_deg);
	b->min_lon = MIN(b->min_lon, point.lon_deg);
	b->max_lon = MAX(b->max_lon, point.lon_deg);
}

static void polyline(cairo_t *cr, const struct projection *p, GArray *points)
{
	for (guint i = 0; i < points->len; i++) {
		double x;
		double y;
		project(p, g_array_index(points, struct geo_point, i), &x, &y);
		if (i == 0) {
			cairo_move_to(cr, x, y);
		} else {
			cairo_line_to(cr, x, y);
		}
	}
}

void map_draw(cairo_t *cr, double x, double y, double width, double height,
	      const struct telemetry_view *view, const struct hud_params *params, bool stale)
{
	const struct telemetry *t = &view->now;
	double unit = MAX(height / 40.0, 1.5);
	cairo_save(cr);
	rounded_box(cr, x, y, width, height, unit * 1.5);
	cairo_set_source_rgba(cr, 0.03, 0.05, 0.07, 0.7);
	cairo_fill_preserve(cr);
	cairo_clip(cr);

	/* What the map must show: a background's corners, or everything known. */
	struct bounds b = {0};
	const struct map_background *background = params->background;
	if (background != NULL) {
		bounds_add(&b, background->north_west);
		bounds_add(&b, background->south_east);
	} else {
		for (guint i = 0; i < view->route->len; i++) {
			bounds_add(&b, g_array_index(view->route, struct geo_point, i));
		}
		for (guint i = 0; i < view->track->len; i++) {
			bounds_add(&b, g_array_index(view->track, struct geo_point, i));
		}
		if (t->has_home) {
			bounds_add(&b, t->home);
		}
		if (t->has_position) {
			bounds_add(&b, t->position);
		}
	}
	struct text_style small = {MAX(9.0, unit * 2.2), false, GREY};
	if (!b.any) {
		draw_text(cr, x + unit * 2, y + height / 2 - small.size_px / 2, "无航线和位置", &small);
		cairo_restore(cr);
		return;
	}
	/* Equirectangular around the middle latitude: true to a few per cent
	 * over the few kilometres a patrol covers. */
	struct projection p = {0};
	p.lat0_cos = cos((b.min_lat + b.max_lat) / 2 * G_PI / 180.0);
	double span_x = (b.max_lon - b.min_lon) * p.lat0_cos;
	double span_y = b.max_lat - b.min_lat;
	/* A lone point still gets a few hundred metres around it. */
	double least = 0.003;
	if (background == NULL) {
		span_x = MAX(span_x, least);
		span_y = MAX(span_y, least);
	}
	double pad = background != NULL ? 0 : unit * 3;
	p.scale = MIN((width - 2 * pad) / span_x, (height - 2 * pad) / span_y);
	double mid_x = (b.min_lon + b.max_lon) / 2 * p.lat0_cos;
	double mid_y = (b.min_lat + b.max_lat) / 2;
	p.min_x = mid_x - (width / 2) / p.scale;
	p.max_y = mid_y + (height / 2) / p.scale;
	p.offset_x = x;
	p.offset_y = y;

	if (background != NULL && background->image != NULL) {
		double x0;
		double y0;
		double x1;
		double y1;
		project(&p, background->north_west, &x0, &y0);
		project(&p, background->south_east, &x1, &y1);
		int image_w = cairo_image_surface_get_width(background->image);
		int image_h = cairo_image_surface_get_height(background->image);
		cairo_save(cr);
		cairo_translate(cr, x0, y0);
		cairo_scale(cr, (x1 - x0) / image_w, (y1 - y0) / image_h);
		cairo_set_source_surface(cr, background->image, 0, 0);
		cairo_paint_with_alpha(cr, 0.8);
		cairo_restore(cr);
	}

	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	/* The route: a line with a dot per waypoint. */
	if (view->route->len > 0) {
		cairo_set_line_width(cr, MAX(1.5, unit * 0.5));
		cairo_set_source_rgba(cr, RGB(CYAN), 0.9);
		polyline(cr, &p, view->route);
		cairo_stroke(cr);
		for (guint i = 0; i < view->route->len; i++) {
			double px;
			double py;
			project(&p, g_array_index(view->route, struct geo_point, i), &px, &py);
			bool current = (int)i == t->waypoint;
			bool next = (int)i == t->waypoint + 1 && t->waypoint >= 0;
			double r = current || next ? unit * 1.3 : unit * 0.7;
			cairo_arc(cr, px, py, r, 0, 2 * G_PI);
			cairo_set_source_rgb(cr, RGB(current ? WHITE : next ? AMBER : CYAN));
			cairo_fill(cr);
			if (current) {
				cairo_arc(cr, px, py, r * 1.7, 0, 2 * G_PI);
				cairo_set_line_width(cr, MAX(1.0, unit * 0.35));
				cairo_stroke(cr);
			}
		}
	}
	/* The track flown so far. */
	if (view->track->len > 1) {
		cairo_set_line_width(cr, MAX(1.0, unit * 0.4));
		cairo_set_source_rgba(cr, RGB(TRACK), 0.85);
		polyline(cr, &p, view->track);
		cairo_stroke(cr);
	}
	/* Home: a square with an H. */
	if (t->has_home) {
		double hx;
		double hy;
		project(&p, t->home, &hx, &hy);
		double s = unit * 2.2;
		cairo_rectangle(cr, hx - s / 2, hy - s / 2, s, s);
		cairo_set_source_rgb(cr, RGB(GREEN));
		cairo_fill(cr);
		struct text_style h = {s * 0.8, true, 0x0a1410};
		draw_text(cr, hx - s * 0.28, hy - s * 0.55, "H", &h);
	}
	/* The aircraft: an arrow along its heading. */
	if (t->has_position) {
		double ax;
		double ay;
		project(&p, t->position, &ax, &ay);
		double s = unit * 2.6;
		cairo_save(cr);
		cairo_translate(cr, ax, ay);
		cairo_rotate(cr, (t->has_attitude ? t->heading_deg : 0) * G_PI / 180.0);
		cairo_move_to(cr, 0, -s);
		cairo_line_to(cr, s * 0.7, s * 0.75);
		cairo_line_to(cr, 0, s * 0.35);
		cairo_line_to(cr, -s * 0.7, s * 0.75);
		cairo_close_path(cr);
		cairo_set_source_rgb(cr, RGB(stale ? GREY : WHITE));
		cairo_fill_preserve(cr);
		cairo_set_line_width(cr, MAX(1.0, unit * 0.3));
		cairo_set_source_rgb(cr, 0.05, 0.07, 0.09);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
	/* North is up. */
	struct text_style north = {MAX(9.0, unit * 2.4), true, WHITE};
	draw_text(cr, x + width - unit * 4, y + unit, "N", &north);
	cairo_move_to(cr, x + width - unit * 3.1, y + unit * 4.2);
	cairo_line_to(cr, x + width - unit * 3.1, y + unit * 7.2);
	cairo_set_source_rgb(cr, RGB(WHITE));
	cairo_set_line_width(cr, MAX(1.0, unit * 0.3));
	cairo_stroke(cr);
	cairo_restore(cr);
}
