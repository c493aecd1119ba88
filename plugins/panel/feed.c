/*
 * Where a panel's data comes from. Every feed runs on the panel's own
 * thread, on that thread's main context: a GFileMonitor for files, a
 * libsoup session for HTTP, and cheap polling of the host's tables for
 * wall metrics and pushed documents. None of it ever runs on the render
 * thread or in create().
 */
#include <libsoup/soup.h>
#include <string.h>

#include "panel.h"

enum feed_kind {
	FEED_INVALID = 0,
	FEED_FILE,
	FEED_HTTP,
	FEED_METRIC,
	FEED_PUSH,
};

struct panel_feed {
	enum feed_kind kind;
	const struct wall_host *host;
	struct wall_source *source;
	panel_feed_fn fn;
	void *user;
	/* The path, URL, metric name or key. */
	char *target;
	GMainContext *context;
	int64_t interval_ms;
	int64_t timeout_ms;
	GSource *timer;

	/* file */
	GFileMonitor *monitor;
	GSource *debounce;

	/* http */
	SoupSession *session;
	GCancellable *cancellable;
	GSource *deadline;
	/* The response being read, at most PANEL_MAX_BODY_BYTES of it. */
	GInputStream *stream;
	GByteArray *body;
	uint8_t chunk[16384];
	bool timed_out;
	/* A request is out; its callback will come, even when cancelled. */
	bool in_flight;
	/* Set by destroy: the callback only notes it is done. */
	bool closing;

	/* push */
	uint64_t generation;
	/* wall metric */
	bool has_metric;
	double metric;
};

/* ---- The clock ---- */

static int64_t unix_us(GDateTime *time)
{
	return g_date_time_to_unix(time) * G_USEC_PER_SEC + g_date_time_get_microsecond(time);
}

static GDateTime *fixed_time(void)
{
	static GDateTime *fixed;
	static gsize once;
	if (g_once_init_enter(&once)) {
		const char *text = g_getenv("WALL_PANEL_TIME");
		if (text != NULL && *text != '\0') {
			fixed = g_date_time_new_from_iso8601(text, NULL);
			if (fixed == NULL) {
				g_printerr("panel: WALL_PANEL_TIME=%s is not an ISO 8601 time "
					   "like 2025-06-18T09:30:00+08:00; using the real clock\n",
					   text);
			}
		}
		g_once_init_leave(&once, 1);
	}
	return fixed;
}

bool panel_time_fixed(void)
{
	return fixed_time() != NULL;
}

int64_t panel_now_us(void)
{
	GDateTime *fixed = fixed_time();
	return fixed != NULL ? unix_us(fixed) : g_get_real_time();
}

GDateTime *panel_date_time(int64_t real_us)
{
	GDateTime *seconds = g_date_time_new_from_unix_utc(real_us / G_USEC_PER_SEC);
	GDateTime *utc = g_date_time_add(seconds, real_us % G_USEC_PER_SEC);
	g_date_time_unref(seconds);
	GDateTime *fixed = fixed_time();
	GDateTime *local;
	if (fixed != NULL) {
		GTimeZone *zone = g_time_zone_new_offset(
			(gint32)(g_date_time_get_utc_offset(fixed) / G_TIME_SPAN_SECOND));
		local = g_date_time_to_timezone(utc, zone);
		g_time_zone_unref(zone);
	} else {
		local = g_date_time_to_local(utc);
	}
	g_date_time_unref(utc);
	return local;
}

/* ---- Common ---- */

static enum feed_kind kind_of(const char *spec, const char **target)
{
	static const struct {
		const char *prefix;
		enum feed_kind kind;
		bool keep_prefix;
	} kinds[] = {
		{"file:", FEED_FILE, false},   {"http://", FEED_HTTP, true},
		{"https://", FEED_HTTP, true}, {"wall:", FEED_METRIC, false},
		{"push:", FEED_PUSH, false},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		if (g_str_has_prefix(spec, kinds[i].prefix)) {
			*target = kinds[i].keep_prefix ? spec : spec + strlen(kinds[i].prefix);
			return **target != '\0' ? kinds[i].kind : FEED_INVALID;
		}
	}
	return FEED_INVALID;
}

bool panel_feed_spec_valid(const char *spec, char **error)
{
	const char *target;
	if (spec == NULL || kind_of(spec, &target) == FEED_INVALID) {
		*error = g_strdup_printf("data \"%s\" is not file:PATH, http(s)://URL, wall:NAME "
					 "or push:KEY",
					 spec != NULL ? spec : "");
		return false;
	}
	return true;
}

