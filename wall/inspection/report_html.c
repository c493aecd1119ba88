/*
 * The report as one HTML file that needs nothing else: the style inline,
 * thumbnails as data: URIs, no scripts, no fonts or pictures fetched.
 */
#include <errno.h>

#include "inspection/report_write.h"

static const char style[] =
        "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#1c2733;"
        "margin:0;background:#f3f5f8}"
        "main{max-width:1000px;margin:0 auto;padding:0 24px 40px;background:#fff}"
        "header{background:#0b2545;color:#fff;padding:24px;margin:0 -24px 20px}"
        "header h1{margin:0 0 6px;font-size:26px}header p{margin:2px 0;color:#c9d6e8}"
        ".kpi{display:flex;gap:12px;margin:0 0 20px}"
        ".kpi div{flex:1;border:1px solid #d5dde8;border-radius:6px;padding:10px 14px}"
        ".kpi b{display:block;font-size:24px;color:#0b2545}.kpi span{color:#5b6b7f}"
        "h2{font-size:18px;border-left:4px solid #1d6fb8;padding-left:8px;margin:28px 0 10px}"
        "table{border-collapse:collapse;width:100%;font-size:13px}"
        "th{background:#e8eef5;text-align:left;padding:6px 8px}"
        "td{border-bottom:1px solid #e3e8ef;padding:6px 8px;vertical-align:middle}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}"
        ".bar{display:inline-block;height:8px;border-radius:2px;vertical-align:middle;"
        "margin-right:6px}.on{background:#1d6fb8}.good{background:#2e9e6a}"
        ".bad{color:#c0392b;font-weight:bold}img{width:128px;height:72px;object-fit:cover;"
        "border:1px solid #ccd}footer{color:#7a8899;font-size:12px;margin-top:24px}";

static void put_escaped(GString *out, const char *text)
{
	char *escaped = g_markup_escape_text(text != NULL ? text : "", -1);
	g_string_append(out, escaped);
	g_free(escaped);
}

/* A share as a bar and a percentage, or a dash. */
static void put_share(GString *out, bool known, double share, const char *bar)
{
	char *text = wall_report_percent_text(known, share);
	g_string_append(out, "<td class=\"n\">");
	if (known) {
		g_string_append_printf(out, "<span class=\"bar %s\" style=\"width:%dpx\"></span>",
		                       bar, (int)(share * 80 + 0.5));
	}
	g_string_append_printf(out, "%s</td>", text);
	g_free(text);
}

static void put_cell(GString *out, const struct wall_report_cell *cell)
{
	double rate = 0, coverage = 0;
	bool has_rate = wall_report_cell_online_rate(cell, &rate);
	bool has_coverage = wall_report_cell_coverage(cell, &coverage);
	g_string_append_printf(out, "<td class=\"n\">%d</td>", cell->cameras);
	put_share(out, has_rate, rate, "on");
	put_share(out, has_coverage, coverage, "good");
	g_string_append_printf(out, "<td class=\"n\">%d / %d</td>", cell->good, cell->cameras);
}

static void put_header(GString *out, const struct wall_report *report,
                       const struct wall_report_meta *meta)
{
	char *from = wall_report_day_text(report->from_us);
	char *to = wall_report_day_text(report->to_us - 1);
	char *made = wall_report_time_text(meta->generated_us);
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	                     "<title>视频巡检报告 ");
	put_escaped(out, meta->wall_name);
	g_string_append_printf(out, " %s 至 %s</title><style>%s</style></head><body><main>\n", from,
	                       to, style);
	g_string_append(out, "<header><h1>视频巡检报告</h1><p>");
	put_escaped(out, meta->wall_name);
	g_string_append_printf(out, "</p><p>统计时段：%s 至 %s　　生成时间：%s</p></header>\n",
	                       from, to, made);
	g_free(made);
	g_free(to);
	g_free(from);

	const struct wall_report_cell *all = &report->wall->span;
	double rate = 0, coverage = 0;
	bool has_rate = wall_report_cell_online_rate(all, &rate);
	bool has_coverage = wall_report_cell_coverage(all, &coverage);
	char *rate_text = wall_report_percent_text(has_rate, rate);
	char *coverage_text = wall_report_percent_text(has_coverage, coverage);
	g_string_append_printf(out,
	                       "<section class=\"kpi\"><div><b>%d</b><span>摄像机总数</span></div>"
	                       "<div><b>%s</b><span>视频在线率</span></div>"
	                       "<div><b>%s</b><span>优质视频覆盖率</span></div>"
	                       "<div><b class=\"bad\">%u</b><span>异常摄像机</span></div>"
	                       "</section>\n",
	                       all->cameras, rate_text, coverage_text, report->failures->len);
	g_free(rate_text);
	g_free(coverage_text);
}

static const char group_columns[] = "<th>摄像机</th><th>在线率</th><th>优质覆盖率</th>"
                                    "<th>优质 / 总数</th></tr>\n";

