#include "slate.h"

#include <glib.h>
#include <math.h>

#include "clock.h"
#include "label.h"

#define ACCENT_CONNECTING 0xff5ab0ffu
#define ACCENT_STALLED 0xffffb020u
#define ACCENT_OFFLINE 0xffff5a4au
#define ACCENT_ERROR 0xffff3b3bu

void wall_slate_describe(const struct wall_source_health *health, bool has_frame,
			 int64_t now_us, struct wall_slate *slate)
{
	*slate = (struct wall_slate){0};
	const char *reason = health->reason != NULL && health->reason[0] != '\0' ? health->reason
										  : NULL;
	switch (health->state) {
	case WALL_SOURCE_STATE_LIVE:
		slate->show_frame = has_frame;
		if (!has_frame) {
			slate->title = g_strdup("等待画面 waiting for picture");
			slate->accent_argb = ACCENT_CONNECTING;
		}
		return;
	case WALL_SOURCE_STATE_STALLED: {
		int64_t stalled_s = (now_us - health->since_us) / G_USEC_PER_SEC;
		slate->accent_argb = ACCENT_STALLED;
		slate->detail = g_strdup(reason);
		if (has_frame) {
			slate->show_frame = true;
			slate->dim = true;
			slate->badge = g_strdup_printf("画面停滞 %" G_GINT64_FORMAT "s",
						       stalled_s > 0 ? stalled_s : 0);
		} else {
			slate->title = g_strdup_printf("画面停滞 %" G_GINT64_FORMAT "s",
						       stalled_s > 0 ? stalled_s : 0);
		}
		return;
	}
	case WALL_SOURCE_STATE_OFFLINE: {
		char *clock = wall_clock_text(health->since_real_us, true);
		slate->title = g_strdup_printf("离线 since %s", clock);
		g_free(clock);
		slate->detail = g_strdup(reason);
		slate->accent_argb = ACCENT_OFFLINE;
		return;
	}
	case WALL_SOURCE_STATE_ERROR:
		slate->title = g_strdup("错误 error");
		slate->detail = g_strdup(reason != NULL ? reason : "source failed");
		slate->accent_argb = ACCENT_ERROR;
		return;
	case WALL_SOURCE_STATE_CONNECTING:
	case WALL_SOURCE_STATE_INVALID:
		break;
	}
	slate->title = g_strdup("连接中… connecting");
	slate->detail = g_strdup(reason);
	slate->accent_argb = ACCENT_CONNECTING;
}

void wall_slate_clear(struct wall_slate *slate)
{
	g_free(slate->title);
	g_free(slate->detail);
	g_free(slate->badge);
	*slate = (struct wall_slate){0};
}

char *wall_slate_key(const struct wall_slate *slate, int tile_width_px, int tile_height_px)
{
	return g_strdup_printf("%d|%d|%s|%s|%s|%08x|%dx%d", slate->show_frame, slate->dim,
			       slate->title ? slate->title : "", slate->detail ? slate->detail : "",
			       slate->badge ? slate->badge : "", slate->accent_argb, tile_width_px,
			       tile_height_px);
}

static void paint_surface(cairo_t *cr, cairo_surface_t *surface, double x, double y)
{
	cairo_set_source_surface(cr, surface, x, y);
	cairo_paint(cr);
}

cairo_surface_t *wall_slate_render_text(const struct wall_slate *slate, int tile_width_px,
					int tile_height_px)
{
	double title_px = fmax(14.0, fmin(tile_height_px * 0.08, 72.0));
	struct wall_text_style title_style = {
		.size_px = title_px,
		.text_argb = slate->accent_argb,
		.max_width_px = tile_width_px - 8,
		.bold = true,
	};
	struct wall_text_style detail_style = {
		.size_px = fmax(11.0, title_px * 0.55),
		.text_argb = 0xffc8d0d8u,
		.max_width_px = tile_width_px - 8,
	};
	cairo_surface_t *title = wall_text_render(slate->title, &title_style);
	cairo_surface_t *detail = wall_text_render(slate->detail, &detail_style);
	int title_w = cairo_image_surface_get_width(title);
	int title_h = cairo_image_surface_get_height(title);
	int detail_w = slate->detail != NULL ? cairo_image_surface_get_width(detail) : 0;
	int detail_h = slate->detail != NULL ? cairo_image_surface_get_height(detail) : 0;
	int gap = detail_h > 0 ? (int)(title_px * 0.3) : 0;
	int width = MAX(title_w, detail_w);
	int height = title_h + gap + detail_h;

	cairo_surface_t *block = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MAX(width, 1),
							    MAX(height, 1));
	cairo_t *cr = cairo_create(block);
	paint_surface(cr, title, (width - title_w) / 2, 0);
	if (detail_h > 0) {
		paint_surface(cr, detail, (width - detail_w) / 2, title_h + gap);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(title);
	cairo_surface_destroy(detail);
	cairo_surface_flush(block);
	return block;
}

cairo_surface_t *wall_slate_render_badge(const struct wall_slate *slate, int tile_height_px)
{
	struct wall_text_style style = {
		.size_px = wall_label_size_px(tile_height_px),
		.text_argb = 0xff101010u,
		.box_argb = slate->accent_argb,
		.padding_px = (int)(wall_label_size_px(tile_height_px) * 0.3),
		.bold = true,
	};
	return wall_text_render(slate->badge, &style);
}