/* Parse text and hand it on; a parse error is shown, the old values kept. */
static void deliver_text(struct panel_feed *feed, const char *text, gssize length,
			 int64_t as_of_us)
{
	JsonParser *parser = json_parser_new_immutable();
	GError *error = NULL;
	if (!json_parser_load_from_data(parser, text, length, &error)) {
		char *message = g_strdup_printf("bad JSON: %s", error->message);
		feed->fn(feed->user, NULL, 0, message);
		g_free(message);
		g_error_free(error);
	} else {
		feed->fn(feed->user, json_parser_get_root(parser), as_of_us, NULL);
	}
	g_object_unref(parser);
}

static GSource *add_timeout(struct panel_feed *feed, int64_t ms, GSourceFunc fn)
{
	GSource *source = g_timeout_source_new((guint)MAX(ms, 1));
	g_source_set_callback(source, fn, feed, NULL);
	g_source_attach(source, feed->context);
	return source;
}

static void drop_source(GSource **source)
{
	if (*source != NULL) {
		g_source_destroy(*source);
		g_source_unref(*source);
		*source = NULL;
	}
}

/* ---- file: ---- */

static void file_load(struct panel_feed *feed)
{
	GFile *file = g_file_new_for_path(feed->target);
	char *contents = NULL;
	gsize length = 0;
	GError *error = NULL;
	GFileInfo *size_info = g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
						 G_FILE_QUERY_INFO_NONE, NULL, NULL);
	goffset size_bytes = size_info != NULL ? g_file_info_get_size(size_info) : 0;
	g_clear_object(&size_info);
	if (size_bytes > PANEL_MAX_BODY_BYTES) {
		char *message = g_strdup_printf("cannot read %s: larger than %d KiB",
						feed->target, PANEL_MAX_BODY_BYTES / 1024);
		feed->fn(feed->user, NULL, 0, message);
		g_free(message);
	} else if (!g_file_load_contents(file, NULL, &contents, &length, NULL, &error)) {
		char *message = g_strdup_printf("cannot read %s: %s", feed->target,
						error->code == G_IO_ERROR_NOT_FOUND ? "no such file"
										    : error->message);
		feed->fn(feed->user, NULL, 0, message);
		g_free(message);
		g_error_free(error);
	} else {
		/* A file is as old as its last change, not as the wall's reading. */
		int64_t as_of_us = panel_now_us();
		GFileInfo *info = g_file_query_info(file, G_FILE_ATTRIBUTE_TIME_MODIFIED "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
						    G_FILE_QUERY_INFO_NONE, NULL, NULL);
		if (info != NULL && !panel_time_fixed()) {
			GDateTime *modified = g_file_info_get_modification_date_time(info);
			if (modified != NULL) {
				as_of_us = unix_us(modified);
				g_date_time_unref(modified);
			}
		}
		g_clear_object(&info);
		deliver_text(feed, contents, (gssize)length, as_of_us);
		g_free(contents);
	}
	g_object_unref(file);
}

static gboolean file_debounced(void *data)
{
	struct panel_feed *feed = data;
	g_source_unref(feed->debounce);
	feed->debounce = NULL;
	file_load(feed);
	return G_SOURCE_REMOVE;
}

static void file_changed(GFileMonitor *monitor, GFile *file, GFile *other,
			 GFileMonitorEvent event, void *data)
{
	struct panel_feed *feed = data;
	switch (event) {
	case G_FILE_MONITOR_EVENT_CHANGED:
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_RENAMED:
		break;
	default:
		return;
	}
	/*
	 * A writer's several events come as one reload, a little after the
	 * last: a file caught half written would show as bad JSON.
	 */
	drop_source(&feed->debounce);
	feed->debounce = add_timeout(feed, 50, file_debounced);
}

static bool file_start(struct panel_feed *feed, char **error)
{
	GFile *file = g_file_new_for_path(feed->target);
	GError *monitor_error = NULL;
	feed->monitor = g_file_monitor_file(file, G_FILE_MONITOR_WATCH_MOVES, NULL,
					    &monitor_error);
	g_object_unref(file);
	if (feed->monitor == NULL) {
		*error = g_strdup_printf("cannot watch %s: %s", feed->target,
					 monitor_error->message);
		g_error_free(monitor_error);
		return false;
	}
	g_signal_connect(feed->monitor, "changed", G_CALLBACK(file_changed), feed);
	file_load(feed);
	return true;
}

/* ---- http(s):// ---- */

static void http_poll(struct panel_feed *feed);

static gboolean http_timer(void *data)
{
	struct panel_feed *feed = data;
	g_source_unref(feed->timer);
	feed->timer = NULL;
	http_poll(feed);
	return G_SOURCE_REMOVE;
}

static gboolean http_deadline(void *data)
{
	struct panel_feed *feed = data;
	g_source_unref(feed->deadline);
	feed->deadline = NULL;
	feed->timed_out = true;
	g_cancellable_cancel(feed->cancellable);
	return G_SOURCE_REMOVE;
}