static void put_ranking(GString *out, const struct wall_report *report)
{
	g_string_append(out,
	                "<h2>区县排名</h2><table id=\"ranking\"><tr><th>名次</th><th>区县</th>");
	g_string_append(out, group_columns);
	GPtrArray *ranking = wall_report_district_ranking(report);
	for (guint i = 0; i < ranking->len; i++) {
		const struct wall_report_row *row = ranking->pdata[i];
		g_string_append_printf(out, "<tr><td class=\"n\">%u</td><td>", i + 1);
		put_escaped(out, row->name);
		g_string_append(out, "</td>");
		put_cell(out, &row->span);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "<tr><td></td><td><b>合计</b></td>");
	put_cell(out, &report->wall->span);
	g_string_append(out, "</tr></table>\n");
	g_ptr_array_unref(ranking);
}

static void put_trend(GString *out, const struct wall_report *report)
{
	g_string_append(out, "<h2>每日趋势</h2><table id=\"trend\"><tr><th>日期</th>");
	g_string_append(out, group_columns);
	for (guint i = 0; i < report->days->len; i++) {
		const struct wall_report_period *day =
		        &g_array_index(report->days, struct wall_report_period, i);
		char *date = wall_report_day_text(day->from_us);
		g_string_append_printf(out, "<tr><td>%s</td>", date);
		put_cell(out, &report->wall->days[i]);
		g_string_append(out, "</tr>\n");
		g_free(date);
	}
	g_string_append(out, "</table>\n");
}

static void put_towns(GString *out, const struct wall_report *report)
{
	g_string_append(out, "<h2>乡镇明细</h2><table id=\"towns\"><tr><th>区县</th><th>乡镇</th>");
	g_string_append(out, group_columns);
	for (guint i = 0; i < report->towns->len; i++) {
		const struct wall_report_row *row = report->towns->pdata[i];
		g_string_append(out, "<tr><td>");
		put_escaped(out, row->district);
		g_string_append(out, "</td><td>");
		put_escaped(out, row->name);
		g_string_append(out, "</td>");
		put_cell(out, &row->span);
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</table>\n");
}

static void put_failures(GString *out, const struct wall_report *report)
{
	g_string_append_printf(
	        out,
	        "<h2>异常摄像机清单（%u）</h2><table id=\"failures\"><tr><th>摄像机</th>"
	        "<th>区县 / 乡镇</th><th>类别</th><th>原因</th><th>起始时间</th>"
	        "<th>画面</th></tr>\n",
	        report->failures->len);
	for (guint i = 0; i < report->failures->len; i++) {
		const struct wall_report_failure *failure = report->failures->pdata[i];
		const struct wall_report_row *camera = failure->camera;
		g_string_append(out, "<tr class=\"failure\" data-source=\"");
		put_escaped(out, camera->name);
		g_string_append(out, "\"><td>");
		put_escaped(out, camera->label != NULL ? camera->label : camera->name);
		g_string_append(out, "<br><small>");
		put_escaped(out, camera->name);
		g_string_append(out, "</small></td><td>");
		put_escaped(out, camera->district != NULL ? camera->district : "—");
		g_string_append(out, " / ");
		put_escaped(out, camera->town != NULL ? camera->town : "—");
		g_string_append_printf(out, "</td><td class=\"bad\">%s</td><td>",
		                       wall_report_failure_label(failure->kind));
		put_escaped(out, failure->reason);
		char *since = wall_report_time_text(failure->since_us);
		g_string_append_printf(out, "</td><td>%s</td><td>", since);
		g_free(since);
		if (failure->thumbnail != NULL) {
			gsize size = 0;
			const guchar *png = g_bytes_get_data(failure->thumbnail, &size);
			char *base64 = g_base64_encode(png, size);
			g_string_append_printf(
			        out, "<img alt=\"画面\" src=\"data:image/png;base64,%s\">", base64);
			g_free(base64);
		}
		g_string_append(out, "</td></tr>\n");
	}
	g_string_append(out, "</table>\n");
}

bool wall_report_write_html(const struct wall_report *report, const struct wall_report_meta *meta,
                            FILE *out, GError **error)
{
	GString *text = g_string_new(NULL);
	put_header(text, report, meta);
	put_ranking(text, report);
	put_trend(text, report);
	put_towns(text, report);
	put_failures(text, report);
	g_string_append(text,
	                "<footer>在线率 = 在线时长 / (在线 + 离线时长)，墙体未运行的时段不计入。"
	                "优质：时段内最后一次巡检全部通过且未离线。</footer>\n"
	                "</main></body></html>\n");
	bool ok = fwrite(text->str, 1, text->len, out) == text->len && fflush(out) == 0;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "cannot write the report: %s", g_strerror(errno));
	}
	g_string_free(text, TRUE);
	return ok;
}
