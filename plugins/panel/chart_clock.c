/*
 * clock: the time, large, and the date with its weekday in Chinese
 * ("2025年6月18日 星期三"). It needs no data; the panel redraws it on
 * the second, or on the minute without seconds.
 */
#include "panel.h"

static void draw(cairo_t *cr, const struct panel_view *view)
{
	static const char *const weekdays[] = {"星期一", "星期二", "星期三", "星期四",
					       "星期五", "星期六", "星期日"};
	const struct panel_theme *theme = view->theme;
	bool seconds = view->host->config_int(view->source, "seconds", 1) != 0;
	GDateTime *now = panel_date_time(view->now_us);
	char *time = g_date_time_format(now, seconds ? "%H:%M:%S" : "%H:%M");
	char *date = g_strdup_printf("%d年%d月%d日 %s", g_date_time_get_year(now),
				     g_date_time_get_month(now), g_date_time_get_day_of_month(now),
				     weekdays[(g_date_time_get_day_of_week(now) - 1) % 7]);
	g_date_time_unref(now);

	double date_px = MIN(view->body_px, view->height * 0.18);
	double time_px = MIN((view->height - panel_text_line_px(date_px)) / 1.45,
			     view->height * 0.6 / 1.45);
	double width = panel_text_width(cr, theme, time, time_px, true);
	if (width > view->width) {
		time_px *= view->width / width;
	}
	double block = panel_text_line_px(time_px) + panel_text_line_px(date_px);
	double top = view->y + MAX(0.0, (view->height - block) / 2);
	struct panel_text time_style = {time_px, true, theme->text_argb, PANEL_ALIGN_CENTER};
	panel_text_draw(cr, theme, time, &time_style, view->x, top, view->width);
	struct panel_text date_style = {date_px, false, theme->muted_argb, PANEL_ALIGN_CENTER};
	panel_text_draw(cr, theme, date, &date_style, view->x, top + panel_text_line_px(time_px),
			view->width);
	g_free(time);
	g_free(date);
}

const struct panel_chart panel_chart_clock = {
	.name = "clock",
	.draw = draw,
	.no_data = true,
};
