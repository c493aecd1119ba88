/*
 * The report as an A4 PDF, drawn with Cairo and Pango in Chinese (Noto
 * Sans CJK), for printing: a title band with the wall's name and the
 * span, the headline figures, the district ranking, the trend by day, the
 * failing cameras with their pictures, and the towns. Every page has a
 * footer with "page N of M": the pages are laid out once on a recording
 * surface to count them, then drawn.
 */
#include <cairo-pdf.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "argb.h"
#include "inspection/report_write.h"
#include "text.h"

/* A4 in points. */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 40.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - 52.0)

#define NAVY 0xff0b2545u
#define BLUE 0xff1d6fb8u
#define GREEN 0xff2e9e6au
#define RED 0xffc0392bu
#define INK 0xff1c2733u
#define GREY 0xff5b6b7fu
#define RULE 0xffd5dde8u
#define HEAD_FILL 0xffe8eef5u
#define STRIPE 0xfff6f8fbu

enum align { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_CENTER };

struct pdf {
	cairo_t *cr;
	const struct wall_report *report;
	const struct wall_report_meta *meta;
	char *span_text;
	double y;
	int page;
	/* Pages in all, from the first pass; 0 while counting. */
	int pages;
};

struct column {
	const char *title;
	double width;
	enum align align;
};

static PangoLayout *layout_for(struct pdf *pdf, const char *text, double size, bool bold,
                               double width, enum align align, bool wrap)
{
	struct wall_text_font font = {.size_px = size, .bold = bold, .tabular = true};
	PangoLayout *layout = wall_text_layout(pdf->cr, &font, text, width);
	if (wrap && width > 0) {
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE);
		pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_alignment(layout, align == ALIGN_RIGHT    ? PANGO_ALIGN_RIGHT
	                                   : align == ALIGN_CENTER ? PANGO_ALIGN_CENTER
	                                                           : PANGO_ALIGN_LEFT);
	return layout;
}

/* Draw text with its top at y; returns its height. */
static double text_at(struct pdf *pdf, double x, double y, double width, double size, bool bold,
                      uint32_t argb, enum align align, const char *text)
{
	PangoLayout *layout = layout_for(pdf, text, size, bold, width, align, false);
	int height = 0;
	pango_layout_get_size(layout, NULL, &height);
	wall_argb_set_source(pdf->cr, argb);
	cairo_move_to(pdf->cr, x, y);
	pango_cairo_show_layout(pdf->cr, layout);
	g_object_unref(layout);
	return (double)height / PANGO_SCALE;
}

/* Height of text wrapped into width, and draw it when draw. */
static double wrapped(struct pdf *pdf, double x, double y, double width, double size, uint32_t argb,
                      const char *text, bool draw)
{
	PangoLayout *layout = layout_for(pdf, text, size, false, width, ALIGN_LEFT, true);
	int height = 0;
	pango_layout_get_size(layout, NULL, &height);
	if (draw) {
		wall_argb_set_source(pdf->cr, argb);
		cairo_move_to(pdf->cr, x, y);
		pango_cairo_show_layout(pdf->cr, layout);
	}
	g_object_unref(layout);
	return (double)height / PANGO_SCALE;
}

static void fill_rect(struct pdf *pdf, double x, double y, double w, double h, uint32_t argb)
{
	wall_argb_set_source(pdf->cr, argb);
	cairo_rectangle(pdf->cr, x, y, w, h);
	cairo_fill(pdf->cr);
}

static void hline(struct pdf *pdf, double x, double y, double w, uint32_t argb)
{
	fill_rect(pdf, x, y, w, 0.6, argb);
}

static void footer(struct pdf *pdf)
{
	hline(pdf, MARGIN, PAGE_H - 40, CONTENT_W, RULE);
	char *left =
	        g_strdup_printf("%s · 视频巡检报告 · %s", pdf->meta->wall_name, pdf->span_text);
	text_at(pdf, MARGIN, PAGE_H - 34, CONTENT_W * 0.7, 8, false, GREY, ALIGN_LEFT, left);
	g_free(left);
	char *right = pdf->pages > 0 ? g_strdup_printf("第 %d 页 / 共 %d 页", pdf->page, pdf->pages)
	                             : g_strdup_printf("第 %d 页", pdf->page);
	text_at(pdf, MARGIN, PAGE_H - 34, CONTENT_W, 8, false, GREY, ALIGN_RIGHT, right);
	g_free(right);
}