/* The poll is over, with text (length bytes) or an error message. */
static void http_finish(struct panel_feed *feed, const char *text, gsize length,
			const char *error_message)
{
	feed->in_flight = false;
	g_clear_object(&feed->stream);
	if (feed->body != NULL) {
		g_byte_array_unref(feed->body);
		feed->body = NULL;
	}
	if (feed->closing) {
		/* panel_feed_destroy() waits for this and frees the rest. */
		return;
	}
	drop_source(&feed->deadline);
	if (feed->timed_out) {
		char *seconds = panel_format_number(feed->timeout_ms / 1000.0, -1);
		char *message = g_strdup_printf("timed out after %s s", seconds);
		feed->fn(feed->user, NULL, 0, message);
		g_free(message);
		g_free(seconds);
	} else if (error_message != NULL) {
		feed->fn(feed->user, NULL, 0, error_message);
	} else {
		deliver_text(feed, text, (gssize)length, panel_now_us());
	}
	g_clear_object(&feed->cancellable);
	feed->timer = add_timeout(feed, feed->interval_ms, http_timer);
}

static char *too_large(void)
{
	return g_strdup_printf("the HTTP body is larger than %d KiB",
			       PANEL_MAX_BODY_BYTES / 1024);
}

static void http_read_more(struct panel_feed *feed);

/* A piece of the body came: keep it, unless the body grows past the limit. */
static void http_read(GObject *object, GAsyncResult *result, void *data)
{
	struct panel_feed *feed = data;
	GError *error = NULL;
	gssize got = g_input_stream_read_finish(G_INPUT_STREAM(object), result, &error);
	if (got < 0) {
		http_finish(feed, NULL, 0, error->message);
		g_error_free(error);
		return;
	}
	if (got == 0) {
		/* Copied out first: http_finish() frees the buffer. */
		GByteArray *body = g_byte_array_ref(feed->body);
		http_finish(feed, (const char *)body->data, body->len, NULL);
		g_byte_array_unref(body);
		return;
	}
	if (feed->body->len + (gsize)got > PANEL_MAX_BODY_BYTES) {
		/* Stop reading: the connection goes, and so does what came. */
		char *message = too_large();
		http_finish(feed, NULL, 0, message);
		g_free(message);
		return;
	}
	g_byte_array_append(feed->body, feed->chunk, (guint)got);
	http_read_more(feed);
}

static void http_read_more(struct panel_feed *feed)
{
	g_input_stream_read_async(feed->stream, feed->chunk, sizeof(feed->chunk),
				  G_PRIORITY_DEFAULT, feed->cancellable, http_read, feed);
}

/* The headers came: check them, then read the body piece by piece. */
static void http_sent(GObject *object, GAsyncResult *result, void *data)
{
	struct panel_feed *feed = data;
	GError *error = NULL;
	feed->stream = soup_session_send_finish(SOUP_SESSION(object), result, &error);
	if (feed->stream == NULL) {
		http_finish(feed, NULL, 0, error->message);
		g_error_free(error);
		return;
	}
	SoupMessage *message = soup_session_get_async_result_message(feed->session, result);
	SoupMessageHeaders *headers = soup_message_get_response_headers(message);
	char *failure = NULL;
	if (!SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(message))) {
		failure = g_strdup_printf("HTTP %u %s", soup_message_get_status(message),
					  soup_message_get_reason_phrase(message));
	} else if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
		   soup_message_headers_get_content_length(headers) > PANEL_MAX_BODY_BYTES) {
		failure = too_large();
	}
	if (failure != NULL) {
		http_finish(feed, NULL, 0, failure);
		g_free(failure);
		return;
	}
	feed->body = g_byte_array_new();
	http_read_more(feed);
}

static void http_poll(struct panel_feed *feed)
{
	SoupMessage *message = soup_message_new(SOUP_METHOD_GET, feed->target);
	if (message == NULL) {
		feed->fn(feed->user, NULL, 0, "bad URL");
		return;
	}
	soup_message_headers_append(soup_message_get_request_headers(message), "Accept",
				    "application/json");
	feed->cancellable = g_cancellable_new();
	feed->timed_out = false;
	feed->in_flight = true;
	/* Our own deadline covers connecting and reading, to the millisecond. */
	feed->deadline = add_timeout(feed, feed->timeout_ms, http_deadline);
	soup_session_send_async(feed->session, message, G_PRIORITY_DEFAULT, feed->cancellable,
				http_sent, feed);
	g_object_unref(message);
}

static bool http_start(struct panel_feed *feed, char **error)
{
	GUri *uri = g_uri_parse(feed->target, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL) {
		*error = g_strdup_printf("data %s is not a valid URL", feed->target);
		return false;
	}
	g_uri_unref(uri);
	feed->session = soup_session_new_with_options("user-agent", "wall-panel",
						      "max-conns-per-host", 1, NULL);
	http_poll(feed);
	return true;
}

