#include "report_command.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "control/state.h"
#include "inspection/camera_history.h"
#include "inspection/report_write.h"
#include "layout.h"
#include "log.h"
#include "paths.h"
#include "plugin_registry.h"
#include "wall.h"

/* Reports longer than this are a mistake (a year typed wrong), not a wish. */
#define MAX_REPORT_DAYS 366

struct report_options {
	char *from;
	char *to;
	char *format;
	char *output;
	char *state_path;
	char *plugin_path;
	bool quiet;
	char *layout_path;
	int64_t from_us;
	int64_t to_us;
};

static void options_finish(struct report_options *options)
{
	g_free(options->from);
	g_free(options->to);
	g_free(options->format);
	g_free(options->output);
	g_free(options->state_path);
	g_free(options->plugin_path);
	g_free(options->layout_path);
}

static bool usage_error(GError **error, const char *format, const char *value)
{
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, format, value);
	return false;
}

static bool parse_options(struct report_options *options, int argc, char **argv, GError **error)
{
	char **rest = NULL;
	GOptionEntry entries[] = {
	        {"from", 0, 0, G_OPTION_ARG_STRING, &options->from,
	         "First day of the report (local time)", "YYYY-MM-DD"},
	        {"to", 0, 0, G_OPTION_ARG_STRING, &options->to,
	         "Last day of the report, included (default: --from)", "YYYY-MM-DD"},
	        {"format", 0, 0, G_OPTION_ARG_STRING, &options->format,
	         "pdf (A4, for printing), html (one self-contained file) or csv (one row per "
	         "camera per day); default pdf",
	         "FORMAT"},
	        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &options->output,
	         "Write to FILE, - for standard output (default: "
	         "wall-report-FROM_TO.FORMAT here)",
	         "FILE"},
	        {"state", 0, 0, G_OPTION_ARG_FILENAME, &options->state_path,
	         "The wall's state file, as given to the wall (default: "
	         "$XDG_STATE_HOME/wall/state.sqlite)",
	         "FILE"},
	        {"plugin-path", 0, 0, G_OPTION_ARG_FILENAME, &options->plugin_path,
	         "Look for plugins in DIR first, to know which sources are cameras", "DIR"},
	        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet, "Say nothing on success",
	         NULL},
	        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "LAYOUT.yaml"},
	        {NULL},
	};
	/* Usage reads "wall report [OPTION…] LAYOUT.yaml". */
	g_set_prgname("wall report");
	GOptionContext *context = g_option_context_new(NULL);
	g_option_context_set_summary(context,
	                             "Write the camera inspection report of the wall showing "
	                             "LAYOUT: district ranking, trend by day, failing cameras.");
	g_option_context_add_main_entries(context, entries, NULL);
	bool ok = g_option_context_parse(context, &argc, &argv, error);
	g_option_context_free(context);
	if (!ok) {
		goto out;
	}
	ok = false;
	if (options->from == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "--from DAY is required, like --from 2026-12-01");
		goto out;
	}
	if (!wall_report_parse_day(options->from, &options->from_us)) {
		usage_error(error, "--from %s: expected a day as YYYY-MM-DD, like 2026-12-01",
		            options->from);
		goto out;
	}
	if (options->to == NULL) {
		options->to = g_strdup(options->from);
	}
	if (!wall_report_parse_day(options->to, &options->to_us)) {
		usage_error(error, "--to %s: expected a day as YYYY-MM-DD, like 2026-12-07",
		            options->to);
		goto out;
	}
	if (options->to_us < options->from_us) {
		usage_error(error, "--to %s comes before --from", options->to);
		goto out;
	}
	if (options->to_us > g_get_real_time()) {
		usage_error(error, "--to %s is after today: there is no history yet", options->to);
		goto out;
	}
	if (options->to_us - options->from_us >=
	    (int64_t)MAX_REPORT_DAYS * 86400 * G_USEC_PER_SEC) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		            "--from %s --to %s: a report covers at most %d days", options->from,
		            options->to, MAX_REPORT_DAYS);
		goto out;
	}
	if (options->format == NULL) {
		options->format = g_strdup("pdf");
	}
	if (strcmp(options->format, "pdf") != 0 && strcmp(options->format, "html") != 0 &&
	    strcmp(options->format, "csv") != 0) {
		usage_error(error, "--format must be pdf, html or csv, not \"%s\"",
		            options->format);
		goto out;
	}
	if (rest == NULL || rest[0] == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "no layout file given: wall report --from DAY [--to DAY] LAYOUT.yaml");
		goto out;
	}
	if (rest[1] != NULL) {
		usage_error(error, "one layout file only, got \"%s\" too", rest[1]);
		goto out;
	}
	options->layout_path = g_strdup(rest[0]);
	if (options->output == NULL) {
		options->output = g_strdup_printf("wall-report-%s_%s.%s", options->from,
		                                  options->to, options->format);
	}
	ok = true;
out:
	g_strfreev(rest);
	return ok;
}

/* The layout's cameras: sources whose plugin is a camera, or that have history. */
static GArray *layout_cameras(const struct wall_layout *layout,
                              struct wall_plugin_registry *registry, GHashTable *known)
{
	GArray *cameras = g_array_new(FALSE, FALSE, sizeof(struct wall_report_camera_in));
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = layout->sources->pdata[i];
		const char *why = NULL;
		const struct wall_plugin *plugin =
		        source->plugin_error == NULL
		                ? wall_plugin_registry_get(registry, source->plugin, &why)
		                : NULL;
		bool camera = plugin != NULL && plugin->kind == WALL_PLUGIN_KIND_CAMERA;
		if (camera || g_hash_table_contains(known, source->name)) {
			struct wall_report_camera_in in = {source->name, source->label,
			                                   source->district, source->town};
			g_array_append_val(cameras, in);
		}
	}
	return cameras;
}