/* The first page's title band. */
static void title_band(struct pdf *pdf)
{
	fill_rect(pdf, 0, 0, PAGE_W, 112, NAVY);
	fill_rect(pdf, 0, 112, PAGE_W, 4, BLUE);
	text_at(pdf, MARGIN, 26, CONTENT_W, 26, true, 0xffffffffu, ALIGN_LEFT, "视频巡检报告");
	text_at(pdf, MARGIN, 68, CONTENT_W * 0.6, 13, false, 0xffc9d6e8u, ALIGN_LEFT,
	        pdf->meta->wall_name);
	char *span = g_strdup_printf("统计时段  %s", pdf->span_text);
	text_at(pdf, MARGIN, 34, CONTENT_W, 10, false, 0xffc9d6e8u, ALIGN_RIGHT, span);
	g_free(span);
	char *made = wall_report_time_text(pdf->meta->generated_us);
	char *line = g_strdup_printf("生成时间  %s", made);
	text_at(pdf, MARGIN, 52, CONTENT_W, 10, false, 0xffc9d6e8u, ALIGN_RIGHT, line);
	g_free(line);
	g_free(made);
	text_at(pdf, MARGIN, 70, CONTENT_W, 10, false, 0xffc9d6e8u, ALIGN_RIGHT,
	        "在线率 · 优质视频覆盖率 · 异常清单");
	pdf->y = 136;
}

/* Later pages: a running head. */
static void running_head(struct pdf *pdf)
{
	char *head = g_strdup_printf("视频巡检报告 · %s", pdf->meta->wall_name);
	text_at(pdf, MARGIN, 26, CONTENT_W * 0.7, 9, true, NAVY, ALIGN_LEFT, head);
	g_free(head);
	text_at(pdf, MARGIN, 26, CONTENT_W, 9, false, GREY, ALIGN_RIGHT, pdf->span_text);
	fill_rect(pdf, MARGIN, 42, CONTENT_W, 1.2, BLUE);
	pdf->y = 58;
}

static void new_page(struct pdf *pdf)
{
	if (pdf->page > 0) {
		footer(pdf);
		cairo_show_page(pdf->cr);
	}
	pdf->page++;
	if (pdf->page == 1) {
		title_band(pdf);
	} else {
		running_head(pdf);
	}
}

/* Room for height more: else go on to a new page. True when a page began. */
static bool need(struct pdf *pdf, double height)
{
	if (pdf->y + height <= BOTTOM) {
		return false;
	}
	new_page(pdf);
	return true;
}

static void section(struct pdf *pdf, const char *title, double first_height)
{
	need(pdf, 34 + first_height);
	pdf->y += 8;
	fill_rect(pdf, MARGIN, pdf->y + 2, 4, 16, BLUE);
	text_at(pdf, MARGIN + 10, pdf->y, CONTENT_W, 14, true, NAVY, ALIGN_LEFT, title);
	pdf->y += 28;
}

static void kpi_boxes(struct pdf *pdf)
{
	const struct wall_report_cell *all = &pdf->report->wall->span;
	double rate = 0, coverage = 0;
	bool has_rate = wall_report_cell_online_rate(all, &rate);
	bool has_coverage = wall_report_cell_coverage(all, &coverage);
	char *values[4] = {
	        g_strdup_printf("%d", all->cameras),
	        wall_report_percent_text(has_rate, rate),
	        wall_report_percent_text(has_coverage, coverage),
	        g_strdup_printf("%u", pdf->report->failures->len),
	};
	static const char *const labels[] = {"摄像机总数", "视频在线率", "优质视频覆盖率",
	                                     "异常摄像机"};
	static const uint32_t colours[] = {NAVY, BLUE, GREEN, RED};
	double gap = 10, w = (CONTENT_W - 3 * gap) / 4, h = 64;
	for (int i = 0; i < 4; i++) {
		double x = MARGIN + i * (w + gap);
		fill_rect(pdf, x, pdf->y, w, h, STRIPE);
		fill_rect(pdf, x, pdf->y, 3, h, colours[i]);
		text_at(pdf, x + 12, pdf->y + 8, w - 16, 22, true, colours[i], ALIGN_LEFT,
		        values[i]);
		text_at(pdf, x + 12, pdf->y + 42, w - 16, 9.5, false, GREY, ALIGN_LEFT, labels[i]);
		g_free(values[i]);
	}
	pdf->y += h + 10;
}

