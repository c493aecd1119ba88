/*
 * The inspection report (inspection/report.h) written out: CSV (one row
 * per camera per day), one self-contained HTML file (thumbnails as data:
 * URIs), an A4 PDF drawn with Cairo and Pango in Chinese, and JSON for
 * /api/report. Any thread; each call writes the whole report.
 */
#ifndef WALL_INSPECTION_REPORT_WRITE_H
#define WALL_INSPECTION_REPORT_WRITE_H

#include <stdio.h>

#include "inspection/report.h"

/** What the report says about itself. */
struct wall_report_meta {
	/** The wall's name (wall.name, else the layout file's name). */
	const char *wall_name;
	/** When it was made, wall clock. */
	int64_t generated_us;
};

/**
 * Columns: date, camera, label, district, town, online_seconds,
 * offline_seconds, unknown_seconds, online_rate (0..1, empty when no time
 * was known), inspected (0/1), quality_ok (0/1: 优质 that day).
 */
bool wall_report_write_csv(const struct wall_report *report, FILE *out, GError **error);
bool wall_report_write_html(const struct wall_report *report, const struct wall_report_meta *meta,
                            FILE *out, GError **error);
bool wall_report_write_pdf(const struct wall_report *report, const struct wall_report_meta *meta,
                           FILE *out, GError **error);
/** The figures as compact JSON (g_free it); thumbnails are left out. */
char *wall_report_json(const struct wall_report *report);

#endif