static void add_known(void *user, const char *camera)
{
	g_hash_table_add(user, g_strdup(camera));
}

/* Cameras the state file has history for, for this layout. */
static GHashTable *known_cameras(const char *state_path, const char *key, GError **error)
{
	if (!g_file_test(state_path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		            "%s: no state file there: the wall writes its camera history while it "
		            "runs (give the wall's --state FILE)",
		            state_path);
		return NULL;
	}
	struct wall_camera_history *history = wall_camera_history_open(state_path, key, error);
	if (history == NULL) {
		return NULL;
	}
	GHashTable *known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	wall_camera_history_foreach_camera(history, add_known, known);
	wall_camera_history_close(history);
	return known;
}

static bool write_report(const struct report_options *options, const struct wall_report *report,
                         const char *wall_name, GError **error)
{
	bool to_stdout = strcmp(options->output, "-") == 0;
	char *partial = to_stdout ? NULL : g_strconcat(options->output, ".partial", NULL);
	FILE *out = to_stdout ? stdout : g_fopen(partial, "wb");
	if (out == NULL) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
		            options->output, g_strerror(errno));
		g_free(partial);
		return false;
	}
	struct wall_report_meta meta = {wall_name, g_get_real_time()};
	bool ok;
	if (strcmp(options->format, "csv") == 0) {
		ok = wall_report_write_csv(report, out, error);
	} else if (strcmp(options->format, "html") == 0) {
		ok = wall_report_write_html(report, &meta, out, error);
	} else {
		ok = wall_report_write_pdf(report, &meta, out, error);
	}
	if (!to_stdout) {
		ok = fclose(out) == 0 && ok;
		/* A report is whole or not there: never half a file under its name. */
		if (ok && g_rename(partial, options->output) != 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			            options->output, g_strerror(errno));
			ok = false;
		}
		if (!ok) {
			g_unlink(partial);
		}
	}
	if (!ok && error != NULL && *error != NULL) {
		g_prefix_error(error, "%s: ", options->output);
	}
	g_free(partial);
	return ok;
}

/* wall.name, else the layout file's name without its extension. */
static char *wall_name(const struct wall_layout *layout)
{
	if (layout->name != NULL) {
		return g_strdup(layout->name);
	}
	char *base = g_path_get_basename(layout->path);
	char *dot = strrchr(base, '.');
	if (dot != NULL && dot != base) {
		*dot = '\0';
	}
	return base;
}

int wall_report_main(int argc, char **argv)
{
	struct report_options options = {0};
	GError *error = NULL;
	if (!parse_options(&options, argc, argv, &error)) {
		fprintf(stderr, "wall report: %s\n", error->message);
		g_error_free(error);
		options_finish(&options);
		return WALL_EXIT_USAGE;
	}
	wall_log_set_level(WALL_LOG_ERROR);
	int status = WALL_EXIT_OK;
	char **dirs = wall_paths_plugin_dirs(options.plugin_path);
	struct wall_plugin_registry *registry =
	        wall_plugin_registry_create((const char *const *)dirs);
	g_strfreev(dirs);
	struct wall_layout *layout = wall_layout_load(
	        options.layout_path, wall_plugin_registry_options, registry, &error);
	char *state_path = options.state_path != NULL ? g_strdup(options.state_path)
	                                              : wall_state_default_path();
	char *key = layout != NULL ? g_canonicalize_filename(layout->path, NULL) : NULL;
	GHashTable *known = NULL;
	GArray *cameras = NULL;
	struct wall_report *report = NULL;
	char *name = NULL;
	if (layout == NULL) {
		fprintf(stderr, "%s\n", error->message);
		status = WALL_EXIT_BAD_LAYOUT;
		goto out;
	}
	known = known_cameras(state_path, key, &error);
	if (known == NULL) {
		status = WALL_EXIT_NO_DATA;
		goto fail;
	}
	if (g_hash_table_size(known) == 0) {
		/* The history is kept per layout file: a copy elsewhere has none. */
		fprintf(stderr,
		        "wall report: warning: %s has no camera history for %s (the wall keeps it "
		        "under the layout file's full path)\n",
		        state_path, key);
	}
	cameras = layout_cameras(layout, registry, known);
	struct wall_report_query query = {
	        .state_path = state_path,
	        .layout_key = key,
	        .from_us = options.from_us,
	        .to_us = options.to_us,
	        .now_us = g_get_real_time(),
	};
	report = wall_report_build(&query, (const struct wall_report_camera_in *)cameras->data,
	                           cameras->len, &error);
	if (report == NULL) {
		status = WALL_EXIT_NO_DATA;
		goto fail;
	}
	name = wall_name(layout);
	if (!write_report(&options, report, name, &error)) {
		status = WALL_EXIT_NO_DATA;
		goto fail;
	}
	if (!options.quiet && strcmp(options.output, "-") != 0) {
		fprintf(stderr, "wall report: wrote %s (%u cameras, %u failing)\n", options.output,
		        cameras->len, report->failures->len);
	}
	goto out;
fail:
	fprintf(stderr, "wall report: %s\n", error->message);
out:
	g_clear_error(&error);
	g_free(name);
	wall_report_free(report);
	if (cameras != NULL) {
		g_array_unref(cameras);
	}
	if (known != NULL) {
		g_hash_table_unref(known);
	}
	g_free(key);
	g_free(state_path);
	wall_layout_destroy(layout);
	wall_plugin_registry_destroy(registry);
	options_finish(&options);
	return status;
}