static void table_head(struct pdf *pdf, const struct column *columns, int n)
{
	fill_rect(pdf, MARGIN, pdf->y, CONTENT_W, 20, HEAD_FILL);
	double x = MARGIN;
	for (int i = 0; i < n; i++) {
		text_at(pdf, x + 5, pdf->y + 4.5, columns[i].width - 10, 9, true, INK,
		        columns[i].align, columns[i].title);
		x += columns[i].width;
	}
	pdf->y += 20;
}

/* A share as a bar and its percentage in a column of width w. */
static void share_bar(struct pdf *pdf, double x, double y, double w, bool known, double share,
                      uint32_t argb)
{
	double bar_w = w - 58;
	fill_rect(pdf, x + 5, y + 6.5, bar_w, 6, 0xffe6ebf1u);
	if (known) {
		fill_rect(pdf, x + 5, y + 6.5, bar_w * CLAMP(share, 0, 1), 6, argb);
	}
	char *text = wall_report_percent_text(known, share);
	text_at(pdf, x + w - 52, y + 3.5, 47, 9, false, INK, ALIGN_RIGHT, text);
	g_free(text);
}

/* The group columns: cameras, online rate, coverage, good of all. */
static const double group_widths[] = {46, 122, 122, 66};
#define GROUPS_W (46 + 122 + 122 + 66)

static void group_cells(struct pdf *pdf, double x, const struct wall_report_cell *cell, bool bold)
{
	double rate = 0, coverage = 0;
	bool has_rate = wall_report_cell_online_rate(cell, &rate);
	bool has_coverage = wall_report_cell_coverage(cell, &coverage);
	char *cameras = g_strdup_printf("%d", cell->cameras);
	text_at(pdf, x + 5, pdf->y + 3.5, group_widths[0] - 10, 9, bold, INK, ALIGN_RIGHT, cameras);
	g_free(cameras);
	x += group_widths[0];
	share_bar(pdf, x, pdf->y, group_widths[1], has_rate, rate, BLUE);
	x += group_widths[1];
	share_bar(pdf, x, pdf->y, group_widths[2], has_coverage, coverage, GREEN);
	x += group_widths[2];
	char *good = g_strdup_printf("%d / %d", cell->good, cell->cameras);
	text_at(pdf, x + 5, pdf->y + 3.5, group_widths[3] - 10, 9, bold, INK, ALIGN_RIGHT, good);
	g_free(good);
}

static void ranking(struct pdf *pdf)
{
	GPtrArray *rows = wall_report_district_ranking(pdf->report);
	const struct column columns[] = {
	        {"名次", 35, ALIGN_CENTER},
	        {"区县", CONTENT_W - 35 - GROUPS_W, ALIGN_LEFT},
	        {"摄像机", group_widths[0], ALIGN_RIGHT},
	        {"在线率", group_widths[1], ALIGN_LEFT},
	        {"优质视频覆盖率", group_widths[2], ALIGN_LEFT},
	        {"优质 / 总数", group_widths[3], ALIGN_RIGHT},
	};
	section(pdf, "区县排名", 40);
	table_head(pdf, columns, G_N_ELEMENTS(columns));
	for (guint i = 0; i <= rows->len; i++) {
		if (need(pdf, 19)) {
			table_head(pdf, columns, G_N_ELEMENTS(columns));
		}
		bool total = i == rows->len;
		const struct wall_report_row *row = total ? pdf->report->wall : rows->pdata[i];
		if (i % 2 == 1) {
			fill_rect(pdf, MARGIN, pdf->y, CONTENT_W, 19, STRIPE);
		}
		char *rank = total ? g_strdup("") : g_strdup_printf("%u", i + 1);
		text_at(pdf, MARGIN + 5, pdf->y + 3.5, columns[0].width - 10, 9, true,
		        i < 3 && !total ? BLUE : INK, ALIGN_CENTER, rank);
		g_free(rank);
		text_at(pdf, MARGIN + columns[0].width + 5, pdf->y + 3.5, columns[1].width - 10, 9,
		        total, INK, ALIGN_LEFT, total ? "合计" : row->name);
		group_cells(pdf, MARGIN + columns[0].width + columns[1].width, &row->span, total);
		if (total) {
			hline(pdf, MARGIN, pdf->y, CONTENT_W, GREY);
		}
		pdf->y += 19;
	}
	hline(pdf, MARGIN, pdf->y, CONTENT_W, RULE);
	pdf->y += 8;
	g_ptr_array_unref(rows);
}

