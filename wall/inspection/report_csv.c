/* The report as CSV: one row per camera per day (RFC 4180 quoting). Each
 * field ends with a comma; the line's last one is dropped. */
#include <errno.h>
#include <string.h>

#include "inspection/report_write.h"

static void field(GString *line, const char *value)
{
	if (value != NULL && strpbrk(value, ",\"\r\n") == NULL) {
		g_string_append(line, value);
	} else if (value != NULL) {
		g_string_append_c(line, '"');
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '"') {
				g_string_append_c(line, '"');
			}
			g_string_append_c(line, *p);
		}
		g_string_append_c(line, '"');
	}
	g_string_append_c(line, ',');
}

static void number(GString *line, const char *format, double value)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(text, sizeof text, format, value);
	field(line, text);
}

bool wall_report_write_csv(const struct wall_report *report, FILE *out, GError **error)
{
	GString *text = g_string_new("date,camera,label,district,town,online_seconds,"
	                             "offline_seconds,unknown_seconds,online_rate,inspected,"
	                             "quality_ok\r\n");
	GString *line = g_string_new(NULL);
	for (guint d = 0; d < report->days->len; d++) {
		const struct wall_report_period *day =
		        &g_array_index(report->days, struct wall_report_period, d);
		char *date = wall_report_day_text(day->from_us);
		for (guint c = 0; c < report->cameras->len; c++) {
			const struct wall_report_row *camera = report->cameras->pdata[c];
			const struct wall_report_cell *cell = &camera->days[d];
			g_string_truncate(line, 0);
			field(line, date);
			field(line, camera->name);
			field(line, camera->label);
			field(line, camera->district);
			field(line, camera->town);
			number(line, "%.0f", cell->online_s);
			number(line, "%.0f", cell->offline_s);
			number(line, "%.0f", cell->unknown_s);
			double rate;
			if (wall_report_cell_online_rate(cell, &rate)) {
				number(line, "%.4f", rate);
			} else {
				field(line, "");
			}
			field(line, cell->inspected ? "1" : "0");
			field(line, cell->good ? "1" : "0");
			g_string_truncate(line, line->len - 1);
			g_string_append(text, line->str);
			g_string_append(text, "\r\n");
		}
		g_free(date);
	}
	g_string_free(line, TRUE);
	bool ok = fwrite(text->str, 1, text->len, out) == text->len && fflush(out) == 0;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "cannot write the report: %s", g_strerror(errno));
	}
	g_string_free(text, TRUE);
	return ok;
}
