/*
 * The report as JSON (/api/report): every row (the wall, districts, towns,
 * cameras) carries its figures over the span, then "days" (and "hours")
 * in the order of the top level's "days" and "hours".
 */
#include "inspection/report_write.h"
#include "json_write.h"

static void set_double_or_null(JsonBuilder *builder, const char *name, bool known, double value)
{
	json_builder_set_member_name(builder, name);
	if (known) {
		json_builder_add_double_value(builder, value);
	} else {
		json_builder_add_null_value(builder);
	}
}

static void cell_members(JsonBuilder *builder, const struct wall_report_cell *cell)
{
	wall_json_set_int(builder, "cameras", cell->cameras);
	wall_json_set_int(builder, "good", cell->good);
	wall_json_set_int(builder, "inspected", cell->inspected);
	json_builder_set_member_name(builder, "online_seconds");
	json_builder_add_double_value(builder, cell->online_s);
	json_builder_set_member_name(builder, "offline_seconds");
	json_builder_add_double_value(builder, cell->offline_s);
	json_builder_set_member_name(builder, "unknown_seconds");
	json_builder_add_double_value(builder, cell->unknown_s);
	double value = 0;
	bool known = wall_report_cell_online_rate(cell, &value);
	set_double_or_null(builder, "online_rate", known, value);
	known = wall_report_cell_coverage(cell, &value);
	set_double_or_null(builder, "quality_coverage", known, value);
}

static void cells(JsonBuilder *builder, const char *name, const struct wall_report_cell *list,
                  guint n)
{
	json_builder_set_member_name(builder, name);
	json_builder_begin_array(builder);
	for (guint i = 0; i < n; i++) {
		json_builder_begin_object(builder);
		cell_members(builder, &list[i]);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

static void row(JsonBuilder *builder, const struct wall_report *report,
                const struct wall_report_row *r, bool camera)
{
	json_builder_begin_object(builder);
	wall_json_set_string(builder, camera ? "source" : "name", r->name);
	if (camera) {
		wall_json_set_string(builder, "label", r->label);
		wall_json_set_string(builder, "town", r->town);
	}
	if (camera || r->district != NULL) {
		wall_json_set_string(builder, "district", r->district);
	}
	cell_members(builder, &r->span);
	if (camera) {
		wall_json_set_int(builder, "last_inspection_us", r->last_visit_us);
	}
	cells(builder, "days", r->days, report->days->len);
	if (report->hours != NULL) {
		cells(builder, "hours", r->hours, report->hours->len);
	}
	json_builder_end_object(builder);
}

static void rows(JsonBuilder *builder, const struct wall_report *report, const char *name,
                 GPtrArray *list, bool camera)
{
	json_builder_set_member_name(builder, name);
	json_builder_begin_array(builder);
	for (guint i = 0; i < list->len; i++) {
		row(builder, report, list->pdata[i], camera);
	}
	json_builder_end_array(builder);
}

static void periods(JsonBuilder *builder, const char *name, GArray *list, bool days)
{
	json_builder_set_member_name(builder, name);
	json_builder_begin_array(builder);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		const struct wall_report_period *period =
		        &g_array_index(list, struct wall_report_period, i);
		json_builder_begin_object(builder);
		if (days) {
			char *day = wall_report_day_text(period->from_us);
			wall_json_set_string(builder, "day", day);
			g_free(day);
		}
		wall_json_set_int(builder, "from_us", period->from_us);
		wall_json_set_int(builder, "to_us", period->to_us);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

static void failures(JsonBuilder *builder, const struct wall_report *report)
{
	static const char *const kinds[] = {
	        [WALL_REPORT_FAILURE_OFFLINE] = "offline",
	        [WALL_REPORT_FAILURE_CHECKS] = "checks",
	        [WALL_REPORT_FAILURE_NOT_INSPECTED] = "not_inspected",
	};
	json_builder_set_member_name(builder, "failures");
	json_builder_begin_array(builder);
	for (guint i = 0; i < report->failures->len; i++) {
		const struct wall_report_failure *failure = report->failures->pdata[i];
		json_builder_begin_object(builder);
		wall_json_set_string(builder, "source", failure->camera->name);
		wall_json_set_string(builder, "district", failure->camera->district);
		wall_json_set_string(builder, "town", failure->camera->town);
		wall_json_set_string(builder, "kind", kinds[failure->kind]);
		wall_json_set_string(builder, "reason", failure->reason);
		json_builder_set_member_name(builder, "checks");
		json_builder_begin_array(builder);
		for (char **check = failure->checks; check != NULL && *check != NULL; check++) {
			json_builder_add_string_value(builder, *check);
		}
		json_builder_end_array(builder);
		json_builder_set_member_name(builder, "since_us");
		if (failure->since_us != 0) {
			json_builder_add_int_value(builder, failure->since_us);
		} else {
			json_builder_add_null_value(builder);
		}
		wall_json_set_bool(builder, "thumbnail", failure->thumbnail != NULL);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

char *wall_report_json(const struct wall_report *report)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	char *from = wall_report_day_text(report->from_us);
	char *to = wall_report_day_text(report->to_us - 1);
	wall_json_set_string(builder, "from", from);
	wall_json_set_string(builder, "to", to);
	g_free(from);
	g_free(to);
	wall_json_set_int(builder, "from_us", report->from_us);
	wall_json_set_int(builder, "to_us", report->to_us);
	wall_json_set_int(builder, "known_until_us", report->known_until_us);
	periods(builder, "days", report->days, true);
	if (report->hours != NULL) {
		periods(builder, "hours", report->hours, false);
	}
	json_builder_set_member_name(builder, "wall");
	row(builder, report, report->wall, false);
	GPtrArray *ranking = wall_report_district_ranking(report);
	rows(builder, report, "districts", ranking, false);
	g_ptr_array_unref(ranking);
	rows(builder, report, "towns", report->towns, false);
	rows(builder, report, "cameras", report->cameras, true);
	failures(builder, report);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}