/* Bars by day: online rate and quality coverage of the whole wall, 0-100 %. */
static void trend(struct pdf *pdf)
{
	const struct wall_report *report = pdf->report;
	double h = 170, axis_x = MARGIN + 34, chart_w = CONTENT_W - 34, plot_h = h - 40;
	section(pdf, "每日趋势（全部摄像机）", h);
	double top = pdf->y + 14, base = top + plot_h;
	fill_rect(pdf, MARGIN + CONTENT_W - 200, pdf->y - 4, 9, 9, BLUE);
	text_at(pdf, MARGIN + CONTENT_W - 187, pdf->y - 7, 80, 8.5, false, INK, ALIGN_LEFT,
	        "在线率");
	fill_rect(pdf, MARGIN + CONTENT_W - 120, pdf->y - 4, 9, 9, GREEN);
	text_at(pdf, MARGIN + CONTENT_W - 107, pdf->y - 7, 110, 8.5, false, INK, ALIGN_LEFT,
	        "优质视频覆盖率");
	for (int percent = 0; percent <= 100; percent += 25) {
		double y = base - plot_h * percent / 100.0;
		hline(pdf, axis_x, y, chart_w, percent == 0 ? GREY : RULE);
		char *label = g_strdup_printf("%d%%", percent);
		text_at(pdf, MARGIN, y - 6, 30, 8, false, GREY, ALIGN_RIGHT, label);
		g_free(label);
	}
	guint days = report->days->len;
	double slot = chart_w / days, bar = MIN(slot * 0.34, 22);
	guint every = days > 16 ? (days + 15) / 16 : 1;
	for (guint i = 0; i < days; i++) {
		const struct wall_report_cell *cell = &report->wall->days[i];
		double centre = axis_x + slot * (i + 0.5);
		double share[2] = {0, 0};
		bool known[2] = {wall_report_cell_online_rate(cell, &share[0]),
		                 wall_report_cell_coverage(cell, &share[1])};
		for (int k = 0; k < 2; k++) {
			double x = centre - bar + k * bar;
			double bar_h = known[k] ? plot_h * CLAMP(share[k], 0, 1) : 0;
			fill_rect(pdf, x + 0.5, base - bar_h, bar - 1, bar_h,
			          k == 0 ? BLUE : GREEN);
			if (known[k] && days <= 10) {
				char *value = g_strdup_printf("%.1f", 100 * share[k]);
				text_at(pdf, x - 8, base - bar_h - 11, bar + 16, 7, false, INK,
				        ALIGN_CENTER, value);
				g_free(value);
			}
		}
		if (i % every == 0) {
			const struct wall_report_period *day =
			        &g_array_index(report->days, struct wall_report_period, i);
			char *date = wall_report_day_text(day->from_us);
			text_at(pdf, centre - 30, base + 4, 60, 8, false, GREY, ALIGN_CENTER,
			        date + 5);
			g_free(date);
		}
	}
	pdf->y = base + 24;
}

static cairo_status_t read_bytes(void *closure, unsigned char *data, unsigned int length)
{
	GInputStream *stream = closure;
	gsize read = 0;
	return g_input_stream_read_all(stream, data, length, &read, NULL, NULL) && read == length
	               ? CAIRO_STATUS_SUCCESS
	               : CAIRO_STATUS_READ_ERROR;
}

