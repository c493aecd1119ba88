#include "http_report.h"

#include <string.h>

#include "inspection/report_write.h"
#include "json_write.h"

/* Reports longer than this are a mistake (a year typed wrong), not a wish. */
#define MAX_REPORT_DAYS 366

/* What the report thread needs, copied: it may outlive the server. */
struct job {
	SoupServerMessage *msg;
	/* struct wall_report_camera_in, strings owned. */
	GArray *cameras;
	char *state_path;
	char *layout_key;
	int64_t from_us;
	int64_t to_us;
	int64_t now_us;
	bool hours;
	guint status;
	char *body;
};

static void copy_camera(void *user, const struct wall_camera_seen *camera)
{
	GArray *cameras = user;
	struct wall_report_camera_in in = {g_strdup(camera->source), NULL,
	                                   g_strdup(camera->district), g_strdup(camera->town)};
	g_array_append_val(cameras, in);
}

static void free_camera(void *data)
{
	struct wall_report_camera_in *in = data;
	g_free((char *)in->source);
	g_free((char *)in->district);
	g_free((char *)in->town);
}

static void job_free(void *data)
{
	struct job *job = data;
	g_object_unref(job->msg);
	g_array_unref(job->cameras);
	g_free(job->state_path);
	g_free(job->layout_key);
	g_free(job->body);
	g_free(job);
}

static char *error_json(const char *message)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "error", message);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

static void respond(SoupServerMessage *msg, guint status, char *body)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body,
	                                 strlen(body));
}

/* A query's day: its start in *start_us (left alone when absent), or a message. */
static bool query_day(GHashTable *query, const char *name, int64_t *start_us, char **message)
{
	const char *text = query != NULL ? g_hash_table_lookup(query, name) : NULL;
	if (text != NULL && !wall_report_parse_day(text, start_us)) {
		*message = g_strdup_printf("%s=%s: expected a day as YYYY-MM-DD", name, text);
		return false;
	}
	return true;
}

/* The span the query asks for; a message when it makes no sense. */
static char *parse_query(GHashTable *query, struct job *job)
{
	int64_t day_us = -1, from_us = -1, to_us = -1;
	char *message = NULL;
	if (!query_day(query, "day", &day_us, &message) ||
	    !query_day(query, "from", &from_us, &message) ||
	    !query_day(query, "to", &to_us, &message)) {
		return message;
	}
	if (day_us >= 0 && (from_us >= 0 || to_us >= 0)) {
		return g_strdup("give day=, or from= and to=, not both");
	}
	if (from_us < 0 && to_us >= 0) {
		return g_strdup("to= needs from=");
	}
	job->hours = from_us < 0;
	const char *by = query != NULL ? g_hash_table_lookup(query, "by") : NULL;
	if (by != NULL && g_strcmp0(by, "hour") != 0 && g_strcmp0(by, "day") != 0) {
		return g_strdup_printf("by=%s: expected hour or day", by);
	}
	if (by != NULL) {
		job->hours = g_strcmp0(by, "hour") == 0;
	}
	if (from_us < 0 && day_us < 0) {
		int64_t end_us;
		wall_camera_history_day(job->now_us, &day_us, &end_us);
	}
	job->from_us = from_us >= 0 ? from_us : day_us;
	job->to_us = to_us >= 0 ? to_us : job->from_us;
	if (job->to_us < job->from_us) {
		return g_strdup("to= comes before from=");
	}
	if (job->to_us > job->now_us) {
		return g_strdup("the report cannot end after today");
	}
	if (job->to_us - job->from_us >= (int64_t)MAX_REPORT_DAYS * 86400 * G_USEC_PER_SEC) {
		return g_strdup_printf("a report covers at most %d days", MAX_REPORT_DAYS);
	}
	return NULL;
}

/* On the task's thread. */
static void build(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source;
	(void)cancellable;
	struct job *job = data;
	struct wall_report_query query = {
	        .state_path = job->state_path,
	        .layout_key = job->layout_key,
	        .from_us = job->from_us,
	        .to_us = job->to_us,
	        .now_us = job->now_us,
	        .hours = job->hours,
	};
	GError *error = NULL;
	struct wall_report *report =
	        wall_report_build(&query, (const struct wall_report_camera_in *)job->cameras->data,
	                          job->cameras->len, &error);
	if (report != NULL) {
		job->status = SOUP_STATUS_OK;
		job->body = wall_report_json(report);
		wall_report_free(report);
	} else {
		job->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
		job->body = error_json(error->message);
		g_error_free(error);
	}
	g_task_return_boolean(task, TRUE);
}

/* Back on the control thread. */
static void built(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)source;
	(void)data;
	struct job *job = g_task_get_task_data(G_TASK(result));
	respond(job->msg, job->status, g_steal_pointer(&job->body));
	soup_server_message_unpause(job->msg);
}

void wall_http_report(SoupServerMessage *msg, GHashTable *query, struct wall_camera_health *cameras)
{
	const struct wall_camera_history *history = wall_camera_health_history(cameras);
	if (history == NULL) {
		respond(msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
		        error_json("this wall keeps no camera history"));
		return;
	}
	struct job *job = g_new0(struct job, 1);
	job->msg = g_object_ref(msg);
	job->now_us = g_get_real_time();
	job->cameras = g_array_new(FALSE, FALSE, sizeof(struct wall_report_camera_in));
	g_array_set_clear_func(job->cameras, free_camera);
	char *message = parse_query(query, job);
	if (message != NULL) {
		respond(msg, SOUP_STATUS_BAD_REQUEST, error_json(message));
		g_free(message);
		job_free(job);
		return;
	}
	wall_camera_health_foreach(cameras, copy_camera, job->cameras);
	job->state_path = g_strdup(wall_camera_history_path(history));
	job->layout_key = g_strdup(wall_camera_history_layout(history));
	soup_server_message_pause(msg);
	GTask *task = g_task_new(NULL, NULL, built, NULL);
	g_task_set_task_data(task, job, job_free);
	g_task_run_in_thread(task, build);
	g_object_unref(task);
}