/* ---- wall: and push: ---- */

static void push_received(void *user, const char *json, uint64_t generation)
{
	struct panel_feed *feed = user;
	feed->generation = generation;
	deliver_text(feed, json, -1, panel_now_us());
}

static void poll_host(struct panel_feed *feed)
{
	if (feed->kind == FEED_PUSH) {
		if (!WALL_HOST_HAS(feed->host, read_data)) {
			feed->fn(feed->user, NULL, 0, "this wall cannot push data to panels");
			return;
		}
		if (!feed->host->read_data(feed->source, feed->target, feed->generation,
					   push_received, feed) &&
		    feed->generation == 0) {
			feed->fn(feed->user, NULL, 0, NULL);
		}
		return;
	}
	if (!WALL_HOST_HAS(feed->host, read_metric)) {
		feed->fn(feed->user, NULL, 0, "this wall publishes no metrics to panels");
		return;
	}
	double value;
	if (!feed->host->read_metric(feed->source, feed->target, &value)) {
		if (!feed->has_metric) {
			/* Not published yet: waiting, not an error. */
			feed->fn(feed->user, NULL, 0, NULL);
		} else {
			feed->fn(feed->user, NULL, 0, "metric no longer published");
		}
		return;
	}
	/* The same figure read again is no news: it costs no redraw. */
	if (feed->has_metric && value == feed->metric) {
		return;
	}
	feed->has_metric = true;
	feed->metric = value;
	JsonNode *node = json_node_init_double(json_node_alloc(), value);
	feed->fn(feed->user, node, panel_now_us(), NULL);
	json_node_unref(node);
}

static gboolean host_timer(void *data)
{
	poll_host(data);
	return G_SOURCE_CONTINUE;
}

/* ---- Feeds ---- */

struct panel_feed *panel_feed_create(const struct wall_host *host, struct wall_source *source,
				     const char *spec, panel_feed_fn fn, void *user,
				     char **error)
{
	const char *target = NULL;
	enum feed_kind kind = spec != NULL ? kind_of(spec, &target) : FEED_INVALID;
	if (kind == FEED_INVALID) {
		panel_feed_spec_valid(spec, error);
		return NULL;
	}
	struct panel_feed *feed = g_new0(struct panel_feed, 1);
	feed->kind = kind;
	feed->host = host;
	feed->source = source;
	feed->fn = fn;
	feed->user = user;
	feed->context = g_main_context_ref_thread_default();
	feed->timeout_ms = host->config_duration_ms(source, "timeout", 5000);
	int64_t default_interval_ms = kind == FEED_HTTP ? 30000 : 1000;
	feed->interval_ms = host->config_duration_ms(source, "interval", default_interval_ms);
	if (kind == FEED_FILE && !g_path_is_absolute(target) &&
	    WALL_HOST_HAS(host, layout_dir) && host->layout_dir(source) != NULL) {
		feed->target = g_build_filename(host->layout_dir(source), target, NULL);
	} else {
		feed->target = g_strdup(target);
	}

	bool ok = true;
	switch (kind) {
	case FEED_FILE:
		ok = file_start(feed, error);
		break;
	case FEED_HTTP:
		ok = http_start(feed, error);
		break;
	case FEED_METRIC:
	case FEED_PUSH:
		poll_host(feed);
		feed->timer = g_timeout_source_new((guint)MAX(feed->interval_ms, 1));
		g_source_set_callback(feed->timer, host_timer, feed, NULL);
		g_source_attach(feed->timer, feed->context);
		break;
	case FEED_INVALID:
		break;
	}
	if (!ok) {
		panel_feed_destroy(feed);
		return NULL;
	}
	return feed;
}

void panel_feed_destroy(struct panel_feed *feed)
{
	if (feed == NULL) {
		return;
	}
	drop_source(&feed->timer);
	drop_source(&feed->debounce);
	drop_source(&feed->deadline);
	feed->closing = true;
	if (feed->cancellable != NULL) {
		g_cancellable_cancel(feed->cancellable);
	}
	/*
	 * A cancelled request still calls back, on this context: wait for it,
	 * so it never finds the feed freed.
	 */
	while (feed->in_flight) {
		g_main_context_iteration(feed->context, TRUE);
	}
	g_clear_object(&feed->cancellable);
	g_clear_object(&feed->session);
	if (feed->monitor != NULL) {
		g_signal_handlers_disconnect_by_data(feed->monitor, feed);
		g_file_monitor_cancel(feed->monitor);
		g_object_unref(feed->monitor);
	}
	g_main_context_unref(feed->context);
	g_free(feed->target);
	g_free(feed);
}