/* The thumbnail fitted into w x h, or a grey box that says there is none. */
static void thumbnail(struct pdf *pdf, double x, double y, double w, double h, GBytes *png)
{
	cairo_surface_t *image = NULL;
	if (png != NULL) {
		GInputStream *stream = g_memory_input_stream_new_from_bytes(png);
		image = cairo_image_surface_create_from_png_stream(read_bytes, stream);
		g_object_unref(stream);
		if (cairo_surface_status(image) != CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(image);
			image = NULL;
		}
	}
	if (image == NULL) {
		fill_rect(pdf, x, y, w, h, 0xffeef1f5u);
		text_at(pdf, x, y + h / 2 - 6, w, 8, false, GREY, ALIGN_CENTER, "无画面");
		return;
	}
	int iw = cairo_image_surface_get_width(image), ih = cairo_image_surface_get_height(image);
	double scale = MIN(w / iw, h / ih);
	cairo_save(pdf->cr);
	fill_rect(pdf, x, y, w, h, 0xff000000u);
	cairo_translate(pdf->cr, x + (w - iw * scale) / 2, y + (h - ih * scale) / 2);
	cairo_scale(pdf->cr, scale, scale);
	cairo_set_source_surface(pdf->cr, image, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(pdf->cr), CAIRO_FILTER_GOOD);
	cairo_paint(pdf->cr);
	cairo_restore(pdf->cr);
	cairo_surface_destroy(image);
}

static void failures(struct pdf *pdf)
{
	const struct wall_report *report = pdf->report;
	const struct column columns[] = {
	        {"画面", 90, ALIGN_LEFT},     {"摄像机", 140, ALIGN_LEFT},
	        {"类别", 52, ALIGN_LEFT},     {"原因", CONTENT_W - 90 - 140 - 52 - 80, ALIGN_LEFT},
	        {"起始时间", 80, ALIGN_LEFT},
	};
	char *title = g_strdup_printf("异常摄像机清单（%u）", report->failures->len);
	section(pdf, title, 80);
	g_free(title);
	if (report->failures->len == 0) {
		text_at(pdf, MARGIN, pdf->y, CONTENT_W, 10, false, GREY, ALIGN_LEFT,
		        "本时段全部摄像机在线且最后一次巡检全部通过。");
		pdf->y += 22;
		return;
	}
	table_head(pdf, columns, G_N_ELEMENTS(columns));
	double reason_x = MARGIN + 90 + 140 + 52;
	for (guint i = 0; i < report->failures->len; i++) {
		const struct wall_report_failure *failure = report->failures->pdata[i];
		const struct wall_report_row *camera = failure->camera;
		double reason_h =
		        wrapped(pdf, 0, 0, columns[3].width - 10, 8.5, INK, failure->reason, false);
		double row_h = MAX(58, reason_h + 14);
		if (need(pdf, row_h)) {
			table_head(pdf, columns, G_N_ELEMENTS(columns));
		}
		double y = pdf->y;
		thumbnail(pdf, MARGIN + 5, y + 6, 80, 45, failure->thumbnail);
		double x = MARGIN + 90;
		text_at(pdf, x + 5, y + 6, columns[1].width - 10, 9.5, true, INK, ALIGN_LEFT,
		        camera->label != NULL ? camera->label : camera->name);
		text_at(pdf, x + 5, y + 21, columns[1].width - 10, 7.5, false, GREY, ALIGN_LEFT,
		        camera->name);
		char *where =
		        g_strdup_printf("%s %s", camera->district != NULL ? camera->district : "",
		                        camera->town != NULL ? camera->town : "");
		text_at(pdf, x + 5, y + 34, columns[1].width - 10, 8, false, GREY, ALIGN_LEFT,
		        where);
		g_free(where);
		text_at(pdf, x + 140 + 5, y + 6, columns[2].width - 10, 9, true, RED, ALIGN_LEFT,
		        wall_report_failure_label(failure->kind));
		wrapped(pdf, reason_x + 5, y + 6, columns[3].width - 10, 8.5, INK, failure->reason,
		        true);
		char *since = wall_report_time_text(failure->since_us);
		wrapped(pdf, reason_x + columns[3].width + 5, y + 6, columns[4].width - 10, 8.5,
		        INK, since, true);
		g_free(since);
		pdf->y += row_h;
		hline(pdf, MARGIN, pdf->y, CONTENT_W, RULE);
	}
	pdf->y += 8;
}

static void towns(struct pdf *pdf)
{
	const struct column columns[] = {
	        {"区县", 70, ALIGN_LEFT},
	        {"乡镇", CONTENT_W - 70 - GROUPS_W, ALIGN_LEFT},
	        {"摄像机", group_widths[0], ALIGN_RIGHT},
	        {"在线率", group_widths[1], ALIGN_LEFT},
	        {"优质视频覆盖率", group_widths[2], ALIGN_LEFT},
	        {"优质 / 总数", group_widths[3], ALIGN_RIGHT},
	};
	if (pdf->report->towns->len == 0) {
		return;
	}
	section(pdf, "乡镇明细", 40);
	table_head(pdf, columns, G_N_ELEMENTS(columns));
	for (guint i = 0; i < pdf->report->towns->len; i++) {
		const struct wall_report_row *row = pdf->report->towns->pdata[i];
		if (need(pdf, 19)) {
			table_head(pdf, columns, G_N_ELEMENTS(columns));
		}
		if (i % 2 == 1) {
			fill_rect(pdf, MARGIN, pdf->y, CONTENT_W, 19, STRIPE);
		}
		text_at(pdf, MARGIN + 5, pdf->y + 3.5, columns[0].width - 10, 9, false, INK,
		        ALIGN_LEFT, row->district != NULL ? row->district : "—");
		text_at(pdf, MARGIN + columns[0].width + 5, pdf->y + 3.5, columns[1].width - 10, 9,
		        false, INK, ALIGN_LEFT, row->name);
		group_cells(pdf, MARGIN + columns[0].width + columns[1].width, &row->span, false);
		pdf->y += 19;
	}
	hline(pdf, MARGIN, pdf->y, CONTENT_W, RULE);
	pdf->y += 8;
}

static void notes(struct pdf *pdf)
{
	static const char text[] =
	        "说明：在线率 = 在线时长 ÷（在线时长 + "
	        "离线时长），视频墙未运行的时段记为未知，不计入。"
	        "优质视频：时段内最后一次巡检的各项检查（无信号、黑屏、冻结、过暗、过亮、低对比度、"
	        "模糊、偏色、噪声、分辨率、帧率）全部通过，且该时段结束时未离线；"
	        "优质视频覆盖率 = 优质摄像机数 ÷ 摄像机总数。";
	double h = wrapped(pdf, 0, 0, CONTENT_W, 8, GREY, text, false);
	need(pdf, h + 10);
	pdf->y += 4;
	wrapped(pdf, MARGIN, pdf->y, CONTENT_W, 8, GREY, text, true);
	pdf->y += h + 6;
}

static void draw(struct pdf *pdf)
{
	pdf->page = 0;
	new_page(pdf);
	kpi_boxes(pdf);
	ranking(pdf);
	trend(pdf);
	failures(pdf);
	towns(pdf);
	notes(pdf);
	footer(pdf);
	cairo_show_page(pdf->cr);
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int length)
{
	return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
	                                                  : CAIRO_STATUS_WRITE_ERROR;
}

bool wall_report_write_pdf(const struct wall_report *report, const struct wall_report_meta *meta,
                           FILE *out, GError **error)
{
	char *from = wall_report_day_text(report->from_us);
	char *to = wall_report_day_text(report->to_us - 1);
	struct pdf pdf = {
	        .report = report,
	        .meta = meta,
	        .span_text = strcmp(from, to) == 0 ? g_strdup(from)
	                                           : g_strdup_printf("%s 至 %s", from, to),
	};
	g_free(from);
	g_free(to);

	/* First pass: count the pages. */
	cairo_surface_t *counting = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
	pdf.cr = cairo_create(counting);
	draw(&pdf);
	cairo_destroy(pdf.cr);
	cairo_surface_destroy(counting);
	pdf.pages = pdf.page;

	cairo_surface_t *surface =
	        cairo_pdf_surface_create_for_stream(write_file, out, PAGE_W, PAGE_H);
	char *title = g_strdup_printf("视频巡检报告 %s %s", meta->wall_name, pdf.span_text);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "wall report");
	g_free(title);
	pdf.cr = cairo_create(surface);
	draw(&pdf);
	cairo_destroy(pdf.cr);
	cairo_surface_finish(surface);
	cairo_status_t status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	g_free(pdf.span_text);
	bool ok = status == CAIRO_STATUS_SUCCESS && fflush(out) == 0;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write the report: %s",
		            status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status)
		                                           : g_strerror(errno));
	}
	return ok;
}
